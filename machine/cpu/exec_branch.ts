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

import { C, el, RZ, W } from "./core.ts";
import { condHolds } from "./exec_dp.ts";
import { undef } from "./exc.ts";
import { exceptionReturn } from "./pstate.ts";
import { Feature } from "../state.ts";

/** PC += off (a byte offset within +-2^31); always returns true. */
function jump(off: number): true {
  const x = C.x, s = (x[W.PC] >>> 0) + off;
  x[W.PC] = s | 0;
  if (s < 0) x[W.PC + 1] = (x[W.PC + 1] - 1) | 0;
  else if (s > 0xffff_ffff) x[W.PC + 1] = (x[W.PC + 1] + 1) | 0;
  return true;
}

/** Word index of X30, the link register. */
const LR = 30 * 2;

/** X30 = PC + 4 (the return address of BL/BLR). */
function link(): void {
  const x = C.x, s = (x[W.PC] >>> 0) + 4;
  x[LR] = s | 0;
  x[LR + 1] = s > 0xffff_ffff ? (x[W.PC + 1] + 1) | 0 : x[W.PC + 1];
}

/** C6.2.26 B: PC-relative by imm26 * 4. */
export function B(i: number): boolean {
  return jump((i << 6) >> 4);
}

/** C6.2.33 BL. */
export function BL(i: number): boolean {
  link();
  return jump((i << 6) >> 4);
}

/** C6.2.25 B.cond. */
export function B_cond(i: number): boolean {
  return condHolds(i & 15) && jump(((i << 8) >> 13) << 2);
}

/** C6.2.47 CBZ / C6.2.46 CBNZ (bit 24 = 1 for CBNZ). */
export function CBZ(i: number): boolean {
  const x = C.x, t = RZ[i & 31];
  const zero = i < 0 ? (x[t] | x[t + 1]) === 0 : x[t] === 0;
  return zero && jump(((i << 8) >> 13) << 2);
}

export function CBNZ(i: number): boolean {
  const x = C.x, t = RZ[i & 31];
  const zero = i < 0 ? (x[t] | x[t + 1]) === 0 : x[t] === 0;
  return !zero && jump(((i << 8) >> 13) << 2);
}

/** C6.2.372 TBZ / C6.2.371 TBNZ: test bit b5:b40 of Rt. */
function testBit(i: number): number {
  const bit = ((i >>> 26) & 0x20) | ((i >>> 19) & 31), t = RZ[i & 31];
  return (C.x[t + (bit >>> 5)] >>> (bit & 31)) & 1;
}

export function TBZ(i: number): boolean {
  return testBit(i) === 0 && jump(((i << 13) >> 18) << 2);
}

export function TBNZ(i: number): boolean {
  return testBit(i) === 1 && jump(((i << 13) >> 18) << 2);
}

/** C6.2.37 BR. */
export function BR(i: number): boolean {
  const x = C.x, n = RZ[(i >>> 5) & 31];
  const lo = x[n], hi = x[n + 1];
  x[W.PC] = lo;
  x[W.PC + 1] = hi;
  return true;
}

/** C6.2.35 BLR (the target is read before X30 is written). */
export function BLR(i: number): boolean {
  const x = C.x, n = RZ[(i >>> 5) & 31];
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
  C.x[W.EXCL_SIZE] = 0; // exception return clears the local monitor
  exceptionReturn(C.mm, C.cpu, C.features & Feature.EL2 ? 2 : 1);
  return true;
}
