// Plans the grpc-go server probes: request headers at
// (*http2Server).operateHeaders, every header block a side sends at
// (*loopyWriter).writeHeader (server: response headers, trailers), request
// DATA bytes at (*http2Server).handleData, response messages at
// (*http2Server).Write. Two hookers: `server` takes offsets from DWARF or pins;
// `server-dwarf` is the fallback for binaries whose build info names no grpc
// version (GOPATH builds) and refuses up front when there is no DWARF either.
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import { findEntrySite } from '../../core/binary/prologue';
import type { GoLocation } from '../../core/bpf/go-location';
import type { Hooker, HookerContext, ProbePlan, ProbeSpec, ResolvedValue } from '../../core/engine/plugin';
import { GotraceError } from '../../core/errors';
import { findTcpConnItab, resolveConnOffsets } from '../http1-tls/offsets';
import { argWords } from './locations';
import { resolveGrpcOffsets, resolveWrapConn, TRANSPORT, WRAP_TYPE, type FIELDS } from './offsets';

export interface GrpcConfig {
  readonly goidOffset: number;
  readonly ifaceOff: number;
  readonly connFd: number;
  readonly netfdPfd: number;
  readonly pfdSysfd: number;
  readonly tcpConnItab: number | null;
  readonly tlsConnItab: number | null;
  readonly wrapConnItab: number | null;
  readonly wrapConn: number;
  readonly pie: boolean;
  readonly offsets: { readonly [K in keyof typeof FIELDS]: number };
  /** oh_t, oh_frame, wh_l, wh_stream, wh_end, wh_hf, wh_hf_len, hd_t, hd_f, w_t, w_s, w_hdr_len, w_data_len */
  readonly locations: readonly GoLocation[];
}

function entry(bin: GoBinary, fn: ResolvedFunction, program: string, why: string): ProbeSpec {
  const e = findEntrySite(bin.elf, fn.entry, fn.end, fn.name);
  return { symbol: fn.name, kind: 'entry', address: e.address, fileOffset: e.fileOffset, program,
    why: `${why}${e.afterStackCheck ? ', after the stack-growth check so morestack re-entry is not counted twice' : ''}` };
}

function need(bin: GoBinary, name: string): ResolvedFunction {
  const fn = bin.findFunction(`${TRANSPORT}.${name}`);
  if (!fn) throw new GotraceError('ERR_SYMBOL_NOT_FOUND', `${TRANSPORT}.${name} is not in the binary (inlined or removed); this grpc version cannot be traced`, { file: bin.path });
  return fn;
}

function itab(bin: GoBinary, type: string): number | null {
  if (!bin.elf.section('.symtab')) return null;
  const names = [`go.itab.${type},net.Conn`, `go:itab.${type},net.Conn`];
  return bin.elf.symbols().find((s) => names.includes(s.name))?.value ?? null;
}

