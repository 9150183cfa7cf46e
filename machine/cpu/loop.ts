/**
 * The interpreter loop: fetch through the code-page TLB entry, look the
 * instruction up in the decode caches, dispatch.
 *
 * Decoding happens once per instruction address (until the word there
 * changes): the address-keyed cache holds the dispatch code and the operands
 * already extracted ({@link predecode}), behind it a word-keyed cache holds
 * the table row. Dispatch is a tree of range tests on the code (see the
 * comment in {@link loop}). Rows listed in {@link FAST} have their common
 * forms written inline here (a function call costs ~5 ns on the reference
 * host, more than most instructions); every other row, and every uncommon
 * case of a fast row (a TLB miss, a shifted operand, SP misaligned), calls
 * the row's handler from the table. The inline cases must behave exactly as
 * the handlers: loop_test.ts runs random encodings of every fast row both
 * ways and compares the state.
 *
 * Register words: register r is X[2r] (low) and X[2r + 1]; 62 is SP, XZR
 * reads use X[W.ZERO], XZR writes X[W.SINK]. Predecoding resolves which.
 *
 * @module
 */

import * as core_ from "./core.ts";
import * as exc_ from "./exc.ts";
import * as mmu_ from "./mmu.ts";
import * as pstate_ from "./pstate.ts";
import * as table_ from "./table.ts";
import type { Handler } from "./table.ts";
import * as dp_ from "./exec_dp.ts";
import * as bits_ from "./bits.ts";

// Module-local aliases of imported values: V8 optimizes these far better than
// imported bindings in hot code (measured 2-3x on handlers).
const { C, countOne, EC, SR, TLB_ENTRIES, TLB_WORDS, W, X } = core_;
const SP = W.SP, ZERO = W.ZERO, SINK = W.SINK;
const { checkInterrupts, insnAbort, pcAlignFault, raiseHere, syncTarget, undef } = exc_;
const { Acc, dataIdx, fetchIdx, FSC, tlbEntry, translate } = mmu_;
const { PSR } = pstate_;
const { decode, ROW_BY_NAME, ROWS } = table_;
const { bitfield64 } = dp_;
const { logicalImm, mul64, R64 } = bits_;

/** Host byte offset of the start of the code page holding PC (translating it if needed). */
function fetchPage(pcLo: number, pcHi: number): number {
  if (pcLo & 3) pcAlignFault(pcLo, pcHi);
  const idx = fetchIdx(), t = C.tlb, e = tlbEntry(idx, pcLo);
  if (t[e + 4] === (pcLo & ~0xfff) && t[e + 5] === pcHi) return t[e + 6] * 4;
  const h = translate(pcLo, pcHi, Acc.EXEC, idx);
  if (h < 0) insnAbort(FSC.EXTERNAL, pcLo, pcHi);
  return h - (pcLo & 0xfff);
}

/** Full sync point: interrupts, illegal execution state, MMU index. */
function sync(): void {
  checkInterrupts();
  // PSTATE.IL after an illegal exception return: the next instruction takes EC 0x0E (Arm ARM D1.3.5).
  if (X[W.PSTATE] & PSR.IL) {
    countOne();
    raiseHere(syncTarget(), EC.ILLEGAL, 0);
  }
  C.dIdx = dataIdx();
}

const PC = W.PC, BUDGET = W.BUDGET, IRQ = W.IRQ_LINES, HCR_LO = SR.HCR_EL2;
const NF = W.NF, ZF = W.ZF, CF = W.CF, VF = W.VF;
const IDX_WORDS = TLB_ENTRIES * TLB_WORDS;
/** Word of X30, the link register. */
const LR = 30 * 2;

/** A handler's result as a loop code: 3 fell through, 1 direct branch, 2 full sync. */
function ret(v: boolean | number | void): number {
  return v === true ? 2 : v ? 1 : 3;
}

/** High word of (hi:lo) + off, given the low word's old and new value (off a signed int32). */
function carryHi(hi: number, oldLo: number, newLo: number, off: number): number {
  if (off < 0) return (newLo >>> 0) > (oldLo >>> 0) ? (hi - 1) | 0 : hi;
  return (newLo >>> 0) < (oldLo >>> 0) ? (hi + 1) | 0 : hi;
}

/**
 * Rows with an inline fast path (the forms {@link predecode} gives a fast
 * dispatch code; their other forms go to the handler).
 */
export const FAST: readonly string[] = [
  "ADD_imm",
  "ADDS_imm",
  "SUB_imm",
  "SUBS_imm",
  "ADD_reg",
  "ADDS_reg",
  "SUB_reg",
  "SUBS_reg",
  "ORR_reg",
  "AND_reg",
  "EOR_reg",
  "ANDS_reg",
  "AND_imm",
  "ORR_imm",
  "EOR_imm",
  "ANDS_imm",
  "MOVZ",
  "MOVK",
  "MOVN",
  "ADRP",
  "ADR",
  "UBFM",
  "CSEL",
  "CSINC",
  "MADD",
  "B",
  "BL",
  "B_cond",
  "CBZ",
  "CBNZ",
  "TBZ",
  "TBNZ",
  "RET",
  "LDR_X_uimm",
  "STR_X_uimm",
  "LDR_W_uimm",
  "STR_W_uimm",
  "LDRB_uimm",
  "STRB_uimm",
  "LDR_X_reg",
  "STR_X_reg",
  "LDR_W_reg",
  "STR_W_reg",
  "LDRB_reg",
  "STRB_reg",
  "LDP",
  "STP",
  "LDP_post",
  "STP_pre",
  "NOP",
];

