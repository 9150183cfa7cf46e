/**
 * PSCI power management as KVM implements it: bring a secondary up, watch
 * AFFINITY_INFO, power it off, and shut the system down with SYSTEM_OFF2.
 */
import { expectCall, expectEqual, expectReg, PSCI, scenario } from "hvsh";

scenario("Secondary bring-up and power-off with PSCI", (t) => {
  const vm = t.vm({ cpus: 4 });
  t.step("The VMM powers the secondaries off (KVM_ARM_VCPU_POWER_OFF)", () => {
    for (const n of [1, 2, 3]) vm.cpu(n).setMpState("STOPPED");
  });
  t.step("AFFINITY_INFO says OFF; level 1 covers the cluster and says ON", () => {
    expectCall(vm.cpu(0).hvc(PSCI.AFFINITY_INFO64, 2, 0), 1n);
    expectCall(vm.cpu(0).hvc(PSCI.AFFINITY_INFO64, 0, 1), 0n);
  });
  t.step("CPU_ON vCPU 2: ON at once (no ON_PENDING in KVM), its reset state visible", () => {
    expectCall(vm.cpu(0).hvc(PSCI.CPU_ON64, 2, 0x4008_1000, 0xc0ffee), 0n);
    expectCall(vm.cpu(0).hvc(PSCI.AFFINITY_INFO64, 2, 0), 0n);
    expectReg(vm.cpu(2), "PC", 0x4008_1000n);
    expectReg(vm.cpu(2), "X0", 0xc0ffeen);
    expectReg(vm.cpu(2), "PSTATE", 0x3c5n);
  });
  t.step("A second CPU_ON is ALREADY_ON; a bad MPIDR is INVALID_PARAMS", () => {
    expectCall(vm.cpu(0).hvc(PSCI.CPU_ON64, 2, 0x4008_1000, 0), PSCI.RET_ALREADY_ON);
    expectCall(vm.cpu(0).hvc(PSCI.CPU_ON64, 0x8000_0002n, 0, 0), PSCI.RET_INVALID_PARAMS);
  });
  t.step("vCPU 2 calls CPU_OFF and blocks in the hypervisor", () => {
    expectCall(vm.cpu(2).hvc(PSCI.CPU_OFF), { blocked: "stopped" });
    expectEqual(vm.cpu(2).mpState, "STOPPED", "mp_state");
    expectCall(vm.cpu(0).hvc(PSCI.AFFINITY_INFO64, 2, 0), 1n);
  });
  t.step("SYSTEM_OFF2(HIBERNATE_OFF) exits with SHUTDOWN and the OFF2 flag", () => {
    const r = vm.cpu(0).hvc(PSCI.SYSTEM_OFF2_64, PSCI.OFF2_TYPE_HIBERNATE_OFF, 0);
    expectCall(r, { exit: { reason: "system_event", type: "SHUTDOWN", data: [1n] } });
    expectEqual(
      vm.cpus.map((c) => c.mpState),
      ["STOPPED", "STOPPED", "STOPPED", "STOPPED"],
      "mp_states",
    );
  });
  t.step("A VMM that resumes anyway sees INTERNAL_FAILURE", () => {
    vm.cpu(0).setMpState("RUNNABLE");
    expectCall(vm.cpu(0).resume(), PSCI.RET_INTERNAL_FAILURE);
  });
});
