/**
 * Tests of the FP arithmetic (fp.ts): hand-derived edge cases from the Arm
 * ARM pseudocode, and a differential test against qemu-aarch64 (QEMU's
 * softfloat configured for Arm): one static C program with an inline-asm case
 * per instruction reads (operation, FPCR, operands) records from stdin, runs
 * the instruction and writes the result register and FPSR; every bit and
 * every flag must match.
 *
 * The differential test is skipped (with a message) when qemu-aarch64 or
 * aarch64-linux-gnu-gcc is absent.
 */

import { assertEquals } from "@std/assert";
import {
  _setFastPaths,
  fpAbs,
  fpBinary,
  type FpBinOp,
  fpCompare,
  fpConvert,
  FPCR,
  type FpEnv,
  fpMulAdd,
  fpNeg,
  fpRecipEstimate,
  fpRecpX,
  fpRoundInt,
  fpRoundIntN,
  fpRSqrtEstimate,
  type FpSize,
  fpSqrt,
  FPSR,
  fpToInt,
  fpToInt32Js,
  intToFp,
  Rounding,
  vfpExpandImm,
} from "./fp.ts";
import { hasTool, rng, runTool, tmpDir } from "./_test_util.ts";

const hex = (x: bigint) => `0x${x.toString(16)}`;

function env(fpcr = 0): FpEnv {
  return { fpcr, fpsr: 0 };
}

/** Run `f` in a fresh env and return [result, fpsr]. */
function run<T>(fpcr: number, f: (e: FpEnv) => T): [T, number] {
  const e = env(fpcr);
  const r = f(e);
  return [r, e.fpsr];
}

const RM = (m: number) => m << FPCR.RMODE_SHIFT;

// ---------------------------------------------------------------------------
// Unit tests: values derived by hand from the Arm ARM pseudocode
// (DDI 0487, shared/functions/float/...).

Deno.test("fpBinary() add: exact zero sign follows the rounding mode (FPAdd)", () => {
  // FPAdd: result_value == 0 -> sign '1' only for FPRounding_NEGINF.
  assertEquals(run(0, (e) => fpBinary("add", 32, 0x3f800000n, 0xbf800000n, e)), [0n, 0]);
  assertEquals(
    run(RM(2), (e) => fpBinary("add", 32, 0x3f800000n, 0xbf800000n, e)),
    [0x80000000n, 0],
  );
  // -0 + -0 = -0 in every mode (zero1 && zero2 && sign1 == sign2).
  assertEquals(run(0, (e) => fpBinary("add", 64, 1n << 63n, 1n << 63n, e)), [1n << 63n, 0]);
});

Deno.test("fpBinary() NaN propagation: SNaN before QNaN, op1 first (FPProcessNaNs)", () => {
  const q1 = 0x7fc00001n, s2 = 0x7f800002n;
  // sNaN in op2 beats qNaN in op1: quieted, IOC.
  assertEquals(run(0, (e) => fpBinary("mul", 32, q1, s2, e)), [0x7fc00002n, FPSR.IOC]);
  assertEquals(run(0, (e) => fpBinary("add", 32, 0xffc00005n, 0x7fc00006n, e)), [0xffc00005n, 0]);
  // FPCR.DN: default NaN.
  assertEquals(run(FPCR.DN, (e) => fpBinary("mul", 32, q1, s2, e)), [0x7fc00000n, FPSR.IOC]);
  // inf - inf: default NaN, IOC.
  assertEquals(run(0, (e) => fpBinary("sub", 16, 0x7c00n, 0x7c00n, e)), [0x7e00n, FPSR.IOC]);
});

Deno.test("fpBinary() rounding: overflow and underflow flags (FPRoundBase)", () => {
  const max = 0x7f7fffffn;
  // max * 2 overflows: RN -> inf, RZ -> max normal; OFC + IXC either way.
  assertEquals(run(0, (e) => fpBinary("mul", 32, max, 0x40000000n, e)), [
    0x7f800000n,
    FPSR.OFC | FPSR.IXC,
  ]);
  assertEquals(run(RM(3), (e) => fpBinary("mul", 32, max, 0x40000000n, e)), [
    max,
    FPSR.OFC | FPSR.IXC,
  ]);
  // min normal / 2 = exact subnormal: tiny but exact, no UFC.
  assertEquals(run(0, (e) => fpBinary("div", 32, 0x00800000n, 0x40000000n, e)), [0x00400000n, 0]);
  // min subnormal / 2: tie, rounds to even (0), tiny and inexact: UFC + IXC.
  assertEquals(run(0, (e) => fpBinary("div", 32, 1n, 0x40000000n, e)), [
    0n,
    FPSR.UFC | FPSR.IXC,
  ]);
  // FZ: a result below the minimum normal is flushed before rounding: UFC only.
  assertEquals(run(FPCR.FZ, (e) => fpBinary("mul", 32, 0x00800000n, 0x3f7fffffn, e)), [
    0n,
    FPSR.UFC,
  ]);
  // Without FZ the same product is tiny before rounding and inexact: it rounds up to the
  // minimum normal, and UFC is still set (tininess is detected before rounding).
  assertEquals(run(0, (e) => fpBinary("mul", 32, 0x00800000n, 0x3f7fffffn, e)), [
    0x00800000n,
    FPSR.UFC | FPSR.IXC,
  ]);
  // FZ: a denormal operand reads as zero with IDC.
  assertEquals(run(FPCR.FZ, (e) => fpBinary("add", 32, 1n, 0x3f800000n, e)), [
    0x3f800000n,
    FPSR.IDC,
  ]);
  // FZ16: flushes half-precision operands without IDC (FPUnpackBase).
  assertEquals(run(FPCR.FZ16, (e) => fpBinary("add", 16, 1n, 0x3c00n, e)), [0x3c00n, 0]);
});