// Dispatch codes of the inline forms, ordered for the dispatch tree in loop().
// ADD/SUB: immediate without flags, with flags, register without, with.
const C_ADDI64 = 1, C_ADDI32 = 2, C_ADDSI64 = 3, C_ADDSI32 = 4;
const C_ADDR64 = 5, C_ADDR32 = 6, C_ADDSR64 = 7, C_ADDSR32 = 8;
// Logical: register (LSL #0), immediate.
const C_ORR_R = 9, C_AND_R = 10, C_EOR_R = 11, C_ANDS_R = 12;
const C_ORR_I = 13, C_AND_I = 14, C_EOR_I = 15, C_ANDS_I = 16;
// Move a constant (MOVZ, MOVN, ORR from XZR), MOVK, PC-relative.
const C_MOVI = 17, C_MOVK = 18, C_ADR = 19, C_ADRP = 20;
// UBFM as 64-bit LSL/LSR, any other; select; multiply-add.
const C_LSL64 = 21, C_LSR64 = 22, C_UBFM = 23, C_CSEL = 24, C_CSINC = 25;
const C_MADD64 = 26, C_MADD32 = 27;
// Branches.
const C_B = 28, C_BL = 29, C_B_COND = 30, C_CBZ = 31, C_CBNZ = 32, C_TBZ = 33, C_TBNZ = 34;
const C_RET = 35;
// Loads and stores: unsigned offset, register offset; 64-bit pairs.
const C_LDRU = 36, C_STRU = 37, C_LDRR = 38, C_STRR = 39;
const C_LDP = 40, C_STP = 41, C_LDP_POST = 42, C_STP_PRE = 43;
const C_NOP = 44;
/** First code of the rows without a fast path: SLOW + row index. */
const SLOW = 64;

/** Handlers by row index, plus the UNDEFINED handler at ROWS.length. */
const H: Handler[] = [...ROWS.map((r) => r.handler), (_i: number) => undef()];
const OP_UNDEF = ROWS.length;

/** Predecode kind of each row (0: none; else the index in FAST + 1). */
const KIND = new Int32Array(ROWS.length + 1);
FAST.forEach((name, k) => {
  const row = ROW_BY_NAME.get(name);
  if (!row) throw new Error(`Fast path for unknown row ${name}`);
  KIND[row.index] = k + 1;
});
const kind = (name: string) => FAST.indexOf(name) + 1;
const K = {
  ADD_imm: kind("ADD_imm"),
  ADDS_imm: kind("ADDS_imm"),
  SUB_imm: kind("SUB_imm"),
  SUBS_imm: kind("SUBS_imm"),
  ADD_reg: kind("ADD_reg"),
  ADDS_reg: kind("ADDS_reg"),
  SUB_reg: kind("SUB_reg"),
  SUBS_reg: kind("SUBS_reg"),
  ORR_reg: kind("ORR_reg"),
  AND_reg: kind("AND_reg"),
  EOR_reg: kind("EOR_reg"),
  ANDS_reg: kind("ANDS_reg"),
  AND_imm: kind("AND_imm"),
  ORR_imm: kind("ORR_imm"),
  EOR_imm: kind("EOR_imm"),
  ANDS_imm: kind("ANDS_imm"),
  MOVZ: kind("MOVZ"),
  MOVK: kind("MOVK"),
  MOVN: kind("MOVN"),
  ADRP: kind("ADRP"),
  ADR: kind("ADR"),
  UBFM: kind("UBFM"),
  CSEL: kind("CSEL"),
  CSINC: kind("CSINC"),
  MADD: kind("MADD"),
  B: kind("B"),
  BL: kind("BL"),
  B_cond: kind("B_cond"),
  CBZ: kind("CBZ"),
  CBNZ: kind("CBNZ"),
  TBZ: kind("TBZ"),
  TBNZ: kind("TBNZ"),
  RET: kind("RET"),
  LDP: kind("LDP"),
  STP: kind("STP"),
  LDP_post: kind("LDP_post"),
  STP_pre: kind("STP_pre"),
  NOP: kind("NOP"),
} as const;
const K_LDST_FIRST = kind("LDR_X_uimm"), K_LDST_LAST = kind("STRB_reg");

/** When false every instruction goes through its table handler (tests). */
export const options = { fast: true };

// The decode caches. Decoding depends on the instruction word only, so
// neither needs invalidating (self-modifying code, IC IVAU): each entry is
// validated against the word.
//
// The word cache maps a word to its table row (the slow part of decoding).
const DC_BITS = 16;
const DC_SHIFT = 32 - DC_BITS;
const DKEY = new Int32Array(1 << DC_BITS);
const DROW = new Int32Array(1 << DC_BITS).fill(decode(0)?.index ?? OP_UNDEF);

