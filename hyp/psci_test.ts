import { assertEquals } from "@std/assert";
import { harness, neg, NEG1 } from "./_test_util.ts";
import { MP_STATE, Outcome, PSCI, SMCCC } from "./mod.ts";

Deno.test("PSCI_VERSION follows the profile and the PSCI_VERSION register (spec 3.2)", () => {
  const rows: [string, boolean, bigint][] = [
    ["6.16", true, 0x10003n],
    ["6.6", true, 0x10001n],
    ["5.10", true, 0x10000n],
    ["6.16", false, NEG1], // PSCI 0.1 vCPUs: the 0.2 ID is NOT_SUPPORTED
  ];
  for (const [kernel, psci02, want] of rows) {
    const h = harness({ kernel, psci02 });
    h.hvc(0, PSCI.VERSION);
    assertEquals(h.ret(), [want, 0n, 0n, 0n], `${kernel} psci02=${psci02}`);
  }
  const h = harness();
  for (const v of [0x2n, 0x10000n, 0x10001n, 0x10002n, 0x10003n]) {
    h.kvm.fw.set(0x6030_0000_0014_0000n, v);
    h.hvc(0, PSCI.VERSION);
    assertEquals(h.ret()[0], v);
  }
});

Deno.test("PSCI_FEATURES answers the KVM list, gated by minor version and the SUSPEND cap (spec 4.2)", () => {
  const always = [
    PSCI.VERSION,
    PSCI.CPU_SUSPEND,
    PSCI.CPU_SUSPEND64,
    PSCI.CPU_OFF,
    PSCI.CPU_ON,
    PSCI.CPU_ON64,
    PSCI.AFFINITY_INFO,
    PSCI.AFFINITY_INFO64,
    PSCI.MIGRATE_INFO_TYPE,
    PSCI.SYSTEM_OFF,
    PSCI.SYSTEM_RESET,
    PSCI.FEATURES,
    SMCCC.VERSION,
  ];
  const never = [
    PSCI.MIGRATE,
    PSCI.MIGRATE_INFO_UP_CPU,
    PSCI.CPU_FREEZE,
    PSCI.STAT_COUNT,
    0x8400_001f,
    SMCCC.ARCH_FEATURES,
  ];
  const h = harness();
  for (const f of always) {
    h.hvc(0, PSCI.FEATURES, f);
    assertEquals(h.ret()[0], 0n, f.toString(16));
  }
  for (const f of never) {
    h.hvc(0, PSCI.FEATURES, f);
    assertEquals(h.ret()[0], NEG1, f.toString(16));
  }
  const gated: [number, string, boolean, bigint][] = [
    [PSCI.SYSTEM_SUSPEND, "6.16", false, NEG1],
    [PSCI.SYSTEM_SUSPEND64, "6.16", true, 0n],
    [PSCI.SYSTEM_RESET2, "6.16", false, 0n],
    [PSCI.SYSTEM_RESET2_64, "5.10", false, NEG1],
    [PSCI.SYSTEM_OFF2, "6.16", false, 1n], // HIBERNATE_OFF supported
    [PSCI.SYSTEM_OFF2_64, "6.6", false, NEG1],
  ];
  for (const [f, kernel, cap, want] of gated) {
    const g = harness({ kernel });
    if (cap) g.kvm.enableCap("KVM_CAP_ARM_SYSTEM_SUSPEND");
    g.hvc(0, PSCI.FEATURES, f);
    assertEquals(g.ret()[0], want, `${f.toString(16)} ${kernel}`);
  }
});

Deno.test("CPU_ON checks affinity bits, target, state, in KVM's order (spec 4.2)", () => {
  const h = harness({ cpus: 2 });
  h.kvm.setMpState(1, "STOPPED");
  const rows: [bigint, bigint][] = [
    [0x1_0000_0000_0001n, neg(PSCI.RET_INVALID_PARAMS)], // bits outside 0xff00ffffff
    [0x80000001n, neg(PSCI.RET_INVALID_PARAMS)], // bit 31 is outside the HWID mask
    [0x7n, neg(PSCI.RET_INVALID_PARAMS)], // no such vCPU
    [0x0n, neg(PSCI.RET_ALREADY_ON)], // the caller itself
    [0x1n, 0n],
    [0x1n, neg(PSCI.RET_ALREADY_ON)], // now on
  ];
  for (const [mpidr, want] of rows) {
    h.hvc(0, PSCI.CPU_ON64, mpidr, 0x4008_0000, 0xc0de);
    assertEquals(h.ret()[0], want, mpidr.toString(16));
  }
  assertEquals(h.cpus[1].resets, [{ entry: 0x4008_0000n, context: 0xc0den, bigEndian: false }]);
  assertEquals(h.kvm.vcpu(1).mpState, MP_STATE.RUNNABLE);
});

