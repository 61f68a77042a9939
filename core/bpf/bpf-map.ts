// Access to one map of a loaded BpfObject, by name, with Buffer keys and
// values. Sizes are checked here so that a mistake names the map and sizes.
import { GotraceError } from '../errors';
import type { NativeAddon, NativeBpfObject, NativeMapInfo } from './addon';
import { callNative as call } from './native-error';

export type UpdateFlag = 'any' | 'noexist' | 'exist';

export class BpfMap {
  readonly name: string;
  /** libbpf's name for the map type, e.g. `hash`, `percpu_array`, `ringbuf`. */
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly #native: NativeBpfObject;
  readonly #addon: NativeAddon;
  readonly #lookupSize: number;

  constructor(addon: NativeAddon, native: NativeBpfObject, name: string, info: NativeMapInfo) {
    this.name = name;
    this.type = info.type;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.#native = native;
    this.#addon = addon;
    this.#lookupSize = info.lookupSize;
  }

  get perCpu(): boolean {
    return this.#lookupSize !== this.valueSize;
  }

  /** The value under `key`, or undefined. A per-CPU map gives all CPUs' slots back to back: see lookupPerCpu. */
  lookup(key: Buffer): Buffer | undefined {
    this.#checkSize('key', key, this.keySize);
    return call(() => this.#native.mapLookup(this.name, key)) ?? undefined;
  }

  /** For per-CPU maps: one value per possible CPU. */
  lookupPerCpu(key: Buffer): Buffer[] | undefined {
    const all = this.lookup(key);
    if (all === undefined) return undefined;
    const stride = Math.ceil(this.valueSize / 8) * 8; // the kernel 8-aligns each CPU's slot
    const values: Buffer[] = [];
    for (let off = 0; off + this.valueSize <= all.length; off += stride) values.push(all.subarray(off, off + this.valueSize));
    return values;
  }

  update(key: Buffer, value: Buffer, flag: UpdateFlag = 'any'): void {
    this.#checkSize('key', key, this.keySize);
    this.#checkSize('value', value, this.#lookupSize);
    const c = this.#addon.constants;
    const flags = flag === 'noexist' ? c.BPF_NOEXIST : flag === 'exist' ? c.BPF_EXIST : c.BPF_ANY;
    call(() => this.#native.mapUpdate(this.name, key, value, flags));
  }

  /** Removes `key`; false if it was not there. */
  delete(key: Buffer): boolean {
    this.#checkSize('key', key, this.keySize);
    return call(() => this.#native.mapDelete(this.name, key));
  }

  /** Every key, in the kernel's order. Bounded: a map changing underneath cannot loop forever. */
  keys(): Buffer[] {
    const keys: Buffer[] = [];
    let key: Buffer | null = null;
    while (keys.length < this.maxEntries) {
      const current: Buffer | null = key;
      key = call(() => this.#native.mapNextKey(this.name, current));
      if (key === null) break;
      keys.push(key);
    }
    return keys;
  }

  #checkSize(what: string, buf: Buffer, size: number): void {
    if (buf.length !== size) {
      throw new GotraceError('ERR_BPF_MAP',
        `map '${this.name}' (${this.type}) takes a ${size}-byte ${what}, not ${buf.length} bytes; encode it to the struct the BPF side declares`);
    }
  }
}
