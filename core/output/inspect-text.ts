// The human form of an inspect report: a summary, then tables.
import type { InspectReport } from '../cli/inspect-report';
import { formatLocation } from '../binary/location';

const hex = (n: number): string => '0x' + n.toString(16);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function formatInspectText(r: InspectReport): string {
  const out: string[] = [];
  const kv: string[][] = [
    ['path', r.path],
    ['go', `${r.goVersion} (found in ${r.versionSource})`],
    ['arch / abi', `${r.arch} / ${r.abi === 'register' ? 'register ABI (ABIInternal, Go ≥1.17)' : 'stack ABI (ABI0, Go <1.17)'}`],
    ['pie', r.pie ? 'yes' : 'no'],
    ['symbols', `${r.hasSymtab ? '.symtab' : 'stripped (no .symtab)'}; pclntab ${r.pclntabVersion} with ${r.functionCount} functions, text start from ${r.textStartSource}`],
    ['dwarf', r.hasDwarf ? 'yes' : 'no (offsets must come from signatures or tables)'],
    ['main module', r.mainModule ? `${r.mainModule.path} ${r.mainModule.version}` : '-'],
  ];
  out.push(table(kv));
  if (r.modules.length) {
    out.push('', `modules (${r.modules.length}, from ${r.modulesSource}):`);
    out.push(table(r.modules.map((m) => ['  ' + m.path, m.version, m.replace ? `=> ${m.replace.path} ${m.replace.version}` : ''])));
  }
  if (r.functions?.length) {
    out.push('', 'functions:');
    const rows = [['  name', 'address', 'size', 'file offset', 'return offsets']];
    for (const f of r.functions) {
      rows.push(['  ' + f.name, hex(f.address), String(f.size), f.fileOffset !== undefined ? hex(f.fileOffset) : '',
        f.returnOffsets ? f.returnOffsets.map(hex).join(' ') : '']);
    }
    out.push(table(rows));
    for (const f of r.functions.filter((x) => x.params?.length)) {
      out.push('', `  ${f.name} parameters (DWARF, at entry):`);
      out.push(table(f.params!.map((p) => ['    ' + (p.isResult ? 'result ' : 'param ') + p.name, p.type, formatLocation(p.location ?? undefined)])));
    }
  }
  for (const s of r.structs ?? []) {
    out.push('', `struct ${s.name} (${s.size} bytes):`);
    out.push(table(s.fields.map((f) => ['  ' + String(f.offset).padStart(5), f.name + (f.embedded ? ' (embedded)' : ''), f.type])));
  }
  if (r.missing?.length) out.push('', `not found: ${r.missing.join(', ')}`);
  return out.join('\n');
}
