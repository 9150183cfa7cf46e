import { assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { FakeClock, FakeMemory, FakeVcpu, harness, NEG1 } from "./_test_util.ts";
import { KVM_REG, KVM_VENDOR, KvmVm, Outcome, PSCI, PV_TIME, SMCCC, TRNG } from "./mod.ts";
import { KvmError } from "./errors.ts";

/** hypercalls.c's 11 feature calls with their x1 (selftests B.1). */
const FEATURE_CALLS: [number, number][] = [
  [TRNG.VERSION, 0],
  [TRNG.FEATURES, TRNG.RND64],
  [TRNG.GET_UUID, 0],
  [TRNG.RND32, 0],
  [TRNG.RND64, 0],
  [SMCCC.ARCH_FEATURES, PV_TIME.FEATURES],
  [PV_TIME.FEATURES, PV_TIME.ST],
  [PV_TIME.ST, 0],
  [KVM_VENDOR.FEATURES, KVM_VENDOR.PTP],
  [KVM_VENDOR.CALL_UID, 0],
  [KVM_VENDOR.PTP, 0],
];

function hypercallsVm() {
  const h = harness();
  h.kvm.pvTime.setIpa(h.kvm.vcpu(0), 0x4000_0000n); // steal-time setup
  return h;
}

Deno.test("hypercalls.c stage 1 (FEAT_DISABLED): all 11 calls return -1 with every bitmap 0", () => {
  const h = hypercallsVm();
  for (
    const id of [
      KVM_REG.STD_BMAP,
      KVM_REG.STD_HYP_BMAP,
      KVM_REG.VENDOR_HYP_BMAP,
      KVM_REG.VENDOR_HYP_BMAP_2,
    ]
  ) h.kvm.fw.set(id, 0n);
  for (const [fid, x1] of FEATURE_CALLS) {
    h.hvc(0, fid, x1, 0, 0, 0, 0, 0, 0);
    assertEquals(h.ret()[0], NEG1, fid.toString(16));
  }
});

Deno.test("hypercalls.c stage 2 (FEAT_ENABLED): the 11 calls succeed with KVM's values", () => {
  const h = hypercallsVm();
  const got = FEATURE_CALLS.map(([fid, x1]) => {
    h.hvc(0, fid, x1, 0, 0, 0, 0, 0, 0);
    return h.ret();
  });
  for (const r of got) assertNotEquals(r[0], NEG1);
  assertEquals(got[0][0], 0x10000n);
  assertEquals(got[1][0], 0n);
  assertEquals(got[2], [0x00e0_210dn, 0xeb11_8443n, 0x4452_7080n, 0x4c5a_4e55n]);
  assertEquals(got[3], [0n, 0n, 0n, 0n]);
  assertEquals(got[4], [0n, 0n, 0n, 0n]);
  assertEquals(got[5][0], 0n);
  assertEquals(got[6][0], 0n);
  assertEquals(got[7][0], 0x4000_0000n);
  assertEquals(got[8][0], 0x3n);
  assertEquals(got[9], [0xb66f_b428n, 0xe911_c52en, 0x564b_caa9n, 0x743a_004dn]);
  assertEquals(got[10][1] !== 0n || got[10][0] !== 0n, true, "PTP wall clock");
});

Deno.test("hypercalls.c stage 3 (FALSE_INFO): feature queries for foreign IDs return -1", () => {
  const h = hypercallsVm();
  for (
    const [fid, x1] of [[TRNG.FEATURES, KVM_VENDOR.PTP], [SMCCC.ARCH_FEATURES, TRNG.RND64], [
      PV_TIME.FEATURES,
      TRNG.RND64,
    ]]
  ) {
    h.hvc(0, fid, x1);
    assertEquals(h.ret()[0], NEG1);
  }
});

Deno.test("Unknown IDs of every owner answer -1 with x1..x3 zeroed and x4+ untouched (spec 1.7)", () => {
  const h = harness();
  const ids = [
    0x8100_0000,
    0x8200_0001,
    0xc300_0000,
    0x8400_0020,
    0x8401_0000,
    0x8500_0000,
    0x8600_0002,
    0xb000_0000,
    0xf200_0001,
    0x0400_0000,
    0x9500_0000,
  ];
  for (const id of ids) {
    for (let n = 1; n <= 8; n++) h.cpus[0].setX(n, BigInt(n * 0x11));
    h.hvc(0, id);
    assertEquals(h.ret(), [NEG1, 0n, 0n, 0n], id.toString(16));
    for (let n = 4; n <= 8; n++) assertEquals(h.cpus[0].x(n), BigInt(n * 0x11));
  }
});

Deno.test("Only the low 32 bits of x0 select the function (spec 1.1)", () => {
  const h = harness();
  h.hvc(0, 0xffff_ffff_0000_0000n | BigInt(PSCI.VERSION));
  assertEquals(h.ret()[0], 0x10003n);
});

Deno.test("HVC ignores its immediate; SMC with imm != 0 answers x0 = -1 only and skips the SMC (spec 1.5)", () => {
  const h = harness();
  h.cpus[0].setX(0, PSCI.VERSION);
  h.cpus[0].pc += 4n;
  h.kvm.hvc(0, 0x1234);
  assertEquals(h.ret()[0], 0x10003n);
  h.cpus[0].setX(0, PSCI.VERSION);
  h.cpus[0].setX(1, 0x11n);
  const pc = h.cpus[0].pc;
  assertEquals(h.kvm.smc(0, 1), Outcome.CONTINUE);
  assertEquals(h.ret().slice(0, 2), [NEG1, 0x11n]);
  assertEquals(h.cpus[0].pc, pc + 4n);
});

Deno.test("SMC #0 goes through the dispatcher on ≥6.4 and advances the PC (spec 1.5)", () => {
  const h = harness();
  const pc = h.cpus[0].pc;
  h.smc(0, PSCI.VERSION);
  assertEquals(h.ret(), [0x10003n, 0n, 0n, 0n]);
  assertEquals(h.cpus[0].pc, pc + 4n);
});

Deno.test("Before 6.4, SMC from EL1 answers x0 = -1 only (spec 1.5)", () => {
  const h = harness({ kernel: "6.1" });
  h.cpus[0].setX(1, 0x11n);
  h.smc(0, PSCI.VERSION);
  assertEquals(h.ret().slice(0, 2), [NEG1, 0x11n]);
  assertEquals(h.kvm.trace.last()[0].route, "smc-legacy");
});

Deno.test("Before 5.19 there are no bitmaps: every implemented service is reachable", () => {
  const h = harness({ kernel: "5.15" });
  h.hvc(0, TRNG.VERSION);
  assertEquals(h.ret()[0], 0x10000n);
  assertEquals(h.kvm.allowed(0x8200_0000), true);
});

Deno.test("The trace records every call with route, args before narrowing, and results", () => {
  const h = harness({ cpus: 2 });
  h.kvm.fw.set(KVM_REG.STD_BMAP, 0n);
  h.kvm.setMpState(1, "STOPPED");
  h.hvc(0, TRNG.VERSION);
  h.hvc(0, PSCI.CPU_ON, 0xffff_0000_0000_0001n, 0x4000, 5);
  const [a, b] = h.kvm.trace.calls;
  assertEquals([a.name, a.route, a.result[0]], ["TRNG_VERSION", "bitmap-deny", NEG1]);
  assertEquals([b.name, b.route, b.service, b.args[0], b.result[0]], [
    "PSCI_CPU_ON",
    "service",
    "psci",
    0xffff_0000_0000_0001n,
    0n,
  ]);
  assertEquals(h.kvm.trace.total, 2);
});

Deno.test("Bad options give clear errors", () => {
  assertThrows(() => harness({ kernel: "4.19" }), RangeError, "Unknown kernel profile: 4.19");
  assertThrows(
    () => harness({ host: { spectreV2: "maybe" as "mitigated" } }),
    RangeError,
    "host.spectreV2",
  );
  assertEquals(assertThrows(() => harness({ protected: true }), KvmError).errno, "EINVAL");
  assertEquals(
    assertThrows(() => harness({ kernel: "next", protected: true, psci02: false }), KvmError).errno,
    "EINVAL",
  );
  assertThrows(() => harness().kvm.vcpu(3), RangeError, "No vCPU 3");
  assertEquals(assertThrows(() => harness().kvm.setMpState(0, "HALTED"), KvmError).errno, "EINVAL");
  assertEquals(
    assertThrows(
      () => harness({ kernel: "5.15" }).kvm.enableCap("KVM_CAP_ARM_SYSTEM_SUSPEND"),
      KvmError,
    ).errno,
    "EINVAL",
  );
});

Deno.test("checkExtension() reports capabilities by profile", () => {
  assertEquals(harness().kvm.checkExtension("KVM_CAP_ARM_SYSTEM_SUSPEND"), 1);
  assertEquals(harness({ kernel: "5.15" }).kvm.checkExtension(216), 0);
  assertEquals(harness().kvm.checkExtension("KVM_CAP_PTP_KVM"), 1);
  assertEquals(harness().kvm.checkExtension("KVM_CAP_NOPE"), 0);
});

Deno.test("a vCPU port whose 64-bit registers sit at odd words is refused with a clear error", () => {
  const odd = new FakeVcpu(0, new Int32Array(256));
  Object.defineProperty(odd, "xWord", { value: 1 });
  assertThrows(
    () => new KvmVm({}, { vcpus: [odd], memory: new FakeMemory(), clock: new FakeClock() }),
    RangeError,
    "X0 and the time counters must start at even words",
  );
});
