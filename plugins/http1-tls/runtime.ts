// The kernel side of http1-tls for one session. As func-trace does, each
// binary's probes are attached once for every pid (detaching uprobes costs
// the kernel ~100 ms each); a process only gets its config, in its binary's slot
// (the probes' cookie) or in h1_procs (core/plugin-kit/cfg-slots.ts). Records
// become CapturedChunks for the HTTP/1 decoder, whose exchanges are the events.
import type { BpfObject } from '../../core/bpf/bpf-object';
import type { BpfLink } from '../../core/bpf/bpf-link';
import type { UprobeSite } from '../../core/bpf/uprobe-sites';
import { DRAIN_EVERY_MS, type AttachedProcess, type PluginRuntime, type ProcessTarget, type RuntimeOptions, type TraceEvent } from '../../core/engine/plugin';
import type { RuleOutcome } from '../../core/engine/engine';
import { GotraceError } from '../../core/errors';
import { Http1Decoder, type CapturedChunk, type Http1Record } from './decoder';
import { decodeChunk, encodeProcConfig, type ProcPlans, type RawChunk } from './layout';
import { ConnAddrCache } from '../../core/plugin-kit/conn-addr-cache';
import { CfgSlots } from '../../core/plugin-kit/cfg-slots';
import { targetLoadBias } from '../../core/plugin-kit/target-load-bias';

/**
 * A connKey per (pid, fd) that changes when another connection takes the fd
 * over: the record's conn is the socket's inode number, which sockfs never
 * gives two sockets in a row (a *tls.Conn's address, or a struct sock's, can
 * come back for the next connection). Looked up per record, so by numbers, with
 * the key string built once per connection rather than per record.
 */
class ConnKeys {
  private readonly byPid = new Map<number, Map<number, { conn: number; key: string }>>();
  /**
   * Numbers every connection seen, across pids and their restarts: a key is
   * never given twice, so records read after a pid was forgotten (its last
   * ones, drained at detach) start a connection of their own instead of
   * landing in an older one's decoder state.
   */
  private next = 0;

  /** The key another connection had on c's fd, which c's key just replaced (set by key(), else null). */
  replaced: string | null = null;

  key(c: RawChunk): string {
    this.replaced = null;
    if (c.fd < 0) return `${c.pid}:conn-${c.conn.toString(16)}`;
    let fds = this.byPid.get(c.pid);
    if (!fds) this.byPid.set(c.pid, (fds = new Map()));
    const slot = c.tls ? c.fd : -1 - c.fd; // TLS and plain bytes on one fd are different conns
    const known = fds.get(slot);
    if (known && known.conn === c.conn) return known.key;
    if (known) this.replaced = known.key;
    const key = `${c.pid}:${c.fd}${c.tls ? '' : ':tcp'}:${this.next++}`;
    fds.set(slot, { conn: c.conn, key });
    return key;
  }

  /** The key of the connection a close record names, forgotten; undefined when it is not the fd's current one. */
  closed(c: RawChunk): string | undefined {
    const fds = this.byPid.get(c.pid);
    const slot = c.tls ? c.fd : -1 - c.fd;
    const known = fds?.get(slot);
    if (!known || known.conn !== c.conn) return undefined;
    fds!.delete(slot);
    return known.key;
  }

  forgetPid(pid: number): void {
    this.byPid.delete(pid);
  }
}

