/**
 * SIMD&FP state and traps through `Cpu` on small assembled programs: the
 * CPACR_EL1/CPTR_EL2 access traps (EC 0x07, routing, TGE), FPCR/FPSR
 * access and masks, V register loads/stores and the upper-bits rule, and
 * a few floating-point results.
 */

import { assertEquals } from "@std/assert";
import { Feature, RAM_BASE, RAM_OFFSET, Slot } from "../state.ts";
import { PSR, setPstate } from "./pstate.ts";
import { assemble } from "./asm.ts";
import { lastHvc, probeVectors, TestMachine } from "./_test_util.ts";

const RAM = BigInt(RAM_BASE);
const CODE = RAM + 0x8_0000n;
const VEC = RAM + 0x1_0000n;
const DATA = RAM + 0x2_0000n;
const FPEN = 3n << 20n;
/** ESR of an AArch64 SIMD&FP access trap: EC 0x07, IL, CV = 1, COND = 0b1110. */
const ESR_FP = (0x07n << 26n) | (1n << 25n) | (1n << 24n) | (0xen << 20n);

function machine(src: string, opts: ConstructorParameters<typeof TestMachine>[0] = {}) {
  const m = new TestMachine(opts);
  m.load(assemble(probeVectors(VEC), { base: VEC }));
  m.load(assemble(src, { base: CODE }));
  m.setSysreg("VBAR_EL1", VEC);
  m.setSysreg("VBAR_EL2", VEC);
  return m;
}

function v(m: TestMachine, n: number): bigint {
  return m.mm.get64(0, Slot.V0 + 2 * n) | (m.mm.get64(0, Slot.V0 + 2 * n + 1) << 64n);
}

function setV(m: TestMachine, n: number, val: bigint): void {
  m.mm.set64(0, Slot.V0 + 2 * n, val & 0xffff_ffff_ffff_ffffn);
  m.mm.set64(0, Slot.V0 + 2 * n + 1, val >> 64n);
}

Deno.test("SIMD&FP with CPACR_EL1.FPEN = 0 traps to EL1 with EC 0x07 before any effect", () => {
  const m = machine("ldr q0, [x1]\n hvc #1");
  m.setX(1, DATA);
  setV(m, 0, 5n);
  m.run();
  assertEquals(lastHvc(m), 0x200); // current EL with SPx, synchronous
  assertEquals(m.sysreg("ESR_EL1"), ESR_FP);
  assertEquals(m.sysreg("ELR_EL1"), CODE);
  assertEquals(v(m, 0), 5n);
});

Deno.test("CPACR_EL1.FPEN = 01 traps EL0 only; MRS FPCR at EL0 traps too", () => {
  const m = machine("fmov d0, x2\n mrs x3, fpcr\n hvc #1");
  m.setSysreg("CPACR_EL1", 1n << 20n);
  m.setX(2, 0x1234n);
  setPstate(m.mm, 0, PSR.EL0t);
  m.run();
  assertEquals(lastHvc(m), 0x400); // lower EL, AArch64
  assertEquals(m.sysreg("ESR_EL1"), ESR_FP);
  const k = machine("fmov d0, x2\n hvc #1");
  k.setSysreg("CPACR_EL1", 1n << 20n);
  k.setX(2, 0x1234n);
  k.run();
  assertEquals(v(k, 0), 0x1234n);
});

Deno.test("CPTR_EL2.TFP traps EL1 SIMD&FP to EL2; TGE routes an EL1-targeted trap to EL2 as EC 0", () => {
  const m = machine("movi v1.16b, #0x1\n hvc #1", { el: 2 });
  m.setSysreg("CPACR_EL1", FPEN);
  m.setSysreg("CPTR_EL2", 0x33ffn | (1n << 10n));
  setPstate(m.mm, 0, PSR.EL1h);
  m.run();
  assertEquals(lastHvc(m), 0x400);
  assertEquals(m.el, 2);
  assertEquals(m.sysreg("ESR_EL2"), ESR_FP);

  const t = machine("movi v1.16b, #0x1\n hvc #1", { el: 2, features: Feature.EL2 });
  t.setSysreg("HCR_EL2", 1n << 27n); // TGE, E2H = 0: EL0 still checks CPACR_EL1
  setPstate(t.mm, 0, PSR.EL0t);
  t.run();
  assertEquals(t.el, 2);
  assertEquals(t.sysreg("ESR_EL2") >> 26n, 0n);

  // E2H = 1: CPTR_EL2 has the CPACR layout; FPEN = 0 traps EL2 itself.
  const h = machine("movi v1.16b, #0x1\n hvc #1", { el: 2 });
  h.setSysreg("HCR_EL2", 1n << 34n);
  h.setSysreg("CPTR_EL2", 0n);
  h.run();
  assertEquals(h.sysreg("ESR_EL2"), ESR_FP);
  h.setSysreg("CPTR_EL2", FPEN);
  h.mm.set64(0, Slot.PC, CODE);
  h.run();
  assertEquals(v(h, 1), 0x0101_0101_0101_0101_0101_0101_0101_0101n);
});

