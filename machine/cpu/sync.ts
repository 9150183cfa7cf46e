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
 * HVC/SMC callbacks that declare `liveRegs` (callbacks.ts) go further: not
 * even the fixed slots are copied. The callback reads and writes them in the
 * interpreter's working copy it is handed (the SMCCC arguments and results,
 * the PC, PSTATE, ICOUNT), and machine memory holds only an exact ICOUNT.
 * Machine-side code that needs the running vCPU's block in memory (exception
 * entry, reset, system registers, user hooks) brackets the access with
 * {@link fixedEnter} / {@link fixedLeave}: the working copy is written out
 * before and read back after, so it stays the one current copy.
 *
 * @module
 */

import type { MachineMemory } from "../state.ts";

/** The sync state (one interpreter per process runs at a time). */
export const S: {
  /**
   * The vCPU inside a callback: its machine memory's id (MachineMemory.id) and index, cpu -1
   * when none (numbers, not a reference: a pointer store per call cost 13 ns).
   */
  mm: number;
  cpu: number;
  /** Machine memory holds the current system registers of that vCPU. */
  flushed: boolean;
  /** Machine-side code wrote them: the interpreter must reload. */
  dirty: boolean;
  /** Copy X's system-register words to machine memory (set by the interpreter). */
  flush: () => void;
  /** Inside a `liveRegs` call: the fixed slots of that vCPU live in X, not in machine memory. */
  live: boolean;
  /** Between fixedEnter and fixedLeave: machine memory holds the fixed slots. */
  fixedOut: boolean;
  /** Copy X's fixed slots to machine memory / back (set by the interpreter). */
  flushFixed: () => void;
  reloadFixed: () => void;
} = {
  mm: -1,
  cpu: -1,
  flushed: true,
  dirty: false,
  flush: () => {},
  live: false,
  fixedOut: false,

  flushFixed: () => {},
  reloadFixed: () => {},
};

/** Before reading system registers of `cpu` from machine memory. */
export function sysregsRead(mm: MachineMemory, cpu: number): void {
  if (S.mm === mm.id && S.cpu === cpu && !S.flushed) {
    S.flush();
    S.flushed = true;
  }
}

/**
 * Before machine-side code touches the fixed slots (GPRs, PC, PSTATE, SP
 * banks...) of `cpu` in machine memory. Returns true when that vCPU is inside
 * a `liveRegs` call: the caller must then call {@link fixedLeave} afterwards
 * (in a `finally`), which reloads the interpreter's copy from memory.
 */
export function fixedEnter(mm: MachineMemory, cpu: number): boolean {
  if (S.live && !S.fixedOut && S.mm === mm.id && S.cpu === cpu) {
    S.flushFixed();
    S.fixedOut = true;
    return true;
  }
  return false; // not live, or already written out by an enclosing fixedEnter
}

/** After {@link fixedEnter} returned true. */
export function fixedLeave(): void {
  S.fixedOut = false;
  S.reloadFixed();
}

/** Before writing system registers of `cpu` in machine memory. */

export function sysregsWritten(mm: MachineMemory, cpu: number): void {
  if (S.mm === mm.id && S.cpu === cpu) {
    if (!S.flushed) {
      S.flush();
      S.flushed = true;
    }
    S.dirty = true;
  }
}
