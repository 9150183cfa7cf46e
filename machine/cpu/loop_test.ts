/**
 * The run loop's inline fast paths (loop.ts FAST) must behave exactly like
 * the table handlers: random encodings of every fast row are run from the
 * same random state with fast paths on and off, and the register blocks and
 * the touched memory must be identical.
 */

import { assertEquals } from "@std/assert";
import { CPU_STRIDE, RAM_BASE, Slot } from "../state.ts";
import { disassemble } from "./disasm.ts";
import { resetVcpu } from "./cpu.ts";
import { clearDecodeCache, FAST, options } from "./loop.ts";
import { decode, ROW_BY_NAME } from "./table.ts";
import { rng, TestMachine } from "./_test_util.ts";

const CODE = BigInt(RAM_BASE) + 0x1000n;
const SCRATCH = RAM_BASE + 0x10_0000; // the window the memory cases point into
const SCRATCH_SIZE = 0x1_2000;
const FILL = new Uint8Array(SCRATCH_SIZE).map((_, i) => (i * 7 + 3) & 0xff);

interface Case {
  insn: number;
  regs: bigint[]; // x0..x30, sp
  nzcv: number;
}

function cases(seed: number, perRow: number): Case[] {
  const r = rng(seed);
  const out: Case[] = [];
  for (const name of FAST) {
    const row = ROW_BY_NAME.get(name)!;
    const memory = /^(LD|ST)/.test(name);
    let got = 0;
    for (let k = 0; k < perRow * 50 && got < perRow; k++) {
      const insn = ((r() & ~row.mask) | row.value) | 0;
      if (decode(insn) !== row) continue;
      got++;
      const regs = Array.from({ length: 32 }, () => {
        if (memory) return BigInt(SCRATCH + 0x1000 + (r() % 0x8000)) & (r() & 1 ? ~7n : ~0n);
        const v = (BigInt(r()) << 32n) | BigInt(r());
        return r() % 4 === 0 ? v & 0xffn : v;
      });
      if (name.endsWith("_reg") && memory) {
        // Register offset: an address in Rn, a small (maybe negative) index in Rm.
        const n = (insn >>> 5) & 31, m = (insn >>> 16) & 31;
        regs[m] = BigInt.asUintN(64, BigInt((r() % 0x200) - 0x100));
        if (n !== m) regs[n] = BigInt(SCRATCH + 0x1000 + (r() % 0x8000));
      }
      out.push({ insn, regs, nzcv: r() & 15 });
    }
  }
  return out;
}

function run(m: TestMachine, c: Case): Int32Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, c.insn >>> 0, true);
  m.write(CODE, b);
  m.write(BigInt(SCRATCH), FILL);
  resetVcpu(m.mm, 0, { el: 1, pc: CODE });
  c.regs.slice(0, 31).forEach((v, i) => m.setX(i, v));
  m.mm.set64(0, Slot.SP, c.regs[31]);
  m.mm.set64(0, Slot.ICOUNT, 0n);
  m.setNzcv(c.nzcv);
  m.mm.set64(0, Slot.PC, CODE);
  m.cpu.step(0);
  const regs = m.mm.i32.slice(0, CPU_STRIDE / 4);
  regs[Slot.SINK * 2] = regs[Slot.SINK * 2 + 1] = 0; // the XZR write sink holds anything
  const mem = new Int32Array(m.mm.memory.buffer, 0x20_0000 + SCRATCH - RAM_BASE, SCRATCH_SIZE / 4);
  const out = new Int32Array(regs.length + mem.length);
  out.set(regs);
  out.set(mem, regs.length);
  return out;
}

/** Fill the TLB for the scratch window so the inline paths hit (with the MMU off it never changes). */
function warm(m: TestMachine): void {
  for (let a = SCRATCH; a < SCRATCH + SCRATCH_SIZE; a += 0x1000) {
    run(m, { insn: 0xf9400020 | 0, regs: Array.from({ length: 32 }, () => BigInt(a)), nzcv: 0 }); // ldr x0, [x1]
  }
}

Deno.test("loop fast paths behave exactly like the table handlers", () => {
  const all = cases(0x5eed, 30);
  const m = new TestMachine();
  warm(m);
  const fast = all.map((c) => run(m, c));
  options.fast = false;
  clearDecodeCache();
  try {
    const bad: string[] = [];
    all.forEach((c, k) => {
      const slow = run(m, c);
      const i = slow.findIndex((v, j) => v !== fast[k][j]);
      if (i >= 0) {
        bad.push(
          `${disassemble(c.insn, CODE)}: word ${i} fast 0x${
            (fast[k][i] >>> 0).toString(16)
          } handler 0x${(slow[i] >>> 0).toString(16)}`,
        );
      }
    });
    assertEquals(bad.slice(0, 10), [], `${bad.length} of ${all.length} differ`);
  } finally {
    options.fast = true;
    clearDecodeCache();
  }
});

Deno.test("FAST lists only table rows, each once", () => {
  assertEquals(FAST.filter((n) => !ROW_BY_NAME.has(n)), []);
  assertEquals(new Set(FAST).size, FAST.length);
});
