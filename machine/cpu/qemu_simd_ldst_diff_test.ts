/**
 * Differential execution of the AdvSIMD structure loads and stores (every
 * row with a `{spost}` operand: LD1-LD4/ST1-ST4 multiple and single
 * structures, LD1R-LD4R, with and without post-index) against QEMU user
 * mode: random valid encodings run on hvsh and on `qemu-aarch64` from the
 * same random X0..X30, V0..V31 and a 256-byte random buffer the base register
 * points into; registers (the base register relative to the buffer) and the
 * buffer must match afterwards.
 *
 * Skipped (with a message) when qemu-aarch64 is not installed.
 */

import { assertEquals } from "@std/assert";
import { RAM_BASE, Slot } from "../state.ts";
import { disassemble } from "./disasm.ts";
import { decode, fieldsOf, type Row, ROWS } from "./table.ts";
import { enc, hasTool, rng, runQemuRecords, TestMachine } from "./_test_util.ts";

const hasQemu = hasTool("qemu-aarch64");
if (!hasQemu) {
  console.log("qemu_simd_ldst_diff_test: qemu-aarch64 not found, structure tests skipped");
}

/** Record: buffer (256 bytes), x0..x30 at 256, buffer address at 504 (out), V0..V31 at 512. */
const BYTES = 1024;
const XOFF = 256, AOFF = 504, VOFF = 512;

interface Case {
  insn: number;
  n: number;
  buf: Uint8Array;
  x: bigint[]; // x[n] relative to the buffer
  v: bigint[]; // V halves
}

