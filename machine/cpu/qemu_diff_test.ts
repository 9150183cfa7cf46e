/**
 * Differential execution against QEMU user mode: thousands of random valid
 * data-processing instructions, generated from the encoding table, run on
 * hvsh and on `qemu-aarch64` from identical random register state and
 * NZCV; all of X0..X30, SP and NZCV must match exactly.
 *
 * One static ELF per batch (built here, with our own assembler): for each
 * case it loads the input state from a table, executes the instruction,
 * stores every register and NZCV to an output table, and at the end writes
 * the output with the `write` syscall.
 *
 * Skipped (with a message) when qemu-aarch64 is not installed.
 */

import { assertEquals } from "@std/assert";
import { RAM_BASE, Slot } from "../state.ts";
import { assemble } from "./asm.ts";
import { disassemble } from "./disasm.ts";
import { type Row, ROW_BY_NAME, ROWS } from "./table.ts";
import { hasTool, randomWords, rng, TestMachine, tmpDir } from "./_test_util.ts";

const hasQemu = hasTool("qemu-aarch64");
if (!hasQemu) {
  console.log("qemu_diff_test: qemu-aarch64 not found, differential execution tests skipped");
}

const EDGES = [
  0n,
  1n,
  2n,
  0xffff_ffff_ffff_ffffn,
  0x7fff_ffff_ffff_ffffn,
  0x8000_0000_0000_0000n,
  0xffff_ffffn,
  0x8000_0000n,
  0x7fff_ffffn,
  0x1_0000_0000n,
  0xffff_ffff_8000_0000n,
];

function randValue(r: () => number): bigint {
  const k = r() % 10;
  const r64 = () => (BigInt(r()) << 32n) | BigInt(r());
  if (k < 4) return r64();
  if (k < 6) return BigInt(r() % 17);
  if (k < 8) return EDGES[r() % EDGES.length];
  const v = BigInt(r());
  return r() & 1 ? v : BigInt.asUintN(64, BigInt.asIntN(32, v));
}

/** Rows under test: data processing (immediate and register), minus PC-relative ADR/ADRP. */
function dpRows(): Row[] {
  const span = (a: string, b: string) =>
    ROWS.slice(ROW_BY_NAME.get(a)!.index, ROW_BY_NAME.get(b)!.index + 1);
  return [...span("ADD_imm", "EXTR"), ...span("AND_reg", "CLS")];
}

interface Case {
  insn: number;
  regs: bigint[]; // x0..x30, sp
  nzcv: number;
}

const STATE_WORDS = 33; // x0..x30, sp, nzcv
const STATE_BYTES = STATE_WORDS * 8;
const ELF_BASE = 0x40_0000n;
const CODE_OFF = 0x80n;

/** The test program for a batch (GNU as syntax, assembled by our assembler). */
function program(cases: Case[]): string {
  const lines: string[] = ["_start:"];
  cases.forEach((c, k) => {
    const inp = `inp + ${k * STATE_BYTES}`, out = `outp + ${k * STATE_BYTES}`;
    lines.push(`adrp x30, ${inp}`, `add x30, x30, :lo12:${inp}`);
    lines.push("ldr x0, [x30, #248]", "mov sp, x0", "ldr x0, [x30, #256]", "msr nzcv, x0");
    for (let i = 0; i < 30; i += 2) lines.push(`ldp x${i}, x${i + 1}, [x30, #${i * 8}]`);
    lines.push("ldr x30, [x30, #240]");
    lines.push(`.inst 0x${(c.insn >>> 0).toString(16)}`);
    lines.push("msr tpidr_el0, x30", `adrp x30, ${out}`, `add x30, x30, :lo12:${out}`);
    for (let i = 0; i < 30; i += 2) lines.push(`stp x${i}, x${i + 1}, [x30, #${i * 8}]`);
    lines.push("mrs x0, tpidr_el0", "str x0, [x30, #240]", "mov x0, sp", "str x0, [x30, #248]");
    lines.push("mrs x0, nzcv", "str x0, [x30, #256]");
  });
  lines.push(
    "mov x0, #1",
    "adrp x1, outp",
    "add x1, x1, :lo12:outp",
    `ldr x2, =${cases.length * STATE_BYTES}`,
    "mov x8, #64", // write
    "svc #0",
    "mov x0, #0",
    "mov x8, #93", // exit
    "svc #0",
    ".ltorg",
    ".align 4",
    "inp:",
  );
  for (const c of cases) {
    const vals = [...c.regs, BigInt(c.nzcv) << 28n];
    lines.push(`.quad ${vals.map((v) => `0x${v.toString(16)}`).join(", ")}`);
  }
  lines.push("outp:", `.skip ${cases.length * STATE_BYTES}`);
  return lines.join("\n");
}

