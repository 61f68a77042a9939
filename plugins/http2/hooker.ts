// Plans the http2 probes for every http2 copy in a binary (net/http's bundled
// one, golang.org/x/net/http2, net/http/internal/http2, vendored copies), for
// each side the copy has in the binary: a server, a client, or both. A side
// that cannot be traced (a function inlined away, an offset unknown) is left
// out and said so in the plan's values; the others still are traced.
import type { GoBinary } from '../../core/binary/go-binary';
import type { GoLocation } from '../../core/bpf/go-location';
import type { Hooker, HookerContext, ProbePlan, ProbeSpec, ResolvedValue } from '../../core/engine/plugin';
import { GotraceError } from '../../core/errors';
import { findItab } from '../../core/binary/itab';
import { resolveStructOffset } from '../../core/offsets/struct-offset';
import { CONN_FIELDS, resolveConnOffsets } from '../../core/offsets/conn-offsets';
import { findGenerations, genFields, genFunction } from './offsets';
import type { LocationName, OffsetName } from './layout';
import { planClient, planServer, planShared, type SidePlan } from './plan-sides';

export interface GenConfig {
  readonly gen: number;
  readonly pkg: string;
  readonly sides: readonly ('server' | 'client')[];
  readonly offsets: Partial<Record<OffsetName, number>>;
  readonly locations: Partial<Record<LocationName, GoLocation>>;
}

export interface Http2Config {
  readonly goidOffset: number;
  readonly ifaceOff: number;
  readonly connFd: number;
  readonly netfdPfd: number;
  readonly pfdSysfd: number;
  readonly tcpConnItab: number | null;
  readonly tlsConnItab: number | null;
  /** The *h2c.bufConn itab and where it keeps the conn it wraps; null: not in the binary or not known. */
  readonly wrapConnItab: number | null;
  readonly wrapConn: number;
  /** h2c.bufConn.Reader, the read-ahead an h2c server's frames are read through first; 0: unknown (h2c request seqs null). */
  readonly wrapReader: number;
  readonly pie: boolean;
  readonly gens: readonly GenConfig[];
  /** The attach cookie of each planned probe, by index: its generation. */
  readonly cookies: readonly number[];
}

/**
 * x/net's h2c server wraps the accepted conn in *h2c.bufConn (the read-ahead
 * bytes first); its embedded net.Conn leads to the fd. Null when the binary
 * has no h2c or its layout is unknown: those conns then have no fd.
 */
function findWrapConn(bin: GoBinary, pins: Readonly<Record<string, number>> | undefined, values: ResolvedValue[]): { itab: number | null; off: number; reader: number } {
  const r = findItab(bin, '*golang.org/x/net/http2/h2c.bufConn', 'net.Conn');
  if (!('address' in r)) return { itab: null, off: 0, reader: 0 };
  try {
    const o = resolveStructOffset(bin, 'golang.org/x/net/http2/h2c.bufConn.Conn', { pins });
    values.push({ name: r.symbol, value: `0x${r.address.toString(16)}`, source: 'symtab', detail: 'h2c server conns are unwrapped to reach the fd' });
    values.push({ name: o.field, value: o.value, source: o.source, detail: o.detail });
    return { itab: r.address, off: o.value, reader: h2cReader(bin, pins, values) };
  } catch (e) {
    if (!(e instanceof GotraceError)) throw e;
    values.push({ name: r.symbol, value: null, source: 'derived', detail: `h2c server conns give no fd: ${e.message}` });
    return { itab: null, off: 0, reader: 0 };
  }
}

/**
 * h2c.bufConn.Reader: an h2c server's frames are read through it until the
 * bytes h2c read ahead run out (x/net 0.7: bufConn{net.Conn; *bufio.Reader}).
 * Optional, DWARF or a pin only (x/net versions that keep a *bufio.ReadWriter
 * there instead have no such field): 0 leaves h2c request seqs null.
 */
function h2cReader(bin: GoBinary, pins: Readonly<Record<string, number>> | undefined, values: ResolvedValue[]): number {
  const field = 'golang.org/x/net/http2/h2c.bufConn.Reader';
  try {
    const o = resolveStructOffset(bin, field, { pins });
    if (o.value === 0) throw new GotraceError('ERR_OFFSET_UNKNOWN', `${field} at 0 is not the layout read here`);
    values.push({ name: o.field, value: o.value, source: o.source, detail: `${o.detail} (h2c request seqs: frames are read through it first)` });
    return o.value;
  } catch (e) {
    if (!(e instanceof GotraceError)) throw e;
    values.push({ name: field, value: null, source: 'derived', detail: `unknown: h2c servers' request seqs are reported null (${e.message})` });
    return 0;
  }
}

