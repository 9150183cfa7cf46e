import { assertEquals } from "@std/assert";
import { harness, neg, NEG1 } from "./_test_util.ts";
import { MP_STATE, Outcome, PSCI, SMCCC } from "./mod.ts";

Deno.test("Firmware PSCI answers as QEMU's: VERSION 1.1, MIGRATE_INFO_TYPE 2, unknown → -1, x0 only", () => {
  const h = harness({ hyp: "none" });
  h.cpus[0].setX(1, 0x11n);
  const pc = h.cpus[0].pc;
  h.smc(0, PSCI.VERSION);
  assertEquals(h.ret().slice(0, 2), [0x10001n, 0x11n]);
  assertEquals(h.cpus[0].pc, pc + 4n);
  h.smc(0, PSCI.MIGRATE_INFO_TYPE);
  assertEquals(h.ret()[0], 2n);
  for (const f of [SMCCC.VERSION, PSCI.SYSTEM_RESET2, PSCI.MIGRATE, 0x8600_ff01]) {
    h.smc(0, f);
    assertEquals(h.ret()[0], NEG1, f.toString(16));
  }
});

Deno.test("Firmware CPU_ON rejects unaligned entries and is atomic: ON_PENDING until the target runs", () => {
  const h = harness({ hyp: "none", cpus: 3 });
  h.kvm.setMpState(1, "STOPPED");
  h.smc(0, PSCI.CPU_ON64, 1, 0x4008_0002, 0);
  assertEquals(h.ret()[0], neg(PSCI.RET_INVALID_PARAMS), "entry & 3");
  h.smc(0, PSCI.CPU_ON64, 0x8000_0001, 0x4008_0000, 0);
  assertEquals(h.ret()[0], neg(PSCI.RET_INVALID_PARAMS), "QEMU matches the affinity exactly");
  h.smc(0, PSCI.CPU_ON64, 1, 0x4008_0000, 0x77);
  assertEquals(h.ret()[0], 0n);
  h.smc(2, PSCI.CPU_ON64, 1, 0x4008_0000, 0); // a racing caller: QEMU would say SUCCESS again
  assertEquals(h.ret(2)[0], neg(PSCI.RET_ON_PENDING));

  h.smc(0, PSCI.AFFINITY_INFO64, 1, 0);
  assertEquals(h.ret()[0], 2n);
  h.kvm.vcpuLoad(1);
  h.smc(0, PSCI.CPU_ON64, 1, 0x4008_0000, 0);
  assertEquals(h.ret()[0], neg(PSCI.RET_ALREADY_ON));
  h.smc(0, PSCI.AFFINITY_INFO64, 1, 0);
  assertEquals(h.ret()[0], 0n);
  h.smc(0, PSCI.AFFINITY_INFO64, 7, 1);
  assertEquals(h.ret()[0], 0n, "above level 0 everything is on");
  assertEquals(h.cpus[1].resets, [{ entry: 0x4008_0000n, context: 0x77n, bigEndian: false }]);
});

Deno.test("Firmware CPU_OFF powers the caller off; CPU_SUSPEND validates power_state then WFIs", () => {
  const h = harness({ hyp: "none", cpus: 2 });
  assertEquals(h.smc(1, PSCI.CPU_OFF), Outcome.SLEEP);
  assertEquals([h.kvm.vcpu(1).mpState, h.kvm.vcpu(1).psciPower], [
    MP_STATE.STOPPED,
    PSCI.AFFINITY_OFF,
  ]);
  h.smc(0, PSCI.CPU_SUSPEND64, 0x2_0000);
  assertEquals(h.ret()[0], neg(PSCI.RET_INVALID_PARAMS));
  assertEquals(h.smc(0, PSCI.CPU_SUSPEND64, 0x1_0000), Outcome.SLEEP);
  assertEquals(h.ret()[0], 0n);
});

Deno.test("Firmware SYSTEM_OFF / RESET exit without touching registers", () => {
  for (
    const [fid, type] of [[PSCI.SYSTEM_OFF, "SHUTDOWN"], [PSCI.SYSTEM_RESET, "RESET"]] as const
  ) {
    const h = harness({ hyp: "none" });
    assertEquals(h.smc(0, fid), Outcome.EXIT);
    assertEquals(h.kvm.vcpu(0).exit?.reason === "system_event" && h.kvm.vcpu(0).exit, {
      reason: "system_event",
      type,
      typeCode: type === "SHUTDOWN" ? 1 : 2,
      ndata: 1,
      data: [0n],
    });
    assertEquals(h.ret()[0], BigInt(fid));
  }
});

Deno.test("Firmware PSCI_FEATURES lists QEMU's functions only", () => {
  const h = harness({ hyp: "none" });
  for (
    const [f, want] of [
      [PSCI.CPU_ON64, 0n],
      [PSCI.KVM_0_1_CPU_ON, 0n],
      [PSCI.SYSTEM_SUSPEND, NEG1],
      [PSCI.SYSTEM_RESET2, NEG1],
      [PSCI.FEATURES, 0n],
    ] as const
  ) {
    h.smc(0, PSCI.FEATURES, f);
    assertEquals(h.ret()[0], want, f.toString(16));
  }
});

Deno.test('hyp "firmware" (QEMU -M virt at EL1): PSCI on HVC answered by the firmware, SMC undefined', () => {
  const h = harness({ hyp: "firmware" });
  const pc = h.cpus[0].pc;
  h.hvc(0, PSCI.VERSION);
  assertEquals(h.ret()[0], 0x10001n);
  assertEquals(h.cpus[0].pc, pc + 4n, "HVC: the PC was already past the instruction");
  assertEquals(h.kvm.trace.last()[0].route, "firmware");
  assertEquals(h.smc(0, PSCI.VERSION), Outcome.UNDEF);
  assertEquals(h.kvm.stub.handler(h.kvm.vcpu(0)), "firmware");
});
