/**
 * Floating-point data processing (Arm ARM C4.1.6): scalar FMOV (register,
 * immediate), one-source (FABS, FNEG, FSQRT, FCVT, FRINT*), two-source
 * (FADD ... FNMUL), three-source (FMADD ...), compares (FCMP, FCMPE,
 * FCCMP, FCCMPE), FCSEL, conversions to and from W/X registers (integer and
 * fixed point), and the AdvSIMD FP forms: three same, two-register
 * miscellaneous (compares with zero, estimates, FRECPX), by element (vector
 * and scalar), FCVTL/FCVTN/FCVTXN, fixed-point SCVTF/UCVTF/FCVTZS/FCVTZU,
 * scalar pairwise and across-lanes reductions. Arithmetic is fp.ts (exact
 * Arm FP: FPCR rounding, FZ, DN; cumulative FPSR flags).
 *
 * The rows are declared here ({@link fpRows}, called by table_simd.ts) next
 * to their handlers. Scalar results zero the rest of the V register.
 * Half-precision arithmetic (FEAT_FP16) is not implemented: ftype 11 is
 * accepted only by FCVT; FP16 forms are UNDEFINED.
 *
 * @module
 */

import type { Fields } from "./operands.ts";
import * as core_ from "./core.ts";
import * as fpsimd_ from "./fpsimd.ts";
import type { RowAdder } from "./table_simd.ts";
import * as simd_ from "./exec_simd.ts";
import * as pstate_ from "./pstate.ts";
import * as fp_ from "./fp.ts";
import type { FpBinOp, FpEnv, FpSize } from "./fp.ts";

const { RZ, W, WZ, X, XMM } = core_;
const { fpCheck, FPCR_MASK } = fpsimd_;
const { clearT, eu, te, writeT } = simd_;
const { getNzcv, setNzcv } = pstate_;
const {
  fpBinary,
  fpCompare,
  fpConvert,
  fpMulAdd,
  fpRoundInt,
  fpSqrt,
  fpToInt,
  intToFp,
  fpAbs,
  fpNeg,
  fpRecipEstimate,
  fpRecpX,
  fpRSqrtEstimate,
  unsignedRecipEstimate,
  unsignedRSqrtEstimate,
  vfpExpandImm,
  Rounding,
} = fp_;

/** The FP environment of the running vCPU (FPCR in, FPSR flags accumulated). */
const ENV: FpEnv = { fpcr: 0, fpsr: 0 };

function envIn(): FpEnv {
  ENV.fpcr = X[W.FPCR] & FPCR_MASK;
  ENV.fpsr = X[W.FPSR];
  return ENV;
}

function envOut(): void {
  X[W.FPSR] = ENV.fpsr;
}

/** Size in bits of FP type `t` (00 single, 01 double, 11 half). */
function tsize(t: number): FpSize {
  return t === 0 ? 32 : t === 1 ? 64 : 16;
}
/** Element size log2 bytes of an FP size. */
function slog(sz: FpSize): number {
  return sz === 32 ? 2 : sz === 64 ? 3 : 1;
}

/** Scalar Vn as an FP value of `sz` bits. */
function fv(n: number, sz: FpSize): bigint {
  return eu(n, 0, slog(sz));
}

/** Vd = scalar result (rest of the register zero). */
function fset(d: number, sz: FpSize, v: bigint): void {
  clearT();
  te(0, slog(sz), v);
  writeT(d, 0);
}

const fields = (i: number) => ({
  d: i & 31,
  n: (i >>> 5) & 31,
  m: (i >>> 16) & 31,
  a: (i >>> 10) & 31,
  sz: tsize((i >>> 22) & 3),
});

// ---------------------------------------------------------------------------
// Scalar.

const ONE: Record<number, string> = {
  0b000000: "mov",
  0b000001: "abs",
  0b000010: "neg",
  0b000011: "sqrt",
};
/** FRINT* rounding by opcode<2:0> (N P M Z A - X I). */
const FRINT_MODE = [
  Rounding.TIEEVEN,
  Rounding.POSINF,
  Rounding.NEGINF,
  Rounding.ZERO,
  Rounding.TIEAWAY,
  -1,
  Rounding.FPCR,
  Rounding.FPCR,
];

/** FMOV (register), FABS, FNEG, FSQRT, FCVT, FRINT* (scalar). */
export function FP_1src(i: number): void {
  fpCheck();
  const { d, n, sz } = fields(i), opc = (i >>> 15) & 63, a = fv(n, sz);
  const env = envIn();
  let r: bigint;
  let out: FpSize = sz;
  if (opc < 4) {
    const op = ONE[opc];
    r = op === "mov" ? a : op === "abs" ? fpAbs(sz, a) : op === "neg" ? fpNeg(sz, a) : fpSqrt(
      sz,
      a,
      env,
    );
  } else if ((opc & 0b111100) === 0b000100) {
    out = tsize(opc & 3);
    r = fpConvert(sz, out, a, env);
  } else {
    r = fpRoundInt(sz, a, FRINT_MODE[opc & 7], (opc & 7) === 6, env);
  }
  envOut();
  fset(d, out, r);
}

