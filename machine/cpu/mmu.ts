/**
 * Stage-1 address translation (Arm ARM D8 "The AArch64 Virtual Memory System
 * Architecture") with the 4 KiB, 16 KiB and 64 KiB granules, 48-bit VAs and
 * PAs (no FEAT_LVA/LPA/LPA2/TTST), and the per-vCPU softmmu TLB.
 *
 * Translation regimes and MMU indexes (QEMU's ARMMMUIdx, simplified). Each
 * index has its own 256-entry direct-mapped TLB, so an EL change never
 * needs a flush:
 *
 * | idx | regime            | access            | registers              |
 * |-----|-------------------|-------------------|------------------------|
 * | 0   | EL1&0             | EL0               | SCTLR/TCR/TTBRn/MAIR_EL1 |
 * | 1   | EL1&0             | EL1               | "                      |
 * | 2   | EL1&0             | EL1, PSTATE.PAN   | "                      |
 * | 3   | EL2 (E2H = 0)     | EL2               | SCTLR/TCR/TTBR0/MAIR_EL2 |
 * | 4   | EL2&0 (E2H = 1)   | EL0 (TGE = 1)     | SCTLR/TCR/TTBR0/1/MAIR_EL2 |
 * | 5   | EL2&0             | EL2               | "                      |
 * | 6   | EL2&0             | EL2, PSTATE.PAN   | "                      |
 *
 * TLB entry (8 int32 words): read tag lo/hi, write tag lo/hi, exec tag
 * lo/hi, host word index (byte offset / 4) of the page, flags. A tag is the page-aligned VA
 * (low word with bits 11:0 clear) when that access is allowed, else
 * TLB_INVALID. Only RAM pages are entered; device pages always take the
 * slow path. Entries are 4 KiB whatever the granule: a 16/64 KiB page or a
 * block fills one entry per 4 KiB page touched (each miss re-walks), so the
 * hit path never looks at the granule. Flushed entirely on every TLBI (by VA
 * too, whose operand is in 4 KiB units for every granule) and on writes to
 * SCTLR/TCR/TTBR/MAIR/HCR: over-invalidation is always allowed.
 *
 * Fault status codes (Arm ARM D23.2.41, DFSC/IFSC): address size 0b0000LL,
 * translation 0b0001LL, access flag 0b0010LL, permission 0b0011LL,
 * synchronous external abort 0b010000, on a walk 0b0101LL, alignment 0b100001.
 *
 * @module
 */

import * as state_ from "../state.ts";
import * as pstate_ from "./pstate.ts";
import * as core_ from "./core.ts";
import * as exc_ from "./exc.ts";

// Module-local aliases of imported values: V8 optimizes these far better than
// imported bindings in hot code (measured 2-3x on handlers).
const { RAM_BASE } = state_;
const { PSR } = pstate_;
const { C, el, HCR, hcrHi, hcrLo, MMU_IDX_COUNT, SR, TLB_ENTRIES, TLB_INVALID, TLB_WORDS, W, X } =
  core_;
const { dataAbort, insnAbort } = exc_;

/** MMU indexes (see the module table). */
export const Idx = {
  E10_0: 0,
  E10_1: 1,
  E10_1_PAN: 2,
  E2: 3,
  E20_0: 4,
  E20_2: 5,
  E20_2_PAN: 6,
} as const;

/** Access kinds. */
export const Acc = { READ: 0, WRITE: 1, EXEC: 2 } as const;

/** Fault status codes (DFSC/IFSC). */
export const FSC = {
  ADDR_SIZE: 0x00,
  TRANSLATION: 0x04,
  ACCESS_FLAG: 0x08,
  PERMISSION: 0x0c,
  EXTERNAL: 0x10,
  EXTERNAL_WALK: 0x14,
  ALIGNMENT: 0x21,
} as const;

/** Words per MMU index in a TLB array. */
const IDX_WORDS = TLB_ENTRIES * TLB_WORDS;

/** A fresh, flushed TLB for one vCPU. */
export function newTlb(): Int32Array {
  const t = new Int32Array(MMU_IDX_COUNT * IDX_WORDS);
  flushTlbArray(t);
  return t;
}

/** Invalidate every entry of a TLB array. */
export function flushTlbArray(t: Int32Array): void {
  C.tlbGen++;
  for (let i = 0; i < t.length; i += TLB_WORDS) {
    t[i] = t[i + 2] = t[i + 4] = TLB_INVALID;
  }
}

