import { assertEquals, assertThrows } from "@std/assert";
import { harness, NEG1 } from "./_test_util.ts";
import { PV_TIME } from "./consts.ts";
import { KvmError } from "./errors.ts";

const IPA = 0x4000_0000n;

Deno.test("PV_TIME_FEATURES and PV_TIME_ST need the stolen-time IPA (spec 2.4)", () => {
  const h = harness();
  h.hvc(0, PV_TIME.FEATURES, PV_TIME.ST);
  assertEquals(h.ret()[0], NEG1);
  h.hvc(0, PV_TIME.ST);
  assertEquals(h.ret(), [NEG1, 0n, 0n, 0n]);
  h.kvm.pvTime.setIpa(h.kvm.vcpu(0), IPA);
  for (const f of [PV_TIME.FEATURES, PV_TIME.ST]) {
    h.hvc(0, PV_TIME.FEATURES, f);
    assertEquals(h.ret(), [0n, 0n, 0n, 0n], f.toString(16));
  }
  h.hvc(0, PV_TIME.FEATURES, 0xc500_0022);
  assertEquals(h.ret()[0], NEG1);
  h.hvc(0, PV_TIME.FEATURES, 0xffff_ffff_0000_0000n | BigInt(PV_TIME.ST)); // u32 argument
  assertEquals(h.ret()[0], 0n);
});

Deno.test("PV_TIME_ST zeroes the 64-byte record and returns its IPA (selftests B.1 call 8)", () => {
  const h = harness();
  h.kvm.pvTime.setIpa(h.kvm.vcpu(0), IPA);
  h.mem.bytes.fill(0xaa, 0, 80);
  h.hvc(0, PV_TIME.ST);
  assertEquals(h.ret(), [IPA, 0n, 0n, 0n]);
  assertEquals([...h.mem.bytes.subarray(0, 64)].every((b) => b === 0), true);
  assertEquals(h.mem.bytes[64], 0xaa);
});

Deno.test("Stolen time: every vCPU load adds the run_delay since the last update (pvtime.c)", () => {
  const h = harness();
  const v = h.kvm.vcpu(0);
  v.runDelay = 1000n; // before the IPA is set: counted on the first update (spec 2.4 baseline detail)
  h.kvm.pvTime.setIpa(v, IPA);
  h.kvm.vcpuLoad(0);
  assertEquals(h.mem.readU64(IPA + 8n), 1000n);
  v.runDelay += 250n;
  h.kvm.vcpuLoad(0);
  assertEquals(h.mem.readU64(IPA + 8n), 1250n);
  // PV_TIME_ST restarts accounting from now.
  h.hvc(0, PV_TIME.ST);
  assertEquals(h.mem.readU64(IPA + 8n), 0n);
  v.runDelay += 40n;
  h.kvm.vcpuLoad(0);
  assertEquals(h.mem.readU64(IPA + 8n), 40n);
});

Deno.test("setIpa() errors: ENXIO, EINVAL alignment, EEXIST, EINVAL memslot (spec 2.4)", () => {
  const h = harness({ cpus: 2 });
  const errno = (f: () => void) => assertThrows(f, KvmError).errno;
  assertEquals(errno(() => h.kvm.pvTime.setIpa(h.kvm.vcpu(0), IPA, 1)), "ENXIO");
  assertEquals(errno(() => h.kvm.pvTime.setIpa(h.kvm.vcpu(0), IPA + 8n)), "EINVAL");
  assertEquals(errno(() => h.kvm.pvTime.setIpa(h.kvm.vcpu(0), 0x1000n)), "EINVAL");
  h.kvm.pvTime.setIpa(h.kvm.vcpu(0), IPA);
  assertEquals(errno(() => h.kvm.pvTime.setIpa(h.kvm.vcpu(0), IPA + 64n)), "EEXIST");
  h.kvm.pvTime.setIpa(h.kvm.vcpu(1), IPA + 64n);
  assertEquals(h.kvm.vcpu(1).pvtimeBase, IPA + 64n);
});

Deno.test("PV time is gated by STD_HYP_BMAP and unavailable to protected VMs", () => {
  const h = harness();
  h.kvm.pvTime.setIpa(h.kvm.vcpu(0), IPA);
  h.kvm.fw.set(0x6030_0000_0016_0001n, 0n);
  h.hvc(0, PV_TIME.FEATURES, PV_TIME.ST);
  assertEquals(h.ret()[0], NEG1);
  h.hvc(0, PV_TIME.ST);
  assertEquals(h.ret()[0], NEG1);
  const p = harness({ kernel: "next", protected: true });
  assertEquals(
    assertThrows(() => p.kvm.pvTime.setIpa(p.kvm.vcpu(0), IPA), KvmError).errno,
    "ENXIO",
  );
});
