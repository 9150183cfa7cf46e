/**
 * Taking exceptions from inside the interpreter: synchronous exceptions with
 * their ESR syndromes (Arm ARM D1.10 "Synchronous exception types", D23.2.41
 * ESR_ELx), routing (D1.3.4, HCR_EL2.TGE), asynchronous exceptions with
 * their masking and routing (D1.3.6, HCR_EL2.{IMO,FMO,AMO,TGE,VI,VF,VSE}),
 * and the abort-loop detector.
 *
 * The register-level entry itself is `takeException` in pstate.ts (shared
 * with the hypervisor model).
 *
 * @module
 */

import * as state_ from "../state.ts";
import * as pstate_ from "./pstate.ts";
import * as core_ from "./core.ts";
import * as bits_ from "./bits.ts";

// Module-local aliases of imported values: V8 optimizes these far better than
// imported bindings in hot code (measured 2-3x on handlers).
const { Feature } = state_;
const { PSR, takeException, VECTOR } = pstate_;
const { C, countOne, EC, el, ESR_IL, Exit, HCR, hcrHi, hcrLo, requestSync, SR, UNWIND, W, X, XMM } =
  core_;
const { toBig } = bits_;

/** IRQ_LINES bits (state.ts Slot.IRQ_LINES). */
export const Line = { IRQ: 1, FIQ: 2, SERROR: 4, VIRQ: 8, VFIQ: 16 } as const;

/**
 * Target EL of a synchronous exception taken from the current EL (Arm ARM
 * D1.3.4): EL0 goes to EL1, or to EL2 when HCR_EL2.TGE is set; EL1 and EL2
 * take their own.
 */
export function syncTarget(): 1 | 2 {
  const e = el();
  if (e === 0) return hcrLo() & HCR.TGE ? 2 : 1;
  return e as 1 | 2;
}

/**
 * Take a synchronous exception with syndrome `ec`/`iss` to `target`, with
 * preferred return address `ret` (lo/hi) and optional FAR, then unwind the
 * handler. The faulting instruction is the one at Slot.PC.
 */
export function raise(
  target: 1 | 2,
  ec: number,
  iss: number,
  retLo: number,
  retHi: number,
  far?: bigint,
): never {
  const x = X;
  const esr = (ec << 26) | ESR_IL | (iss & 0x1ff_ffff);
  const pcLo = x[W.PC], pcHi = x[W.PC + 1];
  C.excEsr = esr >>> 0;
  C.excFar = far;
  C.excEl = target;
  if ((ec < 32 ? C.stopLo >>> ec : C.stopHi >>> (ec - 32)) & 1) {
    // Stop-on-exception: report it and leave the vCPU at the faulting instruction.
    C.exit = Exit.EXCEPTION;
    requestSync();
    throw UNWIND;
  }
  x[W.EXCL_SIZE] = 0;
  takeException(XMM, 0, target, VECTOR.SYNC, esr, retLo, retHi, far);
  if (x[W.PC] === pcLo && x[W.PC + 1] === pcHi) {
    // The handler would start at the instruction that faulted: it can never make progress.
    C.exit = Exit.EXCEPTION_LOOP;
    requestSync();
  }
  throw UNWIND;
}

/** Take a synchronous exception whose preferred return address is the faulting instruction. */
export function raiseHere(target: 1 | 2, ec: number, iss: number, far?: bigint): never {
  return raise(target, ec, iss, X[W.PC], X[W.PC + 1], far);
}

/** UNDEFINED instruction: EC 0x00, IL = 1 (Arm ARM D1.10.4). */
export function undef(): never {
  return raiseHere(syncTarget(), EC.UNKNOWN, 0);
}

/**
 * Data abort (EC 0x24 lower EL / 0x25 same EL) with DFSC `fsc`, WnR and CM,
 * FAR = the faulting VA (Arm ARM D23.2.41, ISS encoding for Data Abort).
 * ISV = 0: stage-1 aborts report no instruction syndrome (as QEMU).
 */
export function dataAbort(
  fsc: number,
  vlo: number,
  vhi: number,
  write: boolean,
  cm = false,
): never {
  const target = syncTarget();
  const ec = target > el() ? EC.DABT_LOWER : EC.DABT_SAME;
  const iss = fsc | (write || cm ? 1 << 6 : 0) | (cm ? 1 << 8 : 0);
  return raiseHere(target, ec, iss, toBig(vlo, vhi));
}

/**
 * Instruction abort (EC 0x20 / 0x21) with IFSC `fsc`; FAR = the PC. The
 * aborted fetch counts as one instruction, so a run always makes progress.
 */
export function insnAbort(fsc: number, vlo: number, vhi: number): never {
  countOne();
  const target = syncTarget();
  const ec = target > el() ? EC.IABT_LOWER : EC.IABT_SAME;
  return raise(target, ec, fsc, vlo, vhi, toBig(vlo, vhi));
}

