// http1-tls: HTTP/1.x exchanges in the plaintext of Go's crypto/tls, with
// the connection's fd, addresses and TCP sequence numbers.
import type { GotracePlugin } from '../../core/engine/plugin';
import { tlsHooker } from './hooker';
import { tcpHooker } from './tcp-hooker';
import { createHttp1TlsRuntime } from './runtime';

export const plugin: GotracePlugin = {
  name: 'http1-tls',
  description: 'HTTP/1.x requests and responses inside Go TLS connections and on plain TCP',
  gotrace: '^0.1.0',
  hookers: [tlsHooker, tcpHooker],
  createRuntime: (options) => createHttp1TlsRuntime(options),
};
