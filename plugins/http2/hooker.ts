// Plans the http2 server probes for every http2 copy in a binary (net/http's
// bundled one, golang.org/x/net/http2, net/http/internal/http2, vendored
// copies): request fields at (*serverConn).processHeaders, response fields at
// hpack.(*Encoder).WriteField while (*writeResHeaders).writeFrame runs on that
// goroutine (writeFrame's entry and RETs bracket it), body sizes at
// (*Framer).WriteDataPadded and (*serverConn).processData.
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import { findEntrySite } from '../../core/binary/prologue';
import type { GoLocation } from '../../core/bpf/go-location';
import type { Hooker, HookerContext, ProbePlan, ProbeSpec, ResolvedValue } from '../../core/engine/plugin';
import { GotraceError } from '../../core/errors';
import { findItab } from '../../core/binary/itab';
import { resolveConnOffsets } from '../../core/offsets/conn-offsets';
import { argWords } from './locations';
import { findGenerations, genFunction, hpackWriteField, resolveGenOffsets, type Generation } from './offsets';

export interface GenConfig {
  readonly gen: number;
  readonly pkg: string;
  readonly offsets: { scConn: number; scFramer: number; mhfHeaders: number; mhfFields: number; fhStream: number; dfData: number; wrhStream: number; wrhCode: number; wrhEnd: number };
  /** ph_sc, ph_f, wf_w, wf_ctx, wd_f, wd_stream, wd_end, wd_len, pd_sc, pd_f, enc_name, enc_name_len, enc_value, enc_value_len */
  readonly locations: readonly GoLocation[];
}

export interface Http2Config {
  readonly goidOffset: number;
  readonly ifaceOff: number;
  readonly connFd: number;
  readonly netfdPfd: number;
  readonly pfdSysfd: number;
  readonly tcpConnItab: number | null;
  readonly tlsConnItab: number | null;
  readonly pie: boolean;
  readonly gens: readonly GenConfig[];
  /** The attach cookie of each planned probe, by index: its generation. */
  readonly cookies: readonly number[];
}

function entry(bin: GoBinary, fn: ResolvedFunction, program: string, why: string): ProbeSpec {
  const e = findEntrySite(bin.elf, fn.entry, fn.end, fn.name);
  return { symbol: fn.name, kind: 'entry', address: e.address, fileOffset: e.fileOffset, program,
    why: `${why}${e.afterStackCheck ? ', after the stack-growth check so morestack re-entry is not counted twice' : ''}` };
}

function need(bin: GoBinary, fn: ResolvedFunction | undefined, what: string): ResolvedFunction {
  if (!fn) throw new GotraceError('ERR_SYMBOL_NOT_FOUND', `${what} is not in the binary (inlined or removed); this http2 copy cannot be traced`, { file: bin.path });
  return fn;
}

/** One http2 copy: its probes (cookie = gen), values and config; throws when it cannot be traced. */
function planGeneration(bin: GoBinary, g: Generation, gen: number, pins: Readonly<Record<string, number>> | undefined, values: ResolvedValue[]): { probes: ProbeSpec[]; config: GenConfig } {
  const local: ResolvedValue[] = [];
  const off = resolveGenOffsets(bin, g, pins);
  for (const o of Object.values(off)) local.push({ name: o.field, value: o.value, source: o.source, detail: o.detail });
  const ph = g.processHeaders;
  const wf = need(bin, genFunction(bin, g, 'writeResHeaders', 'writeFrame'), `${g.pkg}.(*${g.prefix}writeResHeaders).writeFrame`);
  const wd = need(bin, genFunction(bin, g, 'Framer', 'WriteDataPadded'), `${g.pkg}.(*${g.prefix}Framer).WriteDataPadded`);
  const pd = need(bin, genFunction(bin, g, 'serverConn', 'processData'), `${g.pkg}.(*${g.prefix}serverConn).processData`);
  const enc = need(bin, hpackWriteField(bin, g), `the hpack (*Encoder).WriteField of ${g.pkg}`);
  const locations = [
    ...argWords(bin, ph, 'processHeaders', [{ what: 'receiver sc', param: 0 }, { what: 'f', param: 1 }], local),
    ...argWords(bin, wf, 'writeFrame', [{ what: 'receiver w', param: 0 }, { what: 'ctx data (*serverConn)', param: 1, word: 1 }], local),
    ...argWords(bin, wd, 'WriteDataPadded', [{ what: 'receiver f', param: 0 }, { what: 'streamID', param: 1, size: 4 }, { what: 'endStream', param: 2, size: 1 }, { what: 'len(data)', param: 3, word: 1 }], local),
    ...argWords(bin, pd, 'processData', [{ what: 'receiver sc', param: 0 }, { what: 'f', param: 1 }], local),
    ...argWords(bin, enc, 'WriteField', [{ what: 'f.Name ptr', param: 1 }, { what: 'f.Name len', param: 1, word: 1 }, { what: 'f.Value ptr', param: 2 }, { what: 'f.Value len', param: 2, word: 1 }], local),
  ];
  const rets = bin.returnSites(wf);
  if (!rets.length) throw new GotraceError('ERR_OFFSET_UNKNOWN', `${wf.name} has no RET instruction; the binary is unusual, report it`, { file: bin.path });
  const probes: ProbeSpec[] = [
    entry(bin, ph, 'uprobe_http2_serverconn_processheaders', 'request header fields, decoded, and the stream id'),
    entry(bin, wf, 'uprobe_http2_writeresheaders_writeframe', 'a response HEADERS write begins on this goroutine: stream id, status'),
    ...rets.map((r) => ({ symbol: wf.name, kind: 'return' as const, address: r.address, fileOffset: r.fileOffset, program: 'uprobe_http2_writeresheaders_writeframe_ret',
      why: 'the response HEADERS write ends (Go cannot use uretprobes)' })),
    entry(bin, enc, 'uprobe_hpack_encoder_writefield', 'each response header field as it is encoded, :status included'),
    entry(bin, wd, 'uprobe_http2_framer_writedatapadded', 'response body bytes per DATA frame, and END_STREAM'),
    entry(bin, pd, 'uprobe_http2_serverconn_processdata', 'request body bytes per DATA frame'),
  ];
  for (const fn of [ph, wf, enc, wd, pd]) local.push({ name: `${fn.name} entry`, value: fn.entry, source: fn.source });
  values.push(...local);
  const o = (k: keyof typeof off) => off[k].value;
  return { probes, config: { gen, pkg: g.pkg, locations,
    offsets: { scConn: o('scConn'), scFramer: o('scFramer'), mhfHeaders: o('mhfHeaders'), mhfFields: o('mhfFields'), fhStream: o('fhStream'), dfData: o('dfData'), wrhStream: o('wrhStream'), wrhCode: o('wrhCode'), wrhEnd: o('wrhEnd') } } };
}

