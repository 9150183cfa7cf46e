/**
 * 64-bit integer arithmetic on int32 halves (exec-strategies.md strategy B:
 * no BigInt on hot paths). Every 64-bit value is a pair `(lo, hi)` of int32s;
 * functions that produce a 64-bit value leave it in {@link R64} (`R64.lo`,
 * `R64.hi`), so no result object is allocated.
 *
 * Also the A64 immediate encodings that need real computation:
 * DecodeBitMasks for logical immediates (Arm ARM J1, shared/functions/
 * DecodeBitMasks) and its inverse for the assembler.
 *
 * @module
 */

/**
 * The result pair of the last 64-bit operation.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mul64, R64 } from "./bits.ts";
 * mul64(0xffff_ffff, 0, 2, 0);
 * assertEquals([R64.lo, R64.hi], [-2, 1]);
 * ```
 */
export const R64 = { lo: 0, hi: 0 };

/**
 * High 32 bits of the unsigned 32x32 product `a * b` (as int32), from 16-bit
 * limbs with Math.imul: every partial product and sum stays below 2^32, so
 * V8 keeps it all in int32 arithmetic (no float conversions).
 */
export function mulhu32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const t = Math.imul(a0, b0);
  const m1 = (Math.imul(a1, b0) + (t >>> 16)) >>> 0;
  const m2 = (Math.imul(a0, b1) + (m1 & 0xffff)) >>> 0;
  return (Math.imul(a1, b1) + (m1 >>> 16) + (m2 >>> 16)) | 0;
}

