/**
 * Data-processing instruction handlers (Arm ARM C4.1.2 "Data Processing --
 * Immediate", C4.1.6 "Data Processing -- Register"), on int32 halves.
 *
 * Every handler takes the instruction word. Register operands go through
 * the maps in core.ts: RZ (31 reads XZR), WZ (31 writes are discarded) and
 * RS (31 is SP). Results of 32-bit (W) forms zero the upper half.
 * Flags are kept in QEMU's split form (core.ts W.NF/ZF/CF/VF).
 *
 * @module
 */

import * as bits_ from "./bits.ts";
import * as core_ from "./core.ts";
import * as exc_ from "./exc.ts";

// Module-local aliases of imported values: V8 optimizes these far better than
// imported bindings in hot code (measured 2-3x on handlers).
const {
  asr64,
  bswap32,
  cls32,
  logicalImm,
  lsl64,
  lsr64,
  mul64,
  R64,
  rbit32,
  rev16_32,
  sdiv64,
  shift32,
  shift64,
  smulh64,
  udiv64,
  umulh64,
} = bits_;
const { RS, RZ, W, WZ, X } = core_;
const { undef } = exc_;

// ---------------------------------------------------------------------------
// Shared arithmetic (Arm ARM J1 AddWithCarry) and conditions (ConditionHolds).

/**
 * 64-bit AddWithCarry into R64; sets NZCV when `flags`. Carries come from
 * unsigned compares of the int32 halves (no float arithmetic on this path).
 */
export function add64(
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
  cin: number,
  flags: boolean,
): void {
  const lo = (alo + blo + cin) | 0;
  const c0 = cin ? (lo >>> 0) <= (alo >>> 0) : (lo >>> 0) < (alo >>> 0);
  const hi = (ahi + bhi + (c0 ? 1 : 0)) | 0;
  if (flags) {
    X[W.NF] = hi;
    X[W.ZF] = lo | hi;
    X[W.CF] = (c0 ? (hi >>> 0) <= (ahi >>> 0) : (hi >>> 0) < (ahi >>> 0)) ? 1 : 0;
    X[W.VF] = (ahi ^ hi) & ~(ahi ^ bhi);
  }
  R64.lo = lo;
  R64.hi = hi;
}

/** 32-bit AddWithCarry; sets NZCV when `flags`. */
export function add32(a: number, b: number, cin: number, flags: boolean): number {
  const r = (a + b + cin) | 0;
  if (flags) {
    X[W.NF] = r;
    X[W.ZF] = r;
    X[W.CF] = (cin ? (r >>> 0) <= (a >>> 0) : (r >>> 0) < (a >>> 0)) ? 1 : 0;
    X[W.VF] = (a ^ r) & ~(a ^ b);
  }
  return r;
}

/** ConditionHolds(cond) on the current flags (Arm ARM C1.2.4). */
export function condHolds(c: number): boolean {
  const x = X;
  let r: boolean;
  switch (c >>> 1) {
    case 0:
      r = x[W.ZF] === 0;
      break;
    case 1:
      r = x[W.CF] !== 0;
      break;
    case 2:
      r = x[W.NF] < 0;
      break;
    case 3:
      r = x[W.VF] < 0;
      break;
    case 4:
      r = x[W.CF] !== 0 && x[W.ZF] !== 0;
      break;
    case 5:
      r = (x[W.NF] ^ x[W.VF]) >= 0;
      break;
    case 6:
      r = x[W.ZF] !== 0 && (x[W.NF] ^ x[W.VF]) >= 0;
      break;
    default:
      return true;
  }
  return (c & 1) !== 0 ? !r : r;
}

function setLogicFlags(lo: number, hi: number): void {
  const x = X;
  x[W.NF] = hi;
  x[W.ZF] = lo | hi;
  x[W.CF] = 0;
  x[W.VF] = 0;
}

/** Write a 64-bit result. */
function wr64(d: number, lo: number, hi: number): void {
  X[d] = lo;
  X[d + 1] = hi;
}

/** Write a 32-bit result (upper half zeroed). */
function wr32(d: number, v: number): void {
  X[d] = v;
  X[d + 1] = 0;
}

/** Sign-extend the low `bits` of v. */
function sext(v: number, bits: number): number {
  return (v << (32 - bits)) >> (32 - bits);
}

// ---------------------------------------------------------------------------
// PC-relative addressing (C6.2.10 ADR, C6.2.11 ADRP).

