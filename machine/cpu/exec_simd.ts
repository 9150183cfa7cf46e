/**
 * Advanced SIMD integer data processing and moves (Arm ARM C4.1.6 "Data
 * Processing -- Scalar Floating-Point and Advanced SIMD", the integer
 * groups): three same, two-register miscellaneous, across lanes, copy
 * (DUP/INS/UMOV/SMOV), permute, EXT, TBL/TBX, modified immediate, shift by
 * immediate, three different (long), and their scalar forms that compilers
 * emit. FMOV between general and SIMD&FP registers is here too.
 *
 * Lanes are read and written through typed-array views of the register
 * block (fpsimd.ts); arithmetic on lanes is in bigint (exact for every
 * element size), the bitwise whole-register operations in 32-bit words.
 * A result is built in a scratch vector and then written, so a destination
 * may be a source. A 64-bit arrangement (Q = 0) zeroes bits 127:64.
 *
 * @module
 */

import * as core_ from "./core.ts";
import * as fpsimd_ from "./fpsimd.ts";

const { RZ, W, WZ, X } = core_;
const { fpCheck, vb } = fpsimd_;

const V0 = W.V0;
/** The register block's bytes (V registers at vb(n)). */
const B = fpsimd_.U8;
/** Scratch result vector (16 bytes) and its views. */
const TB = new ArrayBuffer(16);
const T8 = new Uint8Array(TB), T16 = new Uint16Array(TB), T32 = new Uint32Array(TB);
const T64 = new BigUint64Array(TB);
const R8 = B, R16 = fpsimd_.U16, R32 = fpsimd_.U32, R64 = fpsimd_.U64;

const MASK = [0xffn, 0xffffn, 0xffff_ffffn, 0xffff_ffff_ffff_ffffn];

/** Unsigned element e (size log2 bytes s) of Vn. */
export function eu(n: number, e: number, s: number): bigint {
  const o = vb(n) >> s;
  return s === 0
    ? BigInt(R8[o + e])
    : s === 1
    ? BigInt(R16[o + e])
    : s === 2
    ? BigInt(R32[o + e])
    : R64[o + e];
}

/** Signed element. */
export function es(n: number, e: number, s: number): bigint {
  return BigInt.asIntN(8 << s, eu(n, e, s));
}

/** Set element e of the scratch vector (truncating). */
export function te(e: number, s: number, v: bigint): void {
  const u = v & MASK[s];
  if (s === 0) T8[e] = Number(u);
  else if (s === 1) T16[e] = Number(u);
  else if (s === 2) T32[e] = Number(u);
  else T64[e] = u;
}

/** Vd = scratch; bits 127:64 zeroed unless `q`. */
export function writeT(d: number, q: number): void {
  const w = V0 + (d << 2), x = X;
  x[w] = T32[0], x[w + 1] = T32[1];
  x[w + 2] = q ? T32[2] : 0, x[w + 3] = q ? T32[3] : 0;
}

/** Scratch = Vd (narrowing "2" forms keep the other half). */
export function loadT(d: number): void {
  const o = vb(d);
  for (let k = 0; k < 16; k++) T8[k] = B[o + k];
}

/** Scratch = 0. */
export function clearT(): void {
  T32[0] =
    T32[1] =
    T32[2] =
    T32[3] =
      0;
}

const f = (i: number) => ({
  d: i & 31,
  n: (i >>> 5) & 31,
  m: (i >>> 16) & 31,
  q: (i >>> 30) & 1,
  s: (i >>> 22) & 3,
  u: (i >>> 29) & 1,
});

// ---------------------------------------------------------------------------
// Three same (integer): C4.1.6 "Advanced SIMD three same".

type Op2 = (a: bigint, b: bigint, s: number, d: bigint) => bigint;