/** Low 64 bits of the product (sign-agnostic), into R64. */
export function mul64(alo: number, ahi: number, blo: number, bhi: number): void {
  R64.lo = Math.imul(alo, blo);
  R64.hi = (mulhu32(alo, blo) + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
}

/** High 64 bits of the unsigned 64x64 -> 128 product (UMULH), into R64. */
export function umulh64(alo: number, ahi: number, blo: number, bhi: number): void {
  // Limb products p_ij = a_i * b_j, each 64 bits (lo via imul, hi via mulhu32).
  const p00h = mulhu32(alo, blo) >>> 0;
  const p01l = Math.imul(alo, bhi) >>> 0, p01h = mulhu32(alo, bhi) >>> 0;
  const p10l = Math.imul(ahi, blo) >>> 0, p10h = mulhu32(ahi, blo) >>> 0;
  const p11l = Math.imul(ahi, bhi) >>> 0, p11h = mulhu32(ahi, bhi) >>> 0;
  // Column 1 (bits 32..63): p00h + p01l + p10l; its carry goes into column 2.
  const c1 = p00h + p01l + p10l; // < 3 * 2^32
  const carry1 = Math.floor(c1 / 0x1_0000_0000);
  const c2 = p01h + p10h + p11l + carry1; // < 4 * 2^32
  const carry2 = Math.floor(c2 / 0x1_0000_0000);
  R64.lo = c2 | 0;
  R64.hi = (p11h + carry2) | 0;
}

/** High 64 bits of the signed 64x64 -> 128 product (SMULH), into R64. */
export function smulh64(alo: number, ahi: number, blo: number, bhi: number): void {
  umulh64(alo, ahi, blo, bhi);
  let lo = R64.lo, hi = R64.hi;
  // Signed correction: hi(a*b) = uhi - (a<0 ? b : 0) - (b<0 ? a : 0) (mod 2^64).
  if (ahi < 0) {
    const s = (lo >>> 0) - (blo >>> 0);
    lo = s | 0;
    hi = (hi - bhi - (s < 0 ? 1 : 0)) | 0;
  }
  if (bhi < 0) {
    const s = (lo >>> 0) - (alo >>> 0);
    lo = s | 0;
    hi = (hi - ahi - (s < 0 ? 1 : 0)) | 0;
  }
  R64.lo = lo;
  R64.hi = hi;
}

/** Unsigned 64-bit division, quotient into R64; division by zero gives 0 (UDIV). */
export function udiv64(nlo: number, nhi: number, dlo: number, dhi: number): void {
  const n1 = nhi >>> 0, n0 = nlo >>> 0, d1 = dhi >>> 0, d0 = dlo >>> 0;
  if (d1 === 0 && d0 === 0) {
    R64.lo = R64.hi = 0;
    return;
  }
  if (n1 === 0 && d1 === 0) {
    R64.lo = Math.floor(n0 / d0) | 0;
    R64.hi = 0;
    return;
  }
  if (n1 < 0x10_0000) {
    // Both below 2^52: a double quotient is off by at most one; fix it exactly.
    const n = n1 * 0x1_0000_0000 + n0, d = d1 * 0x1_0000_0000 + d0;
    let q = Math.floor(n / d);
    const r = n - q * d;
    if (r < 0) q--;
    else if (r >= d) q++;
    R64.lo = q | 0;
    R64.hi = Math.floor(q / 0x1_0000_0000) | 0;
    return;
  }
  // Restoring long division, one quotient bit per step.
  let qlo = 0, qhi = 0, rlo = 0, rhi = 0;
  for (let i = 63; i >= 0; i--) {
    rhi = (rhi << 1) | (rlo >>> 31);
    rlo = (rlo << 1) | ((i >= 32 ? n1 >>> (i - 32) : n0 >>> i) & 1);
    const ge = (rhi >>> 0) > d1 || ((rhi >>> 0) === d1 && (rlo >>> 0) >= d0);
    if (ge) {
      const s = (rlo >>> 0) - d0;
      rlo = s | 0;
      rhi = (rhi - d1 - (s < 0 ? 1 : 0)) | 0;
      if (i >= 32) qhi |= 1 << (i - 32);
      else qlo |= 1 << i;
    }
  }
  R64.lo = qlo;
  R64.hi = qhi;
}

/** Signed 64-bit division rounding toward zero, into R64 (SDIV; x/0 = 0, MIN/-1 = MIN). */
export function sdiv64(nlo: number, nhi: number, dlo: number, dhi: number): void {
  const nneg = nhi < 0, dneg = dhi < 0;
  if (nneg) {
    nlo = -nlo | 0;
    nhi = (~nhi + (nlo === 0 ? 1 : 0)) | 0;
  }
  if (dneg) {
    dlo = -dlo | 0;
    dhi = (~dhi + (dlo === 0 ? 1 : 0)) | 0;
  }
  udiv64(nlo, nhi, dlo, dhi);
  if (nneg !== dneg) {
    const lo = -R64.lo | 0;
    R64.hi = (~R64.hi + (lo === 0 ? 1 : 0)) | 0;
    R64.lo = lo;
  }
}

/** Logical shift left of a 64-bit value by 0..63, into R64. */
export function lsl64(lo: number, hi: number, n: number): void {
  if (n === 0) {
    R64.lo = lo;
    R64.hi = hi;
  } else if (n < 32) {
    R64.hi = (hi << n) | (lo >>> (32 - n));
    R64.lo = lo << n;
  } else {
    R64.hi = lo << (n - 32);
    R64.lo = 0;
  }
}

/** Logical shift right by 0..63, into R64. */
export function lsr64(lo: number, hi: number, n: number): void {
  if (n === 0) {
    R64.lo = lo;
    R64.hi = hi;
  } else if (n < 32) {
    R64.lo = (lo >>> n) | (hi << (32 - n));
    R64.hi = (hi >>> n) | 0;
  } else {
    R64.lo = (hi >>> (n - 32)) | 0;
    R64.hi = 0;
  }
}

/** Arithmetic shift right by 0..63, into R64. */
export function asr64(lo: number, hi: number, n: number): void {
  if (n === 0) {
    R64.lo = lo;
    R64.hi = hi;
  } else if (n < 32) {
    R64.lo = (lo >>> n) | (hi << (32 - n));
    R64.hi = hi >> n;
  } else {
    R64.lo = hi >> (n - 32);
    R64.hi = hi >> 31;
  }
}

/** Rotate right by 0..63, into R64. */
export function ror64(lo: number, hi: number, n: number): void {
  if (n >= 32) {
    const t = lo;
    lo = hi;
    hi = t;
    n -= 32;
  }
  if (n === 0) {
    R64.lo = lo;
    R64.hi = hi;
  } else {
    R64.lo = (lo >>> n) | (hi << (32 - n));
    R64.hi = (hi >>> n) | (lo << (32 - n));
  }
}

/** Shift a 64-bit value by type (0 LSL, 1 LSR, 2 ASR, 3 ROR; Arm ARM ShiftReg), into R64. */
export function shift64(lo: number, hi: number, type: number, n: number): void {
  if (type === 0) lsl64(lo, hi, n);
  else if (type === 1) lsr64(lo, hi, n);
  else if (type === 2) asr64(lo, hi, n);
  else ror64(lo, hi, n);
}

/** Shift a 32-bit value by type, returning int32. */
export function shift32(v: number, type: number, n: number): number {
  if (type === 0) return v << n;
  if (type === 1) return (v >>> n) | 0;
  if (type === 2) return v >> n;
  return n === 0 ? v : (v >>> n) | (v << (32 - n));
}

/** Reverse the bits of a 32-bit value. */
export function rbit32(v: number): number {
  v = ((v >>> 1) & 0x5555_5555) | ((v & 0x5555_5555) << 1);
  v = ((v >>> 2) & 0x3333_3333) | ((v & 0x3333_3333) << 2);
  v = ((v >>> 4) & 0x0f0f_0f0f) | ((v & 0x0f0f_0f0f) << 4);
  v = ((v >>> 8) & 0x00ff_00ff) | ((v & 0x00ff_00ff) << 8);
  return (v >>> 16) | (v << 16);
}

/** Byte-reverse a 32-bit value. */
export function bswap32(v: number): number {
  return ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24)) | 0;
}