function addOffset(lo: number, hi: number, off: number): void {
  add64(lo, hi, off | 0, Math.floor(off / 0x1_0000_0000) | 0, 0, false);
}

export function ADR(i: number): void {
  const x = X;
  const imm = sext(((i >>> 3) & 0x1f_fffc) | ((i >>> 29) & 3), 21);
  addOffset(x[W.PC], x[W.PC + 1], imm);
  wr64(WZ[i & 31], R64.lo, R64.hi);
}

export function ADRP(i: number): void {
  const x = X;
  const imm = sext(((i >>> 3) & 0x1f_fffc) | ((i >>> 29) & 3), 21);
  addOffset(x[W.PC] & ~0xfff, x[W.PC + 1], imm * 4096);
  wr64(WZ[i & 31], R64.lo, R64.hi);
}

// ---------------------------------------------------------------------------
// Add/subtract (immediate) (C6.2.4 ADD, C6.2.8 ADDS, C6.2.357 SUB, C6.2.363 SUBS).

export function ADD_imm(i: number): void {
  const x = X,
    n = RS[(i >>> 5) & 31],
    d = RS[i & 31],
    imm = ((i >>> 10) & 0xfff) << ((i >>> 22) & 1) * 12;
  if (i < 0) add64(x[n], x[n + 1], imm, 0, 0, false), wr64(d, R64.lo, R64.hi);
  else wr32(d, (x[n] + imm) | 0);
}

export function ADDS_imm(i: number): void {
  const x = X,
    n = RS[(i >>> 5) & 31],
    d = WZ[i & 31],
    imm = ((i >>> 10) & 0xfff) << ((i >>> 22) & 1) * 12;
  if (i < 0) add64(x[n], x[n + 1], imm, 0, 0, true), wr64(d, R64.lo, R64.hi);
  else wr32(d, add32(x[n], imm, 0, true));
}

export function SUB_imm(i: number): void {
  const x = X,
    n = RS[(i >>> 5) & 31],
    d = RS[i & 31],
    imm = ((i >>> 10) & 0xfff) << ((i >>> 22) & 1) * 12;
  if (i < 0) add64(x[n], x[n + 1], ~imm, -1, 1, false), wr64(d, R64.lo, R64.hi);
  else wr32(d, (x[n] - imm) | 0);
}

export function SUBS_imm(i: number): void {
  const x = X,
    n = RS[(i >>> 5) & 31],
    d = WZ[i & 31],
    imm = ((i >>> 10) & 0xfff) << ((i >>> 22) & 1) * 12;
  if (i < 0) add64(x[n], x[n + 1], ~imm, -1, 1, true), wr64(d, R64.lo, R64.hi);
  else wr32(d, add32(x[n], ~imm, 1, true));
}

// ---------------------------------------------------------------------------
// Logical (immediate) (C6.2.12 AND, C6.2.205 ORR, C6.2.85 EOR, C6.2.14 ANDS).

function limm(i: number): void {
  if (!logicalImm(i >>> 31, (i >>> 22) & 1, (i >>> 16) & 63, (i >>> 10) & 63)) undef();
}

export function AND_imm(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = RS[i & 31];
  limm(i);
  if (i < 0) wr64(d, x[n] & R64.lo, x[n + 1] & R64.hi);
  else wr32(d, x[n] & R64.lo);
}

export function ORR_imm(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = RS[i & 31];
  limm(i);
  if (i < 0) wr64(d, x[n] | R64.lo, x[n + 1] | R64.hi);
  else wr32(d, x[n] | R64.lo);
}

export function EOR_imm(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = RS[i & 31];
  limm(i);
  if (i < 0) wr64(d, x[n] ^ R64.lo, x[n + 1] ^ R64.hi);
  else wr32(d, x[n] ^ R64.lo);
}

export function ANDS_imm(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  limm(i);
  if (i < 0) {
    const lo = x[n] & R64.lo, hi = x[n + 1] & R64.hi;
    setLogicFlags(lo, hi);
    wr64(d, lo, hi);
  } else {
    const r = x[n] & R64.lo;
    setLogicFlags(r, r);
    wr32(d, r);
  }
}

// ---------------------------------------------------------------------------
// Move wide (immediate) (C6.2.190 MOVN, C6.2.192 MOVZ, C6.2.189 MOVK).

