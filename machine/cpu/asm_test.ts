/**
 * The `asm` assembler: syntax, directives, labels, literal pools,
 * interpolation and error reporting (line and column).
 */

import { assertEquals, assertThrows } from "@std/assert";
import { asm, AsmError, assemble, assembleOne, DEFAULT_BASE, MNEMONICS } from "./asm.ts";
import { disassemble } from "./disasm.ts";

function words(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length >> 2 }, (_, k) => v.getUint32(k * 4, true));
}

Deno.test("asm`` assembles at 0x4008_0000 with _start as the entry", () => {
  const img = asm`movz x0, #0x8400, lsl #16
                  hvc #0`;
  assertEquals(img.base, DEFAULT_BASE);
  assertEquals(img.entry, DEFAULT_BASE);
  assertEquals(words(img.bytes), [0xd2b08000, 0xd4000002]);
  const s = asm`nop\n_start: ret`;
  assertEquals(s.entry, DEFAULT_BASE + 4n);
  assertEquals(s.symbols._start, DEFAULT_BASE + 4n);
});

Deno.test("asm.at() assembles at another base; PC-relative operands follow it", () => {
  const img = asm.at(0x4000_0000n)`adr x0, here\n here: b here`;
  assertEquals(img.base, 0x4000_0000n);
  assertEquals(disassemble(words(img.bytes)[0], 0x4000_0000n), "adr x0, 40000004");
  assertEquals(disassemble(words(img.bytes)[1], 0x4000_0004n), "b 40000004");
});

Deno.test("asm`` interpolates numbers, bigints and strings", () => {
  const fid = 0x8400_0000n, reg = "x3";
  const img = asm`ldr ${reg}, =${fid}
                  add x1, x1, #${42}
                  mov x2, #${-1}`;
  assertEquals(disassemble(words(img.bytes)[1]), "add x1, x1, #0x2a");
  assertEquals(disassemble(words(img.bytes)[2]), "mov x2, #0xffffffffffffffff");
  assertEquals(img.bytes.length, 16 + 8); // three instructions, padding, one 8-byte literal
  assertThrows(() => asm`add x0, x0, #${1.5}`, TypeError, "non-integer");
});

Deno.test("assemble() resolves forward and backward labels and numeric local labels", () => {
  const img = assemble(
    `
    b fwd
  1: nop
    cbz x0, 1b
    cbnz x0, 1f
  1: nop
  fwd: b 1b`,
    { base: 0x1000n },
  );
  assertEquals(words(img.bytes).map((w, k) => disassemble(w, 0x1000n + BigInt(k * 4))), [
    "b 1014",
    "nop",
    "cbz x0, 1004",
    "cbnz x0, 1010",
    "nop",
    "b 1010",
  ]);
  assertEquals(img.symbols.fwd, 0x1014n);
});

Deno.test("assemble() handles data directives, alignment and expressions", () => {
  const img = assemble(
    `
    .equ N, 3
    .set M, N * 4 + (1 << 2)
    .byte 1, N
    .align 2
    .hword 0x1234
    .balign 8
    .word M, label - .
    .quad -1
  label:
    .ascii "ab"
    .asciz "c\\n"
    .skip 3, 0xee
    .zero 1`,
    { base: 0n },
  );
  assertEquals(Array.from(img.bytes.slice(0, 4)), [1, 3, 0, 0]);
  assertEquals(Array.from(img.bytes.slice(4, 8)), [0x34, 0x12, 0, 0]);
  assertEquals(words(img.bytes.slice(8, 16)), [16, 24 - 12]); // `.` is the item's own address, as in GNU as
  assertEquals(Array.from(img.bytes.slice(16, 24)), Array(8).fill(0xff));
  assertEquals(Array.from(img.bytes.slice(24)), [0x61, 0x62, 0x63, 0x0a, 0, 0xee, 0xee, 0xee, 0]);
  assertEquals(img.symbols.M, 16n);
  assertEquals(img.symbols.label, 24n);
});

Deno.test("assemble() places literal pools at .ltorg and at the end, words before doublewords", () => {
  const img = assemble(
    `
    ldr x0, =0x1122334455667788
    ldr w1, =7
    .ltorg
    ldr x2, =0x1122334455667788
    ldr x3, =label
  label: nop`,
    { base: 0x1000n },
  );
  const w = words(img.bytes);
  assertEquals(disassemble(w[0], 0x1000n), "ldr x0, 1010");
  assertEquals(disassemble(w[1], 0x1004n), "ldr w1, 1008");
  assertEquals(w[2], 7);
  assertEquals([w[4], w[5]], [0x55667788, 0x11223344]);
  assertEquals(disassemble(w[6], 0x1018n), "ldr x2, 1028");
  assertEquals(disassemble(w[7], 0x101cn), "ldr x3, 1030");
  assertEquals([w[10], w[11], w[12], w[13]], [0x55667788, 0x11223344, 0x1020, 0]);
});

