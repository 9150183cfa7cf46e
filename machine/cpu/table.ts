/**
 * The A64 encoding table: the one description of the instruction set that
 * the interpreter's decoder, the `asm` assembler, the disassembler, REPL
 * completion and the tests are derived from.
 *
 * A row is `{ name, pattern, syntax, handler }` (dynarmic style). The
 * pattern is 32 characters, bit 31 first: `0`/`1` are fixed bits, a run of
 * one letter is a field (letters are case-sensitive and unique per row),
 * `-` is a don't-care bit. Field letters follow these conventions:
 *
 * | letter | field | letter | field |
 * |--------|-------|--------|-------|
 * | z | sf (register width; b5 for TBZ) | d n m t u a s | Rd Rn Rm Rt Rt2 Ra Rs |
 * | i | immediate | k | ADD/SUB imm12 shift |
 * | h | shift type / hw | N r S | bitmask N, immr, imms |
 * | c | condition | f | NZCV immediate |
 * | o | option / op1 | p | op2 |
 * | l H | ADR immlo / immhi | b | TBZ b40 |
 * | P | MRS/MSR o0 | S | register-offset shift (ld/st) |
 *
 * The syntax string is GNU as / objdump spelling with `{kind}` operand
 * placeholders (operands.ts). Rows are matched first to last, so more
 * specific encodings come before general ones (a test checks that no row
 * is shadowed by an earlier one); `guard` rejects encodings inside a
 * pattern that the Arm ARM makes unallocated. Aliases (preferred
 * disassembly, extra assembler spellings) live in {@link ALIASES}.
 *
 * Encodings from Arm ARM (DDI 0487) C4.1 "A64 instruction set encoding";
 * cross-checked against QEMU target/arm/tcg/a64.decode and GNU binutils.
 *
 * @module
 */

import type { Fields } from "./operands.ts";
import { bfxPreferred, findSysOp, HINTS, moveWidePreferred, PSTATE_FIELDS } from "./operands.ts";
import { decodeBitMasks } from "./bits.ts";
import * as dp from "./exec_dp.ts";
import * as br from "./exec_branch.ts";
import * as ls from "./exec_ldst.ts";
import * as sys from "./exec_sys.ts";
import { simdAliases, simdRows } from "./table_simd.ts";
import { undef } from "./exc.ts";

/**
 * An instruction handler. Returns a falsy value to fall through to the next
 * instruction, 1 after a direct branch it took (PC written), or true when
 * it wrote the PC or changed PSTATE/translation state in any other way.
 */
export type Handler = (insn: number) => boolean | number | void;

/** A field's position in the instruction word. */
export interface FieldPos {
  /** Lowest bit. */
  readonly lo: number;
  /** Number of bits. */
  readonly width: number;
}

/** One row of the table, compiled. */
export interface Row {
  /** Name after the instruction (Arm ARM mnemonic, `_form` suffix), e.g. `ADD_imm`. */
  readonly name: string;
  /** 32-character bit pattern, bit 31 first (see the module documentation). */
  readonly pattern: string;
  /** GNU syntax with `{kind}` operand placeholders (operands.ts). */
  readonly syntax: string;
  /** The interpreter's implementation. */
  readonly handler: Handler;
  /** Rejects encodings of the pattern that are unallocated. */
  readonly guard?: (f: Fields) => boolean;
  /** Assembler: fields implied by others (e.g. N = sf for bitfield moves). */
  readonly derive?: (f: Fields) => void;
  /** Fixed-bit mask. */
  readonly mask: number;
  /** Fixed-bit values (under `mask`). */
  readonly value: number;
  /** Field positions by letter. */
  readonly fields: Readonly<Record<string, FieldPos>>;
  /** Position in {@link ROWS}: the interpreter's opcode number. */
  readonly index: number;
}

/** An alias of a row: preferred disassembly and/or an extra assembler spelling. */
export interface Alias {
  /** The row whose encodings it spells. */
  readonly base: Row;
  /** GNU syntax with operand placeholders. */
  readonly syntax: string;
  /** Condition on the base row's fields under which this spelling is used. */
  readonly when: (f: Fields) => boolean;
  /** Fields implied by the alias (set before parsing its operands). */
  readonly fixed: Readonly<Fields>;
  /** Run after the operands were parsed (e.g. Rm = Rn for ROR). */
  readonly after?: (f: Fields) => void;
  /** Only the assembler accepts it; never printed. */
  readonly asmOnly: boolean;
}

/** Compile a pattern string into mask, value and fields. */
export function compilePattern(
  pattern: string,
): { mask: number; value: number; fields: Record<string, FieldPos> } {
  if (pattern.length !== 32) throw new Error(`Pattern must have 32 bits: ${pattern}`);
  let mask = 0, value = 0;
  const fields: Record<string, FieldPos> = {};
  for (let k = 0; k < 32; k++) {
    const ch = pattern[k], bit = 31 - k;
    if (ch === "0" || ch === "1") {
      mask |= 1 << bit;
      if (ch === "1") value |= 1 << bit;
    } else if (ch !== "-") {
      const f = fields[ch];
      if (!f) fields[ch] = { lo: bit, width: 1 };
      else if (f.lo === bit + 1) fields[ch] = { lo: bit, width: f.width + 1 };
      else throw new Error(`Field '${ch}' is not contiguous: ${pattern}`);
    }
  }
  return { mask: mask | 0, value: value | 0, fields };
}

/** Extract all fields of `row` from `insn`. */
export function fieldsOf(row: Row, insn: number): Fields {
  const f: Fields = {};
  for (const [k, p] of Object.entries(row.fields)) {
    f[k] = p.width === 32 ? insn >>> 0 : (insn >>> p.lo) & ((1 << p.width) - 1);
  }
  return f;
}

// ---------------------------------------------------------------------------
// Row declarations.