// The address cache in front of it, keyed by the host word index of the
// instruction, holds the predecoded instruction: the word, the dispatch code,
// the operand fields packed in AF (register word indexes with XZR/SP already
// resolved: Rd/Rt in bits 0-7, Rn 8-15, Rm/Rt2 16-23, a small extra in
// 24-31) and up to two 32-bit immediates AI, AJ. Keyed by address, the code
// loads in parallel with the instruction word rather than after hashing it;
// predecoded, the inline cases extract no fields and select no XZR/SP.
// Predecoding (with the `ia`/`stop` bookkeeping in loop()) measured ALU guest
// 39.4 -> 52.9 MIPS, sieve 59.5 -> 69.1 (medians of 5-6 interleaved processes).
const AC_BITS = 16;
const AC_MASK = (1 << AC_BITS) - 1;
const AKEY = new Int32Array(1 << AC_BITS);
const AOP = new Int32Array(1 << AC_BITS);
const AF = new Int32Array(1 << AC_BITS);
const AI = new Int32Array(1 << AC_BITS);
const AJ = new Int32Array(1 << AC_BITS);

/** Fill address-cache entry `a` for word `w` (any row); returns its dispatch code. */
function addrMiss(w: number, a: number): number {
  const k = Math.imul(w, 0x9e37_79b1) >>> DC_SHIFT;
  let idx: number;
  if (DKEY[k] === w) idx = DROW[k];
  else {
    idx = decode(w)?.index ?? OP_UNDEF;
    DKEY[k] = w;
    DROW[k] = idx;
  }
  const code = options.fast ? predecode(w, KIND[idx], a) : 0;
  AKEY[a] = w;
  AOP[a] = code > 0 ? code : SLOW + idx;
  return AOP[a];
}

/** Register word index of field `r` (5 bits): 31 is `r31` (W.SP, W.ZERO or W.SINK). */
function rw(r: number, r31: number): number {
  return r === 31 ? r31 : r * 2;
}

/**
 * Set AF/AI/AJ[a] for word `w` of predecode kind `k`; returns the dispatch
 * code, or 0 when this form has no inline case (the handler runs it).
 */