Deno.test("CPU_ON on a SUSPENDED target is ALREADY_ON; PSCI 0.1 says INVALID_PARAMS", () => {
  const h = harness({ cpus: 2 });
  h.kvm.setMpState(1, "SUSPENDED");
  h.hvc(0, PSCI.CPU_ON64, 1, 0, 0);
  assertEquals(h.ret()[0], neg(PSCI.RET_ALREADY_ON));
  const old = harness({ cpus: 2, psci02: false });
  old.hvc(0, PSCI.KVM_0_1_CPU_ON, 1, 0, 0);
  assertEquals(old.ret()[0], neg(PSCI.RET_INVALID_PARAMS));
});

Deno.test("CPU_ON's 32-bit ID narrows x1..x3 in the vCPU before handling (spec 1.4)", () => {
  const h = harness({ cpus: 2 });
  h.kvm.setMpState(1, "STOPPED");
  h.hvc(0, PSCI.CPU_ON, 0xffff_ffff_0000_0001n, 0xaaaa_aaaa_4008_0000n, 0xbbbb_bbbb_0000_0042n);
  assertEquals(h.ret(), [0n, 0n, 0n, 0n]);
  assertEquals(h.cpus[1].resets[0], { entry: 0x4008_0000n, context: 0x42n, bigEndian: false });
  // AFFINITY_INFO 32-bit: narrowed too; SMC64 variant is not.
  h.cpus[0].setX(3, 0x1_0000_0000n);
  h.hvc(0, PSCI.AFFINITY_INFO, 0xffff_0000_0000_0001n, 0xffff_0000_0000_0000n);
  assertEquals(h.ret()[0], 0n);
  h.hvc(0, PSCI.AFFINITY_INFO64, 0xffff_0000_0000_0001n, 0);
  assertEquals(h.ret()[0], neg(PSCI.RET_INVALID_PARAMS));
});

Deno.test("CPU_ON accepts an unaligned entry point (selftests B.2 — QEMU would not)", () => {
  const h = harness({ cpus: 2 });
  h.kvm.setMpState(1, "STOPPED");
  h.hvc(0, PSCI.CPU_ON64, 1, 0xfeedf00d, 0xdeadc0de);
  assertEquals(h.ret()[0], 0n);
  assertEquals([h.cpus[1].pc, h.cpus[1].x(0)], [0xfeedf00dn, 0xdeadc0den]);
});

Deno.test("CPU_ON propagates the caller's endianness", () => {
  const h = harness({ cpus: 2 });
  h.kvm.setMpState(1, "STOPPED");
  h.cpus[0].bigEndianValue = true;
  h.hvc(0, PSCI.CPU_ON64, 1, 0x1000, 0);
  assertEquals(h.cpus[1].resets[0].bigEndian, true);
});

Deno.test("AFFINITY_INFO masks by level and never answers ON_PENDING (spec 4.2)", () => {
  const h = harness({ cpus: 3 });
  h.cpus[2].mpidrValue = (1n << 31n) | 0x0100n; // Aff1 = 1
  h.kvm.setMpState(1, "STOPPED");
  const rows: [bigint, bigint, bigint][] = [
    [0x0n, 0n, 0n], // vCPU 0: ON
    [0x1n, 0n, 1n], // vCPU 1: OFF
    [0x5n, 0n, neg(-2)], // nobody
    [0x0n, 1n, 0n], // level 1: Aff0 ignored, vCPU 0 and 1 match, 0 is on
    [0x100n, 0n, 0n], // vCPU 2
    [0x0n, 4n, neg(-2)], // invalid level
    [0x1_0000_0000_0000n, 0n, neg(-2)], // bits outside the mask
  ];
  for (const [target, level, want] of rows) {
    h.hvc(0, PSCI.AFFINITY_INFO64, target, level);
    assertEquals(h.ret()[0], want, `${target.toString(16)} level ${level}`);
  }
  h.kvm.setMpState(0, "STOPPED");
  h.kvm.setMpState(0, "RUNNABLE");
  h.kvm.setMpState(2, "STOPPED");
  h.hvc(0, PSCI.CPU_ON64, 0x100, 0, 0);
  h.hvc(0, PSCI.AFFINITY_INFO64, 0x100, 0);
  assertEquals(h.ret()[0], 0n, "ON as soon as CPU_ON returned");
});

