import { assertEquals } from "@std/assert";
import { harness, neg, NEG1 } from "./_test_util.ts";
import { KVM_VENDOR as V, Outcome, PSCI, SMCCC, TRNG } from "./mod.ts";

const RAM = 0x4000_0000n;
const INVALID = neg(SMCCC.RET_INVALID_PARAMETER);

Deno.test("Mainline pKVM (next): FEATURES = 0x1d, MEMINFO = granule, reserved args checked (spec 2.6.2)", () => {
  const h = harness({ kernel: "next", protected: true });
  h.hvc(0, V.FEATURES);
  assertEquals(h.ret(), [0x1dn, 0n, 0n, 0n]);
  h.hvc(0, V.HYP_MEMINFO, 0, 0, 0);
  assertEquals(h.ret(), [4096n, 0n, 0n, 0n]);
  h.hvc(0, V.HYP_MEMINFO, 0, 0, 1);
  assertEquals(h.ret(), [INVALID, 0n, 0n, 0n]);
  // MMIO_GUARD is not handled at EL2 → host → denied.
  h.hvc(0, V.MMIO_GUARD, RAM);
  assertEquals(h.ret()[0], NEG1);
  // Other calls go to the host's dispatcher.
  h.hvc(0, PSCI.VERSION);
  assertEquals(h.ret()[0], 0x10003n);
});

Deno.test("Mainline pKVM MEM_SHARE / MEM_UNSHARE: one page, owned ↔ shared (spec 2.6.2)", () => {
  const h = harness({ kernel: "next", protected: true });
  const pk = h.kvm.pkvm;
  h.hvc(0, V.MEM_SHARE, RAM + 0x2000n, 0, 0);
  assertEquals(h.ret(), [0n, 0n, 0n, 0n]);
  assertEquals(pk.pageState(RAM + 0x2fffn), "shared");
  h.hvc(0, V.MEM_SHARE, RAM + 0x2000n, 0, 0);
  assertEquals(h.ret()[0], INVALID, "already shared");
  h.hvc(0, V.MEM_SHARE, RAM + 0x3000n, 2, 0);
  assertEquals(h.ret()[0], INVALID, "x2 must be zero in mainline");
  h.hvc(0, V.MEM_UNSHARE, RAM + 0x2000n, 0, 0);
  assertEquals(h.ret()[0], 0n);
  assertEquals(pk.pageState(RAM + 0x2000n), "owned");
  h.hvc(0, V.MEM_UNSHARE, RAM + 0x2000n, 0, 0);
  assertEquals(h.ret()[0], INVALID, "not shared");
});

Deno.test("Mainline pKVM: SMC from a protected vCPU is UNDEFINED (spec 1.5)", () => {
  const h = harness({ kernel: "next", protected: true });
  assertEquals(h.smc(0, PSCI.VERSION), Outcome.UNDEF);
});

Deno.test("ACK pKVM: SMCCC 1.2, UID, FEATURES 0xffd, MEMINFO with HAS_RANGE (spec 2.6.3)", () => {
  const h = harness({ kernel: "android16-6.12", protected: true });
  h.hvc(0, SMCCC.VERSION);
  assertEquals(h.ret()[0], 0x10002n);
  h.hvc(0, V.CALL_UID);
  assertEquals(h.ret()[0], 0xb66f_b428n);
  h.hvc(0, V.FEATURES);
  assertEquals(h.ret(), [0xffdn, 0n, 0n, 0n]);
  for (const f of [V.HYP_MEMINFO, V.MMIO_GUARD_INFO]) {
    h.hvc(0, f, 0, 0, 0);
    assertEquals(h.ret(), [4096n, 1n, 0n, 0n]);
  }
  // Not in pKVM's list → pKVM's PSCI → NOT_SUPPORTED at EL2 (no host forwarding).
  for (const f of [SMCCC.ARCH_FEATURES, V.PTP, 0xc500_0020]) {
    h.hvc(0, f, 0);
    assertEquals(h.ret()[0], NEG1, f.toString(16));
  }
});

