/**
 * Differential execution of the SIMD&FP data-processing rows against QEMU
 * user mode: random valid encodings of every AdvSIMD and floating-point row
 * (table_simd.ts, exec_fp.ts; loads and stores are covered by
 * fpsimd_test.ts), run on hvsh and on `qemu-aarch64` from identical random
 * X0..X30, V0..V31, NZCV, FPSR and FPCR (rounding mode, FZ, DN); every one
 * of them must match afterwards. One static ELF per batch, built from
 * instruction words our assembler encoded (_test_util.ts runQemuRecords).
 *
 * Skipped (with a message) when qemu-aarch64 is not installed.
 */

import { assertEquals } from "@std/assert";
import { RAM_BASE, Slot } from "../state.ts";
import { disassemble } from "./disasm.ts";
import { type Row, ROW_BY_NAME, ROWS } from "./table.ts";
import { enc, hasTool, randomWords, rng, runQemuRecords, TestMachine } from "./_test_util.ts";

const hasQemu = hasTool("qemu-aarch64");
if (!hasQemu) {
  console.log("qemu_simd_diff_test: qemu-aarch64 not found, SIMD&FP differential tests skipped");
}

/** Interesting 64-bit lane patterns: FP specials (single pairs and doubles) and integer edges. */
const EDGES = [
  0n,
  0x8000_0000_8000_0000n, // -0.0f x2
  0x3f80_0000_bf80_0000n, // 1.0f, -1.0f
  0x7f80_0000_ff80_0000n, // +inf, -inf (single)
  0x7fc0_0000_7f80_0001n, // qNaN, sNaN (single)
  0x0000_0001_807f_ffffn, // denormals (single)
  0x3ff0_0000_0000_0000n, // 1.0
  0xfff0_0000_0000_0000n, // -inf
  0x7ff8_0000_0000_0001n, // qNaN
  0x7ff0_0000_0000_0001n, // sNaN
  0x000f_ffff_ffff_ffffn, // denormal
  0x41e0_0000_0000_0000n, // 2^31
  0xc3e0_0000_0000_0000n, // -2^63
  0xffff_ffff_ffff_ffffn,
  0x7fff_ffff_ffff_ffffn,
  0x0000_0000_ffff_ffffn,
];

function rand64(r: () => number): bigint {
  const k = r() % 8;
  if (k < 4) return (BigInt(r()) << 32n) | BigInt(r());
  if (k < 7) return EDGES[r() % EDGES.length];
  return BigInt(r() % 300); // small integers
}

/** SIMD&FP data-processing rows: every row from DUP_elt on that is not a load/store. */
function simdRows(): Row[] {
  const first = ROW_BY_NAME.get("DUP_elt")!.index;
  return ROWS.filter((r) =>
    r.index >= first && r.name !== "UDF" && !/\{(spost|mem|rel)/.test(r.syntax)
  );
}

interface Case {
  insn: number;
  x: bigint[]; // x0..x30
  v: bigint[]; // V0..V31, 64-bit halves (low, high)
  nzcv: number;
  fpsr: number;
  fpcr: number;
}

/** Bytes per case: x0..x30, nzcv, fpsr, fpcr, then V0..V31. */
const BYTES = 272 + 512;
const VOFF = 272;

/** Words of the code around each case's instruction (x30 = the case's record). */
function harness(): [number[], number[]] {
  const pre: string[] = [
    "ldr x0, [x30, #248]",
    "msr nzcv, x0",
    "ldr x0, [x30, #256]",
    "msr fpsr, x0",
    "ldr x0, [x30, #264]",
    "msr fpcr, x0",
    `add x30, x30, #${VOFF}`,
  ];
  for (let i = 0; i < 32; i += 2) pre.push(`ldp q${i}, q${i + 1}, [x30, #${i * 16}]`);
  pre.push(`sub x30, x30, #${VOFF}`);
  for (let i = 0; i < 30; i += 2) pre.push(`ldp x${i}, x${i + 1}, [x30, #${i * 8}]`);
  pre.push("mov sp, x30", "ldr x30, [x30, #240]");
  const post = ["msr tpidr_el0, x30", "mov x30, sp"];
  for (let i = 0; i < 30; i += 2) post.push(`stp x${i}, x${i + 1}, [x30, #${i * 8}]`);
  post.push("mrs x0, tpidr_el0", "str x0, [x30, #240]", "mrs x0, nzcv", "str x0, [x30, #248]");
  post.push("mrs x0, fpsr", "str x0, [x30, #256]", "mrs x0, fpcr", "str x0, [x30, #264]");
  post.push(`add x30, x30, #${VOFF}`);
  for (let i = 0; i < 32; i += 2) post.push(`stp q${i}, q${i + 1}, [x30, #${i * 16}]`);
  post.push(`sub x30, x30, #${VOFF}`);
  return [pre.map(enc), post.map(enc)];
}

/** Output words per case: x0..x30, nzcv, fpsr, fpcr, V halves. */
const WORDS = BYTES / 8;

function runQemu(cases: Case[]): bigint[][] {
  const data = new Uint8Array(cases.length * BYTES);
  const dv = new DataView(data.buffer);
  cases.forEach((c, k) => {
    const vals = [...c.x, BigInt(c.nzcv) << 28n, BigInt(c.fpsr), BigInt(c.fpcr), ...c.v];
    vals.forEach((v, i) => dv.setBigUint64(k * BYTES + 8 * i, v, true));
  });
  const [pre, post] = harness();
  const out = runQemuRecords(cases.length, BYTES, data, (k) => [...pre, cases[k].insn, ...post]);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  return cases.map((_, k) =>
    Array.from({ length: WORDS }, (_, i) => v.getBigUint64(k * BYTES + i * 8, true))
  );
}

function runHvsh(m: TestMachine, c: Case): bigint[] {
  const pc = BigInt(RAM_BASE) + 0x1000n, mm = m.mm;
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, c.insn >>> 0, true);
  m.write(pc, b);
  c.x.forEach((v, i) => m.setX(i, v));
  c.v.forEach((v, i) => mm.set64(0, Slot.V0 + i, v));
  m.setNzcv(c.nzcv);
  mm.u32[mm.slot(0, Slot.FPSR)] = c.fpsr;
  mm.u32[mm.slot(0, Slot.FPCR)] = c.fpcr;
  mm.set64(0, Slot.PC, pc);
  m.cpu.step(0);
  if (m.pc !== pc + 4n) throw new Error(`Instruction did not complete: ${disassemble(c.insn)}`);
  return [
    ...Array.from({ length: 31 }, (_, i) => m.x(i)),
    BigInt(m.nzcv) << 28n,
    BigInt(mm.u32[mm.slot(0, Slot.FPSR)]),
    BigInt(mm.u32[mm.slot(0, Slot.FPCR)]),
    ...Array.from({ length: 64 }, (_, i) => mm.get64(0, Slot.V0 + i)),
  ];
}

