// grpc: gRPC calls of grpc-go servers and clients (method, metadata, status, counts),
// from the structs grpc's transport already decoded.
import type { GotracePlugin } from '../../core/engine/plugin';
import { serverDwarfHooker, serverHooker } from './hooker';
import { createGrpcRuntime } from './runtime';

export const plugin: GotracePlugin = {
  name: 'grpc',
  description: 'gRPC calls of grpc-go servers and clients (cleartext and TLS), unary and streaming',
  gotrace: '^0.1.0',
  hookers: [serverHooker, serverDwarfHooker],
  createRuntime: (options) => createGrpcRuntime(options),
};
