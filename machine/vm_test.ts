import { assertEquals, assertThrows } from "@std/assert";
import { createVm } from "./vm.ts";
import { asm } from "./cpu/asm.ts";
import {
  HYP_STUB,
  HYP_STUB_VECTORS,
  KVM_REG,
  KVM_VENDOR,
  KvmError,
  PSCI,
  TRNG,
} from "../hyp/mod.ts";

const errno = (f: () => unknown) => assertThrows(f, KvmError).errno;

Deno.test("createVm() gives KVM's vCPU reset state: EL1h, DAIF masked, KVM MPIDRs", () => {
  const vm = createVm({ cpus: 3, memoryMiB: 8 });
  assertEquals(vm.cpu(0).el, 1);
  assertEquals(vm.cpu(0).getOneReg("PSTATE"), 0x3c5n);
  assertEquals(vm.cpus.map((c) => c.getOneReg("MPIDR_EL1")), [
    0x8000_0000n,
    0x8000_0001n,
    0x8000_0002n,
  ]);
  assertEquals(vm.cpu(1).mpState, "RUNNABLE");
  assertEquals(vm.el2Handler, "kvm");
});

Deno.test("Vcpu.hvc() sets X0..X7, retires one instruction, continues after the HVC", () => {
  const vm = createVm({ memoryMiB: 8 });
  const c = vm.cpu(0);
  c.pc = 0x4008_0000n;
  c.x[8] = 0x88n;
  c.x[5] = 0x55n;
  const r = c.hvc(PSCI.VERSION, 1n, 2);
  assertEquals([r.x0, r.pc, r.el, c.pc, c.instructions], [
    0x10003n,
    0x4008_0004n,
    1,
    0x4008_0004n,
    1,
  ]);
  assertEquals([c.x[5], c.x[8]], [0n, 0x88n], "X1..X7 set (missing ones 0), X8+ untouched");
  const s = c.smc(PSCI.VERSION);
  assertEquals([s.x0, s.pc], [0x10003n, 0x4008_0008n], "SMC is skipped by the model");
});

Deno.test("Vcpu.call() sets only the registers given and honours the immediate", () => {
  const vm = createVm({ memoryMiB: 8 });
  const c = vm.cpu(0);
  c.x[1] = 0x11n;
  c.x[3] = 0x33n;
  const r = c.call({ conduit: "smc", imm: 1, x: [PSCI.VERSION] });
  assertEquals(
    [r.x0, r.x1, r.x3],
    [0xffff_ffff_ffff_ffffn, 0x11n, 0x33n],
    "SMC imm != 0: x0 = -1 only",
  );
  assertThrows(() => c.call({ x: [] }), TypeError);
  assertThrows(() => c.call({ imm: 0x10000, x: [0] }), RangeError);
});

Deno.test("Bad input gets typed errors with clear messages", () => {
  const vm = createVm({ cpus: 2, memoryMiB: 8 });
  assertThrows(() => vm.cpu(2), RangeError, "No vCPU 2: this VM has 2 (0..1)");
  assertThrows(() => vm.cpu(-1), RangeError);
  const e = assertThrows(() => vm.getOneReg("STD_BMAPP"), KvmError);
  assertEquals(e.errno, "ENOENT");
  assertEquals(e.message.includes("did you mean STD_BMAP"), true, e.message);
  assertThrows(
    () => vm.setOneReg("STD_BMAP", 0 as unknown as bigint),
    TypeError,
    "expected a bigint",
  );
  assertThrows(() => vm.cpu(0).hvc(1.5), TypeError);
  assertThrows(() => vm.memory.read(0x1000n, 4), RangeError, "outside RAM");
  assertThrows(() => vm.memory.writeU64(0x4000_0000n + 8n * 1024n * 1024n - 4n, 0n), RangeError);
  assertThrows(() => createVm({ cpus: 0 }), RangeError, "Invalid vCPU count");
  assertThrows(() => createVm({ kernel: "2.6" }), RangeError, "Unknown kernel profile");
  assertThrows(() => createVm({ gic: 2, cpus: 9 }), RangeError, "GICv2");
  assertEquals(errno(() => vm.getOneReg(0x6030_0000_0010_0100n)), "ENOENT");
  assertEquals(errno(() => vm.getOneReg(0x1234n)), "EINVAL", "not an arm64 id");
  assertEquals(errno(() => vm.getOneReg("VBAR_EL2")), "ENOENT", "no EL2 registers for a KVM guest");
  assertEquals(
    errno(() => vm.cpu(0).setOneReg("PSTATE", 0x3c9n)),
    "EINVAL",
    "EL2h is not valid without EL2",
  );
});