/** The *crypto/tls.Conn itab for net.Conn: tells TLS conns from cleartext (h2c) ones. */
function findTlsConnItab(bin: GoBinary): number | null {
  const r = findItab(bin, '*crypto/tls.Conn', 'net.Conn');
  return 'address' in r ? r.address : null;
}

export const streamsHooker: Hooker = {
  name: 'streams',
  description: 'HTTP/2 streams of Go\'s http2 (bundled in net/http or golang.org/x/net/http2), server and client side: headers, status, body sizes, resets, the connection',
  // What a stripped binary needs for net/http's bundled copy, whose layout the
  // Go version keys (HTTP2_TABLE). Other copies' fields are keyed by the x/net
  // version and h2c.bufConn.Conn is optional (h2c conns then have no fd): a
  // stripped binary traces those only with pins.
  fieldsRead: [...CONN_FIELDS, ...genFields({ pkg: 'net/http', prefix: 'http2' })],
  plan(ctx: HookerContext): ProbePlan {
    const bin = ctx.binary;
    const pins = ctx.selector.offsets;
    const values: ResolvedValue[] = [];
    const conn = resolveConnOffsets(bin, pins);
    for (const o of Object.values(conn)) values.push({ name: o.field, value: o.value, source: o.source, detail: o.detail });
    const tcp = findItab(bin, '*net.TCPConn', 'net.Conn');
    const tls = findTlsConnItab(bin);
    values.push('address' in tcp ? { name: tcp.symbol, value: `0x${tcp.address.toString(16)}`, source: 'symtab', detail: 'only *net.TCPConn conns give an fd' }
      : { name: '*net.TCPConn itab', value: null, source: 'symtab', detail: tcp.why });
    values.push({ name: '*crypto/tls.Conn itab', value: tls === null ? null : `0x${tls.toString(16)}`, source: 'symtab',
      detail: tls === null ? 'unknown (no .symtab or no TLS): tls is reported null' : 'a serverConn.conn or ClientConn.tconn with this itab is TLS' });

    const wrap = findWrapConn(bin, pins, values);
    const probes: ProbeSpec[] = [], cookies: number[] = [], gens: GenConfig[] = [];
    const errors: GotraceError[] = [];
    const attempt = (what: string, f: () => SidePlan): SidePlan | undefined => {
      try {
        return f();
      } catch (e) {
        if (!(e instanceof GotraceError)) throw e;
        errors.push(e);
        values.push({ name: what, value: null, source: 'derived', detail: `not traced: ${e.message}` });
        return undefined;
      }
    };
    findGenerations(bin).forEach((g, gen) => {
      const shared = attempt(`${g.pkg} http2 frames`, () => planShared(bin, g, pins));
      if (!shared) return;
      const sides: ['server' | 'client', SidePlan][] = [];
      if (genFunction(bin, g, 'serverConn', 'processHeaders')) {
        const s = attempt(`${g.pkg} http2 server`, () => planServer(bin, g, pins));
        if (s) sides.push(['server', s]);
      }
      if (genFunction(bin, g, 'ClientConn', 'writeHeaders')) {
        const c = attempt(`${g.pkg} http2 client`, () => planClient(bin, g, pins));
        if (c) sides.push(['client', c]);
      }
      if (!sides.length) return;
      const parts = [shared, ...sides.map(([, p]) => p)];
      for (const p of parts) {
        values.push(...p.values);
        probes.push(...p.probes);
        cookies.push(...p.probes.map(() => gen));
      }
      gens.push({ gen, pkg: g.pkg, sides: sides.map(([s]) => s),
        offsets: Object.assign({}, ...parts.map((p) => p.offsets)), locations: Object.assign({}, ...parts.map((p) => p.locations)) });
    });
    if (!gens.length) throw errors[0] ?? new GotraceError('ERR_SYMBOL_NOT_FOUND', 'no http2 server or client in the binary; the rule\'s checker should have required one', { file: bin.path });
    const config: Http2Config = {
      goidOffset: conn.goid.value, ifaceOff: conn.ifaceOff.value, connFd: conn.connFd.value, netfdPfd: conn.netfdPfd.value, pfdSysfd: conn.pfdSysfd.value,
      tcpConnItab: 'address' in tcp ? tcp.address : null, tlsConnItab: tls, wrapConnItab: wrap.itab, wrapConn: wrap.off, wrapReader: wrap.reader, pie: bin.elf.elfType === 3, gens, cookies,
    };
    return { probes, values, config };
  },
};