const TS: Record<number, Op2> = {
  // key: U << 5 | opcode
  [0b0_00110]: (a, b) => (a > b ? -1n : 0n), // CMGT (signed operands)
  [0b1_00110]: (a, b) => (a > b ? -1n : 0n), // CMHI (unsigned)
  [0b0_00111]: (a, b) => (a >= b ? -1n : 0n), // CMGE
  [0b1_00111]: (a, b) => (a >= b ? -1n : 0n), // CMHS
  [0b0_01100]: (a, b) => (a > b ? a : b), // SMAX
  [0b1_01100]: (a, b) => (a > b ? a : b), // UMAX
  [0b0_01101]: (a, b) => (a < b ? a : b), // SMIN
  [0b1_01101]: (a, b) => (a < b ? a : b), // UMIN
  [0b0_01110]: (a, b) => (a > b ? a - b : b - a), // SABD
  [0b1_01110]: (a, b) => (a > b ? a - b : b - a), // UABD
  [0b0_01111]: (a, b, _s, d) => d + (a > b ? a - b : b - a), // SABA
  [0b1_01111]: (a, b, _s, d) => d + (a > b ? a - b : b - a), // UABA
  [0b0_10000]: (a, b) => a + b, // ADD
  [0b1_10000]: (a, b) => a - b, // SUB
  [0b0_10001]: (a, b) => ((a & b) !== 0n ? -1n : 0n), // CMTST
  [0b1_10001]: (a, b) => (a === b ? -1n : 0n), // CMEQ
  [0b0_10010]: (a, b, _s, d) => d + a * b, // MLA
  [0b1_10010]: (a, b, _s, d) => d - a * b, // MLS
  [0b0_10011]: (a, b) => a * b, // MUL
};
/** Three-same opcodes whose operands are signed. */
const SIGNED = new Set([0b0_00110, 0b0_00111, 0b0_01100, 0b0_01101, 0b0_01110, 0b0_01111]);
/** Opcodes that read the destination (accumulate). */
const ACC = new Set([0b0_01111, 0b1_01111, 0b0_10010, 0b1_10010]);

/** ADD/SUB/MUL/MLA/MLS/CMxx/[SU]MAX/[SU]MIN/[SU]ABD/[SU]ABA (vector). */
export function SIMD_3same(i: number): void {
  fpCheck();
  const { d, n, m, q, s, u } = f(i), op = (u << 5) | ((i >>> 11) & 31);
  const fn = TS[op], el = (q ? 16 : 8) >> s, get = SIGNED.has(op) ? es : eu, acc = ACC.has(op);
  for (let e = 0; e < el; e++) te(e, s, fn(get(n, e, s), get(m, e, s), s, acc ? eu(d, e, s) : 0n));
  writeT(d, q);
}

/** Pairwise: ADDP, [SU]MAXP, [SU]MINP (vector): lanes of Vn:Vm concatenated, pairs summed. */
export function SIMD_pairwise(i: number): void {
  fpCheck();
  const { d, n, m, q, s, u } = f(i), opc = (i >>> 11) & 31;
  const el = (q ? 16 : 8) >> s, get = u ? eu : es;
  const pick = (k: number) => (k < el ? get(n, k, s) : get(m, k - el, s));
  for (let e = 0; e < el; e++) {
    const a = pick(2 * e), b = pick(2 * e + 1);
    te(e, s, opc === 0b10111 ? a + b : opc === 0b10100 ? (a > b ? a : b) : a < b ? a : b);
  }
  writeT(d, q);
}

/** ADD/SUB (scalar, D registers). */
export function SIMD_addsub_d(i: number): void {
  fpCheck();
  const { d, n, m, u } = f(i);
  clearT();
  T64[0] = BigInt.asUintN(64, u ? eu(n, 0, 3) - eu(m, 0, 3) : eu(n, 0, 3) + eu(m, 0, 3));
  writeT(d, 0);
}

/** ADDP (scalar): Dd = Vn.D[0] + Vn.D[1]. */
export function ADDP_scalar(i: number): void {
  fpCheck();
  const { d, n } = f(i);
  clearT();
  T64[0] = BigInt.asUintN(64, eu(n, 0, 3) + eu(n, 1, 3));
  writeT(d, 0);
}

