// Everything a lookup shares: the sections, the unit list (headers are read in
// one cheap pass that follows unit lengths), units built on first use, and
// decoded DIEs by offset so a type referenced by fifty fields is read once.
import { GotraceError } from '../../errors';
import { decodeDie, Die } from './die';
import { DwarfReader, malformed } from './reader';
import { DwarfSections } from './sections';
import { AbbrevCache, DwarfStats, readUnitHeader, Unit, UnitHeader } from './unit';

export class DwarfContext {
  readonly stats: DwarfStats = { unitsScanned: 0, diesScanned: 0, diesDecoded: 0 };
  private headerList: UnitHeader[] | undefined;
  /** Set when the header chain breaks: units after it cannot be found. */
  private headerError: GotraceError | undefined;
  private readonly units = new Map<number, Unit>();
  private readonly dies = new Map<number, Die>();
  private readonly abbrevs: AbbrevCache;

  constructor(readonly sections: DwarfSections) {
    this.abbrevs = new AbbrevCache(sections);
  }

  get file(): string | undefined {
    return this.sections.file;
  }

  /** Unit headers in section order; the chain stops at the first broken one. */
  headers(): readonly UnitHeader[] {
    if (this.headerList) return this.headerList;
    const info = this.sections.require('.debug_info');
    const r = new DwarfReader(info, 0, info.length, '.debug_info', this.file);
    const list: UnitHeader[] = [];
    try {
      // Each header consumes at least 11 bytes, so this ends.
      while (r.remaining > 0) {
        if (trailingZeros(info, r.pos)) break; // alignment padding after the last unit
        list.push(readUnitHeader(r));
      }
    } catch (e) {
      if (!(e instanceof GotraceError)) throw e;
      this.headerError = e;
    }
    this.headerList = list;
    return list;
  }

  /** Why units past the last header are missing, if they are. */
  get brokenChain(): GotraceError | undefined {
    this.headers();
    return this.headerError;
  }

  unit(h: UnitHeader): Unit {
    let u = this.units.get(h.offset);
    if (!u) {
      u = new Unit(h, this.abbrevs.get(h), this.sections, this.stats);
      this.units.set(h.offset, u);
    }
    return u;
  }

  /** The unit whose DIEs contain `offset` (binary search over the headers). */
  unitAt(offset: number): Unit {
    const hs = this.headers();
    let lo = 0, hi = hs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const h = hs[mid]!;
      if (offset < h.offset) hi = mid - 1;
      else if (offset >= h.end) lo = mid + 1;
      else if (offset < h.dieStart) break;
      else return this.unit(h);
    }
    throw malformed(`reference to 0x${offset.toString(16)} points into no unit's DIEs`, this.file);
  }

  die(offset: number): Die {
    let d = this.dies.get(offset);
    if (!d) {
      d = decodeDie(this.unitAt(offset), offset);
      this.dies.set(offset, d);
    }
    return d;
  }
}

function trailingZeros(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
