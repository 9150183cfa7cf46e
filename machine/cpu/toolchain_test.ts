/**
 * Differential tests against GNU binutils (aarch64-linux-gnu-as/objdump):
 * - our disassembler prints what `objdump -d` prints, for random encodings
 *   of every table row;
 * - GNU as assembles our disassembly to the same bytes as our assembler;
 * - a hand-written corpus (aliases, directives, literal pools, local
 *   labels) assembles to identical bytes with both assemblers.
 *
 * Skipped (with a message) when binutils for aarch64 is not installed.
 */

import { assertEquals } from "@std/assert";
import { assemble, assembleOne } from "./asm.ts";
import { disassemble } from "./disasm.ts";
import { decode, type Row, ROWS } from "./table.ts";
import { hasTool, reassemblable, runTool, samples, tmpDir } from "./_test_util.ts";

const AS = "aarch64-linux-gnu-as",
  OBJDUMP = "aarch64-linux-gnu-objdump",
  OBJCOPY = "aarch64-linux-gnu-objcopy";
const hasBinutils = hasTool(AS) && hasTool(OBJDUMP) && hasTool(OBJCOPY);
if (!hasBinutils) {
  console.log(
    "toolchain_test: aarch64-linux-gnu binutils not found, GNU differential tests skipped",
  );
}

