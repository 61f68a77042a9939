// An interface table's address, the value a Go interface's first word holds
// when its dynamic type is that concrete type: BPF compares it to tell a
// *net.TCPConn apart from a *tls.Conn. With .symtab the itab is a data symbol
// (the linker renamed them from `go.itab.` to `go:itab.` in Go 1.20). Without
// it, as in almost every production binary, the runtime's own itab list
// (moduledata.itablinks) gives the same address: see itab-runtime.ts.
import type { GoBinary } from './go-binary';
import { findItabInRuntime } from './itab-runtime';

export type ItabLookup = { readonly symbol: string; readonly address: number } | { readonly why: string };

export function findItab(bin: GoBinary, concrete: string, iface: string): ItabLookup {
  if (!bin.elf.hasSymtab) return findItabInRuntime(bin, concrete, iface);
  const names = [`go.itab.${concrete},${iface}`, `go:itab.${concrete},${iface}`];
  const s = bin.elf.symbols().find((x) => names.includes(x.name));
  if (!s) return { why: `no ${concrete} itab for ${iface} in .symtab (the program never converts a ${concrete} to ${iface})` };
  return { symbol: s.name, address: s.value };
}
