/**
 * SIMD&FP loads and stores (Arm ARM C4.1.4, V = 1): LDR/STR of B/H/S/D/Q
 * registers in every addressing mode, LDUR/STUR, LDP/STP/LDNP/STNP of
 * S/D/Q, LDR (literal), and the AdvSIMD structure forms: LD1-LD4/ST1-ST4
 * (multiple structures; LD1/ST1 with 1-4 registers), LD1-LD4/ST1-ST4
 * (single structure, one lane) and LD1R-LD4R. Structure accesses are one
 * access per element, in the pseudocode's order (a store that faults part
 * way leaves the elements before it written).
 *
 * A load writes the whole register: bytes above the loaded width become
 * zero (Arm ARM, V[] assignment); a lane load leaves the other lanes. A
 * 16-byte access is two doubleword accesses (single-copy atomic per 64
 * bits, Arm ARM B2.2.1), alignment-checked as a whole when SCTLR_ELx.A is
 * set. Registers of a load are written only after every access succeeded.
 * Every handler first makes the SIMD&FP access check (fpsimd.ts).
 *
 * @module
 */

import * as bits_ from "./bits.ts";
import * as core_ from "./core.ts";
import * as exc_ from "./exc.ts";
import * as mem_ from "./mem.ts";
import * as mmu_ from "./mmu.ts";
import * as fpsimd_ from "./fpsimd.ts";
import { checkSp } from "./exec_ldst.ts";

const { R64 } = bits_;
const { C, RS, RZ, SR, W, X } = core_;
const { dataAbort } = exc_;
const { ldN, stN } = mem_;
const { FSC } = mmu_;
const { fpCheck } = fpsimd_;

const V0 = W.V0;
let aLo = 0, aHi = 0;
/** Loaded words, written to registers once all accesses are done. */
const T = new Int32Array(16 * 4);
const T8 = new Uint8Array(T.buffer);

/** aLo/aHi = Xn|SP + off. */
function address(n: number, off: number): void {
  const b = RS[n];
  if (n === 31) checkSp(X[b]);
  add(X[b], X[b + 1], off);
}

function add(lo: number, hi: number, off: number): void {
  const s = (lo >>> 0) + off;
  aLo = s | 0;
  aHi = s < 0 ? (hi - 1) | 0 : s > 0xffff_ffff ? (hi + 1) | 0 : hi;
}

function writeback(n: number, lo: number, hi: number, off: number): void {
  const s = (lo >>> 0) + off, b = RS[n];
  X[b] = s | 0;
  X[b + 1] = s < 0 ? (hi - 1) | 0 : s > 0xffff_ffff ? (hi + 1) | 0 : hi;
}

/** Alignment fault for an access of `bytes` > 8 (or an element size) under SCTLR_ELx.A. */
function alignCheck(lo: number, hi: number, bytes: number, write: boolean): void {
  if ((lo & (bytes - 1)) === 0) return;
  const idx = C.dIdx;
  if ((X[idx >= 3 ? SR.SCTLR_EL2 : SR.SCTLR_EL1] >>> 1) & 1) {
    dataAbort(FSC.ALIGNMENT, lo, hi, write);
  }
}

/** Load `bytes` (1..16) at (lo, hi) into T[k..k+4), zero-extended to 16 bytes. */
function load(lo: number, hi: number, bytes: number, k: number): void {
  const t = T;
  if (bytes === 16) {
    alignCheck(lo, hi, 16, false);
    ldN(lo, hi, 8, C.dIdx);
    t[k] = R64.lo, t[k + 1] = R64.hi;
    const s = (lo >>> 0) + 8;
    ldN(s | 0, s > 0xffff_ffff ? (hi + 1) | 0 : hi, 8, C.dIdx);
    t[k + 2] = R64.lo, t[k + 3] = R64.hi;
    return;
  }
  ldN(lo, hi, bytes, C.dIdx);
  t[k] = R64.lo, t[k + 1] = R64.hi, t[k + 2] = 0, t[k + 3] = 0;
}

/** Store the low `bytes` of V`v` at (lo, hi). */
function store(lo: number, hi: number, bytes: number, v: number): void {
  const x = X, w = V0 + (v << 2);
  if (bytes === 16) {
    alignCheck(lo, hi, 16, true);
    stN(lo, hi, 8, x[w], x[w + 1], C.dIdx);
    const s = (lo >>> 0) + 8;
    stN(s | 0, s > 0xffff_ffff ? (hi + 1) | 0 : hi, 8, x[w + 2], x[w + 3], C.dIdx);
    return;
  }
  stN(lo, hi, bytes, x[w], x[w + 1], C.dIdx);
}