function predecode(w: number, k: number, a: number): number {
  const d = w & 31, n = (w >>> 5) & 31, m = (w >>> 16) & 31, sf = w < 0;
  const SFBIT = sf ? 1 << 31 : 0;
  AF[a] = 0, AI[a] = 0, AJ[a] = 0;
  switch (k) {
    case K.ADD_imm:
    case K.SUB_imm:
    case K.ADDS_imm:
    case K.SUBS_imm: {
      const imm = ((w >>> 10) & 0xfff) << (((w >>> 22) & 1) * 12);
      const sub = k === K.SUB_imm || k === K.SUBS_imm;
      if (k === K.ADD_imm || k === K.SUB_imm) {
        AF[a] = rw(d, SP) | (rw(n, SP) << 8);
        AI[a] = sub ? -imm : imm;
        return sf ? C_ADDI64 : C_ADDI32;
      }
      AF[a] = rw(d, SINK) | (rw(n, SP) << 8);
      AI[a] = sub ? ~imm : imm;
      AJ[a] = sub ? -1 : 0;
      return sf ? C_ADDSI64 : C_ADDSI32;
    }
    case K.ADD_reg:
    case K.SUB_reg:
    case K.ADDS_reg:
    case K.SUBS_reg: {
      if ((w & 0x00c0_fc00) !== 0) return 0; // shifted operand
      const sub = k === K.SUB_reg || k === K.SUBS_reg;
      AF[a] = rw(d, SINK) | (rw(n, ZERO) << 8) | (rw(m, ZERO) << 16);
      AJ[a] = sub ? -1 : 0;
      if (k === K.ADD_reg || k === K.SUB_reg) return sf ? C_ADDR64 : C_ADDR32;
      return sf ? C_ADDSR64 : C_ADDSR32;
    }
    case K.ORR_reg:
    case K.AND_reg:
    case K.EOR_reg:
    case K.ANDS_reg: {
      if ((w & 0x00c0_fc00) !== 0) return 0;
      AF[a] = rw(d, SINK) | (rw(n, ZERO) << 8) | (rw(m, ZERO) << 16) | SFBIT;
      return k === K.ORR_reg
        ? C_ORR_R
        : k === K.AND_reg
        ? C_AND_R
        : k === K.EOR_reg
        ? C_EOR_R
        : C_ANDS_R;
    }
    case K.AND_imm:
    case K.ORR_imm:
    case K.EOR_imm:
    case K.ANDS_imm: {
      if (!logicalImm(sf ? 1 : 0, (w >>> 22) & 1, (w >>> 16) & 63, (w >>> 10) & 63)) return 0;
      const D = k === K.ANDS_imm ? rw(d, SINK) : rw(d, SP);
      AI[a] = R64.lo, AJ[a] = sf ? R64.hi : 0;
      if (k === K.ORR_imm && n === 31) { // MOV (bitmask immediate)
        AF[a] = D;
        return C_MOVI;
      }
      AF[a] = D | (rw(n, ZERO) << 8) | SFBIT;
      return k === K.ORR_imm
        ? C_ORR_I
        : k === K.AND_imm
        ? C_AND_I
        : k === K.EOR_imm
        ? C_EOR_I
        : C_ANDS_I;
    }
    case K.MOVZ:
    case K.MOVN:
    case K.MOVK: {
      const imm = (w >>> 5) & 0xffff, hw = (w >>> 21) & 3, sh = (hw & 1) << 4;
      const lo = hw === 0 ? imm : hw === 1 ? imm << 16 : 0;
      const hi = hw === 2 ? imm : hw === 3 ? imm << 16 : 0;
      if (k === K.MOVK) {
        // I: the halfword in place; J: the bits of the word kept; bit 8: which word.
        AF[a] = rw(d, SINK) | ((hw >>> 1) << 8) | SFBIT;
        AI[a] = imm << sh;
        AJ[a] = ~(0xffff << sh);
        return C_MOVK;
      }
      AF[a] = rw(d, SINK);
      if (k === K.MOVZ) AI[a] = lo, AJ[a] = hi;
      else AI[a] = ~lo, AJ[a] = sf ? ~hi : 0;
      return C_MOVI;
    }
    case K.ADR:
    case K.ADRP:
      AF[a] = rw(d, SINK);
      AI[a] = ((((w >>> 3) & 0x1f_fffc) | ((w >>> 29) & 3)) << 11) >> 11;
      return k === K.ADR ? C_ADR : C_ADRP;
    case K.UBFM: {
      const rr = (w >>> 16) & 63, s = (w >>> 10) & 63;
      AF[a] = rw(d, SINK) | (rw(n, ZERO) << 8);
      if (sf && s === 63 && rr !== 0) {
        AF[a] |= rr << 24;
        return C_LSR64;
      }
      if (sf && s !== 63 && s + 1 === rr) {
        AF[a] |= (63 - s) << 24;
        return C_LSL64;
      }
      return C_UBFM;
    }
    case K.CSEL:
    case K.CSINC:
      AF[a] = rw(d, SINK) | (rw(n, ZERO) << 8) | (rw(m, ZERO) << 16) | (((w >>> 12) & 15) << 24) |
        SFBIT;
      return k === K.CSEL ? C_CSEL : C_CSINC;
    case K.MADD:
      AF[a] = rw(d, SINK) | (rw(n, ZERO) << 8) | (rw(m, ZERO) << 16) |
        (rw((w >>> 10) & 31, ZERO) << 24);
      return sf ? C_MADD64 : C_MADD32;
    case K.B:
    case K.BL:
      AI[a] = (w << 6) >> 4;
      return k === K.B ? C_B : C_BL;
    case K.B_cond:
      AF[a] = (w & 15) << 24;
      AI[a] = ((w << 8) >> 13) << 2;
      return C_B_COND;
    case K.CBZ:
    case K.CBNZ:
      AF[a] = (rw(d, ZERO) << 8) | SFBIT;
      AI[a] = ((w << 8) >> 13) << 2;
      return k === K.CBZ ? C_CBZ : C_CBNZ;
    case K.TBZ:
    case K.TBNZ: {
      const bit = ((w >>> 26) & 0x20) | ((w >>> 19) & 31);
      AF[a] = ((rw(d, ZERO) + (bit >>> 5)) << 8) | ((bit & 31) << 24);
      AI[a] = ((w << 13) >> 18) << 2;
      return k === K.TBZ ? C_TBZ : C_TBNZ;
    }
    case K.RET:
      AF[a] = rw(n, ZERO) << 8;
      return C_RET;
    case K.LDP:
    case K.STP:
    case K.LDP_post:
    case K.STP_pre: {
      if (!sf) return 0; // 32-bit pairs
      const st = k === K.STP || k === K.STP_pre, t2 = (w >>> 10) & 31;
      AF[a] = rw(d, st ? ZERO : SINK) | (rw(n, SP) << 8) | (rw(t2, st ? ZERO : SINK) << 16);
      AI[a] = ((w << 10) >> 25) << 3;
      return k === K.LDP ? C_LDP : k === K.STP ? C_STP : k === K.LDP_post ? C_LDP_POST : C_STP_PRE;
    }
    case K.NOP:
      return C_NOP;
    default: {
      if (k < K_LDST_FIRST || k > K_LDST_LAST) return 0;
      // LDR/STR/LDRB/STRB (X, W, byte), unsigned offset or register offset.
      const size = w >>> 30, st = (w & (1 << 22)) === 0, reg = (w & (1 << 24)) === 0;
      AF[a] = rw(d, st ? ZERO : SINK) | (rw(n, SP) << 8) | (size << 24);
      if (reg) {
        AF[a] |= (rw(m, ZERO) << 16) | (((w >>> 13) & 7) << 26) | (((w >>> 12) & 1) << 29);
        return st ? C_STRR : C_LDRR;
      }
      AI[a] = ((w >>> 10) & 0xfff) << size;
      return st ? C_STRU : C_LDRU;
    }
  }
}

/** Forget every cached decode (after switching `options.fast`). */
export function clearDecodeCache(): void {
  DKEY.fill(0);
  DROW.fill(decode(0)?.index ?? OP_UNDEF);
  // Word 0 is UDF: an entry never filled reads as (0, SLOW + its row).
  AKEY.fill(0);
  AOP.fill(SLOW + (decode(0)?.index ?? OP_UNDEF));
}
clearDecodeCache();

/**
 * ConditionHolds (Arm ARM C1.2.4) as a table: bit NZCV of COND[c] (N = bit 3)
 * is the result for condition c. Branch-free, unlike a switch on c.
 */