Deno.test("ACK MEM_SHARE with a range: partial progress is bounded by the walk and reported in x1 (seed 001)", () => {
  const h = harness({ kernel: "android16-6.12", protected: true });
  h.hvc(0, V.MEM_SHARE, RAM, 3, 0);
  assertEquals(h.ret(), [0n, 3n, 0n, 0n]);
  h.hvc(0, V.MEM_SHARE, RAM + 0x10000n, 0, 0); // legacy 0 → one page
  assertEquals(h.ret(), [0n, 1n, 0n, 0n]);
  h.hvc(0, V.MEM_SHARE, RAM + 0x20000n, 600, 0); // more than one walk: 512
  assertEquals(h.ret(), [0n, 512n, 0n, 0n]);
  h.hvc(0, V.MEM_SHARE, RAM + 0x20000n + 512n * 4096n, 88, 0); // the caller continues where it stopped
  assertEquals(h.ret(), [0n, 88n, 0n, 0n]);
  h.hvc(0, V.MEM_SHARE, RAM + 0x1000n, 4, 0); // overlaps a shared page → the whole call fails
  assertEquals(h.ret(), [INVALID, 0n, 0n, 0n]);
  h.hvc(0, V.MEM_SHARE, RAM + 0x801n, 1, 0);
  assertEquals(h.ret()[0], INVALID, "unaligned");
  h.hvc(0, V.MEM_SHARE, RAM, 1, 1);
  assertEquals(h.ret()[0], INVALID, "x3 reserved");
  h.hvc(0, V.MEM_UNSHARE, RAM, 2, 0);
  assertEquals(h.ret(), [0n, 2n, 0n, 0n]);
  assertEquals(h.kvm.pkvm.pageState(RAM + 0x2000n), "shared");
  assertEquals(h.kvm.pkvm.pageState(RAM + 0x1000n), "owned");
});

Deno.test("ACK MEM_RELINQUISH clears an owned page and gives it back; shared pages refuse", () => {
  const h = harness({ kernel: "android16-6.12", protected: true });
  h.mem.bytes.fill(0x5a, 0x3000, 0x4000);
  h.hvc(0, V.MEM_RELINQUISH, RAM + 0x3010n, 0, 0);
  assertEquals(h.ret(), [0n, 0n, 0n, 0n]);
  assertEquals(h.kvm.pkvm.pageState(RAM + 0x3000n), "relinquished");
  assertEquals(h.mem.bytes.subarray(0x3000, 0x4000).every((b) => b === 0), true);
  h.hvc(0, V.MEM_RELINQUISH, RAM + 0x3000n, 0, 0);
  assertEquals(h.ret()[0], 0n, "nothing mapped: a no-op");
  h.hvc(0, V.MEM_SHARE, RAM + 0x5000n, 1, 0);
  h.hvc(0, V.MEM_RELINQUISH, RAM + 0x5000n, 0, 0);
  assertEquals(h.ret()[0], INVALID);
  h.hvc(0, V.MEM_RELINQUISH, RAM, 1, 0);
  assertEquals(h.ret()[0], INVALID, "x2 reserved");
  // A relinquished page faults back in on the next share.
  h.hvc(0, V.MEM_SHARE, RAM + 0x3000n, 1, 0);
  assertEquals(h.ret(), [0n, 1n, 0n, 0n]);
});

