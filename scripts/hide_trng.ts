/**
 * Firmware pseudo-registers: clearing STD_BMAP bit 0 hides TRNG from the guest;
 * once the VM has run, the bitmaps are locked (EBUSY).
 */
import { expectCall, expectErrno, expectReg, scenario, TRNG } from "hvsh";

scenario("Hiding TRNG with KVM_REG_ARM_STD_BMAP", (t) => {
  const vm = t.vm();
  t.step("STD_BMAP resets to 0x1 (TRNG v1.0)", () => expectReg(vm, "KVM_REG_ARM_STD_BMAP", 1n));
  t.step(
    "Bits outside the mask are EINVAL",
    () => expectErrno(() => vm.setOneReg("KVM_REG_ARM_STD_BMAP", 2n), "EINVAL"),
  );
  t.step("Clear it before the first run", () => {
    vm.setOneReg("KVM_REG_ARM_STD_BMAP", 0n);
    expectReg(vm, "STD_BMAP", 0n);
  });
  t.step("Every TRNG call is now NOT_SUPPORTED", () => {
    for (const fid of [TRNG.VERSION, TRNG.FEATURES, TRNG.GET_UUID, TRNG.RND32, TRNG.RND64]) {
      expectCall(vm.cpu(0).hvc(fid, 0), { x0: -1, x1: 0n, x2: 0n, x3: 0n });
    }
    t.log(`route of the last call: ${vm.trace.last()[0].route}`);
  });
  t.step("The VM has run: changing it back is EBUSY, rewriting the same value is fine", () => {
    expectErrno(() => vm.setOneReg("KVM_REG_ARM_STD_BMAP", 1n), "EBUSY");
    vm.setOneReg("KVM_REG_ARM_STD_BMAP", 0n);
  });
});

scenario("A VM with TRNG left on sees it", (t) => {
  const vm = t.vm({ trngSeed: 42 });
  t.step("TRNG_VERSION is 1.0", () => expectCall(vm.cpu(0).hvc(TRNG.VERSION), 0x10000n));
  t.step(
    "RND32 of 96 bits fills x1..x3 with 32-bit words",
    () => expectCall(vm.cpu(0).hvc(TRNG.RND32, 96), { x0: 0n, x1: (v) => v <= 0xffff_ffffn }),
  );
  t.step("An injected NO_ENTROPY (as firmware TRNGs can give) reaches the guest", () => {
    vm.trng.injectNoEntropy();
    expectCall(vm.cpu(0).hvc(TRNG.RND64, 64), -3);
  });
});
