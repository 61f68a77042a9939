// The probes of one http2 copy, per side. Server: request fields at
// (*serverConn).processHeaders, response fields at hpack.(*Encoder).WriteField
// while (*writeResHeaders).writeFrame runs on that goroutine (writeFrame's
// entry and RETs bracket it), request body at (*serverConn).processData,
// resets received at (*serverConn).processResetStream. Client: request fields
// at (*ClientConn).writeHeader (called once per field by encodeHeaders, and
// never inlined: Go 1.19's bundled copy and x/net 0.7 both call it from
// encodeHeaders.func3 and encodeTrailers), the stream id at
// (*ClientConn).writeHeaders, which encodeAndWriteHeaders calls next on the
// same goroutine under cc.wmu; the response at
// (*clientConnReadLoop).handleResponse, its body at processData, resets
// received at processResetStream. A connection's end (server
// closeAllStreamsOnConnClose, client (*clientConnReadLoop).cleanup) reports
// its unanswered streams. Both: (*Framer).WriteDataPadded, or
// startWriteDataPadded where it exists (body out),
// and (*Framer).WriteRSTStream (a reset sent).
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import { findEntrySite } from '../../core/binary/prologue';
import type { GoLocation } from '../../core/bpf/go-location';
import type { ProbeSpec, ResolvedValue } from '../../core/engine/plugin';
import { GotraceError } from '../../core/errors';
import { argWords } from './locations';
import { genFunction, hpackWriteField, resolveClientOffsets, resolveFrameOffsets, resolveSeqOffsets, resolveServerOffsets, type Generation } from './offsets';
import type { LocationName, OffsetName } from './layout';

type Pins = Readonly<Record<string, number>> | undefined;

export interface SidePlan {
  readonly probes: ProbeSpec[];
  readonly offsets: Partial<Record<OffsetName, number>>;
  readonly locations: Partial<Record<LocationName, GoLocation>>;
  readonly values: ResolvedValue[];
}

function entry(bin: GoBinary, fn: ResolvedFunction, program: string, why: string): ProbeSpec {
  const e = findEntrySite(bin.elf, fn.entry, fn.end, fn.name);
  return { symbol: fn.name, kind: 'entry', address: e.address, fileOffset: e.fileOffset, program,
    why: `${why}${e.afterStackCheck ? ', after the stack-growth check so morestack re-entry is not counted twice' : ''}` };
}

function need(bin: GoBinary, g: Generation, recv: string, method: string): ResolvedFunction {
  const fn = genFunction(bin, g, recv, method);
  if (!fn) throw new GotraceError('ERR_SYMBOL_NOT_FOUND', `${g.pkg}.(*${g.prefix}${recv}).${method} is not in the binary (inlined or removed); this side of the http2 copy cannot be traced`, { file: bin.path });
  return fn;
}

function side(values: ResolvedValue[], offsets: Record<string, { field: string; value: number; source: ResolvedValue['source']; detail: string }>): Partial<Record<OffsetName, number>> {
  const out: Partial<Record<OffsetName, number>> = {};
  for (const [k, o] of Object.entries(offsets)) {
    values.push({ name: o.field, value: o.value, source: o.source, detail: o.detail });
    out[k as OffsetName] = o.value;
  }
  return out;
}

function locs(names: readonly LocationName[], words: GoLocation[]): Partial<Record<LocationName, GoLocation>> {
  return Object.fromEntries(names.map((n, i) => [n, words[i]!]));
}