export function MOVN(i: number): void {
  const d = WZ[i & 31], imm = (i >>> 5) & 0xffff, hw = (i >>> 21) & 3;
  if (i < 0) {
    lsl64(imm, 0, hw * 16);
    wr64(d, ~R64.lo, ~R64.hi);
  } else wr32(d, ~(imm << (hw * 16)));
}

export function MOVZ(i: number): void {
  const d = WZ[i & 31], imm = (i >>> 5) & 0xffff, hw = (i >>> 21) & 3;
  if (i < 0) {
    lsl64(imm, 0, hw * 16);
    wr64(d, R64.lo, R64.hi);
  } else wr32(d, imm << (hw * 16));
}

export function MOVK(i: number): void {
  const x = X, d = WZ[i & 31], imm = (i >>> 5) & 0xffff, hw = (i >>> 21) & 3;
  const w = d + (hw >>> 1), sh = (hw & 1) * 16;
  x[w] = (x[w] & ~(0xffff << sh)) | (imm << sh);
  if (i >= 0) x[d + 1] = 0;
}

// ---------------------------------------------------------------------------
// Bitfield (C6.2.266 SBFM, C6.2.30 BFM, C6.2.377 UBFM) and extract (C6.2.90 EXTR).

/** The low `n` bits set (1 <= n <= 64), into R64. */
function ones64(n: number): void {
  lsr64(-1, -1, 64 - n);
}

/** Mask of the low `bits` bits (1..32) as int32. */
function mask32(bits: number): number {
  return bits === 32 ? -1 : (1 << bits) - 1;
}

/**
 * The 64-bit SBFM/UBFM result into R64 (Arm ARM C6.2.266/C6.2.377): with
 * imms >= immr, bits imms:immr moved to the bottom (SBFX/UBFX); otherwise
 * bits imms:0 moved up to 64 - immr (SBFIZ/UBFIZ); sign- or zero-extended.
 */
export function bitfield64(lo: number, hi: number, r: number, s: number, signed: boolean): void {
  const shr = signed ? asr64 : lsr64;
  if (s >= r) {
    lsr64(lo, hi, r);
    lsl64(R64.lo, R64.hi, 63 - (s - r));
    shr(R64.lo, R64.hi, 63 - (s - r));
  } else {
    lsl64(lo, hi, 63 - s);
    shr(R64.lo, R64.hi, 63 - s);
    lsl64(R64.lo, R64.hi, 64 - r);
  }
}

export function SBFM(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31], r = (i >>> 16) & 63, s = (i >>> 10) & 63;
  if (i >= 0) {
    const v = x[n];
    wr32(d, s >= r ? sext(v >>> r, s - r + 1) : sext(v, s + 1) << (32 - r));
    return;
  }
  bitfield64(x[n], x[n + 1], r, s, true);
  wr64(d, R64.lo, R64.hi);
}

export function UBFM(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31], r = (i >>> 16) & 63, s = (i >>> 10) & 63;
  if (i >= 0) {
    const v = x[n];
    wr32(d, s >= r ? (v >>> r) & mask32(s - r + 1) : (v & mask32(s + 1)) << (32 - r));
    return;
  }
  bitfield64(x[n], x[n + 1], r, s, false);
  wr64(d, R64.lo, R64.hi);
}

export function BFM(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31], r = (i >>> 16) & 63, s = (i >>> 10) & 63;
  if (i >= 0) {
    const v = x[n], dst = x[d];
    if (s >= r) {
      const m = mask32(s - r + 1);
      wr32(d, (dst & ~m) | ((v >>> r) & m));
    } else {
      const m = (mask32(s + 1) << (32 - r)) | 0;
      wr32(d, (dst & ~m) | ((v << (32 - r)) & m));
    }
    return;
  }
  let mlo: number, mhi: number, vlo: number, vhi: number;
  if (s >= r) {
    ones64(s - r + 1);
    mlo = R64.lo, mhi = R64.hi;
    lsr64(x[n], x[n + 1], r);
  } else {
    ones64(s + 1);
    lsl64(R64.lo, R64.hi, 64 - r);
    mlo = R64.lo, mhi = R64.hi;
    lsl64(x[n], x[n + 1], 64 - r);
  }
  vlo = R64.lo, vhi = R64.hi;
  wr64(d, (x[d] & ~mlo) | (vlo & mlo), (x[d + 1] & ~mhi) | (vhi & mhi));
}