Deno.test("CPU_OFF stops the caller; CPU_SUSPEND is a WFI that preserves registers", () => {
  const h = harness({ cpus: 2 });
  assertEquals(h.hvc(1, PSCI.CPU_OFF), Outcome.SLEEP);
  assertEquals(h.kvm.vcpu(1).mpState, MP_STATE.STOPPED);
  assertEquals(h.ret(1)[0], 0n);
  h.cpus[0].setX(4, 0x44n);
  assertEquals(h.hvc(0, PSCI.CPU_SUSPEND64, 0x1_0000, 0x4000, 7), Outcome.SLEEP);
  assertEquals(h.kvm.vcpu(0).wfi, true);
  assertEquals([...h.ret(0), h.cpus[0].x(4)], [0n, 0n, 0n, 0n, 0x44n]);
});

Deno.test("MIGRATE_INFO_TYPE is 2; MIGRATE and others are NOT_SUPPORTED", () => {
  const h = harness();
  h.hvc(0, PSCI.MIGRATE_INFO_TYPE);
  assertEquals(h.ret(), [2n, 0n, 0n, 0n]);
  for (
    const f of [
      PSCI.MIGRATE,
      PSCI.MIGRATE64,
      PSCI.MIGRATE_INFO_UP_CPU,
      PSCI.NODE_HW_STATE,
      PSCI.MEM_PROTECT,
    ]
  ) {
    h.hvc(0, f, 1, 2, 3);
    assertEquals(h.ret(), [NEG1, 0n, 0n, 0n], f.toString(16));
  }
});

Deno.test("SYSTEM_OFF / SYSTEM_RESET stop every vCPU and preload x0 = -6 (spec 4.4)", () => {
  for (
    const [fid, type] of [[PSCI.SYSTEM_OFF, "SHUTDOWN"], [PSCI.SYSTEM_RESET, "RESET"]] as const
  ) {
    const h = harness({ cpus: 2 });
    h.cpus[0].setX(1, 5n);
    assertEquals(h.hvc(0, fid), Outcome.EXIT);
    assertEquals(h.kvm.vcpu(0).exit, {
      reason: "system_event",
      type,
      typeCode: type === "SHUTDOWN" ? 1 : 2,
      ndata: 1,
      data: [0n],
    });
    assertEquals(h.ret(), [neg(-6), 0n, 0n, 0n]);
    assertEquals(h.kvm.vcpus.map((v) => v.mpState), [MP_STATE.STOPPED, MP_STATE.STOPPED]);
  }
});

Deno.test("SYSTEM_RESET2: warm and vendor types exit with flag 1, x0 := -6 only (spec 4.2)", () => {
  const rows: [number, bigint, number, bigint[]][] = [
    [PSCI.SYSTEM_RESET2_64, 0n, Outcome.EXIT, [neg(-6), 0n, 0xc0ffeen, 0x33n]],
    [PSCI.SYSTEM_RESET2_64, 0x8000_0001n, Outcome.EXIT, [neg(-6), 0x8000_0001n, 0xc0ffeen, 0x33n]],
    [PSCI.SYSTEM_RESET2_64, 1n, Outcome.CONTINUE, [neg(-2), 0n, 0n, 0n]],
    [PSCI.SYSTEM_RESET2_64, 0x7fff_ffffn, Outcome.CONTINUE, [neg(-2), 0n, 0n, 0n]],
    // x1 is read as u32: 0x1_0000_0000 is type 0.
    [PSCI.SYSTEM_RESET2_64, 0x1_0000_0000n, Outcome.EXIT, [
      neg(-6),
      0x1_0000_0000n,
      0xc0ffeen,
      0x33n,
    ]],
  ];
  for (const [fid, type, outcome, regs] of rows) {
    const h = harness();
    h.cpus[0].setX(3, 0x33n);
    assertEquals(h.hvc(0, fid, type, 0xc0ffee), outcome, type.toString(16));
    assertEquals(h.ret(), regs);
    if (outcome === Outcome.EXIT) {
      assertEquals(h.kvm.vcpu(0).exit, {
        reason: "system_event",
        type: "RESET",
        typeCode: 2,
        ndata: 1,
        data: [1n],
      });
    }
  }
  const old = harness({ kernel: "5.10" });
  old.hvc(0, PSCI.SYSTEM_RESET2, 0);
  assertEquals(old.ret()[0], NEG1, "PSCI 1.0 has no RESET2");
});

Deno.test("SYSTEM_RESET2's 32-bit ID narrows the vCPU's x1..x3 even on success", () => {
  const h = harness();
  h.hvc(0, PSCI.SYSTEM_RESET2, 0xffff_ffff_0000_0000n, 0xffff_0000_0000_0001n);
  assertEquals(h.ret(), [neg(-6), 0n, 1n, 0n]);
});

