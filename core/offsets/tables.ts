// The version tables gotrace ships, loaded and validated once at startup
// (a malformed shipped table is a build bug, so it fails loudly here).
import { parseTableFile, type TableFile } from './table-schema';
import goStd from './tables/go-std.json';
import xNetHttp2 from './tables/x-net-http2.json';
import grpc from './tables/grpc.json';
import type { OffsetTable } from './struct-offset';

function load(data: unknown, name: string): TableFile & OffsetTable {
  return parseTableFile(data, `core/offsets/tables/${name}.json`);
}

/** Go standard library and runtime, by Go toolchain version. */
export const GO_STD_TABLE = load(goStd, 'go-std');
/** golang.org/x/net/http2, by the x/net version in the binary's build info. */
export const X_NET_HTTP2_TABLE = load(xNetHttp2, 'x-net-http2');
/** google.golang.org/grpc, by the grpc-go version in the binary's build info. */
export const GRPC_TABLE = load(grpc, 'grpc');

export const SHIPPED_TABLES: readonly (TableFile & OffsetTable)[] = [GO_STD_TABLE, X_NET_HTTP2_TABLE, GRPC_TABLE];