export function EXTR(i: number): void {
  const x = X,
    n = RZ[(i >>> 5) & 31],
    m = RZ[(i >>> 16) & 31],
    d = WZ[i & 31],
    lsb = (i >>> 10) & 63;
  if (i >= 0) {
    wr32(d, lsb === 0 ? x[m] : (x[m] >>> lsb) | (x[n] << (32 - lsb)));
    return;
  }
  if (lsb === 0) return wr64(d, x[m], x[m + 1]);
  lsr64(x[m], x[m + 1], lsb);
  const lo = R64.lo, hi = R64.hi;
  lsl64(x[n], x[n + 1], 64 - lsb);
  wr64(d, lo | R64.lo, hi | R64.hi);
}

// ---------------------------------------------------------------------------
// Logical (shifted register) (C6.2.13 AND ... C6.2.29 BICS).

/** Operand 2 of a shifted-register form, into R64 (or returned for W). */
function shifted64(i: number): void {
  const m = RZ[(i >>> 16) & 31];
  shift64(X[m], X[m + 1], (i >>> 22) & 3, (i >>> 10) & 63);
}

function shifted32(i: number): number {
  return shift32(X[RZ[(i >>> 16) & 31]], (i >>> 22) & 3, (i >>> 10) & 31);
}

export function AND_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) shifted64(i), wr64(d, x[n] & R64.lo, x[n + 1] & R64.hi);
  else wr32(d, x[n] & shifted32(i));
}

export function BIC_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) shifted64(i), wr64(d, x[n] & ~R64.lo, x[n + 1] & ~R64.hi);
  else wr32(d, x[n] & ~shifted32(i));
}

export function ORR_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) shifted64(i), wr64(d, x[n] | R64.lo, x[n + 1] | R64.hi);
  else wr32(d, x[n] | shifted32(i));
}

export function ORN_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) shifted64(i), wr64(d, x[n] | ~R64.lo, x[n + 1] | ~R64.hi);
  else wr32(d, x[n] | ~shifted32(i));
}

export function EOR_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) shifted64(i), wr64(d, x[n] ^ R64.lo, x[n + 1] ^ R64.hi);
  else wr32(d, x[n] ^ shifted32(i));
}

export function EON_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) shifted64(i), wr64(d, x[n] ^ ~R64.lo, x[n + 1] ^ ~R64.hi);
  else wr32(d, x[n] ^ ~shifted32(i));
}

export function ANDS_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) {
    shifted64(i);
    const lo = x[n] & R64.lo, hi = x[n + 1] & R64.hi;
    setLogicFlags(lo, hi);
    wr64(d, lo, hi);
  } else {
    const r = x[n] & shifted32(i);
    setLogicFlags(r, r);
    wr32(d, r);
  }
}

export function BICS_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) {
    shifted64(i);
    const lo = x[n] & ~R64.lo, hi = x[n + 1] & ~R64.hi;
    setLogicFlags(lo, hi);
    wr64(d, lo, hi);
  } else {
    const r = x[n] & ~shifted32(i);
    setLogicFlags(r, r);
    wr32(d, r);
  }
}

// ---------------------------------------------------------------------------
// Add/subtract (shifted register) (C6.2.5 ADD, C6.2.9 ADDS, C6.2.358 SUB, C6.2.364 SUBS).

export function ADD_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) shifted64(i), add64(x[n], x[n + 1], R64.lo, R64.hi, 0, false), wr64(d, R64.lo, R64.hi);
  else wr32(d, (x[n] + shifted32(i)) | 0);
}

export function ADDS_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) shifted64(i), add64(x[n], x[n + 1], R64.lo, R64.hi, 0, true), wr64(d, R64.lo, R64.hi);
  else wr32(d, add32(x[n], shifted32(i), 0, true));
}

export function SUB_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) {
    shifted64(i), add64(x[n], x[n + 1], ~R64.lo, ~R64.hi, 1, false), wr64(d, R64.lo, R64.hi);
  } else wr32(d, (x[n] - shifted32(i)) | 0);
}

export function SUBS_reg(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) {
    shifted64(i), add64(x[n], x[n + 1], ~R64.lo, ~R64.hi, 1, true), wr64(d, R64.lo, R64.hi);
  } else wr32(d, add32(x[n], ~shifted32(i), 1, true));
}

