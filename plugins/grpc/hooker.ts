// Plans the grpc-go probes of both sides. Server: request headers at
// (*http2Server).operateHeaders, DATA at handleData, messages at Write,
// client resets at handleRSTStream. Client: response headers and trailers at
// (*http2Client).operateHeaders, DATA at handleData, messages at Write, the
// stream's end at closeStream. Both: every header block sent, at
// (*loopyWriter).writeHeader (loopyWriter.side tells which side).
// Two hookers: `server` for binaries whose build info records the grpc
// version; `server-dwarf` for those that record none (GOPATH builds), which
// needs DWARF, pins, or grpc-go's user-agent version and a table entry for it.
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import { findItab } from '../../core/binary/itab';
import { findEntrySite } from '../../core/binary/prologue';
import type { GoLocation } from '../../core/bpf/go-location';
import type { Hooker, HookerContext, ProbePlan, ProbeSpec, ResolvedValue } from '../../core/engine/plugin';
import { GotraceError } from '../../core/errors';
import { CONN_FIELDS, findTcpConnItab, resolveConnOffsets } from '../../core/offsets/conn-offsets';
import { argWords } from './locations';
import { FIELDS, resolveGrpcOffsets, resolveSeqOffsets, resolveStatusOffsets, resolveWrapConn, SEQ_FIELDS, SIDE_FIELDS, TRANSPORT, WRAP_TYPE } from './offsets';
import { grpcVersion, knownVersions } from './version';

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
  /** Optional offsets of the TCP seqs; missing ones are written 0 and those seqs are null. */
  readonly seqOffsets: Partial<Record<keyof typeof SEQ_FIELDS, number>>;
  /** go.itab.*bufio.Reader,io.Reader: the framers read through one; null when unknown (read seqs null). */
  readonly bufReaderItab: number | null;
  /** internal/status.Status.s and spb.Status.Code: the status a client's closeStream is given; null when unknown. */
  readonly statusOffsets: { readonly stS: number; readonly spbCode: number } | null;
  /** In struct gr_cfg order: oh_t … w_data_len (server, writeHeader), coh_t … rs_f (client, resets). */
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

const SIDES = {
  server: ['(*http2Server).operateHeaders', '(*http2Server).handleData', '(*http2Server).Write', '(*http2Server).handleRSTStream'],
  client: ['(*http2Client).operateHeaders', '(*http2Client).handleData', '(*http2Client).Write', '(*http2Client).closeStream'],
} as const;

/**
 * A side's functions, or null when the linker left that side out: a program
 * that only dials has no http2Server methods (dead-code elimination), one
 * that only serves may lack the client's. Half a side is an error: the grpc
 * version is not what the signatures describe.
 */
function side(bin: GoBinary, which: keyof typeof SIDES, values: ResolvedValue[]): ResolvedFunction[] | null {
  const fns = SIDES[which].map((n) => bin.findFunction(`${TRANSPORT}.${n}`));
  if (fns.every((f) => !f)) {
    values.push({ name: `${which} side`, value: null, source: 'pclntab', detail: `not linked (no ${TRANSPORT}.${SIDES[which][0]}): its probes are not attached` });
    return null;
  }
  return SIDES[which].map((n) => need(bin, n));
}

/** A net.Conn itab from .symtab or, stripped, the runtime's itab list; null when the program has none. */
function itab(bin: GoBinary, type: string, values: ResolvedValue[], why: string, unknown: string, iface = 'net.Conn'): number | null {
  const r = findItab(bin, type, iface);
  const found = 'address' in r;
  values.push({ name: `${type} itab`, value: found ? `0x${r.address.toString(16)}` : null, source: bin.elf.hasSymtab ? 'symtab' : 'derived', // stripped: the runtime's itab list
    detail: found ? `${r.symbol}: ${why}` : `${r.why}: ${unknown}` });
  return found ? r.address : null;
}