Deno.test("A powered-off vCPU cannot issue calls; CPU_OFF blocks; CPU_ON wakes with the reset state", () => {
  const vm = createVm({ cpus: 2, memoryMiB: 8 });
  const r = vm.cpu(1).hvc(PSCI.CPU_OFF);
  assertEquals([r.blocked, vm.cpu(1).mpState], ["stopped", "STOPPED"]);
  assertEquals(errno(() => vm.cpu(1).hvc(PSCI.VERSION)), "EINVAL");
  assertEquals(vm.cpu(1).resume().blocked, "stopped");
  vm.cpu(0).hvc(PSCI.CPU_ON64, 1, 0x4008_1000, 0xabc);
  const w = vm.cpu(1).resume();
  assertEquals([w.blocked, w.pc, w.x0, w.el], [undefined, 0x4008_1000n, 0xabcn, 1]);
  assertEquals(vm.cpu(1).getOneReg("PSTATE"), 0x3c5n);
});

Deno.test("Forwarded calls: the VMM answers with setOneReg + resume(), or inline with onHypercall", () => {
  const vm = createVm({ memoryMiB: 8 });
  vm.setSmcccFilter({ base: 0xc600_0040, nr: 2, action: "fwd_to_user" });
  const r = vm.cpu(0).hvc(0xc600_0040);
  assertEquals(r.exit?.reason, "hypercall");
  vm.cpu(0).setOneReg(KVM_REG.x(0), 0n);
  vm.cpu(0).setOneReg("X1", 0x10000n);
  assertEquals(vm.cpu(0).resume().x, [0n, 0x10000n, 0n, 0n]);
  vm.onHypercall(({ nr }) => nr === 0xc600_0041 ? [0n, 0x411f_d070n, 0n, 0n] : undefined);
  assertEquals(vm.cpu(0).hvc(0xc600_0041, 0).x1, 0x411f_d070n);
});

Deno.test("regList() is core → firmware → sysregs, and every listed register round-trips", () => {
  const vm = createVm({ memoryMiB: 8 });
  const list = vm.regList();
  assertEquals(list.slice(0, 3).map((r) => r.name), ["X0", "X1", "X2"]);
  const fw = list.findIndex((r) => r.id === KVM_REG.PSCI_VERSION);
  assertEquals(
    list.slice(fw, fw + 8).map((r) => r.id),
    [0n, 1n, 2n, 3n].flatMap((i) => [KVM_REG.PSCI_VERSION + i]).concat(
      [0n, 1n, 2n, 3n].map((i) => KVM_REG.STD_BMAP + i),
    ),
  );
  for (const r of list) vm.setOneReg(r.id, vm.getOneReg(r.id));
  assertEquals(vm.getOneReg("MPIDR_EL1"), 0x8000_0000n);
});

Deno.test("KVM's timer registers: listed after the firmware ones, with TIMER_CNT/CVAL's swapped ids", () => {
  const ids = (kernel?: "6.1") => {
    const list = createVm({ memoryMiB: 8, kernel }).regList();
    const at = list.findIndex((r) => r.id === KVM_REG.VENDOR_HYP_BMAP) + (kernel ? 1 : 2);
    return list.slice(at, at + (kernel ? 3 : 6)).map((r) => r.id.toString(16));
  };
  // uapi asm/kvm.h: TIMER_CTL, TIMER_CNT (= CNTV_CVAL's encoding), TIMER_CVAL (= CNTVCT's),
  // then (Linux >= 6.4) PTIMER_CTL, PTIMER_CNT, PTIMER_CVAL.
  assertEquals(ids(), [
    "603000000013df19",
    "603000000013df1a",
    "603000000013df02",
    "603000000013df11",
    "603000000013df01",
    "603000000013df12",
  ]);
  assertEquals(ids("6.1"), ["603000000013df19", "603000000013df1a", "603000000013df02"]);
  assertEquals(
    errno(() => createVm({ memoryMiB: 8, kernel: "6.1" }).getOneReg(0x6030_0000_0013_df01n)),
    "ENOENT",
  );
});

