// The facts the DWARF reader hands out. Re-exported by dwarf.ts, the facade.
import type { ValueLocation } from '../location';

export interface DwarfParam {
  readonly name: string;
  /** The Go type name as DWARF names it, e.g. 'int', '[]uint8', '*crypto/tls.Conn', 'error'. */
  readonly type: string;
  /** Go marks results with DW_AT_variable_parameter. */
  readonly isResult: boolean;
  /** Where the value is at the function's entry PC; undefined when DWARF does not say (or we cannot tell). */
  readonly location: ValueLocation | undefined;
}

export interface DwarfFunction {
  readonly name: string;
  readonly lowPc: number;
  /** One past the function's last instruction. */
  readonly highPc: number;
  readonly params: readonly DwarfParam[];
}

export interface DwarfField {
  readonly name: string;
  readonly offset: number;
  readonly type: string;
  /** An embedded (anonymous) field: DW_AT_go_embedded_field. */
  readonly embedded: boolean;
}

export interface DwarfStruct {
  readonly name: string;
  readonly size: number;
  readonly fields: readonly DwarfField[];
}
