// http2: HTTP/2 streams of Go's net/http (bundled http2) and
// golang.org/x/net/http2 servers and clients, from the structs the library decoded.
import type { GotracePlugin } from '../../core/engine/plugin';
import { streamsHooker } from './hooker';
import { createHttp2Runtime } from './runtime';
import { GO_STD_TABLE } from '../../core/offsets/tables';
import { HTTP2_TABLE } from './offsets';

export const plugin: GotracePlugin = {
  name: 'http2',
  description: 'HTTP/2 requests and responses of Go http2 servers and clients (TLS and h2c)',
  gotrace: '^0.1.0',
  hookers: [streamsHooker],
  // The conn fields from the Go table; the bundled copy's from the plugin's own (Go 1.19, checked against DWARF).
  offsetTables: [GO_STD_TABLE, HTTP2_TABLE],
  createRuntime: (options) => createHttp2Runtime(options),
};
