/**
 * Arm floating-point arithmetic for the A64 scalar FP instructions, exact to
 * the bit and to the FPSR flag: the shared pseudocode of the Arm ARM
 * (DDI 0487, J1.3 "shared/functions/float/...": FPUnpack, FPRound,
 * FPProcessNaN(s)(3), FPAdd ... FPRecpX) for half, single and double
 * precision, with FPCR.{AHP, DN, FZ, RMode, FZ16} and the cumulative FPSR
 * flags. FEAT_AFP (FPCR.AH/FIZ/NEP) and FEAT_RPRES are not modelled: FPCR.AH
 * reads as 0.
 *
 * Values are raw bit patterns (bigint, the low 16/32/64 bits). Every result
 * goes through one rounding routine (`roundReal`, FPRoundBase) that
 * rounds an exact value `m * 2^e` (bigint significand) in any mode; only
 * division and square root need a sticky bit, appended below the quotient
 * or root, which preserves the rounding in every mode because the rounding
 * point is at least two bits above it. Common cases (f32/f64 add, sub, mul,
 * div, sqrt, compare, f32<->f64 and integer conversions on normal operands)
 * take JS-double fast paths that are provably exact, flags and directed
 * rounding included; fp_test.ts checks them against the bigint paths and both
 * against qemu-aarch64 bit for bit. Also FEAT_FRINTTS ({@link fpRoundIntN})
 * and FEAT_JSCVT ({@link fpToInt32Js}).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { fpBinary, fpCompare, FPSR, type FpEnv } from "./fp.ts";
 * const env: FpEnv = { fpcr: 0, fpsr: 0 };
 * // 1.0f + 2^-24: a tie, rounds to even (1.0f) and is inexact.
 * assert(fpBinary("add", 32, 0x3f800000n, 0x33800000n, env) === 0x3f800000n);
 * assert(env.fpsr === FPSR.IXC);
 * // FCMP with a NaN: unordered (NZCV = 0011).
 * assert(fpCompare(64, 0x7ff8000000000000n, 0n, false, env) === 0b0011);
 * ```
 *
 * @module
 */

/**
 * The floating-point environment: FPCR fields used are AHP(26) DN(25) FZ(24)
 * RMode(23:22) FZ16(19); functions OR cumulative flags into `fpsr`
 * (IOC(0) DZC(1) OFC(2) UFC(3) IXC(4) IDC(7)).
 */
export interface FpEnv {
  fpcr: number;
  fpsr: number;
}

/** Operand width in bits. */
export type FpSize = 16 | 32 | 64;

/**
 * Rounding modes (Arm ARM FPRounding): 0 TIEEVEN (RN), 1 POSINF (RP),
 * 2 NEGINF (RM), 3 ZERO (RZ), 4 TIEAWAY (RA); 5 means "use FPCR.RMode"
 * (whose encoding is the first four); 6 ODD (von Neumann rounding, FCVTXN).
 */
export const Rounding = {
  TIEEVEN: 0,
  POSINF: 1,
  NEGINF: 2,
  ZERO: 3,
  TIEAWAY: 4,
  FPCR: 5,
  ODD: 6,
} as const;

/** FPSR cumulative exception bits (Arm ARM C5.2.10 FPSR). */
export const FPSR = {
  IOC: 1 << 0,
  DZC: 1 << 1,
  OFC: 1 << 2,
  UFC: 1 << 3,
  IXC: 1 << 4,
  IDC: 1 << 7,
} as const;

/** FPCR control bits (Arm ARM C5.2.9 FPCR). */
export const FPCR = {
  FZ16: 1 << 19,
  RMODE_SHIFT: 22,
  FZ: 1 << 24,
  DN: 1 << 25,
  AHP: 1 << 26,
} as const;

/** Binary operations of {@link fpBinary}. */
export type FpBinOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "max"
  | "min"
  | "maxnm"
  | "minnm"
  | "mulx"
  | "nmul"
  | "abd"
  | "recps"
  | "rsqrts";

// ---------------------------------------------------------------------------
// Formats.

interface Fmt {
  n: FpSize;
  /** Exponent and fraction widths. */
  e: number;
  f: number;
  bias: number;
  /** Exponent of the smallest normal (2 - 2^(E-1)). */
  minExp: number;
  /** All-ones exponent field (2^E - 1). */
  expMax: number;
  fracMask: bigint;
  hidden: bigint;
  signBit: bigint;
  quiet: bigint;
  inf: bigint;
  maxNormal: bigint;
  defaultNaN: bigint;
}

function fmt(n: FpSize, e: number): Fmt {
  const f = n - e - 1;
  const bias = (1 << (e - 1)) - 1;
  const expMax = (1 << e) - 1;
  const inf = BigInt(expMax) << BigInt(f);
  return {
    n,
    e,
    f,
    bias,
    minExp: 1 - bias,
    expMax,
    fracMask: (1n << BigInt(f)) - 1n,
    hidden: 1n << BigInt(f),
    signBit: 1n << BigInt(n - 1),
    quiet: 1n << BigInt(f - 1),
    inf,
    maxNormal: inf - 1n,
    defaultNaN: inf | (1n << BigInt(f - 1)),
  };
}

const FMT: Record<FpSize, Fmt> = { 16: fmt(16, 5), 32: fmt(32, 8), 64: fmt(64, 11) };

// FPType (Arm ARM shared/functions/float/fptype).
const ZERO = 0, DENORMAL = 1, NORMAL = 2, INF = 3, QNAN = 4, SNAN = 5;

/** An unpacked operand: value = (-1)^s * m * 2^e (m = 0 for zeros, infinities, NaNs). */
interface Unpacked {
  t: number;
  s: number;
  m: bigint;
  e: number;
}

/**
 * FPUnpackBase: classify and decode. `fz` flushes denormals to zero (IDC for
 * single/double only: FZ16 does not signal, Arm ARM FPUnpackBase); `ahp`
 * reads half precision in the alternative format (no infinities or NaNs).
 */
function unpackWith(F: Fmt, x: bigint, env: FpEnv, fz: boolean, ahp: boolean): Unpacked {
  const s = Number((x >> BigInt(F.n - 1)) & 1n);
  const exp = Number((x >> BigInt(F.f)) & BigInt(F.expMax));
  const frac = x & F.fracMask;
  if (exp === 0) {
    if (frac === 0n) return { t: ZERO, s, m: 0n, e: 0 };
    if (fz) {
      if (F.n !== 16) env.fpsr |= FPSR.IDC;
      return { t: ZERO, s, m: 0n, e: 0 };
    }
    return { t: DENORMAL, s, m: frac, e: F.minExp - F.f };
  }
  if (exp === F.expMax && !ahp) {
    if (frac === 0n) return { t: INF, s, m: 0n, e: 0 };
    return { t: (frac & F.quiet) !== 0n ? QNAN : SNAN, s, m: 0n, e: 0 };
  }
  return { t: NORMAL, s, m: frac | F.hidden, e: exp - F.bias - F.f };
}

function fzOf(F: Fmt, env: FpEnv): boolean {
  return (env.fpcr & (F.n === 16 ? FPCR.FZ16 : FPCR.FZ)) !== 0;
}