Deno.test("fpBinary() max/min zero signs and MaxNum/MinNum quiet NaNs", () => {
  assertEquals(run(0, (e) => fpBinary("max", 32, 0x80000000n, 0n, e)), [0n, 0]);
  assertEquals(run(0, (e) => fpBinary("min", 32, 0n, 0x80000000n, e)), [0x80000000n, 0]);
  // One quiet NaN is ignored; a signalling NaN still propagates.
  assertEquals(run(0, (e) => fpBinary("maxnm", 32, 0x7fc00000n, 0xbf800000n, e)), [0xbf800000n, 0]);
  assertEquals(run(0, (e) => fpBinary("minnm", 32, 0x7fc00000n, 0x7f800001n, e)), [
    0x7fc00001n,
    FPSR.IOC,
  ]);
});

Deno.test("fpBinary() mulx, recps, rsqrts special cases", () => {
  // FPMulX: inf * -0 = -2.0, no IOC.
  assertEquals(run(0, (e) => fpBinary("mulx", 64, 0x7ff0000000000000n, 1n << 63n, e)), [
    0xc000000000000000n,
    0,
  ]);
  // FPRecipStepFused: inf * 0 -> 2.0; 2 - 1*1 = 1.
  assertEquals(run(0, (e) => fpBinary("recps", 32, 0x7f800000n, 0n, e)), [0x40000000n, 0]);
  assertEquals(run(0, (e) => fpBinary("recps", 32, 0x3f800000n, 0x3f800000n, e)), [0x3f800000n, 0]);
  // FPRSqrtStepFused: inf * 0 -> 1.5; (3 - 1*1)/2 = 1.
  assertEquals(run(0, (e) => fpBinary("rsqrts", 16, 0x7c00n, 0n, e)), [0x3e00n, 0]);
  assertEquals(run(0, (e) => fpBinary("rsqrts", 16, 0x3c00n, 0x3c00n, e)), [0x3c00n, 0]);
  // The first operand is negated before NaN processing.
  assertEquals(run(0, (e) => fpBinary("recps", 32, 0x7fc00001n, 0n, e)), [0xffc00001n, 0]);
});

Deno.test("fpMulAdd() addend NaN rule and fused rounding (FPMulAdd, FPProcessNaNs3)", () => {
  // inf * 0 + qNaN: default NaN and IOC, even though the addend is a quiet NaN.
  assertEquals(run(0, (e) => fpMulAdd(32, 0x7fc00001n, 0x7f800000n, 0n, false, false, e)), [
    0x7fc00000n,
    FPSR.IOC,
  ]);
  // Addend NaN takes priority over op NaNs of the same kind.
  assertEquals(run(0, (e) => fpMulAdd(32, 0x7fc00003n, 0x7fc00001n, 0n, false, false, e)), [
    0x7fc00003n,
    0,
  ]);
  // Fused: (1 + 2^-23)^2 - (1 + 2^-22) = 2^-46 exactly (unfused gives 0).
  const x = 0x3f800001n;
  assertEquals(run(0, (e) => fpMulAdd(32, 0xbf800002n, x, x, false, false, e)), [0x28800000n, 0]);
  // FMSUB negates op1 before NaN processing.
  assertEquals(run(0, (e) => fpMulAdd(64, 0n, 0x7ff8000000000001n, 0n, false, true, e)), [
    0xfff8000000000001n,
    0,
  ]);
});

Deno.test("fpSqrt() and fpCompare()", () => {
  assertEquals(run(0, (e) => fpSqrt(32, 0x80000000n, e)), [0x80000000n, 0]);
  assertEquals(run(0, (e) => fpSqrt(32, 0xbf800000n, e)), [0x7fc00000n, FPSR.IOC]);
  assertEquals(run(0, (e) => fpSqrt(64, 0x4000000000000000n, e)), [0x3ff6a09e667f3bcdn, FPSR.IXC]);
  assertEquals(run(0, (e) => fpCompare(32, 0n, 0x80000000n, false, e)), [0b0110, 0]);
  assertEquals(run(0, (e) => fpCompare(32, 0xbf800000n, 0n, false, e)), [0b1000, 0]);
  assertEquals(run(0, (e) => fpCompare(32, 0x7fc00000n, 0n, false, e)), [0b0011, 0]);
  assertEquals(run(0, (e) => fpCompare(32, 0x7fc00000n, 0n, true, e)), [0b0011, FPSR.IOC]);
  assertEquals(run(0, (e) => fpCompare(16, 0x7c00n, 0x7bffn, false, e)), [0b0010, 0]);
});

Deno.test("fpConvert() NaN payloads, AHP and FZ (FPConvert)", () => {
  // sNaN single -> double: quieted, payload left-aligned, IOC.
  assertEquals(run(0, (e) => fpConvert(32, 64, 0xff800001n, e)), [0xfff8000020000000n, FPSR.IOC]);
  // double -> half drops the low payload bits.
  assertEquals(run(0, (e) => fpConvert(64, 16, 0x7ff8_0400_0000_0000n, e)), [0x7e01n, 0]);
  // AHP: NaN -> zero (IOC), infinity -> max magnitude (IOC), 65536 representable.
  assertEquals(run(FPCR.AHP, (e) => fpConvert(32, 16, 0xffc00000n, e)), [0x8000n, FPSR.IOC]);
  assertEquals(run(FPCR.AHP, (e) => fpConvert(32, 16, 0x7f800000n, e)), [0x7fffn, FPSR.IOC]);
  assertEquals(run(FPCR.AHP, (e) => fpConvert(32, 16, 0x47800000n, e)), [0x7c00n, 0]);
  assertEquals(run(FPCR.AHP, (e) => fpConvert(16, 32, 0x7c00n, e)), [0x47800000n, 0]);
  // IEEE half: 65520 rounds to infinity.
  assertEquals(run(0, (e) => fpConvert(32, 16, 0x477ff000n, e)), [
    0x7c00n,
    FPSR.OFC | FPSR.IXC,
  ]);
  // FZ16 does not apply to conversions (FPRoundCV): a half denormal results.
  assertEquals(run(FPCR.FZ16, (e) => fpConvert(32, 16, 0x33800000n, e)), [1n, 0]);
  // FZ does: double -> single tiny result flushed with UFC.
  assertEquals(run(FPCR.FZ, (e) => fpConvert(64, 32, 0x3800000000000000n, e)), [0n, FPSR.UFC]);
});