Deno.test("assemble() pads .align in code with NOPs like GNU as", () => {
  const img = assemble("nop\n.align 4\nret", { base: 0n });
  assertEquals(words(img.bytes), [0xd503201f, 0xd503201f, 0xd503201f, 0xd503201f, 0xd65f03c0]);
});

Deno.test("assemble() accepts comments, ; separators and case-insensitive mnemonics", () => {
  const img = assemble("/* block\n comment */ NOP ; Ret // trailing\n// whole line", { base: 0n });
  assertEquals(words(img.bytes), [0xd503201f, 0xd65f03c0]);
});

Deno.test("assembleOne() picks what GNU as picks for aliases and out-of-range offsets", () => {
  const cases: [string, string][] = [
    ["mov x0, #0x10000", "mov x0, #0x10000"],
    ["mov x0, #0xffff0000ffff0000", "mov x0, #0xffff0000ffff0000"],
    ["mov w0, #-2", "mov w0, #0xfffffffe"],
    ["add x0, x1, #-8", "sub x0, x1, #0x8"],
    ["cmp w1, #-3", "cmn w1, #0x3"],
    ["ldr x0, [x1, #-8]", "ldur x0, [x1, #-8]"],
    ["ldr x0, [x1, #3]", "ldur x0, [x1, #3]"],
    ["ldr x0, [x1, #32760]", "ldr x0, [x1, #32760]"],
    ["add x0, x0, #0x3000", "add x0, x0, #0x3, lsl #12"],
    ["lsl w0, w1, #31", "lsl w0, w1, #31"],
    ["b.hs .", "b.cs 0"],
    ["tst x0, #0xff", "tst x0, #0xff"],
  ];
  for (const [src, want] of cases) assertEquals(disassemble(assembleOne(src)), want, src);
});

Deno.test("AsmError reports unknown mnemonics, bad operands, ranges and undefined labels with line and column", () => {
  const cases: [string, string, number, number][] = [
    ["nop\n  frob x0", "Unknown mnemonic: frob", 2, 3],
    ["add x0, x1, #0x1001", "Immediate out of range: 4097", 1, 13],
    ["add x0, x1, q9", "Undefined symbol: q9", 1, 13],
    ["b nowhere", "Undefined symbol: nowhere", 1, 3],
    ["and x0, x1, #5", "Not a valid bitmask immediate: 0x5", 1, 13],
    ["ldr x0, [x1, #1, lsl]", "Expected ']'", 1, 16],
    ["movz w0, #1, lsl #32", "Invalid shift: 32", 1, 10],
    ["b 1f", "Undefined local label: 1f", 1, 3],
    ["  .frob 1", "Unknown directive: .frob", 1, 3],
    ["x: nop\nx: nop", "Duplicate label: x", 2, 1],
    ["ldr x0, [x1, #-257]!", "Offset out of range: -257", 1, 14],
    ["mov x0, x1, x2", "Unexpected ', x2'", 1, 11],
    ["add x0, x1, #(1 +", "Incomplete expression", 1, 18],
  ];
  for (const [src, msg, line, col] of cases) {
    const e = assertThrows(() => assemble(src), AsmError, msg, src);
    assertEquals([e.line, e.col], [line, col], `${src}: ${e.message}`);
  }
});

Deno.test("MNEMONICS lists base instructions and aliases", () => {
  for (const m of ["add", "mov", "cset", "ldp", "ldxr", "tlbi", "hvc", "eret", "ret"]) {
    assertEquals(MNEMONICS.includes(m), true, m);
  }
});

Deno.test("assemble() takes the GNU as spellings C compilers and hand-written code use", () => {
  // Expected words from aarch64-linux-gnu-as 2.x + objdump.
  const src = String.raw`tbnz x5, #0, .
    mov  w0, #'!'
    mov  w1, #','
    mov  w2, #'\''
    bic  w2, w2, #2
    bic  x2, x3, #0xff00`;
  assertEquals(words(assemble(src).bytes), [
    0x37000005, // tbnz w5, #0 (an X register with a bit below 32 encodes b5 = 0)
    0x52800420,
    0x52800581,
    0x528004e2,
    0x121e7842, // and w2, w2, #0xfffffffd
    0x9270dc62, // and x2, x3, #0xffffffffffff00ff
  ]);
  assertThrows(() => assemble("tbnz w5, #32, ."), AsmError, "Immediate out of range: 32");
  assertThrows(() => assemble("bic w2, w2, #0x12345"), AsmError, "when inverted");
});
