// Child process for cleanup.test.ts: attaches a uprobe and a tracepoint,
// prints their kernel link ids as a JSON line, then waits for a signal.
//   node signal-child.js alone <binary> <fileOffset>     # only gotrace listens
//   node signal-child.js listener <binary> <fileOffset>  # the app listens too
// With "listener", the app's handler reports what it sees after gotrace's
// handler ran. Either way the child exits when its stdin ends, so it never
// outlives a parent that failed or died.
import { loadBpftest } from './harness';

const [mode, binaryPath, fileOffset] = process.argv.slice(2);
const obj = loadBpftest({ parentTgid: process.pid });
const uprobe = obj.attachUprobe('uprobe_main_Add', { binaryPath: binaryPath!, fileOffset: Number(fileOffset) });
const tracepoint = obj.attachTracepoint('tp_sched_process_exit', 'sched', 'sched_process_exit');
// An open consumer keeps the event loop (and so the process) alive.
obj.openRingBuffer('events', () => {});

if (mode === 'listener') {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      process.stdout.write(JSON.stringify({ signal, attached: obj.links().length, state: obj.state }) + '\n');
    });
  }
}
process.stdin.on('end', () => process.exit(0)).resume();
process.stdout.write(JSON.stringify({ ids: [uprobe.id, tracepoint.id] }) + '\n');
