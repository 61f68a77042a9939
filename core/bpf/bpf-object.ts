// BpfObject: one BPF ELF object (maps + programs) through its life:
// open -> setConst... -> load -> map/attach/openRingBuffer... -> close.
// Every open object is registered for teardown on exit and on SIGINT/SIGTERM.
import { GotraceError } from '../errors';
import { loadAddon, type NativeAddon, type NativeBpfObject, type NativeConstInfo } from './addon';
import { BpfLink } from './bpf-link';
import { BpfMap } from './bpf-map';
import { trackForCleanup, type Closeable } from './cleanup';
import { assertBpfUsable } from './features';
import { callNative } from './native-error';
import { RingBufferConsumer, splitRecords, type BatchHandler, type RecordsHandler, type RingBufferOptions } from './ring-buffer';
import { checkUprobeSites, describeSites, type UprobeSites } from './uprobe-sites';

/** The per-CPU drop counter bpf/include/gotrace_common.h declares. */
export const DROPS_MAP = 'gotrace_drops';

export type BpfObjectState = 'opened' | 'loaded' | 'closed';

export interface UprobeTarget {
  readonly binaryPath: string;
  /** File offset of the instruction to probe (not its virtual address). */
  readonly fileOffset: number;
  /** Only this process; -1 (the default) for every process running the binary. */
  readonly pid?: number;
  /** Value the program reads with bpf_get_attach_cookie(). */
  readonly cookie?: bigint;
}

export interface LoadOptions {
  /**
   * Programs to load for uprobe_multi links (Linux 6.6): names, true (the
   * default) for every SEC("uprobe") program, false for none. On a kernel
   * without them nothing is marked and attaching makes one link per site.
   */
  readonly uprobeMulti?: readonly string[] | boolean;
}

export class BpfObject implements Closeable {
  readonly path: string;
  readonly #addon: NativeAddon;
  readonly #native: NativeBpfObject;
  readonly #untrack: () => void;
  readonly #links = new Set<BpfLink>();
  readonly #handles = new Map<BpfLink, number>();
  readonly #rings = new Set<RingBufferConsumer>();
  readonly #maps = new Map<string, BpfMap>();
  #state: BpfObjectState = 'opened';
  #multi = new Set<string>();
  #finalDrops = 0n;

  /** Opens (parses) the object file; nothing reaches the kernel before load(). */
  static open(path: string): BpfObject {
    const addon = loadAddon();
    const native = callNative(() => new addon.BpfObject(path));
    return new BpfObject(path, addon, native);
  }

  private constructor(path: string, addon: NativeAddon, native: NativeBpfObject) {
    this.path = path;
    this.#addon = addon;
    this.#native = native;
    this.#untrack = trackForCleanup(this);
  }

  get state(): BpfObjectState {
    return this.#state;
  }

  /** The `const volatile` values (the .rodata variables), with their offsets and sizes. */
  consts(): NativeConstInfo[] {
    this.#require('opened', 'list consts');
    return this.#native.constInfo();
  }

