// The kernel side of http2 for one session. As http1-tls does, a binary's
// probes are attached once for every pid; a process gets one h2_procs entry
// per http2 copy (the attach cookie). Field events become stream records.
import type { BpfObject } from '../../core/bpf/bpf-object';
import type { BpfLink } from '../../core/bpf/bpf-link';
import type { AttachedProcess, PluginRuntime, ProcessTarget, RuntimeOptions, TraceEvent } from '../../core/engine/plugin';
import type { RuleOutcome } from '../../core/engine/engine';
import { monotonicToEpochMs } from '../../core/output/clock';
import { loadBias as coreLoadBias } from '../../core/discovery/load-bias';
import type { Http2Config } from './hooker';
import { cfgKey, decodeEvent, encodeCfg } from './layout';
import { StreamAssembler, type Http2Record } from './streams';

export function createHttp2Runtime(_options: RuntimeOptions): PluginRuntime {
  const attached = new Set<string>();
  const exes = new Map<number, string>();
  let lastTs = 0n;
  let out: TraceEvent[] = [];
  const toEvent = ({ tsNs, ...r }: Http2Record): TraceEvent => ({ ...r, exe: exes.get(r.pid) ?? '', ts: monotonicToEpochMs(tsNs) });
  const streams = new StreamAssembler((r) => out.push(toEvent(r)));
  const take = (): TraceEvent[] => {
    const got = out;
    out = [];
    return got;
  };

  function attachBinary(obj: BpfObject, target: ProcessTarget, outcome: RuleOutcome, config: Http2Config): number {
    if (attached.has(target.binaryKey)) return 0;
    const links: BpfLink[] = [];
    try {
      outcome.plan!.probes.forEach((p, i) => {
        links.push(obj.attachUprobe(p.program, { binaryPath: target.attachPath, fileOffset: p.fileOffset, pid: -1, cookie: BigInt(config.cookies[i] ?? 0) }));
      });
    } catch (e) {
      void obj.detachLinks(links); // nothing half-attached stays behind
      throw e;
    }
    attached.add(target.binaryKey);
    return links.length;
  }

  return {
    bpfObject: 'http2',
    ringBuffers: ['h2_events'],

    attach(obj: BpfObject, target: ProcessTarget, outcomes: readonly RuleOutcome[]): AttachedProcess {
      // One rule per binary drives the probes: a second would attach them twice.
      const outcome = outcomes.find((o) => o.plan?.config);
      if (!outcome) return { newLinks: 0, detach: () => {} };
      const config = outcome.plan!.config as Http2Config;
      const newLinks = attachBinary(obj, target, outcome, config);
      const { pid } = target;
      const bias = config.pie && (config.tcpConnItab !== null || config.tlsConnItab !== null) ? coreLoadBias(pid, target.binary.elf, target.binaryKey.split(':')[1]!) : 0n;
      const at = (a: number | null) => (a === null ? 0n : BigInt(a) + bias);
      for (const g of config.gens) {
        obj.map('h2_procs').update(cfgKey(pid, g.gen), encodeCfg(config, g, at(config.tcpConnItab), at(config.tlsConnItab), target.binary.abi === 'register'));
      }
      exes.set(pid, target.exe);
      return {
        newLinks,
        detach: () => {
          for (const g of config.gens) obj.map('h2_procs').delete(cfgKey(pid, g.gen));
          // exes keeps the pid: its last events may still be in the ring.
        },
      };
    },

    decode(_ring: string, record: Buffer): TraceEvent[] {
      const e = decodeEvent(record);
      if (!e) return [];
      if (e.ts > lastTs) lastTs = e.ts;
      streams.push(e);
      return take();
    },

    flush(): TraceEvent[] {
      streams.flush(lastTs);
      return take();
    },
  };
}
