/**
 * The SIMD&FP rows of the encoding table (table.ts calls {@link simdRows}
 * and {@link simdAliases}; the rows join the one table, in this order):
 * loads and stores with V = 1 (Arm ARM C4.1.4), AdvSIMD integer data
 * processing and moves, scalar and vector floating point (C4.1.6 "Data
 * Processing -- Scalar Floating-Point and Advanced SIMD"). Encodings
 * cross-checked against QEMU target/arm/tcg/a64.decode and binutils
 * aarch64-tbl.h; operand kinds in operands_simd.ts.
 *
 * Field letters here: q (Q), s (size), z (sz / FP type), u (U), d n m t u a
 * (registers; Rt2 is `u` in pairs), i (immediate), h b (immh immb), c (cmode
 * bits), a h (abc defgh of a modified immediate), H L M (element index).
 *
 * @module
 */

import type { Fields } from "./operands.ts";
import "./operands_simd.ts";
import type { Handler } from "./table.ts";
import * as fl from "./exec_fp_ldst.ts";
import * as sd from "./exec_simd.ts";
import * as ar from "./exec_simd_arith.ts";
import * as fp from "./exec_fp.ts";

/** How table.ts adds a row (its `r`). */
export type RowAdder = (
  name: string,
  pattern: string,
  syntax: string,
  handler: Handler,
  guard?: (f: Fields) => boolean,
  derive?: (f: Fields) => void,
) => void;
/** How table.ts adds an alias (its `a`). */
export type AliasAdder = (
  base: string,
  syntax: string,
  when: (f: Fields) => boolean,
  fixed?: Fields,
  opts?: { after?: (f: Fields) => void; asmOnly?: boolean },
) => void;

/** Not the reserved 1D arrangement (size 11, Q 0). */
const not1d = (f: Fields) => f.s !== 3 || f.q === 1;
const noD = (f: Fields) => f.s !== 3;
const lsb = (v: number) => 31 - Math.clz32(v & -v);

/** Scalar B/H/S/D/Q load/store forms: [letter, size bits, store opc, load opc, scale]. */
const FTYPES: [string, string, string, string, number][] = [
  ["B", "00", "00", "01", 0],
  ["H", "01", "00", "01", 1],
  ["S", "10", "00", "01", 2],
  ["D", "11", "00", "01", 3],
  ["Q", "00", "10", "11", 4],
];