/** Frame offsets and the probes both sides share; throws when the copy cannot be traced at all. */
export function planShared(bin: GoBinary, g: Generation, pins: Pins): SidePlan {
  const values: ResolvedValue[] = [];
  const offsets = side(values, { ...resolveFrameOffsets(bin, g, pins) });
  // Optional offsets for the TCP seqs: unknown ones are left 0.
  const seq = resolveSeqOffsets(bin, g, pins);
  Object.assign(offsets, seq.offsets);
  values.push(...seq.values);
  // Since x/net 0.7 (go.dev/issue/58446) the server encodes large DATA frames
  // with startWriteDataPadded directly, and WriteDataPadded is that plus
  // endWrite: where it exists it sees every DATA frame, WriteDataPadded not.
  const wd = genFunction(bin, g, 'Framer', 'startWriteDataPadded') ?? need(bin, g, 'Framer', 'WriteDataPadded');
  const rst = need(bin, g, 'Framer', 'WriteRSTStream');
  const locations = {
    ...locs(['wd_f', 'wd_stream', 'wd_end', 'wd_len'], argWords(bin, wd, 'WriteDataPadded', [{ what: 'receiver f', param: 0 }, { what: 'streamID', param: 1, size: 4 }, { what: 'endStream', param: 2, size: 1 }, { what: 'len(data)', param: 3, word: 1 }], values)),
    ...locs(['rst_f', 'rst_stream', 'rst_code_arg'], argWords(bin, rst, 'WriteRSTStream', [{ what: 'receiver f', param: 0 }, { what: 'streamID', param: 1, size: 4 }, { what: 'code', param: 2, size: 4 }], values)),
  };
  for (const fn of [wd, rst]) values.push({ name: `${fn.name} entry`, value: fn.entry, source: fn.source });
  return { offsets, locations, values, probes: [
    entry(bin, wd, 'uprobe_http2_framer_writedatapadded', 'body bytes sent per DATA frame (server: response, client: request), and END_STREAM'),
    entry(bin, rst, 'uprobe_http2_framer_writerststream', 'this side resets a stream (RST_STREAM sent)'),
  ] };
}

export function planServer(bin: GoBinary, g: Generation, pins: Pins): SidePlan {
  const values: ResolvedValue[] = [];
  const offsets = side(values, { ...resolveServerOffsets(bin, g, pins) });
  const ph = need(bin, g, 'serverConn', 'processHeaders');
  const wf = need(bin, g, 'writeResHeaders', 'writeFrame');
  const pd = need(bin, g, 'serverConn', 'processData');
  const pr = need(bin, g, 'serverConn', 'processResetStream');
  const enc = hpackWriteField(bin, g);
  if (!enc) throw new GotraceError('ERR_SYMBOL_NOT_FOUND', `the hpack (*Encoder).WriteField of ${g.pkg} is not in the binary`, { file: bin.path });
  const locations = {
    ...locs(['ph_sc', 'ph_f'], argWords(bin, ph, 'processHeaders', [{ what: 'receiver sc', param: 0 }, { what: 'f', param: 1 }], values)),
    ...locs(['wf_w', 'wf_ctx'], argWords(bin, wf, 'writeFrame', [{ what: 'receiver w', param: 0 }, { what: 'ctx data (*serverConn)', param: 1, word: 1 }], values)),
    ...locs(['pd_sc', 'pd_f'], argWords(bin, pd, 'processData', [{ what: 'receiver sc', param: 0 }, { what: 'f', param: 1 }], values)),
    ...locs(['spr_sc', 'spr_f'], argWords(bin, pr, 'processResetStream', [{ what: 'receiver sc', param: 0 }, { what: 'f', param: 1 }], values)),
    ...locs(['enc_name', 'enc_name_len', 'enc_value', 'enc_value_len'], argWords(bin, enc, 'WriteField', [{ what: 'f.Name ptr', param: 1 }, { what: 'f.Name len', param: 1, word: 1 }, { what: 'f.Value ptr', param: 2 }, { what: 'f.Value len', param: 2, word: 1 }], values)),
  };
  // Optional: without it, streams of a client that vanished are reported when tracing stops instead.
  const cac = genFunction(bin, g, 'serverConn', 'closeAllStreamsOnConnClose');
  if (cac) Object.assign(locations, locs(['cac_sc'], argWords(bin, cac, 'closeAllStreamsOnConnClose', [{ what: 'receiver sc', param: 0 }], values)));
  const rets = bin.returnSites(wf);
  if (!rets.length) throw new GotraceError('ERR_OFFSET_UNKNOWN', `${wf.name} has no RET instruction; the binary is unusual, report it`, { file: bin.path });
  for (const fn of [ph, wf, enc, pd, pr]) values.push({ name: `${fn.name} entry`, value: fn.entry, source: fn.source });
  return { offsets, locations, values, probes: [
    entry(bin, ph, 'uprobe_http2_serverconn_processheaders', 'request header fields, decoded, and the stream id'),
    entry(bin, wf, 'uprobe_http2_writeresheaders_writeframe', 'a response HEADERS write begins on this goroutine: stream id, status'),
    ...rets.map((r) => ({ symbol: wf.name, kind: 'return' as const, address: r.address, fileOffset: r.fileOffset, program: 'uprobe_http2_writeresheaders_writeframe_ret',
      why: 'the response HEADERS write ends (Go cannot use uretprobes)' })),
    entry(bin, enc, 'uprobe_hpack_encoder_writefield', 'each response header field as it is encoded, :status included'),
    entry(bin, pd, 'uprobe_http2_serverconn_processdata', 'request body bytes per DATA frame'),
    entry(bin, pr, 'uprobe_http2_serverconn_processresetstream', 'the client reset a stream (RST_STREAM received)'),
    ...(cac ? [entry(bin, cac, 'uprobe_http2_serverconn_closeallstreamsonconnclose', 'the connection is gone: its unanswered streams are reported')] : []),
  ] };
}

