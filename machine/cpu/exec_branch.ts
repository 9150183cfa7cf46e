/**
 * Branch handlers (Arm ARM C4.1.3 "Branches, Exception Generating and System
 * instructions": unconditional/conditional immediate, compare-and-branch,
 * test-and-branch, branch to register, ERET).
 *
 * A handler returns true when it wrote the PC (branch taken); the run loop
 * then re-synchronises (interrupt check, new code page). Not taken: it
 * returns false and the loop steps to the next instruction.
 *
 * @module
 */

import * as core_ from "./core.ts";
import * as exec_dp_ from "./exec_dp.ts";
import * as exc_ from "./exc.ts";
import * as pstate_ from "./pstate.ts";
import * as state_ from "../state.ts";

// Module-local aliases of imported values: V8 optimizes these far better than
// imported bindings in hot code (measured 2-3x on handlers).
const { C, el, RZ, W, X, XMM } = core_;
const { condHolds } = exec_dp_;
const { undef } = exc_;
const { exceptionReturn } = pstate_;
const { Feature } = state_;

/** PC += off (a byte offset within +-2^31); returns 1 (a direct branch was taken). */
function jump(off: number): 1 {
  const s = (X[W.PC] >>> 0) + off;
  X[W.PC] = s | 0;
  if (s < 0) X[W.PC + 1] = (X[W.PC + 1] - 1) | 0;
  else if (s > 0xffff_ffff) X[W.PC + 1] = (X[W.PC + 1] + 1) | 0;
  return 1;
}

/** Word index of X30, the link register. */
const LR = 30 * 2;

/** X30 = PC + 4 (the return address of BL/BLR). */
function link(): void {
  const x = X, s = (x[W.PC] >>> 0) + 4;
  x[LR] = s | 0;
  x[LR + 1] = s > 0xffff_ffff ? (x[W.PC + 1] + 1) | 0 : x[W.PC + 1];
}

/** C6.2.26 B: PC-relative by imm26 * 4. */
export function B(i: number): 1 {
  return jump((i << 6) >> 4);
}

/** C6.2.33 BL. */
export function BL(i: number): 1 {
  link();
  return jump((i << 6) >> 4);
}

/** C6.2.25 B.cond. */
export function B_cond(i: number): false | 1 {
  return condHolds(i & 15) && jump(((i << 8) >> 13) << 2);
}

/** C6.2.47 CBZ / C6.2.46 CBNZ (bit 24 = 1 for CBNZ). */
export function CBZ(i: number): false | 1 {
  const x = X, t = RZ[i & 31];
  const zero = i < 0 ? (x[t] | x[t + 1]) === 0 : x[t] === 0;
  return zero && jump(((i << 8) >> 13) << 2);
}

export function CBNZ(i: number): false | 1 {
  const x = X, t = RZ[i & 31];
  const zero = i < 0 ? (x[t] | x[t + 1]) === 0 : x[t] === 0;
  return !zero && jump(((i << 8) >> 13) << 2);
}

/** C6.2.372 TBZ / C6.2.371 TBNZ: test bit b5:b40 of Rt. */
function testBit(i: number): number {
  const bit = ((i >>> 26) & 0x20) | ((i >>> 19) & 31), t = RZ[i & 31];
  return (X[t + (bit >>> 5)] >>> (bit & 31)) & 1;
}

export function TBZ(i: number): false | 1 {
  return testBit(i) === 0 && jump(((i << 13) >> 18) << 2);
}

export function TBNZ(i: number): false | 1 {
  return testBit(i) === 1 && jump(((i << 13) >> 18) << 2);
}

/** C6.2.37 BR. */
export function BR(i: number): boolean {
  const x = X, n = RZ[(i >>> 5) & 31];
  const lo = x[n], hi = x[n + 1];
  x[W.PC] = lo;
  x[W.PC + 1] = hi;
  return true;
}

/** C6.2.35 BLR (the target is read before X30 is written). */
export function BLR(i: number): boolean {
  const x = X, n = RZ[(i >>> 5) & 31];
  const lo = x[n], hi = x[n + 1];
  link();
  x[W.PC] = lo;
  x[W.PC + 1] = hi;
  return true;
}

/** C6.2.254 RET. */
export function RET(i: number): boolean {
  return BR(i);
}

/** C6.2.86 ERET (Arm ARM D1.3.2 exception return; UNDEFINED at EL0). */
export function ERET(_i: number): boolean {
  if (el() === 0) undef();
  X[W.EXCL_SIZE] = 0; // exception return clears the local monitor
  exceptionReturn(XMM, 0, C.features & Feature.EL2 ? 2 : 1);
  return true;
}