Deno.test("fpToInt() rounding, saturation and fixed point (FPToFixed)", () => {
  const f = (x: number) => BigInt(new Uint32Array(new Float32Array([x]).buffer)[0]);
  // 2.5: RN -> 2, RA -> 3, RP -> 3, RM -> 2, RZ -> 2; all inexact.
  const modes = [
    Rounding.TIEEVEN,
    Rounding.TIEAWAY,
    Rounding.POSINF,
    Rounding.NEGINF,
    Rounding.ZERO,
  ];
  assertEquals(modes.map((m) => run(0, (e) => fpToInt(32, f(2.5), 32, false, m, e))), [
    [2n, FPSR.IXC],
    [3n, FPSR.IXC],
    [3n, FPSR.IXC],
    [2n, FPSR.IXC],
    [2n, FPSR.IXC],
  ]);
  // -2.5 to unsigned: saturates to 0 with IOC (no IXC).
  assertEquals(run(0, (e) => fpToInt(32, f(-2.5), 32, true, Rounding.ZERO, e)), [0n, FPSR.IOC]);
  // -0.5 RZ to unsigned: 0, inexact but not out of range.
  assertEquals(run(0, (e) => fpToInt(32, f(-0.5), 32, true, Rounding.ZERO, e)), [0n, FPSR.IXC]);
  // 2^31 to int32 saturates; NaN -> 0 with IOC.
  assertEquals(run(0, (e) => fpToInt(32, 0x4f000000n, 32, false, Rounding.ZERO, e)), [
    0x7fffffffn,
    FPSR.IOC,
  ]);
  assertEquals(run(0, (e) => fpToInt(64, 0x7ff8000000000000n, 64, false, 0, e)), [0n, FPSR.IOC]);
  // Fixed point: 1.5 with 4 fraction bits = 24.
  assertEquals(run(0, (e) => fpToInt(32, f(1.5), 32, false, Rounding.ZERO, e, 4)), [24n, 0]);
  assertEquals(run(0, (e) => fpToInt(16, 0xbc00n, 16, false, Rounding.ZERO, e)), [0xffffn, 0]);
});

Deno.test("intToFp() rounding and fixed point (FixedToFP)", () => {
  // 2^24 + 1 to single: tie -> even (2^24), inexact.
  assertEquals(run(0, (e) => intToFp(32, 0x1000001n, 32, false, e)), [0x4b800000n, FPSR.IXC]);
  assertEquals(run(RM(1), (e) => intToFp(32, 0x1000001n, 32, false, e)), [0x4b800001n, FPSR.IXC]);
  // 0xffffffff signed is -1; unsigned is 2^32 - 1 (rounds to 2^32 in single).
  assertEquals(run(0, (e) => intToFp(64, 0xffffffffn, 32, false, e)), [0xbff0000000000000n, 0]);
  assertEquals(run(0, (e) => intToFp(32, 0xffffffffn, 32, true, e)), [0x4f800000n, FPSR.IXC]);
  // Fixed point: 3 with 1 fraction bit = 1.5.
  assertEquals(run(0, (e) => intToFp(16, 3n, 32, false, e, 1)), [0x3e00n, 0]);
  // uint16 65535 overflows half precision: infinity.
  assertEquals(run(0, (e) => intToFp(16, 0xffffn, 16, true, e)), [0x7c00n, FPSR.OFC | FPSR.IXC]);
});

Deno.test("fpRoundInt() modes, FRINTX inexact and zero signs (FPRoundInt)", () => {
  const m15 = 0xbfc00000n; // -1.5
  assertEquals(run(0, (e) => fpRoundInt(32, m15, Rounding.TIEEVEN, false, e)), [0xc0000000n, 0]);
  assertEquals(run(0, (e) => fpRoundInt(32, m15, Rounding.ZERO, false, e)), [0xbf800000n, 0]);
  assertEquals(run(0, (e) => fpRoundInt(32, m15, Rounding.TIEAWAY, true, e)), [
    0xc0000000n,
    FPSR.IXC,
  ]);
  // -0.25 rounds to -0 (the operand's sign).
  assertEquals(run(0, (e) => fpRoundInt(32, 0xbe800000n, Rounding.TIEEVEN, true, e)), [
    0x80000000n,
    FPSR.IXC,
  ]);
  // FRINTI uses FPCR.RMode.
  assertEquals(run(RM(1), (e) => fpRoundInt(16, 0x3800n, Rounding.FPCR, false, e)), [0x3c00n, 0]);
});

Deno.test("fpRecipEstimate() / fpRSqrtEstimate() / fpRecpX() (RecipEstimate tables)", () => {
  // RecipEstimate(256) = (2^19 DIV 513 + 1) DIV 2 = 511: 1.0 -> 0x3f7f8000.
  assertEquals(run(0, (e) => fpRecipEstimate(32, 0x3f800000n, e)), [0x3f7f8000n, 0]);
  assertEquals(run(0, (e) => fpRecipEstimate(64, 0n, e)), [0x7ff0000000000000n, FPSR.DZC]);
  // |x| < 2^-128: overflow, RZ gives max normal.
  assertEquals(run(RM(3), (e) => fpRecipEstimate(32, 0x00100000n, e)), [
    0x7f7fffffn,
    FPSR.OFC | FPSR.IXC,
  ]);
  // FZ with |x| >= 2^126: flushed result, UFC.
  assertEquals(run(FPCR.FZ, (e) => fpRecipEstimate(32, 0x7e800000n, e)), [0n, FPSR.UFC]);
  // RecipSqrtEstimate(128) = 511: 4.0 -> 0.4990234375.
  assertEquals(run(0, (e) => fpRSqrtEstimate(32, 0x40800000n, e)), [0x3eff8000n, 0]);
  assertEquals(run(0, (e) => fpRSqrtEstimate(32, 0xbf800000n, e)), [0x7fc00000n, FPSR.IOC]);
  assertEquals(run(0, (e) => fpRecpX(32, 0x40400000n, e)), [0x3f800000n, 0]); // 3.0 -> 1.0
  assertEquals(run(0, (e) => fpRecpX(16, 0x8001n, e)), [0xf800n, 0]);
});

