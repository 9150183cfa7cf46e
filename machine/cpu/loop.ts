/**
 * The interpreter loop: fetch through the code-page TLB entry, decode
 * through a global cache keyed by the instruction word, dispatch.
 *
 * Dispatch is a tree of range tests on a code stored in the decode cache
 * (see the comment in {@link loop}). Rows listed
 * in {@link FAST} have their common case written inline here (a function
 * call costs ~5 ns on the reference host, more than most instructions);
 * every other row, and every uncommon case of a fast row (a TLB miss, a
 * shifted operand, SP misaligned), calls the row's handler from the
 * table. The inline cases must behave exactly as the handlers: loop_test.ts
 * runs random encodings of every fast row both ways and compares the state.
 *
 * Register words: `((w >>> 4) & 62)` is Rn*2, `(w & 31) << 1` Rd*2,
 * `((w >>> 15) & 62)` Rm*2; 62 is SP, ZR reads use X[W.ZERO], ZR writes X[W.SINK].
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
const { checkInterrupts, insnAbort, pcAlignFault, raiseHere, syncTarget, undef } = exc_;
const { Acc, dataIdx, fetchIdx, FSC, tlbEntry, translate } = mmu_;
const { PSR } = pstate_;
const { decode, ROW_BY_NAME, ROWS } = table_;
const { bitfield64, condHolds } = dp_;
const { LIMM_HI, LIMM_LO, LIMM_STATE, mul64, R64 } = bits_;

/**
 * Rows with an inline fast path, by dispatch code (index + 1). Codes of
 * other rows are `SLOW + row index`.
 */
export const FAST: readonly string[] = [
  // 1-4: ADD/SUB (immediate), with and without flags
  "ADD_imm",
  "ADDS_imm",
  "SUB_imm",
  "SUBS_imm",
  // 5-7: ADD/SUB (shifted register)
  "ADD_reg",
  "SUB_reg",
  "SUBS_reg",
  // 8-11: logical (shifted register)
  "ORR_reg",
  "AND_reg",
  "EOR_reg",
  "ANDS_reg",
  // 12-15: logical (immediate)
  "AND_imm",
  "ORR_imm",
  "EOR_imm",
  "ANDS_imm",
  // 16-24: move wide, PC-relative, bitfield, select, multiply
  "MOVZ",
  "MOVK",
  "MOVN",
  "ADRP",
  "ADR",
  "UBFM",
  "CSEL",
  "CSINC",
  "MADD",
  // 25-32: branches
  "B",
  "BL",
  "B_cond",
  "CBZ",
  "CBNZ",
  "TBZ",
  "TBNZ",
  "RET",
  // 33-44: single loads/stores (unsigned offset, then register offset)
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
  // 45-48: pairs
  "LDP",
  "STP",
  "LDP_post",
  "STP_pre",
  // 49
  "NOP",
];

/** First code of the rows without a fast path. */
const SLOW = 64;

/** Handlers by row index, plus the UNDEFINED handler at ROWS.length. */
const H: Handler[] = [...ROWS.map((r) => r.handler), (_i: number) => undef()];
const OP_UNDEF = ROWS.length;

/** Dispatch code of each row (fast code or SLOW + index). */
const CODE = new Int32Array(ROWS.length + 1);
for (let i = 0; i <= ROWS.length; i++) CODE[i] = SLOW + i;
FAST.forEach((name, k) => {
  const row = ROW_BY_NAME.get(name);
  if (!row) throw new Error(`Fast path for unknown row ${name}`);
  CODE[row.index] = k + 1;
});

/** When false every instruction goes through its table handler (tests). */
export const options = { fast: true };

// The decode cache: instruction word -> dispatch code (global; decode depends on the word only).
const DC_BITS = 16;
const DC_SHIFT = 32 - DC_BITS;
const DKEY = new Int32Array(1 << DC_BITS);
const DOP = new Int32Array(1 << DC_BITS).fill(CODE[decode(0)?.index ?? OP_UNDEF]);

function decodeMiss(w: number, k: number): number {
  const idx = decode(w)?.index ?? OP_UNDEF;
  const code = options.fast ? CODE[idx] : SLOW + idx;
  DKEY[k] = w;
  DOP[k] = code;
  return code;
}

