// A program attached somewhere (a uprobe, a tracepoint). Destroying it
// detaches the program; its BpfObject destroys whatever is left on close().

export interface BpfLinkInfo {
  /** The kernel's BPF link id (`bpftool link show`), or 0 when the kernel gives none. */
  readonly id: number;
  readonly program: string;
  /** Where it is attached, for messages: `/bin/x:0x1f00 pid 42`, `sched:sched_process_exit`. */
  readonly target: string;
}

export class BpfLink implements BpfLinkInfo {
  readonly id: number;
  readonly program: string;
  readonly target: string;
  #destroy: (() => void) | undefined;

  /** Made by BpfObject; `destroy` detaches in the addon and is called at most once. */
  constructor(info: BpfLinkInfo, destroy: () => void) {
    this.id = info.id;
    this.program = info.program;
    this.target = info.target;
    this.#destroy = destroy;
  }

  get attached(): boolean {
    return this.#destroy !== undefined;
  }

  /** Detaches the program. Idempotent. */
  destroy(): void {
    const destroy = this.#destroy;
    this.#destroy = undefined;
    destroy?.();
  }
}