function planCalls(ctx: HookerContext): ProbePlan {
  const bin = ctx.binary, pins = ctx.selector.offsets;
  const values: ResolvedValue[] = [];
  const version = grpcVersion(bin);
  values.push('why' in version ? { name: 'google.golang.org/grpc version', value: null, source: 'derived', detail: version.why }
    : { name: 'google.golang.org/grpc version', value: version.version, source: version.source === 'rodata' ? 'rodata' : 'derived', detail: version.detail });
  const versions = knownVersions(version);
  const srv = side(bin, 'server', values), cli = side(bin, 'client', values);
  if (!srv && !cli) throw new GotraceError('ERR_SYMBOL_NOT_FOUND', `neither ${TRANSPORT}.${SIDES.server[0]} nor ${SIDES.client[0]} is in the binary; nothing to trace`, { file: bin.path });
  const conn = resolveConnOffsets(bin, pins);
  const off = resolveGrpcOffsets(bin, pins, versions, [...(srv ? [] : SIDE_FIELDS.server), ...(cli ? [] : SIDE_FIELDS.client)]);
  for (const o of [...Object.values(conn), ...Object.values(off)]) values.push({ name: o.field, value: o.value, source: o.source, detail: o.detail });
  const wrap = resolveWrapConn(bin, pins, versions);
  const tcp = findTcpConnItab(bin);
  const itabSource = bin.elf.hasSymtab ? 'symtab' : 'derived'; // stripped: the runtime's itab list (core/binary/itab-runtime.ts)
  values.push('address' in tcp ? { name: tcp.symbol, value: `0x${tcp.address.toString(16)}`, source: itabSource, detail: 'only *net.TCPConn conns give an fd' }
    : { name: '*net.TCPConn itab', value: null, source: itabSource, detail: tcp.why });
  const tls = itab(bin, '*crypto/tls.Conn', values, 'a conn with this itab is TLS', 'tls is reported null');
  const wrapItab = wrap ? itab(bin, `*${WRAP_TYPE}`, values, 'grpc\'s credentials wrapper, unwrapped to the handshake\'s conn', 'wrapped conns are reported with fd, tls and addresses null') : null;
  values.push(wrap ? { name: `${WRAP_TYPE}.Conn`, value: wrap.value, source: wrap.source, detail: wrap.detail }
    : { name: `${WRAP_TYPE}.Conn`, value: null, source: 'derived', detail: 'unknown: conns behind grpc\'s credentials wrapper are reported with fd, tls and addresses null' });

  const seq = resolveSeqOffsets(bin, pins, versions);
  values.push(...seq.values);
  // Only a client's closeStream reads them.
  const status = cli ? resolveStatusOffsets(bin, pins, versions) : { offsets: null, values: [] };
  values.push(...status.values);
  const bufr = itab(bin, '*bufio.Reader', values, 'the framers read through a bufio.Reader: where a header frame sits in it', 'read-side TCP seqs are reported null', 'io.Reader');

  const wh = need(bin, '(*loopyWriter).writeHeader');
  const t = { what: 'receiver t', param: 0 };
  const write = [t, { what: 's', param: 1 }, { what: 'len(hdr)', param: 2, word: 1 }, { what: 'len(data)', param: 3, word: 1 }];
  const whLocs = argWords(bin, wh, 'writeHeader', [{ what: 'receiver l', param: 0 }, { what: 'streamID', param: 1, size: 4 }, { what: 'endStream', param: 2, size: 1 },
    { what: 'hf ptr', param: 3 }, { what: 'len(hf)', param: 3, word: 1 }], values);
  // A side that is not linked keeps its gr_cfg slots filled (with any valid location); its programs are never attached.
  const unused = (n: number): GoLocation[] => Array.from({ length: n }, () => whLocs[0]!);
  const [oh, hd, w, rs] = srv ?? [];
  const [coh, chd, cw, cs] = cli ?? [];
  const srvLocs = srv ? [
    argWords(bin, oh!, 'operateHeaders', [t, { what: 'frame', param: 1 }], values),
    argWords(bin, hd!, 'handleData', [t, { what: 'f', param: 1 }], values),
    argWords(bin, w!, 'Write', write, values),
    argWords(bin, rs!, 'handleRSTStream', [t, { what: 'f', param: 1 }], values),
  ] : [unused(2), unused(2), unused(4), unused(2)];
  const cliLocs = cli ? [
    argWords(bin, coh!, 'clientOperateHeaders', [t, { what: 'frame', param: 1 }], values),
    argWords(bin, chd!, 'handleData', [t, { what: 'f', param: 1 }], values),
    argWords(bin, cw!, 'Write', write, values),
    argWords(bin, cs!, 'closeStream', [t, { what: 's', param: 1 }, { what: 'rst', param: 3, size: 1 }, { what: 'rstCode', param: 4, size: 4 }, { what: 'st', param: 5 }], values),
  ] : [unused(2), unused(2), unused(4), unused(5)];
  // struct gr_cfg order: oh, wh, hd, w, coh, chd, cw, cs, rs
  const locations = [srvLocs[0]!, whLocs, srvLocs[1]!, srvLocs[2]!, ...cliLocs, srvLocs[3]!].flat();
  for (const fn of [wh, ...(srv ?? []), ...(cli ?? [])]) values.push({ name: `${fn.name} entry`, value: fn.entry, source: fn.source });
  const probes = [
    ...(srv ? [entry(bin, oh!, 'uprobe_transport_http2server_operateheaders', 'server: request header fields (:path is the method, metadata) and the stream id; the conn\'s fd and addresses')] : []),
    entry(bin, wh, 'uprobe_transport_loopywriter_writeheader', 'every header block a side sends: a client\'s request headers (and its conn), a server\'s response headers and trailers'),
    ...(srv ? [
      entry(bin, hd!, 'uprobe_transport_http2server_handledata', 'server: request DATA bytes and messages'),
      entry(bin, w!, 'uprobe_transport_http2server_write', 'server: one response message per call'),
    ] : []),
    ...(cli ? [
      entry(bin, coh!, 'uprobe_transport_http2client_operateheaders', 'client: response headers, and trailers with grpc-status'),
      entry(bin, chd!, 'uprobe_transport_http2client_handledata', 'client: response DATA bytes and messages'),
      entry(bin, cw!, 'uprobe_transport_http2client_write', 'client: one request message per call'),
      entry(bin, cs!, 'uprobe_transport_http2client_closestream', 'client: the stream ends (a cancel sends RST_STREAM)'),
    ] : []),
    ...(srv ? [entry(bin, rs!, 'uprobe_transport_http2server_handlerststream', 'server: the client reset the stream (a cancelled call)')] : []),
  ];
  const o = Object.fromEntries(Object.entries(off).map(([k, v]) => [k, v.value])) as GrpcConfig['offsets'];
  const config: GrpcConfig = {
    goidOffset: conn.goid.value, ifaceOff: conn.ifaceOff.value, connFd: conn.connFd.value, netfdPfd: conn.netfdPfd.value, pfdSysfd: conn.pfdSysfd.value,
    tcpConnItab: 'address' in tcp ? tcp.address : null, tlsConnItab: tls, wrapConnItab: wrapItab, wrapConn: wrap?.value ?? 0,
    pie: bin.elf.elfType === 3, offsets: o, seqOffsets: seq.offsets, bufReaderItab: bufr, statusOffsets: status.offsets, locations,
  };
  return { probes, values, config };
}