/** Declare the SIMD&FP rows. */
export function simdRows(r: RowAdder): void {
  // --- Loads and stores (V = 1) ---------------------------------------------
  for (const [T, sz, st, ld, sc] of FTYPES) {
    for (const [mn, op] of [["str", st], ["ldr", ld]]) {
      const un = mn === "str" ? "stur" : "ldur", M = mn.toUpperCase();
      r(
        `${M}_${T}_uimm`,
        `${sz}111101${op}iiiiiiiiiiiinnnnnttttt`,
        `${mn} {${T}t}, {memu:${sc}}`,
        fl.FLDST_uimm,
      );
      r(
        `${un.toUpperCase()}_${T}`,
        `${sz}111100${op}0iiiiiiiii00nnnnnttttt`,
        `${un} {${T}t}, {mems}`,
        fl.FLDST_unscaled,
      );
      r(
        `${M}_${T}_post`,
        `${sz}111100${op}0iiiiiiiii01nnnnnttttt`,
        `${mn} {${T}t}, {mempost}`,
        fl.FLDST_post,
      );
      r(
        `${M}_${T}_pre`,
        `${sz}111100${op}0iiiiiiiii11nnnnnttttt`,
        `${mn} {${T}t}, {mempre}`,
        fl.FLDST_pre,
      );
      r(
        `${M}_${T}_reg`,
        `${sz}111100${op}1mmmmmoooS10nnnnnttttt`,
        `${mn} {${T}t}, {memr:${sc}}`,
        fl.FLDST_reg,
        (f) => (f.o & 2) !== 0,
      );
    }
  }
  for (const [T, opc, sc] of [["S", "00", 2], ["D", "01", 3], ["Q", "10", 4]] as const) {
    r(`LDR_${T}_lit`, `${opc}011100iiiiiiiiiiiiiiiiiiittttt`, `ldr {${T}t}, {rel19}`, fl.FLDR_lit);
    for (const [mn, l] of [["st", "0"], ["ld", "1"]]) {
      const M = mn.toUpperCase();
      r(
        `${M}NP_${T}`,
        `${opc}1011000${l}iiiiiiiuuuuunnnnnttttt`,
        `${mn}np {${T}t}, {${T}u}, {memp:${sc}}`,
        fl.FLDSTP_off,
      );
      r(
        `${M}P_${T}_post`,
        `${opc}1011001${l}iiiiiiiuuuuunnnnnttttt`,
        `${mn}p {${T}t}, {${T}u}, {memppost:${sc}}`,
        fl.FLDSTP_post,
      );
      r(
        `${M}P_${T}`,
        `${opc}1011010${l}iiiiiiiuuuuunnnnnttttt`,
        `${mn}p {${T}t}, {${T}u}, {memp:${sc}}`,
        fl.FLDSTP_off,
      );
      r(
        `${M}P_${T}_pre`,
        `${opc}1011011${l}iiiiiiiuuuuunnnnnttttt`,
        `${mn}p {${T}t}, {${T}u}, {memppre:${sc}}`,
        fl.FLDSTP_pre,
      );
    }
  }
  // AdvSIMD load/store multiple structures: LD1/ST1 with 1-4 registers.
  for (const [k, opc] of [[1, "0111"], [2, "1010"], [3, "0110"], [4, "0010"]] as const) {
    for (const [mn, l] of [["st1", "0"], ["ld1", "1"]]) {
      const M = mn.toUpperCase();
      r(
        `${M}_${k}`,
        `0q0011000${l}000000${opc}ssnnnnnttttt`,
        `${mn} {Lt:qs_${k}}, {spost}`,
        fl.LDST1_multi,
      );
      r(
        `${M}_${k}_post`,
        `0q0011001${l}0mmmmm${opc}ssnnnnnttttt`,
        `${mn} {Lt:qs_${k}}, {spost:L${k}}`,
        fl.LDST1_multi,
      );
    }
  }
  // AdvSIMD load/store single structure: LD1/ST1 (one lane), LD1R.
  const lanes: [string, string][] = [
    ["B", "000Sss"],
    ["H", "010Ss0"],
    ["S", "100S00"],
    ["D", "100001"],
  ];
  for (const [T, bits] of lanes) {
    for (const [mn, l] of [["st1", "0"], ["ld1", "1"]]) {
      const M = mn.toUpperCase();
      r(
        `${M}_lane_${T}`,
        `0q0011010${l}000000${bits}nnnnnttttt`,
        `${mn} {Kt:${T}}, {spost}`,
        fl.LDST1_lane,
      );
      r(
        `${M}_lane_${T}_post`,
        `0q0011011${l}0mmmmm${bits}nnnnnttttt`,
        `${mn} {Kt:${T}}, {spost:${T}}`,
        fl.LDST1_lane,
      );
    }
  }
  r("LD1R", "0q001101010000001100ssnnnnnttttt", "ld1r {Lt:qs_1}, {spost}", fl.LD1R);
  r("LD1R_post", "0q001101110mmmmm1100ssnnnnnttttt", "ld1r {Lt:qs_1}, {spost:R}", fl.LD1R);
  // LD2/LD3/LD4, ST2/ST3/ST4 (multiple structures, interleaved; 1D reserved).
  for (const [k, opc] of [[2, "1000"], [3, "0100"], [4, "0000"]] as const) {
    for (const [mn, l] of [[`st${k}`, "0"], [`ld${k}`, "1"]]) {
      const M = mn.toUpperCase();
      r(
        M,
        `0q0011000${l}000000${opc}ssnnnnnttttt`,
        `${mn} {Lt:qs_${k}}, {spost}`,
        fl.LDSTn_multi,
        not1d,
      );
      r(
        `${M}_post`,
        `0q0011001${l}0mmmmm${opc}ssnnnnnttttt`,
        `${mn} {Lt:qs_${k}}, {spost:L${k}}`,
        fl.LDSTn_multi,
        not1d,
      );
    }
  }
  // LD2-4/ST2-4 (single structure: one lane of k registers), LD2R-LD4R. The
  // structure size is opcode<0>:R + 1 (bits 13 and 21).
  for (const k of [2, 3, 4]) {
    const o0 = (k - 1) >> 1, R = (k - 1) & 1;
    for (
      const [T, op, rest] of [["B", "00", "Sss"], ["H", "01", "Ss0"], ["S", "10", "S00"], [
        "D",
        "10",
        "001",
      ]]
    ) {
      for (const [mn, l] of [[`st${k}`, "0"], [`ld${k}`, "1"]]) {
        const M = mn.toUpperCase();
        r(
          `${M}_lane_${T}`,
          `0q0011010${l}${R}00000${op}${o0}${rest}nnnnnttttt`,
          `${mn} {Kt:${T}${k}}, {spost}`,
          fl.LDSTn_lane,
        );
        r(
          `${M}_lane_${T}_post`,
          `0q0011011${l}${R}mmmmm${op}${o0}${rest}nnnnnttttt`,
          `${mn} {Kt:${T}${k}}, {spost:${T}${k}}`,
          fl.LDSTn_lane,
        );
      }
    }
    r(
      `LD${k}R`,
      `0q0011010${"1"}${R}0000011${o0}0ssnnnnnttttt`,
      `ld${k}r {Lt:qs_${k}}, {spost}`,
      fl.LDnR,
    );
    r(
      `LD${k}R_post`,
      `0q0011011${"1"}${R}mmmmm11${o0}0ssnnnnnttttt`,
      `ld${k}r {Lt:qs_${k}}, {spost:R${k}}`,
      fl.LDnR,
    );
  }

  // --- AdvSIMD copy, permute, extract, table ----------------------------------
  const i5 = (f: Fields) => (f.i & 15) !== 0;
  r(
    "DUP_elt",
    "0q001110000iiiii000001nnnnnddddd",
    "dup {Vd:i5q}, {En:i5}",
    sd.DUP_elt,
    (f) => i5(f) && (lsb(f.i) < 3 || f.q === 1),
  );
  r(
    "DUP_gen",
    "0q001110000iiiii000011nnnnnddddd",
    "dup {Vd:i5q}, {Gn:i5}",
    sd.DUP_gen,
    (f) => i5(f) && (lsb(f.i) < 3 || f.q === 1),
  );
  r(
    "SMOV",
    "0q001110000iiiii001011nnnnnddddd",
    "smov {Gd:q}, {En:i5}",
    sd.SMOV,
    (f) => i5(f) && lsb(f.i) < 2 + f.q,
  );
  r(
    "UMOV",
    "0q001110000iiiii001111nnnnnddddd",
    "umov {Gd:i5}, {En:i5}",
    sd.UMOV,
    (f) => i5(f) && (f.q === 1 ? lsb(f.i) === 3 : lsb(f.i) < 3),
  );
  r("INS_gen", "01001110000iiiii000111nnnnnddddd", "ins {Ed:i5}, {Gn:i5}", sd.INS_gen, i5);
  r("INS_elt", "01101110000iiiii0jjjj1nnnnnddddd", "ins {Ed:i5}, {En:i4}", sd.INS_elt, i5);
  r("DUP_scalar", "01011110000iiiii000001nnnnnddddd", "dup {Zd:i5}, {En:i5}", sd.DUP_scalar, i5);
  for (
    const [mn, opc] of [
      ["uzp1", "001"],
      ["trn1", "010"],
      ["zip1", "011"],
      [
        "uzp2",
        "101",
      ],
      ["trn2", "110"],
      ["zip2", "111"],
    ]
  ) {
    r(
      mn.toUpperCase(),
      `0q001110ss0mmmmm0${opc}10nnnnnddddd`,
      `${mn} {Vd:qs}, {Vn:qs}, {Vm:qs}`,
      sd.SIMD_permute,
      not1d,
    );
  }
  r(
    "EXT",
    "0q101110000mmmmm0iiii0nnnnnddddd",
    "ext {Vd:q8}, {Vn:q8}, {Vm:q8}, {dec:i}",
    sd.EXT,
    (f) => f.q === 1 || f.i < 8,
  );
  r("TBL", "0q001110000mmmmm0ll000nnnnnddddd", "tbl {Vd:q8}, {Ln:16b_l}, {Vm:q8}", sd.TBL);
  r("TBX", "0q001110000mmmmm0ll100nnnnnddddd", "tbx {Vd:q8}, {Ln:16b_l}, {Vm:q8}", sd.TBL);

  // --- AdvSIMD modified immediate --------------------------------------------
  r("MOVI_8", "0q00111100000aaa111001hhhhhddddd", "movi {Vd:q8}, {imm8}", sd.SIMD_modimm);
  r("MOVI_32", "0q00111100000aaa0cc001hhhhhddddd", "movi {Vd:q32}, {imm8}{lsl32}", sd.SIMD_modimm);
  r("ORR_32", "0q00111100000aaa0cc101hhhhhddddd", "orr {Vd:q32}, {imm8}{lsl32}", sd.SIMD_modimm);
  r("MOVI_16", "0q00111100000aaa10c001hhhhhddddd", "movi {Vd:q16}, {imm8}{lsl16}", sd.SIMD_modimm);
  r("ORR_16", "0q00111100000aaa10c101hhhhhddddd", "orr {Vd:q16}, {imm8}{lsl16}", sd.SIMD_modimm);
  r("MOVI_msl", "0q00111100000aaa110c01hhhhhddddd", "movi {Vd:q32}, {imm8}{msl}", sd.SIMD_modimm);
  r("FMOV_v_s", "0q00111100000aaa111101hhhhhddddd", "fmov {Vd:q32}, {fimm}", sd.SIMD_modimm);
  r("MVNI_32", "0q10111100000aaa0cc001hhhhhddddd", "mvni {Vd:q32}, {imm8}{lsl32}", sd.SIMD_modimm);
  r("BIC_32", "0q10111100000aaa0cc101hhhhhddddd", "bic {Vd:q32}, {imm8}{lsl32}", sd.SIMD_modimm);
  r("MVNI_16", "0q10111100000aaa10c001hhhhhddddd", "mvni {Vd:q16}, {imm8}{lsl16}", sd.SIMD_modimm);
  r("BIC_16", "0q10111100000aaa10c101hhhhhddddd", "bic {Vd:q16}, {imm8}{lsl16}", sd.SIMD_modimm);
  r("MVNI_msl", "0q10111100000aaa110c01hhhhhddddd", "mvni {Vd:q32}, {imm8}{msl}", sd.SIMD_modimm);
  r("MOVI_d", "0010111100000aaa111001hhhhhddddd", "movi {Dd}, {imm64}", sd.SIMD_modimm);
  r("MOVI_2d", "0110111100000aaa111001hhhhhddddd", "movi {Vd:2d}, {imm64}", sd.SIMD_modimm);
  r("FMOV_v_d", "0110111100000aaa111101hhhhhddddd", "fmov {Vd:2d}, {fimm}", sd.SIMD_modimm);

  // --- AdvSIMD three same (integer) -------------------------------------------
  const same: [string, string, string, (f: Fields) => boolean][] = [
    ["cmgt", "0", "00110", not1d],
    ["cmhi", "1", "00110", not1d],
    ["cmge", "0", "00111", not1d],
    ["cmhs", "1", "00111", not1d],
    ["smax", "0", "01100", noD],
    ["umax", "1", "01100", noD],
    ["smin", "0", "01101", noD],
    ["umin", "1", "01101", noD],
    ["sabd", "0", "01110", noD],
    ["uabd", "1", "01110", noD],
    ["saba", "0", "01111", noD],
    ["uaba", "1", "01111", noD],
    ["add", "0", "10000", not1d],
    ["sub", "1", "10000", not1d],
    ["cmtst", "0", "10001", not1d],
    ["cmeq", "1", "10001", not1d],
    ["mla", "0", "10010", noD],
    ["mls", "1", "10010", noD],
    ["mul", "0", "10011", noD],
  ];
  for (const [mn, u, opc, g] of same) {
    r(
      `${mn.toUpperCase()}_v`,
      `0q${u}01110ss1mmmmm${opc}1nnnnnddddd`,
      `${mn} {Vd:qs}, {Vn:qs}, {Vm:qs}`,
      sd.SIMD_3same,
      g,
    );
  }
  for (
    const [mn, u, opc] of [
      ["smaxp", "0", "10100"],
      ["umaxp", "1", "10100"],
      [
        "sminp",
        "0",
        "10101",
      ],
      ["uminp", "1", "10101"],
      ["addp", "0", "10111"],
    ]
  ) {
    r(
      `${mn.toUpperCase()}_v`,
      `0q${u}01110ss1mmmmm${opc}1nnnnnddddd`,
      `${mn} {Vd:qs}, {Vn:qs}, {Vm:qs}`,
      sd.SIMD_pairwise,
      mn === "addp" ? not1d : noD,
    );
  }
  for (
    const [mn, u, sz] of [
      ["and", "0", "00"],
      ["bic", "0", "01"],
      ["orr", "0", "10"],
      [
        "orn",
        "0",
        "11",
      ],
      ["eor", "1", "00"],
      ["bsl", "1", "01"],
      ["bit", "1", "10"],
      ["bif", "1", "11"],
    ]
  ) {
    r(
      `${mn.toUpperCase()}_v`,
      `0q${u}01110${sz}1mmmmm000111nnnnnddddd`,
      `${mn} {Vd:q8}, {Vn:q8}, {Vm:q8}`,
      sd.SIMD_logic,
    );
  }
  // Halving, saturating, shifts by register, doubling multiply high, PMUL.
  const hs = (f: Fields) => f.s === 1 || f.s === 2;
  const same2: [string, string, string, (f: Fields) => boolean][] = [
    ["shadd", "0", "00000", noD],
    ["uhadd", "1", "00000", noD],
    ["sqadd", "0", "00001", not1d],
    ["uqadd", "1", "00001", not1d],
    ["srhadd", "0", "00010", noD],
    ["urhadd", "1", "00010", noD],
    ["shsub", "0", "00100", noD],
    ["uhsub", "1", "00100", noD],
    ["sqsub", "0", "00101", not1d],
    ["uqsub", "1", "00101", not1d],
    ["sshl", "0", "01000", not1d],
    ["ushl", "1", "01000", not1d],
    ["sqshl", "0", "01001", not1d],
    ["uqshl", "1", "01001", not1d],
    ["srshl", "0", "01010", not1d],
    ["urshl", "1", "01010", not1d],
    ["sqrshl", "0", "01011", not1d],
    ["uqrshl", "1", "01011", not1d],
    ["pmul", "1", "10011", (f) => f.s === 0],
    ["sqdmulh", "0", "10110", hs],
    ["sqrdmulh", "1", "10110", hs],
  ];
  for (const [mn, u, opc, g] of same2) {
    r(
      `${mn.toUpperCase()}_v`,
      `0q${u}01110ss1mmmmm${opc}1nnnnnddddd`,
      `${mn} {Vd:qs}, {Vn:qs}, {Vm:qs}`,
      ar.SIMD_3same_x,
      g,
    );
    if (mn === "pmul" || /^[su]r?h/.test(mn)) continue;
    // Scalar: the saturating forms take any size, SQDMULH/SQRDMULH H and S, the others D only.
    const any = /^[su]q/.test(mn);
    r(
      `${mn.toUpperCase()}_s`,
      any ? `01${u}11110ss1mmmmm${opc}1nnnnnddddd` : `01${u}11110111mmmmm${opc}1nnnnnddddd`,
      any ? `${mn} {Zd:s}, {Zn:s}, {Zm:s}` : `${mn} {Dd}, {Dn}, {Dm}`,
      ar.SIMD_3same_x,
      mn.includes("dmulh") ? hs : undefined,
    );
  }
  for (
    const [mn, u, opc] of [
      ["cmgt", "0", "00110"],
      ["cmhi", "1", "00110"],
      ["cmge", "0", "00111"],
      ["cmhs", "1", "00111"],
      ["cmtst", "0", "10001"],
      ["cmeq", "1", "10001"],
    ]
  ) {
    r(
      `${mn.toUpperCase()}_s`,
      `01${u}11110111mmmmm${opc}1nnnnnddddd`,
      `${mn} {Dd}, {Dn}, {Dm}`,
      ar.SIMD_3same_x,
    );
  }
  r("ADD_d", "01011110111mmmmm100001nnnnnddddd", "add {Dd}, {Dn}, {Dm}", sd.SIMD_addsub_d);
  r("SUB_d", "01111110111mmmmm100001nnnnnddddd", "sub {Dd}, {Dn}, {Dm}", sd.SIMD_addsub_d);
  r("ADDP_d", "0101111011110001101110nnnnnddddd", "addp {Dd}, {Vn:2d}", sd.ADDP_scalar);

  // --- AdvSIMD two-register miscellaneous -------------------------------------
  r("REV64_v", "0q001110ss100000000010nnnnnddddd", "rev64 {Vd:qs}, {Vn:qs}", sd.SIMD_rev, noD);
  r(
    "REV32_v",
    "0q101110ss100000000010nnnnnddddd",
    "rev32 {Vd:qs}, {Vn:qs}",
    sd.SIMD_rev,
    (f) => f.s < 2,
  );
  r("REV16_v", "0q00111000100000000110nnnnnddddd", "rev16 {Vd:q8}, {Vn:q8}", sd.SIMD_rev);
  r("CNT", "0q00111000100000010110nnnnnddddd", "cnt {Vd:q8}, {Vn:q8}", sd.SIMD_misc);
  r("NOT", "0q10111000100000010110nnnnnddddd", "not {Vd:q8}, {Vn:q8}", sd.SIMD_misc);
  r("RBIT_v", "0q10111001100000010110nnnnnddddd", "rbit {Vd:q8}, {Vn:q8}", sd.SIMD_misc);
  const misc: [string, string, string, string, (f: Fields) => boolean][] = [
    ["cls", "0", "00100", "", noD],
    ["clz", "1", "00100", "", noD],
    ["cmgt", "0", "01000", ", #0", not1d],
    ["cmge", "1", "01000", ", #0", not1d],
    ["cmeq", "0", "01001", ", #0", not1d],
    ["cmle", "1", "01001", ", #0", not1d],
    ["cmlt", "0", "01010", ", #0", not1d],
    ["abs", "0", "01011", "", not1d],
    ["neg", "1", "01011", "", not1d],
  ];
  for (const [mn, u, opc, z, g] of misc) {
    r(
      `${mn.toUpperCase()}_v${z ? "0" : ""}`,
      `0q${u}01110ss10000${opc}10nnnnnddddd`,
      `${mn} {Vd:qs}, {Vn:qs}${z}`,
      sd.SIMD_misc,
      g,
    );
  }
  r("SADDLP", "0q001110ss100000001010nnnnnddddd", "saddlp {Vd:qt}, {Vn:qs}", sd.ADDLP, noD);
  r("UADDLP", "0q101110ss100000001010nnnnnddddd", "uaddlp {Vd:qt}, {Vn:qs}", sd.ADDLP, noD);
  r("XTN", "00001110ss100001001010nnnnnddddd", "xtn {Vd:qs0}, {Vn:ws}", sd.XTN, noD);
  r("XTN2", "01001110ss100001001010nnnnnddddd", "xtn2 {Vd:qs1}, {Vn:ws}", sd.XTN, noD);
  for (
    const [mn, u, opc] of [
      ["suqadd", "0", "00011"],
      ["usqadd", "1", "00011"],
      ["sqabs", "0", "00111"],
      ["sqneg", "1", "00111"],
    ]
  ) {
    const M = mn.toUpperCase();
    r(
      `${M}_v`,
      `0q${u}01110ss10000${opc}10nnnnnddddd`,
      `${mn} {Vd:qs}, {Vn:qs}`,
      ar.SIMD_2misc_x,
      not1d,
    );
    r(`${M}_s`, `01${u}11110ss10000${opc}10nnnnnddddd`, `${mn} {Zd:s}, {Zn:s}`, ar.SIMD_2misc_x);
  }
  r("SADALP", "0q001110ss100000011010nnnnnddddd", "sadalp {Vd:qt}, {Vn:qs}", ar.SIMD_2misc_x, noD);
  r("UADALP", "0q101110ss100000011010nnnnnddddd", "uadalp {Vd:qt}, {Vn:qs}", ar.SIMD_2misc_x, noD);
  for (
    const [mn, u, opc] of [["sqxtun", "1", "10010"], ["sqxtn", "0", "10100"], [
      "uqxtn",
      "1",
      "10100",
    ]]
  ) {
    const M = mn.toUpperCase();
    for (const q of ["0", "1"]) {
      r(
        `${M}${q === "1" ? "2" : ""}`,
        `0${q}${u}01110ss10000${opc}10nnnnnddddd`,
        `${mn}${q === "1" ? "2" : ""} {Vd:qs${q}}, {Vn:ws}`,
        ar.SIMD_2misc_x,
        noD,
      );
    }
    r(
      `${M}_s`,
      `01${u}11110ss10000${opc}10nnnnnddddd`,
      `${mn} {Zd:s}, {Zn:s1}`,
      ar.SIMD_2misc_x,
      noD,
    );
  }
  r(
    "SHLL",
    "00101110ss100001001110nnnnnddddd",
    "shll {Vd:ws}, {Vn:qs0}, {esz}",
    ar.SIMD_2misc_x,
    noD,
  );
  r(
    "SHLL2",
    "01101110ss100001001110nnnnnddddd",
    "shll2 {Vd:ws}, {Vn:qs1}, {esz}",
    ar.SIMD_2misc_x,
    noD,
  );
  // Scalar D forms of compares with zero, ABS and NEG.
  for (
    const [mn, u, opc, z] of [
      ["cmgt", "0", "01000", ", #0"],
      ["cmge", "1", "01000", ", #0"],
      ["cmeq", "0", "01001", ", #0"],
      ["cmle", "1", "01001", ", #0"],
      ["cmlt", "0", "01010", ", #0"],
      ["abs", "0", "01011", ""],
      ["neg", "1", "01011", ""],
    ]
  ) {
    r(
      `${mn.toUpperCase()}_s${z ? "0" : ""}`,
      `01${u}111101110000${opc}10nnnnnddddd`,
      `${mn} {Dd}, {Dn}${z}`,
      ar.SIMD_2misc_x,
    );
  }

  // --- AdvSIMD across lanes ---------------------------------------------------
  const acrossOk = (f: Fields) => f.s < 2 || (f.s === 2 && f.q === 1);
  for (
    const [mn, u, opc, dst] of [
      ["saddlv", "0", "00011", "s1"],
      ["uaddlv", "1", "00011", "s1"],
      ["smaxv", "0", "01010", "s"],
      ["umaxv", "1", "01010", "s"],
      ["sminv", "0", "11010", "s"],
      ["uminv", "1", "11010", "s"],
      ["addv", "0", "11011", "s"],
    ]
  ) {
    r(
      mn.toUpperCase(),
      `0q${u}01110ss11000${opc}10nnnnnddddd`,
      `${mn} {Zd:${dst}}, {Vn:qs}`,
      sd.SIMD_across,
      acrossOk,
    );
  }

  // --- AdvSIMD shift by immediate ---------------------------------------------
  const vshift = (f: Fields) => f.h !== 0 && (f.h < 8 || f.q === 1);
  for (
    const [mn, u, opc, k] of [
      ["sshr", "0", "00000", "shr"],
      ["ssra", "0", "00010", "shr"],
      ["shl", "0", "01010", "shl"],
      ["ushr", "1", "00000", "shr"],
      ["usra", "1", "00010", "shr"],
      ["sri", "1", "01000", "shr"],
      ["sli", "1", "01010", "shl"],
    ]
  ) {
    const M = mn.toUpperCase();
    r(
      `${M}_v`,
      `0q${u}011110hhhhbbb${opc}1nnnnnddddd`,
      `${mn} {Vd:hq}, {Vn:hq}, {${k}}`,
      sd.SIMD_shift,
      vshift,
    );
    r(
      `${M}_d`,
      `01${u}111110hhhhbbb${opc}1nnnnnddddd`,
      `${mn} {Dd}, {Dn}, {${k}:64}`,
      sd.SIMD_shift,
      (f) => f.h >= 8,
    );
  }
  for (
    const [mn, u, opc, k] of [
      ["srshr", "0", "00100", "shr"],
      ["urshr", "1", "00100", "shr"],
      ["srsra", "0", "00110", "shr"],
      ["ursra", "1", "00110", "shr"],
      ["sqshlu", "1", "01100", "shl"],
      ["sqshl", "0", "01110", "shl"],
      ["uqshl", "1", "01110", "shl"],
    ]
  ) {
    const M = mn.toUpperCase(), sat = k === "shl";
    r(
      `${M}_vi`,
      `0q${u}011110hhhhbbb${opc}1nnnnnddddd`,
      `${mn} {Vd:hq}, {Vn:hq}, {${k}}`,
      ar.SIMD_shimm_x,
      vshift,
    );
    r(
      `${M}_si`,
      `01${u}111110hhhhbbb${opc}1nnnnnddddd`,
      sat ? `${mn} {Zd:h}, {Zn:h}, {${k}}` : `${mn} {Dd}, {Dn}, {${k}:64}`,
      ar.SIMD_shimm_x,
      sat ? (f) => f.h !== 0 : (f) => f.h >= 8,
    );
  }
  const narrow = (f: Fields) => f.h !== 0 && f.h < 8;
  for (
    const [mn, u, opc] of [
      ["rshrn", "0", "10001"],
      ["sqshrun", "1", "10000"],
      ["sqrshrun", "1", "10001"],
      ["sqshrn", "0", "10010"],
      ["uqshrn", "1", "10010"],
      ["sqrshrn", "0", "10011"],
      ["uqrshrn", "1", "10011"],
    ]
  ) {
    const M = mn.toUpperCase();
    for (const q of ["0", "1"]) {
      const m2 = q === "1" ? `${mn}2` : mn;
      r(
        m2.toUpperCase(),
        `0${q}${u}011110hhhhbbb${opc}1nnnnnddddd`,
        `${m2} {Vd:hq${q}}, {Vn:hw}, {shr}`,
        ar.SIMD_shimm_x,
        narrow,
      );
    }
    if (mn === "rshrn") continue;
    r(
      `${M}_s`,
      `01${u}111110hhhhbbb${opc}1nnnnnddddd`,
      `${mn} {Zd:h}, {Zn:h1}, {shr}`,
      ar.SIMD_shimm_x,
      narrow,
    );
  }
  r("SHRN", "000011110hhhhbbb100001nnnnnddddd", "shrn {Vd:hq0}, {Vn:hw}, {shr}", sd.SHRN, narrow);
  r("SHRN2", "010011110hhhhbbb100001nnnnnddddd", "shrn2 {Vd:hq1}, {Vn:hw}, {shr}", sd.SHRN, narrow);
  r("SSHLL", "000011110hhhhbbb101001nnnnnddddd", "sshll {Vd:hw}, {Vn:hq0}, {shl}", sd.SHLL, narrow);
  r(
    "SSHLL2",
    "010011110hhhhbbb101001nnnnnddddd",
    "sshll2 {Vd:hw}, {Vn:hq1}, {shl}",
    sd.SHLL,
    narrow,
  );
  r("USHLL", "001011110hhhhbbb101001nnnnnddddd", "ushll {Vd:hw}, {Vn:hq0}, {shl}", sd.SHLL, narrow);
  r(
    "USHLL2",
    "011011110hhhhbbb101001nnnnnddddd",
    "ushll2 {Vd:hw}, {Vn:hq1}, {shl}",
    sd.SHLL,
    narrow,
  );

  // --- AdvSIMD three different (long) and by element --------------------------
  for (
    const [mn, u, opc] of [
      ["saddl", "0", "0000"],
      ["uaddl", "1", "0000"],
      ["ssubl", "0", "0010"],
      ["usubl", "1", "0010"],
      ["smlal", "0", "1000"],
      ["umlal", "1", "1000"],
      ["smlsl", "0", "1010"],
      ["umlsl", "1", "1010"],
      ["smull", "0", "1100"],
      ["umull", "1", "1100"],
    ]
  ) {
    for (const q of ["0", "1"]) {
      const m2 = q === "1" ? `${mn}2` : mn;
      r(
        m2.toUpperCase(),
        `0${q}${u}01110ss1mmmmm${opc}00nnnnnddddd`,
        `${m2} {Vd:ws}, {Vn:qs${q}}, {Vm:qs${q}}`,
        sd.SIMD_long,
        noD,
      );
    }
  }
  for (
    const [mn, u, opc, kind] of [
      ["saddw", "0", "0001", "w"],
      ["uaddw", "1", "0001", "w"],
      ["ssubw", "0", "0011", "w"],
      ["usubw", "1", "0011", "w"],
      ["addhn", "0", "0100", "hn"],
      ["raddhn", "1", "0100", "hn"],
      ["sabal", "0", "0101", "l"],
      ["uabal", "1", "0101", "l"],
      ["subhn", "0", "0110", "hn"],
      ["rsubhn", "1", "0110", "hn"],
      ["sabdl", "0", "0111", "l"],
      ["uabdl", "1", "0111", "l"],
      ["sqdmlal", "0", "1001", "l"],
      ["sqdmlsl", "0", "1011", "l"],
      ["sqdmull", "0", "1101", "l"],
      ["pmull", "0", "1110", "l"],
    ]
  ) {
    // PMULL 1Q (size 11) needs FEAT_PMULL, which ID_AA64ISAR0_EL1.AES does not advertise.
    const g = mn === "pmull" ? (f: Fields) => f.s === 0 : mn.startsWith("sqd") ? hs : noD;
    for (const q of ["0", "1"]) {
      const m2 = q === "1" ? `${mn}2` : mn;
      const syn = kind === "w"
        ? `{Vd:ws}, {Vn:ws}, {Vm:qs${q}}`
        : kind === "hn"
        ? `{Vd:qs${q}}, {Vn:ws}, {Vm:ws}`
        : `{Vd:ws}, {Vn:qs${q}}, {Vm:qs${q}}`;
      r(
        m2.toUpperCase(),
        `0${q}${u}01110ss1mmmmm${opc}00nnnnnddddd`,
        `${m2} ${syn}`,
        ar.SIMD_3diff_x,
        g,
      );
    }
    if (mn.startsWith("sqd")) {
      r(
        `${mn.toUpperCase()}_s`,
        `01011110ss1mmmmm${opc}00nnnnnddddd`,
        `${mn} {Zd:s1}, {Zn:s}, {Zm:s}`,
        ar.SIMD_3diff_x,
        hs,
      );
    }
  }
  const eltOk = (f: Fields) => f.s === 1 || f.s === 2;
  for (
    const [mn, u, opc] of [
      ["smlal", "0", "0010"],
      ["umlal", "1", "0010"],
      ["sqdmlal", "0", "0011"],
      ["smlsl", "0", "0110"],
      ["umlsl", "1", "0110"],
      ["sqdmlsl", "0", "0111"],
      ["smull", "0", "1010"],
      ["umull", "1", "1010"],
      ["sqdmull", "0", "1011"],
    ]
  ) {
    for (const q of ["0", "1"]) {
      const m2 = q === "1" ? `${mn}2` : mn;
      r(
        `${m2.toUpperCase()}_elt`,
        `0${q}${u}01111ssLMmmmm${opc}H0nnnnnddddd`,
        `${m2} {Vd:ws}, {Vn:qs${q}}, {Ex:x}`,
        ar.SIMD_elt_x,
        eltOk,
      );
    }
    if (mn.startsWith("sqd")) {
      r(
        `${mn.toUpperCase()}_selt`,
        `01011111ssLMmmmm${opc}H0nnnnnddddd`,
        `${mn} {Zd:s1}, {Zn:s}, {Ex:x}`,
        ar.SIMD_elt_x,
        eltOk,
      );
    }
  }
  for (const [mn, opc] of [["sqdmulh", "1100"], ["sqrdmulh", "1101"]]) {
    const M = mn.toUpperCase();
    r(
      `${M}_elt`,
      `0q001111ssLMmmmm${opc}H0nnnnnddddd`,
      `${mn} {Vd:qs}, {Vn:qs}, {Ex:x}`,
      ar.SIMD_elt_x,
      eltOk,
    );
    r(
      `${M}_selt`,
      `01011111ssLMmmmm${opc}H0nnnnnddddd`,
      `${mn} {Zd:s}, {Zn:s}, {Ex:x}`,
      ar.SIMD_elt_x,
      eltOk,
    );
  }
  r(
    "MUL_elt",
    "0q001111ssLMmmmm1000H0nnnnnddddd",
    "mul {Vd:qs}, {Vn:qs}, {Ex:x}",
    sd.SIMD_elt,
    eltOk,
  );
  r(
    "MLA_elt",
    "0q101111ssLMmmmm0000H0nnnnnddddd",
    "mla {Vd:qs}, {Vn:qs}, {Ex:x}",
    sd.SIMD_elt,
    eltOk,
  );
  r(
    "MLS_elt",
    "0q101111ssLMmmmm0100H0nnnnnddddd",
    "mls {Vd:qs}, {Vn:qs}, {Ex:x}",
    sd.SIMD_elt,
    eltOk,
  );

  // --- FMOV (general) ----------------------------------------------------------
  r("FMOV_ws", "0001111000100111000000nnnnnddddd", "fmov {Sd}, {Wn}", sd.FMOV_gen);
  r("FMOV_sw", "0001111000100110000000nnnnnddddd", "fmov {Wd}, {Sn}", sd.FMOV_gen);
  r("FMOV_xd", "1001111001100111000000nnnnnddddd", "fmov {Dd}, {Xn}", sd.FMOV_gen);
  r("FMOV_dx", "1001111001100110000000nnnnnddddd", "fmov {Xd}, {Dn}", sd.FMOV_gen);
  r("FMOV_xv", "1001111010101111000000nnnnnddddd", "fmov {Vd:d}[1], {Xn}", sd.FMOV_gen);
  r("FMOV_vx", "1001111010101110000000nnnnnddddd", "fmov {Xd}, {Vn:d}[1]", sd.FMOV_gen);

  fp.fpRows(r);
}