/** FPUnpack: data-processing view (FPCR.AHP ignored, FZ / FZ16 honoured). */
function unpack(F: Fmt, x: bigint, env: FpEnv): Unpacked {
  return unpackWith(F, x, env, fzOf(F, env), false);
}

/** FPUnpackCV: conversions (FZ16 ignored, FPCR.AHP honoured for half). */
function unpackCV(F: Fmt, x: bigint, env: FpEnv): Unpacked {
  return unpackWith(
    F,
    x,
    env,
    F.n !== 16 && (env.fpcr & FPCR.FZ) !== 0,
    F.n === 16 && (env.fpcr & FPCR.AHP) !== 0,
  );
}

function isNaNType(t: number): boolean {
  return t === QNAN || t === SNAN;
}

function zero(F: Fmt, s: number): bigint {
  return s ? F.signBit : 0n;
}

function infinity(F: Fmt, s: number): bigint {
  return s ? F.signBit | F.inf : F.inf;
}

/** FPDefaultNaN with FPProcessException(InvalidOp). */
function invalid(F: Fmt, env: FpEnv): bigint {
  env.fpsr |= FPSR.IOC;
  return F.defaultNaN;
}

/** FPProcessNaN: quiet a signalling NaN (IOC); FPCR.DN gives the default NaN. */
function processNaN(F: Fmt, t: number, x: bigint, env: FpEnv): bigint {
  let r = x;
  if (t === SNAN) {
    r |= F.quiet;
    env.fpsr |= FPSR.IOC;
  }
  return env.fpcr & FPCR.DN ? F.defaultNaN : r;
}

/** FPProcessNaNs: signalling NaNs first, then quiet ones, operand order within each. */
function processNaNs(F: Fmt, u1: Unpacked, u2: Unpacked, a: bigint, b: bigint, env: FpEnv) {
  if (u1.t === SNAN) return processNaN(F, SNAN, a, env);
  if (u2.t === SNAN) return processNaN(F, SNAN, b, env);
  if (u1.t === QNAN) return processNaN(F, QNAN, a, env);
  if (u2.t === QNAN) return processNaN(F, QNAN, b, env);
  return null;
}

function rmode(rounding: number, env: FpEnv): number {
  return rounding === Rounding.FPCR ? (env.fpcr >>> FPCR.RMODE_SHIFT) & 3 : rounding;
}

// ---------------------------------------------------------------------------
// Rounding.

const P53 = 0x20_0000_0000_0000n;

/** Number of significant bits of m > 0. */
function bitLen(m: bigint): number {
  if (m < P53) {
    const x = Number(m);
    if (x < 0x1_0000_0000) return 32 - Math.clz32(x);
    return 64 - Math.clz32(Math.floor(x / 0x1_0000_0000));
  }
  const h = m.toString(16);
  return h.length * 4 - (Math.clz32(parseInt(h[0], 16)) - 28);
}

/**
 * FPRoundBase: round (-1)^s * m * 2^e (m > 0) to format F in mode `rm`,
 * signalling OFC/UFC/IXC (and IOC on alternative-half overflow).
 * `cv` selects FPRoundCV (conversions): FZ16 ignored, FPCR.AHP honoured.
 *
 * Arm detects tininess before rounding (biased_exp == 0 on the exact value),
 * signals UFC only when inexact, and FZ flushes any exact value below the
 * minimum normal to zero (UFC, no IXC) before rounding.
 */
function roundReal(
  F: Fmt,
  s: number,
  m: bigint,
  e: number,
  env: FpEnv,
  rm: number,
  cv = false,
): bigint {
  const exponent = e + bitLen(m) - 1;
  const fz = F.n === 16 ? !cv && (env.fpcr & FPCR.FZ16) !== 0 : (env.fpcr & FPCR.FZ) !== 0;
  if (fz && exponent < F.minExp) {
    env.fpsr |= FPSR.UFC;
    return zero(F, s);
  }
  let biased = exponent - F.minExp + 1;
  if (biased < 0) biased = 0;
  const shift = (biased > 0 ? exponent : F.minExp) - F.f - e;
  let im: bigint, cmp = -1, inexact = false; // cmp: error vs 1/2 ulp
  if (shift <= 0) {
    im = m << BigInt(-shift);
  } else {
    const sh = BigInt(shift);
    im = m >> sh;
    const rem = m & ((1n << sh) - 1n);
    if (rem !== 0n) {
      inexact = true;
      const half = 1n << (sh - 1n);
      cmp = rem > half ? 1 : rem === half ? 0 : -1;
    }
  }
  if (biased === 0 && inexact) env.fpsr |= FPSR.UFC;
  let up = false, overflowToInf: boolean;
  switch (rm) {
    case Rounding.TIEEVEN:
      up = cmp > 0 || (cmp === 0 && (im & 1n) === 1n);
      overflowToInf = true;
      break;
    case Rounding.POSINF:
      up = inexact && s === 0;
      overflowToInf = s === 0;
      break;
    case Rounding.NEGINF:
      up = inexact && s === 1;
      overflowToInf = s === 1;
      break;
    case Rounding.TIEAWAY:
      up = cmp >= 0;
      overflowToInf = true;
      break;
    default: // ZERO, ODD
      overflowToInf = false;
  }
  if (rm === Rounding.ODD && inexact) im |= 1n;
  if (up) {
    im++;
    if (im === F.hidden) biased = 1; // rounded up from denormal to normal
    else if (im === F.hidden << 1n) {
      biased++;
      im >>= 1n;
    }
  }
  let r: bigint;
  if (!(cv && F.n === 16 && (env.fpcr & FPCR.AHP) !== 0)) {
    if (biased >= F.expMax) {
      r = overflowToInf ? infinity(F, s) : zero(F, s) | F.maxNormal;
      env.fpsr |= FPSR.OFC;
      inexact = true;
    } else r = zero(F, s) | (BigInt(biased) << BigInt(F.f)) | (im & F.fracMask);
  } else if (biased >= 1 << F.e) {
    r = zero(F, s) | (F.signBit - 1n);
    env.fpsr |= FPSR.IOC;
    inexact = false;
  } else r = zero(F, s) | (BigInt(biased) << BigInt(F.f)) | (im & F.fracMask);
  if (inexact) env.fpsr |= FPSR.IXC;
  return r;
}

/** Round a signed exact value m * 2^e (m may be negative or zero-checked by the caller). */
function roundSigned(F: Fmt, m: bigint, e: number, env: FpEnv, rm: number): bigint {
  return m < 0n ? roundReal(F, 1, -m, e, env, rm) : roundReal(F, 0, m, e, env, rm);
}

/** Exact sum of two signed values m*2^e: [m, e]. */
function addExact(m1: bigint, e1: number, m2: bigint, e2: number): [bigint, number] {
  if (m1 === 0n) return [m2, e2];
  if (m2 === 0n) return [m1, e1];
  return e1 <= e2 ? [m1 + (m2 << BigInt(e2 - e1)), e1] : [(m1 << BigInt(e1 - e2)) + m2, e2];
}

function signed(u: Unpacked): bigint {
  return u.s ? -u.m : u.m;
}

