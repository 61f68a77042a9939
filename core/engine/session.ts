// A tracing session: analyzes each process's executable once per (dev, ino),
// plans every rule, loads each needed plugin's BPF object once, attaches per
// process, and streams decoded events to a sink. Closing detaches everything.
import { statSync } from 'node:fs';
import type { Logger } from 'pino';
import { GoBinary } from '../binary/go-binary';
import { readBinaryFile } from '../binary/target';
import { BpfObject } from '../bpf/bpf-object';
import type { RingBufferConsumer } from '../bpf/ring-buffer';
import { bpfObjectPath } from '../bpf/paths';
import { GotraceError } from '../errors';
import { CpuShare } from './cpu-share';
import { RuleEngine, type RuleOutcome } from './engine';
import type { LoadedRule } from './rule-loader';
import { redactionSet } from '../plugin-kit/headers';
import type { AttachedProcess, GotracePlugin, PluginRuntime, RuntimeOptions, TraceEvent } from './plugin';

export interface SessionProcess {
  readonly pid: number;
  readonly exe: string;
  readonly readPath: string;
  /** Not exec'd yet (see ProcessTarget.held): call refreshProcess once it is. */
  readonly held?: boolean;
}

/** probes: uprobes live, shared by the processes of one binary and kept until close. */
export interface SessionStats {
  processes: number;
  probes: number;
  /** Events emitted (records, calls). */
  events: number;
  /** Ring-buffer records read from the BPF side, per plugin: what the probes sent up, before decoding. */
  ringRecords: Record<string, number>;
  drops: number;
  ruleFailures: number;
}

interface LoadedPlugin {
  readonly runtime: PluginRuntime;
  readonly obj: BpfObject;
  readonly rings: RingBufferConsumer[];
  /** Drains the rings every runtime.drainEveryMs (for BPF sides that submit without waking). */
  readonly drainTimer?: NodeJS.Timeout;
}

export class Session {
  private readonly engine: RuleEngine;
  private readonly loaded = new Map<string, LoadedPlugin>();
  private readonly binaries = new Map<string, { bin: GoBinary; outcomes: RuleOutcome[]; key: string }>();
  private readonly attached = new Map<number, AttachedProcess[]>();
  private readonly counters = { events: 0, probes: 0, ruleFailures: 0 };
  private readonly ringRecords = new Map<string, number>();
  /** Decoding gives its CPU up every slice of work (cpu-share.ts). */
  private readonly cpuShare = new CpuShare();

  constructor(
    private readonly plugins: readonly GotracePlugin[],
    private readonly rules: readonly LoadedRule[],
    private readonly sink: (e: TraceEvent) => void,
    private readonly log: Logger,
    private readonly options: RuntimeOptions = { maxBody: 0, redact: redactionSet([], false) },
    /** Rule failures are the caller's to report (gotrace trace turns them into its error line). */
    private readonly quietFailures = false,
  ) {
    this.engine = new RuleEngine(plugins);
  }

  /** Analysis and plans for one executable, cached by device and inode. */
  plan(readPath: string, exe: string): { bin: GoBinary; outcomes: RuleOutcome[]; key: string } {
    const st = statSync(readPath);
    const key = `${st.dev}:${st.ino}`;
    let hit = this.binaries.get(key);
    if (!hit) {
      const bin = new GoBinary(exe, readBinaryFile(readPath));
      const outcomes = this.engine.planAll(bin, this.rules);
      if (!this.quietFailures) for (const o of outcomes.filter((x) => x.status === 'failed')) this.report(o, exe);
      hit = { bin, outcomes, key };
      this.binaries.set(key, hit);
    }
    return hit;
  }

  /**
   * Loads the BPF object of every plugin the rules name, before any process
   * is seen: the first process of a new binary then waits only for its
   * analysis, and a kernel that cannot load them fails at start, not later.
   */
  preload(): void {
    for (const name of new Set(this.rules.map((r) => r.rule.plugin))) this.pluginRuntime(name);
  }

  private report(o: RuleOutcome, exe: string): void {
    const log = this.log.child({ rule: o.ruleId, plugin: o.plugin });
    const msg = o.error?.message ?? 'failed';
    if (o.failureMode === 'error') {
      this.counters.ruleFailures++;
      log.error({ exe, code: o.error?.code }, msg);
    } else if (o.failureMode === 'warn') log.warn({ exe, code: o.error?.code }, msg);
    else log.debug({ exe, code: o.error?.code }, msg);
  }

  private pluginRuntime(name: string): LoadedPlugin | undefined {
    const existing = this.loaded.get(name);
    if (existing) return existing;
    const plugin = this.plugins.find((p) => p.name === name);
    if (!plugin?.createRuntime) return undefined;
    const runtime = plugin.createRuntime(this.options);
    const obj = BpfObject.open(bpfObjectPath(runtime.bpfObject));
    try {
      runtime.configure?.(obj);
      obj.load();
      const rings = runtime.ringBuffers.map((rb) => obj.openRingBufferBatches(rb, (data, ends) => {
        this.ringRecords.set(name, (this.ringRecords.get(name) ?? 0) + ends.length);
        this.cpuShare.begin();
        let start = 0;
        for (let i = 0; i < ends.length; i++) {
          const end = ends[i]!;
          const events = runtime.decodeAt ? runtime.decodeAt(rb, data, start, end) : runtime.decode(rb, data.subarray(start, end));
          for (const e of events) this.emit(e);
          start = end;
          this.cpuShare.tick();
        }
      }));
      // unref: the timer alone must not keep the process alive.
      const drainTimer = runtime.drainEveryMs ? setInterval(() => { for (const r of rings) r.drain(); }, runtime.drainEveryMs).unref() : undefined;
      const lp = { runtime, obj, rings, ...(drainTimer ? { drainTimer } : {}) };
      this.loaded.set(name, lp);
      return lp;
    } catch (e) {
      obj.close();
      throw e;
    }
  }

