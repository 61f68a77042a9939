// What a protocol plugin is: plain data plus functions, registered under one
// DI token. Core never names a plugin; the CLI finds them under plugins/.
import semver from 'semver';
import type { DependencyContainer } from 'tsyringe';
import type { GoBinary, ResolvedFunction } from '../binary/go-binary';
import type { RuleSpec, SelectorSpec } from './rule-schema';
import { GotraceError } from '../errors';
import type { BpfObject } from '../bpf/bpf-object';
import type { RuleOutcome } from './engine';
import type { LoadedRule } from './rule-loader';
import type { OffsetTable } from '../offsets/struct-offset';

/** The tsyringe token every plugin is registered under. */
export const PLUGIN_TOKEN = 'gotrace.plugin';
export const GOTRACE_VERSION = '0.1.0';

/** Where a value a probe relies on came from, shown by `inspect --rules`. */
export type Provenance = 'dwarf' | 'rule-file' | 'table' | 'signature/abi' | 'symtab' | 'pclntab' | 'derived' | 'rodata';

export interface ResolvedValue {
  readonly name: string;
  readonly value: unknown;
  readonly source: Provenance;
  readonly detail?: string;
}

export interface ProbeSpec {
  readonly symbol: string;
  readonly kind: 'entry' | 'return';
  /** The link-time address of the instruction probed. */
  readonly address: number;
  /** The file offset the uprobe is attached at. */
  readonly fileOffset: number;
  /** The BPF program: uprobe_<pkg>_<func> or uprobe_<pkg>_<func>_ret. */
  readonly program: string;
  readonly why: string;
}

export interface ProbePlan {
  readonly probes: readonly ProbeSpec[];
  readonly values: readonly ResolvedValue[];
  /** Plugin-specific data its runtime needs to attach (per-process config). */
  readonly config?: unknown;
}

export interface HookerContext {
  readonly binary: GoBinary;
  readonly rule: RuleSpec;
  readonly selector: SelectorSpec;
  /** The functions the checker found, under every name the rule gave for them. */
  readonly functions: ReadonlyMap<string, ResolvedFunction>;
}

export interface Hooker {
  readonly name: string;
  readonly description: string;
  plan(ctx: HookerContext): ProbePlan;
  /**
   * The struct fields (`pkg.Type.field`) this hooker's plan resolves, for
   * `gotrace support`: a stripped binary needs each from a table or a pin.
   * A test compares it with what the plan resolves from a DWARF fixture.
   */
  readonly fieldsRead?: readonly string[];
}

/** A process to trace, with its analyzed executable. */
export interface ProcessTarget {
  readonly pid: number;
  readonly binary: GoBinary;
  /** The executable's path as the process sees it. */
  readonly exe: string;
  /** A path that reaches the same file from here (/proc/PID/root/...), for attaching. */
  readonly attachPath: string;
  /** `dev:ino` of the executable: processes of one binary share its uprobes. */
  readonly binaryKey: string;
  /**
   * The process has not exec'd the binary yet (`gotrace run -- CMD` holds it
   * until the probes are live), so its mappings, and a PIE's load bias, are
   * not known. The session attaches it again once the exec is done.
   */
  readonly held?: boolean;
}

/** One traced record: every event has these, plugins add their own fields. */
export interface TraceEvent {
  readonly type: string;
  readonly ts: number;
  readonly pid: number;
  readonly exe: string;
  readonly goid: number | null;
  readonly [field: string]: unknown;
}

/**
 * How often a runtime whose BPF side does not wake it per record
 * (bpf/include/go_ring_wake.h) has its rings drained: its drainEveryMs.
 * Decoding after a sleep starts cold, so longer batches cost less per
 * record: replayed at the bench's rate, a gRPC call cost 7.7 µs in batches
 * every 20 ms, 6.8 every 50 and 5.7 every 100. A record shows up to this
 * long after its exchange (sooner once 1 MiB waits in a ring).
 */
export const DRAIN_EVERY_MS = 100;

