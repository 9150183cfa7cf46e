/**
 * The encoding table's invariants: well-formed patterns, no row shadowed
 * by an earlier one, every row decodes/disassembles/assembles back to
 * itself, every alias is reachable.
 */

import { assert, assertEquals, assertThrows } from "@std/assert";
import { assembleOne } from "./asm.ts";
import { disassemble } from "./disasm.ts";
import { ALIASES, compilePattern, decode, fieldsOf, type Row, ROWS } from "./table.ts";
import { template } from "./syntax.ts";
import { reassemblable, samples } from "./_test_util.ts";

Deno.test("compilePattern() rejects bad patterns", () => {
  assertThrows(() => compilePattern("0101"), Error, "32 bits");
  assertThrows(() => compilePattern("ddddd000000000000000000000000ddd"), Error, "not contiguous");
  const p = compilePattern("z00100010kiiiiiiiiiiiinnnnnddddd");
  assertEquals(p.fields.i, { lo: 10, width: 12 });
  assertEquals(p.fields.z, { lo: 31, width: 1 });
});

Deno.test("ROWS have unique names, 32-bit patterns and known operand kinds", () => {
  assertEquals(new Set(ROWS.map((r) => r.name)).size, ROWS.length);
  for (const row of ROWS) {
    assertEquals(row.pattern.length, 32, row.name);
    assertEquals(typeof row.handler, "function", row.name);
    template(row.syntax); // throws on an unknown {kind}
  }
  for (const a of ALIASES) template(a.syntax);
});

Deno.test("ROWS: no row is shadowed by an earlier one", () => {
  const shadowed: string[] = [];
  for (let j = 0; j < ROWS.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = ROWS[i], b = ROWS[j];
      if (a.guard) continue; // a guarded row only claims part of its pattern
      // Every word matching b also matches a when a's fixed bits are a subset of b's and agree.
      if ((a.mask & ~b.mask) === 0 && ((a.value ^ b.value) & a.mask) === 0) {
        shadowed.push(`${b.name} by ${a.name}`);
      }
    }
  }
  assertEquals(shadowed, []);
});

Deno.test("decode() finds every row for its own encodings", () => {
  for (const row of ROWS) {
    assert(samples(row, 1).length === 1, `no encoding of ${row.name} decodes to it`);
  }
});

Deno.test("every row round-trips: decode, disassemble, assemble", () => {
  const bad: string[] = [];
  for (const row of ROWS) {
    for (const w of samples(row, 24)) {
      const pc = 0x4008_0000n + BigInt((w & 0xff) * 4);
      const text = disassemble(w, pc);
      let got: number | string;
      try {
        got = assembleOne(reassemblable(row, text), pc);
      } catch (e) {
        got = (e as Error).message;
      }
      // Some immediates have several encodings (e.g. immr bits above the element size):
      // those must at least decode to the same row and print the same.
      const same = got === w ||
        (typeof got === "number" && decode(got) === row && disassemble(got, pc) === text);
      if (!same) {
        bad.push(
          `${row.name} 0x${(w >>> 0).toString(16)} "${text}" -> ${
            typeof got === "number" ? `0x${(got >>> 0).toString(16)}` : got
          }`,
        );
      }
    }
  }
  assertEquals(bad.slice(0, 20), []);
});

