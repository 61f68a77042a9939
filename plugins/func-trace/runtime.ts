// The kernel side of function tracing for one session. Each binary's probes
// are attached once, for every pid (one entry and N return uprobes per
// function, cookie = function id); each process then only gets config map
// entries, so processes come and go without touching uprobes: detaching a
// uprobe costs the kernel an RCU grace period (~100 ms) and briefly blocks
// fork() system-wide, attaching one costs less but still takes locks.
import type { BpfObject } from '../../core/bpf/bpf-object';
import type { BpfLink } from '../../core/bpf/bpf-link';
import type { UprobeSite } from '../../core/bpf/uprobe-sites';
import type { AttachedProcess, PluginRuntime, ProcessTarget, TraceEvent } from '../../core/engine/plugin';
import type { RuleOutcome } from '../../core/engine/engine';
import { monotonicToEpochMs } from '../../core/output/clock';
import type { FuncTraceConfig, FunctionPlanConfig } from './hooker';
import { decodeEvent, encodeFuncConfig, encodeProcConfig, funcKey, pidKey } from './layout';
import { formatValue } from './format-value';

interface TracedBinary { readonly functions: { id: number; fn: FunctionPlanConfig }[]; readonly goidOffset: number; readonly regabi: boolean }

export function createFuncTraceRuntime(): PluginRuntime {
  const binaries = new Map<string, TracedBinary>();
  const byId = new Map<number, FunctionPlanConfig>();
  const exes = new Map<number, string>();
  let nextId = 1;

  function attachBinary(obj: BpfObject, target: ProcessTarget, configs: FuncTraceConfig[], outcomes: readonly RuleOutcome[]): { tb: TracedBinary; newLinks: number } {
    const known = binaries.get(target.binaryKey);
    if (known) return { tb: known, newLinks: 0 };
    const links: BpfLink[] = [];
    const functions: TracedBinary['functions'] = [];
    // Each program's sites in this binary go in one call: one uprobe_multi
    // link, so the kernel waits out one grace period at detach, not one per site.
    const sites = new Map<string, UprobeSite[]>();
    try {
      for (const o of outcomes) {
        for (const fn of (o.plan?.config as FuncTraceConfig | undefined)?.functions ?? []) {
          const id = nextId++;
          functions.push({ id, fn });
          byId.set(id, fn);
          for (const p of o.plan!.probes.filter((x) => x.symbol === fn.function)) {
            let list = sites.get(p.program);
            if (!list) sites.set(p.program, (list = []));
            list.push({ fileOffset: p.fileOffset, cookie: BigInt(id) });
          }
        }
      }
      for (const [program, list] of sites) links.push(...obj.attachUprobes(program, { binaryPath: target.attachPath, pid: -1, sites: list }));
    } catch (e) {
      void obj.detachLinks(links); // nothing half-attached stays behind
      for (const f of functions) byId.delete(f.id);
      throw e;
    }
    const tb = { functions, goidOffset: configs[0]!.goidOffset, regabi: target.binary.abi === 'register' };
    binaries.set(target.binaryKey, tb);
    // Uprobes, not kernel links: the session counts probes live.
    return { tb, newLinks: [...sites.values()].reduce((n, l) => n + l.length, 0) };
  }

  return {
    bpfObject: 'func_trace',
    ringBuffers: ['ft_events'],

    attach(obj: BpfObject, target: ProcessTarget, outcomes: readonly RuleOutcome[]): AttachedProcess {
      const configs = outcomes.map((o) => o.plan?.config as FuncTraceConfig | undefined).filter((c): c is FuncTraceConfig => !!c);
      if (!configs.length) return { newLinks: 0, detach: () => {} };
      const { tb, newLinks } = attachBinary(obj, target, configs, outcomes);
      const { pid } = target;
      const detach = (): void => {
        for (const f of tb.functions) obj.map('ft_funcs').delete(funcKey(pid, f.id));
        obj.map('ft_procs').delete(pidKey(pid));
        // exes keeps the pid: its last events may still be in the ring.
      };
      try {
        for (const f of tb.functions) obj.map('ft_funcs').update(funcKey(pid, f.id), encodeFuncConfig(f.fn.params, f.fn.results));
        // Written last: the BPF side does nothing for a pid until its proc config exists.
        obj.map('ft_procs').update(pidKey(pid), encodeProcConfig(tb.goidOffset, tb.regabi));
        exes.set(pid, target.exe);
      } catch (e) {
        detach();
        throw e;
      }
      return { newLinks, detach };
    },

    decode(_ring: string, record: Buffer): TraceEvent[] {
      const raw = decodeEvent(record, (id) => {
        const f = byId.get(id);
        return f && { params: f.params.length, results: f.results.length };
      });
      const fn = raw && byId.get(raw.funcId);
      if (!raw || !fn) return [];
      const values = (defs: FunctionPlanConfig['params'], got: typeof raw.params): Record<string, unknown> =>
        Object.fromEntries(defs.slice(0, got.length).map((d, i) => [d.name, formatValue(d, got[i]!)]));
      return [{
        type: 'call', ts: monotonicToEpochMs(raw.tsEntry), pid: raw.pid, tid: raw.tid, exe: exes.get(raw.pid) ?? '',
        goid: raw.goid >= 0n ? Number(raw.goid) : null,
        function: fn.function,
        args: values(fn.params, raw.params),
        returns: values(fn.results, raw.results),
        latencyNs: Number(raw.tsReturn - raw.tsEntry),
      }];
    },
  };
}
