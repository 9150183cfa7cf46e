/**
 * Advanced SIMD integer arithmetic beyond exec_simd.ts (Arm ARM C4.1.6,
 * vector and scalar forms): saturating add/subtract/abs/neg/narrow/shift and
 * doubling multiplies (FPSR.QC set when a result saturates, SatQ in the
 * pseudocode), halving adds, shifts by register (SSHL ... UQRSHL), rounding
 * shifts by immediate, narrowing and high-half forms (RSHRN, SQSHRN ...,
 * ADDHN ...), wide and long forms (SADDW, SABAL, SABDL, SHLL ...),
 * polynomial multiplies (PMUL, PMULL 8B), the long and doubling forms by
 * element, and the scalar D forms of the integer compares, ABS and NEG.
 *
 * Bit 28 of every encoding here tells the scalar form (`01U1111x`) from the
 * vector one (`0QU0111x`): a scalar operates on element 0 only and zeroes
 * the rest of Vd. Lanes are bigint, exact for any element size; a result is
 * built in exec_simd.ts's scratch vector, so Vd may be a source.
 *
 * @module
 */

import * as core_ from "./core.ts";
import * as fpsimd_ from "./fpsimd.ts";
import * as simd_ from "./exec_simd.ts";

const { W, X } = core_;
const { fpCheck } = fpsimd_;
const { clearT, es, eu, loadT, te, writeT } = simd_;

/** FPSR.QC, the cumulative saturation bit (Arm ARM C5.2.10). */
const QC = 1 << 27;

/** Signed and unsigned bounds by element size log2. */
const SMAX = [0x7fn, 0x7fffn, 0x7fff_ffffn, 0x7fff_ffff_ffff_ffffn];
const UMAX = [0xffn, 0xffffn, 0xffff_ffffn, 0xffff_ffff_ffff_ffffn];

/** SatQ(v, esize, unsigned): clamp to the element range, setting FPSR.QC when it clamps. */
function sat(v: bigint, s: number, uns: boolean | number): bigint {
  const hi = uns ? UMAX[s] : SMAX[s], lo = uns ? 0n : -SMAX[s] - 1n;
  if (v > hi) {
    X[W.FPSR] |= QC;
    return hi;
  }
  if (v < lo) {
    X[W.FPSR] |= QC;
    return lo;
  }
  return v;
}

const f = (i: number) => ({
  d: i & 31,
  n: (i >>> 5) & 31,
  m: (i >>> 16) & 31,
  q: (i >>> 28) & 1 ? 0 : (i >>> 30) & 1,
  s: (i >>> 22) & 3,
  u: (i >>> 29) & 1,
  scalar: (i >>> 28) & 1,
});

/** Elements of a same-size operation. */
function count(scalar: number, q: number, s: number): number {
  return scalar ? 1 : (q ? 16 : 8) >> s;
}

/** Carry-less product of two 8-bit values (PMUL, PMULL). */
function pmul8(a: number, b: number): number {
  let r = 0;
  for (let k = 0; k < 8; k++) if ((b >> k) & 1) r ^= a << k;
  return r;
}

/** Shift by a signed amount: left when sh >= 0, arithmetic right otherwise; rounding adds half. */
function shiftBy(a: bigint, sh: number, round: boolean): bigint {
  if (sh >= 0) return a << BigInt(sh);
  const r = BigInt(-sh);
  return round ? (a + (1n << (r - 1n))) >> r : a >> r;
}

// ---------------------------------------------------------------------------
// Three same: [SU]HADD [SU]RHADD [SU]HSUB [SU]QADD [SU]QSUB [SU]SHL [SU]QSHL
// [SU]RSHL [SU]QRSHL SQDMULH SQRDMULH PMUL; scalar CMxx/CMTST (D).

export function SIMD_3same_x(i: number): void {
  fpCheck();
  const { d, n, m, q, s, u, scalar } = f(i), opc = (i >>> 11) & 31, el = count(scalar, q, s);
  const get = u && opc !== 0b10110 ? eu : es, esize = 8 << s;
  if (scalar) clearT();
  for (let e = 0; e < el; e++) {
    const a = get(n, e, s), b = get(m, e, s);
    let r: bigint;
    switch (opc) {
      case 0b00000: // [SU]HADD
        r = (a + b) >> 1n;
        break;
      case 0b00010: // [SU]RHADD
        r = (a + b + 1n) >> 1n;
        break;
      case 0b00100: // [SU]HSUB
        r = (a - b) >> 1n;
        break;
      case 0b00001: // [SU]QADD
        r = sat(a + b, s, u);
        break;
      case 0b00101: // [SU]QSUB
        r = sat(a - b, s, u);
        break;
      case 0b00110: // CMGT / CMHI
        r = a > b ? -1n : 0n;
        break;
      case 0b00111: // CMGE / CMHS
        r = a >= b ? -1n : 0n;
        break;
      case 0b10001: // CMTST / CMEQ
        r = u ? (a === b ? -1n : 0n) : (a & b) !== 0n ? -1n : 0n;
        break;
      case 0b10110: { // SQDMULH / SQRDMULH
        const p = 2n * a * b + (u ? 1n << BigInt(esize - 1) : 0n);
        r = sat(p >> BigInt(esize), s, false);
        break;
      }
      case 0b10011: // PMUL
        r = BigInt(pmul8(Number(a), Number(b)) & 0xff);
        break;
      default: { // [SU][Q][R]SHL: bit 0 saturating, bit 1 rounding
        const v = shiftBy(a, Number(BigInt.asIntN(8, b)), (opc & 2) !== 0);
        r = opc & 1 ? sat(v, s, u) : v;
      }
    }
    te(e, s, r);
  }
  writeT(d, q);
}

