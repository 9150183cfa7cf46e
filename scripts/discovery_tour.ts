/**
 * A tour of the discovery calls a guest makes at boot, on the default kernel
 * profile (the newest mainline), with what KVM answers.
 */
import { expectCall, KVM_VENDOR, PSCI, scenario, SMCCC, TRNG } from "hvsh";

scenario("Discovery tour: what a guest learns from KVM at boot", (t) => {
  const vm = t.vm({ cpus: 2 });
  const cpu = vm.cpu(0);
  t.step("SMCCC_VERSION is 1.1", () => expectCall(cpu.hvc(SMCCC.VERSION), 0x10001n));
  t.step("PSCI_VERSION is 1.3", () => expectCall(cpu.hvc(PSCI.VERSION), 0x10003n));
  t.step(
    "PSCI_FEATURES: CPU_ON64 yes, SYSTEM_SUSPEND only with the cap, SYSTEM_OFF2 hibernate",
    () => {
      expectCall(cpu.hvc(PSCI.FEATURES, PSCI.CPU_ON64), 0n);
      expectCall(cpu.hvc(PSCI.FEATURES, PSCI.SYSTEM_SUSPEND64), -1);
      expectCall(cpu.hvc(PSCI.FEATURES, PSCI.SYSTEM_OFF2_64), 1n);
    },
  );
  t.step(
    "ARCH_FEATURES: WA1 mitigated (0), WA2 hidden behind SSBS (-1), WA3 unaffected (+1)",
    () => {
      expectCall(cpu.hvc(SMCCC.ARCH_FEATURES, SMCCC.ARCH_WORKAROUND_1), 0n);
      expectCall(cpu.hvc(SMCCC.ARCH_FEATURES, SMCCC.ARCH_WORKAROUND_2), -1);
      expectCall(cpu.hvc(SMCCC.ARCH_FEATURES, SMCCC.ARCH_WORKAROUND_3), 1n);
    },
  );
  t.step("The workaround calls themselves take KVM's EL2 fast path", () => {
    expectCall(cpu.hvc(SMCCC.ARCH_WORKAROUND_1), { x0: 0n, x1: 0n });
    t.log(`route: ${vm.trace.last()[0].route}`);
  });
  t.step(
    "CALL_UID is KVM's 28b46fb6-2ec5-11e9-a9ca-4b564d003a74",
    () =>
      expectCall(cpu.hvc(KVM_VENDOR.CALL_UID), {
        x0: 0xb66f_b428n,
        x1: 0xe911_c52en,
        x2: 0x564b_caa9n,
        x3: 0x743a_004dn,
      }),
  );
  t.step(
    "KVM_FEATURES advertises FEATURES and PTP",
    () => expectCall(cpu.hvc(KVM_VENDOR.FEATURES), { x0: 0x3n, x2: 0n }),
  );
  t.step("PTP gives wall clock and the virtual counter", () => {
    const r = cpu.hvc(KVM_VENDOR.PTP, KVM_VENDOR.PTP_VIRT_COUNTER);
    expectCall(r, { x0: (v) => v < 0x8000_0000n });
    t.log(`realtime ${(r.x0 << 32n) | r.x1} ns, counter ${(r.x2 << 32n) | r.x3}`);
  });
  t.step("TRNG 1.0 with its UUID, and 192 random bits", () => {
    expectCall(cpu.hvc(TRNG.VERSION), 0x10000n);
    expectCall(cpu.hvc(TRNG.GET_UUID), { x0: 0x00e0_210dn, x3: 0x4c5a_4e55n });
    expectCall(cpu.hvc(TRNG.RND64, 192), 0n);
  });
  t.step(
    "An unknown SIP call is NOT_SUPPORTED, x1..x3 zeroed",
    () => expectCall(cpu.hvc(0x8200_0001, 1, 2, 3), { x0: -1, x1: 0n, x2: 0n, x3: 0n }),
  );
});

scenario("Older kernels answer differently: 5.10, 6.1 and 6.16 side by side", (t) => {
  const old = t.vm({ kernel: "5.10" }),
    mid = t.vm({ kernel: "6.1" }),
    cur = t.vm({ kernel: "6.16" });
  t.step("PSCI 1.0 / 1.1 / 1.3", () => {
    expectCall(old.cpu(0).hvc(PSCI.VERSION), 0x10000n);
    expectCall(mid.cpu(0).hvc(PSCI.VERSION), 0x10001n);
    expectCall(cur.cpu(0).hvc(PSCI.VERSION), 0x10003n);
  });
  t.step("No TRNG and no vendor UID on 5.10", () => {
    expectCall(old.cpu(0).hvc(TRNG.VERSION), -1);
    expectCall(old.cpu(0).hvc(KVM_VENDOR.CALL_UID), -1);
  });
  t.step("SMC from EL1 was just -1 before 6.4; now it reaches PSCI", () => {
    expectCall(mid.cpu(0).smc(PSCI.VERSION), -1);
    expectCall(cur.cpu(0).smc(PSCI.VERSION), 0x10003n);
  });
});
