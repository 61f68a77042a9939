// The DWARF sections a reader may need, loaded (and for ELF, decompressed)
// only when first asked for: a function lookup never touches .debug_ranges,
// a struct lookup never touches .debug_loc.
import { malformed } from './reader';

export type DwarfSectionName =
  | '.debug_info' | '.debug_abbrev' | '.debug_str' | '.debug_line_str' | '.debug_str_offsets'
  | '.debug_addr' | '.debug_loc' | '.debug_loclists' | '.debug_ranges' | '.debug_rnglists';

/** Returns a section's (decompressed) bytes, or undefined when the file has none. */
export type SectionLoader = (name: DwarfSectionName) => Buffer | undefined;

export class DwarfSections {
  private readonly cache = new Map<DwarfSectionName, Buffer | null>();

  constructor(private readonly load: SectionLoader, readonly file?: string) {}

  get(name: DwarfSectionName): Buffer | undefined {
    let hit = this.cache.get(name);
    if (hit === undefined) {
      hit = this.load(name) ?? null;
      this.cache.set(name, hit);
    }
    return hit ?? undefined;
  }

  require(name: DwarfSectionName): Buffer {
    const b = this.get(name);
    if (!b) throw malformed(`${name} is referenced but the file has no such section`, this.file);
    return b;
  }
}