/** AND/BIC/ORR/ORN/EOR/BSL/BIT/BIF (vector): on 32-bit words. */
export function SIMD_logic(i: number): void {
  fpCheck();
  const { d, n, m, q, u } = f(i), opc = (u << 2) | ((i >>> 22) & 3), x = X;
  const wd = V0 + (d << 2), wn = V0 + (n << 2), wm = V0 + (m << 2);
  for (let k = 0; k < 4; k++) {
    const a = x[wn + k], b = x[wm + k], c = x[wd + k];
    let r: number;
    switch (opc) {
      case 0:
        r = a & b;
        break;
      case 1:
        r = a & ~b;
        break;
      case 2:
        r = a | b;
        break;
      case 3:
        r = a | ~b;
        break;
      case 4:
        r = a ^ b;
        break;
      case 5:
        r = (c & a) | (~c & b); // BSL
        break;
      case 6:
        r = (c & ~b) | (a & b); // BIT
        break;
      default:
        r = (c & b) | (a & ~b); // BIF
    }
    T32[k] = r;
  }
  writeT(d, q);
}

// ---------------------------------------------------------------------------
// Two-register miscellaneous.

function popcount(v: number): number {
  v = v - ((v >> 1) & 0x55);
  v = (v & 0x33) + ((v >> 2) & 0x33);
  return (v + (v >> 4)) & 0x0f;
}

function clz(v: bigint, bits: number): bigint {
  let k = 0;
  for (let b = bits - 1; b >= 0 && ((v >> BigInt(b)) & 1n) === 0n; b--) k++;
  return BigInt(k);
}

/** REV16/REV32/REV64: reverse elements within 16/32/64-bit containers. */
export function SIMD_rev(i: number): void {
  fpCheck();
  const { d, n, q, s, u } = f(i), op = (i >>> 12) & 1;
  const cont = op ? 1 : u ? 2 : 3; // container log2 bytes: REV16, REV32, REV64
  const per = 1 << (cont - s), el = (q ? 16 : 8) >> s;
  for (let e = 0; e < el; e++) {
    const base = e - (e % per);
    te(base + per - 1 - (e % per), s, eu(n, e, s));
  }
  writeT(d, q);
}

/** CNT, NOT, RBIT, CLS, CLZ, ABS, NEG, CMxx #0 (vector). */
export function SIMD_misc(i: number): void {
  fpCheck();
  const { d, n, q, u } = f(i), opc = (u << 5) | ((i >>> 12) & 31);
  const s = opc === 0b1_00101 ? 0 : f(i).s; // NOT/RBIT: size selects the operation, bytes
  const el = (q ? 16 : 8) >> s, bits = 8 << s;
  for (let e = 0; e < el; e++) {
    const a = es(n, e, s);
    let r: bigint;
    switch (opc) {
      case 0b0_00101: // CNT
        r = BigInt(popcount(Number(a & 0xffn)));
        break;
      case 0b1_00101:
        if (((i >>> 22) & 3) === 0) r = ~a; // NOT
        else { // RBIT (bytes)
          let v = Number(a & 0xffn), o = 0;
          for (let b = 0; b < 8; b++) o |= ((v >> b) & 1) << (7 - b);
          v = o;
          r = BigInt(v);
        }
        break;
      case 0b0_00100: // CLS
        r = clz(a < 0n ? ~a & MASK[s] : a & MASK[s], bits) - 1n;
        break;
      case 0b1_00100: // CLZ
        r = clz(a & MASK[s], bits);
        break;
      case 0b0_01011: // ABS
        r = a < 0n ? -a : a;
        break;
      case 0b1_01011: // NEG
        r = -a;
        break;
      case 0b0_01000: // CMGT #0
        r = a > 0n ? -1n : 0n;
        break;
      case 0b1_01000: // CMGE #0
        r = a >= 0n ? -1n : 0n;
        break;
      case 0b0_01001: // CMEQ #0
        r = a === 0n ? -1n : 0n;
        break;
      case 0b1_01001: // CMLE #0
        r = a <= 0n ? -1n : 0n;
        break;
      default: // CMLT #0
        r = a < 0n ? -1n : 0n;
    }
    te(e, s, r);
  }
  writeT(d, q);
}

