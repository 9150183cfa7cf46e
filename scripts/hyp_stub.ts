/**
 * A host kernel booted at EL2 that left Linux's hyp stub behind
 * (Documentation/virt/kvm/arm/hyp-abi.rst): install EL2 vectors, upgrade to
 * VHE with HVC_FINALISE_EL2, soft-restart at EL2.
 */
import { expectCall, expectEqual, HYP_STUB, HYP_STUB_VECTORS, scenario } from "hvsh";

scenario("The EL2 hyp-stub ABI", (t) => {
  t.step("HVC_SET_VECTORS installs our EL2 vectors; the next HVC enters them", () => {
    const vm = t.vm({ hyp: "hyp-stub" });
    const cpu = vm.cpu(0);
    expectEqual(vm.el2Handler, "hyp-stub", "EL2 handler");
    expectEqual(cpu.sysreg("VBAR_EL2"), HYP_STUB_VECTORS, "VBAR_EL2");
    cpu.pc = 0x4008_0000n;
    expectCall(cpu.hvc(HYP_STUB.SET_VECTORS, 0x4010_0000n), 0n);
    expectEqual(vm.el2Handler, "guest", "EL2 handler");
    const r = cpu.hvc(0x8400_0000);
    expectEqual(r.exception, { el: 2, esr: 0x5a00_0000, vector: 0x4010_0400n }, "HVC taken to EL2");
    expectEqual(cpu.sysreg("ELR_EL2"), 0x4008_0008n, "ELR_EL2");
  });
  t.step("HVC_FINALISE_EL2 moves the kernel to EL2 (VHE)", () => {
    const vm = t.vm({ hyp: "hyp-stub" });
    vm.cpu(0).setSysreg("VBAR_EL1", 0x4009_0000n);
    const r = vm.cpu(0).hvc(HYP_STUB.FINALISE_EL2);
    expectCall(r, 0n);
    expectEqual(r.el, 2, "EL after the call");
    expectEqual(vm.cpu(0).sysreg("VBAR_EL2"), 0x4009_0000n, "vectors moved to EL2");
  });
  t.step("Without VHE, or with hVHE requested, it refuses with HVC_STUB_ERR", () => {
    expectCall(
      t.vm({ hyp: "hyp-stub", vhe: false }).cpu(0).hvc(HYP_STUB.FINALISE_EL2),
      BigInt(HYP_STUB.ERR),
    );
    expectCall(
      t.vm({ hyp: "hyp-stub", hvhe: true }).cpu(0).hvc(HYP_STUB.FINALISE_EL2),
      BigInt(HYP_STUB.ERR),
    );
  });
  t.step("HVC_SOFT_RESTART jumps at EL2 with the arguments moved down", () => {
    const vm = t.vm({ hyp: "hyp-stub" });
    const r = vm.cpu(0).hvc(HYP_STUB.SOFT_RESTART, 0x4100_0000, 1, 2, 3);
    expectEqual([r.el, r.pc, r.x0, r.x1, r.x2], [2, 0x4100_0000n, 1n, 2n, 3n], "EL, PC, X0..X2");
  });
  t.step("Under KVM's nVHE hypervisor, HVC_RESET_VECTORS tears KVM down to the stub", () => {
    const vm = t.vm({ hyp: "kvm-nvhe" });
    expectEqual(vm.el2Handler, "kvm-nvhe", "EL2 handler");
    expectCall(vm.cpu(0).hvc(HYP_STUB.SET_VECTORS, 0x4010_0000n), BigInt(HYP_STUB.ERR));
    expectCall(vm.cpu(0).hvc(HYP_STUB.RESET_VECTORS), 0n);
    expectEqual(vm.el2Handler, "hyp-stub", "EL2 handler");
  });
});