const COND = new Int32Array(16);
for (let c = 0; c < 16; c++) {
  for (let f = 0; f < 16; f++) {
    const N = (f >> 3) & 1, Z = (f >> 2) & 1, Cf = (f >> 1) & 1, V = f & 1;
    const base =
      [Z === 1, Cf === 1, N === 1, V === 1, Cf === 1 && Z === 0, N === V, Z === 0 && N === V, true][
        c >>> 1
      ];
    if ((c & 1) !== 0 && c !== 15 ? !base : base) COND[c] |= 1 << f;
  }
}

/** ConditionHolds(c) on the current flags. */
function cond(c: number): boolean {
  const z = X[ZF],
    nzcv = ((X[NF] >>> 28) & 8) | ((((z | -z) >>> 31) ^ 1) << 2) | (X[CF] << 1) |
      (X[VF] >>> 31);
  return ((COND[c] >>> nzcv) & 1) !== 0;
}

const h_LDST_uimm = H[ROW_BY_NAME.get("LDR_X_uimm")!.index];
const h_LDST_reg = H[ROW_BY_NAME.get("LDR_X_reg")!.index];
const h_LDSTP = H[ROW_BY_NAME.get("LDP")!.index];
const h_LDSTP_post = H[ROW_BY_NAME.get("LDP_post")!.index];
const h_LDSTP_pre = H[ROW_BY_NAME.get("STP_pre")!.index];
const h_RET = H[ROW_BY_NAME.get("RET")!.index];

/**
 * Run until X[W.BUDGET] reaches zero. A handler returns 1 after a direct
 * branch (same translation regime: only interrupts and the code page need
 * checking) or true after anything that may have changed PSTATE or
 * translation (full sync).
 *
 * Position and budget live in locals as host word indexes: `ia` is the
 * instruction's word in machine memory, `lim` the `ia` at which the budget
 * runs out if execution went on in a straight line, and `stop` the smaller
 * of `lim` and the end of the code page. An instruction that falls through
 * costs `ia++` and one compare; the guest PC (`pagePc` + the offset in the
 * page), X[W.PC] and X[W.BUDGET] (`lim - ia - 1` once the instruction is
 * counted) are computed only before anything that may read them (handler
 * calls, sync, fetchPage), and `lim` is recomputed after (requestSync and
 * countOne change the budget).
 */
