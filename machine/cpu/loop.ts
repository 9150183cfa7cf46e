/**
 * The interpreter loop: fetch through the code-page TLB entry, decode
 * through a global cache keyed by the instruction word, dispatch.
 *
 * Dispatch is a `switch` on a code stored in the decode cache. Rows listed
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
  "ADD_imm",
  "ADDS_imm",
  "SUB_imm",
  "SUBS_imm",
  "ADD_reg",
  "SUB_reg",
  "SUBS_reg",
  "ORR_reg",
  "AND_reg",
  "EOR_reg",
  "ANDS_reg",
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
  "LDP",
  "STP",
  "LDP_post",
  "STP_pre",
  "NOP",
  "AND_imm",
  "ORR_imm",
  "EOR_imm",
  "ANDS_imm",
  "LDR_X_reg",
  "STR_X_reg",
  "LDR_W_reg",
  "STR_W_reg",
  "LDRB_reg",
  "STRB_reg",
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

/** Forget every cached decode (after switching `options.fast`). */
export function clearDecodeCache(): void {
  DKEY.fill(0);
  DOP.fill(
    options.fast ? CODE[decode(0)?.index ?? OP_UNDEF] : SLOW + (decode(0)?.index ?? OP_UNDEF),
  );
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
    const w = mem[host + ((pcLo & 0xfff) >>> 2)];
    const k = Math.imul(w, 0x9e37_79b1) >>> DC_SHIFT;
    const code = DKEY[k] === w ? DOP[k] : decodeMiss(w, k);
    left--;
    let r = 0;
    switch (code) {
      case 1: { // ADD_imm
        const n = (w >>> 4) & 62,
          d = (w & 31) << 1,
          imm = ((w >>> 10) & 0xfff) << (((w >>> 22) & 1) * 12);
        const a = X[n], lo = (a + imm) | 0;
        X[d + 1] = w < 0 ? (X[n + 1] + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0 : 0;
        X[d] = lo;
        break;
      }
      case 2: // ADDS_imm
      case 4: { // SUBS_imm
        const n = (w >>> 4) & 62,
          d = (w & 31) << 1,
          imm = ((w >>> 10) & 0xfff) << (((w >>> 22) & 1) * 12);
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
        break;
      }
      case 3: { // SUB_imm
        const n = (w >>> 4) & 62,
          d = (w & 31) << 1,
          imm = ((w >>> 10) & 0xfff) << (((w >>> 22) & 1) * 12);
        const a = X[n], lo = (a - imm) | 0;
        X[d + 1] = w < 0 ? (X[n + 1] - ((lo >>> 0) > (a >>> 0) ? 1 : 0)) | 0 : 0;
        X[d] = lo;
        break;
      }
      case 5: // ADD_reg
      case 6: { // SUB_reg
        if ((w & 0x00c0_fc00) !== 0) { // shifted operand: the handler
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(code === 5 ? h_ADD_reg(w) : h_SUB_reg(w));
          left = X[BUDGET];
          break;
        }
        const n = (w >>> 4) & 62, m = (w >>> 15) & 62, d = (w & 31) << 1;
        const N = n === 62 ? ZERO : n, M = m === 62 ? ZERO : m, D = d === 62 ? SINK : d;
        const a = X[N], b = X[M];
        if (code === 5) {
          const lo = (a + b) | 0;
          X[D + 1] = w < 0 ? (X[N + 1] + X[M + 1] + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0 : 0;
          X[D] = lo;
        } else {
          const lo = (a - b) | 0;
          X[D + 1] = w < 0 ? (X[N + 1] - X[M + 1] - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0 : 0;
          X[D] = lo;
        }
        break;
      }
      case 7: { // SUBS_reg
        if ((w & 0x00c0_fc00) !== 0) {
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(h_SUBS_reg(w));
          left = X[BUDGET];
          break;
        }
        const n = (w >>> 4) & 62, m = (w >>> 15) & 62, d = (w & 31) << 1;
        const N = n === 62 ? ZERO : n, M = m === 62 ? ZERO : m, D = d === 62 ? SINK : d;
        const a = X[N], b = ~X[M], lo = (a + b + 1) | 0;
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
        break;
      }
      case 8: // ORR_reg
      case 9: // AND_reg
      case 10: // EOR_reg
      case 11: { // ANDS_reg
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
          break;
        }
        const n = (w >>> 4) & 62, m = (w >>> 15) & 62, d = (w & 31) << 1;
        const N = n === 62 ? ZERO : n, M = m === 62 ? ZERO : m, D = d === 62 ? SINK : d;
        let lo: number, hi: number;
        if (code === 8) lo = X[N] | X[M], hi = X[N + 1] | X[M + 1];
        else if (code === 10) lo = X[N] ^ X[M], hi = X[N + 1] ^ X[M + 1];
        else lo = X[N] & X[M], hi = X[N + 1] & X[M + 1];
        if (w >= 0) hi = 0;
        if (code === 11) X[NF] = w < 0 ? hi : lo, X[ZF] = lo | hi, X[CF] = 0, X[VF] = 0;
        X[D] = lo, X[D + 1] = hi;
        break;
      }
      case 12: { // MOVZ
        const d = (w & 31) << 1,
          D = d === 62 ? SINK : d,
          imm = (w >>> 5) & 0xffff,
          hw = (w >>> 21) & 3;
        X[D] = hw === 0 ? imm : hw === 1 ? imm << 16 : 0;
        X[D + 1] = hw === 2 ? imm : hw === 3 ? imm << 16 : 0;
        break;
      }
      case 13: { // MOVK
        const d = (w & 31) << 1,
          D = d === 62 ? SINK : d,
          imm = (w >>> 5) & 0xffff,
          hw = (w >>> 21) & 3;
        const wd = D + (hw >>> 1), sh = (hw & 1) << 4;
        X[wd] = (X[wd] & ~(0xffff << sh)) | (imm << sh);
        if (w >= 0) X[D + 1] = 0;
        break;
      }
      case 14: { // MOVN
        const d = (w & 31) << 1,
          D = d === 62 ? SINK : d,
          imm = (w >>> 5) & 0xffff,
          hw = (w >>> 21) & 3;
        X[D] = ~(hw === 0 ? imm : hw === 1 ? imm << 16 : 0);
        X[D + 1] = w < 0 ? ~(hw === 2 ? imm : hw === 3 ? imm << 16 : 0) : 0;
        break;
      }
      case 15: // ADRP
      case 16: { // ADR
        const d = (w & 31) << 1, D = d === 62 ? SINK : d;
        const imm = ((((w >>> 3) & 0x1f_fffc) | ((w >>> 29) & 3)) << 11) >> 11;
        const base = code === 15 ? pcLo & ~0xfff : pcLo;
        const off = code === 15 ? imm * 4096 : imm;
        const s = (base >>> 0) + off; // |off| < 2^33: exact in a double
        X[D] = s | 0;
        X[D + 1] = (pcHi + Math.floor(s / 0x1_0000_0000)) | 0;
        break;
      }
      case 17: { // UBFM
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
        break;
      }
      case 18: // CSEL
      case 19: { // CSINC
        const n = (w >>> 4) & 62, m = (w >>> 15) & 62, d = (w & 31) << 1, D = d === 62 ? SINK : d;
        if (condHolds((w >>> 12) & 15)) {
          const N = n === 62 ? ZERO : n;
          X[D] = X[N], X[D + 1] = w < 0 ? X[N + 1] : 0;
        } else {
          const M = m === 62 ? ZERO : m;
          if (code === 18) X[D] = X[M], X[D + 1] = w < 0 ? X[M + 1] : 0;
          else {
            const lo = (X[M] + 1) | 0;
            X[D + 1] = w < 0 ? (X[M + 1] + (lo === 0 ? 1 : 0)) | 0 : 0;
            X[D] = lo;
          }
        }
        break;
      }
      case 20: { // MADD
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
        break;
      }
      case 22: { // BL
        const s = (pcLo >>> 0) + 4;
        X[LR] = s | 0;
        X[LR + 1] = s > 0xffff_ffff ? (pcHi + 1) | 0 : pcHi;
      }
      /* falls through */
      case 21: { // B
        const off = (w << 6) >> 4, lo = (pcLo + off) | 0;
        X[PC] = lo;
        X[PC + 1] = carryHi(pcHi, pcLo, lo, off);
        r = 1;
        break;
      }
      case 23: // B_cond
      case 24: // CBZ
      case 25: { // CBNZ
        let taken: boolean;
        if (code === 23) taken = condHolds(w & 15);
        else {
          const t = (w & 31) << 1, T = t === 62 ? ZERO : t;
          const z = w < 0 ? (X[T] | X[T + 1]) === 0 : X[T] === 0;
          taken = code === 24 ? z : !z;
        }
        if (taken) {
          const off = ((w << 8) >> 13) << 2, lo = (pcLo + off) | 0;
          X[PC] = lo;
          X[PC + 1] = carryHi(pcHi, pcLo, lo, off);
          r = 1;
        }
        break;
      }
      case 26: // TBZ
      case 27: { // TBNZ
        const bit = ((w >>> 26) & 0x20) | ((w >>> 19) & 31),
          t = (w & 31) << 1,
          T = t === 62 ? ZERO : t;
        const v = (X[T + (bit >>> 5)] >>> (bit & 31)) & 1;
        if (v === (code === 26 ? 0 : 1)) {
          const off = ((w << 13) >> 18) << 2, lo = (pcLo + off) | 0;
          X[PC] = lo;
          X[PC + 1] = carryHi(pcHi, pcLo, lo, off);
          r = 1;
        }
        break;
      }
      case 28: { // RET
        const n = (w >>> 4) & 62, N = n === 62 ? ZERO : n, lo = X[N];
        if (lo & 3) {
          // A misaligned target: the PC alignment fault is taken at the next fetch.
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(h_RET(w));
          left = X[BUDGET];
          break;
        }
        X[PC] = lo, X[PC + 1] = X[N + 1];
        r = 1;
        break;
      }
      case 29: // LDR_X_uimm
      case 30: // STR_X_uimm
      case 31: // LDR_W_uimm
      case 32: // STR_W_uimm
      case 33: // LDRB_uimm
      case 34: // STRB_uimm
      case 44: // LDR_X_reg
      case 45: // STR_X_reg
      case 46: // LDR_W_reg
      case 47: // STR_W_reg
      case 48: // LDRB_reg
      case 49: { // STRB_reg
        const reg = code >= 44, n = (w >>> 4) & 62, size = w >>> 30, b = X[n];
        const slow = reg ? h_LDST_reg : h_LDST_uimm;
        if (n === 62 && (b & 15) !== 0) { // SP alignment check: the handler
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(slow(w));
          left = X[BUDGET];
          break;
        }
        let vlo: number, vhi: number;
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
        const e = dBase + ((vlo >>> 12) & 0xff) * TLB_WORDS;
        const st = (code & 1) === (reg ? 1 : 0), tagW = st ? e + 2 : e;
        if (
          tlb[tagW] !== (vlo & ~0xfff) || tlb[tagW + 1] !== vhi || (vlo & ((1 << size) - 1)) !== 0
        ) {
          // TLB miss, unaligned or device: the full path.
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(slow(w));
          left = X[BUDGET];
          break;
        }
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
        break;
      }
      case 35: // LDP
      case 36: // STP
      case 37: // LDP_post
      case 38: { // STP_pre
        const n = (w >>> 4) & 62, b = X[n], bh = X[n + 1];
        const slow = code === 35 || code === 36
          ? h_LDSTP
          : code === 37
          ? h_LDSTP_post
          : h_LDSTP_pre;
        if (w >= 0 || (n === 62 && (b & 15) !== 0)) { // 32-bit pairs and SP checks: the handler
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(slow(w));
          left = X[BUDGET];
          break;
        }
        const off = ((w << 10) >> 25) << 3;
        const vlo = code === 37 ? b : (b + off) | 0;
        const vhi = code === 37 ? bh : carryHi(bh, b, vlo, off);
        const e = dBase + ((vlo >>> 12) & 0xff) * TLB_WORDS;
        const st = code === 36 || code === 38, tagW = st ? e + 2 : e;
        // Both doublewords must sit in the same page: 8-aligned and not the page's last doubleword.
        if (
          tlb[tagW] !== (vlo & ~0xfff) || tlb[tagW + 1] !== vhi || (vlo & 7) !== 0 ||
          (vlo & 0xff8) === 0xff8
        ) {
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(slow(w));
          left = X[BUDGET];
          break;
        }
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
        if (code === 37) { // writeback after the loads, as the handler (Rt == Rn is CONSTRAINED UNPREDICTABLE)
          const lo = (b + off) | 0;
          X[n + 1] = carryHi(bh, b, lo, off);
          X[n] = lo;
        } else if (code === 38) X[n] = vlo, X[n + 1] = vhi;
        break;
      }
      case 39: // NOP
        break;
      case 40: // AND_imm
      case 41: // ORR_imm
      case 42: // EOR_imm
      case 43: { // ANDS_imm
        const key = ((w >>> 10) & 0x1fff) | (w < 0 ? 0x2000 : 0);
        if (LIMM_STATE[key] !== 1) { // not decoded yet (or reserved): the handler
          X[PC] = pcLo, X[BUDGET] = left;
          r = ret(h_LIMM[code - 40](w));
          left = X[BUDGET];
          break;
        }
        const n = (w >>> 4) & 62, d = (w & 31) << 1;
        const N = n === 62 ? ZERO : n, D = code === 43 && d === 62 ? SINK : d; // ANDS: ZR, others: SP
        const il = LIMM_LO[key], ih = LIMM_HI[key];
        let lo: number, hi: number;
        if (code === 41) lo = X[N] | il, hi = X[N + 1] | ih;
        else if (code === 42) lo = X[N] ^ il, hi = X[N + 1] ^ ih;
        else lo = X[N] & il, hi = X[N + 1] & ih;
        if (w >= 0) hi = 0;
        if (code === 43) X[NF] = w < 0 ? hi : lo, X[ZF] = lo | hi, X[CF] = 0, X[VF] = 0;
        X[D] = lo, X[D + 1] = hi;
        break;
      }
      default:
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