// ---------------------------------------------------------------------------
// Add/subtract (extended register) (C6.2.3 ADD, C6.2.7 ADDS, C6.2.356 SUB, C6.2.362 SUBS).

/** ExtendReg(Rm, option, shift) into R64 (Arm ARM J1 ExtendReg). */
function extended(i: number): void {
  const x = X, m = RZ[(i >>> 16) & 31], option = (i >>> 13) & 7, sh = (i >>> 10) & 7;
  let lo = x[m], hi = x[m + 1];
  switch (option) {
    case 0: // UXTB
      lo &= 0xff, hi = 0;
      break;
    case 1: // UXTH
      lo &= 0xffff, hi = 0;
      break;
    case 2: // UXTW
      hi = 0;
      break;
    case 4: // SXTB
      lo = (lo << 24) >> 24, hi = lo >> 31;
      break;
    case 5: // SXTH
      lo = (lo << 16) >> 16, hi = lo >> 31;
      break;
    case 6: // SXTW
      hi = lo >> 31;
      break;
  }
  lsl64(lo, hi, sh);
}

export function ADD_ext(i: number): void {
  const x = X, n = RS[(i >>> 5) & 31], d = RS[i & 31];
  extended(i);
  if (i < 0) add64(x[n], x[n + 1], R64.lo, R64.hi, 0, false), wr64(d, R64.lo, R64.hi);
  else wr32(d, (x[n] + R64.lo) | 0);
}

export function ADDS_ext(i: number): void {
  const x = X, n = RS[(i >>> 5) & 31], d = WZ[i & 31];
  extended(i);
  if (i < 0) add64(x[n], x[n + 1], R64.lo, R64.hi, 0, true), wr64(d, R64.lo, R64.hi);
  else wr32(d, add32(x[n], R64.lo, 0, true));
}

export function SUB_ext(i: number): void {
  const x = X, n = RS[(i >>> 5) & 31], d = RS[i & 31];
  extended(i);
  if (i < 0) add64(x[n], x[n + 1], ~R64.lo, ~R64.hi, 1, false), wr64(d, R64.lo, R64.hi);
  else wr32(d, (x[n] - R64.lo) | 0);
}

export function SUBS_ext(i: number): void {
  const x = X, n = RS[(i >>> 5) & 31], d = WZ[i & 31];
  extended(i);
  if (i < 0) add64(x[n], x[n + 1], ~R64.lo, ~R64.hi, 1, true), wr64(d, R64.lo, R64.hi);
  else wr32(d, add32(x[n], ~R64.lo, 1, true));
}

// ---------------------------------------------------------------------------
// Add/subtract with carry (C6.2.1 ADC, C6.2.2 ADCS, C6.2.265 SBC, C6.2.266 SBCS).

function adcCommon(i: number, sub: boolean, flags: boolean): void {
  const x = X, n = RZ[(i >>> 5) & 31], m = RZ[(i >>> 16) & 31], d = WZ[i & 31], c = x[W.CF];
  if (i < 0) {
    add64(x[n], x[n + 1], sub ? ~x[m] : x[m], sub ? ~x[m + 1] : x[m + 1], c, flags);
    wr64(d, R64.lo, R64.hi);
  } else wr32(d, add32(x[n], sub ? ~x[m] : x[m], c, flags));
}

export function ADC(i: number): void {
  adcCommon(i, false, false);
}
export function ADCS(i: number): void {
  adcCommon(i, false, true);
}
export function SBC(i: number): void {
  adcCommon(i, true, false);
}
export function SBCS(i: number): void {
  adcCommon(i, true, true);
}

// ---------------------------------------------------------------------------
// Conditional compare (C6.2.43 CCMN, C6.2.45 CCMP; register and immediate forms).

function ccmp(i: number, sub: boolean, imm: boolean): void {
  const x = X;
  if (!condHolds((i >>> 12) & 15)) {
    const nzcv = i & 15;
    x[W.NF] = nzcv & 8 ? -0x8000_0000 : 0;
    x[W.ZF] = nzcv & 4 ? 0 : 1;
    x[W.CF] = (nzcv >>> 1) & 1;
    x[W.VF] = nzcv & 1 ? -0x8000_0000 : 0;
    return;
  }
  const n = RZ[(i >>> 5) & 31];
  let blo: number, bhi: number;
  if (imm) blo = (i >>> 16) & 31, bhi = 0;
  else {
    const m = RZ[(i >>> 16) & 31];
    blo = x[m], bhi = x[m + 1];
  }
  if (i < 0) add64(x[n], x[n + 1], sub ? ~blo : blo, sub ? ~bhi : bhi, sub ? 1 : 0, true);
  else add32(x[n], sub ? ~blo : blo, sub ? 1 : 0, true);
}

