// http1-tls: HTTP/1.x exchanges in the plaintext of Go's crypto/tls, with
// the connection's fd, addresses and TCP sequence numbers.
import type { GotracePlugin } from '../../core/engine/plugin';
import { tlsHooker } from './hooker';
import { tcpHooker } from './tcp-hooker';
import { createHttp1TlsRuntime } from './runtime';
import { CONN_FIELDS } from '../../core/offsets/conn-offsets';

export const plugin: GotracePlugin = {
  name: 'http1-tls',
  description: 'HTTP/1.x requests and responses inside Go TLS connections and on plain TCP',
  gotrace: '^0.1.0',
  // What each hooker's offsets are, for `gotrace support` (shipped-rules.test.ts checks them against DWARF plans).
  hookers: [{ ...tlsHooker, fieldsRead: CONN_FIELDS }, { ...tcpHooker, fieldsRead: ['runtime.g.goid', 'internal/poll.FD.Sysfd'] }],
  createRuntime: (options) => createHttp1TlsRuntime(options),
};