/** MMU index for data accesses at the current EL and PSTATE.PAN. */
export function dataIdx(): number {
  const e = el(), pan = (X[W.PSTATE] & PSR.PAN) !== 0;
  if (e === 2) return hcrHi() & HCR.HI_E2H ? (pan ? Idx.E20_2_PAN : Idx.E20_2) : Idx.E2;
  if (e === 1) return pan ? Idx.E10_1_PAN : Idx.E10_1;
  return (hcrHi() & HCR.HI_E2H) && (hcrLo() & HCR.TGE) ? Idx.E20_0 : Idx.E10_0;
}

/** MMU index for instruction fetch (PAN does not apply to fetches). */
export function fetchIdx(): number {
  const i = dataIdx();
  return i === Idx.E10_1_PAN ? Idx.E10_1 : i === Idx.E20_2_PAN ? Idx.E20_2 : i;
}

/** MMU index for LDTR/STTR (Arm ARM C3.2.5): EL0 permissions when executed at EL1 (or EL2 host). */
export function unprivIdx(): number {
  const e = el();
  if (e === 1) return Idx.E10_0;
  if (e === 2 && (hcrHi() & HCR.HI_E2H) && (hcrLo() & HCR.TGE)) return Idx.E20_0;
  return dataIdx();
}

/** Result of the last {@link walk}. */
export const WR = {
  /** Output physical address (exact double, < 2^48). */
  pa: 0,
  /** Fault status code when the walk failed. */
  fsc: 0,
  /** Allowed accesses at the walk's MMU index: bit 0 read, 1 write, 2 exec. */
  perm: 0,
  /** 1 when the memory type is Device. */
  device: 0,
  /** MAIR attribute byte and shareability (for PAR_EL1). */
  attr: 0,
  sh: 0,
};

function ramOffset(pa: number): number {
  const off = pa - RAM_BASE;
  return off >= 0 && off < C.ramSize ? C.ramHost + off : -1;
}

/**
 * Granule size (log2 bytes) per TCR_ELx.TG0 and TG1 value (Arm ARM D8
 * "Translation granule"; TCR_EL1 field descriptions, D23.2). TG0 15:14:
 * 0b00 4 KiB, 0b01 64 KiB, 0b10 16 KiB; TG1 31:30: 0b01 16 KiB, 0b10 4 KiB,
 * 0b11 64 KiB. The reserved values (TG0 0b11, TG1 0b00) select an
 * IMPLEMENTATION DEFINED implemented granule (pseudocode AArch64.S1DecodeTG0/
 * TG1): like QEMU (target/arm/helper.c sanitize_gran_size(): "the smallest
 * supported granule size") we use 4 KiB.
 */
const TG0_GRAIN = Uint8Array.of(12, 16, 14, 12);
const TG1_GRAIN = Uint8Array.of(12, 14, 12, 16);

/**
 * Mask of descriptor / TTBR bits 47:32 that must be zero for each
 * TCR_ELx.{I}PS value, i.e. output address bits [47:outputsize] (Arm ARM D8
 * "Output address size"; pseudocode AArch64.OAOutOfRange()). PS 0..5 encode
 * 32, 36, 40, 42, 44 and 48 bits; a PS above ID_AA64MMFR0_EL1.PARange (48
 * bits, 0b0101) behaves as PARange, so 0b110 (52 bits, needs FEAT_LPA) and
 * the reserved 0b111 give 48 (QEMU ptw.c: `ps = MIN(ps, param.ps)`).
 * Descriptor bits 51:48 are not output address bits without FEAT_LPA (in
 * block and page descriptors bit 51 is DBM and 50 GP; Linux sets bit 51 as
 * PTE_WRITE), so they never raise an address size fault.
 */
const OA_HI_MASK = Int32Array.of(0xffff, 0xfff0, 0xff00, 0xfc00, 0xf000, 0, 0, 0);

/**
 * TxSZ bounds for a 48-bit VA implementation without FEAT_LVA (minimum 16)
 * or FEAT_TTST (maximum 39) (Arm ARM D8 "Input address size"; pseudocode
 * AArch64.S1MinTxSZ()/AArch64.MaxTxSZ()). A value outside them is
 * IMPLEMENTATION DEFINED: treated as the bound, or a level 0 Translation
 * fault. Like QEMU (target/arm/ptw.c get_phys_addr_lpae(): "if
 * (param.tsz_oob) goto do_translation_fault", level 0) we fault.
 */
