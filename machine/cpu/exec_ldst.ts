/**
 * Load/store handlers (Arm ARM C4.1.4 "Loads and Stores"): single
 * registers in every addressing mode, pairs, literals, exclusives and
 * acquire/release.
 *
 * Single-register rows of one addressing mode share a handler; the access
 * itself follows `size` (bits 31:30) and `opc` (bits 23:22) as in the Arm
 * ARM's shared decode: opc 00 store, 01 load zero-extended, 10 load signed
 * to 64 bits (PRFM when size = 11), 11 load signed to 32 bits.
 *
 * The exclusive monitor (Slot.EXCL_*) is QEMU's deterministic scheme:
 * LDXR records address, size and the value read; STXR succeeds when the
 * monitor holds that address and size and memory still holds the value
 * (compare-and-swap), and always clears the monitor.
 *
 * @module
 */

import * as bits_ from "./bits.ts";
import * as core_ from "./core.ts";
import * as exc_ from "./exc.ts";
import * as mem_ from "./mem.ts";
import * as mmu_ from "./mmu.ts";

// Module-local aliases of imported values: V8 optimizes these far better than
// imported bindings in hot code (measured 2-3x on handlers).
const { R64 } = bits_;
const { C, el, RS, RZ, SR, W, WZ, X } = core_;
const { dataAbort, spAlignFault } = exc_;
const { ldN, stN } = mem_;
const { FSC, unprivIdx } = mmu_;

/** The computed address of the current access. */
let aLo = 0, aHi = 0;

/** SP alignment check (Arm ARM D1.10.3) when the base register is SP. */
export function checkSp(lo: number): void {
  if ((lo & 15) === 0) return;
  const e = el();
  const sctlr = X[e === 2 || (e === 0 && C.dIdx >= 4) ? SR.SCTLR_EL2 : SR.SCTLR_EL1];
  if (sctlr & (e === 0 ? 1 << 4 : 1 << 3)) spAlignFault();
}

/** aLo/aHi = Xn|SP + off (off a signed number within +-2^31). */
function address(n: number, off: number): void {
  const x = X, b = RS[n];
  const lo = x[b], hi = x[b + 1];
  if (n === 31) checkSp(lo);
  const s = (lo >>> 0) + off;
  aLo = s | 0;
  aHi = s < 0 ? (hi - 1) | 0 : s > 0xffff_ffff ? (hi + 1) | 0 : hi;
}

/** Write back the base register. */
function writeback(n: number, lo: number, hi: number): void {
  const b = RS[n];
  X[b] = lo;
  X[b + 1] = hi;
}

/** The access of a single-register load/store at (aLo, aHi) with MMU index `idx`. */
function access(i: number, idx: number): void {
  const x = X, size = i >>> 30, opc = (i >>> 22) & 3, t = i & 31, bytes = 1 << size;
  if (opc === 0) {
    const r = RZ[t];
    stN(aLo, aHi, bytes, x[r], x[r + 1], idx);
    return;
  }
  if (opc === 2 && size === 3) return; // PRFM: a hint
  ldN(aLo, aHi, bytes, idx);
  const d = WZ[t];
  if (opc === 1) {
    x[d] = R64.lo;
    x[d + 1] = R64.hi;
    return;
  }
  const sh = 32 - 8 * bytes;
  const v = size === 2 ? R64.lo : (R64.lo << sh) >> sh;
  x[d] = v;
  x[d + 1] = opc === 2 ? v >> 31 : 0;
}

/** C6.2.132 LDR (immediate), unsigned offset, and its STR/LDRB/.../PRFM siblings. */
export function LDST_uimm(i: number): void {
  address((i >>> 5) & 31, ((i >>> 10) & 0xfff) << (i >>> 30));
  access(i, C.dIdx);
}

/** LDUR/STUR (unscaled imm9). */
export function LDST_unscaled(i: number): void {
  address((i >>> 5) & 31, (i << 11) >> 23);
  access(i, C.dIdx);
}

/** LDTR/STTR (unprivileged, Arm ARM C3.2.5): EL0 permissions at EL1. */
export function LDST_unpriv(i: number): void {
  address((i >>> 5) & 31, (i << 11) >> 23);
  access(i, unprivIdx());
}

/** Pre-index: address = Xn + imm9, written back. */
export function LDST_pre(i: number): void {
  const n = (i >>> 5) & 31;
  address(n, (i << 11) >> 23);
  access(i, C.dIdx);
  writeback(n, aLo, aHi);
}

/** Post-index: address = Xn, then Xn += imm9. */
export function LDST_post(i: number): void {
  const n = (i >>> 5) & 31, x = X, b = RS[n];
  address(n, 0);
  const lo = aLo, hi = aHi;
  access(i, C.dIdx);
  const s = (lo >>> 0) + ((i << 11) >> 23);
  x[b] = s | 0;
  x[b + 1] = s < 0 ? (hi - 1) | 0 : s > 0xffff_ffff ? (hi + 1) | 0 : hi;
}