/** A minimal static ELF64 executable: one RWX PT_LOAD segment holding everything. */
function elf(code: Uint8Array, entry: bigint): Uint8Array {
  const size = Number(CODE_OFF) + code.length;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]); // ELFCLASS64, little-endian, version 1
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 183, true); // EM_AARCH64
  v.setUint32(20, 1, true);
  v.setBigUint64(24, entry, true);
  v.setBigUint64(32, 64n, true); // e_phoff
  v.setUint16(52, 64, true); // e_ehsize
  v.setUint16(54, 56, true); // e_phentsize
  v.setUint16(56, 1, true); // e_phnum
  v.setUint32(64, 1, true); // PT_LOAD
  v.setUint32(68, 7, true); // PF_R | PF_W | PF_X
  v.setBigUint64(72, 0n, true); // p_offset
  v.setBigUint64(80, ELF_BASE, true); // p_vaddr
  v.setBigUint64(88, ELF_BASE, true); // p_paddr
  v.setBigUint64(96, BigInt(size), true); // p_filesz
  v.setBigUint64(104, BigInt(size), true); // p_memsz
  v.setBigUint64(112, 0x1000n, true); // p_align
  b.set(code, Number(CODE_OFF));
  return b;
}

function runQemu(cases: Case[]): bigint[][] {
  const img = assemble(program(cases), { base: ELF_BASE + CODE_OFF });
  const dir = tmpDir();
  try {
    const path = `${dir}/batch.elf`;
    Deno.writeFileSync(path, elf(img.bytes, img.entry), { mode: 0o755 });
    const out = new Deno.Command("qemu-aarch64", { args: [path], stdout: "piped", stderr: "piped" })
      .outputSync();
    if (!out.success) {
      throw new Error(`qemu-aarch64 failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    const v = new DataView(out.stdout.buffer, out.stdout.byteOffset, out.stdout.byteLength);
    return cases.map((_, k) =>
      Array.from({ length: STATE_WORDS }, (_, i) => v.getBigUint64(k * STATE_BYTES + i * 8, true))
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

function runHvsh(m: TestMachine, c: Case): bigint[] {
  const pc = BigInt(RAM_BASE) + 0x1000n;
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, c.insn >>> 0, true);
  m.write(pc, b);
  c.regs.slice(0, 31).forEach((v, i) => m.setX(i, v));
  m.mm.set64(0, Slot.SP, c.regs[31]);
  m.setNzcv(c.nzcv);
  m.mm.set64(0, Slot.PC, pc);
  m.cpu.step(0);
  if (m.pc !== pc + 4n) throw new Error(`Instruction did not complete: ${disassemble(c.insn)}`);
  return [...Array.from({ length: 31 }, (_, i) => m.x(i)), m.sp, BigInt(m.nzcv) << 28n];
}

function batch(seed: number, perRow: number): Case[] {
  const r = rng(seed);
  const cases: Case[] = [];
  for (const row of dpRows()) {
    for (const insn of randomWords(row, r, perRow)) {
      cases.push({ insn, regs: Array.from({ length: 32 }, () => randValue(r)), nzcv: r() & 15 });
    }
  }
  return cases;
}

function compare(cases: Case[]): void {
  const q = runQemu(cases);
  const m = new TestMachine();
  const bad: string[] = [];
  cases.forEach((c, k) => {
    const h = runHvsh(m, c);
    const names = [...Array.from({ length: 31 }, (_, i) => `x${i}`), "sp", "nzcv"];
    for (let i = 0; i < STATE_WORDS; i++) {
      if (h[i] !== q[k][i]) {
        bad.push(
          `${disassemble(c.insn)} (0x${(c.insn >>> 0).toString(16)}): ${names[i]} = 0x${
            h[i].toString(16)
          }, ` +
            `qemu 0x${q[k][i].toString(16)}`,
        );
        break;
      }
    }
  });
  assertEquals(bad.slice(0, 20), [], `${bad.length} of ${cases.length} cases differ`);
}

Deno.test({
  name: "Cpu.step() matches qemu-aarch64 on random data-processing instructions (batch 1)",
  ignore: !hasQemu,
  fn() {
    compare(batch(0x1234_5678, 24));
  },
});

Deno.test({
  name: "Cpu.step() matches qemu-aarch64 on random data-processing instructions (batch 2)",
  ignore: !hasQemu,
  fn() {
    compare(batch(0x0bad_cafe, 24));
  },
});
