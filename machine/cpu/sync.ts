/**
 * Coherence of a running vCPU's system registers between the interpreter's
 * working copy (core.ts `X`) and machine memory, during callbacks.
 *
 * While a vCPU runs, its register block lives in `X`. Around a callback the
 * interpreter copies only the fixed slots (GPRs, PC, flags, PSTATE, ICOUNT…)
 * out and back in — what every callback uses. The system-register words are
 * copied only on demand: machine-side code that reads a running vCPU's system
 * registers calls {@link sysregsRead} first (flushing X's copy to memory),
 * code that writes them calls {@link sysregsWritten} (so the interpreter
 * reloads them when the callback returns). Outside callbacks both are no-ops.
 *
 * @module
 */

import type { MachineMemory } from "../state.ts";

/** The sync state (one interpreter per process runs at a time). */
export const S: {
  /** The machine memory of the vCPU inside a callback, or null. */
  mm: MachineMemory | null;
  cpu: number;
  /** Machine memory holds the current system registers of that vCPU. */
  flushed: boolean;
  /** Machine-side code wrote them: the interpreter must reload. */
  dirty: boolean;
  /** Copy X's system-register words to machine memory (set by the interpreter). */
  flush: () => void;
} = { mm: null, cpu: -1, flushed: true, dirty: false, flush: () => {} };

/** Before reading system registers of `cpu` from machine memory. */
export function sysregsRead(mm: MachineMemory, cpu: number): void {
  if (S.mm === mm && S.cpu === cpu && !S.flushed) {
    S.flush();
    S.flushed = true;
  }
}

/** Before writing system registers of `cpu` in machine memory. */
export function sysregsWritten(mm: MachineMemory, cpu: number): void {
  if (S.mm === mm && S.cpu === cpu) {
    if (!S.flushed) {
      S.flush();
      S.flushed = true;
    }
    S.dirty = true;
  }
}