// ---------------------------------------------------------------------------
// Two-register miscellaneous: SUQADD USQADD SQABS SQNEG [SU]ADALP SQXTN UQXTN
// SQXTUN SHLL; scalar CMxx #0, ABS, NEG (D).

export function SIMD_2misc_x(i: number): void {
  fpCheck();
  const { d, n, q, s, u, scalar } = f(i), opc = (i >>> 12) & 31;
  if (opc === 0b10010 || opc === 0b10100) { // SQXTUN, SQXTN, UQXTN: narrow to size s
    const el = scalar ? 1 : 8 >> s;
    if (scalar) clearT();
    else loadT(d);
    for (let e = 0; e < el; e++) {
      const a = u && opc === 0b10100 ? eu(n, e, s + 1) : es(n, e, s + 1);
      te(q * el + e, s, sat(a, s, u));
    }
    writeT(d, q);
    return;
  }
  if (opc === 0b10011) { // SHLL: widen a half, shift left by the element size
    const el = 8 >> s;
    for (let e = 0; e < el; e++) te(e, s + 1, eu(n, q * el + e, s) << BigInt(8 << s));
    writeT(d, 1);
    return;
  }
  if (opc === 0b00110) { // [SU]ADALP: add pairs into the double-width accumulator
    const el = (q ? 16 : 8) >> (s + 1), get = u ? eu : es;
    for (let e = 0; e < el; e++) {
      te(e, s + 1, eu(d, e, s + 1) + get(n, 2 * e, s) + get(n, 2 * e + 1, s));
    }
    writeT(d, q);
    return;
  }
  const el = count(scalar, q, s);
  if (scalar) clearT();
  for (let e = 0; e < el; e++) {
    let r: bigint;
    switch (opc) {
      case 0b00011: // SUQADD (signed Vd + unsigned Vn) / USQADD (unsigned Vd + signed Vn)
        r = u ? sat(eu(d, e, s) + es(n, e, s), s, true) : sat(es(d, e, s) + eu(n, e, s), s, false);
        break;
      case 0b00111: { // SQABS / SQNEG
        const a = es(n, e, s);
        r = sat(u ? -a : a < 0n ? -a : a, s, false);
        break;
      }
      default: {
        const a = es(n, e, s);
        if (opc === 0b01011) r = u ? -a : a < 0n ? -a : a; // NEG / ABS
        else if (opc === 0b01000) r = (u ? a >= 0n : a > 0n) ? -1n : 0n; // CMGE / CMGT #0
        else if (opc === 0b01001) r = (u ? a <= 0n : a === 0n) ? -1n : 0n; // CMLE / CMEQ #0
        else r = a < 0n ? -1n : 0n; // CMLT #0
      }
    }
    te(e, s, r);
  }
  writeT(d, q);
}

// ---------------------------------------------------------------------------
// Shift by immediate: [SU]RSHR [SU]RSRA SQSHLU [SU]QSHL RSHRN SQSHRUN
// SQRSHRUN [SU]QSHRN [SU]QRSHRN.

export function SIMD_shimm_x(i: number): void {
  fpCheck();
  const { d, n, q, u, scalar } = f(i), opc = (i >>> 11) & 31;
  const immh = (i >>> 19) & 15, v = (immh << 3) | ((i >>> 16) & 7);
  const s = 31 - Math.clz32(immh), esize = 8 << s;
  if (opc >= 0b10000) { // narrowing: source elements 2*esize, shift right
    const el = scalar ? 1 : 8 >> s, sh = BigInt(2 * esize - v), round = opc & 1;
    // 10000 U1 SQSHRUN, 10001 U0 RSHRN / U1 SQRSHRUN, 1001x [SU]Q[R]SHRN
    const srcU = u && opc >= 0b10010, dstU = u, satur = u || opc >= 0b10010;
    if (scalar) clearT();
    else loadT(d);
    for (let e = 0; e < el; e++) {
      const a = srcU ? eu(n, e, s + 1) : es(n, e, s + 1);
      const r = (a + (round ? 1n << (sh - 1n) : 0n)) >> sh;
      te(q * el + e, s, satur ? sat(r, s, dstU) : r);
    }
    writeT(d, q);
    return;
  }
  const el = count(scalar, q, s);
  if (scalar) clearT();
  for (let e = 0; e < el; e++) {
    let r: bigint;
    if (opc >= 0b01100) { // SQSHLU (U1 01100), SQSHL / UQSHL (01110)
      const left = BigInt(v - esize), srcU = u && opc === 0b01110;
      r = sat((srcU ? eu(n, e, s) : es(n, e, s)) << left, s, u);
    } else { // [SU]RSHR (00100), [SU]RSRA (00110)
      const right = BigInt(2 * esize - v), a = u ? eu(n, e, s) : es(n, e, s);
      r = (a + (1n << (right - 1n))) >> right;
      if (opc === 0b00110) r += eu(d, e, s);
    }
    te(e, s, r);
  }
  writeT(d, q);
}

