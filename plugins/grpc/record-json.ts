// A gRPC call record's JSON line, written by hand into the sink's buffer:
// the text JSON.stringify(record) gives (record-json.test.ts holds them
// equal), with its three header maps serialized once per map (frozen, as
// BlockHeaders shares them) instead of once per record, and no string built
// for the line. The field order is GrpcRecord's.
import { jsonRaw, type JsonBytes } from '../../core/output/json-bytes';
import type { GrpcRecord } from './calls';

const K = {
  role: jsonRaw('{"type":"grpc","role":'), tls: jsonRaw(',"tls":'), method: jsonRaw(',"method":'), authority: jsonRaw(',"authority":'),
  status: jsonRaw(',"status":'), grpcMessage: jsonRaw(',"grpcMessage":'), streamId: jsonRaw(',"streamId":'), reqHeaders: jsonRaw(',"reqHeaders":'),
  respHeaders: jsonRaw(',"respHeaders":'), respTrailers: jsonRaw(',"respTrailers":'), reqMessages: jsonRaw(',"reqMessages":'),
  respMessages: jsonRaw(',"respMessages":'), reqBytes: jsonRaw(',"reqBytes":'), respBytes: jsonRaw(',"respBytes":'), latencyNs: jsonRaw(',"latencyNs":'),
  local: jsonRaw(',"local":'), remote: jsonRaw(',"remote":'), fd: jsonRaw(',"fd":'), reqTcpSeq: jsonRaw(',"reqTcpSeq":'), respTcpSeq: jsonRaw(',"respTcpSeq":'),
  pid: jsonRaw(',"pid":'), goid: jsonRaw(',"goid":'), exe: jsonRaw(',"exe":'), ts: jsonRaw(',"ts":'), close: jsonRaw('}'),
};

export function writeGrpcRecord(w: JsonBytes, r: GrpcRecord): void {
  w.raw(K.role); w.string(r.role);
  w.raw(K.tls); w.bool(r.tls);
  w.raw(K.method); w.string(r.method);
  w.raw(K.authority); w.string(r.authority);
  w.raw(K.status); w.number(r.status);
  w.raw(K.grpcMessage); w.string(r.grpcMessage);
  w.raw(K.streamId); w.number(r.streamId);
  w.raw(K.reqHeaders); w.object(r.reqHeaders);
  w.raw(K.respHeaders); w.object(r.respHeaders);
  w.raw(K.respTrailers); w.object(r.respTrailers);
  w.raw(K.reqMessages); w.number(r.reqMessages);
  w.raw(K.respMessages); w.number(r.respMessages);
  w.raw(K.reqBytes); w.number(r.reqBytes);
  w.raw(K.respBytes); w.number(r.respBytes);
  w.raw(K.latencyNs); w.number(r.latencyNs);
  w.raw(K.local); w.string(r.local);
  w.raw(K.remote); w.string(r.remote);
  w.raw(K.fd); w.number(r.fd);
  w.raw(K.reqTcpSeq); w.number(r.reqTcpSeq);
  w.raw(K.respTcpSeq); w.number(r.respTcpSeq);
  w.raw(K.pid); w.number(r.pid);
  w.raw(K.goid); w.number(r.goid);
  w.raw(K.exe); w.string(r.exe);
  w.raw(K.ts); w.epochMs(r.ts);
  w.raw(K.close);
}
