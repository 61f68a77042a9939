// The kernel side of function tracing for one session: per-process config
// maps, one entry and N return uprobes per function (cookie = function id),
// and decoding of the paired call events.
import type { BpfObject } from '../../core/bpf/bpf-object';
import type { BpfLink } from '../../core/bpf/bpf-link';
import type { AttachedProcess, PluginRuntime, ProcessTarget, TraceEvent } from '../../core/engine/plugin';
import type { RuleOutcome } from '../../core/engine/engine';
import { monotonicToEpochMs } from '../../core/output/clock';
import type { FuncTraceConfig, FunctionPlanConfig } from './hooker';
import { decodeEvent, encodeFuncConfig, encodeProcConfig, funcKey, pidKey } from './layout';
import { formatValue } from './format-value';

interface Traced { readonly pid: number; readonly exe: string; readonly fn: FunctionPlanConfig }

export function createFuncTraceRuntime(): PluginRuntime {
  const byId = new Map<number, Traced>();
  let nextId = 1;
  return {
    bpfObject: 'func_trace',
    ringBuffers: ['ft_events'],

    attach(obj: BpfObject, target: ProcessTarget, outcomes: readonly RuleOutcome[]): AttachedProcess {
      const { pid, binary } = target;
      const configs = outcomes.map((o) => o.plan?.config as FuncTraceConfig | undefined).filter((c): c is FuncTraceConfig => !!c);
      if (!configs.length) return { links: [], detach: () => {} };
      obj.map('ft_procs').update(pidKey(pid), encodeProcConfig(configs[0]!.goidOffset, binary.abi === 'register'));
      const links: BpfLink[] = [];
      const ids: number[] = [];
      const detach = (): void => {
        for (const l of links) l.destroy();
        for (const id of ids) {
          byId.delete(id);
          obj.map('ft_funcs').delete(funcKey(pid, id));
        }
        obj.map('ft_procs').delete(pidKey(pid));
      };
      try {
        for (const o of outcomes) {
          for (const fn of (o.plan?.config as FuncTraceConfig | undefined)?.functions ?? []) {
            const id = nextId++;
            ids.push(id);
            byId.set(id, { pid, exe: target.exe, fn });
            obj.map('ft_funcs').update(funcKey(pid, id), encodeFuncConfig(fn.params, fn.results));
            for (const p of o.plan!.probes.filter((x) => x.symbol === fn.function)) {
              links.push(obj.attachUprobe(p.program, { binaryPath: target.attachPath, fileOffset: p.fileOffset, pid, cookie: BigInt(id) }));
            }
          }
        }
      } catch (e) {
        detach(); // nothing half-attached stays behind
        throw e;
      }
      return { links, detach };
    },

    decode(_ring: string, record: Buffer): TraceEvent[] {
      const raw = decodeEvent(record);
      const t = raw && byId.get(raw.funcId);
      if (!raw || !t || t.pid !== raw.pid) return [];
      const values = (defs: FunctionPlanConfig['params'], got: typeof raw.params): Record<string, unknown> =>
        Object.fromEntries(defs.slice(0, got.length).map((d, i) => [d.name, formatValue(d, got[i]!)]));
      return [{
        type: 'call', ts: monotonicToEpochMs(raw.tsEntry), pid: raw.pid, tid: raw.tid, exe: t.exe,
        goid: raw.goid >= 0n ? Number(raw.goid) : null,
        function: t.fn.function,
        args: values(t.fn.params, raw.params),
        returns: values(t.fn.results, raw.results),
        latencyNs: Number(raw.tsReturn - raw.tsEntry),
      }];
    },
  };
}