/** Swap the bytes within each 16-bit half (REV16 on 32 bits). */
export function rev16_32(v: number): number {
  return (((v >>> 8) & 0x00ff_00ff) | ((v & 0x00ff_00ff) << 8)) | 0;
}

/** Count leading sign bits of a 32-bit value (CLS: excludes the sign bit itself). */
export function cls32(v: number): number {
  return Math.clz32(v ^ (v >> 31)) - 1 | 0;
}

// ---------------------------------------------------------------------------
// Logical immediates: DecodeBitMasks (Arm ARM J1 shared/functions/bitmasks).

/**
 * Cache of decoded logical immediates, indexed by sf:N:immr:imms (14 bits,
 * instruction bits 31 and 22:10): state 0 unknown, 1 valid, 2 reserved;
 * value halves in LIMM_LO/LIMM_HI. Filled by {@link logicalImm}; the run
 * loop reads it directly.
 */
export const LIMM_STATE: Uint8Array = new Uint8Array(1 << 14);
/** Low words of cached logical immediates (see {@link LIMM_STATE}). */
export const LIMM_LO: Int32Array = new Int32Array(1 << 14);
/** High words of cached logical immediates (see {@link LIMM_STATE}). */
export const LIMM_HI: Int32Array = new Int32Array(1 << 14);

function ones(n: number): bigint {
  return (1n << BigInt(n)) - 1n;
}

/**
 * The wmask of DecodeBitMasks(N, imms, immr, immediate=TRUE) as a bigint, or
 * undefined for a reserved encoding. Cold path (cached by {@link logicalImm}).
 */
export function decodeBitMasks(
  n: number,
  immr: number,
  imms: number,
  is64: boolean,
): bigint | undefined {
  if (!is64 && n) return undefined;
  const combined = (n << 6) | (~imms & 0x3f);
  if (combined === 0) return undefined;
  const len = 31 - Math.clz32(combined);
  if (len < 1) return undefined;
  const levels = (1 << len) - 1;
  const s = imms & levels, r = immr & levels;
  if (s === levels) return undefined; // all-ones element is reserved for immediates
  const esize = 1 << len;
  const welem = ones(s + 1);
  const rot = r === 0 ? welem : ((welem >> BigInt(r)) | (welem << BigInt(esize - r))) & ones(esize);
  const dsize = is64 ? 64 : 32;
  let v = 0n;
  for (let i = 0; i < dsize; i += esize) v |= rot << BigInt(i);
  return v;
}

/**
 * Decode the logical immediate of instruction bits sf:N:immr:imms into R64.
 * Returns false for a reserved encoding (the instruction is UNDEFINED).
 */
export function logicalImm(sf: number, n: number, immr: number, imms: number): boolean {
  const k = (sf << 13) | (n << 12) | (immr << 6) | imms;
  let st = LIMM_STATE[k];
  if (st === 0) {
    const v = decodeBitMasks(n, immr, imms, sf === 1);
    if (v === undefined) st = 2;
    else {
      st = 1;
      LIMM_LO[k] = Number(v & 0xffff_ffffn) | 0;
      LIMM_HI[k] = Number(v >> 32n) | 0;
    }
    LIMM_STATE[k] = st;
  }
  R64.lo = LIMM_LO[k];
  R64.hi = LIMM_HI[k];
  return st === 1;
}

let encodeMaps: [Map<bigint, number>, Map<bigint, number>] | undefined;

/**
 * Encode `value` as a logical immediate: returns N<<12 | immr<<6 | imms, or
 * -1 when it is not representable. Assembler side (BigInt is fine here).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { encodeLogicalImm } from "./bits.ts";
 * assertEquals(encodeLogicalImm(0xff8n, true), 0x1f48); // N = 1, immr = 61, imms = 8
 * ```
 */
export function encodeLogicalImm(value: bigint, is64: boolean): number {
  if (!encodeMaps) {
    const m32 = new Map<bigint, number>(), m64 = new Map<bigint, number>();
    for (let n = 0; n < 2; n++) {
      for (let immr = 0; immr < 64; immr++) {
        for (let imms = 0; imms < 64; imms++) {
          const enc = (n << 12) | (immr << 6) | imms;
          const v64 = decodeBitMasks(n, immr, imms, true);
          if (v64 !== undefined && !m64.has(v64)) m64.set(v64, enc);
          if (n === 0 && immr < 32) {
            const v32 = decodeBitMasks(n, immr, imms, false);
            if (v32 !== undefined && !m32.has(v32)) m32.set(v32, enc);
          }
        }
      }
    }
    encodeMaps = [m32, m64];
  }
  const mask = is64 ? 0xffff_ffff_ffff_ffffn : 0xffff_ffffn;
  return encodeMaps[is64 ? 1 : 0].get(value & mask) ?? -1;
}

/** Two int32 halves as an unsigned bigint (API side). */
export function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
