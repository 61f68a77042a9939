// Go signatures → where each argument and result lives, without DWARF.
export { parseSignature, parseType, type GoParam, type GoSignature } from './signature';
export { formatType, layoutOf, underlying, type GoField, type GoType, type Layout, type TypeResolver } from './types';
export { assignLocations, FLOAT_REGS, INT_REGS, type Abi, type AssignedValue } from './assign';