const rows: Row[] = [];

function r(
  name: string,
  pattern: string,
  syntax: string,
  handler: Handler,
  guard?: (f: Fields) => boolean,
  derive?: (f: Fields) => void,
): void {
  const c = compilePattern(pattern);
  rows.push({ name, pattern, syntax, handler, guard, derive, ...c, index: rows.length });
}

// Guards for encodings the Arm ARM marks unallocated inside a pattern.
const w32imm6 = (f: Fields) => f.z === 1 || f.i < 32;
const noRor = (f: Fields) => f.h !== 3 && w32imm6(f);
const bitmask = (f: Fields) => decodeBitMasks(f.N, f.r, f.S, f.z === 1) !== undefined;
const bitfield = (f: Fields) => f.N === f.z && (f.z === 1 || (f.r < 32 && f.S < 32));
/** Bitfield moves and EXTR encode N = sf. */
const nIsSf = (f: Fields) => void (f.N = f.z);

/** Binary string of `v` in `n` bits. */
function b(v: number, n: number): string {
  return v.toString(2).padStart(n, "0");
}

// --- Data processing: immediate (Arm ARM C4.1.2) ---------------------------
r("ADR", "0ll10000HHHHHHHHHHHHHHHHHHHddddd", "adr {Xd}, {adr}", dp.ADR);
r("ADRP", "1ll10000HHHHHHHHHHHHHHHHHHHddddd", "adrp {Xd}, {adrp}", dp.ADRP);
r("ADD_imm", "z00100010kiiiiiiiiiiiinnnnnddddd", "add {Rds}, {Rns}, {aimm}", dp.ADD_imm);
r("ADDS_imm", "z01100010kiiiiiiiiiiiinnnnnddddd", "adds {Rd}, {Rns}, {aimm}", dp.ADDS_imm);
r("SUB_imm", "z10100010kiiiiiiiiiiiinnnnnddddd", "sub {Rds}, {Rns}, {aimm}", dp.SUB_imm);
r("SUBS_imm", "z11100010kiiiiiiiiiiiinnnnnddddd", "subs {Rd}, {Rns}, {aimm}", dp.SUBS_imm);
// ADDG/SUBG (FEAT_MTE2): z0010001 1... -- not implemented (UNDEFINED).
r("AND_imm", "z00100100NrrrrrrSSSSSSnnnnnddddd", "and {Rds}, {Rn}, {limm}", dp.AND_imm, bitmask);
r("ORR_imm", "z01100100NrrrrrrSSSSSSnnnnnddddd", "orr {Rds}, {Rn}, {limm}", dp.ORR_imm, bitmask);
r("EOR_imm", "z10100100NrrrrrrSSSSSSnnnnnddddd", "eor {Rds}, {Rn}, {limm}", dp.EOR_imm, bitmask);
r("ANDS_imm", "z11100100NrrrrrrSSSSSSnnnnnddddd", "ands {Rd}, {Rn}, {limm}", dp.ANDS_imm, bitmask);
r(
  "MOVN",
  "z00100101hhiiiiiiiiiiiiiiiiddddd",
  "movn {Rd}, {mimm}",
  dp.MOVN,
  (f) => f.z === 1 || f.h < 2,
);
r(
  "MOVZ",
  "z10100101hhiiiiiiiiiiiiiiiiddddd",
  "movz {Rd}, {mimm}",
  dp.MOVZ,
  (f) => f.z === 1 || f.h < 2,
);
r(
  "MOVK",
  "z11100101hhiiiiiiiiiiiiiiiiddddd",
  "movk {Rd}, {mimm}",
  dp.MOVK,
  (f) => f.z === 1 || f.h < 2,
);
r(
  "SBFM",
  "z00100110NrrrrrrSSSSSSnnnnnddddd",
  "sbfm {Rd}, {Rn}, {dec:r}, {dec:S}",
  dp.SBFM,
  bitfield,
  nIsSf,
);
r(
  "BFM",
  "z01100110NrrrrrrSSSSSSnnnnnddddd",
  "bfm {Rd}, {Rn}, {dec:r}, {dec:S}",
  dp.BFM,
  bitfield,
  nIsSf,
);
r(
  "UBFM",
  "z10100110NrrrrrrSSSSSSnnnnnddddd",
  "ubfm {Rd}, {Rn}, {dec:r}, {dec:S}",
  dp.UBFM,
  bitfield,
  nIsSf,
);
r(
  "EXTR",
  "z00100111N0mmmmmSSSSSSnnnnnddddd",
  "extr {Rd}, {Rn}, {Rm}, {dec:S}",
  dp.EXTR,
  (f) => f.N === f.z && (f.z === 1 || f.S < 32),
  nIsSf,
);