Deno.test("Timer registers restore a guest's counters and comparator as a VMM migrating it would", () => {
  const vm = createVm({ memoryMiB: 8 });
  vm.load(asm`
      mrs x1, cntvct_el0
      mrs x2, cntpct_el0
      mrs x3, cntv_cval_el0
      mov x9, #400
  1:  subs x9, x9, #1
      b.ne 1b
      mrs x4, cntv_ctl_el0
      brk #0`);
  vm.setOneReg("TIMER_CNT", 1_000_000n); // the virtual count reads 1e6 now (VM-wide offset)
  vm.setOneReg("PTIMER_CNT", 5_000_000n);
  vm.setOneReg("KVM_REG_ARM_TIMER_CVAL", 1_000_010n);
  vm.setOneReg(0x6030_0000_0013_df19n, 1n | 4n); // TIMER_CTL: ENABLE; ISTATUS is ignored
  assertEquals(vm.getOneReg("CNTV_CVAL_EL0"), 1_000_010n, "named by the register it carries");
  assertEquals(vm.getOneReg("TIMER_CTL"), 1n, "not expired yet");
  vm.run({ maxInstructions: 10_000 });
  const x = vm.cpu(0).x;
  assertEquals([x[1] >= 1_000_000n && x[1] < 1_000_002n, x[2] >= 5_000_000n && x[2] < 5_000_002n], [
    true,
    true,
  ]);
  assertEquals([x[3], x[4]], [1_000_010n, 5n], "ENABLE | ISTATUS after the count passed CVAL");
  assertEquals(vm.cpu(0).sysreg("CNTV_CTL_EL0"), 5n, "device-backed registers read from scripts");
  assertEquals(vm.getOneReg("TIMER_CNT") - x[1], vm.getOneReg("PTIMER_CNT") - x[2]);
});

Deno.test("vm.run({ maxInstructions: 0 }) marks the VM as run: bitmap changes become EBUSY", () => {
  const vm = createVm({ memoryMiB: 8 });
  vm.setOneReg("STD_BMAP", 0n);
  vm.run({ maxInstructions: 0 });
  assertEquals(vm.hasRun, true);
  assertEquals(errno(() => vm.setOneReg("STD_BMAP", 1n)), "EBUSY");
  assertEquals(vm.cpu(0).hvc(TRNG.VERSION).x0, 0xffff_ffff_ffff_ffffn, "TRNG really hidden");
});

Deno.test("Stolen time: preempt() shows up in the guest's record on the next entry", () => {
  const vm = createVm({ memoryMiB: 8 });
  vm.cpu(0).setPvtimeIpa(0x4000_1000n);
  assertEquals(vm.cpu(0).pvtimeIpa, 0x4000_1000n);
  vm.cpu(0).hvc(0xc500_0021);
  vm.cpu(0).preempt(1_500_000n);
  vm.cpu(0).hvc(PSCI.VERSION);
  assertEquals(vm.memory.readU64(0x4000_1008n), 1_500_000n);
  assertEquals(createVm({ memoryMiB: 8 }).cpu(0).pvtimeIpa, 0xffff_ffff_ffff_ffffn);
});