export function CCMN_reg(i: number): void {
  ccmp(i, false, false);
}
export function CCMN_imm(i: number): void {
  ccmp(i, false, true);
}
export function CCMP_reg(i: number): void {
  ccmp(i, true, false);
}
export function CCMP_imm(i: number): void {
  ccmp(i, true, true);
}

// ---------------------------------------------------------------------------
// Conditional select (C6.2.69 CSEL, C6.2.75 CSINC, C6.2.76 CSINV, C6.2.77 CSNEG).

export function CSEL(i: number): void {
  const x = X,
    s = condHolds((i >>> 12) & 15) ? RZ[(i >>> 5) & 31] : RZ[(i >>> 16) & 31],
    d = WZ[i & 31];
  if (i < 0) wr64(d, x[s], x[s + 1]);
  else wr32(d, x[s]);
}

export function CSINC(i: number): void {
  const x = X, d = WZ[i & 31];
  if (condHolds((i >>> 12) & 15)) {
    const n = RZ[(i >>> 5) & 31];
    if (i < 0) wr64(d, x[n], x[n + 1]);
    else wr32(d, x[n]);
    return;
  }
  const m = RZ[(i >>> 16) & 31];
  if (i < 0) add64(x[m], x[m + 1], 1, 0, 0, false), wr64(d, R64.lo, R64.hi);
  else wr32(d, (x[m] + 1) | 0);
}

export function CSINV(i: number): void {
  const x = X, d = WZ[i & 31];
  if (condHolds((i >>> 12) & 15)) {
    const n = RZ[(i >>> 5) & 31];
    if (i < 0) wr64(d, x[n], x[n + 1]);
    else wr32(d, x[n]);
    return;
  }
  const m = RZ[(i >>> 16) & 31];
  if (i < 0) wr64(d, ~x[m], ~x[m + 1]);
  else wr32(d, ~x[m]);
}

export function CSNEG(i: number): void {
  const x = X, d = WZ[i & 31];
  if (condHolds((i >>> 12) & 15)) {
    const n = RZ[(i >>> 5) & 31];
    if (i < 0) wr64(d, x[n], x[n + 1]);
    else wr32(d, x[n]);
    return;
  }
  const m = RZ[(i >>> 16) & 31];
  if (i < 0) add64(~x[m], ~x[m + 1], 1, 0, 0, false), wr64(d, R64.lo, R64.hi);
  else wr32(d, -x[m] | 0);
}

// ---------------------------------------------------------------------------
// Data-processing (3 source) (C6.2.182 MADD, C6.2.199 MSUB, C6.2.292 SMADDL,
// C6.2.297 SMSUBL, C6.2.298 SMULH, C6.2.379 UMADDL, C6.2.381 UMSUBL, C6.2.382 UMULH).

export function MADD(i: number): void {
  const x = X,
    n = RZ[(i >>> 5) & 31],
    m = RZ[(i >>> 16) & 31],
    a = RZ[(i >>> 10) & 31],
    d = WZ[i & 31];
  if (i >= 0) return wr32(d, (Math.imul(x[n], x[m]) + x[a]) | 0);
  mul64(x[n], x[n + 1], x[m], x[m + 1]);
  add64(x[a], x[a + 1], R64.lo, R64.hi, 0, false);
  wr64(d, R64.lo, R64.hi);
}

export function MSUB(i: number): void {
  const x = X,
    n = RZ[(i >>> 5) & 31],
    m = RZ[(i >>> 16) & 31],
    a = RZ[(i >>> 10) & 31],
    d = WZ[i & 31];
  if (i >= 0) return wr32(d, (x[a] - Math.imul(x[n], x[m])) | 0);
  mul64(x[n], x[n + 1], x[m], x[m + 1]);
  add64(x[a], x[a + 1], ~R64.lo, ~R64.hi, 1, false);
  wr64(d, R64.lo, R64.hi);
}