// --- Branches, exception generating and system (Arm ARM C4.1.3) ------------
r("B_cond", "01010100iiiiiiiiiiiiiiiiiii0cccc", "b.{cond} {rel19}", br.B_cond);
// BC.cond (FEAT_HBC): 01010100 ... 1cccc -- not implemented.
r("SVC", "11010100000iiiiiiiiiiiiiiii00001", "svc {hex:i}", sys.SVC);
r("HVC", "11010100000iiiiiiiiiiiiiiii00010", "hvc {hex:i}", sys.HVC);
r("SMC", "11010100000iiiiiiiiiiiiiiii00011", "smc {hex:i}", sys.SMC);
r("BRK", "11010100001iiiiiiiiiiiiiiii00000", "brk {hex:i}", sys.BRK);
r("HLT", "11010100010iiiiiiiiiiiiiiii00000", "hlt {hex:i}", sys.HLT);
// DCPS1/2/3: 11010100101 imm16 000 01/10/11 -- UNDEFINED outside Debug state.
r("NOP", "11010101000000110010000000011111", "nop", sys.NOP);
r("YIELD", "11010101000000110010000000111111", "yield", sys.NOP);
r("WFE", "11010101000000110010000001011111", "wfe", sys.WFE);
r("WFI", "11010101000000110010000001111111", "wfi", sys.WFI);
r("SEV", "11010101000000110010000010011111", "sev", sys.SEV);
r("SEVL", "11010101000000110010000010111111", "sevl", sys.SEVL);
// Remaining hint space executes as NOP (Arm ARM C6.2.102: unallocated hints are NOPs).
r("HINT", "11010101000000110010iiiiiii11111", "hint {hex:i}", sys.NOP);
// WFET/WFIT (FEAT_WFxT): 11010101000000110001 0000 00x Rd -- not implemented.
r("CLREX", "11010101000000110011mmmm01011111", "clrex{opt15}", sys.CLREX);
r("DSB", "11010101000000110011mmmm10011111", "dsb {barrier}", sys.BARRIER);
r("DMB", "11010101000000110011mmmm10111111", "dmb {barrier}", sys.BARRIER);
r("ISB", "11010101000000110011mmmm11011111", "isb{opt15}", sys.BARRIER);
r("SB", "11010101000000110011000011111111", "sb", sys.BARRIER);
// CFINV/XAFLAG/AXFLAG (FEAT_FlagM): 1101010100000000 0100 0000 0xx 11111 -- not implemented.
r(
  "MSR_imm",
  "1101010100000ooo0100mmmmppp11111",
  "msr {pstate}, {hex:m}",
  sys.MSR_imm,
  // SPSel and PAN take a 1-bit immediate: CRm<3:1> must be zero (Arm ARM C6.2.195).
  (f) => PSTATE_FIELDS[(f.o << 3) | f.p] !== undefined && (f.o !== 0 || f.m < 2),
);
r(
  "SYS",
  "1101010100001ooonnnnmmmmpppttttt",
  "sys {dec:o}, C{num:n}, C{num:m}, {dec:p}{optxt}",
  sys.SYS,
);
r(
  "SYSL",
  "1101010100101ooonnnnmmmmpppttttt",
  "sysl {Xt}, {dec:o}, C{num:n}, C{num:m}, {dec:p}",
  sys.SYSL,
);
r("MSR_reg", "110101010001Pooonnnnmmmmpppttttt", "msr {sysreg}, {Xt}", sys.MSR_reg);
r("MRS", "110101010011Pooonnnnmmmmpppttttt", "mrs {Xt}, {sysreg}", sys.MRS);
r("BR", "1101011000011111000000nnnnn00000", "br {Xn}", br.BR);
r("BLR", "1101011000111111000000nnnnn00000", "blr {Xn}", br.BLR);
r("RET", "1101011001011111000000nnnnn00000", "ret{retreg}", br.RET);
r("ERET", "11010110100111110000001111100000", "eret", br.ERET);
// DRPS: 11010110101111110000001111100000 -- UNDEFINED outside Debug state.
// BRAA/BRAB/BLRAA/RETAA/ERETAA... (FEAT_PAuth): 1101011x... 00001 -- not implemented.
r("B", "000101iiiiiiiiiiiiiiiiiiiiiiiiii", "b {rel26}", br.B);
r("BL", "100101iiiiiiiiiiiiiiiiiiiiiiiiii", "bl {rel26}", br.BL);
r("CBZ", "z0110100iiiiiiiiiiiiiiiiiiittttt", "cbz {Rt}, {rel19}", br.CBZ);
r("CBNZ", "z0110101iiiiiiiiiiiiiiiiiiittttt", "cbnz {Rt}, {rel19}", br.CBNZ);
r("TBZ", "z0110110bbbbbiiiiiiiiiiiiiittttt", "tbz {Rt}, {cbit}, {rel14}", br.TBZ);
r("TBNZ", "z0110111bbbbbiiiiiiiiiiiiiittttt", "tbnz {Rt}, {cbit}, {rel14}", br.TBNZ);

// --- Loads and stores (Arm ARM C4.1.4) --------------------------------------
// Exclusives and ordered accesses: size(2) 001000 o2 L o1 Rs o0 Rt2 Rn Rt.
r("STXRB", "00001000000sssss011111nnnnnttttt", "stxrb {Ws}, {Wt}, {mem0}", ls.STXR);
r("STLXRB", "00001000000sssss111111nnnnnttttt", "stlxrb {Ws}, {Wt}, {mem0}", ls.STXR);
r("LDXRB", "0000100001011111011111nnnnnttttt", "ldxrb {Wt}, {mem0}", ls.LDXR);
r("LDAXRB", "0000100001011111111111nnnnnttttt", "ldaxrb {Wt}, {mem0}", ls.LDXR);
r("STLRB", "0000100010011111111111nnnnnttttt", "stlrb {Wt}, {mem0}", ls.STLR);
r("LDARB", "0000100011011111111111nnnnnttttt", "ldarb {Wt}, {mem0}", ls.LDAR);
r("STXRH", "01001000000sssss011111nnnnnttttt", "stxrh {Ws}, {Wt}, {mem0}", ls.STXR);
r("STLXRH", "01001000000sssss111111nnnnnttttt", "stlxrh {Ws}, {Wt}, {mem0}", ls.STXR);
r("LDXRH", "0100100001011111011111nnnnnttttt", "ldxrh {Wt}, {mem0}", ls.LDXR);
r("LDAXRH", "0100100001011111111111nnnnnttttt", "ldaxrh {Wt}, {mem0}", ls.LDXR);
r("STLRH", "0100100010011111111111nnnnnttttt", "stlrh {Wt}, {mem0}", ls.STLR);
r("LDARH", "0100100011011111111111nnnnnttttt", "ldarh {Wt}, {mem0}", ls.LDAR);
r("STXR", "1z001000000sssss011111nnnnnttttt", "stxr {Ws}, {Rt}, {mem0}", ls.STXR);
r("STLXR", "1z001000000sssss111111nnnnnttttt", "stlxr {Ws}, {Rt}, {mem0}", ls.STXR);
r("LDXR", "1z00100001011111011111nnnnnttttt", "ldxr {Rt}, {mem0}", ls.LDXR);
r("LDAXR", "1z00100001011111111111nnnnnttttt", "ldaxr {Rt}, {mem0}", ls.LDXR);
r("STXP", "1z001000001sssss0uuuuunnnnnttttt", "stxp {Ws}, {Rt}, {Ru}, {mem0}", ls.STXP);
r("STLXP", "1z001000001sssss1uuuuunnnnnttttt", "stlxp {Ws}, {Rt}, {Ru}, {mem0}", ls.STXP);
r("LDXP", "1z001000011111110uuuuunnnnnttttt", "ldxp {Rt}, {Ru}, {mem0}", ls.LDXP);
r("LDAXP", "1z001000011111111uuuuunnnnnttttt", "ldaxp {Rt}, {Ru}, {mem0}", ls.LDXP);
r("STLR", "1z00100010011111111111nnnnnttttt", "stlr {Rt}, {mem0}", ls.STLR);
r("LDAR", "1z00100011011111111111nnnnnttttt", "ldar {Rt}, {mem0}", ls.LDAR);
// STLLR/LDLAR (FEAT_LOR), CAS/CASP (FEAT_LSE): same group, o0 = 0 / o1 = 1 -- not implemented.