/** FPCR inputs: RMode (23:22), FZ (24), DN (25), AHP (26) at random. */
function randFpcr(r: () => number): number {
  return ((r() & 3) << 22) | (r() % 4 === 0 ? 1 << 24 : 0) | (r() % 4 === 0 ? 1 << 25 : 0) |
    (r() % 4 === 0 ? 1 << 26 : 0);
}

/** Lane values at the saturation edges of every element size (repeated across 64 bits). */
const SAT_EDGES = [
  0x7f7f_7f7f_7f7f_7f7fn,
  0x8080_8080_8080_8080n,
  0x7fff_7fff_7fff_7fffn,
  0x8000_8000_8000_8000n,
  0x7fff_ffff_7fff_ffffn,
  0x8000_0000_8000_0000n,
  0x7fff_ffff_ffff_ffffn,
  0x8000_0000_0000_0000n,
  0xffff_ffff_ffff_ffffn,
  0x0101_0101_0101_0101n,
  0x4000_4000_4000_4000n,
  0x4000_0000_4000_0000n,
];

function randSat(r: () => number): bigint {
  const k = r() % 4;
  if (k === 0) return (BigInt(r()) << 32n) | BigInt(r());
  if (k === 1) return BigInt(r() % 80); // small shift counts
  return SAT_EDGES[r() % SAT_EDGES.length] ^ (r() % 2 ? 0n : 1n);
}

function batch(seed: number, perRow: number, rows: Row[], value = rand64): Case[] {
  const r = rng(seed);
  const cases: Case[] = [];
  for (const row of rows) {
    for (const insn of randomWords(row, r, perRow)) {
      cases.push({
        insn,
        x: Array.from({ length: 31 }, () => value(r)),
        v: Array.from({ length: 64 }, () => value(r)),
        nzcv: r() & 15,
        fpsr: r() % 2 ? 0 : 0x9f & r(),
        fpcr: randFpcr(r),
      });
    }
  }
  return cases;
}

function compare(cases: Case[]): void {
  const q = runQemu(cases);
  const m = new TestMachine();
  m.setSysreg("CPACR_EL1", 3n << 20n);
  const names = [
    ...Array.from({ length: 31 }, (_, i) => `x${i}`),
    "nzcv",
    "fpsr",
    "fpcr",
    ...Array.from({ length: 64 }, (_, i) => `v${i >> 1}.d[${i & 1}]`),
  ];
  const bad: string[] = [];
  cases.forEach((c, k) => {
    const h = runHvsh(m, c);
    for (let i = 0; i < WORDS; i++) {
      const mask = names[i] === "fpsr" ? 0x0800_009fn : names[i] === "fpcr" ? 0x07c0_0000n : -1n;
      if ((h[i] & mask) !== (q[k][i] & mask)) {
        bad.push(
          `${disassemble(c.insn)} (0x${(c.insn >>> 0).toString(16)}): ${names[i]} = 0x${
            h[i].toString(16)
          }, qemu 0x${q[k][i].toString(16)}`,
        );
        break;
      }
    }
  });
  assertEquals(bad.slice(0, 25), [], `${bad.length} of ${cases.length} cases differ`);
}

Deno.test({
  name: "Cpu.step() matches qemu-aarch64 on random AdvSIMD integer and move instructions",
  ignore: !hasQemu,
  fn() {
    compare(batch(0x51ad_0001, 16, simdRows().filter((r) => !/^F|CVTF/.test(r.name))));
  },
});

Deno.test({
  name: "Cpu.step() matches qemu-aarch64 on random floating-point instructions",
  ignore: !hasQemu,
  fn() {
    compare(batch(0x51ad_0002, 16, simdRows().filter((r) => /^F|CVTF/.test(r.name))));
  },
});

Deno.test({
  name: "Cpu.step() matches qemu-aarch64 on saturating and rounding AdvSIMD rows at lane edges",
  ignore: !hasQemu,
  fn() {
    const rows = simdRows().filter((r) =>
      /^(SQ|UQ|SU|US|SR|UR|RSHRN|R?ADDHN|R?SUBHN)/.test(r.name)
    );
    compare(batch(0x51ad_0003, 24, rows, randSat));
  },
});