/** Register offset: address = Xn + ExtendReg(Rm, option, S ? size : 0). */
export function LDST_reg(i: number): void {
  const x = X,
    m = RZ[(i >>> 16) & 31],
    option = (i >>> 13) & 7,
    sh = (i >>> 12) & 1 ? i >>> 30 : 0;
  let lo = x[m], hi = x[m + 1];
  if (option === 2) hi = 0; // UXTW
  else if (option === 6) hi = lo >> 31; // SXTW
  if (sh) hi = (hi << sh) | (lo >>> (32 - sh)), lo <<= sh;
  const b = RS[(i >>> 5) & 31];
  if (((i >>> 5) & 31) === 31) checkSp(x[b]);
  const s = (x[b] >>> 0) + (lo >>> 0);
  aLo = s | 0;
  aHi = (x[b + 1] + hi + (s > 0xffff_ffff ? 1 : 0)) | 0;
  access(i, C.dIdx);
}

/** A prefetch: no architectural effect, never faults. */
export function PRFM(_i: number): void {}

// ---------------------------------------------------------------------------
// Load/store pair (C6.2.130 LDP, C6.2.131 LDPSW, C6.2.321 STP, C6.2.129 LDNP, C6.2.320 STNP).

function pair(i: number, mode: number): void {
  const x = X, opc = i >>> 30, load = (i >>> 22) & 1, n = (i >>> 5) & 31;
  const scale = opc === 2 ? 3 : 2, bytes = 1 << scale;
  const off = ((i << 10) >> 25) * bytes;
  address(n, mode === 1 ? 0 : off); // mode 0 offset, 1 post, 2 pre
  const lo = aLo, hi = aHi;
  const s2 = (lo >>> 0) + bytes;
  const lo2 = s2 | 0, hi2 = s2 > 0xffff_ffff ? (hi + 1) | 0 : hi;
  const t = i & 31, t2 = (i >>> 10) & 31;
  if (load) {
    ldN(lo, hi, bytes, C.dIdx);
    const alo = R64.lo, ahi = R64.hi;
    ldN(lo2, hi2, bytes, C.dIdx);
    const d = WZ[t], d2 = WZ[t2];
    if (opc === 1) {
      x[d] = alo, x[d + 1] = alo >> 31;
      x[d2] = R64.lo, x[d2 + 1] = R64.lo >> 31;
    } else {
      x[d] = alo, x[d + 1] = ahi;
      x[d2] = R64.lo, x[d2 + 1] = R64.hi;
    }
  } else {
    const r = RZ[t], r2 = RZ[t2];
    const v2lo = x[r2], v2hi = x[r2 + 1];
    stN(lo, hi, bytes, x[r], x[r + 1], C.dIdx);
    stN(lo2, hi2, bytes, v2lo, v2hi, C.dIdx);
  }
  if (mode === 2) writeback(n, lo, hi);
  else if (mode === 1) {
    const s = (lo >>> 0) + off;
    writeback(n, s | 0, s < 0 ? (hi - 1) | 0 : s > 0xffff_ffff ? (hi + 1) | 0 : hi);
  }
}

export function LDSTP_off(i: number): void {
  pair(i, 0);
}
export function LDSTP_post(i: number): void {
  pair(i, 1);
}
export function LDSTP_pre(i: number): void {
  pair(i, 2);
}

// ---------------------------------------------------------------------------
// Load register (literal) (C6.2.133 LDR, C6.2.143 LDRSW, C6.2.250 PRFM).

function literal(i: number): void {
  const x = X, off = ((i << 8) >> 13) << 2, s = (x[W.PC] >>> 0) + off;
  aLo = s | 0;
  aHi = s < 0 ? (x[W.PC + 1] - 1) | 0 : s > 0xffff_ffff ? (x[W.PC + 1] + 1) | 0 : x[W.PC + 1];
}

export function LDR_lit(i: number): void {
  literal(i);
  ldN(aLo, aHi, i & 0x4000_0000 ? 8 : 4, C.dIdx);
  const d = WZ[i & 31];
  X[d] = R64.lo;
  X[d + 1] = R64.hi;
}

export function LDRSW_lit(i: number): void {
  literal(i);
  ldN(aLo, aHi, 4, C.dIdx);
  const d = WZ[i & 31];
  X[d] = R64.lo;
  X[d + 1] = R64.lo >> 31;
}

// ---------------------------------------------------------------------------
// Exclusives and acquire/release (C6.2.141 LDXR, C6.2.330 STXR, C6.2.140 LDXP,
// C6.2.329 STXP, C6.2.116 LDAR, C6.2.305 STLR and the B/H/acquire/release variants).

/** Base address of an exclusive/ordered access, which must be aligned to `bytes`. */
function alignedBase(i: number, bytes: number, write: boolean): void {
  address((i >>> 5) & 31, 0);
  if ((aLo & (bytes - 1)) !== 0) dataAbort(FSC.ALIGNMENT, aLo, aHi, write);
}