// Load register (literal): opc 011 V 00 imm19 Rt.
r("LDR_lit", "0z011000iiiiiiiiiiiiiiiiiiittttt", "ldr {Rt}, {rel19}", ls.LDR_lit);
r("LDRSW_lit", "10011000iiiiiiiiiiiiiiiiiiittttt", "ldrsw {Xt}, {rel19}", ls.LDRSW_lit);
r("PRFM_lit", "11011000iiiiiiiiiiiiiiiiiiittttt", "prfm {prfop}, {rel19}", ls.PRFM);
// LDR (literal, SIMD&FP): xx011100 -- FP not implemented (UNDEFINED).

// Load/store pair: opc 101 V type L imm7 Rt2 Rn Rt (type 00 no-allocate, 01 post, 10 offset, 11 pre).
r("STNP", "z010100000iiiiiiiuuuuunnnnnttttt", "stnp {Rt}, {Ru}, {memp:z}", ls.LDSTP_off);
r("LDNP", "z010100001iiiiiiiuuuuunnnnnttttt", "ldnp {Rt}, {Ru}, {memp:z}", ls.LDSTP_off);
r("STP_post", "z010100010iiiiiiiuuuuunnnnnttttt", "stp {Rt}, {Ru}, {memppost:z}", ls.LDSTP_post);
r("LDP_post", "z010100011iiiiiiiuuuuunnnnnttttt", "ldp {Rt}, {Ru}, {memppost:z}", ls.LDSTP_post);
r("STP", "z010100100iiiiiiiuuuuunnnnnttttt", "stp {Rt}, {Ru}, {memp:z}", ls.LDSTP_off);
r("LDP", "z010100101iiiiiiiuuuuunnnnnttttt", "ldp {Rt}, {Ru}, {memp:z}", ls.LDSTP_off);
r("STP_pre", "z010100110iiiiiiiuuuuunnnnnttttt", "stp {Rt}, {Ru}, {memppre:z}", ls.LDSTP_pre);
r("LDP_pre", "z010100111iiiiiiiuuuuunnnnnttttt", "ldp {Rt}, {Ru}, {memppre:z}", ls.LDSTP_pre);
// LDPSW with writeback into Rt/Rt2, or Rt == Rt2, is CONSTRAINED UNPREDICTABLE: UNDEFINED here (as binutils).
const ldpsw = (f: Fields) => f.t !== f.u;
const ldpswWb = (f: Fields) => ldpsw(f) && (f.n === 31 || (f.t !== f.n && f.u !== f.n));
r(
  "LDPSW_post",
  "0110100011iiiiiiiuuuuunnnnnttttt",
  "ldpsw {Xt}, {Xu}, {memppost:2}",
  ls.LDSTP_post,
  ldpswWb,
);
r("LDPSW", "0110100101iiiiiiiuuuuunnnnnttttt", "ldpsw {Xt}, {Xu}, {memp:2}", ls.LDSTP_off, ldpsw);
r(
  "LDPSW_pre",
  "0110100111iiiiiiiuuuuunnnnnttttt",
  "ldpsw {Xt}, {Xu}, {memppre:2}",
  ls.LDSTP_pre,
  ldpswWb,
);
// STGP (FEAT_MTE): 0110100 0xx0 -- not implemented. LDP/STP (SIMD&FP): xx101100 -- FP not implemented.

/**
 * Single-register loads and stores by (size, opc) (Arm ARM C4.1.4, "Load/store
 * register"): mnemonics for the scaled, unscaled and unprivileged forms and
 * the Rt width.
 */
const LDST: readonly [string, string, string, number, number, "W" | "X"][] = [
  ["strb", "sturb", "sttrb", 0, 0, "W"],
  ["ldrb", "ldurb", "ldtrb", 0, 1, "W"],
  ["ldrsb", "ldursb", "ldtrsb", 0, 2, "X"],
  ["ldrsb", "ldursb", "ldtrsb", 0, 3, "W"],
  ["strh", "sturh", "sttrh", 1, 0, "W"],
  ["ldrh", "ldurh", "ldtrh", 1, 1, "W"],
  ["ldrsh", "ldursh", "ldtrsh", 1, 2, "X"],
  ["ldrsh", "ldursh", "ldtrsh", 1, 3, "W"],
  ["str", "stur", "sttr", 2, 0, "W"],
  ["ldr", "ldur", "ldtr", 2, 1, "W"],
  ["ldrsw", "ldursw", "ldtrsw", 2, 2, "X"],
  ["str", "stur", "sttr", 3, 0, "X"],
  ["ldr", "ldur", "ldtr", 3, 1, "X"],
];