/** The *crypto/tls.Conn itab for net.Conn: tells TLS conns from cleartext (h2c) ones. */
function findTlsConnItab(bin: GoBinary): number | null {
  const r = findItab(bin, '*crypto/tls.Conn', 'net.Conn');
  return 'address' in r ? r.address : null;
}

export const serverHooker: Hooker = {
  name: 'server',
  description: 'HTTP/2 server streams of Go\'s http2 (bundled in net/http or golang.org/x/net/http2): headers, status, body sizes, the connection',
  plan(ctx: HookerContext): ProbePlan {
    const bin = ctx.binary;
    const values: ResolvedValue[] = [];
    const conn = resolveConnOffsets(bin, ctx.selector.offsets);
    for (const o of Object.values(conn)) values.push({ name: o.field, value: o.value, source: o.source, detail: o.detail });
    const tcp = findItab(bin, '*net.TCPConn', 'net.Conn');
    const tls = findTlsConnItab(bin);
    values.push('address' in tcp ? { name: tcp.symbol, value: `0x${tcp.address.toString(16)}`, source: 'symtab', detail: 'only *net.TCPConn conns give an fd' }
      : { name: '*net.TCPConn itab', value: null, source: 'symtab', detail: tcp.why });
    values.push({ name: '*crypto/tls.Conn itab', value: tls === null ? null : `0x${tls.toString(16)}`, source: 'symtab',
      detail: tls === null ? 'unknown (no .symtab or no TLS): tls is reported null' : 'a serverConn.conn with this itab is TLS' });

    const probes: ProbeSpec[] = [], cookies: number[] = [], gens: GenConfig[] = [];
    const errors: GotraceError[] = [];
    findGenerations(bin).forEach((g, gen) => {
      try {
        const p = planGeneration(bin, g, gen, ctx.selector.offsets, values);
        probes.push(...p.probes);
        cookies.push(...p.probes.map(() => gen));
        gens.push(p.config);
      } catch (e) {
        if (!(e instanceof GotraceError)) throw e;
        errors.push(e);
        values.push({ name: `${g.pkg} http2 server`, value: null, source: 'derived', detail: `not traced: ${e.message}` });
      }
    });
    if (!gens.length) throw errors[0] ?? new GotraceError('ERR_SYMBOL_NOT_FOUND', 'no http2 server in the binary; the rule\'s checker should have required one', { file: bin.path });
    const config: Http2Config = {
      goidOffset: conn.goid.value, ifaceOff: conn.ifaceOff.value, connFd: conn.connFd.value, netfdPfd: conn.netfdPfd.value, pfdSysfd: conn.pfdSysfd.value,
      tcpConnItab: 'address' in tcp ? tcp.address : null, tlsConnItab: tls, pie: bin.elf.elfType === 3, gens, cookies,
    };
    return { probes, values, config };
  },
};
