// The DWARF numbers this reader uses, from the DWARF 5 standard
// (https://dwarfstd.org/doc/DWARF5.pdf, chapter 7) plus Go's own attributes
// (https://go.dev/src/cmd/internal/dwarf/dwarf.go: DW_AT_go_*, 0x2900..0x2906).
// Only what is read is named here; everything else is skipped by form.

export const TAG = {
  array_type: 0x01,
  class_type: 0x02,
  enumeration_type: 0x04,
  formal_parameter: 0x05,
  member: 0x0d,
  pointer_type: 0x0f,
  compile_unit: 0x11,
  structure_type: 0x13,
  subroutine_type: 0x15,
  typedef: 0x16,
  union_type: 0x17,
  base_type: 0x24,
  const_type: 0x26,
  subprogram: 0x2e,
  volatile_type: 0x35,
  restrict_type: 0x37,
  unspecified_type: 0x3b,
  partial_unit: 0x3c,
  type_unit: 0x41,
  skeleton_unit: 0x4a,
} as const;

/** Tags whose DW_AT_name names a type that `struct()`/`typeSize()` can be asked about. */
export const TYPE_TAGS: ReadonlySet<number> = new Set([
  TAG.array_type, TAG.class_type, TAG.enumeration_type, TAG.pointer_type, TAG.structure_type,
  TAG.subroutine_type, TAG.typedef, TAG.union_type, TAG.base_type, TAG.unspecified_type,
]);

export const AT = {
  location: 0x02,
  name: 0x03,
  byte_size: 0x0b,
  low_pc: 0x11,
  high_pc: 0x12,
  inline: 0x20,
  upper_bound: 0x2f,
  abstract_origin: 0x31,
  count: 0x37,
  data_member_location: 0x38,
  declaration: 0x3c,
  frame_base: 0x40,
  specification: 0x47,
  type: 0x49,
  variable_parameter: 0x4b,
  entry_pc: 0x52,
  ranges: 0x55,
  data_bit_offset: 0x6b,
  str_offsets_base: 0x72,
  addr_base: 0x73,
  rnglists_base: 0x74,
  loclists_base: 0x8c,
  go_embedded_field: 0x2903,
} as const;

export const FORM = {
  addr: 0x01,
  block2: 0x03,
  block4: 0x04,
  data2: 0x05,
  data4: 0x06,
  data8: 0x07,
  string: 0x08,
  block: 0x09,
  block1: 0x0a,
  data1: 0x0b,
  flag: 0x0c,
  sdata: 0x0d,
  strp: 0x0e,
  udata: 0x0f,
  ref_addr: 0x10,
  ref1: 0x11,
  ref2: 0x12,
  ref4: 0x13,
  ref8: 0x14,
  ref_udata: 0x15,
  indirect: 0x16,
  sec_offset: 0x17,
  exprloc: 0x18,
  flag_present: 0x19,
  strx: 0x1a,
  addrx: 0x1b,
  ref_sup4: 0x1c,
  strp_sup: 0x1d,
  data16: 0x1e,
  line_strp: 0x1f,
  ref_sig8: 0x20,
  implicit_const: 0x21,
  loclistx: 0x22,
  rnglistx: 0x23,
  ref_sup8: 0x24,
  strx1: 0x25,
  strx2: 0x26,
  strx3: 0x27,
  strx4: 0x28,
  addrx1: 0x29,
  addrx2: 0x2a,
  addrx3: 0x2b,
  addrx4: 0x2c,
  // GNU extensions (split DWARF and dwz), still seen in the wild.
  gnu_addr_index: 0x1f01,
  gnu_str_index: 0x1f02,
  gnu_ref_alt: 0x1f20,
  gnu_strp_alt: 0x1f21,
} as const;

/** DWARF 5 unit types (section 7.5.1.1). */
export const UT = {
  compile: 0x01,
  type: 0x02,
  partial: 0x03,
  skeleton: 0x04,
  split_compile: 0x05,
  split_type: 0x06,
} as const;

/** DWARF 5 location list entry kinds (section 7.7.3). */
export const LLE = {
  end_of_list: 0x00,
  base_addressx: 0x01,
  startx_endx: 0x02,
  startx_length: 0x03,
  offset_pair: 0x04,
  default_location: 0x05,
  base_address: 0x06,
  start_end: 0x07,
  start_length: 0x08,
  /** GCC's location view numbers (-gvariable-location-views); no expression follows. */
  gnu_view_pair: 0x09,
} as const;

/** DWARF 5 range list entry kinds (section 7.25). */
export const RLE = {
  end_of_list: 0x00,
  base_addressx: 0x01,
  startx_endx: 0x02,
  startx_length: 0x03,
  offset_pair: 0x04,
  base_address: 0x05,
  start_end: 0x06,
  start_length: 0x07,
} as const;

/** Location expression operators (section 7.7.1) that the evaluator understands. */
export const OP = {
  addr: 0x03,
  const1u: 0x08,
  const1s: 0x09,
  const2u: 0x0a,
  const2s: 0x0b,
  const4u: 0x0c,
  const4s: 0x0d,
  const8u: 0x0e,
  const8s: 0x0f,
  constu: 0x10,
  consts: 0x11,
  dup: 0x12,
  drop: 0x13,
  over: 0x14,
  swap: 0x16,
  minus: 0x1c,
  plus: 0x22,
  plus_uconst: 0x23,
  lit0: 0x30,
  lit31: 0x4f,
  reg0: 0x50,
  reg31: 0x6f,
  breg0: 0x70,
  breg31: 0x8f,
  regx: 0x90,
  fbreg: 0x91,
  bregx: 0x92,
  piece: 0x93,
  nop: 0x96,
  call_frame_cfa: 0x9c,
} as const;

/** DWARF register number of RSP on x86-64 (System V psABI, figure 3.36). */
export const DWARF_REG_RSP = 7;