/** Names of the single-register rows (for the asm-only LDUR-style aliases below). */
const ldstRows: { mn: string; unscaled: string; reg: string }[] = [];

for (const [mn, un, tr, size, opc, reg] of LDST) {
  const sz = b(size, 2), op = b(opc, 2);
  const dup = LDST.filter((e) => e[0] === mn).length > 1 ? `_${reg}` : "";
  const base = `${mn.toUpperCase()}${dup}`;
  const rt = `{${reg}t}`;
  r(
    `${base}_uimm`,
    `${sz}111001${op}iiiiiiiiiiiinnnnnttttt`,
    `${mn} ${rt}, {memu:${size}}`,
    ls.LDST_uimm,
  );
  r(
    `${un.toUpperCase()}${dup}`,
    `${sz}111000${op}0iiiiiiiii00nnnnnttttt`,
    `${un} ${rt}, {mems}`,
    ls.LDST_unscaled,
  );
  r(
    `${base}_post`,
    `${sz}111000${op}0iiiiiiiii01nnnnnttttt`,
    `${mn} ${rt}, {mempost}`,
    ls.LDST_post,
  );
  r(
    `${tr.toUpperCase()}${dup}`,
    `${sz}111000${op}0iiiiiiiii10nnnnnttttt`,
    `${tr} ${rt}, {mems}`,
    ls.LDST_unpriv,
  );
  r(`${base}_pre`, `${sz}111000${op}0iiiiiiiii11nnnnnttttt`, `${mn} ${rt}, {mempre}`, ls.LDST_pre);
  r(
    `${base}_reg`,
    `${sz}111000${op}1mmmmmoooS10nnnnnttttt`,
    `${mn} ${rt}, {memr:${size}}`,
    ls.LDST_reg,
    (f) => (f.o & 2) !== 0,
  );
  ldstRows.push({ mn, unscaled: `${un.toUpperCase()}${dup}`, reg });
}
r("PRFM_uimm", "1111100110iiiiiiiiiiiinnnnnttttt", "prfm {prfop}, {memu:3}", ls.PRFM);
r("PRFUM", "11111000100iiiiiiiii00nnnnnttttt", "prfum {prfop}, {mems}", ls.PRFM);
r(
  "PRFM_reg",
  "11111000101mmmmmoooS10nnnnnttttt",
  "prfm {prfop}, {memr:3}",
  ls.PRFM,
  (f) => (f.o & 2) !== 0,
);
// Atomic memory operations LDADD/SWP... (FEAT_LSE), LDAPR (FEAT_LRCPC), LDRAA (FEAT_PAuth):
// xx111000xx1 ... -- not implemented. SIMD&FP loads/stores (V = 1) -- FP not implemented.