const TWO: FpBinOp[] = ["mul", "div", "add", "sub", "max", "min", "maxnm", "minnm", "nmul"];

/** FMUL FDIV FADD FSUB FMAX FMIN FMAXNM FMINNM FNMUL (scalar). */
export function FP_2src(i: number): void {
  fpCheck();
  const { d, n, m, sz } = fields(i);
  const r = fpBinary(TWO[(i >>> 12) & 15], sz, fv(n, sz), fv(m, sz), envIn());
  envOut();
  fset(d, sz, r);
}

/** FMADD FMSUB FNMADD FNMSUB. */
export function FP_3src(i: number): void {
  fpCheck();
  const { d, n, m, a, sz } = fields(i), o1 = (i >>> 21) & 1, o0 = (i >>> 15) & 1;
  // FMADD (0,0), FMSUB (0,1), FNMADD (1,0), FNMSUB (1,1): negAddend = o1, negProduct = o0 ^ o1.
  const r = fpMulAdd(sz, fv(a, sz), fv(n, sz), fv(m, sz), o1 === 1, (o0 ^ o1) === 1, envIn());
  envOut();
  fset(d, sz, r);
}

/** FMOV (scalar, immediate). */
export function FMOV_imm(i: number): void {
  fpCheck();
  const { d, sz } = fields(i);
  fset(d, sz, vfpExpandImm(sz, (i >>> 13) & 0xff));
}

/** FCMP, FCMPE (register and #0.0). */
export function FCMP(i: number): void {
  fpCheck();
  const { n, m, sz } = fields(i), zero = (i >>> 3) & 1, e = (i >>> 4) & 1;
  const nzcv = fpCompare(sz, fv(n, sz), zero ? 0n : fv(m, sz), e === 1, envIn());
  envOut();
  setNzcv(XMM, 0, nzcv << 28);
}

/** Condition check on NZCV (Arm ARM ConditionHolds). */
function condHolds(c: number): boolean {
  const f = getNzcv(XMM, 0) >>> 28;
  const N = (f >> 3) & 1, Z = (f >> 2) & 1, C = (f >> 1) & 1, V = f & 1;
  let r: boolean;
  switch (c >> 1) {
    case 0:
      r = Z === 1;
      break;
    case 1:
      r = C === 1;
      break;
    case 2:
      r = N === 1;
      break;
    case 3:
      r = V === 1;
      break;
    case 4:
      r = C === 1 && Z === 0;
      break;
    case 5:
      r = N === V;
      break;
    case 6:
      r = N === V && Z === 0;
      break;
    default:
      r = true;
  }
  return (c & 1) && c !== 15 ? !r : r;
}

/** FCCMP, FCCMPE. */
export function FCCMP(i: number): void {
  fpCheck();
  const { n, m, sz } = fields(i), cond = (i >>> 12) & 15, e = (i >>> 4) & 1;
  let nzcv = i & 15;
  if (condHolds(cond)) {
    nzcv = fpCompare(sz, fv(n, sz), fv(m, sz), e === 1, envIn());
    envOut();
  }
  setNzcv(XMM, 0, nzcv << 28);
}

export function FCSEL(i: number): void {
  fpCheck();
  const { d, n, m, sz } = fields(i);
  fset(d, sz, fv(condHolds((i >>> 12) & 15) ? n : m, sz));
}

function gpr(n: number, bits: number): bigint {
  const r = RZ[n], lo = BigInt(X[r] >>> 0);
  return bits === 64 ? (BigInt(X[r + 1] >>> 0) << 32n) | lo : lo;
}

function setGpr(d: number, v: bigint, bits: number): void {
  const w = WZ[d];
  X[w] = Number(v & 0xffff_ffffn) | 0;
  X[w + 1] = bits === 64 ? Number((v >> 32n) & 0xffff_ffffn) | 0 : 0;
}

/** FCVT[NPMZA][SU] rounding by rmode (bits 20:19) with opcode<2> (A forms). */
function cvtRounding(i: number): number {
  if ((i >>> 18) & 1) return Rounding.TIEAWAY;
  return [Rounding.TIEEVEN, Rounding.POSINF, Rounding.NEGINF, Rounding.ZERO][(i >>> 19) & 3];
}