/** XTN/XTN2: narrow each element of Vn to half width into the lower/upper half of Vd. */
export function XTN(i: number): void {
  fpCheck();
  const { d, n, q, s } = f(i), el = 8 >> s;
  for (let k = 0; k < 16; k++) T8[k] = B[vb(d) + k];
  for (let e = 0; e < el; e++) te(q * el + e, s, eu(n, e, s + 1));
  writeT(d, q);
}

/** SADDLP/UADDLP: add adjacent pairs into double-width elements. */
export function ADDLP(i: number): void {
  fpCheck();
  const { d, n, q, s, u } = f(i), el = (q ? 16 : 8) >> (s + 1), get = u ? eu : es;
  for (let e = 0; e < el; e++) te(e, s + 1, get(n, 2 * e, s) + get(n, 2 * e + 1, s));
  writeT(d, q);
}

// ---------------------------------------------------------------------------
// Across lanes: ADDV, [SU]MAXV, [SU]MINV, [SU]ADDLV.

export function SIMD_across(i: number): void {
  fpCheck();
  const { d, n, q, s, u } = f(i), opc = (i >>> 12) & 31, el = (q ? 16 : 8) >> s;
  const get = u || opc === 0b11011 ? eu : es;
  let acc = get(n, 0, s);
  for (let e = 1; e < el; e++) {
    const v = get(n, e, s);
    if (opc === 0b11011 || opc === 0b00011) acc += v;
    else if (opc === 0b01010) acc = v > acc ? v : acc;
    else acc = v < acc ? v : acc;
  }
  clearT();
  te(0, opc === 0b00011 ? s + 1 : s, acc);
  writeT(d, 0);
}

// ---------------------------------------------------------------------------
// Copy: DUP (element, general), INS (element, general), UMOV, SMOV.

function lsb(v: number): number {
  return 31 - Math.clz32(v & -v);
}

export function DUP_elt(i: number): void {
  fpCheck();
  const { d, n, q } = f(i), imm5 = (i >>> 16) & 31, s = lsb(imm5);
  const v = eu(n, imm5 >> (s + 1), s), el = (q ? 16 : 8) >> s;
  for (let e = 0; e < el; e++) te(e, s, v);
  writeT(d, q);
}

/** DUP (element, scalar): `mov s0, v1.s[1]`. */
export function DUP_scalar(i: number): void {
  fpCheck();
  const { d, n } = f(i), imm5 = (i >>> 16) & 31, s = lsb(imm5);
  clearT();
  te(0, s, eu(n, imm5 >> (s + 1), s));
  writeT(d, 0);
}

function gpr(n: number): bigint {
  const r = RZ[n];
  return (BigInt(X[r + 1] >>> 0) << 32n) | BigInt(X[r] >>> 0);
}

function setGpr(d: number, v: bigint): void {
  const w = WZ[d];
  X[w] = Number(v & 0xffff_ffffn) | 0;
  X[w + 1] = Number((v >> 32n) & 0xffff_ffffn) | 0;
}

export function DUP_gen(i: number): void {
  fpCheck();
  const { d, n, q } = f(i), s = lsb((i >>> 16) & 31), v = gpr(n), el = (q ? 16 : 8) >> s;
  for (let e = 0; e < el; e++) te(e, s, v);
  writeT(d, q);
}

/** Set element e (size s) of Vd in place. */
function setElt(d: number, e: number, s: number, v: bigint): void {
  const o = vb(d) >> s, u = v & MASK[s];
  if (s === 0) R8[o + e] = Number(u);
  else if (s === 1) R16[o + e] = Number(u);
  else if (s === 2) R32[o + e] = Number(u);
  else R64[o + e] = u;
}