Deno.test("SYSTEM_OFF2 validates type and cookie and exits SHUTDOWN with the OFF2 flag (selftests B.2.3)", () => {
  const rows: [bigint, bigint, number][] = [
    [1n, 1n, Outcome.CONTINUE],
    [1n, 0n, Outcome.EXIT],
    [0n, 1n, Outcome.CONTINUE],
    [0n, 0n, Outcome.EXIT],
    [2n, 0n, Outcome.CONTINUE],
  ];
  for (const [type, cookie, outcome] of rows) {
    const h = harness({ cpus: 2 });
    assertEquals(h.hvc(0, PSCI.SYSTEM_OFF2_64, type, cookie), outcome, `${type} ${cookie}`);
    if (outcome === Outcome.EXIT) {
      assertEquals(h.kvm.vcpu(0).exit, {
        reason: "system_event",
        type: "SHUTDOWN",
        typeCode: 1,
        ndata: 1,
        data: [1n],
      });
      assertEquals(h.ret()[0], neg(-6));
    } else {
      assertEquals(h.ret(), [neg(-2), 0n, 0n, 0n]);
    }
  }
  const h = harness({ kernel: "6.12" });
  h.hvc(0, PSCI.SYSTEM_OFF2_64, 0, 0);
  assertEquals(h.ret()[0], NEG1, "PSCI 1.1 has no OFF2");
});

Deno.test("SYSTEM_SUSPEND: NOT_SUPPORTED without the cap, else a SUSPEND exit with registers untouched", () => {
  const h = harness();
  h.hvc(0, PSCI.SYSTEM_SUSPEND64, 0xfeedf00d, 0xdeadc0de);
  assertEquals(h.ret(), [NEG1, 0n, 0n, 0n]);
  h.kvm.enableCap("KVM_CAP_ARM_SYSTEM_SUSPEND");
  assertEquals(h.hvc(0, PSCI.SYSTEM_SUSPEND64, 0xfeedf00d, 0xdeadc0de), Outcome.EXIT);
  assertEquals(h.kvm.vcpu(0).exit, {
    reason: "system_event",
    type: "SUSPEND",
    typeCode: 5,
    ndata: 0,
    data: [],
  });
  assertEquals(h.ret().slice(0, 3), [BigInt(PSCI.SYSTEM_SUSPEND64), 0xfeedf00dn, 0xdeadc0den]);
  assertEquals(h.kvm.vcpu(0).mpState, MP_STATE.RUNNABLE);
  // The 32-bit variant narrows first.
  h.hvc(0, PSCI.SYSTEM_SUSPEND, 0xffff_0000_0000_1000n, 0xffff_0000_0000_0002n);
  assertEquals(h.ret().slice(1, 3), [0x1000n, 2n]);
});

Deno.test("PSCI 0.1 vCPUs: only KVM's IDs work; 0.2+ vCPUs reject KVM's IDs (spec 2.2)", () => {
  const h = harness({ cpus: 2, psci02: false });
  h.kvm.setMpState(1, "STOPPED");
  h.hvc(0, PSCI.KVM_0_1_CPU_ON, 1, 0x4000, 9);
  assertEquals(h.ret()[0], 0n);
  assertEquals(h.hvc(1, PSCI.KVM_0_1_CPU_OFF), Outcome.SLEEP);
  for (const f of [PSCI.KVM_0_1_CPU_SUSPEND, PSCI.KVM_0_1_MIGRATE, PSCI.VERSION, PSCI.CPU_ON64]) {
    h.hvc(0, f, 1);
    assertEquals(h.ret()[0], NEG1, f.toString(16));
  }
  const g = harness({ cpus: 2 });
  g.kvm.setMpState(1, "STOPPED");
  g.hvc(0, PSCI.KVM_0_1_CPU_ON, 1, 0x4000, 9);
  assertEquals(g.ret()[0], NEG1);
});

Deno.test("64-bit PSCI IDs from an AArch32 vCPU are NOT_SUPPORTED; PSCI_FEATURES agrees", () => {
  const h = harness();
  h.cpus[0].aarch32Value = true;
  h.hvc(0, PSCI.CPU_ON64, 0, 0, 0);
  assertEquals(h.ret()[0], NEG1);
  h.hvc(0, PSCI.FEATURES, PSCI.CPU_ON64);
  assertEquals(h.ret()[0], NEG1);
  h.hvc(0, PSCI.FEATURES, PSCI.CPU_ON);
  assertEquals(h.ret()[0], 0n);
});