  private emit(e: TraceEvent): void {
    this.counters.events++;
    this.sink(e);
  }

  /** Plans and attaches one process. Returns how many probes went live. */
  addProcess(p: SessionProcess): number {
    if (this.attached.has(p.pid)) return 0;
    const t0 = performance.now();
    const done: AttachedProcess[] = [];
    let probes = 0;
    try {
      probes = this.attachPlugins(p, done);
    } catch (e) {
      for (const a of done) a.detach();
      if (e instanceof GotraceError && e.code === 'ERR_BPF_ATTACH' && !existsPid(p.pid)) {
        this.log.info({ pid: p.pid }, 'process exited while probes were being attached; nothing left attached');
        return 0;
      }
      throw e;
    }
    this.attached.set(p.pid, done);
    this.counters.probes += probes;
    this.log.child({ pid: p.pid }).info({ exe: p.exe, probes, ms: Math.round(performance.now() - t0) }, 'attached');
    return probes;
  }

  /**
   * A held process has exec'd its binary: each plugin attaches it again, now
   * with its real mappings (a PIE's load bias). Probes are per binary and stay;
   * the per-process config is overwritten, so the earlier attachments are
   * replaced, not detached.
   */
  refreshProcess(p: SessionProcess): void {
    if (!this.attached.has(p.pid)) return;
    const done: AttachedProcess[] = [];
    this.attachPlugins({ ...p, held: false }, done);
    this.attached.set(p.pid, done);
  }

  /** Each plugin with planned rules attaches `p`, pushing onto `done` as it goes (so a failure can undo); returns new probes. */
  private attachPlugins(p: SessionProcess, done: AttachedProcess[]): number {
    const { bin, outcomes, key } = this.plan(p.readPath, p.exe);
    const byPlugin = new Map<string, RuleOutcome[]>();
    for (const o of outcomes) if (o.status === 'planned') byPlugin.set(o.plugin, [...(byPlugin.get(o.plugin) ?? []), o]);
    let probes = 0;
    for (const [name, outs] of byPlugin) {
      const lp = this.pluginRuntime(name);
      if (!lp) continue;
      const a = lp.runtime.attach(lp.obj, { pid: p.pid, binary: bin, exe: p.exe, attachPath: p.readPath, binaryKey: key, ...(p.held ? { held: true } : {}) }, outs);
      done.push(a);
      probes += a.newLinks;
    }
    return probes;
  }

  removeProcess(pid: number): void {
    const a = this.attached.get(pid);
    if (!a) return;
    const t0 = performance.now();
    // A process that exits right after its last exchange has that
    // exchange's records still in the rings (drained on a timer): they are
    // decoded while the process is known, as close() does, or a plugin
    // that forgets the pid's connections at detach sees a response without
    // its request.
    this.drainRings();
    for (const x of a) x.detach();
    this.attached.delete(pid);
    this.log.debug({ pid, ms: Math.round(performance.now() - t0) }, 'detached');
  }

  private drainRings(): void {
    for (const lp of this.loaded.values()) for (const r of lp.rings) r.drain();
  }

  stats(): SessionStats {
    let drops = 0;
    for (const lp of this.loaded.values()) drops += Number(lp.obj.droppedRecords());
    return { processes: this.attached.size, probes: this.counters.probes, events: this.counters.events, ringRecords: Object.fromEntries(this.ringRecords),
      drops, ruleFailures: this.counters.ruleFailures };
  }

  /** What plugins report still open (streams in progress), for the pretty status line. */
  inProgress(): string[] {
    return [...this.loaded.values()].flatMap((lp) => lp.runtime.inProgress?.() ?? []);
  }

  /**
   * Detaches every process, emits what plugins still hold, and closes every
   * BPF object. Returns the final stats: taken after the last drain, so they
   * count the records that drain read, and before the objects (which hold
   * the drop counters) are closed.
   */
  close(): SessionStats {
    // removeProcess drains the rings before each detach, so what they hold
    // is decoded while its process is known; the drain after picks up what
    // came in meanwhile.
    for (const pid of [...this.attached.keys()]) this.removeProcess(pid);
    for (const lp of this.loaded.values()) {
      if (lp.drainTimer) clearInterval(lp.drainTimer);
      for (const r of lp.rings) r.drain();
      for (const e of lp.runtime.flush?.() ?? []) this.emit(e);
    }
    const stats = this.stats();
    for (const lp of this.loaded.values()) {
      for (const r of lp.rings) r.close();
      lp.obj.close();
    }
    this.loaded.clear();
    return stats;
  }
}

function existsPid(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