/** PC alignment fault (EC 0x22), FAR = the misaligned PC (Arm ARM D1.10.2). */
export function pcAlignFault(vlo: number, vhi: number): never {
  return raise(syncTarget(), EC.PC_ALIGN, 0, vlo, vhi, toBig(vlo, vhi));
}

/** SP alignment fault (EC 0x26, Arm ARM D1.10.3). */
export function spAlignFault(): never {
  return raiseHere(syncTarget(), EC.SP_ALIGN, 0);
}

/**
 * MSR/MRS/SYS trap syndrome (EC 0x18, Arm ARM D23.2.41 ISS for EC 0x18):
 * Op0, Op2, Op1, CRn, Rt, CRm, Direction (1 = read).
 */
export function sysregTrap(target: 1 | 2, insn: number): never {
  const op0 = (insn >>> 19) & 3, op1 = (insn >>> 16) & 7, crn = (insn >>> 12) & 15;
  const crm = (insn >>> 8) & 15, op2 = (insn >>> 5) & 7, rt = insn & 31, read = (insn >>> 21) & 1;
  const iss = (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | read;
  return raiseHere(target, EC.SYSREG, iss);
}

// ---------------------------------------------------------------------------
// Asynchronous exceptions (Arm ARM D1.3.6 "Asynchronous exception routing and masking").

/**
 * Target EL for a physical interrupt of the given PSTATE mask bit and
 * HCR_EL2 routing bit, or 0 when it is masked at the current EL.
 */
function physicalTarget(maskBit: number, routeBit: number): number {
  const e = el(), ps = X[W.PSTATE];
  if (C.features & Feature.EL2) {
    const hcr = hcrLo();
    if (hcr & (HCR.TGE | routeBit)) {
      // Routed to EL2: not maskable from EL0/EL1, except EL0 of a VHE host (E2H = TGE = 1).
      const host = (hcr & HCR.TGE) !== 0 && (hcrHi() & HCR.HI_E2H) !== 0;
      if (e < 2 && !(host && e === 0)) return 2;
      return ps & maskBit ? 0 : 2;
    }
  }
  if (e >= 2) return 0; // an EL1 interrupt never preempts EL2
  return ps & maskBit ? 0 : 1;
}

/** Whether a virtual interrupt (vIRQ/vFIQ/vSError) can be taken: EL0/EL1, routed (IMO...) and TGE = 0. */
function virtualTarget(maskBit: number, routeBit: number): number {
  if (!(C.features & Feature.EL2)) return 0;
  const hcr = hcrLo();
  if (!(hcr & routeBit) || (hcr & HCR.TGE) || el() >= 2) return 0;
  return X[W.PSTATE] & maskBit ? 0 : 1;
}

/**
 * Take the highest-priority pending unmasked interrupt, if any. Called at
 * sync points (slice start, taken branches, exception return, PSTATE
 * writes). Returns true when an exception was taken (PC changed).
 */
export function checkInterrupts(): boolean {
  const x = X;
  const lines = x[W.IRQ_LINES];
  const hcr = hcrLo();
  if (lines === 0 && (hcr & (HCR.VI | HCR.VF | HCR.VSE)) === 0) return false;
  let target = 0, offset = 0, esr = -1;
  if (lines & Line.SERROR && (target = physicalTarget(PSR.A, HCR.AMO))) {
    offset = VECTOR.SERROR;
    esr = (EC.SERROR << 26) | ESR_IL;
  } else if (lines & Line.FIQ && (target = physicalTarget(PSR.F, HCR.FMO))) {
    offset = VECTOR.FIQ;
  } else if (lines & Line.IRQ && (target = physicalTarget(PSR.I, HCR.IMO))) {
    offset = VECTOR.IRQ;
  } else if (hcr & HCR.VSE && (target = virtualTarget(PSR.A, HCR.AMO))) {
    offset = VECTOR.SERROR;
    esr = (EC.SERROR << 26) | ESR_IL;
    x[SR.HCR_EL2] &= ~HCR.VSE; // a virtual SError is consumed when taken
  } else if ((lines & Line.VFIQ || hcr & HCR.VF) && (target = virtualTarget(PSR.F, HCR.FMO))) {
    offset = VECTOR.FIQ;
  } else if ((lines & Line.VIRQ || hcr & HCR.VI) && (target = virtualTarget(PSR.I, HCR.IMO))) {
    offset = VECTOR.IRQ;
  } else return false;
  x[W.EXCL_SIZE] = 0;
  takeException(XMM, 0, target as 1 | 2, offset, esr, x[W.PC], x[W.PC + 1]);
  return true;
}

/** Any interrupt pending at all, masked or not (what wakes WFI; Arm ARM D1.6.2). */
export function interruptPending(): boolean {
  return X[W.IRQ_LINES] !== 0 || (hcrLo() & (HCR.VI | HCR.VF | HCR.VSE)) !== 0;
}