const MIN_TXSZ = 16, MAX_TXSZ = 39;

/**
 * Walk the stage-1 tables for VA `(vlo, vhi)` at MMU index `idx` checking
 * access `acc`. Returns true on success (WR.pa, WR.perm, WR.device set),
 * false on a fault (WR.fsc set). Does not touch the TLB or raise anything
 * (AT instructions use it directly).
 *
 * Granule 2^gs bytes (gs = 12, 14 or 16); each level resolves
 * stride = gs - 3 VA bits, level L bits [gs + stride * (3 - L) + stride - 1 :
 * gs + stride * (3 - L)], the initial level taking the rest up to the input
 * size. Blocks exist at level 2 for every granule and at level 1 for 4 KiB
 * only (no FEAT_LPA/LPA2); level 3 holds pages.
 */
export function walk(vlo: number, vhi: number, idx: number, acc: number): boolean {
  const x = X;
  const el2 = idx >= Idx.E2;
  const sctlr = x[el2 ? SR.SCTLR_EL2 : SR.SCTLR_EL1];
  WR.attr = 0;
  WR.sh = 0;
  if ((sctlr & 1) === 0) {
    // Stage 1 disabled (Arm ARM D8.2.10): flat map; data is Device-nGnRnE, fetches Normal.
    if (vhi >>> 16 !== 0) return fault(FSC.ADDR_SIZE, 0);
    WR.pa = (vhi >>> 0) * 0x1_0000_0000 + (vlo >>> 0);
    WR.perm = 7;
    WR.device = acc === Acc.EXEC ? 0 : 1;
    return true;
  }
  const twoRanges = idx !== Idx.E2;
  const tcrW = el2 ? SR.TCR_EL2 : SR.TCR_EL1;
  const tcrLo = x[tcrW], tcrHi = x[tcrW + 1];
  const upper = twoRanges && ((vhi >>> 23) & 1) === 1; // VA bit 55 selects TTBR1
  let tsz: number, tbi: number, gs: number, ps: number;
  let ttbrW: number;
  if (!twoRanges) {
    // TCR_EL2 with E2H = 0 (Arm ARM D23.2.123): T0SZ 5:0, TG0 15:14, PS 18:16, TBI bit 20.
    tsz = tcrLo & 0x3f;
    gs = TG0_GRAIN[(tcrLo >>> 14) & 3];
    ps = (tcrLo >>> 16) & 7;
    tbi = (tcrLo >>> 20) & 1;
    ttbrW = SR.TTBR0_EL2;
  } else if (upper) {
    // T1SZ 21:16, EPD1 bit 23, TG1 31:30, IPS 34:32, TBI1 bit 38.
    if (tcrLo & (1 << 23)) return fault(FSC.TRANSLATION, 0);
    tsz = (tcrLo >>> 16) & 0x3f;
    gs = TG1_GRAIN[(tcrLo >>> 30) & 3];
    ps = tcrHi & 7;
    tbi = (tcrHi >>> 6) & 1;
    ttbrW = el2 ? SR.TTBR1_EL2 : SR.TTBR1_EL1;
  } else {
    // T0SZ 5:0, EPD0 bit 7, TG0 15:14, IPS 34:32, TBI0 bit 37.
    if (tcrLo & (1 << 7)) return fault(FSC.TRANSLATION, 0);
    tsz = tcrLo & 0x3f;
    gs = TG0_GRAIN[(tcrLo >>> 14) & 3];
    ps = tcrHi & 7;
    tbi = (tcrHi >>> 5) & 1;
    ttbrW = el2 ? SR.TTBR0_EL2 : SR.TTBR0_EL1;
  }
  if (tsz < MIN_TXSZ || tsz > MAX_TXSZ) return fault(FSC.TRANSLATION, 0);
  const inputsize = 64 - tsz;
  // Bits [63:inputsize] (or [55:inputsize] with TBI) must all equal the range select bit.
  const want = upper ? -1 : 0;
  const hiTop = tbi ? 0x00ff_ffff : -1;
  const hiCheck = inputsize >= 32 ? hiTop & ~((1 << (inputsize - 32)) - 1) : hiTop;
  const loCheck = inputsize < 32 ? ~((1 << inputsize) - 1) : 0;
  if (((vhi ^ want) & hiCheck) !== 0 || ((vlo ^ want) & loCheck) !== 0) {
    return fault(FSC.TRANSLATION, 0);
  }

  // Initial lookup level (Arm ARM D8 "Selection of the initial lookup level";
  // pseudocode AArch64.S1StartLevel()): 4 - ceil((inputsize - gs) / stride).
  const stride = gs - 3;
  const startLevel = 4 - (((inputsize - 4) / stride) | 0);
  let level = startLevel;
  // The TTBR base must fit the output size (level 0 address size fault) and is
  // aligned to the initial table's size (pseudocode AArch64.TTBaseAddress()),
  // which also drops CnP (bit 0). BADDR bits 47:32; ASID in 63:48.
  const oaHiMask = OA_HI_MASK[ps];
  const baseHi = x[ttbrW + 1] & 0xffff;
  if ((baseHi & oaHiMask) !== 0) return fault(FSC.ADDR_SIZE, 0);
  const startBytes = 1 << (inputsize - stride * (4 - startLevel)); // 8 << (initial index bits)
  let table = baseHi * 0x1_0000_0000 + ((x[ttbrW] & -startBytes) >>> 0);
  const grainMask = -(1 << gs);
  let apTable = 0, xnTable = 0, pxnTable = 0;
  for (;;) {
    // Index bits for this level: [shift+stride-1 : shift] (the initial level: [inputsize-1 : shift]).
    const shift = gs + stride * (3 - level);
    const bits = level === startLevel ? inputsize - shift : stride;
    const index = vaBits(vlo, vhi, shift, bits);
    const dOff = ramOffset(table + index * 8);
    if (dOff < 0) return fault(FSC.EXTERNAL_WALK, level);
    const dlo = C.i32[dOff >>> 2], dhi = C.i32[(dOff >>> 2) + 1];
    if ((dlo & 1) === 0) return fault(FSC.TRANSLATION, level);
    if (level < 3 && (dlo & 2) !== 0) {
      // Table descriptor (Arm ARM D8.3.1): next-level address [47:gs]; APTable 62:61, UXNTable 60, PXNTable 59.
      if ((dhi & oaHiMask) !== 0) return fault(FSC.ADDR_SIZE, level);
      apTable |= (dhi >>> 29) & 3;
      xnTable |= (dhi >>> 28) & 1;
      pxnTable |= (dhi >>> 27) & 1;
      table = (dhi & 0xffff) * 0x1_0000_0000 + ((dlo & grainMask) >>> 0);
      level++;
      continue;
    }
    if (level === 3) {
      if ((dlo & 2) === 0) return fault(FSC.TRANSLATION, 3); // reserved at level 3
    } else if (level !== 2 && (level !== 1 || gs !== 12)) {
      // Block descriptors (pseudocode AArch64.BlockDescSupported()): level 2 for every
      // granule, level 1 with 4 KiB; never level 0; level 1 with 16/64 KiB needs
      // FEAT_LPA2/LPA. Elsewhere the encoding is a Translation fault.
      return fault(FSC.TRANSLATION, level);
    }
    if ((dhi & oaHiMask) !== 0) return fault(FSC.ADDR_SIZE, level);
    // Output address: descriptor bits [47:shift] + VA bits [shift-1:0] (shift <= 30 here).
    const oaHi = dhi & 0xffff;
    const blockMask = -(1 << shift);
    const paLo = ((dlo & blockMask) | (vlo & ~blockMask & ~0xfff)) >>> 0;
    WR.pa = oaHi * 0x1_0000_0000 + paLo + (vlo & 0xfff);
    if ((dlo & (1 << 10)) === 0) return fault(FSC.ACCESS_FLAG, level);
    // Permissions (Arm ARM D8.4): AP[2:1] = bits 7:6, PXN 53, UXN/XN 54, combined with table limits.
    const ap2 = ((dlo >>> 7) & 1) | (apTable >>> 1), ap1 = ((dlo >>> 6) & 1) & ~apTable & 1;
    const wxn = (sctlr >>> 19) & 1;
    let perm: number;
    if (!twoRanges) {
      const w = ap2 ? 0 : 2;
      const xn = ((dhi >>> 22) & 1) | xnTable | (wxn && w ? 1 : 0);
      perm = 1 | w | (xn ? 0 : 4);
    } else if (idx === Idx.E10_0 || idx === Idx.E20_0) {
      const r = ap1, w = ap1 & (ap2 ^ 1);
      const uxn = ((dhi >>> 22) & 1) | xnTable | (wxn & w);
      perm = r | (w << 1) | (uxn ? 0 : 4);
    } else {
      const w = ap2 ^ 1;
      const el0w = ap1 & (ap2 ^ 1);
      // A region writable at EL0 is never privileged-executable (Arm ARM D8.4.2).
      const pxn = ((dhi >>> 21) & 1) | pxnTable | el0w | (wxn & w);
      perm = 1 | (w << 1) | (pxn ? 0 : 4);
      if ((idx === Idx.E10_1_PAN || idx === Idx.E20_2_PAN) && ap1) perm &= 4; // PAN (D8.4.3)
    }
    WR.perm = perm;
    const attrIdx = (dlo >>> 2) & 7;
    const mairW = el2 ? SR.MAIR_EL2 : SR.MAIR_EL1;
    const attr = (x[mairW + (attrIdx >>> 2)] >>> ((attrIdx & 3) * 8)) & 0xff;
    WR.attr = attr;
    WR.sh = (dlo >>> 8) & 3;
    WR.device = (attr & 0xf0) === 0 ? 1 : 0;
    if ((perm & (1 << acc)) === 0) return fault(FSC.PERMISSION, level);
    return true;
  }
}