/** Exact comparison of finite values: -1, 0, 1. */
function cmpValues(u1: Unpacked, u2: Unpacked): number {
  const [d] = addExact(signed(u1), u1.e, -signed(u2), u2.e);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Fast paths: JS double arithmetic where it is provably the exact answer.
//
// Taken only for normal operands in a range where neither the result nor the
// error terms can overflow or underflow (so FZ, DN and NaN rules cannot
// matter): f64 operands with unbiased exponents in [-480, 480], any normal f32
// operand (computed in double and rounded with Math.fround, which is
// innocuous double rounding for + - * / sqrt since 53 >= 2*24 + 2). The
// round-to-nearest result r comes from JS; the sign of (exact - r), computed
// exactly (TwoSum, Dekker's product, remainders), gives IXC and the
// directed-rounding correction (the directed result is r or its neighbour
// toward the exact value).

const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
const hi32 = new Uint32Array(f64.buffer);
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const HI = 1; // little-endian: word 1 of a double is the sign/exponent word
let fastPaths = true;

/**
 * Enable or disable the JS-double fast paths (tests compare both ways).
 * @internal
 */
export function _setFastPaths(on: boolean): void {
  fastPaths = on;
}

/** Double from f64 bits, or NaN when outside the fast-path range. */
function fastD(x: bigint): number {
  u64[0] = x;
  const e = (hi32[HI] >>> 20) & 0x7ff;
  return e >= 1023 - 480 && e <= 1023 + 480 ? f64[0] : NaN;
}

/** Double from f32 bits, or NaN when not a normal number. */
function fastS(x: bigint): number {
  u32[0] = Number(x);
  const e = (u32[0] >>> 23) & 0xff;
  return e !== 0 && e !== 0xff ? f32[0] : NaN;
}

const SPLIT = 134217729; // 2^27 + 1 (Veltkamp)

/** Sign of the error of the rounded product p = a*b: sign(a*b - p) (Dekker). */
function mulErrSign(a: number, b: number, p: number): number {
  let c = SPLIT * a;
  const ah = c - (c - a), al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b), bl = b - bh;
  const err = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  return err > 0 ? 1 : err < 0 ? -1 : 0;
}

/** Sign of (a - x*y) for the double x*y close to a (remainders of div / sqrt). */
function remSign(a: number, x: number, y: number): number {
  const p = x * y;
  const t = a - p; // exact: p is within a factor of 2 of a
  const ps = mulErrSign(x, y, p); // x*y = p + err, sign(err) = ps
  if (t !== 0) return t > 0 ? 1 : -1;
  return -ps;
}

/** f64 result r (RN) with err = sign(exact - r): apply the rounding mode, set IXC. */
function finishD(r: number, err: number, env: FpEnv): bigint {
  f64[0] = r;
  let bits = u64[0];
  if (err !== 0) {
    env.fpsr |= FPSR.IXC;
    const rm = (env.fpcr >>> FPCR.RMODE_SHIFT) & 3;
    if (rm !== 0) bits = adjust(bits, r < 0, err, rm);
  }
  return bits;
}

/** Directed rounding from the nearest result: step one ulp toward the exact value if needed. */
function adjust(bits: bigint, neg: boolean, err: number, rm: number): bigint {
  const toward = rm === Rounding.POSINF
    ? err > 0
    : rm === Rounding.NEGINF
    ? err < 0
    : neg === (err > 0);
  if (!toward) return bits;
  // Moving away from zero increments the magnitude, toward zero decrements it.
  const away = (err > 0) !== neg;
  return away ? bits + 1n : bits - 1n;
}

/** f32 result from a double d approximating exact with sign(exact - d) = derr. */
function finishS(d: number, derr: number, env: FpEnv): bigint | null {
  const r = Math.fround(d);
  const m = Math.abs(r);
  if (!(m > 1.1754943508222875e-38 && m < 3.4028234663852886e38)) return null;
  const err = d !== r ? (d > r ? 1 : -1) : derr;
  f32[0] = r;
  let bits = BigInt(u32[0]);
  if (err !== 0) {
    env.fpsr |= FPSR.IXC;
    const rm = (env.fpcr >>> FPCR.RMODE_SHIFT) & 3;
    if (rm !== 0) bits = adjust(bits, r < 0, err, rm);
  }
  return bits;
}

/** add/sub/mul/div in the fast range, or null. */
function fastBinary(size: FpSize, op: number, a: bigint, b: bigint, env: FpEnv): bigint | null {
  if (size === 64) {
    const x = fastD(a), y = fastD(b);
    if (x !== x || y !== y) return null;
    switch (op) {
      case 0:
      case 1: {
        const yy = op === 1 ? -y : y;
        const s = x + yy;
        if (s === 0) return null;
        const bb = s - x, err = (x - (s - bb)) + (yy - bb); // TwoSum
        return finishD(s, err > 0 ? 1 : err < 0 ? -1 : 0, env);
      }
      case 2: {
        const p = x * y;
        return finishD(p, mulErrSign(x, y, p), env);
      }
      default: {
        const q = x / y;
        return finishD(q, remSign(x, q, y) * (y < 0 ? -1 : 1), env);
      }
    }
  }
  if (size === 32) {
    const x = fastS(a), y = fastS(b);
    if (x !== x || y !== y) return null;
    switch (op) {
      case 0:
      case 1: {
        const yy = op === 1 ? -y : y;
        const s = x + yy;
        if (s === 0) return null;
        const bb = s - x, err = (x - (s - bb)) + (yy - bb);
        return finishS(s, err > 0 ? 1 : err < 0 ? -1 : 0, env);
      }
      case 2:
        return finishS(x * y, 0, env); // exact in double (48 bits)
      default: {
        const q = x / y;
        const r = Math.fround(q);
        // r*y is exact in double; sign(exact - r) = sign(x - r*y) * sign(y).
        const ry = r * y;
        const err = (x > ry ? 1 : x < ry ? -1 : 0) * (y < 0 ? -1 : 1);
        return finishS(r, err, env);
      }
    }
  }
  return null;
}

/** A normal or zero f32/f64 operand as a double (any exponent), else NaN. */
function plainD(size: FpSize, x: bigint): number {
  if (size === 64) {
    u64[0] = x;
    const e = (hi32[HI] >>> 20) & 0x7ff;
    return e !== 0x7ff && (e !== 0 || f64[0] === 0) ? f64[0] : NaN;
  }
  u32[0] = Number(x);
  const e = (u32[0] >>> 23) & 0xff;
  return e !== 0xff && (e !== 0 || f32[0] === 0) ? f32[0] : NaN;
}

