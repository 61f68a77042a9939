// The kernel-facing runtime: BPF objects, maps, links and ring buffers over
// the native libbpf addon, with teardown on exit and on signals.
export { BpfObject, DROPS_MAP, type BpfObjectState, type LoadOptions, type UprobeTarget } from './bpf-object';
export { type UprobeSite, type UprobeSites } from './uprobe-sites';
export { BpfMap, type UpdateFlag } from './bpf-map';
export { BpfLink, type BpfLinkInfo } from './bpf-link';
export { RingBufferConsumer, splitRecords, DEFAULT_MAX_BATCH, type BatchHandler, type RecordsHandler, type RingBufferOptions, type RingBufferStats } from './ring-buffer';
export { assertBpfUsable, checkBpfSupport, type FeatureCheckOptions } from './features';
export { closeAllTracked, detachAllTracked, trackedCount } from './cleanup';
export { encodeLocation, GO_INT_REGISTERS, LOCATION_SIZE, type GoLocation, type GoIntRegister } from './go-location';
export { addonPath, bpfObjectPath, packageRoot } from './paths';
