/**
 * Guest virtual memory accesses for the interpreter: a TLB fast path for
 * naturally aligned accesses to RAM, and a slow path that translates,
 * enforces alignment (SCTLR_ELx.A, Device memory; Arm ARM B2.5.2 "Alignment
 * of data accesses"; exclusives and acquire/release check their own),
 * splits page-crossing accesses and sends device accesses to the callbacks.
 *
 * Loads return 8/16/32-bit values as numbers (32-bit as int32) and 64-bit
 * values in R64; everything is little-endian (SCTLR_ELx.EE = 0).
 *
 * @module
 */

import * as bits_ from "./bits.ts";
import * as core_ from "./core.ts";
import * as exc_ from "./exc.ts";
import * as mmu_ from "./mmu.ts";
import { MMIO_STOP } from "./callbacks.ts";

// Module-local aliases of imported values: V8 optimizes these far better than
// imported bindings in hot code (measured 2-3x on handlers).
const { R64 } = bits_;
const { beginCall, C, endCall, Exit, requestSync, SR, TLB_ENTRIES, TLB_WORDS, UNWIND, X } = core_;
const { dataAbort } = exc_;
const { Acc, FSC, translate } = mmu_;

const IDX_WORDS = TLB_ENTRIES * TLB_WORDS;

/** SCTLR_ELx.A of the regime an MMU index belongs to. */
function alignCheck(idx: number): boolean {
  return ((X[idx >= 3 ? SR.SCTLR_EL2 : SR.SCTLR_EL1] >>> 1) & 1) === 1;
}

/** Abandon the instruction and stop the run on it (an MMIO callback returned MMIO_STOP). */
function stopBefore(): never {
  C.exit = Exit.STOPPED;
  requestSync();
  throw UNWIND;
}

/** Load `size` bytes (1, 2, 4, 8) through the slow path; value in R64 (zero-extended). */
export function ldSlow(vlo: number, vhi: number, size: number, idx: number): void {
  const unaligned = (vlo & (size - 1)) !== 0;
  if (unaligned && alignCheck(idx)) {
    dataAbort(FSC.ALIGNMENT, vlo, vhi, false);
  }
  const h = translate(vlo, vhi, Acc.READ, idx);
  if (unaligned && C.device) dataAbort(FSC.ALIGNMENT, vlo, vhi, false);
  if (h < 0) {
    beginCall();
    const ok = C.cb.mmioRead(C.cpu, C.pa, size, C.out);
    endCall();
    requestSync();
    if (ok !== true) {
      if (ok === MMIO_STOP) stopBefore();
      dataAbort(FSC.EXTERNAL, vlo, vhi, false);
    }
    R64.lo = size === 8 ? C.out[0] : C.out[0] & (size === 4 ? -1 : (1 << (size * 8)) - 1);
    R64.hi = size === 8 ? C.out[1] : 0;
    return;
  }
  if ((vlo & 0xfff) + size <= 0x1000) {
    const dv = C.dv;
    if (size === 1) R64.lo = C.u8[h], R64.hi = 0;
    else if (size === 2) R64.lo = dv.getUint16(h, true), R64.hi = 0;
    else if (size === 4) R64.lo = dv.getInt32(h, true), R64.hi = 0;
    else R64.lo = dv.getInt32(h, true), R64.hi = dv.getInt32(h + 4, true);
    return;
  }
  // Crosses a page: translate the second page too (a fault there reports its own VA).
  const first = 0x1000 - (vlo & 0xfff);
  const v2lo = (vlo + first) | 0, v2hi = v2lo === 0 ? (vhi + 1) | 0 : vhi;
  const h2 = translate(v2lo, v2hi, Acc.READ, idx);
  if (h2 < 0 || C.device) dataAbort(FSC.ALIGNMENT, v2lo, v2hi, false);
  let lo = 0, hi = 0;
  for (let i = size - 1; i >= 0; i--) {
    const b = i < first ? C.u8[h + i] : C.u8[h2 + i - first];
    hi = (hi << 8) | (lo >>> 24);
    lo = (lo << 8) | b;
  }
  R64.lo = lo;
  R64.hi = size === 8 ? hi : 0;
}

/** Store `size` bytes of (lo, hi) through the slow path. */
export function stSlow(
  vlo: number,
  vhi: number,
  size: number,
  lo: number,
  hi: number,
  idx: number,
): void {
  const unaligned = (vlo & (size - 1)) !== 0;
  if (unaligned && alignCheck(idx)) {
    dataAbort(FSC.ALIGNMENT, vlo, vhi, true);
  }
  const h = translate(vlo, vhi, Acc.WRITE, idx);
  if (unaligned && C.device) dataAbort(FSC.ALIGNMENT, vlo, vhi, true);
  if (h < 0) {
    beginCall();
    const ok = C.cb.mmioWrite(C.cpu, C.pa, size, lo, size === 8 ? hi : 0);
    endCall();
    requestSync();
    if (ok !== true) {
      if (ok === MMIO_STOP) stopBefore();
      dataAbort(FSC.EXTERNAL, vlo, vhi, true);
    }

    return;
  }
  if ((vlo & 0xfff) + size <= 0x1000) {
    const dv = C.dv;
    if (size === 1) C.u8[h] = lo;
    else if (size === 2) dv.setUint16(h, lo, true);
    else if (size === 4) dv.setInt32(h, lo, true);
    else dv.setInt32(h, lo, true), dv.setInt32(h + 4, hi, true);
    return;
  }
  const first = 0x1000 - (vlo & 0xfff);
  const v2lo = (vlo + first) | 0, v2hi = v2lo === 0 ? (vhi + 1) | 0 : vhi;
  const h2 = translate(v2lo, v2hi, Acc.WRITE, idx);
  if (h2 < 0 || C.device) dataAbort(FSC.ALIGNMENT, v2lo, v2hi, true);
  for (let i = 0; i < size; i++) {
    const b = (i < 4 ? lo >>> (i * 8) : hi >>> ((i - 4) * 8)) & 0xff;
    if (i < first) C.u8[h + i] = b;
    else C.u8[h2 + i - first] = b;
  }
}

