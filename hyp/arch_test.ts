import { assertEquals } from "@std/assert";
import { harness, neg, NEG1 } from "./_test_util.ts";
import { PV_TIME, SMCCC } from "./consts.ts";
import type { HostOptions, SpectreState } from "./kvm.ts";

const WA1 = SMCCC.ARCH_WORKAROUND_1, WA2 = SMCCC.ARCH_WORKAROUND_2, WA3 = SMCCC.ARCH_WORKAROUND_3;

Deno.test("SMCCC_VERSION is 1.1 with x1..x3 zeroed (spec 2.1)", () => {
  const h = harness();
  h.cpus[0].setX(1, 0x1234n);
  h.hvc(0, SMCCC.VERSION);
  assertEquals(h.ret(), [0x10001n, 0n, 0n, 0n]);
});

Deno.test("SMCCC_ARCH_FEATURES answers per host state (spec 2.7 table)", () => {
  const rows: [number, HostOptions, string, bigint][] = [
    [WA1, { spectreV2: "vulnerable" }, "6.16", NEG1],
    [WA1, { spectreV2: "mitigated" }, "6.16", 0n],
    [WA1, { spectreV2: "unaffected" }, "6.16", 1n],
    [WA1, { spectreV2: "unaffected" }, "5.10", neg(-2)],
    [WA2, { spectreV4: "vulnerable" }, "6.16", NEG1],
    [WA2, { spectreV4: "mitigated", ssbs: true }, "6.16", NEG1],
    [WA2, { spectreV4: "mitigated", ssbs: false }, "6.16", neg(-2)],
    [WA2, { spectreV4: "unaffected" }, "6.16", neg(-2)],
    [WA3, { spectreBhb: "vulnerable" }, "6.16", NEG1],
    [WA3, { spectreBhb: "mitigated" }, "6.16", 0n],
    [WA3, { spectreBhb: "unaffected" }, "6.16", 1n],
    [WA3, { spectreBhb: "mitigated" }, "5.15", NEG1], // no WA3 before ~5.17
    [PV_TIME.FEATURES, {}, "6.16", 0n],
    [SMCCC.VERSION, {}, "6.16", NEG1],
    [SMCCC.ARCH_FEATURES, {}, "6.16", NEG1],
    [SMCCC.ARCH_SOC_ID, {}, "6.16", NEG1],
    [0x8400_0000, {}, "6.16", NEG1],
    [0xc400_0053, {}, "6.16", NEG1],
  ];
  for (const [fid, host, kernel, want] of rows) {
    const h = harness({ host, kernel });
    h.hvc(0, SMCCC.ARCH_FEATURES, fid);
    assertEquals(
      h.ret(),
      [want, 0n, 0n, 0n],
      `${fid.toString(16)} ${JSON.stringify(host)} ${kernel}`,
    );
  }
});

Deno.test("SMCCC_ARCH_FEATURES truncates x1 to 32 bits (spec 1.4)", () => {
  const h = harness({ host: { spectreV2: "mitigated" } });
  h.hvc(0, SMCCC.ARCH_FEATURES, 0xffff_ffff_0000_0000n | BigInt(WA1));
  assertEquals(h.ret()[0], 0n);
});

Deno.test("SMCCC_ARCH_FEATURES(PV_TIME_FEATURES) follows STD_HYP_BMAP (selftests B.1 call 6)", () => {
  const h = harness();
  h.kvm.fw.set(0x6030_0000_0016_0001n, 0n);
  h.hvc(0, SMCCC.ARCH_FEATURES, PV_TIME.FEATURES);
  assertEquals(h.ret()[0], NEG1);
});

Deno.test("ARCH_WORKAROUND_1/2/3 by HVC take the EL2 fast path: x0 = x1 = 0, x2/x3 kept (spec 1.5)", () => {
  for (const fid of [WA1, WA2, WA3]) {
    for (const state of ["vulnerable", "mitigated", "unaffected"] as SpectreState[]) {
      const h = harness({ host: { spectreV2: state, spectreV4: state, spectreBhb: state } });
      // Even with the filter and all bitmaps in the way, and with junk in x0[63:32].
      h.kvm.fw.set(0x6030_0000_0016_0000n, 0n);
      h.cpus[0].setX(2, 0x22n);
      h.cpus[0].setX(3, 0x33n);
      h.hvc(0, (0xabcdn << 32n) | BigInt(fid), 0x11);
      assertEquals(h.ret(), [0n, 0n, 0x22n, 0x33n], fid.toString(16));
      assertEquals(h.kvm.trace.last()[0].route, "fast-path");
    }
  }
});

Deno.test("ARCH_WORKAROUND_3 has no fast path before ~5.17: the dispatcher says -1", () => {
  const h = harness({ kernel: "5.15" });
  h.cpus[0].setX(2, 0x22n);
  h.hvc(0, WA3);
  assertEquals(h.ret(), [NEG1, 0n, 0n, 0n]);
});

Deno.test("ARCH_WORKAROUND_1/2/3 by SMC are denied: x0 = -1, x1..x3 = 0 (spec 1.5)", () => {
  for (const fid of [WA1, WA2, WA3]) {
    const h = harness();
    h.cpus[0].setX(3, 0x33n);
    h.smc(0, fid);
    assertEquals(h.ret(), [NEG1, 0n, 0n, 0n]);
  }
});
