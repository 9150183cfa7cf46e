/**
 * PSTATE, stack-pointer banking, exception entry and exception return for
 * AArch64 (Arm ARM D1.2 "Exception entry", D1.3 "Exception return",
 * pseudocode AArch64.TakeException / AArch64.ExceptionReturn).
 *
 * The register block keeps PSTATE in SPSR format without NZCV (Slot.PSTATE)
 * and the flags in QEMU's split form (Slot.NF_ZF, Slot.CF_VF), so the
 * interpreter updates flags with plain int32 stores.
 *
 * @module
 */

import { type MachineMemory, Slot } from "../state.ts";
import { sysregByName } from "../sysregs.ts";
import { sysregsWritten } from "./sync.ts";

/** PSTATE / SPSR bit positions (Arm ARM C5.2.18 SPSR_EL1). */
export const PSR = {
  M_MASK: 0xf,
  SPSEL: 1 << 0,
  NRW: 1 << 4,
  F: 1 << 6,
  I: 1 << 7,
  A: 1 << 8,
  D: 1 << 9,
  DAIF: 0xf << 6,
  IL: 1 << 20,
  SS: 1 << 21,
  PAN: 1 << 22,
  /** M[3:0] values. */
  EL0t: 0x0,
  EL1t: 0x4,
  EL1h: 0x5,
  EL2t: 0x8,
  EL2h: 0x9,
} as const;

/** Vector offsets from VBAR_ELx (Arm ARM D1.3.1, table D1-7). */
export const VECTOR = {
  CURRENT_SP0: 0x000,
  CURRENT_SPX: 0x200,
  LOWER_A64: 0x400,
  LOWER_A32: 0x600,
  SYNC: 0x00,
  IRQ: 0x80,
  FIQ: 0x100,
  SERROR: 0x180,
} as const;

/** Slot of a named stored system register (throws if it is not stored). */
export function sysregSlot(name: string): number {
  const d = sysregByName(name);
  if (!d || d.slot < 0) throw new Error(`Not a stored system register: ${name}`);
  return d.slot;
}

const S = {
  SPSR_EL1: sysregSlot("SPSR_EL1"),
  ELR_EL1: sysregSlot("ELR_EL1"),
  ESR_EL1: sysregSlot("ESR_EL1"),
  FAR_EL1: sysregSlot("FAR_EL1"),
  VBAR_EL1: sysregSlot("VBAR_EL1"),
  SCTLR_EL1: sysregSlot("SCTLR_EL1"),
  SPSR_EL2: sysregSlot("SPSR_EL2"),
  ELR_EL2: sysregSlot("ELR_EL2"),
  ESR_EL2: sysregSlot("ESR_EL2"),
  FAR_EL2: sysregSlot("FAR_EL2"),
  VBAR_EL2: sysregSlot("VBAR_EL2"),
  SCTLR_EL2: sysregSlot("SCTLR_EL2"),
  HCR_EL2: sysregSlot("HCR_EL2"),
};

/** Per-EL exception registers: [SPSR, ELR, ESR, FAR, VBAR, SCTLR] slots, index = EL. */
const EL_REGS = [
  null,
  [S.SPSR_EL1, S.ELR_EL1, S.ESR_EL1, S.FAR_EL1, S.VBAR_EL1, S.SCTLR_EL1],
  [S.SPSR_EL2, S.ELR_EL2, S.ESR_EL2, S.FAR_EL2, S.VBAR_EL2, S.SCTLR_EL2],
] as const;

/** Current exception level from a PSTATE word. */
export function pstateEl(pstate: number): number {
  return (pstate >> 2) & 3;
}

/** The bank slot holding the stack pointer selected by `pstate`. */
export function spBank(pstate: number): number {
  if ((pstate & PSR.SPSEL) === 0) return Slot.SP_EL0;
  const el = pstateEl(pstate);
  return el === 2 ? Slot.SP_EL2 : el === 1 ? Slot.SP_EL1 : Slot.SP_EL0;
}

/** Read PSTATE (without NZCV) of `cpu`. */
export function getPstate(mm: MachineMemory, cpu: number): number {
  return mm.i32[mm.slot(cpu, Slot.PSTATE)];
}

/**
 * Replace PSTATE, moving the active stack pointer between its banks when the
 * selected SP changes (QEMU aarch64_save_sp / aarch64_restore_sp).
 */
export function setPstate(mm: MachineMemory, cpu: number, pstate: number): void {
  const w = mm.slot(cpu, Slot.PSTATE);
  const old = mm.i32[w];
  const from = spBank(old), to = spBank(pstate);
  if (from !== to) {
    const sp = mm.slot(cpu, Slot.SP), a = mm.slot(cpu, from), b = mm.slot(cpu, to);
    mm.i32[a] = mm.i32[sp];
    mm.i32[a + 1] = mm.i32[sp + 1];
    mm.i32[sp] = mm.i32[b];
    mm.i32[sp + 1] = mm.i32[b + 1];
  }
  mm.i32[w] = pstate;
}

/** NZCV as bits 31:28, from the split flag words. */
export function getNzcv(mm: MachineMemory, cpu: number): number {
  const i = mm.i32, w = mm.slot(cpu, Slot.NF_ZF), c = mm.slot(cpu, Slot.CF_VF);
  return ((i[w] >>> 31) << 31 | (i[w + 1] === 0 ? 1 << 30 : 0) | (i[c] & 1) << 29 |
    (i[c + 1] >>> 31) << 28) >>> 0;
}