/** FPToFixed for normal f32/f64 operands whose scaled value is a finite double. */
function fastToInt(
  size: FpSize,
  a: bigint,
  intBits: number,
  unsigned: boolean,
  rm: number,
  env: FpEnv,
  fracBits: number,
): bigint | null {
  const x = plainD(size, a);
  const v = x * 2 ** fracBits; // exact: a power-of-two scaling of a normal value
  if (!(Math.abs(v) < 2 ** 1000)) return null;
  // Work on the magnitude: t - floor(t) is exact for t >= 0 (it is not for v < 0,
  // e.g. v - floor(v) = 1 - 0.49999999999999994 rounds to 0.5).
  const neg = v < 0, t = Math.abs(v);
  const ti = Math.floor(t), dt = t - ti;
  let up: boolean;
  switch (rm) {
    case Rounding.TIEEVEN:
      up = dt > 0.5 || (dt === 0.5 && ti % 2 !== 0);
      break;
    case Rounding.POSINF:
      up = dt > 0 && !neg;
      break;
    case Rounding.NEGINF:
      up = dt > 0 && neg;
      break;
    case Rounding.ZERO:
      up = false;
      break;
    default:
      up = dt >= 0.5;
  }
  const mag = up ? ti + 1 : ti;
  const n = neg ? -mag : mag;
  const hi = unsigned ? 2 ** intBits - 1 : 2 ** (intBits - 1) - 1;
  const lo = unsigned ? 0 : -(2 ** (intBits - 1));
  // For 64-bit results hi rounds to 2^64 or 2^63 as a double: n >= that saturates.
  if (n > hi || n < lo || (intBits === 64 && n >= hi)) {
    env.fpsr |= FPSR.IOC;
    const M = BigInt(intBits);
    return BigInt.asUintN(
      intBits,
      n > 0
        ? (unsigned ? (1n << M) - 1n : (1n << (M - 1n)) - 1n)
        : unsigned
        ? 0n
        : -(1n << (M - 1n)),
    );
  }
  if (dt !== 0) env.fpsr |= FPSR.IXC;
  return BigInt.asUintN(intBits, BigInt(n));
}

function fastSqrt(size: FpSize, a: bigint, env: FpEnv): bigint | null {
  if (size === 64) {
    const x = fastD(a);
    if (!(x > 0)) return null;
    const r = Math.sqrt(x);
    return finishD(r, remSign(x, r, r), env);
  }
  if (size === 32) {
    const x = fastS(a);
    if (!(x > 0)) return null;
    const r = Math.fround(Math.sqrt(x));
    const rr = r * r; // exact in double
    return finishS(r, x > rr ? 1 : x < rr ? -1 : 0, env);
  }
  return null;
}

// ---------------------------------------------------------------------------
// Arithmetic.

function fpAddSub(F: Fmt, a: bigint, b: bigint, sub: boolean, env: FpEnv): bigint {
  const rm = rmode(Rounding.FPCR, env);
  const u1 = unpack(F, a, env), u2 = unpack(F, b, env);
  const nan = processNaNs(F, u1, u2, a, b, env);
  if (nan !== null) return nan;
  const s1 = u1.s, s2 = u2.s ^ (sub ? 1 : 0);
  const inf1 = u1.t === INF, inf2 = u2.t === INF;
  if (inf1 && inf2 && s1 !== s2) return invalid(F, env);
  if ((inf1 && s1 === 0) || (inf2 && s2 === 0)) return F.inf;
  if (inf1 || inf2) return infinity(F, 1);
  if (u1.t === ZERO && u2.t === ZERO && s1 === s2) return zero(F, s1);
  const [m, e] = addExact(s1 ? -u1.m : u1.m, u1.e, s2 ? -u2.m : u2.m, u2.e);
  if (m === 0n) return zero(F, rm === Rounding.NEGINF ? 1 : 0);
  return roundSigned(F, m, e, env, rm);
}

function fpMulCore(F: Fmt, a: bigint, b: bigint, mulx: boolean, env: FpEnv): bigint {
  const u1 = unpack(F, a, env), u2 = unpack(F, b, env);
  const nan = processNaNs(F, u1, u2, a, b, env);
  if (nan !== null) return nan;
  const s = u1.s ^ u2.s;
  const inf1 = u1.t === INF, inf2 = u2.t === INF;
  const zero1 = u1.t === ZERO, zero2 = u2.t === ZERO;
  if ((inf1 && zero2) || (zero1 && inf2)) {
    // FPMulX: 2.0 with the product's sign (Arm ARM FPMulX).
    return mulx ? zero(F, s) | (BigInt(F.bias + 1) << BigInt(F.f)) : invalid(F, env);
  }
  if (inf1 || inf2) return infinity(F, s);
  if (zero1 || zero2) return zero(F, s);
  return roundReal(F, s, u1.m * u2.m, u1.e + u2.e, env, rmode(Rounding.FPCR, env));
}

function fpDivCore(F: Fmt, a: bigint, b: bigint, env: FpEnv): bigint {
  const u1 = unpack(F, a, env), u2 = unpack(F, b, env);
  const nan = processNaNs(F, u1, u2, a, b, env);
  if (nan !== null) return nan;
  const s = u1.s ^ u2.s;
  const inf1 = u1.t === INF, inf2 = u2.t === INF;
  const zero1 = u1.t === ZERO, zero2 = u2.t === ZERO;
  if ((inf1 && inf2) || (zero1 && zero2)) return invalid(F, env);
  if (inf1 || zero2) {
    if (!inf1) env.fpsr |= FPSR.DZC;
    return infinity(F, s);
  }
  if (zero1 || inf2) return zero(F, s);
  // Quotient with at least F+3 bits, then a sticky bit below it.
  const k = Math.max(0, bitLen(u2.m) - bitLen(u1.m) + F.f + 3);
  const num = u1.m << BigInt(k);
  const q = num / u2.m;
  const sticky = num - q * u2.m !== 0n ? 1n : 0n;
  return roundReal(F, s, (q << 1n) | sticky, u1.e - u2.e - k - 1, env, rmode(Rounding.FPCR, env));
}

