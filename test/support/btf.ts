// Reading a BPF object's BTF as bpftool prints it, for tests that hold user
// space's layouts and constants to what the compiler made of the C.
import assert from 'node:assert/strict';

/** The text of type [id] in `bpftool btf dump file OBJ`: its line and its member lines. */
function typeText(btf: string, id: string): string {
  const m = new RegExp(`^\\[${id}\\] .*(?:\\n\\t.*)*`, 'm').exec(btf);
  assert.ok(m, `no BTF type [${id}]`);
  return m[0];
}

/** The size of `struct name`. */
export function btfStructSize(btf: string, name: string): number {
  const m = new RegExp(`STRUCT '${name}' size=(\\d+)`).exec(btf);
  assert.ok(m, `no struct ${name} in the BTF`);
  return Number(m[1]);
}

/** A map's max_entries, from its definition's `__uint(max_entries, N)` (a pointer to an array of N). */
export function btfMapMaxEntries(btf: string, map: string): number {
  const v = new RegExp(`VAR '${map}' type_id=(\\d+)`).exec(btf);
  assert.ok(v, `no map ${map} in the BTF`);
  const ptr = /'max_entries' type_id=(\d+)/.exec(typeText(btf, v[1]!));
  assert.ok(ptr, `map ${map} has no max_entries`);
  const arr = /type_id=(\d+)/.exec(typeText(btf, ptr[1]!))!;
  return Number(/nr_elems=(\d+)/.exec(typeText(btf, arr[1]!))![1]);
}