Deno.test("hyp-stub: HVC_SET_VECTORS through the real exception entry; the next HVC enters guest EL2", () => {
  const vm = createVm({ hyp: "hyp-stub", memoryMiB: 8 });
  const c = vm.cpu(0);
  assertEquals([vm.el2Handler, c.sysreg("VBAR_EL2"), c.el], ["hyp-stub", HYP_STUB_VECTORS, 1]);
  c.pc = 0x4008_0000n;
  const r = c.hvc(HYP_STUB.SET_VECTORS, 0x4010_0000n);
  assertEquals([r.x0, r.el, r.pc], [0n, 1, 0x4008_0004n]);
  assertEquals([c.sysreg("ELR_EL2"), c.sysreg("ESR_EL2"), c.sysreg("SPSR_EL2")], [
    0x4008_0004n,
    0x5a00_0000n,
    0x3c5n,
  ]);
  assertEquals(vm.el2Handler, "guest");
  const t = c.hvc(PSCI.VERSION);
  assertEquals(t.exception, { el: 2, esr: 0x5a00_0000, vector: 0x4010_0400n });
  assertEquals([t.el, t.pc, c.sysreg("ELR_EL2")], [2, 0x4010_0400n, 0x4008_0008n]);
});

Deno.test("hyp-stub: FINALISE_EL2 moves the kernel to EL2 with VHE and real SP banking", () => {
  const vm = createVm({ hyp: "hyp-stub", memoryMiB: 8 });
  const c = vm.cpu(0);
  c.setSysreg("SP_EL1", 0x4040_0000n);
  c.setSysreg("VBAR_EL1", 0x4009_0000n);
  c.pc = 0x4008_0000n;
  const r = c.hvc(HYP_STUB.FINALISE_EL2);
  assertEquals([r.x0, r.el, r.pc, c.sp], [0n, 2, 0x4008_0004n, 0x4040_0000n]);
  assertEquals(c.sysreg("VBAR_EL2"), 0x4009_0000n);
  assertEquals(vm.el2Handler, "guest");
  const novhe = createVm({ hyp: "hyp-stub", vhe: false, memoryMiB: 8 });
  assertEquals(novhe.cpu(0).hvc(HYP_STUB.FINALISE_EL2).x0, BigInt(HYP_STUB.ERR));
});

Deno.test("Mainline pKVM: SMC from a protected vCPU is injected as an UNDEF at EL1", () => {
  const vm = createVm({ kernel: "next", protected: true, memoryMiB: 8 });
  const c = vm.cpu(0);
  c.setSysreg("VBAR_EL1", 0x4000_0800n);
  c.pc = 0x4008_0000n;
  const r = c.smc(PSCI.VERSION);
  assertEquals(r.exception, { el: 1, esr: 0x0200_0000, vector: 0x4000_0a00n });
  assertEquals(c.sysreg("ELR_EL1"), 0x4008_0000n, "the SMC itself");
});

Deno.test("Guest-owned EL2 (hyp none): CPU_ON targets start at EL2h as QEMU's firmware starts them", () => {
  const vm = createVm({ hyp: "none", cpus: 2, memoryMiB: 8 });
  assertEquals(vm.cpu(0).el, 2);
  vm.cpu(1).setMpState("STOPPED");
  vm.cpu(0).setSysreg("VBAR_EL2", 0x4000_0000n);
  vm.cpu(0).pc = 0x4008_0000n;
  const r = vm.cpu(0).smc(PSCI.CPU_ON64, 1, 0x4008_2000, 7);
  assertEquals([r.x0, r.pc], [0n, 0x4008_0004n]);
  assertEquals([vm.cpu(1).el, vm.cpu(1).pc, vm.cpu(1).x[0], vm.cpu(1).getOneReg("PSTATE")], [
    2,
    0x4008_2000n,
    7n,
    0x3c9n,
  ]);
  assertEquals(
    vm.cpu(0).hvc(PSCI.VERSION).exception?.el,
    2,
    "HVC at EL2 goes to the guest's own EL2 vectors",
  );
});

Deno.test('hyp "firmware": EL1 boot, QEMU MPIDRs, PSCI 1.1 over HVC', () => {
  const vm = createVm({ hyp: "firmware", cpus: 2, gic: 2, memoryMiB: 8 });
  assertEquals([vm.cpu(0).el, vm.el2Handler], [1, "firmware"]);
  assertEquals(vm.cpu(0).hvc(PSCI.VERSION).x0, 0x10001n);
  assertEquals(vm.cpu(1).getOneReg("MPIDR_EL1"), 0x8000_0001n);
});