/** Set the split flag words from NZCV in bits 31:28. */
export function setNzcv(mm: MachineMemory, cpu: number, nzcv: number): void {
  const i = mm.i32, w = mm.slot(cpu, Slot.NF_ZF), c = mm.slot(cpu, Slot.CF_VF);
  i[w] = nzcv & 0x8000_0000;
  i[w + 1] = nzcv & 0x4000_0000 ? 0 : 1;
  i[c] = (nzcv >>> 29) & 1;
  i[c + 1] = nzcv & 0x1000_0000 ? -0x8000_0000 : 0;
}

/** The SPSR-format value of the current PSTATE including NZCV. */
export function spsrOf(mm: MachineMemory, cpu: number): number {
  return (getPstate(mm, cpu) | getNzcv(mm, cpu)) >>> 0;
}

function copy64(mm: MachineMemory, cpu: number, dst: number, src: number): void {
  const d = mm.slot(cpu, dst), s = mm.slot(cpu, src);
  mm.i32[d] = mm.i32[s];
  mm.i32[d + 1] = mm.i32[s + 1];
}

/**
 * Take an exception to AArch64 `targetEl` (1 or 2), as AArch64.TakeException:
 * SPSR = PSTATE, ELR = `retLo/retHi` (preferred return address), ESR = `esr`
 * as a 32-bit value (synchronous exceptions; ESRs with EC >= 0x20 are negative
 * int32s; pass -1 to leave ESR alone for interrupts),
 * FAR when `far` is given, PSTATE = ELxh with DAIF masked, PC = VBAR + offset.
 */
export function takeException(
  mm: MachineMemory,
  cpu: number,
  targetEl: 1 | 2,
  type: number,
  esr: number,
  retLo: number,
  retHi: number,
  far?: bigint,
): void {
  sysregsWritten(mm, cpu); // reads and writes ELR/SPSR/ESR/FAR/VBAR
  const regs = EL_REGS[targetEl];
  const pstate = getPstate(mm, cpu);
  const fromEl = pstateEl(pstate);
  const base = fromEl < targetEl
    ? VECTOR.LOWER_A64
    : (pstate & PSR.SPSEL ? VECTOR.CURRENT_SPX : VECTOR.CURRENT_SP0);
  mm.set64(cpu, regs[0], BigInt(spsrOf(mm, cpu)));
  const elr = mm.slot(cpu, regs[1]);
  mm.i32[elr] = retLo;
  mm.i32[elr + 1] = retHi;
  if (esr !== -1) mm.set64(cpu, regs[2], BigInt(esr >>> 0));
  if (far !== undefined) mm.set64(cpu, regs[3], far);
  let next = (targetEl << 2) | PSR.SPSEL | PSR.DAIF | (pstate & PSR.PAN);
  // FEAT_PAN: PSTATE.PAN is set on entry to EL1 when SCTLR_EL1.SPAN == 0, and on entry to
  // EL2 of a VHE host (HCR_EL2.{E2H,TGE} = {1,1}) when SCTLR_EL2.SPAN == 0 (Arm ARM D5.4.2).
  const hcr = mm.slot(cpu, S.HCR_EL2);
  const host = targetEl === 2 && (mm.i32[hcr + 1] & (1 << 2)) !== 0 &&
    (mm.i32[hcr] & (1 << 27)) !== 0;
  if ((targetEl === 1 || host) && (mm.i32[mm.slot(cpu, regs[5])] & (1 << 23)) === 0) {
    next |= PSR.PAN;
  }
  setPstate(mm, cpu, next);
  const vbar = mm.get64(cpu, regs[4]) & ~0x7ffn;
  mm.set64(cpu, Slot.PC, vbar + BigInt(base + type));
}

/**
 * Exception return from the current EL (AArch64.ExceptionReturn): PSTATE =
 * SPSR_ELx, PC = ELR_ELx. An illegal return (to a higher EL, or to an EL that
 * is not implemented) sets PSTATE.IL and keeps the EL, as the architecture does.
 */
export function exceptionReturn(mm: MachineMemory, cpu: number, maxEl: number): void {
  sysregsWritten(mm, cpu); // reads and writes ELR/SPSR/ESR/FAR/VBAR
  const pstate = getPstate(mm, cpu);
  const el = pstateEl(pstate);
  if (el === 0) throw new Error("ERET at EL0 is UNDEFINED");
  const regs = EL_REGS[el]!;
  const spsr = Number(mm.get64(cpu, regs[0]) & 0xffff_ffffn);
  const target = pstateEl(spsr);
  let next = spsr & ~0xf000_0000 & ~PSR.SS;
  // A return to EL1 while HCR_EL2.TGE == 1 is illegal too (Arm ARM D1.3.5, "Illegal return events").
  const tge = maxEl >= 2 && (mm.i32[mm.slot(cpu, S.HCR_EL2)] & (1 << 27)) !== 0;
  const illegal = target > el || target > maxEl || (spsr & PSR.NRW) !== 0 ||
    (target === 0 && (spsr & PSR.SPSEL) !== 0) || (target === 1 && tge);
  // Illegal return: EL, nRW and SP stay; everything else comes from SPSR; IL = 1 (SetPSTATEFromPSR).
  const keep = PSR.M_MASK | PSR.NRW;
  if (illegal) next = (next & ~keep) | (pstate & keep) | PSR.IL;
  setNzcv(mm, cpu, spsr);
  copy64(mm, cpu, Slot.PC, regs[1]);
  setPstate(mm, cpu, next);
}