export function planClient(bin: GoBinary, g: Generation, pins: Pins): SidePlan {
  const values: ResolvedValue[] = [];
  const offsets = side(values, { ...resolveClientOffsets(bin, g, pins) });
  const hf = need(bin, g, 'ClientConn', 'writeHeader');
  const wh = need(bin, g, 'ClientConn', 'writeHeaders');
  const hr = need(bin, g, 'clientConnReadLoop', 'handleResponse');
  const pd = need(bin, g, 'clientConnReadLoop', 'processData');
  const pr = need(bin, g, 'clientConnReadLoop', 'processResetStream');
  const clc = need(bin, g, 'clientConnReadLoop', 'cleanup');
  // A response that ends with trailers (END_STREAM on a second HEADERS) ends
  // at processTrailers(cs, f), whose arguments sit where handleResponse's do:
  // the same program serves both.
  const pt = genFunction(bin, g, 'clientConnReadLoop', 'processTrailers');
  const locations = {
    ...locs(['hf_cc', 'hf_name', 'hf_name_len', 'hf_value', 'hf_value_len'], argWords(bin, hf, 'writeHeader', [{ what: 'receiver cc', param: 0 }, { what: 'name ptr', param: 1 }, { what: 'name len', param: 1, word: 1 }, { what: 'value ptr', param: 2 }, { what: 'value len', param: 2, word: 1 }], values)),
    ...locs(['wh_cc', 'wh_stream', 'wh_end', 'wh_hdrs_len'], argWords(bin, wh, 'writeHeaders', [{ what: 'receiver cc', param: 0 }, { what: 'streamID', param: 1, size: 4 }, { what: 'endStream', param: 2, size: 1 }, { what: 'len(hdrs)', param: 4, word: 1 }], values)),
    ...locs(['hr_rl', 'hr_f'], argWords(bin, hr, 'handleResponse', [{ what: 'receiver rl', param: 0 }, { what: 'f', param: 2 }], values)),
    ...locs(['cpd_rl', 'cpd_f'], argWords(bin, pd, 'processData', [{ what: 'receiver rl', param: 0 }, { what: 'f', param: 1 }], values)),
    ...locs(['cpr_rl', 'cpr_f'], argWords(bin, pr, 'processResetStream', [{ what: 'receiver rl', param: 0 }, { what: 'f', param: 1 }], values)),
    ...locs(['clc_rl'], argWords(bin, clc, 'cleanup', [{ what: 'receiver rl', param: 0 }], values)),
  };
  const ptLocs = pt && argWords(bin, pt, 'processTrailers', [{ what: 'receiver rl', param: 0 }, { what: 'f', param: 2 }], values);
  const ptOk = !!ptLocs && JSON.stringify(ptLocs) === JSON.stringify([locations.hr_rl, locations.hr_f]);
  for (const fn of [hf, wh, hr, pd, pr, clc]) values.push({ name: `${fn.name} entry`, value: fn.entry, source: fn.source });
  return { offsets, locations, values, probes: [
    entry(bin, hf, 'uprobe_http2_clientconn_writeheader', 'each request header field as it is encoded, pseudo-headers included'),
    entry(bin, wh, 'uprobe_http2_clientconn_writeheaders', 'the request HEADERS: stream id, END_STREAM, the connection'),
    entry(bin, hr, 'uprobe_http2_clientconnreadloop_handleresponse', 'response header fields, decoded, and END_STREAM'),
    ...(pt && ptOk ? [entry(bin, pt, 'uprobe_http2_clientconnreadloop_handleresponse', 'response trailers: END_STREAM after a body')] : []),
    entry(bin, pd, 'uprobe_http2_clientconnreadloop_processdata', 'response body bytes per DATA frame, and END_STREAM'),
    entry(bin, pr, 'uprobe_http2_clientconnreadloop_processresetstream', 'the server reset a stream (RST_STREAM received)'),
    entry(bin, clc, 'uprobe_http2_clientconnreadloop_cleanup', 'the connection is gone: its unanswered streams are reported'),
  ] };
}