// Fast paths: a TLB hit on a naturally aligned access. `idx` is the MMU index.

/** Load an unsigned byte. */
export function ld8(vlo: number, vhi: number, idx: number): number {
  const t = C.tlb, e = idx * IDX_WORDS + ((vlo >>> 12) & 0xff) * TLB_WORDS;
  if (t[e] === (vlo & ~0xfff) && t[e + 1] === vhi) return C.u8[t[e + 6] * 4 + (vlo & 0xfff)];
  ldSlow(vlo, vhi, 1, idx);
  return R64.lo;
}

/** Load an unsigned halfword. */
export function ld16(vlo: number, vhi: number, idx: number): number {
  const t = C.tlb, e = idx * IDX_WORDS + ((vlo >>> 12) & 0xff) * TLB_WORDS;
  if (t[e] === (vlo & ~0xfff) && t[e + 1] === vhi && (vlo & 1) === 0) {
    return C.u16[(t[e + 6] << 1) + ((vlo & 0xfff) >>> 1)];
  }
  ldSlow(vlo, vhi, 2, idx);
  return R64.lo;
}

/** Load a word (as int32). */
export function ld32(vlo: number, vhi: number, idx: number): number {
  const t = C.tlb, e = idx * IDX_WORDS + ((vlo >>> 12) & 0xff) * TLB_WORDS;
  if (t[e] === (vlo & ~0xfff) && t[e + 1] === vhi && (vlo & 3) === 0) {
    return C.i32[t[e + 6] + ((vlo & 0xfff) >>> 2)];
  }
  ldSlow(vlo, vhi, 4, idx);
  return R64.lo;
}

/** Load a doubleword into R64. */
export function ld64(vlo: number, vhi: number, idx: number): void {
  const t = C.tlb, e = idx * IDX_WORDS + ((vlo >>> 12) & 0xff) * TLB_WORDS;
  if (t[e] === (vlo & ~0xfff) && t[e + 1] === vhi && (vlo & 7) === 0) {
    const w = t[e + 6] + ((vlo & 0xfff) >>> 2);
    R64.lo = C.i32[w];
    R64.hi = C.i32[w + 1];
    return;
  }
  ldSlow(vlo, vhi, 8, idx);
}

/** Store a byte. */
export function st8(vlo: number, vhi: number, v: number, idx: number): void {
  const t = C.tlb, e = idx * IDX_WORDS + ((vlo >>> 12) & 0xff) * TLB_WORDS;
  if (t[e + 2] === (vlo & ~0xfff) && t[e + 3] === vhi) {
    C.u8[t[e + 6] * 4 + (vlo & 0xfff)] = v;
    return;
  }
  stSlow(vlo, vhi, 1, v, 0, idx);
}

/** Store a halfword. */
export function st16(vlo: number, vhi: number, v: number, idx: number): void {
  const t = C.tlb, e = idx * IDX_WORDS + ((vlo >>> 12) & 0xff) * TLB_WORDS;
  if (t[e + 2] === (vlo & ~0xfff) && t[e + 3] === vhi && (vlo & 1) === 0) {
    C.u16[(t[e + 6] << 1) + ((vlo & 0xfff) >>> 1)] = v;
    return;
  }
  stSlow(vlo, vhi, 2, v, 0, idx);
}

/** Store a word. */
export function st32(vlo: number, vhi: number, v: number, idx: number): void {
  const t = C.tlb, e = idx * IDX_WORDS + ((vlo >>> 12) & 0xff) * TLB_WORDS;
  if (t[e + 2] === (vlo & ~0xfff) && t[e + 3] === vhi && (vlo & 3) === 0) {
    C.i32[t[e + 6] + ((vlo & 0xfff) >>> 2)] = v;
    return;
  }
  stSlow(vlo, vhi, 4, v, 0, idx);
}

/** Store a doubleword. */
export function st64(vlo: number, vhi: number, lo: number, hi: number, idx: number): void {
  const t = C.tlb, e = idx * IDX_WORDS + ((vlo >>> 12) & 0xff) * TLB_WORDS;
  if (t[e + 2] === (vlo & ~0xfff) && t[e + 3] === vhi && (vlo & 7) === 0) {
    const w = t[e + 6] + ((vlo & 0xfff) >>> 2);
    C.i32[w] = lo;
    C.i32[w + 1] = hi;
    return;
  }
  stSlow(vlo, vhi, 8, lo, hi, idx);
}

/** Load `size` bytes (1..8) into R64, zero-extended (generic form for table-driven handlers). */
export function ldN(vlo: number, vhi: number, size: number, idx: number): void {
  if (size === 8) return ld64(vlo, vhi, idx);
  R64.lo = size === 4 ? ld32(vlo, vhi, idx) : size === 2 ? ld16(vlo, vhi, idx) : ld8(vlo, vhi, idx);
  R64.hi = 0;
}

/** Store the low `size` bytes of (lo, hi). */
export function stN(
  vlo: number,
  vhi: number,
  size: number,
  lo: number,
  hi: number,
  idx: number,
): void {
  if (size === 8) st64(vlo, vhi, lo, hi, idx);
  else if (size === 4) st32(vlo, vhi, lo, idx);
  else if (size === 2) st16(vlo, vhi, lo, idx);
  else st8(vlo, vhi, lo, idx);
}