function fault(fsc: number, level: number): false {
  WR.fsc = fsc + level;
  return false;
}

/** Extract `bits` bits of a 64-bit VA starting at bit `shift` (shift >= 12). */
function vaBits(vlo: number, vhi: number, shift: number, bits: number): number {
  const mask = bits >= 32 ? -1 : (1 << bits) - 1;
  if (shift >= 32) return (vhi >>> (shift - 32)) & mask;
  return ((vlo >>> shift) | (vhi << (32 - shift))) & mask;
}

/**
 * Translate a data access or fetch for the running vCPU, filling the TLB for
 * RAM pages. Returns the host byte offset, or -1 for a non-RAM physical
 * address (then C.pa holds it). On a fault takes the abort and unwinds.
 * `cm` marks cache-maintenance accesses (ESR.CM).
 */
export function translate(vlo: number, vhi: number, acc: number, idx: number, cm = false): number {
  if (!walk(vlo, vhi, idx, acc)) {
    if (acc === Acc.EXEC) insnAbort(WR.fsc, vlo, vhi);
    dataAbort(WR.fsc, vlo, vhi, acc === Acc.WRITE, cm);
  }
  C.device = WR.device;
  const pageOff = ramOffset(WR.pa - (WR.pa % 4096));
  if (pageOff < 0) {
    C.pa = WR.pa;
    return -1;
  }
  const e = idx * IDX_WORDS + ((vlo >>> 12) & (TLB_ENTRIES - 1)) * TLB_WORDS;
  const t = C.tlb, tag = vlo & ~0xfff, p = WR.perm;
  t[e] = p & 1 ? tag : TLB_INVALID;
  t[e + 1] = vhi;
  t[e + 2] = p & 2 ? tag : TLB_INVALID;
  t[e + 3] = vhi;
  t[e + 4] = p & 4 ? tag : TLB_INVALID;
  t[e + 5] = vhi;
  t[e + 6] = pageOff / 4; // host word index of the page (< 2^30)
  t[e + 7] = WR.device;
  return pageOff + (vlo & 0xfff);
}

/** Word index of the TLB entry for `vlo` at MMU index `idx`. */
export function tlbEntry(idx: number, vlo: number): number {
  return idx * IDX_WORDS + ((vlo >>> 12) & (TLB_ENTRIES - 1)) * TLB_WORDS;
}

/**
 * Write PAR_EL1 for an AT instruction (Arm ARM D23.2.94 PAR_EL1): bit 11 is
 * RES1 in both formats; on success PA[47:12], NS (bit 9: this PE is always
 * Non-secure, there is no EL3), SH (8:7), ATTR (63:56); on failure F = 1
 * and FST (6:1). Values as QEMU reports them.
 */
export function atResult(ok: boolean): void {
  const x = X, w = SR.PAR_EL1;
  if (ok) {
    const pa = WR.pa - (WR.pa % 4096);
    x[w] = ((pa % 0x1_0000_0000) | (1 << 11) | (1 << 9) | (WR.sh << 7)) | 0;
    x[w + 1] = (Math.floor(pa / 0x1_0000_0000) | (WR.attr << 24)) | 0;
  } else {
    x[w] = (1 << 11) | (WR.fsc << 1) | 1;
    x[w + 1] = 0;
  }
}
