// One named symbol's value, without decoding the whole .symtab. The pclntab
// and build info readers need two or three runtime symbols (runtime.text,
// runtime.pclntab, runtime.buildVersion); ElfFile.symbols() decodes every
// entry and name, which on a large binary costs more than reading the whole
// function table. Here the name is found once in .strtab with a native
// search and only the 4-byte name offsets of .symtab entries are compared.
import type { ElfFile } from './elf';
import { SHT_SYMTAB } from './elf';

const SYM_SIZE = 24; // Elf64_Sym: st_name u32, st_info u8, st_other u8, st_shndx u16, st_value u64, st_size u64
const MAX_NAME_HITS = 64;

/** st_value of the first .symtab entry named `name`, or undefined (also when stripped). */
export function symbolValue(elf: ElfFile, name: string): number | undefined {
  const st = elf.sections.find((s) => s.type === SHT_SYMTAB && s.size > 0);
  const strs = st ? elf.sections[st.link] : undefined;
  if (!st || !strs) return undefined;
  const b = elf.buf;
  const strEnd = Math.min(strs.offset + strs.size, b.length);
  // A name may also be the tail of a longer one (suffix-merged strtab); then
  // the exact "\0name\0" search misses it and the full decode answers.
  const needle = Buffer.from(`\0${name}\0`, 'latin1');
  const offsets = new Set<number>();
  for (let at = b.indexOf(needle, strs.offset); at >= 0 && at + needle.length <= strEnd && offsets.size < MAX_NAME_HITS; at = b.indexOf(needle, at + 1)) {
    offsets.add(at + 1 - strs.offset);
  }
  if (offsets.size === 0) {
    const tail = b.indexOf(Buffer.from(`${name}\0`, 'latin1'), strs.offset);
    return tail >= 0 && tail < strEnd ? elf.symbols().find((s) => s.name === name)?.value : undefined;
  }
  const ent = st.entsize >= SYM_SIZE ? st.entsize : SYM_SIZE;
  const end = Math.min(st.offset + st.size, b.length);
  for (let o = st.offset; o + SYM_SIZE <= end; o += ent) {
    if (offsets.has(b.readUInt32LE(o))) {
      const hi = b.readUInt32LE(o + 12);
      return hi > 0x1fffff ? undefined : hi * 0x100000000 + b.readUInt32LE(o + 8);
    }
  }
  return undefined;
}