/** SCVTF, UCVTF, FCVT{N,P,M,Z,A}{S,U} between W/X and S/D; `fixed` rows carry fbits. */
function convert(i: number, fixed: boolean): void {
  fpCheck();
  const { d, n, sz } = fields(i), bits = i >>> 31 ? 64 : 32, opc = (i >>> 16) & 7;
  const fb = fixed ? 64 - ((i >>> 10) & 63) : 0, uns = (opc & 1) === 1;
  const env = envIn();
  if ((opc & 6) === 2) { // SCVTF/UCVTF
    const r = intToFp(sz, gpr(n, bits), bits as 32 | 64, uns, env, fb);
    envOut();
    fset(d, sz, r);
    return;
  }
  const r = fpToInt(
    sz,
    fv(n, sz),
    bits as 32 | 64,
    uns,
    fixed ? Rounding.ZERO : cvtRounding(i),
    env,
    fb,
  );
  envOut();
  setGpr(d, r, bits);
}

export function FP_cvt_int(i: number): void {
  convert(i, false);
}
export function FP_cvt_fixed(i: number): void {
  convert(i, true);
}

// ---------------------------------------------------------------------------
// Vector.

const VBIN: Record<number, FpBinOp> = {
  // key: U << 6 | a << 5 | opcode
  [0b0_0_11000]: "maxnm",
  [0b0_0_11010]: "add",
  [0b0_0_11011]: "mulx",
  [0b0_0_11110]: "max",
  [0b0_0_11111]: "recps",
  [0b0_1_11000]: "minnm",
  [0b0_1_11010]: "sub",
  [0b0_1_11110]: "min",
  [0b0_1_11111]: "rsqrts",
  [0b1_0_11011]: "mul",
  [0b1_0_11111]: "div",
  [0b1_1_11010]: "abd",
};

/** FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP: operands are the pairs of Vn:Vm. */
const PAIRWISE = new Set([0b1_0_11010, 0b1_0_11110, 0b1_1_11110, 0b1_0_11000, 0b1_1_11000]);

/**
 * FP three same: arithmetic, FMLA/FMLS, compares, pairwise (vector); the
 * scalar forms (bit 28: FABD, FMULX, FRECPS, FRSQRTS, compares) on element 0.
 */
export function FP_3same(i: number): void {
  fpCheck();
  const d = i & 31, n = (i >>> 5) & 31, m = (i >>> 16) & 31, scalar = (i >>> 28) & 1;
  const q = scalar ? 0 : (i >>> 30) & 1;
  const z = (i >>> 22) & 1, sz: FpSize = z ? 64 : 32, s = slog(sz);
  const el = scalar ? 1 : (q ? 16 : 8) >> s;
  const key = (((i >>> 29) & 1) << 6) | (((i >>> 23) & 1) << 5) | ((i >>> 11) & 31);
  if (scalar) clearT();
  const env = envIn();
  const op = VBIN[key];
  for (let e = 0; e < el; e++) {
    let a = eu(n, e, s), b = eu(m, e, s);
    if (PAIRWISE.has(key)) {
      const pick = (k: number) => (k < el ? eu(n, k, s) : eu(m, k - el, s));
      a = pick(2 * e), b = pick(2 * e + 1);
    }
    let r: bigint;
    switch (key) {
      case 0b0_0_11001: // FMLA
        r = fpMulAdd(sz, eu(d, e, s), a, b, false, false, env);
        break;
      case 0b0_1_11001: // FMLS
        r = fpMulAdd(sz, eu(d, e, s), a, b, false, true, env);
        break;
      case 0b0_0_11100: // FCMEQ
        r = fpCompare(sz, a, b, false, env) === 0b0110 ? -1n : 0n;
        break;
      case 0b1_0_11100: { // FCMGE
        const c = fpCompare(sz, a, b, true, env);
        r = c === 0b0110 || c === 0b0010 ? -1n : 0n;
        break;
      }
      case 0b1_1_11100: // FCMGT
        r = fpCompare(sz, a, b, true, env) === 0b0010 ? -1n : 0n;
        break;
      case 0b1_0_11101: { // FACGE
        const c = fpCompare(sz, fpAbs(sz, a), fpAbs(sz, b), true, env);
        r = c === 0b0110 || c === 0b0010 ? -1n : 0n;
        break;
      }
      case 0b1_1_11101: // FACGT
        r = fpCompare(sz, fpAbs(sz, a), fpAbs(sz, b), true, env) === 0b0010 ? -1n : 0n;
        break;
      case 0b1_0_11010: // FADDP
        r = fpBinary("add", sz, a, b, env);
        break;
      case 0b1_0_11110: // FMAXP
        r = fpBinary("max", sz, a, b, env);
        break;
      case 0b1_1_11110: // FMINP
        r = fpBinary("min", sz, a, b, env);
        break;
      case 0b1_0_11000: // FMAXNMP
        r = fpBinary("maxnm", sz, a, b, env);
        break;
      case 0b1_1_11000: // FMINNMP
        r = fpBinary("minnm", sz, a, b, env);
        break;
      default:
        r = fpBinary(op, sz, a, b, env);
    }
    te(e, s, r);
  }
  envOut();
  writeT(d, q);
}

/**
 * FP two-register miscellaneous: FABS FNEG FSQRT SCVTF UCVTF FCVT[NPMZA][SU]
 * FRINT* (vector), and the scalar SIMD forms of the conversions (bit 28 set:
 * one element, the rest of Vd zeroed).
 */