// --- Data processing: register (Arm ARM C4.1.6) ----------------------------
r("AND_reg", "z0001010hh0mmmmmiiiiiinnnnnddddd", "and {Rd}, {Rn}, {Rm}{lsh}", dp.AND_reg, w32imm6);
r("BIC_reg", "z0001010hh1mmmmmiiiiiinnnnnddddd", "bic {Rd}, {Rn}, {Rm}{lsh}", dp.BIC_reg, w32imm6);
r("ORR_reg", "z0101010hh0mmmmmiiiiiinnnnnddddd", "orr {Rd}, {Rn}, {Rm}{lsh}", dp.ORR_reg, w32imm6);
r("ORN_reg", "z0101010hh1mmmmmiiiiiinnnnnddddd", "orn {Rd}, {Rn}, {Rm}{lsh}", dp.ORN_reg, w32imm6);
r("EOR_reg", "z1001010hh0mmmmmiiiiiinnnnnddddd", "eor {Rd}, {Rn}, {Rm}{lsh}", dp.EOR_reg, w32imm6);
r("EON_reg", "z1001010hh1mmmmmiiiiiinnnnnddddd", "eon {Rd}, {Rn}, {Rm}{lsh}", dp.EON_reg, w32imm6);
r(
  "ANDS_reg",
  "z1101010hh0mmmmmiiiiiinnnnnddddd",
  "ands {Rd}, {Rn}, {Rm}{lsh}",
  dp.ANDS_reg,
  w32imm6,
);
r(
  "BICS_reg",
  "z1101010hh1mmmmmiiiiiinnnnnddddd",
  "bics {Rd}, {Rn}, {Rm}{lsh}",
  dp.BICS_reg,
  w32imm6,
);
r("ADD_reg", "z0001011hh0mmmmmiiiiiinnnnnddddd", "add {Rd}, {Rn}, {Rm}{ash}", dp.ADD_reg, noRor);
r("ADDS_reg", "z0101011hh0mmmmmiiiiiinnnnnddddd", "adds {Rd}, {Rn}, {Rm}{ash}", dp.ADDS_reg, noRor);
r("SUB_reg", "z1001011hh0mmmmmiiiiiinnnnnddddd", "sub {Rd}, {Rn}, {Rm}{ash}", dp.SUB_reg, noRor);
r("SUBS_reg", "z1101011hh0mmmmmiiiiiinnnnnddddd", "subs {Rd}, {Rn}, {Rm}{ash}", dp.SUBS_reg, noRor);
const ext3 = (f: Fields) => f.i <= 4;
r(
  "ADD_ext",
  "z0001011001mmmmmoooiiinnnnnddddd",
  "add {Rds}, {Rns}, {Em}{ext:dn}",
  dp.ADD_ext,
  ext3,
);
r(
  "ADDS_ext",
  "z0101011001mmmmmoooiiinnnnnddddd",
  "adds {Rd}, {Rns}, {Em}{ext:n}",
  dp.ADDS_ext,
  ext3,
);
r(
  "SUB_ext",
  "z1001011001mmmmmoooiiinnnnnddddd",
  "sub {Rds}, {Rns}, {Em}{ext:dn}",
  dp.SUB_ext,
  ext3,
);
r(
  "SUBS_ext",
  "z1101011001mmmmmoooiiinnnnnddddd",
  "subs {Rd}, {Rns}, {Em}{ext:n}",
  dp.SUBS_ext,
  ext3,
);
r("ADC", "z0011010000mmmmm000000nnnnnddddd", "adc {Rd}, {Rn}, {Rm}", dp.ADC);
r("ADCS", "z0111010000mmmmm000000nnnnnddddd", "adcs {Rd}, {Rn}, {Rm}", dp.ADCS);
r("SBC", "z1011010000mmmmm000000nnnnnddddd", "sbc {Rd}, {Rn}, {Rm}", dp.SBC);
r("SBCS", "z1111010000mmmmm000000nnnnnddddd", "sbcs {Rd}, {Rn}, {Rm}", dp.SBCS);
// RMIF, SETF8/16 (FEAT_FlagM): z01 11010000 ... 00001 / 0010 -- not implemented.
r("CCMN_reg", "z0111010010mmmmmcccc00nnnnn0ffff", "ccmn {Rn}, {Rm}, {hex:f}, {cond}", dp.CCMN_reg);
r(
  "CCMN_imm",
  "z0111010010iiiiicccc10nnnnn0ffff",
  "ccmn {Rn}, {hex:i}, {hex:f}, {cond}",
  dp.CCMN_imm,
);
r("CCMP_reg", "z1111010010mmmmmcccc00nnnnn0ffff", "ccmp {Rn}, {Rm}, {hex:f}, {cond}", dp.CCMP_reg);
r(
  "CCMP_imm",
  "z1111010010iiiiicccc10nnnnn0ffff",
  "ccmp {Rn}, {hex:i}, {hex:f}, {cond}",
  dp.CCMP_imm,
);
r("CSEL", "z0011010100mmmmmcccc00nnnnnddddd", "csel {Rd}, {Rn}, {Rm}, {cond}", dp.CSEL);
r("CSINC", "z0011010100mmmmmcccc01nnnnnddddd", "csinc {Rd}, {Rn}, {Rm}, {cond}", dp.CSINC);
r("CSINV", "z1011010100mmmmmcccc00nnnnnddddd", "csinv {Rd}, {Rn}, {Rm}, {cond}", dp.CSINV);
r("CSNEG", "z1011010100mmmmmcccc01nnnnnddddd", "csneg {Rd}, {Rn}, {Rm}, {cond}", dp.CSNEG);
r("MADD", "z0011011000mmmmm0aaaaannnnnddddd", "madd {Rd}, {Rn}, {Rm}, {Ra}", dp.MADD);
r("MSUB", "z0011011000mmmmm1aaaaannnnnddddd", "msub {Rd}, {Rn}, {Rm}, {Ra}", dp.MSUB);
r("SMADDL", "10011011001mmmmm0aaaaannnnnddddd", "smaddl {Xd}, {Wn}, {Wm}, {Xa}", dp.SMADDL);
r("SMSUBL", "10011011001mmmmm1aaaaannnnnddddd", "smsubl {Xd}, {Wn}, {Wm}, {Xa}", dp.SMSUBL);
r("SMULH", "10011011010mmmmm011111nnnnnddddd", "smulh {Xd}, {Xn}, {Xm}", dp.SMULH);
r("UMADDL", "10011011101mmmmm0aaaaannnnnddddd", "umaddl {Xd}, {Wn}, {Wm}, {Xa}", dp.UMADDL);
r("UMSUBL", "10011011101mmmmm1aaaaannnnnddddd", "umsubl {Xd}, {Wn}, {Wm}, {Xa}", dp.UMSUBL);
r("UMULH", "10011011110mmmmm011111nnnnnddddd", "umulh {Xd}, {Xn}, {Xm}", dp.UMULH);
r("UDIV", "z0011010110mmmmm000010nnnnnddddd", "udiv {Rd}, {Rn}, {Rm}", dp.UDIV);
r("SDIV", "z0011010110mmmmm000011nnnnnddddd", "sdiv {Rd}, {Rn}, {Rm}", dp.SDIV);
r("LSLV", "z0011010110mmmmm001000nnnnnddddd", "lslv {Rd}, {Rn}, {Rm}", dp.LSLV);
r("LSRV", "z0011010110mmmmm001001nnnnnddddd", "lsrv {Rd}, {Rn}, {Rm}", dp.LSRV);
r("ASRV", "z0011010110mmmmm001010nnnnnddddd", "asrv {Rd}, {Rn}, {Rm}", dp.ASRV);
r("RORV", "z0011010110mmmmm001011nnnnnddddd", "rorv {Rd}, {Rn}, {Rm}", dp.RORV);
// CRC32*/CRC32C* (FEAT_CRC32): z0011010110 Rm 010xxx -- not implemented (ID_AA64ISAR0_EL1.CRC32 = 0).
// PACGA, SUBP, IRG, GMI (FEAT_PAuth/MTE) -- not implemented.
r("RBIT", "z101101011000000000000nnnnnddddd", "rbit {Rd}, {Rn}", dp.RBIT);
r("REV16", "z101101011000000000001nnnnnddddd", "rev16 {Rd}, {Rn}", dp.REV16);
r("REV32", "1101101011000000000010nnnnnddddd", "rev32 {Xd}, {Xn}", dp.REV32);
r("REV_w", "0101101011000000000010nnnnnddddd", "rev {Wd}, {Wn}", dp.REV);
r("REV_x", "1101101011000000000011nnnnnddddd", "rev {Xd}, {Xn}", dp.REV);
r("CLZ", "z101101011000000000100nnnnnddddd", "clz {Rd}, {Rn}", dp.CLZ);
r("CLS", "z101101011000000000101nnnnnddddd", "cls {Rd}, {Rn}", dp.CLS);
// ABS/CNT/CTZ/SMAX... (FEAT_CSSC), PAC*/AUT* (FEAT_PAuth): z10 11010110 00001 -- not implemented.

