// The kernel side of grpc (both sides of a call) for one session. As http2 does, a binary's probes
// are attached once for every pid; a process gets its config in its binary's slot (the probes'
// cookie), or its gr_procs entry (core/plugin-kit/cfg-slots.ts).
// Header-block and data events become call records.
import type { BpfObject } from '../../core/bpf/bpf-object';
import { DRAIN_EVERY_MS, type AttachedProcess, type PluginRuntime, type ProcessTarget, type RuntimeOptions, type TraceEvent } from '../../core/engine/plugin';
import type { RuleOutcome } from '../../core/engine/engine';
import { BinaryProbes } from '../../core/plugin-kit/binary-probes';
import { CfgSlots } from '../../core/plugin-kit/cfg-slots';
import { RecordQueue } from '../../core/plugin-kit/record-queue';
import { targetLoadBias } from '../../core/plugin-kit/target-load-bias';
import { BlockHeaders } from './block-headers';
import { CallAssembler } from './calls';
import { ConnAddrCache } from '../../core/plugin-kit/conn-addr-cache';
import { rodataOf, RodataByPid } from '../../core/plugin-kit/rodata';
import type { GrpcConfig } from './hooker';
import { decodeEvent, encodeCfg, serverCountsOf, type ServerCounts } from './layout';

export function createGrpcRuntime(options: RuntimeOptions): PluginRuntime {
  const probes = new BinaryProbes();
  const queue = new RecordQueue();
  const calls = new CallAssembler(queue.push);
  const blocks = new BlockHeaders(options.redact);
  const addrs = new ConnAddrCache();
  const rodata = new RodataByPid();
  const cfgs = new CfgSlots({ slots: 'gr_slots', procs: 'gr_procs' });
  const counts: ServerCounts = { kind: 'data-in', pid: 0, transport: 0, streamId: 0, count: 0, n: 0 };

  const decodeAt = (_ring: string, batch: Buffer, start: number, end: number): TraceEvent[] => {
    // Counts finish no record, and a later record of the call moves lastTs.
    // take(): the queue's shared empty array, not a fresh one per record.
    if (serverCountsOf(batch, counts, start, end)) {
      calls.countServer(counts.kind, counts.pid, counts.transport, counts.streamId, counts.count, counts.n);
      return queue.take();
    }
    const e = decodeEvent(batch, blocks, addrs, rodata, start, end);
    if (!e) return queue.take();
    queue.saw(e.ts);
    calls.push(e);
    return queue.take();
  };

  return {
    bpfObject: 'grpc',
    ringBuffers: ['gr_events'],
    // The BPF side does not wake us per record: a burst is handled as one batch.
    drainEveryMs: DRAIN_EVERY_MS,

    attach(obj: BpfObject, target: ProcessTarget, outcomes: readonly RuleOutcome[]): AttachedProcess {
      // One rule per binary drives the probes: a second would attach them twice.
      const outcome = outcomes.find((o) => o.plan?.config);
      if (!outcome) return { newLinks: 0, detach: () => {} };
      const config = outcome.plan!.config as GrpcConfig;
      const slot = cfgs.slotFor(target.binaryKey);
      const newLinks = probes.attachOnce(obj, target, outcome.plan!.probes, outcome.plan!.probes.map(() => slot));
      const { pid } = target;
      const anyItab = [config.tcpConnItab, config.tlsConnItab, config.wrapConnItab, config.bufReaderItab].some((a) => a !== null);
      const bias = config.pie ? targetLoadBias(pid, target) : 0n;
      const at = (a: number | null) => (a === null || !anyItab ? 0n : BigInt(a) + bias);
      // A held PIE's bias is not known yet (0): no .rodata range until it is attached again.
      const ro = rodataOf(target.binary, config.pie && target.held ? null : bias);
      rodata.set(pid, ro);
      const cfg = encodeCfg(config, { tcp: at(config.tcpConnItab), tls: at(config.tlsConnItab), wrap: at(config.wrapConnItab), bufr: at(config.bufReaderItab) }, target.binary.abi === 'register', ro);
      cfgs.place(obj, pid, target.binaryKey, cfg);
      queue.setExe(pid, target.exe);
      return {
        newLinks,
        detach: () => {
          cfgs.remove(obj, pid);
        },
      };
    },

    decode: (ring: string, record: Buffer): TraceEvent[] => decodeAt(ring, record, 0, record.length),
    decodeAt,

    // bpf_ktime_get_ns and hrtime are both CLOCK_MONOTONIC
    inProgress: () => calls.inProgress(process.hrtime.bigint()),

    flush(): TraceEvent[] {
      calls.flush(queue.lastTs);
      return queue.take();
    },
  };
}