function planServer(ctx: HookerContext): ProbePlan {
  const bin = ctx.binary, pins = ctx.selector.offsets;
  const values: ResolvedValue[] = [];
  const conn = resolveConnOffsets(bin, pins);
  const off = resolveGrpcOffsets(bin, pins);
  for (const o of [...Object.values(conn), ...Object.values(off)]) values.push({ name: o.field, value: o.value, source: o.source, detail: o.detail });
  const wrap = resolveWrapConn(bin, pins);
  const tcp = findTcpConnItab(bin);
  const tls = itab(bin, '*crypto/tls.Conn');
  const wrapItab = wrap ? itab(bin, `*${WRAP_TYPE}`) : null;
  values.push('address' in tcp ? { name: tcp.symbol, value: `0x${tcp.address.toString(16)}`, source: 'symtab', detail: 'only *net.TCPConn conns give an fd' }
    : { name: '*net.TCPConn itab', value: null, source: 'symtab', detail: tcp.why });
  values.push({ name: '*crypto/tls.Conn itab', value: tls === null ? null : `0x${tls.toString(16)}`, source: 'symtab',
    detail: tls === null ? 'unknown (no .symtab or no TLS): tls is reported null' : 'a conn with this itab is TLS' });
  values.push(wrap && wrapItab !== null
    ? { name: `${WRAP_TYPE}.Conn`, value: wrap.value, source: wrap.source, detail: `credentials wrapper (itab 0x${wrapItab.toString(16)}) unwrapped to the handshake's conn` }
    : { name: `${WRAP_TYPE}.Conn`, value: null, source: 'derived', detail: 'unknown: conns behind grpc\'s credentials wrapper are reported with fd, tls and addresses null' });

  const oh = need(bin, '(*http2Server).operateHeaders');
  const wh = need(bin, '(*loopyWriter).writeHeader');
  const hd = need(bin, '(*http2Server).handleData');
  const w = need(bin, '(*http2Server).Write');
  const locations = [
    ...argWords(bin, oh, 'operateHeaders', [{ what: 'receiver t', param: 0 }, { what: 'frame', param: 1 }], values),
    ...argWords(bin, wh, 'writeHeader', [{ what: 'receiver l', param: 0 }, { what: 'streamID', param: 1, size: 4 }, { what: 'endStream', param: 2, size: 1 },
      { what: 'hf ptr', param: 3 }, { what: 'len(hf)', param: 3, word: 1 }], values),
    ...argWords(bin, hd, 'handleData', [{ what: 'receiver t', param: 0 }, { what: 'f', param: 1 }], values),
    ...argWords(bin, w, 'Write', [{ what: 'receiver t', param: 0 }, { what: 's', param: 1 }, { what: 'len(hdr)', param: 2, word: 1 }, { what: 'len(data)', param: 3, word: 1 }], values),
  ];
  for (const fn of [oh, wh, hd, w]) values.push({ name: `${fn.name} entry`, value: fn.entry, source: fn.source });
  const probes = [
    entry(bin, oh, 'uprobe_transport_http2server_operateheaders', 'request header fields (:path is the method, metadata) and the stream id; the conn\'s fd and addresses'),
    entry(bin, wh, 'uprobe_transport_loopywriter_writeheader', 'every header block a side sends: response headers, trailers with grpc-status'),
    entry(bin, hd, 'uprobe_transport_http2server_handledata', 'request DATA payload bytes'),
    entry(bin, w, 'uprobe_transport_http2server_write', 'one response message per call: prefix + payload bytes'),
  ];
  const o = Object.fromEntries(Object.entries(off).map(([k, v]) => [k, v.value])) as GrpcConfig['offsets'];
  const config: GrpcConfig = {
    goidOffset: conn.goid.value, ifaceOff: conn.ifaceOff.value, connFd: conn.connFd.value, netfdPfd: conn.netfdPfd.value, pfdSysfd: conn.pfdSysfd.value,
    tcpConnItab: 'address' in tcp ? tcp.address : null, tlsConnItab: tls, wrapConnItab: wrapItab, wrapConn: wrap?.value ?? 0,
    pie: bin.elf.elfType === 3, offsets: o, locations,
  };
  return { probes, values, config };
}

export const serverHooker: Hooker = {
  name: 'server',
  description: 'grpc-go server calls: method, metadata, status, message and byte counts, the connection (offsets from DWARF or rule pins)',
  plan: planServer,
};

export const serverDwarfHooker: Hooker = {
  name: 'server-dwarf',
  description: 'the server hooker for binaries that record no grpc version (GOPATH builds): needs DWARF or pins',
  plan(ctx: HookerContext): ProbePlan {
    const recorded = ctx.binary.buildInfo.modules.find((m) => m.path === 'google.golang.org/grpc');
    if (recorded) {
      throw new GotraceError('ERR_OFFSET_UNKNOWN',
        `google.golang.org/grpc@${recorded.version} is recorded but no selector for its version matched; its function signatures were not checked, add a selector for it`, { file: ctx.binary.path });
    }
    if (!ctx.binary.hasDwarf && !Object.keys(ctx.selector.offsets ?? {}).length) {
      throw new GotraceError('ERR_OFFSET_UNKNOWN',
        'the build info records no google.golang.org/grpc version and the binary has no DWARF, so grpc\'s struct offsets are unknown; rebuild without -ldflags=-w/-s, or pin them in a selector\'s offsets', { file: ctx.binary.path });
    }
    return planServer(ctx);
  },
};