function mull(i: number, signed: boolean, sub: boolean): void {
  const x = X, n = x[RZ[(i >>> 5) & 31]], m = x[RZ[(i >>> 16) & 31]], a = RZ[(i >>> 10) & 31];
  mul64(n, signed ? n >> 31 : 0, m, signed ? m >> 31 : 0);
  if (sub) add64(x[a], x[a + 1], ~R64.lo, ~R64.hi, 1, false);
  else add64(x[a], x[a + 1], R64.lo, R64.hi, 0, false);
  wr64(WZ[i & 31], R64.lo, R64.hi);
}

export function SMADDL(i: number): void {
  mull(i, true, false);
}
export function SMSUBL(i: number): void {
  mull(i, true, true);
}
export function UMADDL(i: number): void {
  mull(i, false, false);
}
export function UMSUBL(i: number): void {
  mull(i, false, true);
}

export function SMULH(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], m = RZ[(i >>> 16) & 31];
  smulh64(x[n], x[n + 1], x[m], x[m + 1]);
  wr64(WZ[i & 31], R64.lo, R64.hi);
}

export function UMULH(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], m = RZ[(i >>> 16) & 31];
  umulh64(x[n], x[n + 1], x[m], x[m + 1]);
  wr64(WZ[i & 31], R64.lo, R64.hi);
}

// ---------------------------------------------------------------------------
// Data-processing (2 source) (C6.2.378 UDIV, C6.2.268 SDIV, C6.2.180 LSLV,
// C6.2.185 LSRV, C6.2.19 ASRV, C6.2.262 RORV).

export function UDIV(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], m = RZ[(i >>> 16) & 31], d = WZ[i & 31];
  if (i >= 0) {
    const b = x[m] >>> 0;
    return wr32(d, b === 0 ? 0 : Math.floor((x[n] >>> 0) / b) | 0);
  }
  udiv64(x[n], x[n + 1], x[m], x[m + 1]);
  wr64(d, R64.lo, R64.hi);
}

export function SDIV(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], m = RZ[(i >>> 16) & 31], d = WZ[i & 31];
  if (i >= 0) {
    const a = x[n], b = x[m];
    return wr32(d, b === 0 ? 0 : Math.trunc(a / b) | 0);
  }
  sdiv64(x[n], x[n + 1], x[m], x[m + 1]);
  wr64(d, R64.lo, R64.hi);
}

function shiftv(i: number, type: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31], amt = x[RZ[(i >>> 16) & 31]];
  if (i >= 0) return wr32(d, shift32(x[n], type, amt & 31));
  shift64(x[n], x[n + 1], type, amt & 63);
  wr64(d, R64.lo, R64.hi);
}

export function LSLV(i: number): void {
  shiftv(i, 0);
}
export function LSRV(i: number): void {
  shiftv(i, 1);
}
export function ASRV(i: number): void {
  shiftv(i, 2);
}
export function RORV(i: number): void {
  shiftv(i, 3);
}

// ---------------------------------------------------------------------------
// Data-processing (1 source) (C6.2.254 RBIT, C6.2.258 REV16, C6.2.259 REV32,
// C6.2.257 REV, C6.2.67 CLZ, C6.2.66 CLS).

export function RBIT(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) wr64(d, rbit32(x[n + 1]), rbit32(x[n]));
  else wr32(d, rbit32(x[n]));
}

export function REV16(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) wr64(d, rev16_32(x[n]), rev16_32(x[n + 1]));
  else wr32(d, rev16_32(x[n]));
}

export function REV32(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31];
  wr64(WZ[i & 31], bswap32(x[n]), bswap32(x[n + 1]));
}

export function REV(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) wr64(d, bswap32(x[n + 1]), bswap32(x[n]));
  else wr32(d, bswap32(x[n]));
}

export function CLZ(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i < 0) wr64(d, x[n + 1] !== 0 ? Math.clz32(x[n + 1]) : 32 + Math.clz32(x[n]), 0);
  else wr32(d, Math.clz32(x[n]));
}

export function CLS(i: number): void {
  const x = X, n = RZ[(i >>> 5) & 31], d = WZ[i & 31];
  if (i >= 0) return wr32(d, cls32(x[n]));
  const hi = x[n + 1], lo = x[n];
  const s = hi >> 31;
  // Count of bits after the sign bit equal to it: over the high word, then into the low word.
  let r = cls32(hi);
  if (r === 31) r = 31 + Math.clz32(lo ^ s);
  wr64(d, r, 0);
}