export function createHttp1TlsRuntime(options: RuntimeOptions): PluginRuntime {
  const binaries = new Map<string, ProcPlans>();
  const exes = new Map<number, string>();
  const keys = new ConnKeys();
  const addrs = new ConnAddrCache();
  const cfgs = new CfgSlots({ slots: 'h1_slots', procs: 'h1_procs' });
  let out: TraceEvent[] = [];
  // The record is fresh and ours: add exe in place rather than spreading a
  // ~20-field object per exchange (that copy was ~6 µs per record).
  const toEvent = (r: Http1Record): TraceEvent => Object.assign(r as Http1Record & Record<string, unknown>, { exe: exes.get(r.pid) ?? '' });
  const decoder = new Http1Decoder({ maxBody: options.maxBody, redact: options.redact, onRecord: (r) => out.push(toEvent(r)) });
  const NONE: TraceEvent[] = [];
  const take = (): TraceEvent[] => {
    if (!out.length) return NONE; // most records end no exchange
    const got = out;
    out = [];
    return got;
  };

  function attachBinary(obj: BpfObject, target: ProcessTarget, outcomes: readonly RuleOutcome[]): { config: ProcPlans; newLinks: number } {
    const known = binaries.get(target.binaryKey);
    if (known) return { config: known, newLinks: 0 };
    const links: BpfLink[] = [];
    let newLinks = 0;
    try {
      // One call per program: its sites share one uprobe_multi link (one grace period at detach).
      // The TLS and TCP plans share the FD.Read programs: each site is attached once.
      const sites = new Map<string, UprobeSite[]>();
      const seen = new Set<string>();
      for (const p of outcomes.flatMap((o) => o.plan!.probes)) {
        const id = `${p.program}@${p.fileOffset}`;
        if (seen.has(id)) continue;
        seen.add(id);
        newLinks++;
        let list = sites.get(p.program);
        if (!list) sites.set(p.program, (list = []));
        list.push({ fileOffset: p.fileOffset, cookie: BigInt(cfgs.slotFor(target.binaryKey)) });
      }
      for (const [program, list] of sites) links.push(...obj.attachUprobes(program, { binaryPath: target.attachPath, pid: -1, sites: list }));
    } catch (e) {
      void obj.detachLinks(links); // nothing half-attached stays behind
      throw e;
    }
    const configs = outcomes.map((o) => o.plan!.config as ProcPlans['tls'] | ProcPlans['tcp']);
    const config: ProcPlans = {
      tls: configs.find((c): c is NonNullable<ProcPlans['tls']> => c?.kind === 'tls') ?? null,
      tcp: configs.find((c): c is NonNullable<ProcPlans['tcp']> => c?.kind === 'tcp') ?? null,
    };
    binaries.set(target.binaryKey, config);
    return { config, newLinks }; // uprobes, not kernel links: the session counts probes
  }

  return {
    bpfObject: 'http1_tls',
    ringBuffers: ['h1_events'],
    // The BPF side does not wake us per record: a burst is handled as one batch.
    drainEveryMs: DRAIN_EVERY_MS,

    attach(obj: BpfObject, target: ProcessTarget, outcomes: readonly RuleOutcome[]): AttachedProcess {
      // At most one TLS and one TCP plan per binary: a second of a kind would attach its probes twice.
      const planned = outcomes.filter((o) => o.plan?.config);
      const kinds = planned.map((o) => (o.plan!.config as { kind: string }).kind);
      const used = planned.filter((_, i) => kinds.indexOf(kinds[i]!) === i);
      if (!used.length) return { newLinks: 0, detach: () => {} };
      const { config, newLinks } = attachBinary(obj, target, used);
      const { pid } = target;
      let itab = 0n;
      const tls = config.tls;
      if (tls && tls.tcpConnItab !== null) itab = BigInt(tls.tcpConnItab) + (tls.pie ? targetLoadBias(pid, target) : 0n);
      cfgs.place(obj, pid, target.binaryKey, encodeProcConfig(config, itab, target.binary.abi === 'register'));
      exes.set(pid, target.exe);
      return {
        newLinks,
        detach: () => {
          cfgs.remove(obj, pid);
          keys.forgetPid(pid); // exes keeps the pid: its last chunks may still be in the ring
        },
      };
    },

    decode(_ring: string, record: Buffer): TraceEvent[] {
      const c = decodeChunk(record, addrs);
      if (!c) return NONE;
      if (c.direction === 'close') {
        const key = keys.closed(c);
        if (key) decoder.closeConnection(key, c.ts);
        return take();
      }
      c.connKey = keys.key(c);
      if (keys.replaced !== null) decoder.closeConnection(keys.replaced, c.ts);
      decoder.push(c as CapturedChunk);
      return take();
    },

    flush(): TraceEvent[] {
      decoder.flush();
      return take();
    },
  };
}
