/**
 * pKVM protected VMs: the memory-protection calls a protected guest makes, in
 * the Android common kernel flavour (ranged MEM_SHARE with partial progress,
 * MEM_RELINQUISH, MMIO guard) and the mainline one.
 */
import { expectCall, expectEqual, KVM_VENDOR as V, scenario } from "hvsh";

const RAM = 0x4000_0000n;

scenario("android16-6.12: share, unshare and relinquish guest pages", (t) => {
  const vm = t.vm({ kernel: "android16-6.12", protected: true });
  const cpu = vm.cpu(0);
  t.step(
    "KVM_FEATURES advertises MEMINFO, SHARE, UNSHARE, RELINQUISH, MMIO guard",
    () => expectCall(cpu.hvc(V.FEATURES), 0xffdn),
  );
  t.step(
    "HYP_MEMINFO: a 4 KiB granule, ranges supported",
    () => expectCall(cpu.hvc(V.HYP_MEMINFO, 0, 0, 0), { x0: 4096n, x1: BigInt(V.FUNC_HAS_RANGE) }),
  );
  t.step("Share 8 pages in one call", () => {
    expectCall(cpu.hvc(V.MEM_SHARE, RAM + 0x10_0000n, 8, 0), { x0: 0n, x1: 8n });
    expectEqual(vm.pkvm.pageState(RAM + 0x10_7000n), "shared", "last page");
    expectEqual(vm.pkvm.hostCanAccess(RAM + 0x10_0000n), true, "host access");
  });
  t.step("A large share stops after one walk (512 pages); the guest continues from x1", () => {
    const r = cpu.hvc(V.MEM_SHARE, RAM + 0x20_0000n, 1000, 0);
    expectCall(r, { x0: 0n, x1: 512n });
    expectCall(cpu.hvc(V.MEM_SHARE, RAM + 0x20_0000n + r.x1 * 4096n, 1000n - r.x1, 0), {
      x0: 0n,
      x1: 488n,
    });
  });
  t.step(
    "Sharing a page twice fails the whole call",
    () => expectCall(cpu.hvc(V.MEM_SHARE, RAM + 0x10_6000n, 4, 0), { x0: -3, x1: 0n }),
  );
  t.step("Unshare takes pages back from the host", () => {
    expectCall(cpu.hvc(V.MEM_UNSHARE, RAM + 0x10_0000n, 8, 0), { x0: 0n, x1: 8n });
    expectEqual(vm.pkvm.hostCanAccess(RAM + 0x10_0000n), false, "host access");
  });
  t.step("Relinquish gives a private page back to the host, cleared", () => {
    vm.memory.writeU64(RAM + 0x80_0000n, 0x5ec12e7n);
    expectCall(cpu.hvc(V.MEM_RELINQUISH, RAM + 0x80_0000n, 0, 0), 0n);
    expectEqual(vm.memory.readU64(RAM + 0x80_0000n), 0n, "page content");
    expectEqual(vm.pkvm.pageState(RAM + 0x80_0000n), "relinquished", "page state");
  });
  t.step("MMIO guard: enrol, then map the UART page", () => {
    expectCall(cpu.hvc(V.MMIO_GUARD_ENROLL), 0n);
    expectCall(cpu.hvc(V.MMIO_GUARD_MAP, 0x0900_0000n), { x0: 0n, x1: 1n });
    expectCall(cpu.hvc(V.MMIO_GUARD_MAP, RAM), -3);
  });
});

scenario("next (mainline pKVM): single-page sharing, no MMIO guard", (t) => {
  const vm = t.vm({ kernel: "next", protected: true });
  const cpu = vm.cpu(0);
  t.step(
    "KVM_FEATURES = FEATURES | MEMINFO | SHARE | UNSHARE",
    () => expectCall(cpu.hvc(V.FEATURES), 0x1dn),
  );
  t.step("HYP_MEMINFO: granule only, reserved arguments checked", () => {
    expectCall(cpu.hvc(V.HYP_MEMINFO, 0, 0, 0), { x0: 4096n, x1: 0n });
    expectCall(cpu.hvc(V.HYP_MEMINFO, 1, 0, 0), -3);
  });
  t.step("MEM_SHARE takes one page and requires x2 = 0", () => {
    expectCall(cpu.hvc(V.MEM_SHARE, RAM, 0, 0), 0n);
    expectCall(cpu.hvc(V.MEM_SHARE, RAM + 0x1000n, 2, 0), -3);
  });
  t.step(
    "MMIO_GUARD is not handled: -1",
    () => expectCall(cpu.hvc(V.MMIO_GUARD, 0x0900_0000n), -1),
  );
});