/** V`v` = T[k..k+4). */
function put(v: number, k: number): void {
  const x = X, w = V0 + (v << 2), t = T;
  x[w] = t[k], x[w + 1] = t[k + 1], x[w + 2] = t[k + 2], x[w + 3] = t[k + 3];
}

// ---------------------------------------------------------------------------
// Single register (C7.2 LDR/STR (immediate, SIMD&FP), LDUR/STUR, LDR/STR (register, SIMD&FP)).

/** Access size log2 of a single-register SIMD&FP load/store: size, or 4 for Q (opc<1> = 1). */
function scale(i: number): number {
  return (i >>> 23) & 1 ? 4 : i >>> 30;
}

function access(i: number): void {
  const bytes = 1 << scale(i), t = i & 31;
  if ((i >>> 22) & 1) {
    load(aLo, aHi, bytes, 0);
    put(t, 0);
  } else store(aLo, aHi, bytes, t);
}

export function FLDST_uimm(i: number): void {
  fpCheck();
  address((i >>> 5) & 31, ((i >>> 10) & 0xfff) << scale(i));
  access(i);
}

export function FLDST_unscaled(i: number): void {
  fpCheck();
  address((i >>> 5) & 31, (i << 11) >> 23);
  access(i);
}

export function FLDST_pre(i: number): void {
  fpCheck();
  const n = (i >>> 5) & 31;
  address(n, (i << 11) >> 23);
  const lo = aLo, hi = aHi;
  access(i);
  writeback(n, lo, hi, 0);
}

export function FLDST_post(i: number): void {
  fpCheck();
  const n = (i >>> 5) & 31;
  address(n, 0);
  const lo = aLo, hi = aHi;
  access(i);
  writeback(n, lo, hi, (i << 11) >> 23);
}

export function FLDST_reg(i: number): void {
  fpCheck();
  const x = X, m = RZ[(i >>> 16) & 31], option = (i >>> 13) & 7;
  const sh = (i >>> 12) & 1 ? scale(i) : 0;
  let lo = x[m], hi = x[m + 1];
  if (option === 2) hi = 0; // UXTW
  else if (option === 6) hi = lo >> 31; // SXTW
  if (sh) hi = (hi << sh) | (lo >>> (32 - sh)), lo <<= sh;
  const n = (i >>> 5) & 31, b = RS[n];
  if (n === 31) checkSp(x[b]);
  const s = (x[b] >>> 0) + (lo >>> 0);
  aLo = s | 0;
  aHi = (x[b + 1] + hi + (s > 0xffff_ffff ? 1 : 0)) | 0;
  access(i);
}

// ---------------------------------------------------------------------------
// Pairs (C7.2 LDP/STP/LDNP/STNP (SIMD&FP)): opc 00 S, 01 D, 10 Q.

function pair(i: number, mode: number): void {
  fpCheck();
  const bytes = 4 << (i >>> 30), n = (i >>> 5) & 31;
  const off = ((i << 10) >> 25) * bytes;
  address(n, mode === 1 ? 0 : off); // mode 0 offset, 1 post, 2 pre
  const lo = aLo, hi = aHi;
  add(lo, hi, bytes);
  const lo2 = aLo, hi2 = aHi;
  const t = i & 31, t2 = (i >>> 10) & 31;
  if ((i >>> 22) & 1) {
    if (bytes === 16) alignCheck(lo, hi, 16, false);
    load(lo, hi, bytes, 0);
    load(lo2, hi2, bytes, 4);
    put(t, 0);
    put(t2, 4);
  } else {
    if (bytes === 16) alignCheck(lo, hi, 16, true);
    store(lo, hi, bytes, t);
    store(lo2, hi2, bytes, t2);
  }
  if (mode === 2) writeback(n, lo, hi, 0);
  else if (mode === 1) writeback(n, lo, hi, off);
}

export function FLDSTP_off(i: number): void {
  pair(i, 0);
}
export function FLDSTP_post(i: number): void {
  pair(i, 1);
}
export function FLDSTP_pre(i: number): void {
  pair(i, 2);
}