Deno.test("fpRoundIntN() and fpToInt32Js() (FEAT_FRINTTS FPRoundIntN, FEAT_JSCVT FPToFixedJS)", () => {
  // FRINT32Z of 2^31: out of range -> -2^31 as FP with IOC; -2.5 -> -2 inexact.
  assertEquals(run(0, (e) => fpRoundIntN(32, 0x4f000000n, 32, Rounding.ZERO, e)), [
    0xcf000000n,
    FPSR.IOC,
  ]);
  assertEquals(run(0, (e) => fpRoundIntN(64, 0xc004000000000000n, 32, Rounding.ZERO, e)), [
    0xc000000000000000n,
    FPSR.IXC,
  ]);
  // NaN -> -2^63 for FRINT64.
  assertEquals(run(0, (e) => fpRoundIntN(64, 0x7ff8000000000000n, 64, Rounding.FPCR, e)), [
    0xc3e0000000000000n,
    FPSR.IOC,
  ]);
  // FJCVTZS: modulo 2^32, Z only when exact and in range.
  // 2^32 + 256: out of range (IOC, Z clear), the result is taken modulo 2^32.
  assertEquals(run(0, (e) => fpToInt32Js(0x41f0000010000000n, e)), [[0x100n, 0], FPSR.IOC]);
  assertEquals(run(0, (e) => fpToInt32Js(0xc000000000000000n, e)), [[0xfffffffen, 0b0100], 0]);
  assertEquals(run(0, (e) => fpToInt32Js(0x8000000000000000n, e)), [[0n, 0], 0]); // -0: Z clear
  assertEquals(run(0, (e) => fpToInt32Js(0x3ff8000000000000n, e)), [[1n, 0], FPSR.IXC]);
  // A positive denormal flushed by FZ: value 0.0 but not exact, Z clear.
  assertEquals(run(FPCR.FZ, (e) => fpToInt32Js(1n, e)), [[0n, 0], FPSR.IDC]);
});

Deno.test("vfpExpandImm(), fpAbs(), fpNeg()", () => {
  assertEquals(vfpExpandImm(32, 0x70), 0x3f800000n); // 1.0
  assertEquals(vfpExpandImm(64, 0x00), 0x4000000000000000n); // 2.0
  assertEquals(vfpExpandImm(16, 0xff), 0xbfc0n); // -1.9375
  assertEquals(fpAbs(32, 0xffc00000n), 0x7fc00000n);
  assertEquals(fpNeg(64, 0n), 1n << 63n);
});

Deno.test("fast paths (JS doubles) agree with the exact bigint paths", () => {
  // Random normal f32/f64 operands over the whole exponent range, every rounding mode:
  // results and flags must be identical with and without the fast paths.
  const r = rng(0xfa57);
  const bad: string[] = [];
  const check = (name: string, f: (e: FpEnv) => bigint | number, fpcr: number) => {
    _setFastPaths(true);
    const [x, fx] = run(fpcr, f);
    _setFastPaths(false);
    const [y, fy] = run(fpcr, f);
    _setFastPaths(true);
    if (x !== y || fx !== fy) bad.push(`${name} [${fpcr.toString(16)}]: ${x}/${fx} vs ${y}/${fy}`);
  };
  for (let i = 0; i < 3000; i++) {
    const fpcr = RM(r() % 4) | (r() & 1 ? FPCR.FZ : 0);
    for (const s of [32, 64] as const) {
      const a = randFp(s, r, r() % 3 ? undefined : 40),
        b = r() & 1 ? randFp(s, r) : related(s, a, r);
      const tag = `${s} ${hex(a)} ${hex(b)}`;
      for (const op of ["add", "sub", "mul", "div"] as const) {
        check(`${op} ${tag}`, (e) => fpBinary(op, s, a, b, e), fpcr);
      }
      check(`sqrt ${tag}`, (e) => fpSqrt(s, a, e), fpcr);
      check(`cmp ${tag}`, (e) => fpCompare(s, a, b, false, e), fpcr);
      check(`cvt ${tag}`, (e) => fpConvert(s, s === 32 ? 64 : 32, a, e), fpcr);
      const fb = r() % 3 ? 0 : r() % 65, m1 = r() % 5, m2 = r() % 5;
      check(`toint ${tag} #${fb}`, (e) => fpToInt(s, a, 64, false, m1, e, fb), fpcr);
      check(`touint32 ${tag} #${fb}`, (e) => fpToInt(s, a, 32, true, m2, e, fb), fpcr);
      const n = randInt(64, r);
      check(`scvtf ${tag} ${hex(n)} #${fb}`, (e) => intToFp(s, n, 64, false, e, fb), fpcr);
    }
  }
  assertEquals(bad.slice(0, 20), []);
});

// ---------------------------------------------------------------------------
// Differential test against qemu-aarch64.

const hasQemu = hasTool("qemu-aarch64");
const hasGcc = hasTool("aarch64-linux-gnu-gcc");
const diffIgnore = !hasQemu || !hasGcc;
if (diffIgnore) {
  console.log(
    "fp_test: qemu-aarch64 or aarch64-linux-gnu-gcc not found, FP differential tests skipped",
  );
}

type OperandKind = "fp" | "int";

interface Op {
  name: string;
  /** Instruction text: operands in d0/d1/d2 (and x9 = first operand); result in d0. */
  insn: string;
  size: FpSize;
  /** Operand count and kind. */
  arity: 1 | 2 | 3;
  kind: OperandKind;
  /** Bits of an integer operand. */
  intBits?: number;
  /** Generator hint: the integer range an fp operand should land near. */
  toIntBits?: number;
  /** Compare only these low result bits (a QEMU deviation, see where it is set). */
  compareBits?: number;
  /** Correct QEMU's answer where QEMU 7.2 deviates from the Arm ARM (see where it is set). */
  fixQemu?: (c: Case, r: bigint) => bigint;
  ref: (a: bigint, b: bigint, c: bigint, e: FpEnv) => bigint;
}

const R = (s: FpSize) => (s === 16 ? "h" : s === 32 ? "s" : "d");
const SIZES: FpSize[] = [16, 32, 64];

