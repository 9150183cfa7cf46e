/**
 * SIMD&FP state shared by the FP/AdvSIMD handlers: views of the V registers
 * in the working register block, the FPCR/FPSR masks and the access check
 * every SIMD&FP instruction makes first.
 *
 * V registers live in the register block at Slot.V0 (state.ts): Vn is 16
 * bytes at byte offset {@link VB} + 16n of core.ts `X`, little-endian, so
 * element e of size s bytes sits at byte VB + 16n + e*s and the typed-array
 * views below index it directly. Writes of a scalar or 64-bit vector result
 * zero the rest of the register (Arm ARM, "V[] (assignment)": bits above the
 * written width become zero).
 *
 * The access check is the Arm ARM's AArch64.CheckFPAdvSIMDEnabled (J1,
 * shared/functions): CPACR_EL1.FPEN at EL0/EL1 (unless in the EL2&0 host
 * regime), then with EL2 present CPTR_EL2.FPEN (HCR_EL2.E2H = 1 layout) or
 * CPTR_EL2.TFP; a trap is EC 0x07 with CV = 1, COND = 0b1110 for an AArch64
 * instruction (as QEMU syn_fp_access_trap(1, 0xe, ...)), and a trap that
 * would go to EL1 while HCR_EL2.TGE = 1 goes to EL2 as EC 0x00
 * (AArch64.AdvSIMDFPAccessTrap).
 *
 * @module
 */

import * as state_ from "../state.ts";
import * as core_ from "./core.ts";
import * as exc_ from "./exc.ts";
import * as sysregs_ from "../sysregs.ts";

const { Feature } = state_;
const { C, EC, HCR, SR, sw, W, X } = core_;
const { raiseHere } = exc_;
export const { FPCR_MASK, FPSR_MASK } = sysregs_;

/** Byte offset of V0 in the working register block. */
export const VB = W.V0 * 4;
/** Views of the working register block (for V register lanes). */
export const U8: Uint8Array = new Uint8Array(X.buffer);
export const I8: Int8Array = new Int8Array(X.buffer);
export const U16: Uint16Array = new Uint16Array(X.buffer);
export const I16: Int16Array = new Int16Array(X.buffer);
export const U32: Uint32Array = new Uint32Array(X.buffer);
export const U64: BigUint64Array = new BigUint64Array(X.buffer);
export const I64: BigInt64Array = new BigInt64Array(X.buffer);

const CPTR_EL2 = sw("CPTR_EL2");
/** ESR ISS of an AArch64 FP access trap: CV = 1, COND = 0b1110. */
const FP_ISS = (1 << 24) | (0xe << 20);

/** AArch64.AdvSIMDFPAccessTrap(target). */
function fpTrap(target: 1 | 2): never {
  if (target === 1 && (C.features & Feature.EL2) && (X[SR.HCR_EL2] & HCR.TGE)) {
    return raiseHere(2, EC.UNKNOWN, 0);
  }
  return raiseHere(target, EC.FP, FP_ISS);
}

/**
 * AArch64.CheckFPAdvSIMDEnabled: take the SIMD&FP access trap when
 * CPACR_EL1/CPTR_EL2 disable SIMD&FP at the current EL. Call before any
 * other effect of a SIMD&FP instruction.
 */
export function fpCheck(): void {
  const x = X, e = (x[W.PSTATE] >> 2) & 3;
  const el2 = (C.features & Feature.EL2) !== 0;
  const e2h = el2 && (x[SR.HCR_EL2 + 1] & HCR.HI_E2H) !== 0;
  const tge = el2 && (x[SR.HCR_EL2] & HCR.TGE) !== 0;
  if (e < 2 && !(e2h && tge)) {
    const fpen = (x[SR.CPACR_EL1] >> 20) & 3;
    if (fpen !== 3 && (fpen !== 1 || e === 0)) fpTrap(1);
  }
  if (!el2) return;
  const cptr = x[CPTR_EL2];
  if (e2h) {
    const fpen = (cptr >> 20) & 3;
    if (fpen !== 3 && (fpen !== 1 || (e === 0 && tge))) fpTrap(2);
  } else if (cptr & (1 << 10)) fpTrap(2);
}

/** Byte offset of Vn in the working block. */
export function vb(n: number): number {
  return VB + (n << 4);
}

/** Zero bits 127:64 of Vn. */
export function clearHigh(n: number): void {
  const w = W.V0 + (n << 2);
  X[w + 2] = 0, X[w + 3] = 0;
}

/** Vn as a 128-bit bigint (API side, tests). */
export function vGet(n: number): bigint {
  const w = W.V0 + (n << 2), u = U32;
  return (BigInt(u[w + 3]) << 96n) | (BigInt(u[w + 2]) << 64n) | (BigInt(u[w + 1]) << 32n) |
    BigInt(u[w]);
}
