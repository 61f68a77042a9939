// Finds a Go function under the names it may carry in a given binary. The
// same code can appear as `golang.org/x/net/http2.(*Framer).WriteData` or,
// when the main module vendors x/net, as `<main module>/vendor/golang.org/x/net/http2.(*Framer).WriteData`.
// Rules name the canonical path; this module maps it to what the binary has.
import type { GoBinary, ResolvedFunction } from '../binary/go-binary';

const vendorIndexes = new WeakMap<GoBinary, Map<string, string>>();

/** canonical name → vendored name, for every `…/vendor/…` function in the binary. */
function vendorIndex(bin: GoBinary): Map<string, string> {
  let idx = vendorIndexes.get(bin);
  if (!idx) {
    idx = new Map();
    for (const f of bin.pclntab.functions()) {
      const at = f.name.indexOf('/vendor/');
      if (at >= 0) idx.set(f.name.slice(at + '/vendor/'.length), f.name);
    }
    vendorIndexes.set(bin, idx);
  }
  return idx;
}

export function findGoFunction(bin: GoBinary, name: string): ResolvedFunction | undefined {
  const direct = bin.findFunction(name);
  if (direct) return direct;
  const vendored = vendorIndex(bin).get(name);
  return vendored ? bin.findFunction(vendored) : undefined;
}