function ops(): Op[] {
  const list: Op[] = [];
  const bin: [FpBinOp, string][] = [
    ["add", "fadd"],
    ["sub", "fsub"],
    ["mul", "fmul"],
    ["div", "fdiv"],
    ["max", "fmax"],
    ["min", "fmin"],
    ["maxnm", "fmaxnm"],
    ["minnm", "fminnm"],
    ["mulx", "fmulx"],
    ["nmul", "fnmul"],
    ["abd", "fabd"],
    ["recps", "frecps"],
    ["rsqrts", "frsqrts"],
  ];
  for (const s of SIZES) {
    const r = R(s);
    for (const [op, mn] of bin) {
      list.push({
        name: `${mn} ${r}`,
        insn: `${mn} ${r}0, ${r}0, ${r}1`,
        size: s,
        arity: 2,
        kind: "fp",
        ref: (a, b, _c, e) => fpBinary(op, s, a, b, e),
      });
    }
    const fma: [string, boolean, boolean][] = [
      ["fmadd", false, false],
      ["fmsub", false, true],
      ["fnmadd", true, true],
      ["fnmsub", true, false],
    ];
    for (const [mn, na, np] of fma) {
      list.push({
        name: `${mn} ${r}`,
        insn: `${mn} ${r}0, ${r}0, ${r}1, ${r}2`,
        size: s,
        arity: 3,
        kind: "fp",
        ref: (a, b, c, e) => fpMulAdd(s, c, a, b, na, np, e),
      });
    }
    const un: [string, (a: bigint, e: FpEnv) => bigint][] = [
      ["fsqrt", (a, e) => fpSqrt(s, a, e)],
      ["frecpe", (a, e) => fpRecipEstimate(s, a, e)],
      ["frsqrte", (a, e) => fpRSqrtEstimate(s, a, e)],
      ["frecpx", (a, e) => fpRecpX(s, a, e)],
      ["fabs", (a) => fpAbs(s, a)],
      ["fneg", (a) => fpNeg(s, a)],
      ["frintn", (a, e) => fpRoundInt(s, a, Rounding.TIEEVEN, false, e)],
      ["frintp", (a, e) => fpRoundInt(s, a, Rounding.POSINF, false, e)],
      ["frintm", (a, e) => fpRoundInt(s, a, Rounding.NEGINF, false, e)],
      ["frintz", (a, e) => fpRoundInt(s, a, Rounding.ZERO, false, e)],
      ["frinta", (a, e) => fpRoundInt(s, a, Rounding.TIEAWAY, false, e)],
      ["frinti", (a, e) => fpRoundInt(s, a, Rounding.FPCR, false, e)],
      ["frintx", (a, e) => fpRoundInt(s, a, Rounding.FPCR, true, e)],
    ];
    for (const [mn, f] of un) {
      list.push({
        name: `${mn} ${r}`,
        insn: `${mn} ${r}0, ${r}0`,
        size: s,
        arity: 1,
        kind: "fp",
        toIntBits: mn.startsWith("frint") ? s - 1 : undefined,
        ref: (a, _b, _c, e) => f(a, e),
      });
    }
    for (const signal of [false, true]) {
      list.push({
        name: `fcmp${signal ? "e" : ""} ${r}`,
        insn: `fcmp${signal ? "e" : ""} ${r}0, ${r}1\n\tmrs x9, nzcv\n\tfmov d0, x9`,
        size: s,
        arity: 2,
        kind: "fp",
        ref: (a, b, _c, e) => BigInt(fpCompare(s, a, b, signal, e)) << 28n,
      });
    }
    for (const t of SIZES) {
      if (t === s) continue;
      list.push({
        name: `fcvt ${R(t)} <- ${r}`,
        insn: `fcvt ${R(t)}0, ${r}0`,
        size: s,
        arity: 1,
        kind: "fp",
        ref: (a, _b, _c, e) => fpConvert(s, t, a, e),
      });
    }
    if (s !== 16) {
      for (const ib of [32, 64] as const) {
        for (const [x, mode] of [["z", Rounding.ZERO], ["x", Rounding.FPCR]] as const) {
          list.push({
            name: `frint${ib}${x} ${r}`,
            insn: `frint${ib}${x} ${r}0, ${r}0`,
            size: s,
            arity: 1,
            kind: "fp",
            toIntBits: ib,
            ref: (a, _b, _c, e) => fpRoundIntN(s, a, ib, mode, e),
          });
        }
      }
    }
    if (s === 64) {
      list.push({
        name: "fjcvtzs",
        insn: "fjcvtzs w9, d0\n\tmrs x10, nzcv\n\torr x9, x9, x10, lsl #4\n\tfmov d0, x9",
        size: s,
        arity: 1,
        kind: "fp",
        toIntBits: 32,
        // FPToFixedJS clears Z for a positive denormal flushed by FZ (value 0.0 with a
        // nonzero fraction); QEMU 7.2 sets it (fixed upstream in 2024, "target/arm: Fix
        // FJCVTZS vs flush-to-zero").
        fixQemu: (c, r) =>
          c.fpcr & FPCR.FZ && c.a >> 52n === 0n && (c.a & 0xf_ffff_ffff_ffffn) !== 0n
            ? r & ~(1n << 34n)
            : r,
        ref: (a, _b, _c, e) => {
          const [v, nzcv] = fpToInt32Js(a, e);
          return v | (BigInt(nzcv) << 32n);
        },
      });
    }
    // FP -> integer, general registers and SIMD scalar (same width).
    const modes: [string, number][] = [
      ["n", Rounding.TIEEVEN],
      ["p", Rounding.POSINF],
      ["m", Rounding.NEGINF],
      ["z", Rounding.ZERO],
      ["a", Rounding.TIEAWAY],
    ];
    for (const [mc, mode] of modes) {
      for (const u of [false, true]) {
        const mn = `fcvt${mc}${u ? "u" : "s"}`;
        for (const ib of [32, 64] as const) {
          list.push({
            name: `${mn} ${ib === 32 ? "w" : "x"} <- ${r}`,
            insn: `${mn} ${ib === 32 ? "w" : "x"}9, ${r}0\n\tfmov d0, x9`,
            size: s,
            arity: 1,
            kind: "fp",
            toIntBits: ib,
            ref: (a, _b, _c, e) => fpToInt(s, a, ib, u, mode, e),
          });
        }
        list.push({
          name: `${mn} ${r} <- ${r}`,
          insn: `${mn} ${r}0, ${r}0`,
          size: s,
          arity: 1,
          kind: "fp",
          toIntBits: s,
          ref: (a, _b, _c, e) => fpToInt(s, a, s, u, mode, e),
        });
      }
    }
    // Fixed point and integer -> FP.
    for (const u of [false, true]) {
      const to = `fcvtz${u ? "u" : "s"}`, from = `${u ? "u" : "s"}cvtf`;
      for (const ib of [32, 64] as const) {
        const rr = ib === 32 ? "w" : "x";
        const fbs = ib === 32 ? [0, 1, 5, 16, 31, 32] : [0, 1, 12, 32, 52, 63, 64];
        for (const fb of fbs) {
          const imm = fb ? `, #${fb}` : "";
          list.push({
            name: `${to} ${rr} <- ${r} #${fb}`,
            insn: `${to} ${rr}9, ${r}0${imm}\n\tfmov d0, x9`,
            size: s,
            arity: 1,
            kind: "fp",
            toIntBits: ib - fb,
            ref: (a, _b, _c, e) => fpToInt(s, a, ib, u, Rounding.ZERO, e, fb),
          });
          list.push({
            name: `${from} ${r} <- ${rr} #${fb}`,
            insn: `${from} ${r}0, ${rr}9${imm}`,
            size: s,
            arity: 1,
            kind: "int",
            intBits: ib,
            ref: (a, _b, _c, e) => intToFp(s, a, ib, u, e, fb),
          });
        }
      }
      for (const fb of [0, 1, s / 2, s]) {
        const imm = fb ? `, #${fb}` : "";
        list.push({
          name: `${to} ${r} <- ${r} #${fb}`,
          insn: `${to} ${r}0, ${r}0${imm}`,
          size: s,
          arity: 1,
          kind: "fp",
          toIntBits: s - fb,
          // QEMU 7.2 writes FCVTZ{S,U} Hd, Hn, #fbits as a sign-extended 32-bit element;
          // the Arm ARM writes 16 bits and zeroes the rest of the vector register.
          compareBits: s === 16 && fb ? 16 : undefined,
          ref: (a, _b, _c, e) => fpToInt(s, a, s, u, Rounding.ZERO, e, fb),
        });
        list.push({
          name: `${from} ${r} <- ${r} #${fb}`,
          insn: `${from} ${r}0, ${r}0${imm}`,
          size: s,
          arity: 1,
          kind: "int",
          intBits: s,
          ref: (a, _b, _c, e) => intToFp(s, a, s, u, e, fb),
        });
      }
    }
  }
  return list;
}