export function INS_gen(i: number): void {
  fpCheck();
  const { d, n } = f(i), imm5 = (i >>> 16) & 31, s = lsb(imm5);
  setElt(d, imm5 >> (s + 1), s, gpr(n));
}

export function INS_elt(i: number): void {
  fpCheck();
  const { d, n } = f(i), imm5 = (i >>> 16) & 31, imm4 = (i >>> 11) & 15, s = lsb(imm5);
  setElt(d, imm5 >> (s + 1), s, eu(n, imm4 >> s, s));
}

export function UMOV(i: number): void {
  fpCheck();
  const { d, n } = f(i), imm5 = (i >>> 16) & 31, s = lsb(imm5);
  setGpr(d, eu(n, imm5 >> (s + 1), s));
}

export function SMOV(i: number): void {
  fpCheck();
  const { d, n, q } = f(i), imm5 = (i >>> 16) & 31, s = lsb(imm5);
  const v = es(n, imm5 >> (s + 1), s);
  setGpr(d, q ? BigInt.asUintN(64, v) : BigInt.asUintN(32, v));
}

// ---------------------------------------------------------------------------
// Permute, EXT, TBL/TBX.

export function SIMD_permute(i: number): void {
  fpCheck();
  const { d, n, m, q, s } = f(i), opc = (i >>> 12) & 7, el = (q ? 16 : 8) >> s;
  const part = opc >> 2, half = el >> 1;
  const cat = (k: number) => (k < el ? eu(n, k, s) : eu(m, k - el, s));
  for (let e = 0; e < el; e++) {
    let v: bigint;
    switch (opc & 3) {
      case 1: // UZP
        v = cat(2 * e + part);
        break;
      case 2: // TRN
        v = e & 1 ? eu(m, (e & ~1) + part, s) : eu(n, (e & ~1) + part, s);
        break;
      default: // ZIP
        v = e & 1 ? eu(m, part * half + (e >> 1), s) : eu(n, part * half + (e >> 1), s);
    }
    te(e, s, v);
  }
  writeT(d, q);
}

export function EXT(i: number): void {
  fpCheck();
  const { d, n, m, q } = f(i), pos = (i >>> 11) & 15, len = q ? 16 : 8;
  for (let k = 0; k < len; k++) {
    const j = k + pos;
    T8[k] = j < len ? B[vb(n) + j] : B[vb(m) + j - len];
  }
  writeT(d, q);
}

/** TBL/TBX: table of len + 1 registers from Vn; out-of-range indexes give 0 (TBL) or keep Vd (TBX). */
export function TBL(i: number): void {
  fpCheck();
  const { d, n, m, q } = f(i), regs = ((i >>> 13) & 3) + 1, tbx = (i >>> 12) & 1;
  const len = q ? 16 : 8;
  for (let k = 0; k < len; k++) {
    const idx = B[vb(m) + k];
    T8[k] = idx < 16 * regs ? B[vb((n + (idx >> 4)) & 31) + (idx & 15)] : tbx ? B[vb(d) + k] : 0;
  }
  writeT(d, q);
}

// ---------------------------------------------------------------------------
// Modified immediate: MOVI/MVNI/ORR/BIC (vector, immediate), FMOV (vector, immediate).