export const serverHooker: Hooker = {
  name: 'server',
  description: 'grpc-go calls, server and client side: method, metadata, status, message and byte counts, the connection (offsets from DWARF, rule pins or the grpc table)',
  plan: planCalls,
  // The wrapper's syscallConn.Conn is optional (wrapped conns are reported without an fd), so not listed.
  fieldsRead: [...CONN_FIELDS, ...Object.values(FIELDS)],
};

export const serverDwarfHooker: Hooker = {
  name: 'server-dwarf',
  description: 'the same for binaries that record no grpc version (GOPATH builds): needs DWARF, pins, or grpc-go\'s user-agent version with a table entry',
  fieldsRead: [...CONN_FIELDS, ...Object.values(FIELDS)],
  plan(ctx: HookerContext): ProbePlan {
    const recorded = ctx.binary.buildInfo.modules.find((m) => m.path === 'google.golang.org/grpc');
    if (recorded) {
      throw new GotraceError('ERR_OFFSET_UNKNOWN',
        `google.golang.org/grpc@${recorded.version} is recorded but no selector for its version matched; its function signatures were not checked, add a selector for it`, { file: ctx.binary.path });
    }
    const version = grpcVersion(ctx.binary);
    if (!ctx.binary.hasDwarf && !Object.keys(ctx.selector.offsets ?? {}).length && 'why' in version) {
      throw new GotraceError('ERR_OFFSET_UNKNOWN',
        `${version.why}, and the binary has no DWARF, so grpc's struct offsets are unknown; rebuild without -ldflags=-w/-s, or pin them in a selector's offsets`, { file: ctx.binary.path });
    }
    return planCalls(ctx);
  },
};