export function FP_2misc(i: number): void {
  fpCheck();
  const d = i & 31, n = (i >>> 5) & 31, scalar = (i >>> 28) & 1, u = (i >>> 29) & 1;
  const q = scalar ? 0 : (i >>> 30) & 1;
  const a1 = (i >>> 23) & 1, z = (i >>> 22) & 1, opc = (i >>> 12) & 31;
  const sz: FpSize = z ? 64 : 32, s = slog(sz), el = scalar ? 1 : (q ? 16 : 8) >> s;
  if (scalar) clearT();
  const env = envIn();
  for (let e = 0; e < el; e++) {
    const a = eu(n, e, s);
    let r: bigint;
    if (opc === 0b01111) r = u ? fpNeg(sz, a) : fpAbs(sz, a);
    else if (opc === 0b11111) r = u ? fpSqrt(sz, a, env) : fpRecpX(sz, a, env);
    else if (opc >= 0b01100 && opc <= 0b01110) r = cmpZero(opc, u, sz, a, env);
    else if (opc === 0b11101 && a1) {
      r = u ? fpRSqrtEstimate(sz, a, env) : fpRecipEstimate(sz, a, env);
    } else if (opc === 0b11100 && a1) {
      const x = Number(a);
      r = BigInt((u ? unsignedRSqrtEstimate(x) : unsignedRecipEstimate(x)) >>> 0);
    } else if (opc === 0b11101) r = intToFp(sz, a, sz as 32 | 64, u === 1, env);
    else if (opc === 0b11000 || opc === 0b11001) {
      // FRINTN/M (a0), P/Z (a1), A/X (U1 a0), I (U1 a1, opc 11001)
      const mode = u
        ? (a1 ? Rounding.FPCR : opc === 0b11000 ? Rounding.TIEAWAY : Rounding.FPCR)
        : a1
        ? (opc === 0b11000 ? Rounding.POSINF : Rounding.ZERO)
        : (opc === 0b11000 ? Rounding.TIEEVEN : Rounding.NEGINF);
      r = fpRoundInt(sz, a, mode, u === 1 && a1 === 0 && opc === 0b11001, env);
    } else {
      // FCVT{N,M,A}{S,U} (a0: 11010 N, 11011 M, 11100 A), FCVT{P,Z}{S,U} (a1: 11010 P, 11011 Z)
      const mode = a1
        ? (opc === 0b11010 ? Rounding.POSINF : Rounding.ZERO)
        : opc === 0b11010
        ? Rounding.TIEEVEN
        : opc === 0b11011
        ? Rounding.NEGINF
        : Rounding.TIEAWAY;
      r = fpToInt(sz, a, sz as 32 | 64, u === 1, mode, env);
    }
    te(e, s, r);
  }
  envOut();
  writeT(d, q);
}

/** FCMGT FCMGE FCMEQ FCMLE FCMLT against zero (opcode 01100..01110, U). */
function cmpZero(opc: number, u: number, sz: FpSize, a: bigint, env: FpEnv): bigint {
  if (opc === 0b01101 && !u) return fpCompare(sz, a, 0n, false, env) === 0b0110 ? -1n : 0n;
  const c = fpCompare(sz, a, 0n, true, env);
  if (opc === 0b01100) return c === 0b0010 || (u && c === 0b0110) ? -1n : 0n; // GT, GE
  if (opc === 0b01101) return c === 0b1000 || c === 0b0110 ? -1n : 0n; // LE
  return c === 0b1000 ? -1n : 0n; // LT
}

/** FMLA, FMLS, FMUL, FMULX (by element; bit 28: scalar, element 0 only). */
export function FP_elt(i: number): void {
  fpCheck();
  const d = i & 31, n = (i >>> 5) & 31, scalar = (i >>> 28) & 1, u = (i >>> 29) & 1;
  const q = scalar ? 0 : (i >>> 30) & 1;
  const z = (i >>> 22) & 1, L = (i >>> 21) & 1, M = (i >>> 20) & 1, H = (i >>> 11) & 1;
  const m = (M << 4) | ((i >>> 16) & 15), opc = (i >>> 12) & 15;
  const sz: FpSize = z ? 64 : 32, s = slog(sz), el = scalar ? 1 : (q ? 16 : 8) >> s;
  const b = eu(m, z ? H : (H << 1) | L, s);
  if (scalar) clearT();
  const env = envIn();
  for (let e = 0; e < el; e++) {
    const a = eu(n, e, s);
    let r: bigint;
    if (opc === 0b0001) r = fpMulAdd(sz, eu(d, e, s), a, b, false, false, env);
    else if (opc === 0b0101) r = fpMulAdd(sz, eu(d, e, s), a, b, false, true, env);
    else r = fpBinary(u ? "mulx" : "mul", sz, a, b, env);
    te(e, s, r);
  }
  envOut();
  writeT(d, q);
}