/** AdvSIMDExpandImm(op, cmode, imm8) as two 32-bit words [lo, hi] of the 64-bit pattern. */
export function expandImm(op: number, cmode: number, imm8: number): [number, number] {
  let w: number;
  switch (cmode >> 1) {
    case 0:
    case 1:
    case 2:
    case 3:
      w = imm8 << (8 * (cmode >> 1));
      return [w, w];
    case 4:
    case 5:
      w = imm8 << (8 * ((cmode >> 1) & 1));
      w = w | (w << 16);
      return [w, w];
    case 6:
      w = cmode & 1 ? (imm8 << 16) | 0xffff : (imm8 << 8) | 0xff;
      return [w, w];
  }
  if (!(cmode & 1)) {
    if (!op) {
      w = imm8 * 0x0101_0101;
      return [w | 0, w | 0];
    }
    let lo = 0, hi = 0;
    for (let k = 0; k < 4; k++) {
      if ((imm8 >> k) & 1) lo |= 0xff << (8 * k);
      if ((imm8 >> (k + 4)) & 1) hi |= 0xff << (8 * k);
    }
    return [lo, hi];
  }
  // cmode 1111: FMOV immediate; op 0 single (two copies), op 1 double.
  const a = imm8 >> 7, b = (imm8 >> 6) & 1, cdefgh = imm8 & 0x3f;
  if (!op) {
    w = (a << 31) | ((b ^ 1) << 30) | ((b ? 0x1f : 0) << 25) | (cdefgh << 19);
    return [w, w];
  }
  return [0, (a << 31) | ((b ^ 1) << 30) | ((b ? 0xff : 0) << 22) | (cdefgh << 16)];
}

export function SIMD_modimm(i: number): void {
  fpCheck();
  const d = i & 31, q = (i >>> 30) & 1, op = (i >>> 29) & 1, cmode = (i >>> 12) & 15;
  const imm8 = (((i >>> 16) & 7) << 5) | ((i >>> 5) & 31);
  const [lo, hi] = expandImm(op, cmode, imm8);
  const x = X, w = V0 + (d << 2);
  const orr = (cmode & 1) === 1 && cmode < 12, inv = op === 1 && cmode < 14;
  for (let k = 0; k < (q ? 4 : 2); k++) {
    const v = k & 1 ? hi : lo;
    if (orr) x[w + k] = inv ? x[w + k] & ~v : x[w + k] | v; // BIC / ORR
    else x[w + k] = inv ? ~v : v; // MVNI / MOVI, FMOV
  }
  if (!q) x[w + 2] = 0, x[w + 3] = 0;
}

// ---------------------------------------------------------------------------
// Shift by immediate.

/** SSHR, USHR, SSRA, USRA, SHL, SLI, SRI (vector and scalar D). */
export function SIMD_shift(i: number): void {
  fpCheck();
  const { d, n, u } = f(i), scalar = (i >>> 28) & 1, q = scalar ? 0 : (i >>> 30) & 1;
  const immh = (i >>> 19) & 15, immb = (i >>> 16) & 7, opc = (i >>> 11) & 31;
  const s = 31 - Math.clz32(immh), esize = 8 << s, v = (immh << 3) | immb;
  const el = scalar ? 1 : (q ? 16 : 8) >> s;
  const right = 2 * esize - v, left = v - esize;
  for (let e = 0; e < el; e++) {
    let r: bigint;
    if (opc === 0b01010 && !u) r = eu(n, e, s) << BigInt(left); // SHL
    else if (opc === 0b01010) { // SLI
      const mask = (MASK[s] << BigInt(left)) & MASK[s];
      r = (eu(d, e, s) & ~mask) | ((eu(n, e, s) << BigInt(left)) & mask);
    } else if (opc === 0b01000) { // SRI
      const mask = MASK[s] >> BigInt(right);
      r = (eu(d, e, s) & ~mask) | ((eu(n, e, s) >> BigInt(right)) & mask);
    } else {
      const a = u ? eu(n, e, s) : es(n, e, s);
      r = a >> BigInt(right);
      if (opc === 0b00010) r += eu(d, e, s); // [SU]SRA
    }
    te(e, s, r);
  }
  if (scalar) T32[2] = T32[3] = 0;
  writeT(d, q);
}

