// The kernel side of http2 for one session. As http1-tls does, a binary's
// probes are attached once for every pid; a process gets one h2_procs entry
// per http2 copy (the attach cookie). Header, data and reset records become
// stream records.
import type { BpfObject } from '../../core/bpf/bpf-object';
import { DRAIN_EVERY_MS, type AttachedProcess, type PluginRuntime, type ProcessTarget, type RuntimeOptions, type TraceEvent } from '../../core/engine/plugin';
import type { RuleOutcome } from '../../core/engine/engine';
import { BinaryProbes } from '../../core/plugin-kit/binary-probes';
import { RecordQueue } from '../../core/plugin-kit/record-queue';
import { targetLoadBias } from '../../core/plugin-kit/target-load-bias';
import type { Http2Config } from './hooker';
import { ConnAddrCache } from '../../core/plugin-kit/conn-addr-cache';
import { rodataOf, RodataByPid } from '../../core/plugin-kit/rodata';
import { cfgKey, decodeEvent, encodeCfg } from './layout';
import { StreamAssembler } from './streams';

export function createHttp2Runtime(options: RuntimeOptions): PluginRuntime {
  const probes = new BinaryProbes();
  const queue = new RecordQueue();
  const streams = new StreamAssembler(queue.push, { redact: options.redact });
  const conns = new ConnAddrCache();
  const rodata = new RodataByPid();

  return {
    bpfObject: 'http2',
    ringBuffers: ['h2_events'],
    // The BPF side does not wake us per record: a burst is handled as one batch.
    drainEveryMs: DRAIN_EVERY_MS,

    attach(obj: BpfObject, target: ProcessTarget, outcomes: readonly RuleOutcome[]): AttachedProcess {
      // One rule per binary drives the probes: a second would attach them twice.
      const outcome = outcomes.find((o) => o.plan?.config);
      if (!outcome) return { newLinks: 0, detach: () => {} };
      const config = outcome.plan!.config as Http2Config;
      const newLinks = probes.attachOnce(obj, target, outcome.plan!.probes, config.cookies);
      const { pid } = target;
      const bias = config.pie ? targetLoadBias(pid, target) : 0n;
      const at = (a: number | null) => (a === null ? 0n : BigInt(a) + bias);
      // A held PIE's bias is not known yet (0): no .rodata range until it is attached again.
      const ro = rodataOf(target.binary, config.pie && target.held ? null : bias);
      rodata.set(pid, ro);
      for (const g of config.gens) {
        obj.map('h2_procs').update(cfgKey(pid, g.gen), encodeCfg(config, g, { tcp: at(config.tcpConnItab), tls: at(config.tlsConnItab), wrap: at(config.wrapConnItab) }, target.binary.abi === 'register', ro));
      }
      queue.setExe(pid, target.exe);
      return {
        newLinks,
        detach: () => {
          for (const g of config.gens) obj.map('h2_procs').delete(cfgKey(pid, g.gen));
          // the queue keeps the pid's exe: its last events may still be in the ring.
        },
      };
    },

    decode(_ring: string, record: Buffer): TraceEvent[] {
      const e = decodeEvent(record, conns, rodata);
      if (!e) return [];
      queue.saw(e.ts);
      streams.push(e);
      return queue.take();
    },

    flush(): TraceEvent[] {
      streams.flush(queue.lastTs);
      return queue.take();
    },
  };
}