/** Integer square root: floor(sqrt(n)), n >= 0. */
function isqrt(n: bigint): bigint {
  if (n < P53) return BigInt(Math.floor(Math.sqrt(Number(n))));
  let x = 1n << BigInt((bitLen(n) >> 1) + 1); // > sqrt(n)
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * FSQRT (Arm ARM FPSqrt): NaNs propagate, sqrt(-0) = -0, negative operands
 * give the default NaN (IOC), otherwise the correctly rounded root.
 */
export function fpSqrt(size: FpSize, a: bigint, env: FpEnv): bigint {
  if (fastPaths) {
    const r = fastSqrt(size, a, env);
    if (r !== null) return r;
  }
  const F = FMT[size];
  const u = unpack(F, a, env);
  if (isNaNType(u.t)) return processNaN(F, u.t, a, env);
  if (u.t === ZERO) return zero(F, u.s);
  if (u.t === INF && u.s === 0) return F.inf;
  if (u.s === 1) return invalid(F, env);
  // Make the exponent even and the radicand at least 2F+6 bits: the root has F+3.
  let m = u.m, e = u.e;
  let sh = Math.max(0, 2 * F.f + 6 - bitLen(m));
  if ((e - sh) & 1) sh++;
  m <<= BigInt(sh);
  e -= sh;
  let r = isqrt(m);
  while (r * r > m) r--; // Math.sqrt guess may be one high near 2^53
  while ((r + 1n) * (r + 1n) <= m) r++;
  const sticky = r * r !== m ? 1n : 0n;
  return roundReal(F, 0, (r << 1n) | sticky, e / 2 - 1, env, rmode(Rounding.FPCR, env));
}

/** FPMax / FPMin (`max` false): NaNs propagate; +0 beats -0 for max, -0 for min. */
function fpMaxMin(F: Fmt, a: bigint, b: bigint, max: boolean, env: FpEnv): bigint {
  const u1 = unpack(F, a, env), u2 = unpack(F, b, env);
  const nan = processNaNs(F, u1, u2, a, b, env);
  if (nan !== null) return nan;
  const c = compareFinite(u1, u2);
  const pick1 = max ? c > 0 : c < 0;
  const u = pick1 ? u1 : u2;
  if (u.t === INF) return infinity(F, u.s);
  if (u.t === ZERO) return zero(F, max ? u1.s & u2.s : u1.s | u2.s);
  // FPRound of a representable value is exact: the operand itself.
  return roundReal(F, u.s, u.m, u.e, env, rmode(Rounding.FPCR, env));
}

/** FPMaxNum / FPMinNum: a single quiet NaN is treated as -inf (max) / +inf (min). */
function fpMaxMinNum(F: Fmt, a: bigint, b: bigint, max: boolean, env: FpEnv): bigint {
  const t1 = unpack(F, a, env).t, t2 = unpack(F, b, env).t;
  let x = a, y = b;
  const filler = infinity(F, max ? 1 : 0);
  if (t1 === QNAN && t2 !== QNAN) x = filler;
  else if (t1 !== QNAN && t2 === QNAN) y = filler;
  return fpMaxMin(F, x, y, max, env);
}

/**
 * FRECPS (`rsqrt` false: FPRecipStepFused, 2 - a*b) and FRSQRTS
 * (FPRSqrtStepFused, (3 - a*b) / 2), fused with one rounding; inf*0 gives
 * 2.0 / 1.5 without signalling. The first operand is negated before NaN
 * processing, so a NaN from it comes back with its sign flipped.
 */
function fpStepFused(F: Fmt, a: bigint, b: bigint, rsqrt: boolean, env: FpEnv): bigint {
  const na = a ^ F.signBit;
  const u1 = unpack(F, na, env), u2 = unpack(F, b, env);
  const nan = processNaNs(F, u1, u2, na, b, env);
  if (nan !== null) return nan;
  const inf1 = u1.t === INF, inf2 = u2.t === INF;
  if ((inf1 && u2.t === ZERO) || (u1.t === ZERO && inf2)) {
    // FPTwo / FPOnePointFive.
    return rsqrt ? BigInt(F.bias) << BigInt(F.f) | F.quiet : BigInt(F.bias + 1) << BigInt(F.f);
  }
  if (inf1 || inf2) return infinity(F, u1.s ^ u2.s);
  const rm = rmode(Rounding.FPCR, env);
  const pm = u1.s ^ u2.s ? -(u1.m * u2.m) : u1.m * u2.m;
  const [m, e] = addExact(rsqrt ? 3n : 2n, 0, pm, u1.e + u2.e);
  if (m === 0n) return zero(F, rm === Rounding.NEGINF ? 1 : 0);
  return roundSigned(F, m, rsqrt ? e - 1 : e, env, rm);
}

/**
 * A binary scalar FP operation, as the instruction of the same name does it:
 * `add` FADD, `sub` FSUB, `mul` FMUL, `div` FDIV, `max`/`min` FMAX/FMIN,
 * `maxnm`/`minnm` FMAXNM/FMINNM, `mulx` FMULX, `nmul` FNMUL (the negated
 * product, NaNs included), `abd` FABD (|a - b|, NaN sign cleared too),
 * `recps` FRECPS, `rsqrts` FRSQRTS.
 */
export function fpBinary(op: FpBinOp, size: FpSize, a: bigint, b: bigint, env: FpEnv): bigint {
  const F = FMT[size];
  switch (op) {
    case "add":
      return (fastPaths ? fastBinary(size, 0, a, b, env) : null) ?? fpAddSub(F, a, b, false, env);
    case "sub":
      return (fastPaths ? fastBinary(size, 1, a, b, env) : null) ?? fpAddSub(F, a, b, true, env);
    case "mul":
      return (fastPaths ? fastBinary(size, 2, a, b, env) : null) ?? fpMulCore(F, a, b, false, env);
    case "div":
      return (fastPaths ? fastBinary(size, 3, a, b, env) : null) ?? fpDivCore(F, a, b, env);
    case "max":
      return fpMaxMin(F, a, b, true, env);
    case "min":
      return fpMaxMin(F, a, b, false, env);
    case "maxnm":
      return fpMaxMinNum(F, a, b, true, env);
    case "minnm":
      return fpMaxMinNum(F, a, b, false, env);
    case "mulx":
      return fpMulCore(F, a, b, true, env);
    case "nmul":
      return fpBinary("mul", size, a, b, env) ^ F.signBit;
    case "abd":
      return fpBinary("sub", size, a, b, env) & ~F.signBit;
    case "recps":
      return fpStepFused(F, a, b, false, env);
    case "rsqrts":
      return fpStepFused(F, a, b, true, env);
  }
}

/**
 * FMADD and friends (Arm ARM FPMulAdd): `addend + a*b` fused, one rounding.
 * FMADD: no negation; FMSUB: `negProduct` (a negated); FNMADD: both;
 * FNMSUB: `negAddend`. Negation happens before NaN processing (FPNeg), so a
 * propagated NaN from a negated operand has its sign flipped. NaN priority
 * is FPProcessNaNs3(addend, a, b); inf*0 with a quiet-NaN addend gives the
 * default NaN and IOC.
 */
export function fpMulAdd(
  size: FpSize,
  addend: bigint,
  a: bigint,
  b: bigint,
  negAddend: boolean,
  negProduct: boolean,
  env: FpEnv,
): bigint {
  const F = FMT[size];
  const x = negAddend ? addend ^ F.signBit : addend;
  const y = negProduct ? a ^ F.signBit : a;
  const uA = unpack(F, x, env), u1 = unpack(F, y, env), u2 = unpack(F, b, env);
  const rm = rmode(Rounding.FPCR, env);
  const inf1 = u1.t === INF, inf2 = u2.t === INF;
  const zero1 = u1.t === ZERO, zero2 = u2.t === ZERO;
  // FPProcessNaNs3.
  let nan: bigint | null = null;
  if (uA.t === SNAN) nan = processNaN(F, SNAN, x, env);
  else if (u1.t === SNAN) nan = processNaN(F, SNAN, y, env);
  else if (u2.t === SNAN) nan = processNaN(F, SNAN, b, env);
  else if (uA.t === QNAN) nan = processNaN(F, QNAN, x, env);
  else if (u1.t === QNAN) nan = processNaN(F, QNAN, y, env);
  else if (u2.t === QNAN) nan = processNaN(F, QNAN, b, env);
  if (uA.t === QNAN && ((inf1 && zero2) || (zero1 && inf2))) return invalid(F, env);
  if (nan !== null) return nan;
  const infA = uA.t === INF, zeroA = uA.t === ZERO;
  const sP = u1.s ^ u2.s, infP = inf1 || inf2, zeroP = zero1 || zero2;
  if ((inf1 && zero2) || (zero1 && inf2) || (infA && infP && uA.s !== sP)) return invalid(F, env);
  if ((infA && uA.s === 0) || (infP && sP === 0)) return F.inf;
  if (infA || infP) return infinity(F, 1);
  if (zeroA && zeroP && uA.s === sP) return zero(F, uA.s);
  const pm = u1.m * u2.m;
  const [m, e] = addExact(signed(uA), uA.e, sP ? -pm : pm, u1.e + u2.e);
  if (m === 0n) return zero(F, rm === Rounding.NEGINF ? 1 : 0);
  return roundSigned(F, m, e, env, rm);
}

/**
 * FCMP / FCMPE (Arm ARM FPCompare): NZCV as a 4-bit number (N=8 Z=4 C=2
 * V=1): equal 0110, less 1000, greater 0010, unordered 0011. A signalling
 * NaN raises IOC; with `signalAll` (FCMPE) any NaN does.
 */
export function fpCompare(
  size: FpSize,
  a: bigint,
  b: bigint,
  signalAll: boolean,
  env: FpEnv,
): number {
  if (fastPaths && size !== 16) {
    const x = plainD(size, a), y = plainD(size, b);
    if (x === x && y === y) return x === y ? 0b0110 : x < y ? 0b1000 : 0b0010;
  }
  const F = FMT[size];
  const u1 = unpack(F, a, env), u2 = unpack(F, b, env);
  if (isNaNType(u1.t) || isNaNType(u2.t)) {
    if (u1.t === SNAN || u2.t === SNAN || signalAll) env.fpsr |= FPSR.IOC;
    return 0b0011;
  }
  const c = compareFinite(u1, u2);
  return c === 0 ? 0b0110 : c < 0 ? 0b1000 : 0b0010;
}

/** Compare non-NaN values, infinities included. */
function compareFinite(u1: Unpacked, u2: Unpacked): number {
  const i1 = u1.t === INF ? (u1.s ? -1 : 1) : 0, i2 = u2.t === INF ? (u2.s ? -1 : 1) : 0;
  if (i1 !== 0 || i2 !== 0) {
    if (i1 === i2) return 0;
    if (i1 !== 0 && i2 !== 0) return i1 < i2 ? -1 : 1;
    return i1 !== 0 ? i1 : -i2;
  }
  return cmpValues(u1, u2);
}

// ---------------------------------------------------------------------------
// Conversions.

/**
 * FCVT between precisions (Arm ARM FPConvert with FPUnpackCV/FPRoundCV):
 * rounding per FPCR.RMode; FZ applies to single/double operands and results,
 * FZ16 never; half precision in the alternative format when FPCR.AHP
 * (NaN -> zero and IOC, infinity / overflow -> max magnitude and IOC).
 * NaNs keep their payload (FPConvertNaN) unless FPCR.DN. `rounding`
 * overrides FPCR.RMode (FCVTXN: {@link Rounding}.ODD).
 */
export function fpConvert(
  from: FpSize,
  to: FpSize,
  a: bigint,
  env: FpEnv,
  rounding: number = Rounding.FPCR,
): bigint {
  if (fastPaths && from !== 16 && to !== 16 && rounding === Rounding.FPCR) {
    const x = plainD(from, a);
    if (x === x && x !== 0) {
      if (to === 64) {
        f64[0] = x;
        return u64[0];
      }
      const r = finishS(x, 0, env);
      if (r !== null) return r;
    }
  }
  const F = FMT[from], T = FMT[to];
  const u = unpackCV(F, a, env);
  const altHp = to === 16 && (env.fpcr & FPCR.AHP) !== 0;
  if (isNaNType(u.t)) {
    let r: bigint;
    if (altHp) r = zero(T, u.s);
    else if (env.fpcr & FPCR.DN) r = T.defaultNaN;
    else {
      // FPConvertNaN: the fraction below the quiet bit, left-aligned to 51 bits.
      const frac51 = (a & (F.quiet - 1n)) << BigInt(52 - F.f);
      r = zero(T, u.s) | T.inf | T.quiet | (frac51 >> BigInt(52 - T.f));
    }
    if (u.t === SNAN || altHp) env.fpsr |= FPSR.IOC;
    return r;
  }
  if (u.t === INF) {
    if (altHp) {
      env.fpsr |= FPSR.IOC;
      return zero(T, u.s) | (T.signBit - 1n);
    }
    return infinity(T, u.s);
  }
  if (u.t === ZERO) return zero(T, u.s);
  return roundReal(T, u.s, u.m, u.e, env, rmode(rounding, env), true);
}

/**
 * FCVT{N,P,M,Z,A}{S,U} and FCVTZ{S,U} with `fracBits` (Arm ARM FPToFixed):
 * value * 2^fracBits rounded in `rounding` (5 = FPCR), saturated to the
 * signed or unsigned intBits range. NaN gives 0 and IOC; saturation IOC (no
 * IXC); otherwise IXC when inexact. Returns the unsigned intBits pattern.
 */
export function fpToInt(
  size: FpSize,
  a: bigint,
  intBits: 32 | 64 | 16,
  unsigned: boolean,
  rounding: number,
  env: FpEnv,
  fracBits = 0,
): bigint {
  const rm = rmode(rounding, env);
  if (fastPaths && size !== 16) {
    const r = fastToInt(size, a, intBits, unsigned, rm, env, fracBits);
    if (r !== null) return r;
  }
  const F = FMT[size];
  const u = unpack(F, a, env);
  const M = BigInt(intBits);
  const hi = unsigned ? (1n << M) - 1n : (1n << (M - 1n)) - 1n;
  const lo = unsigned ? 0n : -(1n << (M - 1n));
  if (isNaNType(u.t)) {
    env.fpsr |= FPSR.IOC;
    return 0n;
  }
  if (u.t === INF) {
    env.fpsr |= FPSR.IOC;
    return BigInt.asUintN(intBits, u.s ? lo : hi);
  }
  if (u.t === ZERO) return 0n;
  const v = signed(u), e = u.e + fracBits;
  let n: bigint, cmp = -1, inexact = false;
  if (e >= 0) n = v << BigInt(e);
  else {
    const sh = BigInt(-e);
    n = v >> sh; // RoundDown
    const err = v - (n << sh);
    if (err !== 0n) {
      inexact = true;
      const half = 1n << (sh - 1n);
      cmp = err > half ? 1 : err === half ? 0 : -1;
    }
  }
  let up: boolean;
  switch (rm) {
    case Rounding.TIEEVEN:
      up = cmp > 0 || (cmp === 0 && (n & 1n) === 1n);
      break;
    case Rounding.POSINF:
      up = inexact;
      break;
    case Rounding.NEGINF:
      up = false;
      break;
    case Rounding.ZERO:
      up = inexact && n < 0n;
      break;
    default: // TIEAWAY
      up = cmp > 0 || (cmp === 0 && n >= 0n);
  }
  if (up) n++;
  if (n > hi || n < lo) {
    env.fpsr |= FPSR.IOC;
    return BigInt.asUintN(intBits, n > hi ? hi : lo);
  }
  if (inexact) env.fpsr |= FPSR.IXC;
  return BigInt.asUintN(intBits, n);
}

/**
 * SCVTF / UCVTF, fixed-point when `fracBits` > 0 (Arm ARM FixedToFP): the
 * intBits-wide pattern `a`, read signed or unsigned, divided by 2^fracBits
 * and rounded per FPCR (FZ/FZ16 apply to tiny results); zero is +0.
 */
export function intToFp(
  size: FpSize,
  a: bigint,
  intBits: 32 | 64 | 16,
  unsigned: boolean,
  env: FpEnv,
  fracBits = 0,
): bigint {
  const F = FMT[size];
  const v = unsigned ? BigInt.asUintN(intBits, a) : BigInt.asIntN(intBits, a);
  if (v === 0n) return 0n;
  if (fastPaths && size !== 16 && v <= P53 && v >= -P53) {
    const d = Number(v) / 2 ** fracBits; // exact
    if (size === 64) {
      f64[0] = d;
      return u64[0];
    }
    const r = finishS(d, 0, env);
    if (r !== null) return r;
  }
  return roundSigned(F, v, -fracBits, env, rmode(Rounding.FPCR, env));
}

/**
 * FRINT{N,P,M,Z,A,I} (`exact` false) and FRINTX (`exact` true: IXC when the
 * value changes) (Arm ARM FPRoundInt); `rounding` 5 = FPCR. A zero result
 * keeps the operand's sign.
 */
export function fpRoundInt(
  size: FpSize,
  a: bigint,
  rounding: number,
  exact: boolean,
  env: FpEnv,
): bigint {
  const F = FMT[size];
  const u = unpack(F, a, env);
  if (isNaNType(u.t)) return processNaN(F, u.t, a, env);
  if (u.t === INF) return infinity(F, u.s);
  if (u.t === ZERO) return zero(F, u.s);
  if (u.e >= 0) return a; // already an integer
  const scratch: FpEnv = { fpcr: 0, fpsr: 0 };
  const n = fpToIntUnbounded(signed(u), u.e, rmode(rounding, env), scratch);
  if (exact && scratch.fpsr & FPSR.IXC) env.fpsr |= FPSR.IXC;
  if (n === 0n) return zero(F, u.s);
  // Integers below 2^F... are representable: FPRound is exact here.
  return n < 0n
    ? roundReal(F, 1, -n, 0, env, Rounding.ZERO)
    : roundReal(F, 0, n, 0, env, Rounding.ZERO);
}

/**
 * FRINT32{Z,X} / FRINT64{Z,X} (FEAT_FRINTTS, Arm ARM FPRoundIntN): round to
 * an integral value that fits a signed `intBits` integer; NaN, infinity or
 * out of range give the most negative such integer as FP with IOC; IXC
 * whenever the value changes. `rounding` 5 = FPCR (the X forms).
 */
export function fpRoundIntN(
  size: 32 | 64,
  a: bigint,
  intBits: 32 | 64,
  rounding: number,
  env: FpEnv,
): bigint {
  const F = FMT[size];
  const u = unpack(F, a, env);
  const minInt = F.signBit | (BigInt(F.bias + intBits - 1) << BigInt(F.f)); // -2^(intBits-1)
  if (isNaNType(u.t) || u.t === INF) {
    env.fpsr |= FPSR.IOC;
    return minInt;
  }
  if (u.t === ZERO) return zero(F, u.s);
  const scratch: FpEnv = { fpcr: 0, fpsr: 0 };
  const n = u.e >= 0
    ? signed(u) << BigInt(u.e)
    : fpToIntUnbounded(signed(u), u.e, rmode(rounding, env), scratch);
  const lim = 1n << BigInt(intBits - 1);
  if (n >= lim || n < -lim) {
    env.fpsr |= FPSR.IOC;
    return minInt;
  }
  env.fpsr |= scratch.fpsr & FPSR.IXC;
  if (n === 0n) return zero(F, u.s);
  return n < 0n
    ? roundReal(F, 1, -n, 0, env, Rounding.ZERO)
    : roundReal(F, 0, n, 0, env, Rounding.ZERO);
}

/**
 * FJCVTZS (FEAT_JSCVT, Arm ARM FPToFixedJS): a double to int32 the way
 * JavaScript's ToInt32 does (round toward zero, modulo 2^32). Returns the
 * 32-bit result and NZCV: 0b0100 (Z) when the conversion was exact and in
 * range (and not -0 or a flushed denormal), else 0. NaN: IOC; out of range:
 * IOC; otherwise inexact: IXC. Infinity and NaN give 0.
 */
export function fpToInt32Js(a: bigint, env: FpEnv): [bigint, number] {
  const F = FMT[64];
  const u = unpack(F, a, env);
  let z = 1;
  if (isNaNType(u.t)) {
    env.fpsr |= FPSR.IOC;
    return [0n, 0];
  }
  if (u.t === INF) {
    env.fpsr |= FPSR.IOC;
    return [0n, 0];
  }
  let n = 0n, inexact = false;
  if (u.t !== ZERO) {
    if (u.e >= 0) n = signed(u) << BigInt(u.e);
    else {
      const sh = BigInt(-u.e);
      n = u.m >> sh; // round toward zero on the magnitude
      inexact = (u.m & ((1n << sh) - 1n)) !== 0n;
      if (u.s) n = -n;
    }
  }
  if (n < -(1n << 31n) || n >= 1n << 31n) {
    env.fpsr |= FPSR.IOC;
    z = 0;
  } else if (inexact) {
    env.fpsr |= FPSR.IXC;
    z = 0;
  } else if (u.t === ZERO && (u.s === 1 || (a & F.fracMask) !== 0n)) z = 0;
  return [BigInt.asUintN(32, n), z << 2];
}

/** RoundDown + rounding-mode increment of v * 2^e (e < 0); IXC into env when inexact. */
function fpToIntUnbounded(v: bigint, e: number, rm: number, env: FpEnv): bigint {
  const sh = BigInt(-e);
  let n = v >> sh;
  const err = v - (n << sh);
  if (err === 0n) return n;
  env.fpsr |= FPSR.IXC;
  const half = 1n << (sh - 1n);
  const cmp = err > half ? 1 : err === half ? 0 : -1;
  let up: boolean;
  switch (rm) {
    case Rounding.TIEEVEN:
      up = cmp > 0 || (cmp === 0 && (n & 1n) === 1n);
      break;
    case Rounding.POSINF:
      up = true;
      break;
    case Rounding.NEGINF:
      up = false;
      break;
    case Rounding.ZERO:
      up = n < 0n;
      break;
    default:
      up = cmp > 0 || (cmp === 0 && n >= 0n);
  }
  if (up) n++;
  return n;
}

// ---------------------------------------------------------------------------
// Estimates.

/** RecipEstimate (FEAT_RPRES off): a in [256, 512) -> r in [256, 512). */
function recipEstimate(a: number): number {
  const b = Math.floor((1 << 19) / (a * 2 + 1));
  return (b + 1) >> 1;
}

/** RecipSqrtEstimate (FEAT_RPRES off): a in [128, 512) -> r in [256, 512). */
function recipSqrtEstimate(a0: number): number {
  let r = rsqrtTable[a0];
  if (r === 0) {
    const a = a0 < 256 ? a0 * 2 + 1 : (((a0 >> 1) << 1) + 1) * 2;
    let b = 512;
    while (a * (b + 1) * (b + 1) < 1 << 28) b++;
    r = rsqrtTable[a0] = (b + 1) >> 1;
  }
  return r;
}

const rsqrtTable = new Uint16Array(512);

/** The 52-bit fraction (Arm ARM: operand fraction left-aligned to bit 51) and exponent field. */
function fraction52(F: Fmt, a: bigint): [bigint, number] {
  return [(a & F.fracMask) << BigInt(52 - F.f), Number((a >> BigInt(F.f)) & BigInt(F.expMax))];
}

/**
 * FRECPE (Arm ARM FPRecipEstimate, FPCR.AH = 0): an 8-bit reciprocal
 * estimate (RecipEstimate). Zero -> infinity (DZC); |x| below 2^-16 / 2^-128
 * / 2^-1024 -> infinity or max normal by rounding mode (OFC, IXC); with
 * FZ/FZ16, |x| >= 2^14 / 2^126 / 2^1022 -> zero (UFC).
 */
export function fpRecipEstimate(size: FpSize, a: bigint, env: FpEnv): bigint {
  const F = FMT[size];
  const u = unpack(F, a, env);
  const rm = rmode(Rounding.FPCR, env);
  if (isNaNType(u.t)) return processNaN(F, u.t, a, env);
  if (u.t === INF) return zero(F, u.s);
  if (u.t === ZERO) {
    env.fpsr |= FPSR.DZC;
    return infinity(F, u.s);
  }
  const exponent = u.e + bitLen(u.m) - 1; // floor(log2 |value|)
  if (exponent < -(F.bias + 1)) { // |value| < 2^-16, 2^-128, 2^-1024
    const toInf = rm === Rounding.TIEEVEN ||
      (rm === Rounding.POSINF && u.s === 0) || (rm === Rounding.NEGINF && u.s === 1);
    env.fpsr |= FPSR.OFC | FPSR.IXC;
    return toInf ? infinity(F, u.s) : zero(F, u.s) | F.maxNormal;
  }
  if (fzOf(F, env) && exponent >= F.bias - 1) { // |value| >= 2^(bias-1): result below normal
    env.fpsr |= FPSR.UFC;
    return zero(F, u.s);
  }
  let [fraction, exp] = fraction52(F, a);
  if (exp === 0) {
    if ((fraction >> 51n) === 0n) {
      exp = -1;
      fraction = (fraction << 2n) & 0xf_ffff_ffff_ffffn;
    } else fraction = (fraction << 1n) & 0xf_ffff_ffff_ffffn;
  }
  const scaled = 256 | Number(fraction >> 44n);
  let resultExp = 2 * F.bias - 1 - exp; // 29, 253, 2045
  const est = BigInt(recipEstimate(scaled) & 0xff);
  let frac = est << 44n;
  if (resultExp === 0) frac = (1n << 51n) | (frac >> 1n);
  else if (resultExp === -1) {
    frac = (1n << 50n) | (frac >> 2n);
    resultExp = 0;
  }
  return zero(F, u.s) | (BigInt(resultExp) << BigInt(F.f)) | (frac >> BigInt(52 - F.f));
}

/**
 * FRSQRTE (Arm ARM FPRSqrtEstimate, FPCR.AH = 0): an 8-bit reciprocal
 * square root estimate. Zero -> infinity (DZC); negative -> default NaN
 * (IOC); +inf -> +0.
 */
export function fpRSqrtEstimate(size: FpSize, a: bigint, env: FpEnv): bigint {
  const F = FMT[size];
  const u = unpack(F, a, env);
  if (isNaNType(u.t)) return processNaN(F, u.t, a, env);
  if (u.t === ZERO) {
    env.fpsr |= FPSR.DZC;
    return infinity(F, u.s);
  }
  if (u.s === 1) return invalid(F, env);
  if (u.t === INF) return 0n;
  let [fraction, exp] = fraction52(F, a);
  if (exp === 0) {
    while ((fraction >> 51n) === 0n) {
      fraction <<= 1n;
      exp--;
    }
    fraction = (fraction << 1n) & 0xf_ffff_ffff_ffffn;
  }
  const scaled = (exp & 1) === 0 ? 256 | Number(fraction >> 44n) : 128 | Number(fraction >> 45n);
  const resultExp = Math.floor((3 * F.bias - 1 - exp) / 2); // (44|380|3068 - exp) DIV 2
  const est = BigInt(recipSqrtEstimate(scaled) & 0xff);
  return (BigInt(resultExp) << BigInt(F.f)) | ((est << 44n) >> BigInt(52 - F.f));
}

/**
 * URECPE (Arm ARM UnsignedRecipEstimate): a 9-bit estimate of 2^32 / x in
 * bits 31:23 for x with bit 31 set; all ones otherwise.
 */
export function unsignedRecipEstimate(x: number): number {
  if (x >= 0 && x < 0x8000_0000) return -1;
  return (recipEstimate((x >>> 23) & 0x1ff) & 0x1ff) << 23;
}

/**
 * URSQRTE (Arm ARM UnsignedRSqrtEstimate): a 9-bit estimate of 2^32 / sqrt(x)
 * in bits 31:23 for x with bit 31 or 30 set; all ones otherwise.
 */
export function unsignedRSqrtEstimate(x: number): number {
  if ((x >>> 30) === 0) return -1;
  return (recipSqrtEstimate((x >>> 23) & 0x1ff) & 0x1ff) << 23;
}

/**
 * FRECPX (Arm ARM FPRecpX): sign kept, exponent field inverted (zero and
 * denormal operands give the maximum finite exponent), fraction cleared.
 */
export function fpRecpX(size: FpSize, a: bigint, env: FpEnv): bigint {
  const F = FMT[size];
  const u = unpack(F, a, env);
  if (isNaNType(u.t)) return processNaN(F, u.t, a, env);
  const exp = Number((a >> BigInt(F.f)) & BigInt(F.expMax));
  const r = exp === 0 ? F.expMax - 1 : ~exp & F.expMax;
  return zero(F, u.s) | (BigInt(r) << BigInt(F.f));
}

// ---------------------------------------------------------------------------
// Bit manipulation.

/**
 * VFPExpandImm: the FMOV (immediate) constant for `imm8` =
 * sign:NOT(b6):Replicate(b6, E-3):b5:b4 exponent, b3..b0 top fraction.
 */
export function vfpExpandImm(size: FpSize, imm8: number): bigint {
  const F = FMT[size];
  const b6 = (imm8 >> 6) & 1;
  const exp = ((b6 ^ 1) << (F.e - 1)) | ((b6 ? (1 << (F.e - 3)) - 1 : 0) << 2) |
    ((imm8 >> 4) & 3);
  return (BigInt((imm8 >> 7) & 1) << BigInt(F.n - 1)) | (BigInt(exp) << BigInt(F.f)) |
    (BigInt(imm8 & 15) << BigInt(F.f - 4));
}

/** FABS: clear the sign bit (NaNs too, FPCR.AH = 0). */
export function fpAbs(size: FpSize, a: bigint): bigint {
  return a & ~FMT[size].signBit;
}

/** FNEG: flip the sign bit (NaNs too, FPCR.AH = 0). */
export function fpNeg(size: FpSize, a: bigint): bigint {
  return a ^ FMT[size].signBit;
}