/** C7.2 LDR (literal, SIMD&FP): opc 00 S, 01 D, 10 Q. */
export function FLDR_lit(i: number): void {
  fpCheck();
  const x = X, off = ((i << 8) >> 13) << 2;
  add(x[W.PC], x[W.PC + 1], off);
  load(aLo, aHi, 4 << (i >>> 30), 0);
  put(i & 31, 0);
}

// ---------------------------------------------------------------------------
// AdvSIMD structures (C7.2 LD1/ST1 (multiple structures), LD1/ST1 (single structure), LD1R).

/** Registers of LD1/ST1 (multiple structures) by opcode (bits 15:12). */
const LD1_REGS: Record<number, number> = { 0b0111: 1, 0b1010: 2, 0b0110: 3, 0b0010: 4 };

/** Post-index writeback of a structure access: Rm = 31 means the immediate `bytes`. */
function structWb(i: number, n: number, lo: number, hi: number, bytes: number): void {
  if (!((i >>> 23) & 1)) return;
  const m = (i >>> 16) & 31;
  if (m === 31) return writeback(n, lo, hi, bytes);
  const x = X, r = RZ[m], s = (lo >>> 0) + (x[r] >>> 0), b = RS[n];
  X[b] = s | 0;
  X[b + 1] = (hi + x[r + 1] + (s > 0xffff_ffff ? 1 : 0)) | 0;
}

export function LDST1_multi(i: number): void {
  fpCheck();
  const q = (i >>> 30) & 1, load_ = (i >>> 22) & 1, esize = 1 << ((i >>> 10) & 3);
  const regs = LD1_REGS[(i >>> 12) & 15], bytes = q ? 16 : 8, t = i & 31, n = (i >>> 5) & 31;
  address(n, 0);
  const lo = aLo, hi = aHi;
  alignCheck(lo, hi, esize, !load_);
  if (lo & 7) {
    // Not doubleword aligned: element by element, as the pseudocode accesses memory, so that
    // Device memory (the MMU off) faults only where an element is misaligned.
    ldst1Elements(load_, t, lo, hi, regs, bytes, esize);
    structWb(i, n, lo, hi, regs * bytes);
    return;
  }
  for (let r = 0; r < regs; r++) {
    add(lo, hi, r * bytes);
    if (load_) {
      if (bytes === 16) {
        load(aLo, aHi, 8, 4 * r);
        const l0 = T[4 * r], h0 = T[4 * r + 1];
        add(lo, hi, r * bytes + 8);
        load(aLo, aHi, 8, 4 * r);
        T[4 * r + 2] = T[4 * r], T[4 * r + 3] = T[4 * r + 1];
        T[4 * r] = l0, T[4 * r + 1] = h0;
      } else load(aLo, aHi, 8, 4 * r);
    } else {
      const v = (t + r) & 31, w = V0 + (v << 2);
      stN(aLo, aHi, 8, X[w], X[w + 1], C.dIdx);
      if (bytes === 16) {
        add(lo, hi, r * bytes + 8);
        stN(aLo, aHi, 8, X[w + 2], X[w + 3], C.dIdx);
      }
    }
  }
  if (load_) { for (let r = 0; r < regs; r++) put((t + r) & 31, 4 * r); }
  structWb(i, n, lo, hi, regs * bytes);
}

/**
 * LD1/ST1 (multiple structures): `regs` registers of `bytes` (8 or 16) at
 * (lo, hi), one `esize`-byte element at a time; loads write the registers
 * only after every access succeeded.
 */
function ldst1Elements(
  load_: number,
  t: number,
  lo: number,
  hi: number,
  regs: number,
  bytes: number,
  esize: number,
): void {
  const t8 = T8;
  if (load_) T.fill(0, 0, 4 * regs);
  for (let r = 0; r < regs; r++) {
    const v = (t + r) & 31;
    for (let e = 0; e < bytes; e += esize) {
      add(lo, hi, r * bytes + e);
      if (load_) {
        ldN(aLo, aHi, esize, C.dIdx);
        for (let b = 0; b < esize; b++) {
          t8[16 * r + e + b] = (b < 4 ? R64.lo >>> (8 * b) : R64.hi >>> (8 * (b - 4))) & 0xff;
        }
      } else {
        const w = V0 + (v << 2) + (e >> 2);
        stN(aLo, aHi, esize, esize === 8 ? X[w] : X[w] >>> ((e & 3) * 8), X[w + 1], C.dIdx);
      }
    }
  }
  if (load_) { for (let r = 0; r < regs; r++) put((t + r) & 31, 4 * r); }
}