function structRows(): Row[] {
  return ROWS.filter((r) => /\{spost/.test(r.syntax));
}

function rand64(r: () => number): bigint {
  return (BigInt(r()) << 32n) | BigInt(r());
}

function cases(seed: number, perRow: number): Case[] {
  const r = rng(seed), out: Case[] = [];
  for (const row of structRows()) {
    let got = 0;
    for (let k = 0; k < perRow * 60 && got < perRow; k++) {
      const w = ((r() & ~row.mask) | row.value) | 0;
      if (decode(w) !== row) continue;
      const f = fieldsOf(row, w);
      // Base X0..X29 (X30 holds the record pointer; SP is not exercised), Rm another register.
      if (f.n >= 30 || (f.m !== undefined && f.m === f.n)) continue;
      const x = Array.from({ length: 31 }, () => rand64(r));
      x[f.n] = BigInt(64 + 16 * (r() % 5)); // 16-aligned: no Device-memory alignment faults
      const buf = new Uint8Array(256).map(() => r() & 0xff);
      out.push({ insn: w, n: f.n, buf, x, v: Array.from({ length: 64 }, () => rand64(r)) });
      got++;
    }
  }
  return out;
}

function harness(c: Case): number[] {
  const L: string[] = [`add x30, x30, #${VOFF}`];
  for (let i = 0; i < 32; i += 2) L.push(`ldp q${i}, q${i + 1}, [x30, #${i * 16}]`);
  L.push(`sub x30, x30, #${VOFF - XOFF}`);
  for (let i = 0; i < 30; i += 2) L.push(`ldp x${i}, x${i + 1}, [x30, #${i * 8}]`);
  L.push(`sub x30, x30, #${XOFF}`, `add x${c.n}, x${c.n}, x30`, "mov sp, x30");
  L.push(`ldr x30, [x30, #${XOFF + 240}]`);
  const post = ["msr tpidr_el0, x30", "mov x30, sp", `str x30, [x30, #${AOFF}]`];
  post.push(`add x30, x30, #${XOFF}`);
  for (let i = 0; i < 30; i += 2) post.push(`stp x${i}, x${i + 1}, [x30, #${i * 8}]`);
  post.push("mrs x0, tpidr_el0", "str x0, [x30, #240]", `add x30, x30, #${VOFF - XOFF}`);
  for (let i = 0; i < 32; i += 2) post.push(`stp q${i}, q${i + 1}, [x30, #${i * 16}]`);
  post.push(`sub x30, x30, #${VOFF}`);
  return [...L.map(enc), c.insn, ...post.map(enc)];
}

/** State after the instruction: x0..x30 (x[n] relative to the buffer), V halves, buffer bytes. */
interface After {
  x: bigint[];
  v: bigint[];
  buf: Uint8Array;
}

function runQemu(cs: Case[]): After[] {
  const data = new Uint8Array(cs.length * BYTES);
  const dv = new DataView(data.buffer);
  cs.forEach((c, k) => {
    data.set(c.buf, k * BYTES);
    c.x.forEach((v, i) => dv.setBigUint64(k * BYTES + XOFF + 8 * i, v, true));
    c.v.forEach((v, i) => dv.setBigUint64(k * BYTES + VOFF + 8 * i, v, true));
  });
  const out = runQemuRecords(cs.length, BYTES, data, (k) => harness(cs[k]));
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  return cs.map((c, k) => {
    const o = k * BYTES, base = v.getBigUint64(o + AOFF, true);
    const x = Array.from({ length: 31 }, (_, i) => v.getBigUint64(o + XOFF + 8 * i, true));
    x[c.n] = BigInt.asUintN(64, x[c.n] - base);
    return {
      x,
      v: Array.from({ length: 64 }, (_, i) => v.getBigUint64(o + VOFF + 8 * i, true)),
      buf: out.slice(o, o + 256),
    };
  });
}

const BUF = BigInt(RAM_BASE) + 0x1_0000n;

function runHvsh(m: TestMachine, c: Case): After {
  const pc = BigInt(RAM_BASE) + 0x1000n, mm = m.mm;
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, c.insn >>> 0, true);
  m.write(pc, b);
  m.write(BUF, c.buf);
  c.x.forEach((v, i) => m.setX(i, i === c.n ? BUF + v : v));
  c.v.forEach((v, i) => mm.set64(0, Slot.V0 + i, v));
  mm.set64(0, Slot.PC, pc);
  m.cpu.step(0);
  if (m.pc !== pc + 4n) throw new Error(`Instruction did not complete: ${disassemble(c.insn)}`);
  const x = Array.from({ length: 31 }, (_, i) => m.x(i));
  x[c.n] = BigInt.asUintN(64, x[c.n] - BUF);
  const buf = new Uint8Array(256);
  const dv = new DataView(buf.buffer);
  for (let k = 0; k < 32; k++) dv.setBigUint64(8 * k, m.readU64(BUF + BigInt(8 * k)), true);
  return { x, v: Array.from({ length: 64 }, (_, i) => mm.get64(0, Slot.V0 + i)), buf };
}

Deno.test({
  name: "Cpu.step() matches qemu-aarch64 on random AdvSIMD structure loads and stores",
  ignore: !hasQemu,
  fn() {
    const cs = cases(0x57c0_0001, 12);
    const q = runQemu(cs);
    const m = new TestMachine();
    m.setSysreg("CPACR_EL1", 3n << 20n);
    const bad: string[] = [];
    cs.forEach((c, k) => {
      const h = runHvsh(m, c), e = q[k];
      const where = `${disassemble(c.insn)} (0x${(c.insn >>> 0).toString(16)})`;
      const xi = h.x.findIndex((v, i) => v !== e.x[i]);
      const vi = h.v.findIndex((v, i) => v !== e.v[i]);
      const bi = h.buf.findIndex((v, i) => v !== e.buf[i]);
      if (xi >= 0) {
        bad.push(`${where}: x${xi} = 0x${h.x[xi].toString(16)}, qemu 0x${e.x[xi].toString(16)}`);
      } else if (vi >= 0) {
        bad.push(
          `${where}: v${vi >> 1}.d[${vi & 1}] = 0x${h.v[vi].toString(16)}, qemu 0x${
            e.v[vi].toString(16)
          }`,
        );
      } else if (bi >= 0) bad.push(`${where}: buffer[${bi}] = ${h.buf[bi]}, qemu ${e.buf[bi]}`);
    });
    assertEquals(bad.slice(0, 25), [], `${bad.length} of ${cs.length} cases differ`);
  },
});
