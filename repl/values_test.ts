import { assertEquals, assertThrows } from "@std/assert";
import {
  parseAssignment,
  parseCallId,
  parseCount,
  parseNumber,
  parseU64,
  splitWords,
  UsageError,
} from "./values.ts";

Deno.test("parseNumber() reads hex, decimal, binary and octal with separators", () => {
  assertEquals(parseNumber("0x4008_0000"), 0x4008_0000n);
  assertEquals(parseNumber("4096"), 4096n);
  assertEquals(parseNumber("0b1010"), 10n);
  assertEquals(parseNumber("0o17"), 15n);
  assertEquals(parseNumber("0xFFFF_0000_8000_0000"), 0xffff_0000_8000_0000n);
});

Deno.test("parseNumber() keeps 64-bit values exact and wraps negatives to two's complement", () => {
  assertEquals(parseNumber("0xffffffffffffffff"), 0xffff_ffff_ffff_ffffn);
  assertEquals(parseNumber("18446462600880324608"), 0xffff_0000_8000_0000n);
  assertEquals(parseNumber("-1"), 0xffff_ffff_ffff_ffffn);
  assertEquals(parseNumber("-3"), 0xffff_ffff_ffff_fffdn);
  assertEquals(parseNumber("-0x1"), 0xffff_ffff_ffff_ffffn);
});

Deno.test("parseNumber() returns undefined for words and rejects values wider than 64 bits", () => {
  assertEquals(parseNumber("PSCI_VERSION"), undefined);
  assertEquals(parseNumber("0x"), undefined);
  assertEquals(parseNumber("12_"), undefined);
  assertThrows(() => parseNumber("0x1_0000_0000_0000_0000"), UsageError, "does not fit in 64 bits");
});

Deno.test("parseU64() accepts call names only where asked", () => {
  assertEquals(parseU64("CPU_ON64", "x1", { calls: true }), 0xc400_0003n);
  assertThrows(() => parseU64("CPU_ON64", "value"), UsageError, "Invalid value: CPU_ON64");
  assertThrows(() => parseU64("zz", "x1", { calls: true }), UsageError, "or a call name");
});

Deno.test("parseCallId() resolves names, aliases, numbers and hyp-stub calls", () => {
  assertEquals(parseCallId("PSCI_VERSION"), 0x8400_0000);
  assertEquals(parseCallId("psci_version"), 0x8400_0000);
  assertEquals(parseCallId("CPU_ON64"), 0xc400_0003);
  assertEquals(parseCallId("0x84000000"), 0x8400_0000);
  assertEquals(parseCallId("HVC_SOFT_RESTART"), 1);
  assertThrows(() => parseCallId("PSCI_VERSON"), UsageError, "Unknown call: PSCI_VERSON");
});

Deno.test("parseCount() takes integers, hex and 1e9-style counts", () => {
  assertEquals(parseCount("10", "n"), 10);
  assertEquals(parseCount("1e6", "n"), 1_000_000);
  assertEquals(parseCount("0x10", "n"), 16);
  assertThrows(() => parseCount("-1", "n"), UsageError, "Invalid n: -1");
  assertThrows(() => parseCount("0", "n", 1), UsageError, "≥ 1");
});

Deno.test("parseAssignment() splits REG=VALUE", () => {
  assertEquals(parseAssignment("STD_BMAP=0"), { reg: "STD_BMAP", value: 0n });
  assertEquals(parseAssignment("X1=-1"), { reg: "X1", value: 0xffff_ffff_ffff_ffffn });
  assertThrows(() => parseAssignment("STD_BMAP"), UsageError, "expected REG=VALUE");
  assertThrows(() => parseAssignment("STD_BMAP=x"), UsageError, "Invalid value for STD_BMAP");
});

Deno.test("splitWords() splits on spaces and honours quotes and backslashes", () => {
  assertEquals(splitWords("call  PSCI_VERSION --smc"), ["call", "PSCI_VERSION", "--smc"]);
  assertEquals(splitWords(`uart --send "hello world\\n"`), ["uart", "--send", "hello world\\n"]);
  assertEquals(splitWords(`load 'my file.elf'`), ["load", "my file.elf"]);
  assertEquals(splitWords(`a\\ b ""`), ["a b", ""]);
  assertEquals(splitWords("   "), []);
  assertThrows(() => splitWords(`load "x`), UsageError, "Unterminated quote");
});