/** FMOV (scalar, immediate) encoding: ftype 00 single, 01 double, 11 half. */
function fmovImm(size: FpSize, imm8: number): number {
  const ftype = size === 32 ? 0 : size === 64 ? 1 : 3;
  return (0x1e201000 | (ftype << 22) | (imm8 << 13)) >>> 0;
}

/** The C test program: fixed FMOV immediates first, then one record per stdin case. */
function cProgram(list: Op[]): string {
  const cases = list.map((op, k) => `    case ${k}: OP(${JSON.stringify(op.insn)}); break;`);
  const imms: string[] = [];
  for (const s of SIZES) {
    for (let i = 0; i < 256; i++) {
      imms.push(
        `".inst 0x${fmovImm(s, i).toString(16)}\\n\\tfmov x10, d0\\n\\tstr x10, [%0], #8\\n\\t"`,
      );
    }
  }
  return `#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
struct in { uint32_t op, fpcr; uint64_t a, b, c; };
struct out { uint64_t r, fpsr; };
#define OP(INSN) asm volatile( \\
  "msr fpcr, %[cr]\\n\\tmsr fpsr, xzr\\n\\tfmov d0, %[a]\\n\\tfmov d1, %[b]\\n\\tfmov d2, %[c]\\n\\t" \\
  "mov x9, %[a]\\n\\t" INSN "\\n\\tmrs %[sr], fpsr\\n\\tfmov %[r], d0\\n\\tmsr fpcr, xzr" \\
  : [r] "=&r"(r), [sr] "=&r"(sr) : [cr] "r"(cr), [a] "r"(a), [b] "r"(b), [c] "r"(c) \\
  : "x9", "x10", "v0", "v1", "v2", "cc", "memory")
static void wr(const void *p, size_t n) {
  const char *q = p;
  while (n) { ssize_t k = write(1, q, n); if (k <= 0) exit(2); q += k; n -= k; }
}
int main(void) {
  static uint64_t imm[${imms.length}];
  uint64_t *ip = imm;
  asm volatile(${imms.join("\n    ")} : "+r"(ip) : : "x10", "v0", "memory");
  wr(imm, sizeof imm);
  size_t cap = 1 << 20, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (len == cap) buf = realloc(buf, cap *= 2);
    ssize_t k = read(0, buf + len, cap - len);
    if (k < 0) return 3;
    if (k == 0) break;
    len += k;
  }
  size_t n = len / sizeof(struct in);
  struct in *in = (struct in *)buf;
  struct out *out = malloc(n * sizeof(struct out) + 1);
  for (size_t i = 0; i < n; i++) {
    uint64_t r = 0, sr = 0, cr = in[i].fpcr, a = in[i].a, b = in[i].b, c = in[i].c;
    switch (in[i].op) {
${cases.join("\n")}
    default: return 4;
    }
    out[i].r = r;
    out[i].fpsr = sr;
  }
  wr(out, n * sizeof(struct out));
  return 0;
}
`;
}

// --- Operand generation, biased toward edge cases.

interface Fmt {
  e: number;
  f: number;
  bias: number;
}
const FMTS: Record<FpSize, Fmt> = {
  16: { e: 5, f: 10, bias: 15 },
  32: { e: 8, f: 23, bias: 127 },
  64: { e: 11, f: 52, bias: 1023 },
};

