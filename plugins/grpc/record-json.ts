// A gRPC call record's JSON line, written by hand: the text
// JSON.stringify(record) gives (record-json.test.ts holds them equal),
// with its three header maps serialized once per map (frozenJson) instead
// of once per record. The field order is GrpcRecord's.
import { frozenJson, jsonEpochMs, jsonNumber as num, jsonString as str } from '../../core/output/json-text';
import type { GrpcRecord } from './calls';

export function grpcRecordJson(r: GrpcRecord): string {
  return `{"type":"grpc","role":${str(r.role)},"tls":${r.tls},"method":${str(r.method)},"authority":${str(r.authority)},"status":${num(r.status)}`
    + `,"grpcMessage":${str(r.grpcMessage)},"streamId":${num(r.streamId)},"reqHeaders":${frozenJson(r.reqHeaders)},"respHeaders":${frozenJson(r.respHeaders)}`
    + `,"respTrailers":${frozenJson(r.respTrailers)},"reqMessages":${num(r.reqMessages)},"respMessages":${num(r.respMessages)},"reqBytes":${num(r.reqBytes)}`
    + `,"respBytes":${num(r.respBytes)},"latencyNs":${num(r.latencyNs)},"local":${str(r.local)},"remote":${str(r.remote)},"fd":${num(r.fd)}`
    + `,"reqTcpSeq":${num(r.reqTcpSeq)},"respTcpSeq":${num(r.respTcpSeq)},"pid":${num(r.pid)},"goid":${num(r.goid)},"exe":${str(r.exe)},"ts":${jsonEpochMs(r.ts)}}`;
}