  /** Sets a `const volatile` value; `value` must have the variable's exact size. */
  setConst(name: string, value: Buffer): void {
    this.#require('opened', `set const '${name}' (consts are fixed at load, so set them before load())`);
    const known = this.#native.constInfo();
    const info = known.find((c) => c.name === name);
    if (!info) {
      throw new GotraceError('ERR_BPF_CONST',
        `${this.path} has no const volatile named '${name}'; it has: ${known.map((c) => c.name).join(', ') || 'none'}`);
    }
    if (value.length !== info.size) {
      throw new GotraceError('ERR_BPF_CONST',
        `const '${name}' in ${this.path} is ${info.size} bytes, the value given is ${value.length}; encode it to the C type`);
    }
    callNative(() => this.#native.setConst(name, value));
  }

  /**
   * Sets a map's max_entries before load; for a ring buffer that is its size
   * in bytes (a power of two and a multiple of the page size).
   */
  resizeMap(name: string, maxEntries: number): void {
    this.#require('opened', `resize map '${name}' (sizes are fixed at load, so resize before load())`);
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 0xffffffff) {
      throw new GotraceError('ERR_BPF_MAP', `map '${name}': max_entries ${maxEntries} is not a positive 32-bit integer`);
    }
    this.map(name); // names the map's absence clearly
    callNative(() => this.#native.setMaxEntries(name, maxEntries));
    this.#maps.delete(name); // its cached BpfMap has the old size
  }

  /**
   * Creates the maps and loads every program through the verifier. On
   * failure the object is closed and the error carries the verifier log.
   */
  load(options: LoadOptions = {}): void {
    this.#require('opened', 'load');
    assertBpfUsable();
    try {
      this.#multi = new Set(callNative(() => this.#native.load(options.uprobeMulti ?? true)));
    } catch (e) {
      this.close(); // libbpf cannot retry a load; free what it created
      throw e;
    }
    this.#state = 'loaded';
  }

  programs(): string[] {
    this.#requireOpen('list programs');
    return this.#native.programNames();
  }

  maps(): string[] {
    this.#requireOpen('list maps');
    return this.#native.mapNames();
  }

  /** A map by name (`.rodata`, `.bss` name the internal maps). */
  map(name: string): BpfMap {
    this.#requireOpen(`use map '${name}'`);
    let map = this.#maps.get(name);
    if (map) return map;
    const names = this.#native.mapNames();
    if (!name.startsWith('.') && !names.includes(name)) {
      throw new GotraceError('ERR_BPF_MAP', `${this.path} has no map named '${name}'; it has: ${names.join(', ')}`);
    }
    map = new BpfMap(this.#addon, this.#native, name, callNative(() => this.#native.mapInfo(name)));
    this.#maps.set(name, map);
    return map;
  }

  attachUprobe(program: string, target: UprobeTarget): BpfLink {
    const { binaryPath, pid, fileOffset, cookie } = target;
    return this.attachUprobes(program, { binaryPath, pid, sites: [{ fileOffset, cookie }] })[0]!;
  }

  /**
   * Attaches `program` at every site of one binary: one uprobe_multi link
   * when the program was loaded for them (detaching it then costs the kernel
   * one grace period, not one per site), else one link per site. All sites
   * are attached, or none.
   */
  attachUprobes(program: string, target: UprobeSites): BpfLink[] {
    this.#require('loaded', `attach '${program}'`);
    this.#requireProgram(program);
    const pid = checkUprobeSites(program, target);
    const { binaryPath, sites } = target;
    if (sites.length === 0) return [];
    const offsets = sites.map((s) => s.fileOffset);
    if (this.#multi.has(program)) {
      const cookies = sites.some((s) => s.cookie !== undefined) ? sites.map((s) => s.cookie ?? 0n) : undefined;
      const info = callNative(() => this.#native.attachUprobeMulti(program, binaryPath, offsets, cookies, pid));
      return [this.#track(info.handle, { id: info.id, program, target: describeSites(binaryPath, offsets, pid) })];
    }
    const links: BpfLink[] = [];
    try {
      for (const s of sites) {
        const info = callNative(() => this.#native.attachUprobe(program, binaryPath, s.fileOffset, pid, s.cookie ?? 0n));
        links.push(this.#track(info.handle, { id: info.id, program, target: describeSites(binaryPath, [s.fileOffset], pid) }));
      }
    } catch (e) {
      void this.detachLinks(links);
      throw e;
    }
    return links;
  }

  /** Whether `program` was loaded for uprobe_multi links (see LoadOptions). */
  usesUprobeMulti(program: string): boolean {
    return this.#multi.has(program);
  }

  /** Attaches a SEC("tracepoint") program to `category:name` (see /sys/kernel/tracing/events). */
  attachTracepoint(program: string, category: string, name: string): BpfLink {
    this.#require('loaded', `attach '${program}'`);
    this.#requireProgram(program);
    const info = callNative(() => this.#native.attachTracepoint(program, category, name));
    return this.#track(info.handle, { id: info.id, program, target: `${category}:${name}` });
  }

  /** The links still attached. */
  links(): BpfLink[] {
    return [...this.#links];
  }

  /** Starts consuming a ring buffer map; see RingBufferConsumer. */
  openRingBuffer(map: string, onRecords: RecordsHandler, options: RingBufferOptions = {}): RingBufferConsumer {
    return this.openRingBufferBatches(map, (data, ends) => onRecords(splitRecords(data, ends)), options);
  }

  /** As openRingBuffer, with each wakeup's records as one buffer and their ends (BatchHandler). */
  openRingBufferBatches(map: string, onBatch: BatchHandler, options: RingBufferOptions = {}): RingBufferConsumer {
    this.#require('loaded', `consume ring buffer '${map}'`);
    const type = this.map(map).type;
    if (type !== 'ringbuf') throw new GotraceError('ERR_BPF_RINGBUF', `map '${map}' in ${this.path} is a ${type} map, not a ring buffer`);
    const ring = new RingBufferConsumer(this.#addon, this.#native, map, onBatch, options, () => this.droppedRecords());
    this.#rings.add(ring);
    return ring;
  }

  /**
   * Records the BPF side failed to reserve in its ring buffers (all CPUs),
   * from gotrace_common.h's counter; 0 if the object has none. Still
   * readable after close(): the last value is kept.
   */
  droppedRecords(): bigint {
    if (this.#state !== 'loaded') return this.#finalDrops;
    if (!this.#native.mapNames().includes(DROPS_MAP)) return 0n;
    const perCpu = this.map(DROPS_MAP).lookupPerCpu(Buffer.alloc(4)) ?? [];
    return perCpu.reduce((sum, v) => sum + v.readBigUInt64LE(0), 0n);
  }

  /** Destroys every link; maps and ring buffers stay usable (to drain them). */
  detachAll(): void {
    for (const link of [...this.#links]) link.destroy();
    if (this.#state !== 'closed') this.#native.detachAll();
  }

  /** Destroys links, ring buffer consumers, maps and programs. Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'loaded') {
      try {
        this.#finalDrops = this.droppedRecords();
      } catch {
        // Keep closing: the count is only informative.
      }
    }
    this.detachAll();
    for (const ring of this.#rings) ring.close();
    this.#rings.clear();
    this.#native.close();
    this.#state = 'closed';
    this.#untrack();
  }

  #track(handle: number, info: { id: number; program: string; target: string }): BpfLink {
    const native = this.#native;
    const link: BpfLink = new BpfLink(info, () => {
      this.#links.delete(link);
      this.#handles.delete(link);
      native.destroyLink(handle);
    });
    this.#links.add(link);
    this.#handles.set(link, handle);
    return link;
  }

  /**
   * Detaches many links without blocking the event loop. Each uprobe detach
   * waits for the kernel (about 100 ms on Linux 6.x); the addon does them on
   * parallel worker threads. The links count as detached at once.
   */
  detachLinks(links: readonly BpfLink[]): Promise<number> {
    const handles: number[] = [];
    for (const l of links) {
      const h = this.#handles.get(l);
      if (h !== undefined) handles.push(h);
    }
    if (handles.length === 0 || this.#state === 'closed') return Promise.resolve(0);
    const done = new Promise<number>((resolve) => {
      this.#native.destroyLinksAsync(handles, (err, n) => resolve(err ? 0 : n));
    });
    for (const l of links) l.destroy(); // the handles are already taken: this only marks them
    return done;
  }

  #requireProgram(program: string): void {
    const names = this.#native.programNames();
    if (!names.includes(program)) {
      throw new GotraceError('ERR_BPF_ATTACH', `${this.path} has no program named '${program}'; it has: ${names.join(', ')}`);
    }
  }

  #requireOpen(what: string): void {
    if (this.#state === 'closed') throw new GotraceError('ERR_BPF_STATE', `cannot ${what}: ${this.path} is closed; open it again`);
  }

  #require(state: BpfObjectState, what: string): void {
    this.#requireOpen(what);
    if (this.#state === state) return;
    const advice = state === 'loaded' ? 'call load() first' : 'it is already loaded';
    throw new GotraceError('ERR_BPF_STATE', `cannot ${what}: ${this.path} is ${this.#state}; ${advice}`);
  }
}
