/**
 * Linux's KVM arm64 selftests (hypercalls.c, psci_test.c, smccc_filter.c,
 * get-reg-list.c firmware part, kvm-uuid.c) replayed through the public API,
 * with the expectations of spec/kvm-selftests.md.
 */
import { assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { createVm, KVM_REG, KVM_VENDOR, KvmError, PSCI, PV_TIME, SMCCC, TRNG } from "../mod.ts";

const NEG1 = 0xffff_ffff_ffff_ffffn;
const errno = (f: () => unknown) => assertThrows(f, KvmError).errno;
const BMAPS = [
  "KVM_REG_ARM_STD_BMAP",
  "KVM_REG_ARM_STD_HYP_BMAP",
  "KVM_REG_ARM_VENDOR_HYP_BMAP",
  "KVM_REG_ARM_VENDOR_HYP_BMAP_2",
];
const CALLS: [number, number][] = [
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

/** hypercalls.c's VM: one vCPU, default target (no PSCI_0_2), steal time at 1 GiB. */
function hypercallsVm() {
  const vm = createVm({ cpus: 1, psci02: false, memoryMiB: 16 });
  vm.cpu(0).setPvtimeIpa(0x4000_0000n);
  return vm;
}

Deno.test("hypercalls.c: register interface, FEAT_DISABLED, FEAT_ENABLED, FALSE_INFO", () => {
  const vm = hypercallsVm();
  const reset = [1n, 1n, 3n, 0n], limit = [1n, 1n, 3n, 3n], over = [2n, 2n, 4n, 4n];
  BMAPS.forEach((r, i) => {
    assertEquals(vm.cpu(0).getOneReg(r), reset[i]);
    const v = reset[i] ? 0n : limit[i];
    vm.cpu(0).setOneReg(r, v);
    assertEquals(vm.cpu(0).getOneReg(r), v);
    if (v) vm.cpu(0).setOneReg(r, 0n);
    assertEquals(errno(() => vm.cpu(0).setOneReg(r, over[i])), "EINVAL");
  });
  vm.run({ maxInstructions: 0 }); // first KVM_RUN: the guest syncs in stage 0
  BMAPS.forEach((r, i) => {
    assertEquals(vm.cpu(0).getOneReg(r), 0n);
    assertEquals(errno(() => vm.cpu(0).setOneReg(r, limit[i])), "EBUSY");
  });
  for (const [fid, x1] of CALLS) assertEquals(vm.cpu(0).hvc(fid, x1).x0, NEG1, fid.toString(16));

  const fresh = hypercallsVm(); // stage 2, as the test intends it
  const enabled = CALLS.map(([fid, x1]) => fresh.cpu(0).hvc(fid, x1));
  for (const r of enabled) assertNotEquals(r.x0, NEG1);
  assertEquals(enabled[7].x0, 0x4000_0000n);
  assertEquals(fresh.memory.read(0x4000_0000n, 64).every((b) => b === 0), true);
  assertEquals(enabled[9].x, [0xb66f_b428n, 0xe911_c52en, 0x564b_caa9n, 0x743a_004dn]);

  const third = hypercallsVm(); // stage 3
  assertEquals(third.cpu(0).hvc(TRNG.FEATURES, KVM_VENDOR.PTP).x0, NEG1);
  assertEquals(third.cpu(0).hvc(SMCCC.ARCH_FEATURES, TRNG.RND64).x0, NEG1);
  assertEquals(third.cpu(0).hvc(PV_TIME.FEATURES, TRNG.RND64).x0, NEG1);
});

/** psci_test.c's VM: two vCPUs with PSCI 0.2, the target powered off. */
function psciVm() {
  const vm = createVm({ cpus: 2, memoryMiB: 16 });
  vm.cpu(1).setMpState("STOPPED");
  return vm;
}

Deno.test("psci_test.c CPU_ON: ON as soon as CPU_ON returns; reset state visible before the target runs", () => {
  const vm = psciVm();
  const target = vm.cpu(1).getOneReg(0x6030_0000_0013_c005n) & 0xff00ff_ffffn;
  assertEquals(target, 1n);
  assertEquals(vm.cpu(0).hvc(PSCI.CPU_ON64, target, 0xfeedf00d, 0xdeadc0de).x0, 0n);
  const r = vm.cpu(0).hvc(PSCI.AFFINITY_INFO64, target, 0);
  assertEquals(r.x0, 0n);
  assertEquals(vm.cpu(1).getOneReg(0x6030_0000_0010_0040n), 0xfeedf00dn);
  assertEquals(vm.cpu(1).getOneReg(0x6030_0000_0010_0000n), 0xdeadc0den);
});

Deno.test("psci_test.c SYSTEM_SUSPEND: FEATURES 0 with the cap, then a SUSPEND exit", () => {
  const vm = psciVm();
  assertEquals(vm.checkExtension("KVM_CAP_ARM_SYSTEM_SUSPEND"), 1);
  vm.enableCap("KVM_CAP_ARM_SYSTEM_SUSPEND");
  assertEquals(vm.cpu(0).hvc(PSCI.FEATURES, PSCI.SYSTEM_SUSPEND).x0, 0n);
  assertEquals(vm.cpu(0).hvc(PSCI.FEATURES, PSCI.SYSTEM_SUSPEND64).x0, 0n);
  const r = vm.cpu(0).hvc(PSCI.SYSTEM_SUSPEND64, 0xfeedf00d, 0xdeadc0de);
  assertEquals(r.exit?.reason, "system_event");
  assertEquals(r.exit?.reason === "system_event" && r.exit.typeCode, 5);
  assertEquals([r.x1, r.x2], [0xfeedf00dn, 0xdeadc0den]);
});

Deno.test("psci_test.c SYSTEM_OFF2: HIBERNATE_OFF advertised, bad args -2, two shutdown exits, -6 on resume", () => {
  const vm = psciVm();
  assertEquals(vm.cpu(1).getOneReg("KVM_REG_ARM_PSCI_VERSION") >= 0x10003n, true);
  assertEquals(vm.cpu(0).hvc(PSCI.FEATURES, PSCI.SYSTEM_OFF2).x0 & 1n, 1n);
  assertEquals(vm.cpu(0).hvc(PSCI.FEATURES, PSCI.SYSTEM_OFF2_64).x0 & 1n, 1n);
  let shutdowns = 0;
  for (const [type, cookie] of [[1, 1], [1, 0], [0, 1], [0, 0]]) {
    const r = vm.cpu(0).hvc(PSCI.SYSTEM_OFF2_64, type, cookie);
    if (cookie !== 0) {
      assertEquals(r.x0, 0xffff_ffff_ffff_fffen);
      continue;
    }
    assertEquals(
      r.exit?.reason === "system_event" && [r.exit.type, r.exit.ndata, r.exit.data[0] & 1n],
      ["SHUTDOWN", 1, 1n],
    );
    shutdowns++;
    vm.cpu(0).setMpState("RUNNABLE");
    assertEquals(vm.cpu(0).resume().x0, 0xffff_ffff_ffff_fffan);
  }
  assertEquals(shutdowns, 2);
});

Deno.test("smccc_filter.c: UAPI constraints, denied and forwarded calls over HVC and SMC", () => {
  const vm = createVm({ memoryMiB: 16, kernel: "next" });
  assertEquals(vm.hasDeviceAttr(0, 0), 0);
  assertEquals(errno(() => vm.hasDeviceAttr(0, 1)), "ENXIO");
  assertEquals(
    errno(() => vm.setSmcccFilter({ base: 0x8400_0000, nr: 1, action: "deny", pad: [0xff] })),
    "EINVAL",
  );
  assertEquals(
    errno(() => vm.setSmcccFilter({ base: 0xc400_0003, nr: 0, action: "deny" })),
    "EINVAL",
  );
  assertEquals(errno(() => vm.setSmcccFilter({ base: 0, nr: 0, action: "deny" })), "EINVAL");
  assertEquals(
    errno(() => vm.setSmcccFilter({ base: 0xffff_ffff, nr: 0xffff_ffff, action: "deny" })),
    "EINVAL",
  );
  assertEquals(
    errno(() => vm.setSmcccFilter({ base: 0xc400_0003, nr: 1, action: 0xff })),
    "EINVAL",
  );
  assertEquals(
    errno(() => vm.setSmcccFilter({ base: SMCCC.ARCH_WORKAROUND_1, nr: 1, action: "deny" })),
    "EEXIST",
  );
  assertEquals(
    errno(() => vm.setSmcccFilter({ base: 0xc000_0000, nr: 1, action: "deny" })),
    "EEXIST",
  );
  vm.setSmcccFilter({ base: 0xc400_0003, nr: 1, action: "deny" });
  assertEquals(
    errno(() => vm.setSmcccFilter({ base: 0xc400_0003, nr: 1, action: "deny" })),
    "EEXIST",
  );
  for (const conduit of ["hvc", "smc"] as const) {
    const deny = createVm({ memoryMiB: 16 });
    deny.setSmcccFilter({ base: PSCI.VERSION, nr: 1, action: "deny" });
    assertEquals(deny.cpu(0)[conduit](PSCI.VERSION).x0, NEG1);
    const fwd = createVm({ memoryMiB: 16 });
    fwd.setSmcccFilter({ base: PSCI.VERSION, nr: 1, action: "fwd_to_user" });
    const r = fwd.cpu(0)[conduit](PSCI.VERSION);
    assertEquals(r.exit, {
      reason: "hypercall",
      nr: PSCI.VERSION,
      flags: { smc: conduit === "smc", imm16: false, raw: conduit === "smc" ? 1 : 0 },
    });
  }
});

Deno.test("get-reg-list: blessed firmware registers present, readable, writable with their own value", () => {
  for (const psci02 of [false, true]) {
    const vm = createVm({ memoryMiB: 16, psci02 });
    const ids = vm.regList().map((r) => r.id);
    const blessed = [0n, 1n, 2n, 3n].flatMap((
      i,
    ) => [KVM_REG.PSCI_VERSION + i, KVM_REG.STD_BMAP + i]);
    for (const id of blessed) {
      assertEquals(ids.includes(id), true, id.toString(16));
      vm.setOneReg(id, vm.getOneReg(id));
    }
    assertEquals(vm.getOneReg(KVM_REG.PSCI_VERSION), psci02 ? 0x10003n : 1n);
  }
});

Deno.test("get-reg-list: core registers in struct kvm_regs order, fp_regs.vregs/fpsr/fpcr last", () => {
  const vm = createVm({ memoryMiB: 16 });
  const ids = vm.regList().map((r) => r.id);
  const core = ids.slice(0, ids.indexOf(KVM_REG.PSCI_VERSION));
  // get-reg-list.c base_regs: regs[0..30], sp, pc, pstate, sp_el1, elr_el1, spsr[0..4],
  // fp_regs.vregs[0..31] (U128), fp_regs.fpsr, fp_regs.fpcr (U32).
  assertEquals(core.length, 31 + 10 + 32 + 2);
  assertEquals(core[41], 0x6040_0000_0010_0054n); // vregs[0]
  assertEquals(core[72], 0x6040_0000_0010_00d0n); // vregs[31]
  assertEquals(core.slice(73), [0x6020_0000_0010_00d4n, 0x6020_0000_0010_00d5n]);
  const v = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210n;
  vm.setOneReg(KVM_REG.v(31), v);
  assertEquals(vm.getOneReg("V31"), v);
  assertEquals(vm.getOneReg("Q31"), v);
  vm.setOneReg("FPCR", 0x0300_0000n);
  assertEquals(vm.cpu(0).sysreg("FPCR"), 0x0300_0000n);
});

Deno.test("kvm-uuid.c: CALL_UID returns the KVM UID", () => {
  const r = createVm({ memoryMiB: 16 }).cpu(0).smc(KVM_VENDOR.CALL_UID);
  assertEquals(r.x, [0xb66f_b428n, 0xe911_c52en, 0x564b_caa9n, 0x743a_004dn]);
});