// The address cache in front of it: host word index of the instruction ->
// (word, dispatch code). Keyed by where the instruction is, so the code can be
// loaded in parallel with the instruction word rather than after hashing it:
// a mispredicted dispatch resolves that much sooner. Still validated against
// the word fetched, so it needs no invalidation either.
const AC_BITS = 16;
const AC_MASK = (1 << AC_BITS) - 1;
const AKEY = new Int32Array(1 << AC_BITS);
const AOP = new Int32Array(1 << AC_BITS).fill(CODE[decode(0)?.index ?? OP_UNDEF]);

function addrMiss(w: number, a: number): number {
  const k = Math.imul(w, 0x9e37_79b1) >>> DC_SHIFT;
  const code = DKEY[k] === w ? DOP[k] : decodeMiss(w, k);
  AKEY[a] = w;
  AOP[a] = code;
  return code;
}

/** Forget every cached decode (after switching `options.fast`). */
export function clearDecodeCache(): void {
  const zero = options.fast
    ? CODE[decode(0)?.index ?? OP_UNDEF]
    : SLOW + (decode(0)?.index ?? OP_UNDEF);
  DKEY.fill(0);
  DOP.fill(zero);
  AKEY.fill(0);
  AOP.fill(zero);
}

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
const NF = W.NF, ZF = W.ZF, CF = W.CF, VF = W.VF, ZERO = W.ZERO, SINK = W.SINK;
const IDX_WORDS = TLB_ENTRIES * TLB_WORDS;
/** Word of X30, the link register. */
const LR = 30 * 2;

/** A handler's result as a loop code: 0 fall through, 1 direct branch, 2 full sync. */
function ret(v: boolean | number | void): number {
  return v === true ? 2 : v ? 1 : 0;
}

/** High word of (hi:lo) + off, given the low word's old and new value (off a signed int32). */
function carryHi(hi: number, oldLo: number, newLo: number, off: number): number {
  if (off < 0) return (newLo >>> 0) > (oldLo >>> 0) ? (hi - 1) | 0 : hi;
  return (newLo >>> 0) < (oldLo >>> 0) ? (hi + 1) | 0 : hi;
}

const h_ADD_reg = H[ROW_BY_NAME.get("ADD_reg")!.index];
const h_SUB_reg = H[ROW_BY_NAME.get("SUB_reg")!.index];
const h_SUBS_reg = H[ROW_BY_NAME.get("SUBS_reg")!.index];
const h_ORR_reg = H[ROW_BY_NAME.get("ORR_reg")!.index];
const h_AND_reg = H[ROW_BY_NAME.get("AND_reg")!.index];
const h_EOR_reg = H[ROW_BY_NAME.get("EOR_reg")!.index];
const h_ANDS_reg = H[ROW_BY_NAME.get("ANDS_reg")!.index];
const h_LDST_uimm = H[ROW_BY_NAME.get("LDR_X_uimm")!.index];
const h_LDSTP = H[ROW_BY_NAME.get("LDP")!.index];
const h_LDSTP_post = H[ROW_BY_NAME.get("LDP_post")!.index];
const h_LDSTP_pre = H[ROW_BY_NAME.get("STP_pre")!.index];
const h_RET = H[ROW_BY_NAME.get("RET")!.index];
const h_LIMM = [
  H[ROW_BY_NAME.get("AND_imm")!.index],
  H[ROW_BY_NAME.get("ORR_imm")!.index],
  H[ROW_BY_NAME.get("EOR_imm")!.index],
  H[ROW_BY_NAME.get("ANDS_imm")!.index],
];
const h_LDST_reg = H[ROW_BY_NAME.get("LDR_X_reg")!.index];

/**
 * Run until X[W.BUDGET] reaches zero. A handler returns 1 after a direct
 * branch (same translation regime: only interrupts and the code page need
 * checking) or true after anything that may have changed PSTATE or
 * translation (full sync).
 */