Deno.test("ACK MMIO guard: enrol, map non-memory pages, unmap is a no-op returning the count", () => {
  const h = harness({ kernel: "android16-6.12", protected: true });
  const UART = 0x0900_0000n;
  h.hvc(0, V.MMIO_GUARD_MAP, UART);
  assertEquals(h.ret(), [INVALID, 0n, 0n, 0n], "not enrolled");
  h.hvc(0, V.MMIO_GUARD_UNMAP, UART);
  assertEquals(h.ret(), [INVALID, 1n, 0n, 0n], "x1 = requested count even on error");
  h.hvc(0, V.MMIO_GUARD_ENROLL);
  assertEquals(h.ret(), [0n, 0n, 0n, 0n]);
  h.hvc(0, V.MMIO_GUARD_MAP, UART, 0xdead, 0xbeef); // legacy: x2/x3 ignored, one page
  assertEquals(h.ret(), [0n, 1n, 0n, 0n]);
  assertEquals(h.kvm.pkvm.pageState(UART), "mmio");
  h.hvc(0, V.MMIO_RGUARD_MAP, 0x0800_0000n, 16, 0);
  assertEquals(h.ret(), [0n, 16n, 0n, 0n]);
  h.hvc(0, V.MMIO_RGUARD_MAP, RAM - 0x2000n, 4, 0); // runs into RAM after two pages
  assertEquals(h.ret(), [0n, 2n, 0n, 0n]);
  h.hvc(0, V.MMIO_RGUARD_MAP, RAM, 1, 0);
  assertEquals(h.ret(), [INVALID, 0n, 0n, 0n], "memory can never be MMIO");
  h.hvc(0, V.MMIO_RGUARD_MAP, UART, 1, 1);
  assertEquals(h.ret()[0], INVALID, "x3 reserved");
  h.hvc(0, V.MMIO_RGUARD_UNMAP, UART, 7, 0);
  assertEquals(h.ret(), [0n, 7n, 0n, 0n]);
});

Deno.test("ACK pVM PSCI: CPU_ON makes the target ON_PENDING until it runs (spec 2.6.3)", () => {
  const h = harness({ kernel: "android16-6.12", protected: true, cpus: 2 });
  h.kvm.setMpState(1, "STOPPED");
  h.hvc(0, PSCI.AFFINITY_INFO64, 1, 0);
  assertEquals(h.ret()[0], 1n, "OFF");
  h.hvc(0, PSCI.CPU_ON64, 1, 0x4008_0000, 0);
  assertEquals(h.ret()[0], 0n);
  h.hvc(0, PSCI.AFFINITY_INFO64, 1, 0);
  assertEquals(h.ret()[0], 2n, "ON_PENDING");
  h.hvc(0, PSCI.CPU_ON64, 1, 0x4008_0000, 0);
  assertEquals(h.ret()[0], neg(PSCI.RET_ON_PENDING));
  h.kvm.vcpuLoad(1); // the target runs
  h.hvc(0, PSCI.AFFINITY_INFO64, 1, 0);
  assertEquals(h.ret()[0], 0n, "ON");
  h.hvc(0, PSCI.CPU_ON64, 1, 0x4008_0000, 0);
  assertEquals(h.ret()[0], neg(PSCI.RET_ALREADY_ON));
  h.hvc(0, PSCI.VERSION);
  assertEquals(h.ret()[0], 0x10001n);
  h.hvc(0, PSCI.FEATURES, PSCI.MIGRATE_INFO_TYPE);
  assertEquals(h.ret()[0], NEG1, "MIGRATE_INFO_TYPE is not in pKVM's list");
  h.hvc(0, PSCI.FEATURES, PSCI.SYSTEM_RESET2_64);
  assertEquals(h.ret()[0], 0n);
});

Deno.test("ACK pVM: CPU_OFF and SYSTEM_OFF go on to the host (filter and PSCI apply there)", () => {
  const h = harness({ kernel: "android16-6.12", protected: true, cpus: 2 });
  h.kvm.filter.set({ base: PSCI.SYSTEM_OFF, nr: 1, action: "fwd_to_user" });
  assertEquals(h.hvc(1, PSCI.CPU_OFF), Outcome.SLEEP);
  assertEquals(h.kvm.vcpu(1).psciPower, PSCI.AFFINITY_OFF);
  assertEquals(h.hvc(0, PSCI.SYSTEM_OFF), Outcome.EXIT);
  assertEquals(h.kvm.vcpu(0).exit?.reason, "hypercall");
  // TRNG is forwarded to firmware: not subject to the host's STD_BMAP.
  const g = harness({ kernel: "android16-6.12", protected: true });
  g.kvm.fw.set(0x6030_0000_0016_0000n, 0n);
  g.hvc(0, TRNG.VERSION);
  assertEquals(g.ret()[0], 0x10000n);
});