/** Assemble `src` with GNU as (all extensions enabled) and return the .text bytes. */
function gas(src: string): Uint8Array {
  const dir = tmpDir();
  try {
    Deno.writeTextFileSync(`${dir}/a.s`, src + "\n");
    runTool(AS, ["-march=armv8.5-a", `${dir}/a.s`, "-o", `${dir}/a.o`]);
    runTool(OBJCOPY, ["-O", "binary", "-j", ".text", `${dir}/a.o`, `${dir}/a.bin`]);
    return Deno.readFileSync(`${dir}/a.bin`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** objdump's text for each word placed at address 4*k (comments and symbols removed). */
function objdump(words: number[]): string[] {
  const dir = tmpDir();
  try {
    Deno.writeTextFileSync(
      `${dir}/w.s`,
      words.map((w) => `.inst 0x${(w >>> 0).toString(16)}`).join("\n") + "\n",
    );
    runTool(AS, [`${dir}/w.s`, "-o", `${dir}/w.o`]);
    const txt = new TextDecoder().decode(runTool(OBJDUMP, ["-d", `${dir}/w.o`]));
    const out: string[] = [];
    for (const line of txt.split("\n")) {
      const m = /^\s*([0-9a-f]+):\s+([0-9a-f]{8})\s+(.*)$/.exec(line);
      if (m) {
        out[parseInt(m[1], 16) / 4] = m[3].replace(/\s*\/\/.*$/, "").replace(/\s*<[^>]*>/, "")
          .replace(/\t/, " ").trim();
      }
    }
    return out;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Encodings whose names binutils knows and our tables do not (we print the generic form). */
function knownNameGap(ours: string, theirs: string): boolean {
  if (
    /^(mrs|msr) /.test(ours) && /s[0-3]_[0-7]_c\d+_c\d+_[0-7]/.test(ours) && !/s[0-3]_/.test(theirs)
  ) return true;
  return ours.startsWith("sys ") && !theirs.startsWith("sys ");
}

function corpusWords(): { row: Row; w: number }[] {
  const out: { row: Row; w: number }[] = [];
  for (const row of ROWS) for (const w of samples(row, 16, 11)) out.push({ row, w });
  return out;
}

Deno.test({
  name: "disassemble() matches aarch64-linux-gnu-objdump for every row",
  ignore: !hasBinutils,
  fn() {
    const corpus = corpusWords();
    const theirs = objdump(corpus.map((c) => c.w));
    const bad: string[] = [];
    corpus.forEach(({ row, w }, k) => {
      const ours = disassemble(w, BigInt(k * 4));
      if (ours !== theirs[k] && !knownNameGap(ours, theirs[k])) {
        bad.push(`${row.name} 0x${(w >>> 0).toString(16)}: ours "${ours}", objdump "${theirs[k]}"`);
      }
    });
    assertEquals(bad.slice(0, 20), [], `${bad.length} of ${corpus.length} differ`);
  },
});

Deno.test({
  name: "assemble() matches aarch64-linux-gnu-as on our own disassembly",
  ignore: !hasBinutils,
  fn() {
    // ADRP is left out: GNU as leaves it to a relocation in an object file.
    const corpus = corpusWords().filter(({ row }) => row.name !== "ADRP");
    const lines = corpus.map(({ row, w }, k) => {
      const pc = BigInt(k * 4);
      let text = disassemble(w, pc);
      if (/\{(rel|adr)/.test(row.syntax)) {
        // A bare objdump target T becomes `. + (T - pc)` for GNU as.
        text = text.replace(/([ ,])([0-9a-f]+)$/, (_, sep, t) => {
          const off = BigInt.asIntN(64, BigInt(`0x${t}`) - pc);
          return `${sep}.${off < 0n ? "-" : "+"}0x${(off < 0n ? -off : off).toString(16)}`;
        });
      }
      return text;
    });
    const bytes = gas(lines.join("\n"));
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bad: string[] = [];
    corpus.forEach(({ row, w }, k) => {
      const pc = BigInt(k * 4);
      const theirs = dv.getInt32(k * 4, true);
      const ours = assembleOne(reassemblable(row, disassemble(w, pc)), pc);
      if (ours !== theirs) {
        bad.push(
          `${row.name} "${lines[k]}": ours 0x${(ours >>> 0).toString(16)}, as 0x${
            (theirs >>> 0).toString(16)
          }`,
        );
      }
    });
    assertEquals(bad.slice(0, 20), [], `${bad.length} of ${corpus.length} differ`);
  },
});

/** Hand-written GNU-as source: aliases, shifts, extends, addressing modes, directives. */
const CORPUS = `
_start:
  add x0, x1, #16
  add x0, x1, #1, lsl #12
  add x0, x1, #0x1000
  sub x0, x1, #-4
  add sp, sp, #-16
  mov sp, x1
  mov x0, sp
  cmp x1, #4
  cmp x1, #-1
  cmn w1, #4
  and x0, x1, #0xff8
  mov x0, #0x5555555555555555
  tst w1, #1
  movz x0, #0x1234, lsl #16
  mov x0, #0x12340000
  mov x0, #-1
  mov w0, #0xffffffff
  mov x0, #0xfffffffffffaffff
  movk x0, #0x1234, lsl #32
  movn w0, #0xffff
  asr x0, x1, #3
  sbfiz x0, x1, #4, #3
  sbfx x0, x1, #3, #8
  sxtb x0, w1
  sxtw x0, w1
  lsl x0, x1, #3
  lsr w0, w1, #31
  ubfiz x0, x1, #4, #3
  ubfx x0, x1, #3, #8
  uxtb w0, w1
  bfi x0, x1, #4, #3
  bfxil x0, x1, #3, #8
  bfc x0, #4, #3
  extr x0, x1, x2, #3
  ror x0, x1, #3
1:
  b.ne 1b
  b.hs 1f
  beq_label: b.eq beq_label
  cbz w0, 1b
  cbnz x1, 1f
  tbz w1, #3, 1b
  tbnz x1, #40, 1f
  bl 1f
1:
  svc #0
  hvc #0x1234
  smc #1
  brk #1000
  nop
  yield
  wfe
  wfi
  sev
  sevl
  hint #0x22
  bti c
  paciasp
  clrex
  clrex #5
  dsb sy
  dsb ish
  dmb ishld
  dmb #5
  isb
  sb
  ssbb
  msr daifset, #2
  msr daifclr, #0xf
  msr spsel, #1
  msr pan, #1
  ic iallu
  ic ivau, x2
  dc zva, x0
  dc civac, x1
  tlbi vmalle1is
  tlbi vae1, x0
  at s1e1r, x0
  sys #1, c8, c9, #7, x3
  sysl x0, #1, c2, c3, #4
  msr sctlr_el1, x0
  mrs x0, midr_el1
  mrs x1, s3_0_c15_c2_0
  mrs x0, nzcv
  mrs x0, currentel
  msr vbar_el12, x3
  br x0
  blr x1
  ret
  ret x1
  eret
  stxrb w1, w2, [x3]
  stlxrh w1, w2, [sp]
  ldxr x0, [x1]
  ldaxr w0, [x1, #0]
  stxp w1, x2, x3, [x4]
  ldaxp w1, w2, [x4]
  stlr x0, [x1]
  ldarb w0, [x1]
  ldr w0, 1b
  ldr x0, 2f
  ldrsw x0, 2f
  prfm pldl1keep, 2f
  prfm #0x18, [x0]
  stnp x0, x1, [x2, #16]
  ldp x0, x1, [sp], #16
  stp x29, x30, [sp, #-16]!
  ldp w0, w1, [x2, #-8]
  ldpsw x0, x1, [x2, #8]
  stp x0, x1, [x2]
  sturb w0, [x1, #-1]
  ldursb x0, [x1, #5]
  ldr x0, [x1, #-8]
  ldr x0, [x1, #3]
  str w0, [x1, #4]!
  ldr x0, [x1], #8
  ldtr x0, [x1, #8]
  sttrb w0, [x1]
  prfum pldl1keep, [x1, #1]
  ldr x0, [x1, #8]
  ldrb w0, [x1]
  ldrsh x0, [x1, #4094]
  ldr x0, [x1, x2]
  ldr x0, [x1, x2, lsl #3]
  ldr w0, [x1, w2, uxtw]
  ldr w0, [x1, w2, uxtw #2]
  ldrb w0, [x1, x2, lsl #0]
  ldrb w0, [x1, w2, sxtw]
  ldrh w0, [x1, x2, sxtx #1]
  prfm pstl2strm, [x1, x2]
  and x0, x1, x2, lsl #3
  bic w0, w1, w2, ror #3
  mov x0, x1
  mvn x0, x1
  tst x1, x2
  neg x0, x1
  negs w0, w1, asr #2
  cmp x1, x2
  cmn w1, w2
  add x0, sp, x1
  add x0, x1, w2, uxtb
  add x0, x1, w2, sxtw #2
  add w0, wsp, w1
  add sp, x0, x1, uxtx #4
  cmp sp, x1
  adc x0, x1, x2
  ngc x0, x1
  ccmp x0, x1, #0, eq
  ccmn w0, #31, #15, lt
  csel x0, x1, x2, eq
  cset x0, ne
  csetm w0, eq
  cinc x0, x1, ne
  cinv x0, x1, ne
  cneg x0, x1, ge
  madd x0, x1, x2, x3
  mul x0, x1, x2
  smull x0, w1, w2
  umulh x0, x1, x2
  udiv x0, x1, x2
  sdiv w0, w1, w2
  lsl x0, x1, x2
  ror w0, w1, w2
  rbit x0, x1
  rev16 w0, w1
  rev32 x0, x1
  rev x0, x1
  clz x0, x1
  cls w0, w1
  udf #0
  .align 3
2:
  .word 0x12345678, 42
  .quad 0x1122334455667788, -1
  .hword 0xbeef
  .byte 1, 2, 3
  .ascii "ab\\n"
  .asciz "hi"
  .string "x"
  .balign 8
  .skip 5, 0xaa
  .align 2
  ldr x3, =0x1234567890
  ldr w4, =0x12345678
  .ltorg
  .equ CONST, 0x40
  add x0, x0, #CONST
  .set OTHER, CONST * 2 + (1 << 4)
  mov x1, #OTHER
  .inst 0xd503201f
`;

Deno.test({
  name: "assemble() produces the same bytes as aarch64-linux-gnu-as on a hand-written corpus",
  ignore: !hasBinutils,
  fn() {
    const theirs = gas(CORPUS);
    const ours = assemble(CORPUS, { base: 0n }).bytes;
    const diffs: string[] = [];
    for (let k = 0; k < Math.max(theirs.length, ours.length); k += 4) {
      const a = new DataView(ours.buffer).getUint32(k, true),
        b = new DataView(theirs.buffer).getUint32(k, true);
      if (a !== b) {
        diffs.push(
          `+0x${k.toString(16)}: ours 0x${a.toString(16)} (${disassemble(a)}), as 0x${
            b.toString(16)
          } (${disassemble(b)})`,
        );
      }
    }
    assertEquals(diffs.slice(0, 10), []);
    assertEquals(ours.length, theirs.length);
  },
});

Deno.test("decode() of objdump-checked rows stays stable", () => {
  // Guard against reordering: a few well-known encodings and their rows.
  const known: [number, string][] = [
    [0x91004020, "ADD_imm"],
    [0xd503201f, "NOP"],
    [0xd65f03c0, "RET"],
    [0xa9bf7bfd, "STP_pre"],
    [0xd4000002, "HVC"],
    [0x00000000, "UDF"],
  ];
  for (const [w, name] of known) assertEquals(decode(w | 0)?.name, name);
});