/**
 * FCVTL/FCVTL2 (widen half of Vn: H -> S, S -> D), FCVTN/FCVTN2 (narrow
 * into half of Vd), FCVTXN/FCVTXN2 and scalar FCVTXN (D -> S, round to odd).
 */
export function FP_cvt_width(i: number): void {
  fpCheck();
  const d = i & 31, n = (i >>> 5) & 31, scalar = (i >>> 28) & 1, u = (i >>> 29) & 1;
  const q = scalar ? 0 : (i >>> 30) & 1, z = (i >>> 22) & 1, opc = (i >>> 12) & 31;
  const wide: FpSize = z ? 64 : 32, narrow: FpSize = z ? 32 : 16, el = scalar ? 1 : z ? 2 : 4;
  const ws = slog(wide), ns = slog(narrow);
  const env = envIn();
  if (opc === 0b10111) { // FCVTL
    for (let e = 0; e < el; e++) te(e, ws, fpConvert(narrow, wide, eu(n, q * el + e, ns), env));
    envOut();
    writeT(d, 1);
    return;
  }
  if (scalar) clearT();
  else simd_.loadT(d);
  const rm = u ? Rounding.ODD : Rounding.FPCR;
  for (let e = 0; e < el; e++) te(q * el + e, ns, fpConvert(wide, narrow, eu(n, e, ws), env, rm));
  envOut();
  writeT(d, q);
}

/**
 * SCVTF, UCVTF, FCVTZS, FCVTZU (vector and scalar, fixed-point): the
 * fraction bits are 2 * esize - immh:immb, esize from immh (01xx S, 1xxx D).
 */
export function FP_cvt_vfixed(i: number): void {
  fpCheck();
  const d = i & 31, n = (i >>> 5) & 31, scalar = (i >>> 28) & 1, u = (i >>> 29) & 1;
  const q = scalar ? 0 : (i >>> 30) & 1, immh = (i >>> 19) & 15;
  const sz: FpSize = immh >= 8 ? 64 : 32, s = slog(sz), el = scalar ? 1 : (q ? 16 : 8) >> s;
  const fb = 2 * sz - ((immh << 3) | ((i >>> 16) & 7)), toFp = ((i >>> 11) & 31) === 0b11100;
  if (scalar) clearT();
  const env = envIn();
  for (let e = 0; e < el; e++) {
    const a = eu(n, e, s);
    te(
      e,
      s,
      toFp
        ? intToFp(sz, a, sz as 32 | 64, u === 1, env, fb)
        : fpToInt(sz, a, sz as 32 | 64, u === 1, Rounding.ZERO, env, fb),
    );
  }
  envOut();
  writeT(d, q);
}

/** FP pairwise and across-lanes reductions by opcode and o1 (bit 23). */
function reduceOp(i: number): FpBinOp {
  const opc = (i >>> 12) & 31, o1 = (i >>> 23) & 1;
  if (opc === 0b01101) return "add";
  if (opc === 0b01100) return o1 ? "minnm" : "maxnm";
  return o1 ? "min" : "max";
}

/** FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP (scalar): Vn's two elements. */
export function FP_pair_scalar(i: number): void {
  fpCheck();
  const d = i & 31, n = (i >>> 5) & 31, sz: FpSize = (i >>> 22) & 1 ? 64 : 32, s = slog(sz);
  const r = fpBinary(reduceOp(i), sz, eu(n, 0, s), eu(n, 1, s), envIn());
  envOut();
  fset(d, sz, r);
}

/** FMAXV, FMINV, FMAXNMV, FMINNMV (4S): Reduce() pairs the halves recursively. */
export function FP_across(i: number): void {
  fpCheck();
  const d = i & 31, n = (i >>> 5) & 31, op = reduceOp(i), env = envIn();
  const lo = fpBinary(op, 32, eu(n, 0, 2), eu(n, 1, 2), env);
  const hi = fpBinary(op, 32, eu(n, 2, 2), eu(n, 3, 2), env);
  const r = fpBinary(op, 32, lo, hi, env);
  envOut();
  fset(d, 32, r);
}

// ---------------------------------------------------------------------------
// Rows.

/** Single or double (no FEAT_FP16). */
const sd = (f: Fields) => f.z < 2;
const vecOk = (f: Fields) => f.z === 0 || f.q === 1;

