/**
 * Deterministic virtual time. The virtual CPU retires one instruction per
 * nanosecond (1 GHz); the generic timer counts at 62.5 MHz (CNTFRQ_EL0, one
 * tick per 16 ns, as QEMU's virt board: target/arm GTIMER_SCALE).
 *
 * The scheduler runs vCPUs round-robin in slices that all start at the same
 * virtual instant (`sliceStart`); inside a slice a vCPU's time is the slice
 * start plus the instructions it has retired since. Idle time (every vCPU
 * asleep in WFI) jumps straight to the next device deadline.
 *
 * @module
 */

import { type MachineMemory, Slot } from "./state.ts";

/** Nanoseconds per generic-timer tick (62.5 MHz). */
export const NS_PER_TICK = 16;
/** CNTFRQ_EL0 value. */
export const COUNTER_HZ = 62_500_000;

/** The machine's clock. */
export class VirtualClock {
  /** Virtual ns at which the current slice started. */
  sliceStart = 0;
  /** ICOUNT of each vCPU at the start of the current slice. */
  declare readonly sliceIcount: Float64Array;
  /** sliceStart - sliceIcount[cpu]: a vCPU's time is this plus its ICOUNT. */
  declare private readonly base: Float64Array;
  /** Word index of each vCPU's ICOUNT. */
  declare private readonly words: Int32Array;
  declare private readonly u32: Uint32Array;

  declare private readonly mm: MachineMemory;

  constructor(mm: MachineMemory, cpus: number) {
    this.mm = mm;
    this.sliceIcount = new Float64Array(cpus);
    this.base = new Float64Array(cpus);
    this.words = Int32Array.from({ length: cpus }, (_, c) => mm.slot(c, Slot.ICOUNT));
    this.u32 = mm.u32;
  }

  /** Instructions retired by `cpu` (exact; fits a double up to 2^53). */
  icount(cpu: number): number {
    const w = this.words[cpu];
    return this.u32[w + 1] * 0x1_0000_0000 + this.u32[w];
  }

  /** Begin a new slice at virtual time `ns` (all vCPUs). */
  beginSlice(ns: number): void {
    this.sliceStart = ns;
    for (let c = 0; c < this.sliceIcount.length; c++) {
      this.sliceIcount[c] = this.icount(c);
      this.base[c] = ns - this.sliceIcount[c];
      this.mm.set64(c, Slot.TIME_BASE, BigInt(this.base[c]));
    }
  }

  /** Current virtual time in ns as seen by `cpu` (or the slice start with no cpu). */
  now(cpu?: number): number {
    if (cpu === undefined) return this.sliceStart;
    const w = this.words[cpu];
    return this.base[cpu] + this.u32[w + 1] * 0x1_0000_0000 + this.u32[w];
  }

  /**
   * Counter ticks already elapsed when virtual time 0 began: the host's uptime
   * under the KVM model (a guest's CNTPCT shows it), 0 for a QEMU-style board.
   */
  counterBase = 0;

  /** The physical counter (CNTPCT_EL0 before offsets) as seen by `cpu`. */

  counter(cpu?: number): number {
    return this.counterBase + Math.floor(this.now(cpu) / NS_PER_TICK);
  }
}