/** The kernel side of a plugin for one tracing session. */
export interface PluginRuntime {
  /** The BPF object, by name under build/bpf (`<name>.bpf.o`). */
  readonly bpfObject: string;
  readonly ringBuffers: readonly string[];
  /**
   * When set, the session also drains the ring buffers every this many ms. For
   * BPF sides that submit with BPF_RB_NO_WAKEUP (waking user space per record
   * costs more than the record at high rates) and wake only past a fill level.
   */
  readonly drainEveryMs?: number;
  /** Before load: consts and map sizes. */
  configure?(obj: BpfObject): void;
  /**
   * Makes the process traced: attaches the binary's probes the first time
   * this binary is seen (for every pid: the BPF side filters by its per-pid
   * config maps), then writes this process's config. Returns what to undo.
   */
  attach(obj: BpfObject, target: ProcessTarget, outcomes: readonly RuleOutcome[]): AttachedProcess;
  /** One ring buffer record → events (none when it is incomplete or unknown). */
  decode(ringBuffer: string, record: Buffer): TraceEvent[];
  /**
   * decode(ringBuffer, batch.subarray(start, end)) without the view: the
   * session reads a ring's records from one batch buffer, and a Buffer per
   * record was a fifth of what decoding a gRPC call allocated. Optional.
   */
  decodeAt?(ringBuffer: string, batch: Buffer, start: number, end: number): TraceEvent[];
  /** Events still pending when tracing stops (unanswered requests …). */
  flush?(): TraceEvent[];
  /** Short descriptions of what is still open (a streaming call), oldest first, for the pretty status line. */
  inProgress?(): readonly string[];
}

export interface AttachedProcess {
  /** Links this call created (0 when the binary's probes were already live). */
  readonly newLinks: number;
  /** Forgets the process (its config map entries); the binary's probes stay for its other processes. */
  detach(): void;
}

export interface RuntimeOptions {
  readonly maxBody: number;
  /** Header names whose values are reported as "[redacted]" (lower case; empty with --no-redact). */
  readonly redact: ReadonlySet<string>;
}

export interface GotracePlugin {
  readonly name: string;
  readonly description: string;
  /** The gotrace versions this plugin works with, checked at registration. */
  readonly gotrace: string;
  readonly hookers: readonly Hooker[];
  /** Creates the plugin's kernel side for a session; absent for analysis-only plugins. */
  createRuntime?(options: RuntimeOptions): PluginRuntime;
  /**
   * The offset tables this plugin resolves struct offsets from: the shipped
   * ones it uses (core/offsets/tables) and any of its own. `gotrace support`
   * reads them; without it, Go's std table alone.
   */
  readonly offsetTables?: readonly OffsetTable[];
  /** Tracing commands this plugin adds to the CLI (func-trace's `trace --func`). */
  readonly commands?: readonly PluginCommand[];
}

/**
 * A tracing command a plugin contributes: the CLI gives it the same target
 * flags as `gotrace run` (--pid, --exe, --format, -- CMD…) plus `options`,
 * and traces the rules that `rules()` makes of them. Core names no plugin.
 */
export interface PluginCommand {
  readonly name: string;
  readonly description: string;
  /** Repeatable string options: `flags` in commander's syntax ('--func <spec>'), collected into an array under the option's key. */
  readonly options: readonly { readonly flags: string; readonly description: string }[];
  /** The rules to trace; throws a UsageError when the options make none. */
  rules(options: Readonly<Record<string, readonly string[]>>): LoadedRule[];
}

export function registerPlugin(container: DependencyContainer, plugin: GotracePlugin): void {
  const bad = (why: string): never => {
    throw new GotraceError('ERR_PLUGIN_INVALID', `plugin ${plugin?.name ?? '(unnamed)'}: ${why}`);
  };
  if (!plugin || typeof plugin.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(plugin.name)) bad('needs a kebab-case name');
  if (!semver.validRange(plugin.gotrace) || !semver.satisfies(GOTRACE_VERSION, plugin.gotrace)) {
    bad(`requires gotrace ${plugin.gotrace}, this is ${GOTRACE_VERSION}; update the plugin or gotrace`);
  }
  const names = new Set<string>();
  for (const h of plugin.hookers ?? []) {
    if (typeof h.plan !== 'function') bad(`hooker ${h.name} has no plan()`);
    if (names.has(h.name)) bad(`hooker ${h.name} is declared twice`);
    names.add(h.name);
  }
  for (const c of plugin.commands ?? []) {
    if (!/^[a-z][a-z0-9-]*$/.test(c?.name ?? '') || typeof c.rules !== 'function') bad(`command ${c?.name} needs a kebab-case name and a rules() function`);
  }
  const existing = container.isRegistered(PLUGIN_TOKEN) ? container.resolveAll<GotracePlugin>(PLUGIN_TOKEN) : [];
  if (existing.some((p) => p.name === plugin.name)) bad('is registered twice');
  container.register<GotracePlugin>(PLUGIN_TOKEN, { useValue: plugin });
}

export function registeredPlugins(container: DependencyContainer): GotracePlugin[] {
  return container.isRegistered(PLUGIN_TOKEN) ? container.resolveAll<GotracePlugin>(PLUGIN_TOKEN) : [];
}
