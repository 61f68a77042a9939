// A struct member's offset as llvm-dwarfdump reads it: an oracle independent
// of gotrace's own DWARF reader, for tests that check resolved offsets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

export function dwarfMemberOffset(binary: string, type: string, member: string): number {
  const out = execFileSync('llvm-dwarfdump', ['--name', type, '--show-children', binary], { encoding: 'utf8', maxBuffer: 64 << 20 });
  // Go's DWARF lists a member's name, then its location.
  const m = new RegExp(`DW_AT_name\\s+\\("${member}"\\)\\n\\s+DW_AT_data_member_location\\s+\\((\\d+)\\)`).exec(out);
  assert.ok(m, `llvm-dwarfdump shows ${type}.${member} in ${binary}`);
  return Number(m[1]);
}
