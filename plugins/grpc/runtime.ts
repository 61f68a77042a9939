// The kernel side of grpc for one session. As http2 does, a binary's probes
// are attached once for every pid; a process gets its gr_procs entry. Field
// events become call records.
import type { BpfObject } from '../../core/bpf/bpf-object';
import type { BpfLink } from '../../core/bpf/bpf-link';
import type { AttachedProcess, PluginRuntime, ProcessTarget, RuntimeOptions, TraceEvent } from '../../core/engine/plugin';
import type { RuleOutcome } from '../../core/engine/engine';
import { monotonicToEpochMs } from '../../core/output/clock';
import { loadBias } from '../http1-tls/runtime';
import { CallAssembler, type GrpcRecord } from './calls';
import type { GrpcConfig } from './hooker';
import { decodeEvent, encodeCfg, pidKey } from './layout';

export function createGrpcRuntime(_options: RuntimeOptions): PluginRuntime {
  const attached = new Set<string>();
  const exes = new Map<number, string>();
  let lastTs = 0n;
  let out: TraceEvent[] = [];
  const toEvent = ({ tsNs, ...r }: GrpcRecord): TraceEvent => ({ ...r, exe: exes.get(r.pid) ?? '', ts: monotonicToEpochMs(tsNs) });
  const calls = new CallAssembler((r) => out.push(toEvent(r)));
  const take = (): TraceEvent[] => {
    const got = out;
    out = [];
    return got;
  };

  function attachBinary(obj: BpfObject, target: ProcessTarget, outcome: RuleOutcome): number {
    if (attached.has(target.binaryKey)) return 0;
    const links: BpfLink[] = [];
    try {
      for (const p of outcome.plan!.probes) links.push(obj.attachUprobe(p.program, { binaryPath: target.attachPath, fileOffset: p.fileOffset, pid: -1 }));
    } catch (e) {
      void obj.detachLinks(links); // nothing half-attached stays behind
      throw e;
    }
    attached.add(target.binaryKey);
    return links.length;
  }

  return {
    bpfObject: 'grpc',
    ringBuffers: ['gr_events'],

    attach(obj: BpfObject, target: ProcessTarget, outcomes: readonly RuleOutcome[]): AttachedProcess {
      // One rule per binary drives the probes: a second would attach them twice.
      const outcome = outcomes.find((o) => o.plan?.config);
      if (!outcome) return { newLinks: 0, detach: () => {} };
      const config = outcome.plan!.config as GrpcConfig;
      const newLinks = attachBinary(obj, target, outcome);
      const { pid } = target;
      const anyItab = [config.tcpConnItab, config.tlsConnItab, config.wrapConnItab].some((a) => a !== null);
      const bias = config.pie && anyItab ? loadBias(pid, target) : 0n;
      const at = (a: number | null) => (a === null ? 0n : BigInt(a) + bias);
      obj.map('gr_procs').update(pidKey(pid), encodeCfg(config, { tcp: at(config.tcpConnItab), tls: at(config.tlsConnItab), wrap: at(config.wrapConnItab) }, target.binary.abi === 'register'));
      exes.set(pid, target.exe);
      return {
        newLinks,
        detach: () => {
          obj.map('gr_procs').delete(pidKey(pid));
        },
      };
    },

    decode(_ring: string, record: Buffer): TraceEvent[] {
      const e = decodeEvent(record);
      if (!e) return [];
      if (e.ts > lastTs) lastTs = e.ts;
      calls.push(e);
      return take();
    },

    flush(): TraceEvent[] {
      calls.flush(lastTs);
      return take();
    },
  };
}
