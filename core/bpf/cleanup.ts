// Nothing of ours may stay attached after gotrace stops: every open
// BpfObject is tracked here and torn down on process exit, SIGINT and
// SIGTERM. (The addon also destroys links from a Node environment cleanup
// hook, and the kernel releases a dead process's links; this is the part
// that runs in order, while JavaScript still can.)
//
// On a signal, links are detached at once so no new events arrive. If our
// handler is the signal's only listener nobody else will end the process,
// so it closes everything and re-raises the signal with the default action
// (exit status 128+n, as without us). If the application listens too, it
// decides when to exit; maps and ring buffers stay readable so it can drain
// them, and 'exit' closes them.

/** What the registry can tear down: a BpfObject. */
export interface Closeable {
  /** Destroys every link; maps stay readable. */
  detachAll(): void;
  close(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type Signal = (typeof SIGNALS)[number];

const open = new Set<Closeable>();
let installed = false;

/** Starts tracking `resource`; returns the function that stops tracking it. */
export function trackForCleanup(resource: Closeable): () => void {
  open.add(resource);
  install();
  return () => {
    open.delete(resource);
    if (open.size === 0) uninstall();
  };
}

export function trackedCount(): number {
  return open.size;
}

/** Detaches every tracked object's links; errors are swallowed so the rest still go. */
export function detachAllTracked(): void {
  for (const resource of [...open]) {
    try {
      resource.detachAll();
    } catch {
      // Keep going: one failure must not leave the other links attached.
    }
  }
}

/** Closes every tracked object. */
export function closeAllTracked(): void {
  for (const resource of [...open]) {
    try {
      resource.close();
    } catch {
      // As above.
    }
    open.delete(resource);
  }
  uninstall();
}

function onExit(): void {
  closeAllTracked();
}

function onSignal(signal: Signal): void {
  detachAllTracked();
  if (process.listenerCount(signal) > 1) return; // the application handles it
  closeAllTracked();
  // uninstall() removed our listener: Node restores the default action.
  process.kill(process.pid, signal);
}

const signalHandlers: Record<Signal, () => void> = {
  SIGINT: () => onSignal('SIGINT'),
  SIGTERM: () => onSignal('SIGTERM'),
};

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, signalHandlers[s]);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener('exit', onExit);
  for (const s of SIGNALS) process.removeListener(s, signalHandlers[s]);
}
