// An interface table's address, the value a Go interface's first word holds
// when its dynamic type is that concrete type: BPF compares it to tell a
// *net.TCPConn apart from a *tls.Conn. Itabs are data symbols, so only
// .symtab has them; the linker renamed them from `go.itab.` to `go:itab.` in Go 1.20.
import type { GoBinary } from './go-binary';

export type ItabLookup = { readonly symbol: string; readonly address: number } | { readonly why: string };

export function findItab(bin: GoBinary, concrete: string, iface: string): ItabLookup {
  const names = [`go.itab.${concrete},${iface}`, `go:itab.${concrete},${iface}`];
  if (!bin.elf.hasSymtab) {
    return { why: `the binary has no .symtab, so the ${concrete} itab for ${iface} is unknown` };
  }
  const s = bin.elf.symbols().find((x) => names.includes(x.name));
  if (!s) return { why: `no ${concrete} itab for ${iface} in .symtab (the program never converts a ${concrete} to ${iface})` };
  return { symbol: s.name, address: s.value };
}