/** SHRN/SHRN2: shift right and narrow into the lower/upper half. */
export function SHRN(i: number): void {
  fpCheck();
  const { d, n, q } = f(i), immh = (i >>> 19) & 15, immb = (i >>> 16) & 7;
  const s = 31 - Math.clz32(immh), esize = 8 << s, sh = BigInt(2 * esize - ((immh << 3) | immb));
  const el = 8 >> s;
  for (let k = 0; k < 16; k++) T8[k] = B[vb(d) + k];
  for (let e = 0; e < el; e++) te(q * el + e, s, eu(n, e, s + 1) >> sh);
  writeT(d, q);
}

/** SSHLL/USHLL (SXTL/UXTL): widen the lower/upper half and shift left. */
export function SHLL(i: number): void {
  fpCheck();
  const { d, n, q, u } = f(i), immh = (i >>> 19) & 15, immb = (i >>> 16) & 7;
  const s = 31 - Math.clz32(immh), sh = BigInt(((immh << 3) | immb) - (8 << s)), el = 8 >> s;
  for (let e = 0; e < el; e++) {
    te(e, s + 1, (u ? eu(n, q * el + e, s) : es(n, q * el + e, s)) << sh);
  }
  writeT(d, 1);
}

// ---------------------------------------------------------------------------
// Three different (long): [SU]ADDL, [SU]SUBL, [SU]MLAL, [SU]MULL (and the "2" forms).

export function SIMD_long(i: number): void {
  fpCheck();
  const { d, n, m, q, s, u } = f(i), opc = (i >>> 12) & 15, el = 8 >> s, get = u ? eu : es;
  for (let e = 0; e < el; e++) {
    const a = get(n, q * el + e, s), b = get(m, q * el + e, s);
    let r: bigint;
    if (opc === 0b0000) r = a + b;
    else if (opc === 0b0010) r = a - b;
    else if (opc === 0b1000) r = eu(d, e, s + 1) + a * b;
    else if (opc === 0b1010) r = eu(d, e, s + 1) - a * b;
    else r = a * b;
    te(e, s + 1, r);
  }
  writeT(d, 1);
}

// ---------------------------------------------------------------------------
// By element (integer): MUL, MLA, MLS.

export function SIMD_elt(i: number): void {
  fpCheck();
  const { d, q, s, u } = f(i), n = (i >>> 5) & 31, opc = (i >>> 12) & 15;
  const H = (i >>> 11) & 1, L = (i >>> 21) & 1, M = (i >>> 20) & 1, mlo = (i >>> 16) & 15;
  const idx = s === 1 ? (H << 2) | (L << 1) | M : (H << 1) | L;
  const m = s === 1 ? mlo : (M << 4) | mlo;
  const b = eu(m, idx, s), el = (q ? 16 : 8) >> s;
  for (let e = 0; e < el; e++) {
    const p = eu(n, e, s) * b;
    te(e, s, opc === 0b1000 ? p : u && opc === 0b0100 ? eu(d, e, s) - p : eu(d, e, s) + p);
  }
  writeT(d, q);
}

// ---------------------------------------------------------------------------
// FMOV (general): C7.2 FMOV (general) -- bit moves between W/X and S/D/V.D[1].

export function FMOV_gen(i: number): void {
  fpCheck();
  const sf = i >>> 31, type = (i >>> 22) & 3, rmode = (i >>> 19) & 3, toFp = (i >>> 16) & 1;
  const d = i & 31, n = (i >>> 5) & 31, x = X;
  if (toFp) {
    const r = RZ[n], w = V0 + (d << 2);
    if (rmode === 1) { // FMOV Vd.D[1], Xn: the lower half is kept
      x[w + 2] = x[r], x[w + 3] = x[r + 1];
      return;
    }
    x[w] = x[r];
    x[w + 1] = sf && type !== 0 ? x[r + 1] : 0;
    x[w + 2] = 0, x[w + 3] = 0;
    return;
  }
  const w = V0 + (n << 2) + (rmode === 1 ? 2 : 0), o = WZ[d];
  x[o] = x[w];
  x[o + 1] = sf && type !== 0 ? x[w + 1] : 0;
}