export function loop(): void {
  const mem = C.i32, u8 = C.u8, tlb = C.tlb;
  sync();
  let pcLo = X[PC], pcHi = X[PC + 1];
  let host = fetchPage(pcLo, pcHi) >>> 2;
  let page = pcLo & ~0xfff;
  let dBase = C.dIdx * IDX_WORDS;
  // Instructions left and the PC live in locals; X[W.BUDGET] and X[W.PC] are
  // written before anything that may read them (every handler call, sync,
  // fetchPage) and `left` is reloaded after (requestSync and countOne change it).
  let left = X[BUDGET];
  while (left > 0) {
    const ia = host + ((pcLo & 0xfff) >>> 2), a = ia & AC_MASK;
    const w = mem[ia];
    const code = AKEY[a] === w ? AOP[a] : addrMiss(w, a);
    left--;
    let r = 0;
    // Dispatch is a tree of range tests, not one `switch`: V8 compiles a dense
    // switch to one indirect jump, whose target the host predicted poorly once
    // the guest mixes instruction kinds (a JS model of 12 opcodes: 3.8-7.5 ns
    // per dispatch through a switch, 3.3-3.9 through a tree); conditional
    // branches on the code are predicted from the global history. With the
    // address-keyed cache above: ALU guest 36.2 -> 40.7 MIPS, sieve 53.4 ->
    // 60.6 (medians of 8 interleaved processes, best of 3 runs each).
    if (code < 16) { // integer data processing
      if (code < 5) { // 1-4: ADD, ADDS, SUB, SUBS (immediate)
        const n = (w >>> 4) & 62,
          d = (w & 31) << 1,
          imm = ((w >>> 10) & 0xfff) << (((w >>> 22) & 1) * 12);
        if (code === 1) { // ADD_imm
          const a = X[n], lo = (a + imm) | 0;
          X[d + 1] = w < 0 ? (X[n + 1] + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0 : 0;
          X[d] = lo;
        } else if (code === 3) { // SUB_imm
          const a = X[n], lo = (a - imm) | 0;
          X[d + 1] = w < 0 ? (X[n + 1] - ((lo >>> 0) > (a >>> 0) ? 1 : 0)) | 0 : 0;
          X[d] = lo;
        } else { // ADDS_imm, SUBS_imm
          const sub = code === 4, b = sub ? ~imm : imm, cin = sub ? 1 : 0, a = X[n];
          const lo = (a + b + cin) | 0;
          const c0 = sub ? (lo >>> 0) <= (a >>> 0) : (lo >>> 0) < (a >>> 0);
          const D = d === 62 ? SINK : d;
          if (w < 0) {
            const ah = X[n + 1], bh = sub ? -1 : 0, hi = (ah + bh + (c0 ? 1 : 0)) | 0;
            X[NF] = hi, X[ZF] = lo | hi;
            X[CF] = (c0 ? (hi >>> 0) <= (ah >>> 0) : (hi >>> 0) < (ah >>> 0)) ? 1 : 0;
            X[VF] = (ah ^ hi) & ~(ah ^ bh);
            X[D] = lo, X[D + 1] = hi;
          } else {
            X[NF] = lo, X[ZF] = lo, X[CF] = c0 ? 1 : 0, X[VF] = (a ^ lo) & ~(a ^ b);
            X[D] = lo, X[D + 1] = 0;
          }
        }
      } else if (code < 8) { // 5-7: ADD, SUB, SUBS (shifted register)
        if ((w & 0x00c0_fc00) !== 0) { // shifted operand: the handler
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(code === 5 ? h_ADD_reg(w) : code === 6 ? h_SUB_reg(w) : h_SUBS_reg(w));
          left = X[BUDGET];
        } else {
          const n = (w >>> 4) & 62, m = (w >>> 15) & 62, d = (w & 31) << 1;
          const N = n === 62 ? ZERO : n, M = m === 62 ? ZERO : m, D = d === 62 ? SINK : d;
          const a = X[N];
          if (code === 5) {
            const lo = (a + X[M]) | 0;
            X[D + 1] = w < 0 ? (X[N + 1] + X[M + 1] + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0 : 0;
            X[D] = lo;
          } else if (code === 6) {
            const b = X[M], lo = (a - b) | 0;
            X[D + 1] = w < 0 ? (X[N + 1] - X[M + 1] - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0 : 0;
            X[D] = lo;
          } else {
            const b = ~X[M], lo = (a + b + 1) | 0;
            const c0 = (lo >>> 0) <= (a >>> 0);
            if (w < 0) {
              const ah = X[N + 1], bh = ~X[M + 1], hi = (ah + bh + (c0 ? 1 : 0)) | 0;
              X[NF] = hi, X[ZF] = lo | hi;
              X[CF] = (c0 ? (hi >>> 0) <= (ah >>> 0) : (hi >>> 0) < (ah >>> 0)) ? 1 : 0;
              X[VF] = (ah ^ hi) & ~(ah ^ bh);
              X[D] = lo, X[D + 1] = hi;
            } else {
              X[NF] = lo, X[ZF] = lo, X[CF] = c0 ? 1 : 0, X[VF] = (a ^ lo) & ~(a ^ b);
              X[D] = lo, X[D + 1] = 0;
            }
          }
        }
      } else if (code < 12) { // 8-11: ORR, AND, EOR, ANDS (shifted register)
        if ((w & 0x00c0_fc00) !== 0) {
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(
            code === 8
              ? h_ORR_reg(w)
              : code === 9
              ? h_AND_reg(w)
              : code === 10
              ? h_EOR_reg(w)
              : h_ANDS_reg(w),
          );
          left = X[BUDGET];
        } else {
          const n = (w >>> 4) & 62, m = (w >>> 15) & 62, d = (w & 31) << 1;
          const N = n === 62 ? ZERO : n, M = m === 62 ? ZERO : m, D = d === 62 ? SINK : d;
          let lo: number, hi: number;
          if (code === 8) lo = X[N] | X[M], hi = X[N + 1] | X[M + 1];
          else if (code === 10) lo = X[N] ^ X[M], hi = X[N + 1] ^ X[M + 1];
          else lo = X[N] & X[M], hi = X[N + 1] & X[M + 1];
          if (w >= 0) hi = 0;
          if (code === 11) X[NF] = w < 0 ? hi : lo, X[ZF] = lo | hi, X[CF] = 0, X[VF] = 0;
          X[D] = lo, X[D + 1] = hi;
        }
      } else { // 12-15: AND, ORR, EOR, ANDS (immediate)
        const key = ((w >>> 10) & 0x1fff) | (w < 0 ? 0x2000 : 0);
        if (LIMM_STATE[key] !== 1) { // not decoded yet (or reserved): the handler
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(h_LIMM[code - 12](w));
          left = X[BUDGET];
        } else {
          const n = (w >>> 4) & 62, d = (w & 31) << 1;
          const N = n === 62 ? ZERO : n, D = code === 15 && d === 62 ? SINK : d; // ANDS: ZR, others: SP
          const il = LIMM_LO[key], ih = LIMM_HI[key];
          let lo: number, hi: number;
          if (code === 13) lo = X[N] | il, hi = X[N + 1] | ih;
          else if (code === 14) lo = X[N] ^ il, hi = X[N + 1] ^ ih;
          else lo = X[N] & il, hi = X[N + 1] & ih;
          if (w >= 0) hi = 0;
          if (code === 15) X[NF] = w < 0 ? hi : lo, X[ZF] = lo | hi, X[CF] = 0, X[VF] = 0;
          X[D] = lo, X[D + 1] = hi;
        }
      }
    } else if (code < 25) { // 16-24: moves, PC-relative, bitfield, select, multiply
      if (code < 19) { // MOVZ, MOVK, MOVN
        const d = (w & 31) << 1,
          D = d === 62 ? SINK : d,
          imm = (w >>> 5) & 0xffff,
          hw = (w >>> 21) & 3;
        if (code === 17) { // MOVK
          const wd = D + (hw >>> 1), sh = (hw & 1) << 4;
          X[wd] = (X[wd] & ~(0xffff << sh)) | (imm << sh);
          if (w >= 0) X[D + 1] = 0;
        } else {
          const lo = hw === 0 ? imm : hw === 1 ? imm << 16 : 0;
          const hi = hw === 2 ? imm : hw === 3 ? imm << 16 : 0;
          if (code === 16) X[D] = lo, X[D + 1] = hi;
          else X[D] = ~lo, X[D + 1] = w < 0 ? ~hi : 0;
        }
      } else if (code < 21) { // ADRP, ADR
        const d = (w & 31) << 1, D = d === 62 ? SINK : d;
        const imm = ((((w >>> 3) & 0x1f_fffc) | ((w >>> 29) & 3)) << 11) >> 11;
        const base = code === 19 ? pcLo & ~0xfff : pcLo;
        const off = code === 19 ? imm * 4096 : imm;
        const s = (base >>> 0) + off; // |off| < 2^33: exact in a double
        X[D] = s | 0;
        X[D + 1] = (pcHi + Math.floor(s / 0x1_0000_0000)) | 0;
      } else if (code === 21) { // UBFM
        const n = (w >>> 4) & 62, d = (w & 31) << 1, rr = (w >>> 16) & 63, s = (w >>> 10) & 63;
        const N = n === 62 ? ZERO : n, D = d === 62 ? SINK : d;
        const lo = X[N], hi = X[N + 1];
        if (w >= 0) {
          X[D] = s >= rr
            ? (lo >>> rr) & (s - rr === 31 ? -1 : (1 << (s - rr + 1)) - 1)
            : (lo & (s === 31 ? -1 : (1 << (s + 1)) - 1)) << (32 - rr);
          X[D + 1] = 0;
        } else if (s === 63) { // LSR #rr
          if (rr === 0) X[D] = lo, X[D + 1] = hi;
          else if (rr < 32) X[D] = (lo >>> rr) | (hi << (32 - rr)), X[D + 1] = hi >>> rr;
          else X[D] = hi >>> (rr - 32), X[D + 1] = 0;
        } else if (s + 1 === rr) { // LSL #(63 - s)
          const sh = 63 - s;
          if (sh < 32) X[D + 1] = (hi << sh) | (lo >>> (32 - sh)), X[D] = lo << sh;
          else X[D + 1] = lo << (sh - 32), X[D] = 0;
        } else {
          bitfield64(lo, hi, rr, s, false);
          X[D] = R64.lo, X[D + 1] = R64.hi;
        }
      } else if (code < 24) { // CSEL, CSINC
        const n = (w >>> 4) & 62, m = (w >>> 15) & 62, d = (w & 31) << 1, D = d === 62 ? SINK : d;
        if (condHolds((w >>> 12) & 15)) {
          const N = n === 62 ? ZERO : n;
          X[D] = X[N], X[D + 1] = w < 0 ? X[N + 1] : 0;
        } else {
          const M = m === 62 ? ZERO : m;
          if (code === 22) X[D] = X[M], X[D + 1] = w < 0 ? X[M + 1] : 0;
          else {
            const lo = (X[M] + 1) | 0;
            X[D + 1] = w < 0 ? (X[M + 1] + (lo === 0 ? 1 : 0)) | 0 : 0;
            X[D] = lo;
          }
        }
      } else { // MADD
        const n = (w >>> 4) & 62, m = (w >>> 15) & 62, a = (w >>> 9) & 62, d = (w & 31) << 1;
        const N = n === 62 ? ZERO : n,
          M = m === 62 ? ZERO : m,
          A = a === 62 ? ZERO : a,
          D = d === 62 ? SINK : d;
        if (w >= 0) {
          X[D] = (Math.imul(X[N], X[M]) + X[A]) | 0, X[D + 1] = 0;
        } else {
          mul64(X[N], X[N + 1], X[M], X[M + 1]);
          const pl = R64.lo, al = X[A], lo = (pl + al) | 0;
          X[D + 1] = (R64.hi + X[A + 1] + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0;
          X[D] = lo;
        }
      }
    } else if (code < 33) { // 25-32: branches
      if (code < 27) { // B, BL
        if (code === 26) {
          const s = (pcLo >>> 0) + 4;
          X[LR] = s | 0;
          X[LR + 1] = s > 0xffff_ffff ? (pcHi + 1) | 0 : pcHi;
        }
        const off = (w << 6) >> 4, lo = (pcLo + off) | 0;
        X[PC] = lo;
        X[PC + 1] = carryHi(pcHi, pcLo, lo, off);
        r = 1;
      } else if (code < 30) { // B_cond, CBZ, CBNZ
        let taken: boolean;
        if (code === 27) taken = condHolds(w & 15);
        else {
          const t = (w & 31) << 1, T = t === 62 ? ZERO : t;
          const z = w < 0 ? (X[T] | X[T + 1]) === 0 : X[T] === 0;
          taken = code === 28 ? z : !z;
        }
        if (taken) {
          const off = ((w << 8) >> 13) << 2, lo = (pcLo + off) | 0;
          X[PC] = lo;
          X[PC + 1] = carryHi(pcHi, pcLo, lo, off);
          r = 1;
        }
      } else if (code < 32) { // TBZ, TBNZ
        const bit = ((w >>> 26) & 0x20) | ((w >>> 19) & 31),
          t = (w & 31) << 1,
          T = t === 62 ? ZERO : t;
        const v = (X[T + (bit >>> 5)] >>> (bit & 31)) & 1;
        if (v === (code === 30 ? 0 : 1)) {
          const off = ((w << 13) >> 18) << 2, lo = (pcLo + off) | 0;
          X[PC] = lo;
          X[PC + 1] = carryHi(pcHi, pcLo, lo, off);
          r = 1;
        }
      } else { // RET
        const n = (w >>> 4) & 62, N = n === 62 ? ZERO : n, lo = X[N];
        if (lo & 3) {
          // A misaligned target: the PC alignment fault is taken at the next fetch.
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(h_RET(w));
          left = X[BUDGET];
        } else {
          X[PC] = lo, X[PC + 1] = X[N + 1];
          r = 1;
        }
      }
    } else if (code < 45) { // 33-44: LDR/STR/LDRB/STRB, unsigned offset (33-38) or register offset (39-44)
      const reg = code >= 39, n = (w >>> 4) & 62, size = w >>> 30, b = X[n];
      let vlo = 0, vhi = 0, e = 0, miss = n === 62 && (b & 15) !== 0; // SP alignment check: the handler
      const st = (w & (1 << 22)) === 0;
      if (!miss) {
        if (reg) {
          // ExtendReg(Rm, option, S ? size : 0): UXTW 010, LSL/UXTX 011, SXTW 110, SXTX 111.
          const m = (w >>> 15) & 62, option = (w >>> 13) & 7, M = m === 62 ? ZERO : m;
          let ol = X[M], oh = option === 2 ? 0 : option === 6 ? X[M] >> 31 : X[M + 1];
          if ((w >>> 12) & 1 && size !== 0) oh = (oh << size) | (ol >>> (32 - size)), ol <<= size;
          vlo = (b + ol) | 0;
          vhi = (X[n + 1] + oh + ((vlo >>> 0) < (b >>> 0) ? 1 : 0)) | 0;
        } else {
          vlo = (b + (((w >>> 10) & 0xfff) << size)) | 0;
          vhi = (vlo >>> 0) < (b >>> 0) ? (X[n + 1] + 1) | 0 : X[n + 1];
        }
        e = dBase + ((vlo >>> 12) & 0xff) * TLB_WORDS;
        const tagW = st ? e + 2 : e;
        // TLB miss, unaligned or device: the full path.
        miss = tlb[tagW] !== (vlo & ~0xfff) || tlb[tagW + 1] !== vhi ||
          (vlo & ((1 << size) - 1)) !== 0;
      }
      if (miss) {
        X[PC] = pcLo, X[BUDGET] = left;
        r = ret(reg ? h_LDST_reg(w) : h_LDST_uimm(w));
        left = X[BUDGET];
      } else {
        const hw = tlb[e + 6] + ((vlo & 0xfff) >>> 2), t = (w & 31) << 1;
        if (st) {
          const T = t === 62 ? ZERO : t;
          if (size === 3) mem[hw] = X[T], mem[hw + 1] = X[T + 1];
          else if (size === 2) mem[hw] = X[T];
          else u8[tlb[e + 6] * 4 + (vlo & 0xfff)] = X[T];
        } else {
          const T = t === 62 ? SINK : t;
          if (size === 3) X[T] = mem[hw], X[T + 1] = mem[hw + 1];
          else if (size === 2) X[T] = mem[hw], X[T + 1] = 0;
          else X[T] = u8[tlb[e + 6] * 4 + (vlo & 0xfff)], X[T + 1] = 0;
        }
      }
    } else if (code < 49) { // 45-48: LDP, STP (signed offset), LDP (post-index), STP (pre-index)
      const n = (w >>> 4) & 62, b = X[n], bh = X[n + 1];
      const off = ((w << 10) >> 25) << 3;
      const vlo = code === 47 ? b : (b + off) | 0;
      const vhi = code === 47 ? bh : carryHi(bh, b, vlo, off);
      const e = dBase + ((vlo >>> 12) & 0xff) * TLB_WORDS;
      const st = (w & (1 << 22)) === 0, tagW = st ? e + 2 : e;
      // 32-bit pairs and SP checks go to the handler; both doublewords must sit
      // in the same page: 8-aligned and not the page's last doubleword.
      if (
        w >= 0 || (n === 62 && (b & 15) !== 0) ||
        tlb[tagW] !== (vlo & ~0xfff) || tlb[tagW + 1] !== vhi || (vlo & 7) !== 0 ||
        (vlo & 0xff8) === 0xff8
      ) {
        X[PC] = pcLo, X[BUDGET] = left;
        r = ret(code < 47 ? h_LDSTP(w) : code === 47 ? h_LDSTP_post(w) : h_LDSTP_pre(w));
        left = X[BUDGET];
      } else {
        const hw = tlb[e + 6] + ((vlo & 0xfff) >>> 2), t = (w & 31) << 1, t2 = (w >>> 9) & 62;
        if (st) {
          const T = t === 62 ? ZERO : t, T2 = t2 === 62 ? ZERO : t2;
          mem[hw] = X[T], mem[hw + 1] = X[T + 1], mem[hw + 2] = X[T2], mem[hw + 3] = X[T2 + 1];
        } else {
          const T = t === 62 ? SINK : t, T2 = t2 === 62 ? SINK : t2;
          const a0 = mem[hw], a1 = mem[hw + 1], b0 = mem[hw + 2], b1 = mem[hw + 3];
          X[T] = a0, X[T + 1] = a1; // Rt == Rt2 is UNPREDICTABLE: the second load wins, as in the handler
          X[T2] = b0, X[T2 + 1] = b1;
        }
        if (code === 47) { // writeback after the loads, as the handler (Rt == Rn is CONSTRAINED UNPREDICTABLE)
          const lo = (b + off) | 0;
          X[n + 1] = carryHi(bh, b, lo, off);
          X[n] = lo;
        } else if (code === 48) X[n] = vlo, X[n + 1] = vhi;
      }
    } else if (code !== 49) { // everything else (49 is NOP): the row's handler
      X[PC] = pcLo, X[BUDGET] = left;
      r = ret(H[code - SLOW](w));
      left = X[BUDGET];
    }
    if (r !== 0) {
      // The PC was written to X[W.PC]. r = 1: a direct branch; 2: anything else.
      X[BUDGET] = left;
      if (left <= 0) return;
      // HCR_EL2.VI/VF/VSE (bits 7:6, 8) pend virtual interrupts without any line.
      if (r === 2 || (X[IRQ] | (X[HCR_LO] & 0x1c0)) !== 0) {
        sync();
        dBase = C.dIdx * IDX_WORDS;
        pcLo = X[PC];
        pcHi = X[PC + 1];
        host = fetchPage(pcLo, pcHi) >>> 2;
        page = pcLo & ~0xfff;
      } else {
        pcLo = X[PC];
        if ((pcLo & ~0xfff) !== page || X[PC + 1] !== pcHi) {
          pcHi = X[PC + 1];
          host = fetchPage(pcLo, pcHi) >>> 2;
          page = pcLo & ~0xfff;
        }
      }
      left = X[BUDGET];
    } else {
      pcLo = (pcLo + 4) | 0;
      if ((pcLo & 0xfff) === 0) {
        if (pcLo === 0) X[PC + 1] = pcHi = (pcHi + 1) | 0;
        X[PC] = pcLo, X[BUDGET] = left;
        host = fetchPage(pcLo, pcHi) >>> 2;
        page = pcLo;
      }
    }
  }
  X[PC] = pcLo;
  X[BUDGET] = left;
}