Deno.test("Unmapped physical addresses: RAZ/WI under the KVM model (an MMIO exit QEMU completes), abort under QEMU TCG", async () => {
  const { asm } = await import("./cpu/asm.ts");
  const guest = asm`
      movz x1, #0x0b00, lsl #16      // a hole in QEMU virt's map
      movz x2, #0x1234
      str  x2, [x1]
      ldr  x3, [x1]
      movz x0, #0x8400, lsl #16
      movk x0, #8
      hvc  #0`;
  const kvm = createVm({ memoryMiB: 16 });
  kvm.load(guest);
  kvm.cpu(0).x[3] = 0x77n;
  assertEquals(kvm.run({ maxInstructions: 100 }).reason, "system_off");
  assertEquals(kvm.cpu(0).x[3], 0n);
  const tcg = createVm({ memoryMiB: 16, hyp: "firmware" });
  tcg.load(guest);
  tcg.cpu(0).setSysreg("VBAR_EL1", 0x4010_0000n); // zeros there: UDF → exception loop
  const r = tcg.run({ maxInstructions: 100, stopOn: ["abort"] });
  assertEquals([r.reason, r.error?.esr], ["abort", 0x9600_0050]);
});

Deno.test("mapMmio: a script's device answers guest loads and stores; RAM and devices cannot be covered", () => {
  const vm = createVm({ memoryMiB: 8, hyp: "firmware" });
  const log: string[] = [];
  vm.mapMmio(0x0a00_0000n, 0x100n, {
    read: (off, size, cpu) => (log.push(`r${size}@${off} cpu${cpu}`), -1), // truncated to the size
    write: (off, size, v) => void log.push(`w${size}@${off}=${v.toString(16)}`),
  });
  vm.load(asm`
      movz x1, #0x0a00, lsl #16
      ldrh w2, [x1, #6]
      mov  x3, #-2
      str  x3, [x1, #8]
      strb w3, [x1, #0x10]
      ldr  x4, [x1]
      brk  #0`);
  vm.run({ maxInstructions: 100 });
  assertEquals([vm.cpu(0).x[2], vm.cpu(0).x[4]], [0xffffn, 0xffff_ffff_ffff_ffffn]);
  assertEquals(log, ["r2@6 cpu0", "w8@8=fffffffffffffffe", "w1@16=fe", "r8@0 cpu0"]);
  assertThrows(() => vm.mapMmio(0x4070_0000n, 0x1000n, {}), RangeError, "overlaps RAM");
  assertThrows(() => vm.mapMmio(0x0900_0000n, 0x1000n, {}), RangeError, "overlaps pl011");
  assertThrows(
    () => vm.mapMmio(0x0a00_0000n as unknown as bigint, 16 as unknown as bigint, {}),
    TypeError,
  );
});

Deno.test("a call made inside onHypercall leaves the forwarded call's answer on its own vCPU", () => {
  const vm = createVm({ cpus: 2 });
  vm.setSmcccFilter({ base: KVM_VENDOR.DISCOVER_IMPL_VER, nr: 1, action: "fwd_to_user" });
  let inner = 0n;
  vm.onHypercall(() => {
    inner = vm.cpu(1).hvc(PSCI.VERSION).x0;
    return [42n, 7n];
  });
  const r = vm.cpu(0).hvc(KVM_VENDOR.DISCOVER_IMPL_VER);
  assertEquals([r.x0, r.x1], [42n, 7n]);
  assertEquals(inner, 0x10003n);
  assertEquals([vm.cpu(1).x[0], vm.cpu(1).x[1]], [0x10003n, 0n]);
  // Entries are in the order the calls began: the forwarded one, then the one inside it.
  assertEquals(vm.trace.last(2).map((e) => [e.cpu, e.route]), [
    [0, "user-handler"],
    [1, "service"],
  ]);
});
