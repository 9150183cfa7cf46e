/**
 * The SMCCC filter: deny a call in the kernel, or forward it to the VMM as a
 * KVM_EXIT_HYPERCALL and answer it from userspace, here DISCOVER_IMPL_VER /
 * DISCOVER_IMPL_CPUS as a VMM implements them for migration targets.
 */
import { expectCall, expectErrno, KVM_VENDOR, PSCI, scenario, SMCCC } from "hvsh";

scenario("Forward DISCOVER_IMPL_* to a userspace handler", (t) => {
  const vm = t.vm();
  t.step("Advertise the calls in VENDOR_HYP_BMAP_2 and forward them", () => {
    vm.setOneReg("KVM_REG_ARM_VENDOR_HYP_BMAP_2", 0x3n);
    vm.setSmcccFilter({ base: KVM_VENDOR.DISCOVER_IMPL_VER, nr: 2, action: "fwd_to_user" });
  });
  t.step(
    "KVM_FEATURES shows them in x2",
    () => expectCall(vm.cpu(0).hvc(KVM_VENDOR.FEATURES), { x2: 0x3n }),
  );
  t.step("Without a handler the call exits to the VMM with nr and the conduit", () => {
    const r = vm.cpu(0).hvc(KVM_VENDOR.DISCOVER_IMPL_VER);
    expectCall(r, { exit: { reason: "hypercall", nr: KVM_VENDOR.DISCOVER_IMPL_VER, smc: false } });
    vm.cpu(0).setOneReg("X0", 0n);
    vm.cpu(0).setOneReg("X1", 0x10000n);
    vm.cpu(0).setOneReg("X2", 1n);
    expectCall(vm.cpu(0).resume(), { x0: 0n, x1: 0x10000n, x2: 1n });
  });
  t.step("With onHypercall the VMM answers inline", () => {
    vm.onHypercall(({ nr, x }) => {
      if (nr === KVM_VENDOR.DISCOVER_IMPL_CPUS && x[1] === 0n) return [0n, 0x414f_d0b1n, 0n, 0n];
      if (nr === KVM_VENDOR.DISCOVER_IMPL_CPUS) return [-3n, 0n, 0n, 0n];
    });
    expectCall(vm.cpu(0).hvc(KVM_VENDOR.DISCOVER_IMPL_CPUS, 0), { x0: 0n, x1: 0x414f_d0b1n });
    expectCall(vm.cpu(0).hvc(KVM_VENDOR.DISCOVER_IMPL_CPUS, 5), -3);
  });
});

scenario("Deny PSCI_VERSION; the architecture range stays reserved", (t) => {
  const vm = t.vm();
  t.step(
    "SMCCC_ARCH_* cannot be filtered: EEXIST (the range is reserved)",
    () =>
      expectErrno(
        () => vm.setSmcccFilter({ base: SMCCC.ARCH_WORKAROUND_1, nr: 1, action: "deny" }),
        "EEXIST",
      ),
  );
  t.step("Deny is answered in the kernel: x0 = -1", () => {
    vm.setSmcccFilter({ base: PSCI.VERSION, nr: 1, action: "deny" });
    expectCall(vm.cpu(0).hvc(PSCI.VERSION), -1);
    expectCall(vm.cpu(0).smc(PSCI.VERSION), -1);
  });

  t.step(
    "After the VM has run the filter is locked: EBUSY",
    () =>
      expectErrno(() => vm.setSmcccFilter({ base: 0xc400_0003, nr: 1, action: "deny" }), "EBUSY"),
  );
});