Deno.test("every printable alias is used for some encoding", () => {
  const seen = new Set<string>();
  const byBase = new Map<Row, typeof ALIASES[number][]>();
  for (const a of ALIASES) if (!a.asmOnly) byBase.set(a.base, [...(byBase.get(a.base) ?? []), a]);
  for (const [row, list] of byBase) {
    for (const w of samples(row, 400, 3)) {
      const f = fieldsOf(row, w);
      const hit = list.find((a) => a.when(f));
      if (hit) seen.add(hit.syntax);
    }
    // Aliases with rare conditions: assemble their canonical spelling instead.
  }
  const rare = ALIASES.filter((a) => !a.asmOnly && !seen.has(a.syntax)).map((a) => a.syntax);
  // Those must still assemble through the alias and disassemble to themselves.
  const canon: Record<string, string> = {
    "mov {Rds}, {Rns}": "mov sp, x1",
    "cmn {Rns}, {aimm}": "cmn x1, #0x4",
    "cmp {Rns}, {aimm}": "cmp x1, #0x4",
    "tst {Rn}, {limm}": "tst w1, #0x1",
    "mov {Rds}, {bmimm}": "mov x0, #0x5555555555555555",
    "sxtb {Rd}, {Wn}": "sxtb x0, w1",
    "sxth {Rd}, {Wn}": "sxth w0, w1",
    "sxtw {Xd}, {Wn}": "sxtw x0, w1",
    "uxtb {Wd}, {Wn}": "uxtb w0, w1",
    "uxth {Wd}, {Wn}": "uxth w0, w1",
    "bfc {Rd}, {bfiz}": "bfc x0, #4, #3",
    "ror {Rd}, {Rn}, {dec:S}": "ror x0, x1, #3",
    "ssbb": "ssbb",
    "pssbb": "pssbb",
    "mov {Rd}, {Rm}": "mov x0, x1",
    "mvn {Rd}, {Rm}{lsh}": "mvn x0, x1",
    "tst {Rn}, {Rm}{lsh}": "tst x1, x2",
    "neg {Rd}, {Rm}{ash}": "neg x0, x1",
    "cmp {Rn}, {Rm}{ash}": "cmp x1, x2",
    "negs {Rd}, {Rm}{ash}": "negs w0, w1, asr #2",
    "cmn {Rn}, {Rm}{ash}": "cmn w1, w2",
    "cmn {Rns}, {Em}{ext:n}": "cmn sp, w1, uxtb",
    "cmp {Rns}, {Em}{ext:n}": "cmp sp, x1",
    "ngc {Rd}, {Rm}": "ngc x0, x1",
    "ngcs {Rd}, {Rm}": "ngcs w0, w1",
    "cinc {Rd}, {Rn}, {invcond}": "cinc x0, x1, ne",
    "cset {Rd}, {invcond}": "cset x0, ne",
    "cinv {Rd}, {Rn}, {invcond}": "cinv x0, x1, ne",
    "csetm {Rd}, {invcond}": "csetm w0, eq",
    "cneg {Rd}, {Rn}, {invcond}": "cneg x0, x1, ge",
    "mul {Rd}, {Rn}, {Rm}": "mul x0, x1, x2",
    "mneg {Rd}, {Rn}, {Rm}": "mneg x0, x1, x2",
    "smull {Xd}, {Wn}, {Wm}": "smull x0, w1, w2",
    "smnegl {Xd}, {Wn}, {Wm}": "smnegl x0, w1, w2",
    "umull {Xd}, {Wn}, {Wm}": "umull x0, w1, w2",
    "umnegl {Xd}, {Wn}, {Wm}": "umnegl x0, w1, w2",
  };
  const missing: string[] = [];
  for (const syntax of rare) {
    const text = canon[syntax];
    if (!text) {
      if (!/^(ic|dc|at|tlbi) /.test(syntax) && !/^[a-z ]+$/.test(syntax)) missing.push(syntax);
      continue;
    }
    const w = assembleOne(text);
    if (disassemble(w) !== text) missing.push(`${syntax}: ${text} -> ${disassemble(w)}`);
  }
  assertEquals(missing, []);
});

Deno.test("disassemble() prints named hints and SYS aliases", () => {
  const cases: [string, string][] = [
    ["paciasp", "paciasp"],
    ["bti c", "bti c"],
    ["hint #0x22", "bti c"],
    ["hint #0x7f", "hint #0x7f"],
    ["ic iallu", "ic iallu"],
    ["dc zva, x3", "dc zva, x3"],
    ["tlbi vae1is, x0", "tlbi vae1is, x0"],
    ["at s1e1r, x1", "at s1e1r, x1"],
    ["sys #1, c8, c9, #7, x3", "sys #1, C8, C9, #7, x3"],
  ];
  for (const [src, want] of cases) assertEquals(disassemble(assembleOne(src)), want, src);
});
