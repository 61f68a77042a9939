// A gRPC call record's JSON line, written by hand into the sink's buffer:
// the text JSON.stringify(record) gives (record-json.test.ts holds them
// equal), with no string built for the line. The field order is
// GrpcRecord's. Most of a record repeats from call to call: its method,
// authority and status, its three header maps (frozen, as BlockHeaders
// shares them) and its addresses. Those runs of fields are copied whole
// when their values are the same objects as a recent record's
// (JsonRunCache); the numbers between them are written each time.
import { JsonRunCache, jsonRaw, type JsonBytes } from '../../core/output/json-bytes';
import type { GrpcRecord } from './calls';

const K = {
  role: jsonRaw('{"type":"grpc","role":'), tls: jsonRaw(',"tls":'), method: jsonRaw(',"method":'), authority: jsonRaw(',"authority":'),
  status: jsonRaw(',"status":'), grpcMessage: jsonRaw(',"grpcMessage":'), streamId: jsonRaw(',"streamId":'), reqHeaders: jsonRaw(',"reqHeaders":'),
  respHeaders: jsonRaw(',"respHeaders":'), respTrailers: jsonRaw(',"respTrailers":'), reqMessages: jsonRaw(',"reqMessages":'),
  respMessages: jsonRaw(',"respMessages":'), reqBytes: jsonRaw(',"reqBytes":'), respBytes: jsonRaw(',"respBytes":'), latencyNs: jsonRaw(',"latencyNs":'),
  local: jsonRaw(',"local":'), remote: jsonRaw(',"remote":'), fd: jsonRaw(',"fd":'), reqTcpSeq: jsonRaw(',"reqTcpSeq":'), respTcpSeq: jsonRaw(',"respTcpSeq":'),
  pid: jsonRaw(',"pid":'), goid: jsonRaw(',"goid":'), exe: jsonRaw(',"exe":'), ts: jsonRaw(',"ts":'), close: jsonRaw('}'),
};

/** type through grpcMessage, and streamId's key. */
const head = new JsonRunCache(6);
/** The three header maps, and reqMessages' key: only frozen maps, which cannot change under the same identity. */
const maps = new JsonRunCache(3);
/** local and remote, and fd's key. */
const addrs = new JsonRunCache(2);

export function writeGrpcRecord(w: JsonBytes, r: GrpcRecord): void {
  let k = head.key;
  k[0] = r.role; k[1] = r.tls; k[2] = r.method; k[3] = r.authority; k[4] = r.status; k[5] = r.grpcMessage;
  let run = head.find(), start = w.off;
  if (run) w.raw(run);
  else {
    w.raw(K.role); w.string(r.role);
    w.raw(K.tls); w.bool(r.tls);
    w.raw(K.method); w.string(r.method);
    w.raw(K.authority); w.string(r.authority);
    w.raw(K.status); w.number(r.status);
    w.raw(K.grpcMessage); w.string(r.grpcMessage);
    w.raw(K.streamId);
    if (!w.overflow) head.remember(w.buf, start, w.off);
  }
  w.number(r.streamId);

  const frozen = Object.isFrozen(r.reqHeaders) && Object.isFrozen(r.respHeaders) && Object.isFrozen(r.respTrailers);
  k = maps.key;
  k[0] = r.reqHeaders; k[1] = r.respHeaders; k[2] = r.respTrailers;
  run = frozen ? maps.find() : undefined;
  start = w.off;
  if (run) w.raw(run);
  else {
    w.raw(K.reqHeaders); w.object(r.reqHeaders);
    w.raw(K.respHeaders); w.object(r.respHeaders);
    w.raw(K.respTrailers); w.object(r.respTrailers);
    w.raw(K.reqMessages);
    if (frozen && !w.overflow) maps.remember(w.buf, start, w.off);
  }
  w.number(r.reqMessages);
  w.raw(K.respMessages); w.number(r.respMessages);
  w.raw(K.reqBytes); w.number(r.reqBytes);
  w.raw(K.respBytes); w.number(r.respBytes);
  w.raw(K.latencyNs); w.number(r.latencyNs);

  k = addrs.key;
  k[0] = r.local; k[1] = r.remote;
  run = addrs.find();
  start = w.off;
  if (run) w.raw(run);
  else {
    w.raw(K.local); w.string(r.local);
    w.raw(K.remote); w.string(r.remote);
    w.raw(K.fd);
    if (!w.overflow) addrs.remember(w.buf, start, w.off);
  }
  w.number(r.fd);
  w.raw(K.reqTcpSeq); w.number(r.reqTcpSeq);
  w.raw(K.respTcpSeq); w.number(r.respTcpSeq);
  w.raw(K.pid); w.number(r.pid);
  w.raw(K.goid); w.number(r.goid);
  w.raw(K.exe); w.string(r.exe);
  w.raw(K.ts); w.epochMs(r.ts);
  w.raw(K.close);
}