// SIMD&FP: loads/stores with V = 1, AdvSIMD and floating point (table_simd.ts, exec_fp.ts).
simdRows(r);

// Permanently UNDEFINED (C6.2.375 UDF).
r("UDF", "0000000000000000iiiiiiiiiiiiiiii", "udf {dec:i}", (_i) => undef());

/** All rows, in match order. Row index = interpreter opcode. */
export const ROWS: readonly Row[] = rows;

/** Row by name. */
export const ROW_BY_NAME: ReadonlyMap<string, Row> = new Map(rows.map((x) => [x.name, x]));

// ---------------------------------------------------------------------------
// Aliases (Arm ARM "alias conditions" of each instruction page; objdump prints the first match).

const aliases: Alias[] = [];

function a(
  base: string,
  syntax: string,
  when: (f: Fields) => boolean,
  fixed: Fields = {},
  opts: { after?: (f: Fields) => void; asmOnly?: boolean } = {},
): void {
  const row = ROW_BY_NAME.get(base);
  if (!row) throw new Error(`Alias of unknown row ${base}`);
  aliases.push({
    base: row,
    syntax,
    when,
    fixed,
    after: opts.after,
    asmOnly: opts.asmOnly ?? false,
  });
}

const W = (f: Fields) => (f.z ? 64 : 32);
const notAlNv = (f: Fields) => f.c >> 1 !== 7;
const always = () => true;

a("ADD_imm", "mov {Rds}, {Rns}", (f) => (f.d === 31 || f.n === 31) && f.i === 0 && f.k === 0, {
  i: 0,
  k: 0,
});
a("ADDS_imm", "cmn {Rns}, {aimm}", (f) => f.d === 31, { d: 31 });
a("SUBS_imm", "cmp {Rns}, {aimm}", (f) => f.d === 31, { d: 31 });
a("SUB_imm", "add {Rds}, {Rns}, {naimm}", always, {}, { asmOnly: true });
a("ADD_imm", "sub {Rds}, {Rns}, {naimm}", always, {}, { asmOnly: true });
a("SUBS_imm", "adds {Rd}, {Rns}, {naimm}", always, {}, { asmOnly: true });
a("ADDS_imm", "subs {Rd}, {Rns}, {naimm}", always, {}, { asmOnly: true });
a("SUBS_imm", "cmn {Rns}, {naimm}", always, { d: 31 }, { asmOnly: true });
a("ADDS_imm", "cmp {Rns}, {naimm}", always, { d: 31 }, { asmOnly: true });
a("ANDS_imm", "tst {Rn}, {limm}", (f) => f.d === 31, { d: 31 });
// GNU as takes BIC with an immediate as AND with the inverted mask (binutils
// aarch64-tbl.h: "bic" imm pseudo-instruction; BICS/ORN/EON have no immediate form).
a("AND_imm", "bic {Rds}, {Rn}, {nlimm}", always, {}, { asmOnly: true });