function rand64(r: () => number): bigint {
  return (BigInt(r()) << 32n) | BigInt(r());
}

function pack(s: FpSize, sign: number, exp: number, frac: bigint): bigint {
  const F = FMTS[s];
  return (BigInt(sign) << BigInt(s - 1)) | (BigInt(exp) << BigInt(F.f)) |
    (frac & ((1n << BigInt(F.f)) - 1n));
}

function randFrac(s: FpSize, r: () => number): bigint {
  const F = FMTS[s];
  const full = (1n << BigInt(F.f)) - 1n;
  switch (r() % 6) {
    case 0:
      return 0n;
    case 1:
      return full;
    case 2:
      return 1n << BigInt(r() % F.f);
    case 3: // a run of low bits cleared: exact-ish values
      return rand64(r) & full & ~((1n << BigInt(r() % F.f)) - 1n);
    default:
      return rand64(r) & full;
  }
}

/** A random operand of size s; `near` biases it toward magnitudes around 2^near. */
function randFp(s: FpSize, r: () => number, near?: number): bigint {
  const F = FMTS[s];
  const emax = (1 << F.e) - 1;
  const sign = r() & 1;
  const k = r() % 32;
  const full = (1n << BigInt(F.f)) - 1n;
  const quiet = 1n << BigInt(F.f - 1);
  if (k === 0) return pack(s, sign, 0, 0n);
  if (k === 1) return pack(s, sign, 0, r() & 1 ? randFrac(s, r) || 1n : r() & 1 ? 1n : full);
  if (k === 2) return pack(s, sign, emax, 0n);
  if (k === 3) return pack(s, sign, emax, quiet | (r() & 1 ? 0n : rand64(r) & full));
  if (k === 4) return pack(s, sign, emax, (rand64(r) & (quiet - 1n)) || 1n);
  if (k === 5) return pack(s, sign, r() & 1 ? emax - 1 : 1, r() & 1 ? full : randFrac(s, r));
  if (k === 6) return pack(s, sign, F.bias + (r() % 3) - 1, r() % 3 ? 0n : quiet);
  if (k < 9) return rand64(r) & ((1n << BigInt(s)) - 1n);
  if (k < 11) return pack(s, sign, 1 + (r() % (F.f + 3)), randFrac(s, r)); // near underflow
  if (k < 13) return pack(s, sign, emax - 1 - (r() % 4), randFrac(s, r)); // near overflow
  if (near !== undefined && k < 24) {
    // Near an integer boundary: 2^(near +- 2), or small values with halves.
    const mag = r() & 1 ? near - 2 + (r() % 5) : (r() % (F.f + 4)) - 2;
    const exp = F.bias + mag;
    if (exp >= 1 && exp < emax) {
      let frac = randFrac(s, r);
      const intBits = mag; // fraction bits above the binary point
      if (intBits >= 0 && intBits < F.f && r() & 1) {
        const low = BigInt(F.f - intBits);
        const half = 1n << (low - 1n);
        const pick = [0n, half, half - 1n, half + 1n, (1n << low) - 1n][r() % 5];
        frac = (frac & ~((1n << low) - 1n)) | pick;
      }
      return pack(s, sign, exp, frac);
    }
  }
  // Ordinary values near 1.
  const exp = F.bias + (r() % (2 * F.f + 8)) - (F.f + 4);
  return pack(s, sign, Math.max(1, Math.min(emax - 1, exp)), randFrac(s, r));
}

function randInt(bits: number, r: () => number): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  const k = r() % 8;
  if (k === 0) return BigInt(r() % 17) - 8n & mask;
  if (k === 1) return [0n, mask, mask >> 1n, (mask >> 1n) + 1n][r() % 4];
  if (k === 2 || k === 3) {
    // +-2^p + small: ties and near-ties for every precision.
    const p = BigInt(r() % bits);
    const v = (1n << p) + BigInt(r() % 9) - 4n;
    return (r() & 1 ? -v : v) & mask;
  }
  if (k === 4) {
    // A run of p significant bits: exact in some formats, not others.
    const p = 1 + (r() % 60);
    return (rand64(r) >> BigInt(64 - p)) << BigInt(r() % bits) & mask;
  }
  return rand64(r) & mask;
}

/** A second operand related to the first: equal, negated, neighbour, or same magnitude. */
function related(s: FpSize, a: bigint, r: () => number): bigint {
  const mask = (1n << BigInt(s)) - 1n;
  switch (r() % 4) {
    case 0:
      return a;
    case 1:
      return a ^ (1n << BigInt(s - 1));
    case 2:
      return (a + BigInt(r() % 5) - 2n) & mask;
    default:
      return (a ^ (1n << BigInt(s - 1))) + BigInt(r() % 3) - 1n & mask;
  }
}

interface Case {
  op: number;
  fpcr: number;
  a: bigint;
  b: bigint;
  c: bigint;
}

function randFpcr(r: () => number): number {
  let cr = RM(r() % 4);
  if (r() % 3 === 0) cr |= FPCR.FZ;
  if (r() % 3 === 0) cr |= FPCR.FZ16;
  if (r() % 4 === 0) cr |= FPCR.DN;
  if (r() % 4 === 0) cr |= FPCR.AHP;
  return cr;
}

