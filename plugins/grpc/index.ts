// grpc: gRPC calls of grpc-go servers and clients (method, metadata, status, counts),
// from the structs grpc's transport already decoded.
import type { GotracePlugin } from '../../core/engine/plugin';
import { serverDwarfHooker, serverHooker } from './hooker';
import { createGrpcRuntime } from './runtime';
import { GO_STD_TABLE, GRPC_TABLE } from '../../core/offsets/tables';

export const plugin: GotracePlugin = {
  name: 'grpc',
  description: 'gRPC calls of grpc-go servers and clients (cleartext and TLS), unary and streaming',
  gotrace: '^0.1.0',
  hookers: [serverHooker, serverDwarfHooker],
  // grpc's and the x/net frames' fields are keyed by grpc's version (a GOPATH build records no x/net version).
  offsetTables: [GO_STD_TABLE, GRPC_TABLE],
  createRuntime: (options) => createGrpcRuntime(options),
};