/** Aliases of the SIMD&FP rows (preferred disassembly, assembler spellings). */
export function simdAliases(a: AliasAdder): void {
  const always = () => true;
  for (const [T] of FTYPES) {
    for (const mn of ["str", "ldr"]) {
      const un = mn === "str" ? "STUR" : "LDUR";
      a(`${un}_${T}`, `${mn} {${T}t}, {mems}`, always, {}, { asmOnly: true });
    }
  }
  a("ORR_v", "mov {Vd:q8}, {Vn:q8}", (f) => f.n === f.m, {}, { after: (f) => (f.m = f.n) });
  a("NOT", "mvn {Vd:q8}, {Vn:q8}", always);
  a("UMOV", "mov {Wd}, {En:i5}", (f) => lsb(f.i) === 2 && f.q === 0, { q: 0 });
  a("UMOV", "mov {Xd}, {En:i5}", (f) => lsb(f.i) === 3 && f.q === 1, { q: 1 });
  a("INS_gen", "mov {Ed:i5}, {Gn:i5}", always);
  a("INS_elt", "mov {Ed:i5}, {En:i4}", always);
  a("DUP_scalar", "mov {Zd:i5}, {En:i5}", always);
  a("SSHLL", "sxtl {Vd:hw}, {Vn:hq0}", (f) => f.b === 0 && (f.h & (f.h - 1)) === 0, {}, {
    after: (f) => (f.h = 1 << f._e, f.b = 0),
  });
  a("SSHLL2", "sxtl2 {Vd:hw}, {Vn:hq1}", (f) => f.b === 0 && (f.h & (f.h - 1)) === 0, {}, {
    after: (f) => (f.h = 1 << f._e, f.b = 0),
  });
  a("USHLL", "uxtl {Vd:hw}, {Vn:hq0}", (f) => f.b === 0 && (f.h & (f.h - 1)) === 0, {}, {
    after: (f) => (f.h = 1 << f._e, f.b = 0),
  });
  a("USHLL2", "uxtl2 {Vd:hw}, {Vn:hq1}", (f) => f.b === 0 && (f.h & (f.h - 1)) === 0, {}, {
    after: (f) => (f.h = 1 << f._e, f.b = 0),
  });
}