/** LDXR/LDAXR (all sizes). */
export function LDXR(i: number): void {
  const x = X, bytes = 1 << (i >>> 30);
  alignedBase(i, bytes, false);
  ldN(aLo, aHi, bytes, C.dIdx);
  x[W.EXCL_ADDR] = aLo, x[W.EXCL_ADDR + 1] = aHi;
  x[W.EXCL_VAL] = R64.lo, x[W.EXCL_VAL + 1] = R64.hi;
  x[W.EXCL_SIZE] = bytes;
  const d = WZ[i & 31];
  x[d] = R64.lo, x[d + 1] = R64.hi;
}

/** STXR/STLXR (all sizes): Ws = 0 on success, 1 on failure. */
export function STXR(i: number): void {
  const x = X, bytes = 1 << (i >>> 30);
  alignedBase(i, bytes, true);
  let status = 1;
  if (x[W.EXCL_SIZE] === bytes && x[W.EXCL_ADDR] === aLo && x[W.EXCL_ADDR + 1] === aHi) {
    ldN(aLo, aHi, bytes, C.dIdx);
    if (R64.lo === x[W.EXCL_VAL] && R64.hi === x[W.EXCL_VAL + 1]) {
      const r = RZ[i & 31];
      stN(aLo, aHi, bytes, x[r], x[r + 1], C.dIdx);
      status = 0;
    }
  }
  x[W.EXCL_SIZE] = 0;
  const s = WZ[(i >>> 16) & 31];
  x[s] = status, x[s + 1] = 0;
}

/** LDXP/LDAXP: a pair of words (one 8-byte access) or doublewords (16 bytes). */
export function LDXP(i: number): void {
  const x = X, dbl = (i >>> 30) & 1;
  alignedBase(i, dbl ? 16 : 8, false);
  ldN(aLo, aHi, 8, C.dIdx);
  const lo0 = R64.lo, hi0 = R64.hi;
  let lo1 = 0, hi1 = 0;
  if (dbl) {
    ldN((aLo + 8) | 0, aHi, 8, C.dIdx);
    lo1 = R64.lo, hi1 = R64.hi;
  }
  x[W.EXCL_ADDR] = aLo, x[W.EXCL_ADDR + 1] = aHi;
  x[W.EXCL_VAL] = lo0, x[W.EXCL_VAL + 1] = hi0;
  x[W.EXCL_VAL2] = lo1, x[W.EXCL_VAL2 + 1] = hi1;
  x[W.EXCL_SIZE] = dbl ? 16 : 8;
  const d = WZ[i & 31], d2 = WZ[(i >>> 10) & 31];
  if (dbl) {
    x[d] = lo0, x[d + 1] = hi0, x[d2] = lo1, x[d2 + 1] = hi1;
  } else {
    x[d] = lo0, x[d + 1] = 0, x[d2] = hi0, x[d2 + 1] = 0;
  }
}

/** STXP/STLXP. */
export function STXP(i: number): void {
  const x = X, dbl = (i >>> 30) & 1, bytes = dbl ? 16 : 8;
  alignedBase(i, bytes, true);
  let status = 1;
  if (x[W.EXCL_SIZE] === bytes && x[W.EXCL_ADDR] === aLo && x[W.EXCL_ADDR + 1] === aHi) {
    ldN(aLo, aHi, 8, C.dIdx);
    let same = R64.lo === x[W.EXCL_VAL] && R64.hi === x[W.EXCL_VAL + 1];
    if (same && dbl) {
      ldN((aLo + 8) | 0, aHi, 8, C.dIdx);
      same = R64.lo === x[W.EXCL_VAL2] && R64.hi === x[W.EXCL_VAL2 + 1];
    }
    if (same) {
      const r = RZ[i & 31], r2 = RZ[(i >>> 10) & 31];
      if (dbl) {
        stN(aLo, aHi, 8, x[r], x[r + 1], C.dIdx);
        stN((aLo + 8) | 0, aHi, 8, x[r2], x[r2 + 1], C.dIdx);
      } else stN(aLo, aHi, 8, x[r], x[r2], C.dIdx);
      status = 0;
    }
  }
  x[W.EXCL_SIZE] = 0;
  const s = WZ[(i >>> 16) & 31];
  x[s] = status, x[s + 1] = 0;
}

/** LDAR/LDARB/LDARH: an aligned load with acquire semantics. */
export function LDAR(i: number): void {
  const x = X, bytes = 1 << (i >>> 30);
  alignedBase(i, bytes, false);
  ldN(aLo, aHi, bytes, C.dIdx);
  const d = WZ[i & 31];
  x[d] = R64.lo, x[d + 1] = R64.hi;
}

/** STLR/STLRB/STLRH: an aligned store with release semantics. */
export function STLR(i: number): void {
  const x = X, bytes = 1 << (i >>> 30);
  alignedBase(i, bytes, true);
  const r = RZ[i & 31];
  stN(aLo, aHi, bytes, x[r], x[r + 1], C.dIdx);
}