Deno.test("FPCR/FPSR: MSR keeps only the implemented bits, MRS reads them back", () => {
  const m = machine(`mov x0, #-1
    msr fpcr, x0
    msr fpsr, x0
    mrs x1, fpcr
    mrs x2, fpsr
    hvc #1`);
  m.setSysreg("CPACR_EL1", FPEN);
  m.run();
  assertEquals(m.x(1), 0x07c0_0000n);
  assertEquals(m.x(2), 0x0800_009fn);
});

Deno.test("SIMD&FP loads and stores: Q pairs, lanes, LD1/ST1, upper bits zeroed", () => {
  const m = machine(`
    stp q0, q1, [x1, #-32]!
    ldr d2, [x1, #16]
    ldr b3, [x1, #31]
    ld1 {v4.16b, v5.16b}, [x1], #32
    ld1 {v6.s}[1], [x2]
    ld1r {v7.8h}, [x2]
    st1 {v4.2d}, [x1]
    ldur q8, [x1]
    hvc #1`);
  m.setSysreg("CPACR_EL1", FPEN);
  m.setX(1, DATA + 64n);
  m.setX(2, DATA + 32n);
  const a = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100n;
  const b = 0x1f1e_1d1c_1b1a_1918_1716_1514_1312_1110n;
  setV(m, 0, a);
  setV(m, 1, b);
  setV(m, 6, -1n & ((1n << 128n) - 1n));
  setV(m, 2, -1n & ((1n << 128n) - 1n));
  m.run();
  assertEquals(m.x(1), DATA + 64n);
  assertEquals(v(m, 2), b & 0xffff_ffff_ffff_ffffn);
  assertEquals(v(m, 3), 0x1fn);
  assertEquals([v(m, 4), v(m, 5)], [a, b]);
  const ones = (1n << 128n) - 1n;
  assertEquals(v(m, 6), (ones & ~(0xffff_ffffn << 32n)) | (0x0302_0100n << 32n));
  assertEquals(v(m, 7), 0x0100_0100_0100_0100_0100_0100_0100_0100n);
  assertEquals(v(m, 8), a);
});

Deno.test("scalar FP: arithmetic, conversions, compares set NZCV and FPSR", () => {
  const m = machine(`
    fmov d0, #1.5
    fmov d1, #-2.0
    fmul d2, d0, d1
    fcvtzs x3, d2
    scvtf s4, w5
    fdiv s6, s4, s4
    fcmp d0, d1
    fmov s7, #1.0
    fdiv s8, s7, s9
    mrs x10, fpsr
    hvc #1`);
  m.setSysreg("CPACR_EL1", FPEN);
  m.setX(5, 7n);
  m.run();
  assertEquals(v(m, 2), 0xc008_0000_0000_0000n); // -3.0
  assertEquals(m.x(3), 0xffff_ffff_ffff_fffdn);
  assertEquals(v(m, 4), 0x40e0_0000n); // 7.0f
  assertEquals(v(m, 6), 0x3f80_0000n);
  assertEquals(m.nzcv, 0b0010); // 1.5 > -2.0
  assertEquals(v(m, 8), 0x7f80_0000n); // 1/0 = +inf
  assertEquals(m.x(10), 0x2n); // DZC
});

Deno.test("LD1/ST1 (multiple) with the MMU off access element by element: only a misaligned element faults", () => {
  const bytes = Uint8Array.from({ length: 64 }, (_, k) => k + 1);
  const m = machine(`ld1 {v0.16b, v1.16b}, [x1]
                     st1 {v0.8h}, [x2]
                     ld1 {v2.4s}, [x3]
                     hvc #1`);
  m.setSysreg("CPACR_EL1", FPEN);
  m.write(DATA, bytes);
  m.setX(1, DATA + 1n); // bytes: any address is aligned
  m.setX(2, DATA + 0x102n); // halfwords at an even address
  m.setX(3, DATA + 2n); // words at an address that is not a multiple of 4: alignment fault
  m.run();
  const le = (from: number) =>
    bytes.slice(from, from + 16).reduceRight((a, b) => (a << 8n) | BigInt(b), 0n);
  assertEquals([v(m, 0), v(m, 1)], [le(1), le(17)]);
  const at = RAM_OFFSET + Number(DATA) - RAM_BASE + 0x102;
  assertEquals(m.mm.u8.slice(at, at + 16), bytes.slice(1, 17));
  assertEquals(m.sysreg("ESR_EL1") & 0x3fn, 0x21n, "DFSC alignment fault");
  assertEquals(m.sysreg("FAR_EL1"), DATA + 2n);
});