export function loop(): void {
  const mem = C.i32, u8 = C.u8, tlb = C.tlb;
  sync();
  let pagePc = X[PC] & ~0xfff, pcHi = X[PC + 1];
  let pageIa = fetchPage(X[PC], pcHi) >>> 2;
  let ia = pageIa + ((X[PC] & 0xfff) >>> 2);
  let lim = ia + X[BUDGET];
  let stop = lim < pageIa + 1024 ? lim : pageIa + 1024;
  let dBase = C.dIdx * IDX_WORDS;
  for (;;) {
    if (ia === stop) {
      if (ia === lim) break;
      // The next code page.
      pagePc = (pagePc + 0x1000) | 0;
      if (pagePc === 0) pcHi = (pcHi + 1) | 0;
      X[PC] = pagePc, X[PC + 1] = pcHi, X[BUDGET] = lim - ia;
      pageIa = fetchPage(pagePc, pcHi) >>> 2;
      ia = pageIa;
      lim = ia + X[BUDGET];
      stop = lim < pageIa + 1024 ? lim : pageIa + 1024;
    }
    const a = ia & AC_MASK, w = mem[ia];
    const code = AKEY[a] === w ? AOP[a] : addrMiss(w, a);
    const f = AF[a];
    // r: 0 fall through, 1 direct branch (X[W.PC] written), 2 full sync.
    let r = 0;
    // Dispatch is a tree of range tests, not one `switch`: V8 compiles a dense
    // switch to one indirect jump, whose target the host predicted poorly once
    // the guest mixes instruction kinds (a JS model of 12 opcodes: 3.8-7.5 ns
    // per dispatch through a switch, 3.3-3.9 through a tree); conditional
    // branches on the code are predicted from the global history. With the
    // address-keyed cache: ALU guest 36.2 -> 40.7 MIPS, sieve 53.4 -> 60.6
    // (medians of 8 interleaved processes, best of 3 runs each).
    if (code < C_B) { // data processing
      if (code < C_ORR_R) { // ADD/SUB (immediate or register), with and without flags
        const D = f & 255, N = (f >>> 8) & 255, a0 = X[N];
        if (code < C_ADDR64) {
          const b = AI[a];
          if (code === C_ADDI64) {
            const lo = (a0 + b) | 0;
            X[D + 1] = (X[N + 1] + (b >> 31) + (((a0 & b) | ((a0 | b) & ~lo)) >>> 31)) | 0;
            X[D] = lo;
          } else if (code === C_ADDI32) {
            X[D] = (a0 + b) | 0, X[D + 1] = 0;
          } else {
            // ADDS/SUBS: b = imm or ~imm, J = 0 or -1 (its high word, and the carry in).
            const bh = AJ[a], lo = (a0 + b + (bh & 1)) | 0;
            const c0 = ((a0 & b) | ((a0 | b) & ~lo)) >>> 31;
            if (code === C_ADDSI64) {
              const ah = X[N + 1], hi = (ah + bh + c0) | 0;
              X[NF] = hi, X[ZF] = lo | hi;
              X[CF] = ((ah & bh) | ((ah | bh) & ~hi)) >>> 31, X[VF] = (ah ^ hi) & ~(ah ^ bh);
              X[D] = lo, X[D + 1] = hi;
            } else {
              X[NF] = lo, X[ZF] = lo, X[CF] = c0, X[VF] = (a0 ^ lo) & ~(a0 ^ b);
              X[D] = lo, X[D + 1] = 0;
            }
          }
        } else {
          // Register operand, LSL #0. J = 0 (add) or -1 (subtract: b = ~Rm, carry in 1).
          const M = (f >>> 16) & 255, j = AJ[a], b = X[M] ^ j;
          const lo = (a0 + b + (j & 1)) | 0;
          if (code === C_ADDR64) {
            X[D + 1] = (X[N + 1] + (X[M + 1] ^ j) + (((a0 & b) | ((a0 | b) & ~lo)) >>> 31)) | 0;
            X[D] = lo;
          } else if (code === C_ADDR32) {
            X[D] = lo, X[D + 1] = 0;
          } else {
            const c0 = ((a0 & b) | ((a0 | b) & ~lo)) >>> 31;
            if (code === C_ADDSR64) {
              const ah = X[N + 1], bh = X[M + 1] ^ j, hi = (ah + bh + c0) | 0;
              X[NF] = hi, X[ZF] = lo | hi;
              X[CF] = ((ah & bh) | ((ah | bh) & ~hi)) >>> 31, X[VF] = (ah ^ hi) & ~(ah ^ bh);
              X[D] = lo, X[D + 1] = hi;
            } else {
              X[NF] = lo, X[ZF] = lo, X[CF] = c0, X[VF] = (a0 ^ lo) & ~(a0 ^ b);
              X[D] = lo, X[D + 1] = 0;
            }
          }
        }
      } else if (code < C_MOVI) { // logical, register (LSL #0) or immediate (I:J)
        // f bit 31: sf (the high word is kept), so f >> 31 masks it.
        const D = f & 255, N = (f >>> 8) & 255, sf = f >> 31;
        let lo: number, hi: number;
        if (code < C_ORR_I) {
          const M = (f >>> 16) & 255;
          if (code === C_ORR_R) lo = X[N] | X[M], hi = X[N + 1] | X[M + 1];
          else if (code === C_EOR_R) lo = X[N] ^ X[M], hi = X[N + 1] ^ X[M + 1];
          else lo = X[N] & X[M], hi = X[N + 1] & X[M + 1];
        } else {
          const il = AI[a], ih = AJ[a];
          if (code === C_ORR_I) lo = X[N] | il, hi = X[N + 1] | ih;
          else if (code === C_EOR_I) lo = X[N] ^ il, hi = X[N + 1] ^ ih;
          else lo = X[N] & il, hi = X[N + 1] & ih;
        }
        hi &= sf;
        if (code === C_ANDS_R || code === C_ANDS_I) {
          X[NF] = sf ? hi : lo, X[ZF] = lo | hi, X[CF] = 0, X[VF] = 0;
        }
        X[D] = lo, X[D + 1] = hi;
      } else if (code < C_LSL64) { // MOVZ/MOVN (I:J), MOVK, ADR, ADRP
        const D = f & 255;
        if (code === C_MOVI) X[D] = AI[a], X[D + 1] = AJ[a];
        else if (code === C_MOVK) {
          // I: the halfword already shifted into place, J: the mask of the halfword kept.
          const wd = D + ((f >>> 8) & 1);
          X[wd] = (X[wd] & AJ[a]) | AI[a];
          if (f >= 0) X[D + 1] = 0;
        } else {
          const pcLo = (pagePc + ((ia - pageIa) << 2)) | 0;
          const base = code === C_ADRP ? pagePc : pcLo;
          const s = (base >>> 0) + AI[a] * (code === C_ADRP ? 4096 : 1); // exact in a double
          X[D] = s | 0;
          X[D + 1] = (pcHi + Math.floor(s / 0x1_0000_0000)) | 0;
        }
      } else if (code < C_CSEL) { // UBFM: LSL, LSR (64-bit), the rest
        const D = f & 255, N = (f >>> 8) & 255, lo = X[N], hi = X[N + 1];
        if (code === C_LSL64) {
          const sh = f >>> 24; // 1..63
          if (sh < 32) X[D + 1] = (hi << sh) | (lo >>> (32 - sh)), X[D] = lo << sh;
          else X[D + 1] = lo << (sh - 32), X[D] = 0;
        } else if (code === C_LSR64) {
          const sh = f >>> 24; // 1..63
          if (sh < 32) X[D] = (lo >>> sh) | (hi << (32 - sh)), X[D + 1] = hi >>> sh;
          else X[D] = hi >>> (sh - 32), X[D + 1] = 0;
        } else {
          const rr = (w >>> 16) & 63, s = (w >>> 10) & 63;
          if (w >= 0) {
            X[D] = s >= rr
              ? (lo >>> rr) & (s - rr === 31 ? -1 : (1 << (s - rr + 1)) - 1)
              : (lo & (s === 31 ? -1 : (1 << (s + 1)) - 1)) << (32 - rr);
            X[D + 1] = 0;
          } else {
            bitfield64(lo, hi, rr, s, false);
            X[D] = R64.lo, X[D + 1] = R64.hi;
          }
        }
      } else if (code < C_MADD64) { // CSEL, CSINC; f bits 24-27: cond, bit 31: sf
        const D = f & 255, sf = f >> 31;
        if (cond((f >>> 24) & 15)) {
          const N = (f >>> 8) & 255;
          X[D] = X[N], X[D + 1] = X[N + 1] & sf;
        } else {
          const M = (f >>> 16) & 255;
          if (code === C_CSEL) X[D] = X[M], X[D + 1] = X[M + 1] & sf;
          else {
            const lo = (X[M] + 1) | 0;
            X[D + 1] = (X[M + 1] + (lo === 0 ? 1 : 0)) & sf;
            X[D] = lo;
          }
        }
      } else { // MADD; f bits 24-31: Ra
        const D = f & 255, N = (f >>> 8) & 255, M = (f >>> 16) & 255, A = f >>> 24;
        if (code === C_MADD32) {
          X[D] = (Math.imul(X[N], X[M]) + X[A]) | 0, X[D + 1] = 0;
        } else {
          mul64(X[N], X[N + 1], X[M], X[M + 1]);
          const pl = R64.lo, al = X[A], lo = (pl + al) | 0;
          X[D + 1] = (R64.hi + X[A + 1] + (((pl & al) | ((pl | al) & ~lo)) >>> 31)) | 0;
          X[D] = lo;
        }
      }
    } else if (code < C_LDRU) { // branches; I: the offset in bytes
      let taken = true;
      if (code === C_B_COND) taken = cond(f >>> 24);
      else if (code < C_B_COND) { // B, BL
        if (code === C_BL) {
          const s = (pagePc >>> 0) + ((ia - pageIa) << 2) + 4;
          X[LR] = s | 0;
          X[LR + 1] = s > 0xffff_ffff ? (pcHi + 1) | 0 : pcHi;
        }
      } else if (code < C_TBZ) { // CBZ, CBNZ: f bit 31 sf
        const T = (f >>> 8) & 255;
        taken = ((X[T] | (X[T + 1] & (f >> 31))) === 0) === (code === C_CBZ);
      } else if (code < C_RET) { // TBZ, TBNZ: T already selects the word, f bits 24-28: the bit
        const T = (f >>> 8) & 255;
        taken = ((X[T] >>> (f >>> 24)) & 1) === (code === C_TBZ ? 0 : 1);
      } else { // RET
        const N = (f >>> 8) & 255, lo = X[N];
        if (lo & 3) {
          // A misaligned target: the PC alignment fault is taken at the next fetch.
          X[PC] = (pagePc + ((ia - pageIa) << 2)) | 0, X[BUDGET] = lim - ia - 1;
          r = ret(h_RET(w));
        } else {
          X[PC] = lo, X[PC + 1] = X[N + 1], X[BUDGET] = lim - ia - 1;
          r = 1;
        }
        taken = false;
      }
      if (taken) {
        // Within the page: only interrupts need looking at (see below).
        const t = ((ia - pageIa) << 2) + AI[a];
        if (t >= 0 && t < 0x1000 && (X[IRQ] | (X[HCR_LO] & 0x1c0)) === 0) {
          const left = lim - ia - 1;
          ia = pageIa + (t >>> 2);
          lim = ia + left;
          stop = lim < pageIa + 1024 ? lim : pageIa + 1024;
          continue;
        }
        const pcLo = pagePc + ((ia - pageIa) << 2), s = pcLo + AI[a]; // |s| < 2^33
        X[PC] = s | 0;
        X[PC + 1] = (pcHi + Math.floor(s / 0x1_0000_0000)) | 0;
        X[BUDGET] = lim - ia - 1;
        r = 1;
      }
    } else if (code < C_LDP) { // LDR/STR/LDRB/STRB: unsigned offset (I) or register offset
      // f: Rt, Rn, Rm, bits 24-25 size, bits 26-28 option, bit 29 S.
      const N = (f >>> 8) & 255, size = (f >>> 24) & 3, b = X[N];
      let vlo = b, vhi = X[N + 1];
      if (code < C_LDRR) {
        vlo = (b + AI[a]) | 0;
        if ((vlo >>> 0) < (b >>> 0)) vhi = (vhi + 1) | 0;
      } else {
        // ExtendReg(Rm, option, S ? size : 0): UXTW 010, LSL/UXTX 011, SXTW 110, SXTX 111.
        const M = (f >>> 16) & 255, option = (f >>> 26) & 7;
        let ol = X[M], oh = option === 2 ? 0 : option === 6 ? ol >> 31 : X[M + 1];
        if (f & (1 << 29) && size !== 0) oh = (oh << size) | (ol >>> (32 - size)), ol <<= size;
        vlo = (b + ol) | 0;
        vhi = (vhi + oh + ((vlo >>> 0) < (b >>> 0) ? 1 : 0)) | 0;
      }
      const e = dBase + ((vlo >>> 12) & 0xff) * TLB_WORDS;
      const st = code === C_STRU || code === C_STRR, tagW = st ? e + 2 : e;
      if (
        // SP alignment check, TLB miss, unaligned or device: the full path.
        (N === SP && (b & 15) !== 0) || tlb[tagW] !== (vlo & ~0xfff) || tlb[tagW + 1] !== vhi ||
        (vlo & ((1 << size) - 1)) !== 0
      ) {
        X[PC] = (pagePc + ((ia - pageIa) << 2)) | 0, X[BUDGET] = lim - ia - 1;
        r = ret(code < C_LDRR ? h_LDST_uimm(w) : h_LDST_reg(w));
      } else {
        const hw = tlb[e + 6] + ((vlo & 0xfff) >>> 2), T = f & 255;
        if (st) {
          if (size === 3) mem[hw] = X[T], mem[hw + 1] = X[T + 1];
          else if (size === 2) mem[hw] = X[T];
          else u8[tlb[e + 6] * 4 + (vlo & 0xfff)] = X[T];
        } else {
          if (size === 3) X[T] = mem[hw], X[T + 1] = mem[hw + 1];
          else if (size === 2) X[T] = mem[hw], X[T + 1] = 0;
          else X[T] = u8[tlb[e + 6] * 4 + (vlo & 0xfff)], X[T + 1] = 0;
        }
      }
    } else if (code < C_NOP) { // LDP, STP (signed offset), LDP (post-index), STP (pre-index), 64-bit
      // f: Rt, Rn, Rt2; I: the offset in bytes.
      const N = (f >>> 8) & 255, b = X[N], bh = X[N + 1], off = AI[a];
      const vlo = code === C_LDP_POST ? b : (b + off) | 0;
      const vhi = code === C_LDP_POST ? bh : carryHi(bh, b, vlo, off);
      const e = dBase + ((vlo >>> 12) & 0xff) * TLB_WORDS;
      const st = code === C_STP || code === C_STP_PRE, tagW = st ? e + 2 : e;
      // Both doublewords must sit in the same page: 8-aligned and not the page's last doubleword.
      if (
        (N === SP && (b & 15) !== 0) ||
        tlb[tagW] !== (vlo & ~0xfff) || tlb[tagW + 1] !== vhi || (vlo & 7) !== 0 ||
        (vlo & 0xff8) === 0xff8
      ) {
        X[PC] = (pagePc + ((ia - pageIa) << 2)) | 0, X[BUDGET] = lim - ia - 1;
        r = ret(
          code === C_LDP || code === C_STP
            ? h_LDSTP(w)
            : code === C_LDP_POST
            ? h_LDSTP_post(w)
            : h_LDSTP_pre(w),
        );
      } else {
        const hw = tlb[e + 6] + ((vlo & 0xfff) >>> 2), T = f & 255, T2 = (f >>> 16) & 255;
        if (st) {
          mem[hw] = X[T], mem[hw + 1] = X[T + 1], mem[hw + 2] = X[T2], mem[hw + 3] = X[T2 + 1];
        } else {
          const a0 = mem[hw], a1 = mem[hw + 1], b0 = mem[hw + 2], b1 = mem[hw + 3];
          X[T] = a0, X[T + 1] = a1; // Rt == Rt2 is UNPREDICTABLE: the second load wins, as in the handler
          X[T2] = b0, X[T2 + 1] = b1;
        }
        if (code === C_LDP_POST) { // writeback after the loads, as the handler (Rt == Rn is CONSTRAINED UNPREDICTABLE)
          const lo = (b + off) | 0;
          X[N + 1] = carryHi(bh, b, lo, off);
          X[N] = lo;
        } else if (code === C_STP_PRE) X[N] = vlo, X[N + 1] = vhi;
      }
    } else if (code !== C_NOP) { // everything else: the row's handler
      X[PC] = (pagePc + ((ia - pageIa) << 2)) | 0, X[BUDGET] = lim - ia - 1;
      r = ret(H[code - SLOW](w));
    }
    if (r === 0) {
      ia++;
      continue;
    }
    // A handler ran (it left the budget in X[W.BUDGET]) or a branch left the page.
    const left = X[BUDGET];
    if (r === 3) { // the handler fell through: on to the next instruction
      ia++;
      lim = ia + left;
      stop = lim < pageIa + 1024 ? lim : pageIa + 1024;
      continue;
    }
    // The PC is in X[W.PC]; r = 1: a direct branch, 2: anything else.
    if (left <= 0) return;
    // HCR_EL2.VI/VF/VSE (bits 7:6, 8) pend virtual interrupts without any line.
    const synced = r === 2 || (X[IRQ] | (X[HCR_LO] & 0x1c0)) !== 0;
    if (synced) {
      sync();
      dBase = C.dIdx * IDX_WORDS;
    }
    const pcLo = X[PC];
    if (synced || (pcLo & ~0xfff) !== pagePc || X[PC + 1] !== pcHi) {
      pagePc = pcLo & ~0xfff;
      pcHi = X[PC + 1];
      pageIa = fetchPage(pcLo, pcHi) >>> 2;
    }
    ia = pageIa + ((pcLo & 0xfff) >>> 2);
    lim = ia + X[BUDGET];
    stop = lim < pageIa + 1024 ? lim : pageIa + 1024;
  }
  // The budget is spent: the next instruction is at ia (perhaps the next page's first).
  const s = (pagePc >>> 0) + ((ia - pageIa) << 2);
  X[PC] = s | 0;
  X[PC + 1] = s > 0xffff_ffff ? (pcHi + 1) | 0 : pcHi;
  X[BUDGET] = 0;
}
