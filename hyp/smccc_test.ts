import { assertEquals } from "@std/assert";
import { callByName, decodeFid, encodeFid, fidName, knownCalls, parseCall } from "./smccc.ts";

Deno.test("decodeFid() splits type, convention, owner and number (spec 1.1)", () => {
  const cases: [number | bigint, boolean, boolean, number, number, string][] = [
    [0x8000_0000, true, false, 0, 0, "ARCH"],
    [0xc400_0003, true, true, 4, 3, "STANDARD"],
    [0x8600_ff01, true, false, 6, 0xff01, "VENDOR_HYP"],
    [0xc500_0021, true, true, 5, 0x21, "STANDARD_HYP"],
    [0x95c1_ba5e, true, false, 0x15, 0xba5e, "RESERVED"],
    [0xb200_0000, true, false, 50, 0, "TRUSTED_OS"],
    [0x0400_0001, false, false, 4, 1, "STANDARD"],
    // Only the low 32 bits of x0 count.
    [0xdead_beef_8400_0000n, true, false, 4, 0, "STANDARD"],
  ];
  for (const [id, fast, smc64, owner, func, name] of cases) {
    const d = decodeFid(id);
    assertEquals(
      [d.fast, d.smc64, d.owner, d.func, d.ownerName],
      [fast, smc64, owner, func, name],
      String(id),
    );
  }
});

Deno.test("encodeFid() inverts decodeFid() for every catalogued call", () => {
  for (const c of knownCalls()) {
    if (c.name.startsWith("KVM_PSCI_0_1")) continue; // deliberately non-SMCCC (spec 2.2)
    assertEquals(encodeFid(decodeFid(c.fid)), c.fid, c.name);
  }
});

Deno.test("fidName() names catalogued calls and describes unknown ones", () => {
  assertEquals(fidName(0xc400_0003), "PSCI_CPU_ON64");
  assertEquals(fidName(0x8600_ff01), "VENDOR_HYP_CALL_UID");
  assertEquals(fidName(0x8200_0001), "SIP32_FN_0x0001");
  assertEquals(fidName(0x4600_0010), "VENDOR_HYP64_YIELD_FN_0x0010");
});

Deno.test("parseCall() accepts names, short aliases and numbers", () => {
  assertEquals(parseCall("PSCI_VERSION"), 0x8400_0000);
  assertEquals(parseCall("cpu_on64"), 0xc400_0003);
  assertEquals(parseCall("ARCH_FEATURES"), 0x8000_0001);
  assertEquals(parseCall("0x86000001"), 0x8600_0001);
  assertEquals(parseCall("2214592512"), 0x8400_0000);
  assertEquals(parseCall("0x1_0000_0000"), undefined);
  assertEquals(parseCall("NOPE"), undefined);
  assertEquals(callByName("KVM_MMIO_GUARD_MAP")?.fid, 0xc600_0007);
});