// ---------------------------------------------------------------------------
// Three different: [SU]ADDW [SU]SUBW [R]ADDHN [R]SUBHN [SU]ABAL [SU]ABDL
// SQDMLAL SQDMLSL SQDMULL PMULL (8B).

/** SQDMULL/SQDMLAL/SQDMLSL on one element pair: `acc` is Vd's element or null. */
function sqdml(a: bigint, b: bigint, s: number, acc: bigint | null, sub: boolean): bigint {
  const p = sat(2n * a * b, s + 1, false);
  return acc === null ? p : sat(sub ? acc - p : acc + p, s + 1, false);
}

export function SIMD_3diff_x(i: number): void {
  fpCheck();
  const { d, n, m, s, u, scalar } = f(i), opc = (i >>> 12) & 15;
  const q = scalar ? 0 : (i >>> 30) & 1, el = scalar ? 1 : 8 >> s, get = u ? eu : es;
  const esize = 8 << s;
  if (opc === 0b0100 || opc === 0b0110) { // [R]ADDHN, [R]SUBHN: high halves into half of Vd
    loadT(d);
    const round = u ? 1n << BigInt(esize - 1) : 0n;
    for (let e = 0; e < el; e++) {
      const a = eu(n, e, s + 1), b = eu(m, e, s + 1);
      te(q * el + e, s, ((opc === 0b0100 ? a + b : a - b) + round) >> BigInt(esize));
    }
    writeT(d, q);
    return;
  }
  if (scalar) clearT();
  for (let e = 0; e < el; e++) {
    const b = get(m, q * el + e, s);
    let r: bigint;
    if (opc === 0b0001) r = get(n, e, s + 1) + b; // [SU]ADDW
    else if (opc === 0b0011) r = get(n, e, s + 1) - b; // [SU]SUBW
    else {
      const a = get(n, q * el + e, s), ad = a > b ? a - b : b - a;
      switch (opc) {
        case 0b0101: // [SU]ABAL
          r = eu(d, e, s + 1) + ad;
          break;
        case 0b0111: // [SU]ABDL
          r = ad;
          break;
        case 0b1110: // PMULL (8B -> 8H)
          r = BigInt(pmul8(Number(a) & 0xff, Number(b) & 0xff));
          break;
        case 0b1101: // SQDMULL
          r = sqdml(a, b, s, null, false);
          break;
        default: // SQDMLAL (1001), SQDMLSL (1011)
          r = sqdml(a, b, s, es(d, e, s + 1), opc === 0b1011);
      }
    }
    te(e, s + 1, r);
  }
  writeT(d, scalar ? 0 : 1);
}

// ---------------------------------------------------------------------------
// By element: [SU]MLAL [SU]MLSL [SU]MULL SQDMLAL SQDMLSL SQDMULL SQDMULH
// SQRDMULH (vector and scalar).

export function SIMD_elt_x(i: number): void {
  fpCheck();
  const { d, n, s, u, scalar } = f(i), opc = (i >>> 12) & 15;
  const H = (i >>> 11) & 1, L = (i >>> 21) & 1, M = (i >>> 20) & 1, mlo = (i >>> 16) & 15;
  const idx = s === 1 ? (H << 2) | (L << 1) | M : (H << 1) | L;
  const m = s === 1 ? mlo : (M << 4) | mlo, q = scalar ? 0 : (i >>> 30) & 1;
  const get = u ? eu : es, b = get(m, idx, s);
  if (scalar) clearT();
  if (opc >= 0b1100) { // SQDMULH, SQRDMULH: same-size
    const el = count(scalar, q, s), esize = 8 << s;
    for (let e = 0; e < el; e++) {
      const p = 2n * es(n, e, s) * b + (opc & 1 ? 1n << BigInt(esize - 1) : 0n);
      te(e, s, sat(p >> BigInt(esize), s, false));
    }
    writeT(d, q);
    return;
  }
  const el = scalar ? 1 : 8 >> s;
  for (let e = 0; e < el; e++) {
    const a = get(n, q * el + e, s);
    let r: bigint;
    switch (opc) {
      case 0b0010: // [SU]MLAL
        r = eu(d, e, s + 1) + a * b;
        break;
      case 0b0110: // [SU]MLSL
        r = eu(d, e, s + 1) - a * b;
        break;
      case 0b1010: // [SU]MULL
        r = a * b;
        break;
      case 0b1011: // SQDMULL
        r = sqdml(a, b, s, null, false);
        break;
      default: // SQDMLAL (0011), SQDMLSL (0111)
        r = sqdml(a, b, s, es(d, e, s + 1), opc === 0b0111);
    }
    te(e, s + 1, r);
  }
  writeT(d, scalar ? 0 : 1);
}