a("ORR_imm", "mov {Rds}, {bmimm}", (f) => f.n === 31 && !moveWidePreferred(f.z, f.N, f.S, f.r), {
  n: 31,
});
a("MOVN", "mov {Rd}, {movn}", (f) => !(f.i === 0 && f.h !== 0) && (f.z === 1 || f.i !== 0xffff));
a("MOVZ", "mov {Rd}, {movz}", (f) => !(f.i === 0 && f.h !== 0));
a("SBFM", "asr {Rd}, {Rn}, {lsrsh}", (f) => f.S === W(f) - 1);
a("SBFM", "sbfiz {Rd}, {Rn}, {bfiz}", (f) => f.S < f.r);
a("SBFM", "sbfx {Rd}, {Rn}, {bfx}", (f) => bfxPreferred(f.z, 0, f.S, f.r));
a("SBFM", "sxtb {Rd}, {Wn}", (f) => f.r === 0 && f.S === 7, { r: 0, S: 7 });
a("SBFM", "sxth {Rd}, {Wn}", (f) => f.r === 0 && f.S === 15, { r: 0, S: 15 });
a("SBFM", "sxtw {Xd}, {Wn}", (f) => f.z === 1 && f.r === 0 && f.S === 31, {
  r: 0,
  S: 31,
  z: 1,
  N: 1,
});
a("UBFM", "lsl {Rd}, {Rn}, {lslsh}", (f) => f.S !== W(f) - 1 && f.S + 1 === f.r);
a("UBFM", "lsr {Rd}, {Rn}, {lsrsh}", (f) => f.S === W(f) - 1);
a("UBFM", "ubfiz {Rd}, {Rn}, {bfiz}", (f) => f.S < f.r);
a("UBFM", "ubfx {Rd}, {Rn}, {bfx}", (f) => bfxPreferred(f.z, 1, f.S, f.r));
a("UBFM", "uxtb {Wd}, {Wn}", (f) => f.z === 0 && f.r === 0 && f.S === 7, {
  r: 0,
  S: 7,
  z: 0,
  N: 0,
});
a("UBFM", "uxth {Wd}, {Wn}", (f) => f.z === 0 && f.r === 0 && f.S === 15, {
  r: 0,
  S: 15,
  z: 0,
  N: 0,
});
a("BFM", "bfc {Rd}, {bfiz}", (f) => f.n === 31 && f.S < f.r, { n: 31 });
a("BFM", "bfi {Rd}, {Rn}, {bfiz}", (f) => f.S < f.r);
a("BFM", "bfxil {Rd}, {Rn}, {bfx}", (f) => f.S >= f.r);
a("EXTR", "ror {Rd}, {Rn}, {dec:S}", (f) => f.n === f.m, {}, { after: (f) => (f.m = f.n) });
for (const [k, name] of Object.entries(HINTS)) a("HINT", name, (f) => f.i === +k, { i: +k });
a("DSB", "ssbb", (f) => f.m === 0, { m: 0 });
a("DSB", "pssbb", (f) => f.m === 4, { m: 4 });
for (const kind of ["ic", "dc", "at", "tlbi"]) {
  a("SYS", `${kind} {sysop:${kind}}`, (f) => {
    const o = findSysOp(kind, f);
    return o !== undefined && (o.reg || f.t === 31);
  });
}
a("ORR_reg", "mov {Rd}, {Rm}", (f) => f.n === 31 && f.h === 0 && f.i === 0, { n: 31, h: 0, i: 0 });
a("ORN_reg", "mvn {Rd}, {Rm}{lsh}", (f) => f.n === 31, { n: 31 });
a("ANDS_reg", "tst {Rn}, {Rm}{lsh}", (f) => f.d === 31, { d: 31 });
a("SUB_reg", "neg {Rd}, {Rm}{ash}", (f) => f.n === 31, { n: 31 });
a("SUBS_reg", "cmp {Rn}, {Rm}{ash}", (f) => f.d === 31, { d: 31 });
a("SUBS_reg", "negs {Rd}, {Rm}{ash}", (f) => f.n === 31, { n: 31 });
a("ADDS_reg", "cmn {Rn}, {Rm}{ash}", (f) => f.d === 31, { d: 31 });
a("ADDS_ext", "cmn {Rns}, {Em}{ext:n}", (f) => f.d === 31, { d: 31 });
a("SUBS_ext", "cmp {Rns}, {Em}{ext:n}", (f) => f.d === 31, { d: 31 });
a("SBC", "ngc {Rd}, {Rm}", (f) => f.n === 31, { n: 31 });
a("SBCS", "ngcs {Rd}, {Rm}", (f) => f.n === 31, { n: 31 });
a("CSINC", "cinc {Rd}, {Rn}, {invcond}", (f) => f.m === f.n && f.n !== 31 && notAlNv(f), {}, {
  after: (f) => (f.m = f.n),
});
a("CSINC", "cset {Rd}, {invcond}", (f) => f.m === 31 && f.n === 31 && notAlNv(f), { n: 31, m: 31 });
a("CSINV", "cinv {Rd}, {Rn}, {invcond}", (f) => f.m === f.n && f.n !== 31 && notAlNv(f), {}, {
  after: (f) => (f.m = f.n),
});
a("CSINV", "csetm {Rd}, {invcond}", (f) => f.m === 31 && f.n === 31 && notAlNv(f), {
  n: 31,
  m: 31,
});
a("CSNEG", "cneg {Rd}, {Rn}, {invcond}", (f) => f.m === f.n && notAlNv(f), {}, {
  after: (f) => (f.m = f.n),
});
a("MADD", "mul {Rd}, {Rn}, {Rm}", (f) => f.a === 31, { a: 31 });
a("MSUB", "mneg {Rd}, {Rn}, {Rm}", (f) => f.a === 31, { a: 31 });
a("SMADDL", "smull {Xd}, {Wn}, {Wm}", (f) => f.a === 31, { a: 31 });
a("SMSUBL", "smnegl {Xd}, {Wn}, {Wm}", (f) => f.a === 31, { a: 31 });
a("UMADDL", "umull {Xd}, {Wn}, {Wm}", (f) => f.a === 31, { a: 31 });
a("UMSUBL", "umnegl {Xd}, {Wn}, {Wm}", (f) => f.a === 31, { a: 31 });
a("LSLV", "lsl {Rd}, {Rn}, {Rm}", always);
a("LSRV", "lsr {Rd}, {Rn}, {Rm}", always);
a("ASRV", "asr {Rd}, {Rn}, {Rm}", always);
a("RORV", "ror {Rd}, {Rn}, {Rm}", always);
// GNU as picks LDUR & co when an offset does not fit the scaled form.
for (const e of ldstRows) {
  a(e.unscaled, `${e.mn} {${e.reg}t}, {mems}`, always, {}, { asmOnly: true });
}

simdAliases(a);

/** All aliases, in preference order. */
export const ALIASES: readonly Alias[] = aliases;

/** Aliases of each row (by row index), in preference order, printable ones only. */
export const PRINT_ALIASES: readonly (readonly Alias[])[] = ROWS.map((row) =>
  aliases.filter((x) => x.base === row && !x.asmOnly)
);

// ---------------------------------------------------------------------------
// The decoder.

/** Bucket key: bits 31:25 of the word. */
const BUCKET_SHIFT = 25;
const BUCKETS: number[][] = Array.from({ length: 128 }, () => []);
for (const row of rows) {
  for (let k = 0; k < 128; k++) {
    const w = k << BUCKET_SHIFT;
    if (((w ^ row.value) & row.mask & (127 << BUCKET_SHIFT)) === 0) BUCKETS[k].push(row.index);
  }
}

/**
 * Decode an instruction word to its row (first matching row whose guard
 * accepts it), or undefined when the encoding is unallocated / not
 * implemented (the interpreter raises UNDEFINED).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decode } from "./table.ts";
 * assertEquals(decode(0x8b020020)?.name, "ADD_reg");
 * ```
 */
export function decode(insn: number): Row | undefined {
  for (const idx of BUCKETS[insn >>> BUCKET_SHIFT]) {
    const row = rows[idx];
    if ((insn & row.mask) !== row.value) continue;
    if (row.guard && !row.guard(fieldsOf(row, insn))) continue;
    return row;
  }
  return undefined;
}