/** LD1/ST1 (single structure): one lane; index from Q:S:size by element size. */
export function LDST1_lane(i: number): void {
  fpCheck();
  const q = (i >>> 30) & 1, load_ = (i >>> 22) & 1, S = (i >>> 12) & 1, size = (i >>> 10) & 3;
  const opc = (i >>> 14) & 3; // 0 B, 1 H, 2 S/D
  const e = opc === 2 ? (size & 1 ? 3 : 2) : opc;
  const idx = e === 0
    ? (q << 3) | (S << 2) | size
    : e === 1
    ? (q << 2) | (S << 1) | (size >> 1)
    : e === 2
    ? (q << 1) | S
    : q;
  const t = i & 31, n = (i >>> 5) & 31, bytes = 1 << e;
  address(n, 0);
  const lo = aLo, hi = aHi;
  alignCheck(lo, hi, bytes, !load_);
  const off = fpsimd_.vb(t) + idx * bytes, u8 = fpsimd_.U8;
  if (load_) {
    ldN(lo, hi, bytes, C.dIdx);
    let v = R64.lo;
    for (let k = 0; k < bytes; k++) {
      u8[off + k] = v & 0xff;
      v = k === 3 ? R64.hi : v >>> 8;
    }
  } else {
    let vlo = 0, vhi = 0;
    for (let k = Math.min(bytes, 4) - 1; k >= 0; k--) vlo = (vlo << 8) | u8[off + k];
    for (let k = bytes - 1; k >= 4; k--) vhi = (vhi << 8) | u8[off + k];
    stN(lo, hi, bytes, vlo, vhi, C.dIdx);
  }
  structWb(i, n, lo, hi, bytes);
}

/** LD1R: load one element and replicate it to every lane. */
export function LD1R(i: number): void {
  fpCheck();
  const q = (i >>> 30) & 1, e = (i >>> 10) & 3, bytes = 1 << e;
  const t = i & 31, n = (i >>> 5) & 31;
  address(n, 0);
  const lo = aLo, hi = aHi;
  alignCheck(lo, hi, bytes, false);
  ldN(lo, hi, bytes, C.dIdx);
  let wlo = R64.lo, whi = R64.hi;
  if (e === 0) wlo = (wlo & 0xff) * 0x0101_0101, whi = wlo;
  else if (e === 1) wlo = (wlo & 0xffff) * 0x0001_0001, whi = wlo;
  else if (e === 2) whi = wlo;
  const x = X, w = V0 + (t << 2);
  x[w] = wlo, x[w + 1] = whi;
  x[w + 2] = q ? wlo : 0, x[w + 3] = q ? whi : 0;
  structWb(i, n, lo, hi, bytes);
}

// ---------------------------------------------------------------------------
// LD2-LD4/ST2-ST4 (multiple and single structures), LD2R-LD4R: element by
// element (C7.2 LD2 ... ST4; shared/functions "LDn/STn" pseudocode).

/** Register images of a structure load (k * 16 bytes), written once every access is done. */
const SB = new Uint8Array(64);

/** SB[o .. o + bytes) = the loaded element in R64. */
function putElt(o: number, bytes: number): void {
  let v = R64.lo;
  for (let k = 0; k < bytes; k++) {
    SB[o + k] = v & 0xff;
    v = k === 3 ? R64.hi : v >>> 8;
  }
}

/** Store `bytes` of the register block at byte offset o. */
function storeElt(lo: number, hi: number, bytes: number, o: number): void {
  const u8 = fpsimd_.U8;
  let vlo = 0, vhi = 0;
  for (let k = Math.min(bytes, 4) - 1; k >= 0; k--) vlo = (vlo << 8) | u8[o + k];
  for (let k = bytes - 1; k >= 4; k--) vhi = (vhi << 8) | u8[o + k];
  stN(lo, hi, bytes, vlo, vhi, C.dIdx);
}

/** V(t + r) = SB[16r .. 16r + 16) for r < k. */
function putRegs(t: number, k: number): void {
  const u8 = fpsimd_.U8;
  for (let r = 0; r < k; r++) {
    const o = fpsimd_.vb((t + r) & 31);
    for (let b = 0; b < 16; b++) u8[o + b] = SB[16 * r + b];
  }
}