/** Declare the floating-point rows (called from table_simd.ts). */
export function fpRows(r: RowAdder): void {
  r("FMOV_reg", "00011110zz100000010000nnnnnddddd", "fmov {Fd:z}, {Fn:z}", FP_1src, sd);
  r("FABS", "00011110zz100000110000nnnnnddddd", "fabs {Fd:z}, {Fn:z}", FP_1src, sd);
  r("FNEG", "00011110zz100001010000nnnnnddddd", "fneg {Fd:z}, {Fn:z}", FP_1src, sd);
  r("FSQRT", "00011110zz100001110000nnnnnddddd", "fsqrt {Fd:z}, {Fn:z}", FP_1src, sd);
  r(
    "FCVT",
    "00011110zz10001oo10000nnnnnddddd",
    "fcvt {Fd:o}, {Fn:z}",
    FP_1src,
    (f) => f.z !== 2 && f.o !== 2 && f.z !== f.o,
  );
  for (
    const [mn, opc] of [
      ["frintn", "000"],
      ["frintp", "001"],
      ["frintm", "010"],
      [
        "frintz",
        "011",
      ],
      ["frinta", "100"],
      ["frintx", "110"],
      ["frinti", "111"],
    ]
  ) {
    r(
      mn.toUpperCase(),
      `00011110zz1001${opc}10000nnnnnddddd`,
      `${mn} {Fd:z}, {Fn:z}`,
      FP_1src,
      sd,
    );
  }
  r("FCMP", "00011110zz1mmmmm001000nnnnn00000", "fcmp {Fn:z}, {Fm:z}", FCMP, sd);
  r("FCMP_0", "00011110zz100000001000nnnnn01000", "fcmp {Fn:z}, #0.0", FCMP, sd);
  r("FCMPE", "00011110zz1mmmmm001000nnnnn10000", "fcmpe {Fn:z}, {Fm:z}", FCMP, sd);
  r("FCMPE_0", "00011110zz100000001000nnnnn11000", "fcmpe {Fn:z}, #0.0", FCMP, sd);
  r("FMOV_imm", "00011110zz1iiiiiiii10000000ddddd", "fmov {Fd:z}, {fimm}", FMOV_imm, sd);
  r(
    "FCCMP",
    "00011110zz1mmmmmcccc01nnnnn0ffff",
    "fccmp {Fn:z}, {Fm:z}, {hex:f}, {cond}",
    FCCMP,
    sd,
  );
  r(
    "FCCMPE",
    "00011110zz1mmmmmcccc01nnnnn1ffff",
    "fccmpe {Fn:z}, {Fm:z}, {hex:f}, {cond}",
    FCCMP,
    sd,
  );
  TWO.forEach((op, k) => {
    const mn = op === "nmul" ? "fnmul" : `f${op}`;
    r(
      mn.toUpperCase(),
      `00011110zz1mmmmm${k.toString(2).padStart(4, "0")}10nnnnnddddd`,
      `${mn} {Fd:z}, {Fn:z}, {Fm:z}`,
      FP_2src,
      sd,
    );
  });
  r("FCSEL", "00011110zz1mmmmmcccc11nnnnnddddd", "fcsel {Fd:z}, {Fn:z}, {Fm:z}, {cond}", FCSEL, sd);
  for (
    const [mn, o1, o0] of [["fmadd", 0, 0], ["fmsub", 0, 1], ["fnmadd", 1, 0], [
      "fnmsub",
      1,
      1,
    ]]
  ) {
    r(
      mn.toString().toUpperCase(),
      `00011111zz${o1}mmmmm${o0}aaaaannnnnddddd`,
      `${mn} {Fd:z}, {Fn:z}, {Fm:z}, {Fa:z}`,
      FP_3src,
      sd,
    );
  }
  // Conversions between FP and integer (sf, type, rmode, opcode).
  const conv: [string, string, string, boolean][] = [
    ["fcvtns", "00", "000", false],
    ["fcvtnu", "00", "001", false],
    ["scvtf", "00", "010", true],
    ["ucvtf", "00", "011", true],
    ["fcvtas", "00", "100", false],
    ["fcvtau", "00", "101", false],
    ["fcvtps", "01", "000", false],
    ["fcvtpu", "01", "001", false],
    ["fcvtms", "10", "000", false],
    ["fcvtmu", "10", "001", false],
    ["fcvtzs", "11", "000", false],
    ["fcvtzu", "11", "001", false],
  ];
  for (const [mn, rm, opc, toFp] of conv) {
    r(
      mn.toUpperCase(),
      `z0011110tt1${rm}${opc}000000nnnnnddddd`,
      toFp ? `${mn} {Fd:t}, {Rn}` : `${mn} {Rd}, {Fn:t}`,
      FP_cvt_int,
      (f) => f.t < 2,
    );
    if ((rm === "00" && !toFp) || rm === "01" || rm === "10") continue;
    r(
      `${mn.toUpperCase()}_fix`,
      `z0011110tt0${rm}${opc}SSSSSSnnnnnddddd`,
      toFp ? `${mn} {Fd:t}, {Rn}, {fbits}` : `${mn} {Rd}, {Fn:t}, {fbits}`,
      FP_cvt_fixed,
      (f) => f.t < 2 && (f.z === 1 || f.S >= 32),
    );
  }

  // Vector: three same, two-register miscellaneous, by element.
  const v3: [string, string, string, string][] = [
    ["fmaxnm", "0", "0", "11000"],
    ["fmla", "0", "0", "11001"],
    ["fadd", "0", "0", "11010"],
    ["fmulx", "0", "0", "11011"],
    ["fcmeq", "0", "0", "11100"],
    ["fmax", "0", "0", "11110"],
    ["frecps", "0", "0", "11111"],
    ["fminnm", "0", "1", "11000"],
    ["fmls", "0", "1", "11001"],
    ["fsub", "0", "1", "11010"],
    ["fmin", "0", "1", "11110"],
    ["frsqrts", "0", "1", "11111"],
    ["fmaxnmp", "1", "0", "11000"],
    ["faddp", "1", "0", "11010"],
    ["fmul", "1", "0", "11011"],
    ["fcmge", "1", "0", "11100"],
    ["fmaxp", "1", "0", "11110"],
    ["fdiv", "1", "0", "11111"],
    ["fminnmp", "1", "1", "11000"],
    ["fabd", "1", "1", "11010"],
    ["fcmgt", "1", "1", "11100"],
    ["facge", "1", "0", "11101"],
    ["facgt", "1", "1", "11101"],
    ["fminp", "1", "1", "11110"],
  ];
  for (const [mn, u, a, opc] of v3) {
    r(
      `${mn.toUpperCase()}_v`,
      `0q${u}01110${a}z1mmmmm${opc}1nnnnnddddd`,
      `${mn} {Vd:qz}, {Vn:qz}, {Vm:qz}`,
      FP_3same,
      vecOk,
    );
  }
  const v2: [string, string, string, string][] = [
    ["frintn", "0", "0", "11000"],
    ["frintm", "0", "0", "11001"],
    ["fcvtns", "0", "0", "11010"],
    ["fcvtms", "0", "0", "11011"],
    ["fcvtas", "0", "0", "11100"],
    ["scvtf", "0", "0", "11101"],
    ["fabs", "0", "1", "01111"],
    ["frintp", "0", "1", "11000"],
    ["frintz", "0", "1", "11001"],
    ["fcvtps", "0", "1", "11010"],
    ["fcvtzs", "0", "1", "11011"],
    ["frinta", "1", "0", "11000"],
    ["frintx", "1", "0", "11001"],
    ["fcvtnu", "1", "0", "11010"],
    ["fcvtmu", "1", "0", "11011"],
    ["fcvtau", "1", "0", "11100"],
    ["ucvtf", "1", "0", "11101"],
    ["fneg", "1", "1", "01111"],
    ["frinti", "1", "1", "11001"],
    ["fcvtpu", "1", "1", "11010"],
    ["fcvtzu", "1", "1", "11011"],
    ["fsqrt", "1", "1", "11111"],
  ];
  for (const [mn, u, a, opc] of v2) {
    r(
      `${mn.toUpperCase()}_v`,
      `0q${u}01110${a}z10000${opc}10nnnnnddddd`,
      `${mn} {Vd:qz}, {Vn:qz}`,
      FP_2misc,
      vecOk,
    );
    // Scalar forms of the conversions between FP and same-size integers in SIMD registers
    // (Arm ARM C4.1 "Advanced SIMD scalar two-register miscellaneous").
    if (/^(scvtf|ucvtf|fcvt)/.test(mn)) {
      r(
        `${mn.toUpperCase()}_sv`,
        `01${u}11110${a}z10000${opc}10nnnnnddddd`,
        `${mn} {Zd:z}, {Zn:z}`,
        FP_2misc,
      );
    }
  }
  // Scalar three same (Advanced SIMD scalar three same, FP forms).
  for (
    const [mn, u, a, opc] of [
      ["fmulx", "0", "0", "11011"],
      ["fcmeq", "0", "0", "11100"],
      ["frecps", "0", "0", "11111"],
      ["frsqrts", "0", "1", "11111"],
      ["fcmge", "1", "0", "11100"],
      ["facge", "1", "0", "11101"],
      ["fabd", "1", "1", "11010"],
      ["fcmgt", "1", "1", "11100"],
      ["facgt", "1", "1", "11101"],
    ]
  ) {
    r(
      `${mn.toUpperCase()}_s`,
      `01${u}11110${a}z1mmmmm${opc}1nnnnnddddd`,
      `${mn} {Zd:z}, {Zn:z}, {Zm:z}`,
      FP_3same,
    );
  }
  // Compares with zero and estimates: vector and scalar; FRECPX scalar only.
  for (
    const [mn, u, opc, z] of [
      ["fcmgt", "0", "01100", ", #0.0"],
      ["fcmge", "1", "01100", ", #0.0"],
      ["fcmeq", "0", "01101", ", #0.0"],
      ["fcmle", "1", "01101", ", #0.0"],
      ["fcmlt", "0", "01110", ", #0.0"],
      ["frecpe", "0", "11101", ""],
      ["frsqrte", "1", "11101", ""],
    ]
  ) {
    const M = `${mn.toUpperCase()}${z ? "0" : ""}`;
    r(
      `${M}_v`,
      `0q${u}011101z10000${opc}10nnnnnddddd`,
      `${mn} {Vd:qz}, {Vn:qz}${z}`,
      FP_2misc,
      vecOk,
    );
    r(`${M}_s`, `01${u}111101z10000${opc}10nnnnnddddd`, `${mn} {Zd:z}, {Zn:z}${z}`, FP_2misc);
  }
  r("FRECPX", "010111101z100001111110nnnnnddddd", "frecpx {Zd:z}, {Zn:z}", FP_2misc);
  r("URECPE", "0q00111010100001110010nnnnnddddd", "urecpe {Vd:q32}, {Vn:q32}", FP_2misc);
  r("URSQRTE", "0q10111010100001110010nnnnnddddd", "ursqrte {Vd:q32}, {Vn:q32}", FP_2misc);
  // Precision changes of vectors.
  r("FCVTL", "000011100z100001011110nnnnnddddd", "fcvtl {Vd:zw}, {Vn:zn0}", FP_cvt_width);
  r("FCVTL2", "010011100z100001011110nnnnnddddd", "fcvtl2 {Vd:zw}, {Vn:zn1}", FP_cvt_width);
  r("FCVTN", "000011100z100001011010nnnnnddddd", "fcvtn {Vd:zn0}, {Vn:zw}", FP_cvt_width);
  r("FCVTN2", "010011100z100001011010nnnnnddddd", "fcvtn2 {Vd:zn1}, {Vn:zw}", FP_cvt_width);
  r("FCVTXN", "0010111001100001011010nnnnnddddd", "fcvtxn {Vd:2s}, {Vn:2d}", FP_cvt_width);
  r("FCVTXN2", "0110111001100001011010nnnnnddddd", "fcvtxn2 {Vd:4s}, {Vn:2d}", FP_cvt_width);
  r("FCVTXN_s", "0111111001100001011010nnnnnddddd", "fcvtxn {Sd}, {Dn}", FP_cvt_width);
  // Fixed-point conversions (shift by immediate encodings; immh 01xx S, 1xxx D, 001x FP16).
  for (
    const [mn, u, opc] of [
      ["scvtf", "0", "11100"],
      ["ucvtf", "1", "11100"],
      ["fcvtzs", "0", "11111"],
      ["fcvtzu", "1", "11111"],
    ]
  ) {
    const M = mn.toUpperCase();
    r(
      `${M}_vfix`,
      `0q${u}011110hhhhbbb${opc}1nnnnnddddd`,
      `${mn} {Vd:hq}, {Vn:hq}, {shr}`,
      FP_cvt_vfixed,
      (f) => f.h >= 4 && (f.h < 8 || f.q === 1),
    );
    r(
      `${M}_sfix`,
      `01${u}111110hhhhbbb${opc}1nnnnnddddd`,
      `${mn} {Zd:h}, {Zn:h}, {shr}`,
      FP_cvt_vfixed,
      (f) => f.h >= 4,
    );
  }
  // Pairwise (scalar) and across lanes.
  for (
    const [mn, o1, opc] of [
      ["fmaxnmp", "0", "01100"],
      ["faddp", "0", "01101"],
      ["fmaxp", "0", "01111"],
      ["fminnmp", "1", "01100"],
      ["fminp", "1", "01111"],
    ]
  ) {
    r(
      `${mn.toUpperCase()}_s`,
      `01111110${o1}z11000${opc}10nnnnnddddd`,
      `${mn} {Zd:z}, {Vn:z2}`,
      FP_pair_scalar,
    );
  }
  for (
    const [mn, o1, opc] of [
      ["fmaxnmv", "0", "01100"],
      ["fmaxv", "0", "01111"],
      ["fminnmv", "1", "01100"],
      ["fminv", "1", "01111"],
    ]
  ) {
    r(mn.toUpperCase(), `01101110${o1}011000${opc}10nnnnnddddd`, `${mn} {Sd}, {Vn:4s}`, FP_across);
  }
  const eltOk = (f: Fields) => f.z === 0 || (f.L === 0 && f.q === 1);
  for (
    const [mn, u, opc] of [["fmla", "0", "0001"], ["fmls", "0", "0101"], [
      "fmul",
      "0",
      "1001",
    ], ["fmulx", "1", "1001"]]
  ) {
    r(
      `${mn.toUpperCase()}_elt`,
      `0q${u}011111zLMmmmm${opc}H0nnnnnddddd`,
      `${mn} {Vd:qz}, {Vn:qz}, {Ex:xz}`,
      FP_elt,
      eltOk,
    );
    r(
      `${mn.toUpperCase()}_selt`,
      `01${u}111111zLMmmmm${opc}H0nnnnnddddd`,
      `${mn} {Zd:z}, {Zn:z}, {Ex:xz}`,
      FP_elt,
      (f) => f.z === 0 || f.L === 0,
    );
  }
}
