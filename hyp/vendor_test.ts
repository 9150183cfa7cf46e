import { assertEquals } from "@std/assert";
import { harness, NEG1 } from "./_test_util.ts";
import { KVM_VENDOR } from "./consts.ts";

Deno.test("VENDOR_HYP_CALL_UID returns KVM's UID words (kvm-uuid.c, selftests B.5)", () => {
  const h = harness();
  h.hvc(0, KVM_VENDOR.CALL_UID, 0, 0, 0);
  assertEquals(h.ret(), [0xb66f_b428n, 0xe911_c52en, 0x564b_caa9n, 0x743a_004dn]);
});

Deno.test("KVM_FEATURES: x0 = VENDOR_HYP_BMAP, x2 = VENDOR_HYP_BMAP_2 (spec 2.5)", () => {
  const h = harness();
  h.hvc(0, KVM_VENDOR.FEATURES);
  assertEquals(h.ret(), [0x3n, 0n, 0n, 0n]);
  const g = harness(); // bitmaps are set before the VM runs
  g.kvm.fw.set(0x6030_0000_0016_0003n, 0x3n);
  g.kvm.fw.set(0x6030_0000_0016_0002n, 0x1n);
  g.hvc(0, KVM_VENDOR.FEATURES);
  assertEquals(g.ret(), [0x1n, 0n, 0x3n, 0n]);
  const old = harness({ kernel: "6.12" }); // no BMAP_2: x2 stays 0
  old.hvc(0, KVM_VENDOR.FEATURES);
  assertEquals(old.ret(), [0x3n, 0n, 0n, 0n]);
});

Deno.test("KVM_PTP returns realtime and counter split in 32-bit halves (spec 2.5)", () => {
  const h = harness();
  h.clock.realtime = 0x1234_5678_9abc_def0n;
  h.clock.counter = 0x1_0000_0010n;
  h.clock.voffset = 0x10n;
  h.clock.poffset = 0x8n;
  h.hvc(0, KVM_VENDOR.PTP, 0);
  assertEquals(h.ret(), [0x1234_5678n, 0x9abc_def0n, 0x1n, 0x0n]);
  h.hvc(0, KVM_VENDOR.PTP, 1);
  assertEquals(h.ret(), [0x1234_5678n, 0x9abc_def0n, 0x1n, 0x8n]);
  h.hvc(0, KVM_VENDOR.PTP, 2);
  assertEquals(h.ret(), [NEG1, 0n, 0n, 0n]);
  h.hvc(0, KVM_VENDOR.PTP, 0x1_0000_0000n); // u32: selector 0
  assertEquals(h.ret()[0], 0x1234_5678n);
});

Deno.test("KVM_PTP fails unless the host clocksource is the arch counter", () => {
  const h = harness({ host: { clocksource: "tsc" } });
  h.hvc(0, KVM_VENDOR.PTP, 0);
  assertEquals(h.ret(), [NEG1, 0n, 0n, 0n]);
});

Deno.test("Vendor calls are gated by VENDOR_HYP_BMAP bits and absent before 5.13", () => {
  const h = harness();
  h.kvm.fw.set(0x6030_0000_0016_0002n, 0x1n); // PTP off
  h.hvc(0, KVM_VENDOR.PTP, 0);
  assertEquals(h.ret()[0], NEG1);
  h.hvc(0, KVM_VENDOR.CALL_UID);
  assertEquals(h.ret()[0], 0xb66f_b428n);
  const g = harness();
  g.kvm.fw.set(0x6030_0000_0016_0002n, 0x2n); // FEATURES/UID off
  g.hvc(0, KVM_VENDOR.PTP, 0);
  assertEquals(g.ret()[0] !== NEG1, true);
  g.hvc(0, KVM_VENDOR.CALL_UID);
  assertEquals(g.ret()[0], NEG1);
  g.hvc(0, KVM_VENDOR.FEATURES);
  assertEquals(g.ret()[0], NEG1);
  const old = harness({ kernel: "5.10" });
  old.hvc(0, KVM_VENDOR.CALL_UID);
  assertEquals(old.ret()[0], NEG1);
});

Deno.test("DISCOVER_IMPL_* and pKVM-reserved IDs are denied without a filter (spec 1.7)", () => {
  const h = harness();
  h.kvm.fw.set(0x6030_0000_0016_0003n, 0x3n);
  for (
    const f of [
      KVM_VENDOR.DISCOVER_IMPL_VER,
      KVM_VENDOR.DISCOVER_IMPL_CPUS,
      KVM_VENDOR.HYP_MEMINFO,
      0xc600_003f,
      KVM_VENDOR.FEATURES_2,
    ]
  ) {
    h.hvc(0, f);
    assertEquals(h.ret(), [NEG1, 0n, 0n, 0n], f.toString(16));
  }
});
