// Loads the native libbpf addon (core/bpf/addon) once, and describes its
// JavaScript surface. Everything else in core/bpf goes through loadAddon().
import { GotraceError } from '../errors';
import { addonPath } from './paths';

export interface NativeLinkInfo {
  /** The addon's handle for destroyLink(). */
  readonly handle: number;
  /** The kernel's BPF link id, as `bpftool link` shows it; 0 if the link has none. */
  readonly id: number;
}

export interface NativeConstInfo {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export interface NativeMapInfo {
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** Bytes a lookup returns: valueSize, or one 8-aligned slot per CPU for per-CPU maps. */
  readonly lookupSize: number;
}

export interface NativeBpfObject {
  constInfo(): NativeConstInfo[];
  setConst(name: string, value: Buffer): void;
  setMaxEntries(map: string, maxEntries: number): void;
  /** Marks programs for uprobe_multi links first (names; true: every SEC("uprobe"); false: none); returns those marked. */
  load(uprobeMulti?: readonly string[] | boolean): string[];
  programNames(): string[];
  mapNames(): string[];
  mapInfo(map: string): NativeMapInfo;
  mapLookup(map: string, key: Buffer): Buffer | null;
  mapUpdate(map: string, key: Buffer, value: Buffer, flags: number): void;
  mapDelete(map: string, key: Buffer): boolean;
  mapNextKey(map: string, key: Buffer | null): Buffer | null;
  attachUprobe(program: string, binaryPath: string, fileOffset: number, pid: number, cookie: bigint): NativeLinkInfo;
  /** One uprobe_multi link (Linux 6.6) for every offset; pid -1 for every process. */
  attachUprobeMulti(program: string, binaryPath: string, offsets: number[], cookies: bigint[] | undefined, pid: number): NativeLinkInfo;
  /** Whether the program was loaded for uprobe_multi links (then it can be attached no other way). */
  isUprobeMulti(program: string): boolean;
  attachTracepoint(program: string, category: string, name: string): NativeLinkInfo;
  destroyLink(handle: number): boolean;
  /** Destroys links on parallel threads, blocking; returns how many were live. */
  destroyLinks(handles: number[]): number;
  /** The same on a worker thread, off the event loop. */
  destroyLinksAsync(handles: number[], cb: (err: Error | null, count: number) => void): void;
  linkCount(): number;
  detachAll(): void;
  close(): void;
}

export interface NativeRingBufferStats {
  readonly delivered: number;
  readonly batches: number;
  readonly wakeups: number;
  readonly emptyWakeups: number;
  readonly largestBatch: number;
}

export interface NativeRingBuffer {
  stats(): NativeRingBufferStats;
  drain(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

/** One call per wakeup: the records back to back in `data`, each ending at `ends[i]`. */
export type NativeBatchCallback = (err: Error | null, data: Buffer | null, ends: Uint32Array | null) => void;

export interface NativeAddon {
  /** A read-only private memory map of a file, unmapped when the Buffer is collected. */
  mapFile?(path: string): Buffer;
  BpfObject: new (path: string) => NativeBpfObject;
  RingBuffer: new (owner: NativeBpfObject, map: string, onBatch: NativeBatchCallback, maxBatch: number) => NativeRingBuffer;
  /** libbpf_probe_bpf_map_type: 1 supported, 0 not, negative -errno (-1: EPERM). */
  probeMapType(type: number): number;
  /** 1 when the kernel has uprobe_multi links (Linux 6.6), 0 not, negative -errno; asked once. */
  probeUprobeMulti(): number;
  numPossibleCpus(): number;
  libbpfVersion(): string;
  readonly constants: {
    readonly BPF_MAP_TYPE_RINGBUF: number;
    readonly BPF_ANY: number;
    readonly BPF_NOEXIST: number;
    readonly BPF_EXIST: number;
  };
}

let cached: NativeAddon | undefined;

/** The addon at its built location; throws ERR_ADDON_MISSING saying how to build it. */
export function loadAddon(): NativeAddon {
  cached ??= loadAddonFrom(addonPath());
  return cached;
}

export function loadAddonFrom(path: string): NativeAddon {
  try {
    // A computed require: the .node file is not part of the TypeScript build.
    return require(path) as NativeAddon;
  } catch (e) {
    const notBuilt = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    const hint = notBuilt
      ? 'it is not built; run `bash core/bpf/addon/build.sh` (or `npm run setup`)'
      : `it does not load (${(e as Error).message}); rebuild it with \`bash core/bpf/addon/build.sh --force\``;
    throw new GotraceError('ERR_ADDON_MISSING', `the native libbpf addon at ${path}: ${hint}`, { cause: e });
  }
}