function genCases(list: Op[], seed: number, scale: number): Case[] {
  const r = rng(seed);
  const cases: Case[] = [];
  list.forEach((op, k) => {
    const n = Math.round((op.arity > 1 ? 800 : op.kind === "int" ? 150 : 250) * scale);
    for (let i = 0; i < n; i++) {
      const fpcr = randFpcr(r);
      if (op.kind === "int") {
        cases.push({ op: k, fpcr, a: randInt(op.intBits!, r), b: 0n, c: 0n });
        continue;
      }
      let a = randFp(op.size, r, op.toIntBits);
      let b = r() % 4 === 0 ? related(op.size, a, r) : randFp(op.size, r);
      let c = randFp(op.size, r);
      if (op.arity > 1 && r() % 8 === 0) {
        // Results near the bottom of the normal range: exponents summing (or differing) to
        // about the minimum exponent.
        const F = FMTS[op.size];
        const ea = Number((a >> BigInt(F.f)) & BigInt((1 << F.e) - 1));
        const eb = op.name.startsWith("fdiv")
          ? ea + F.bias - 2 + (r() % 4)
          : 2 * F.bias - ea + 1 - (r() % 4);
        if (eb >= 1 && eb < (1 << F.e) - 1) b = pack(op.size, r() & 1, eb, randFrac(op.size, r));
      }
      if (op.arity === 3 && r() % 16 === 0) {
        // inf * 0 with a NaN addend (FPMulAdd's default-NaN rule).
        const F = FMTS[op.size];
        const inf = pack(op.size, r() & 1, (1 << F.e) - 1, 0n), z = pack(op.size, r() & 1, 0, 0n);
        [a, b] = r() & 1 ? [inf, z] : [z, inf];
        c = pack(op.size, r() & 1, (1 << F.e) - 1, (1n << BigInt(F.f - 1 - (r() & 1))) | 1n);
      }
      if (op.arity === 3 && r() % 3 === 0) {
        // Addend cancelling the product: big cancellations in the fused sum.
        const p = fpBinary("mul", op.size, a, b, env(RM(r() % 4)));
        c = related(op.size, p, r);
      }
      if (op.name.startsWith("fcmp") && r() % 5 === 0) b = 0n;
      cases.push({ op: k, fpcr, a, b, c });
    }
  });
  return cases;
}

function buildProgram(list: Op[], dir: string): string {
  const src = `${dir}/fp.c`, exe = `${dir}/fp`;
  Deno.writeTextFileSync(src, cProgram(list));
  runTool("aarch64-linux-gnu-gcc", [
    "-static",
    "-O1",
    "-march=armv8.5-a+fp16",
    "-o",
    exe,
    src,
  ]);
  return exe;
}

async function runQemu(exe: string, cases: Case[]) {
  const inp = new Uint8Array(cases.length * 32);
  const v = new DataView(inp.buffer);
  cases.forEach((c, k) => {
    v.setUint32(k * 32, c.op, true);
    v.setUint32(k * 32 + 4, c.fpcr, true);
    v.setBigUint64(k * 32 + 8, c.a, true);
    v.setBigUint64(k * 32 + 16, c.b, true);
    v.setBigUint64(k * 32 + 24, c.c, true);
  });
  const p = new Deno.Command("qemu-aarch64", {
    args: [exe],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(inp);
  await w.close();
  const o = await p.output();
  if (!o.success) {
    throw new Error(`qemu-aarch64 failed: ${o.code} ${new TextDecoder().decode(o.stderr)}`);
  }
  const d = new DataView(o.stdout.buffer, o.stdout.byteOffset, o.stdout.byteLength);
  const nImm = 3 * 256;
  const imm = Array.from({ length: nImm }, (_, k) => d.getBigUint64(k * 8, true));
  const out = cases.map((_, k): [bigint, number] => [
    d.getBigUint64(nImm * 8 + k * 16, true),
    Number(d.getBigUint64(nImm * 8 + k * 16 + 8, true)),
  ]);
  return { imm, out };
}

const FLAG_NAMES: [number, string][] = [
  [FPSR.IOC, "IOC"],
  [FPSR.DZC, "DZC"],
  [FPSR.OFC, "OFC"],
  [FPSR.UFC, "UFC"],
  [FPSR.IXC, "IXC"],
  [FPSR.IDC, "IDC"],
];
const flagText = (f: number) =>
  FLAG_NAMES.filter(([b]) => f & b).map(([, n]) => n).join("|") || "-";
const fpcrText = (cr: number) =>
  `RM${(cr >> 22) & 3}${cr & FPCR.FZ ? " FZ" : ""}${cr & FPCR.FZ16 ? " FZ16" : ""}${
    cr & FPCR.DN ? " DN" : ""
  }${cr & FPCR.AHP ? " AHP" : ""}`;

Deno.test({
  name: "fp differential: every operation, precision, rounding mode, FZ/DN/AHP vs qemu-aarch64",
  ignore: diffIgnore,
  async fn() {
    const list = ops();
    const dir = tmpDir();
    try {
      const exe = buildProgram(list, dir);
      const cases = genCases(list, 0x5eed_f00d, 1);
      const q = await runQemu(exe, cases);
      const bad: string[] = [];
      // FMOV immediates.
      SIZES.forEach((s, i) => {
        for (let k = 0; k < 256; k++) {
          const want = q.imm[i * 256 + k], got = vfpExpandImm(s, k);
          if (want !== got) bad.push(`fmov ${R(s)} #imm8=${k}: ${hex(got)}, qemu ${hex(want)}`);
        }
      });
      const perOp = new Map<string, number>();
      for (const fast of [true, false]) {
        _setFastPaths(fast);
        const tag = fast ? "" : " (no fast paths)";
        cases.forEach((c, k) => {
          const op = list[c.op];
          const e = env(c.fpcr);
          let got: bigint;
          try {
            got = op.ref(c.a, c.b, c.c, e);
          } catch (err) {
            bad.push(`${op.name} ${hex(c.a)} ${hex(c.b)} ${hex(c.c)}: threw ${err}`);
            return;
          }
          const [raw, wantSr] = q.out[k];
          const fixed = op.fixQemu ? op.fixQemu(c, raw) : raw;
          const want = op.compareBits ? BigInt.asUintN(op.compareBits, fixed) : fixed;
          const sr = wantSr & 0x9f;
          if (got !== want || e.fpsr !== sr) {
            perOp.set(op.name + tag, (perOp.get(op.name + tag) ?? 0) + 1);
            if (bad.length < 40) {
              bad.push(
                `${op.name}${tag} [${fpcrText(c.fpcr)}] a=${hex(c.a)} b=${hex(c.b)} c=${
                  hex(c.c)
                }: ${hex(got)} ${flagText(e.fpsr)}, qemu ${hex(want)} ${flagText(sr)}`,
              );
            }
          }
        });
      }
      _setFastPaths(true);
      if (perOp.size) bad.push(`mismatches per op: ${JSON.stringify(Object.fromEntries(perOp))}`);
      assertEquals(bad, [], `${cases.length} cases`);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