/** Structure elements (opcode, bits 15:12) of LD2/LD3/LD4 (multiple structures). */
const LDN_SELEM: Record<number, number> = { 0b1000: 2, 0b0100: 3, 0b0000: 4 };

/** LD2/LD3/LD4, ST2/ST3/ST4 (multiple structures): element e of V(t+s) at base + (e*k + s)*esize. */
export function LDSTn_multi(i: number): void {
  fpCheck();
  const q = (i >>> 30) & 1, load_ = (i >>> 22) & 1, s = (i >>> 10) & 3, esize = 1 << s;
  const k = LDN_SELEM[(i >>> 12) & 15], el = (q ? 16 : 8) >> s, t = i & 31, n = (i >>> 5) & 31;
  address(n, 0);
  const lo = aLo, hi = aHi;
  alignCheck(lo, hi, esize, !load_);
  if (load_) SB.fill(0);
  let off = 0;
  for (let e = 0; e < el; e++) {
    for (let r = 0; r < k; r++, off += esize) {
      add(lo, hi, off);
      if (load_) {
        ldN(aLo, aHi, esize, C.dIdx);
        putElt(16 * r + e * esize, esize);
      } else storeElt(aLo, aHi, esize, fpsimd_.vb((t + r) & 31) + e * esize);
    }
  }
  if (load_) putRegs(t, k);
  structWb(i, n, lo, hi, k * (q ? 16 : 8));
}

/** Lane element size log2 and index of a single-structure access (Q:S:size by opcode<2:1>). */
function lane(i: number): [number, number] {
  const q = (i >>> 30) & 1, S = (i >>> 12) & 1, size = (i >>> 10) & 3, opc = (i >>> 14) & 3;
  const e = opc === 2 ? (size & 1 ? 3 : 2) : opc;
  const idx = e === 0
    ? (q << 3) | (S << 2) | size
    : e === 1
    ? (q << 2) | (S << 1) | (size >> 1)
    : e === 2
    ? (q << 1) | S
    : q;
  return [e, idx];
}

/** LD2-LD4/ST2-ST4 (single structure): one lane of each of k registers; other lanes kept. */
export function LDSTn_lane(i: number): void {
  fpCheck();
  const load_ = (i >>> 22) & 1, k = ((((i >>> 13) & 1) << 1) | ((i >>> 21) & 1)) + 1;
  const [e, idx] = lane(i), bytes = 1 << e, t = i & 31, n = (i >>> 5) & 31;
  address(n, 0);
  const lo = aLo, hi = aHi;
  alignCheck(lo, hi, bytes, !load_);
  if (load_) {
    const u8 = fpsimd_.U8;
    for (let r = 0; r < k; r++) {
      const o = fpsimd_.vb((t + r) & 31);
      for (let b = 0; b < 16; b++) SB[16 * r + b] = u8[o + b];
    }
  }
  for (let r = 0; r < k; r++) {
    add(lo, hi, r * bytes);
    if (load_) {
      ldN(aLo, aHi, bytes, C.dIdx);
      putElt(16 * r + idx * bytes, bytes);
    } else storeElt(aLo, aHi, bytes, fpsimd_.vb((t + r) & 31) + idx * bytes);
  }
  if (load_) putRegs(t, k);
  structWb(i, n, lo, hi, k * bytes);
}

/** LD2R-LD4R: k consecutive elements, each replicated to every lane of its register. */
export function LDnR(i: number): void {
  fpCheck();
  const q = (i >>> 30) & 1, s = (i >>> 10) & 3, bytes = 1 << s, len = q ? 16 : 8;
  const k = ((((i >>> 13) & 1) << 1) | ((i >>> 21) & 1)) + 1, t = i & 31, n = (i >>> 5) & 31;
  address(n, 0);
  const lo = aLo, hi = aHi;
  alignCheck(lo, hi, bytes, false);
  SB.fill(0);
  for (let r = 0; r < k; r++) {
    add(lo, hi, r * bytes);
    ldN(aLo, aHi, bytes, C.dIdx);
    for (let o = 0; o < len; o += bytes) putElt(16 * r + o, bytes);
  }
  putRegs(t, k);
  structWb(i, n, lo, hi, k * bytes);
}
