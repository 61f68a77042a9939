// gotrace runs beside the programs it traces, and decoding a busy ring takes
// milliseconds at a time. A latency-sensitive neighbour on the same CPU
// (the clients of a traced server, other services) must not wait that long,
// and preempting gotrace for it costs that neighbour's waker a reschedule
// IPI, which under a hypervisor is an exit. So decoding gives its CPU up
// itself, briefly, every slice of work: whoever is runnable runs, and a CPU
// with nothing else to do idles for the pause and is back.
//
// The pause is a timed Atomics.wait on a cell nobody notifies: a real sleep
// (a futex wait), so the kernel schedules something else. A zero-length
// wait would return without giving the CPU up.

export interface CpuShareOptions {
  /** Work between pauses, ms (default 0.25). */
  readonly sliceMs?: number;
  /** Length of each pause, ms (default 0.02). */
  readonly pauseMs?: number;
  /**
   * Ticks between looks at the clock (default 8). A tick is one ring record,
   * ~1 µs of work, and reading the clock costs a tenth of that: looking
   * every 8th overshoots a slice by a few µs at most.
   */
  readonly ticksPerCheck?: number;
  /** The clock, ms (tests). */
  readonly now?: () => number;
  /** How a pause is taken (tests). */
  readonly pause?: (ms: number) => void;
}

export class CpuShare {
  private readonly sliceMs: number;
  private readonly pauseMs: number;
  private readonly now: () => number;
  private readonly pause: (ms: number) => void;
  private readonly ticksPerCheck: number;
  private ticks = 0;
  private sliceStart: number;
  /** Pauses taken so far. */
  pauses = 0;

  constructor(o: CpuShareOptions = {}) {
    this.sliceMs = o.sliceMs ?? 0.25;
    this.pauseMs = o.pauseMs ?? 0.02;
    this.ticksPerCheck = o.ticksPerCheck ?? 8;
    this.now = o.now ?? (() => performance.now());
    if (o.pause) this.pause = o.pause;
    else {
      const cell = new Int32Array(new SharedArrayBuffer(4));
      this.pause = (ms) => { Atomics.wait(cell, 0, 0, ms); };
    }
    this.sliceStart = this.now();
  }

  /** A batch of work begins after a wait: its first slice starts now. */
  begin(): void {
    this.sliceStart = this.now();
  }

  /** After each unit of work: pauses once a slice of work is done. */
  tick(): void {
    if (++this.ticks < this.ticksPerCheck) return;
    this.ticks = 0;
    if (this.now() - this.sliceStart < this.sliceMs) return;
    this.pause(this.pauseMs);
    this.pauses++;
    this.sliceStart = this.now();
  }
}
