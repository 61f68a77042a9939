// Finding the Go processes to trace: a /proc scan for the running ones, an
// exec watcher (sched tracepoints) for new ones, and a launcher that holds a
// command before its first instruction for `gotrace run`.
export { compileFilters, globToRegExp, type ProcessFilters, type ProcessMatcher } from './filters';
export { GO_SECTION_NAMES, GoVerdictCache, sniffGoElf, type GoSniff, type GoVerdict } from './go-elf-sniff';
export { exeKey, inspectProcess, listPids, scanGoProcesses, type GoExecutable, type GoProcess, type ScanOptions, type ScanResult } from './process-scanner';
export { decodeWatchEvent, type ExecEvent, type ExitEvent, type WatchEvent } from './exec-event';
export { ExecWatcher, EXEC_WATCH_OBJECT, type ExecSource, type ExecWatcherEvents, type ExecWatcherOptions, type ExecWatcherStats } from './exec-watcher';
export { startDiscovery, type DiscoveredProcess, type Discovery, type DiscoveryOptions, type OnGoProcess, type OnProcessGone } from './discovery';
export { exitStatus, launch, resolveCommand, STUB_CANCELLED_STATUS, type LaunchedCommand, type LaunchExit, type LaunchOptions } from './launcher';
