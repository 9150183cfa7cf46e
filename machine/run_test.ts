import { assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import { asm, createVm, GuestError, ImageError } from "../mod.ts";

const off = `movz x0, #0x8400, lsl #16
             movk x0, #8
             hvc  #0`;

Deno.test("run() stops on an undefined instruction with a GuestError naming PC, EL, ESR and the instruction", () => {
  const vm = createVm({ memoryMiB: 16 });
  vm.load(asm`nop
              .inst 0x00000000`);
  const r = vm.run({ maxInstructions: 100, stopOn: ["undef"] });
  assertEquals([r.reason, r.pc], ["undef", 0x4008_0004n]);
  assertEquals(r.error instanceof GuestError, true);
  assertEquals([r.error!.kind, r.error!.el, r.error!.esr], ["undef", 1, 0x0200_0000]);
  assertMatch(
    r.error!.message,
    /Undefined instruction: cpu 0, pc 0x0000000040080004, EL1, ESR 0x2000000, insn 0x00000000 \(udf/,
  );
});

Deno.test("run() ends an exception taken at its own vector (no handler installed) as exception_loop", () => {
  const vm = createVm({ memoryMiB: 16 });
  vm.load(asm`.inst 0x00000000`);
  vm.cpu(0).setSysreg("VBAR_EL1", 0x4020_0000n); // zeros there: UDF at the vector itself
  const r = vm.run({ maxInstructions: 1_000_000 });
  assertEquals([r.reason, r.error?.kind, r.pc], ["exception_loop", "exception_loop", 0x4020_0200n]);
  assertEquals(r.instructions < 10, true, "detected at once, not after the budget");
});

Deno.test("run() bounds a runaway guest by its instruction budget, exactly", () => {
  const vm = createVm({ memoryMiB: 16 });
  vm.load(asm`b .`);
  const r = vm.run({ maxInstructions: 123_457 });
  assertEquals([r.reason, r.instructions, r.error?.kind], ["limit", 123_457, "limit"]);
  assertEquals(vm.cpu(0).instructions, 123_457);
});

Deno.test("run() reports halted when every vCPU waits and nothing can wake it", () => {
  const vm = createVm({ memoryMiB: 16 });
  vm.load(asm`wfi
              b .`);
  const r = vm.run({ maxInstructions: 1000 });
  assertEquals([r.reason, r.error?.kind], ["halted", "halted"]);
});

const timerWfi = (gic: boolean) =>
  asm`
      ${
    gic
      ? `movz x8, #0x0800, lsl #16      // GICD: EnableGrp1NS | ARE_NS
      mov  w9, #0x12
      str  w9, [x8]
      movz x8, #0x080a, lsl #16      // GICR of vCPU 0: wake it (GICR_WAKER.ProcessorSleep = 0)
      str  wzr, [x8, #0x14]
      add  x8, x8, #0x10, lsl #12    // SGI frame: PPI 27 in group 1, enabled
      mov  w9, #1
      lsl  w9, w9, #27
      str  w9, [x8, #0x80]
      str  w9, [x8, #0x100]
      mov  x9, #0xff
      msr  icc_pmr_el1, x9
      mov  x9, #1
      msr  icc_igrpen1_el1, x9`
      : "nop"
  }
      movz x1, #62500                  // virtual timer in 62_500 ticks (1 ms)
      msr  cntv_tval_el0, x1
      mov  x1, #1
      msr  cntv_ctl_el0, x1
      wfi                              // PSTATE.I masked: WFI still wakes on a pending IRQ
      mrs  x5, cntv_ctl_el0
      mrs  x6, cntvct_el0
      ${off}`;

for (const hyp of ["firmware", "kvm"] as const) {
  Deno.test(`WFI sleeps in virtual time: the timer's interrupt wakes it at the deadline (${hyp})`, () => {
    // Under KVM the physical counter starts at the host's uptime and the virtual one at 0.
    const vm = createVm({ memoryMiB: 16, hyp });
    vm.load(timerWfi(true));
    const r = vm.run({ maxInstructions: 100_000 });
    assertEquals(r.reason, "system_off");
    assertEquals(vm.cpu(0).x[5] & 4n, 4n, "ISTATUS");
    assertEquals(
      vm.cpu(0).x[6] >= 62_500n && vm.cpu(0).x[6] < 62_600n,
      true,
      `CNTVCT ${vm.cpu(0).x[6]}`,
    );
    assertEquals(vm.clock.now() > 1_000_000 && vm.clock.now() < 1_002_000, true, "woke at 1 ms");
    assertEquals(vm.cpu(0).instructions < 40, true, "the wait cost no instructions");
  });
}

Deno.test("WFI with the timer's PPI not routed by the GIC never wakes: halted", () => {
  const vm = createVm({ memoryMiB: 16, hyp: "firmware" });
  vm.load(timerWfi(false));
  assertEquals(vm.run({ maxInstructions: 100_000 }).reason, "halted");
});

Deno.test("Secondaries wait powered off until PSCI CPU_ON; runs are deterministic", () => {
  const prog = asm`
      mrs  x9, mpidr_el1
      and  x9, x9, #0xff
      cbnz x9, secondary
      movz x0, #0xc400, lsl #16
      movk x0, #3                      // CPU_ON64
      mov  x1, #1
      adr  x2, secondary
      mov  x3, #0x77
      hvc  #0
      mov  x10, x0
  wait:
      ldr  w4, flag
      cbz  w4, wait
      ${off}
  secondary:
      mov  x5, x0                      // context id
      adr  x6, flag
      mov  w7, #1
      str  w7, [x6]
      b    .
  flag: .word 0`;
  const once = () => {
    const vm = createVm({ cpus: 2, memoryMiB: 16 });
    vm.load(prog);
    const stopped = vm.cpu(1).mpState;
    const r = vm.run({ maxInstructions: 1_000_000, quantum: 7 });
    return {
      stopped,
      reason: r.reason,
      x10: vm.cpu(0).x[10],
      x5: vm.cpu(1).x[5],
      n: r.instructions,
      trace: vm.trace.calls.map((c) => c.timeNs),
    };
  };
  const a = once(), b = once();
  assertEquals([a.stopped, a.reason, a.x10, a.x5], ["STOPPED", "system_off", 0n, 0x77n]);
  assertEquals(a, b, "same instructions, same virtual times");
});

Deno.test("load() rejects malformed images with an ImageError naming the problem", async () => {
  const vm = createVm({ memoryMiB: 16 });
  const elf = new Uint8Array(64);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  const e = assertThrows(() => vm.load(elf), ImageError);
  assertMatch(e.message, /^Cannot load image: /);
  await assertRejects(
    () => vm.load("/nonexistent/guest.elf"),
    ImageError,
    "Cannot load /nonexistent/guest.elf",
  );
  assertThrows(() => vm.load(new Uint8Array(300 << 20)), ImageError);
});

/** CPU 0 starts CPU 1 at `stuck` (PSCI CPU_ON), which takes an UNDEF at a vector that is UDF itself. */
const wedgeCpu1 = (cpu0Tail: string) =>
  asm`
      movz w0, #0xc400, lsl #16
      movk w0, #3                     // PSCI CPU_ON (SMC64), spec kvm-hypercalls.md PSCI
      mov  x1, #1
      adr  x2, stuck
      mov  x3, #0
      hvc  #0
      mov  x4, #20000
  1:  subs x4, x4, #1                 // keep CPU 0 busy well past CPU 1's first slice
      b.ne 1b
      ${cpu0Tail}
  stuck:
      movz x5, #0x4020, lsl #16
      msr  vbar_el1, x5               // zeros there: UDF at the vector itself
      .inst 0x00000000`;

Deno.test("run() keeps the other vCPUs going when one is stuck in an exception loop", () => {
  const vm = createVm({ memoryMiB: 16, cpus: 3 });
  vm.load(wedgeCpu1(`movz w0, #0x8400, lsl #16
      add  w0, w0, #8                 // PSCI SYSTEM_OFF
      hvc  #0`));
  const r = vm.run({ maxInstructions: 1_000_000 });
  assertEquals(r.reason, "system_off");
  assertEquals(r.stuck?.map((e) => [e.kind, e.cpu, e.pc]), [["exception_loop", 1, 0x4020_0200n]]);
  assertEquals(vm.cpu(1).pc, 0x4020_0200n, "the stuck vCPU waits at its vector");
  assertEquals(vm.cpu(0).instructions > 40_000, true, "CPU 0 ran its whole loop");
});

Deno.test("run() ends with exception_loop once no vCPU that is not stuck can run", () => {
  const vm = createVm({ memoryMiB: 16, cpus: 2 });
  vm.load(wedgeCpu1(`wfi                          // nothing will ever wake CPU 0
      b .`));
  const r = vm.run({ maxInstructions: 1_000_000 });
  assertEquals([r.reason, r.cpu, r.error?.kind, r.pc], [
    "exception_loop",
    1,
    "exception_loop",
    0x4020_0200n,
  ]);
  assertEquals(
    r.instructions < 50_000,
    true,
    "detected when CPU 0 went to sleep, not at the budget",
  );
});

/** PL011 data register: MMIO on every board (hw/arm/virt.c VIRT_UART). */
const uart = "movz x2, #0x0900, lsl #16";

Deno.test("KVM fails KVM_RUN with ENOSYS on MMIO by an instruction without a valid syndrome", () => {
  for (
    const insn of ["ldp x0, x1, [x2]", "str w3, [x2], #4", "ldr w0, [x2, #8]!", "ldxr w0, [x2]"]
  ) {
    const vm = createVm({ memoryMiB: 16 });
    vm.load(asm`${uart}
                mov x3, #0x41
                ${insn}
                ${off}`);
    const r = vm.run({ maxInstructions: 100 });
    assertEquals([r.reason, r.pc, r.error?.kind], ["mmio_nisv", 0x4008_0008n, "mmio_nisv"], insn);
    assertMatch(r.error!.message, /ENOSYS.*no valid syndrome \(ISV = 0\)/, insn);
    assertEquals(vm.cpu(0).x[2], 0x0900_0000n, `${insn}: no writeback, nothing retired`);
    assertEquals(vm.uart.text(), "", insn);
  }
  // Single-register forms carry ISV = 1 and are emulated; TCG-style boards take anything.
  for (
    const [hyp, insn] of [["kvm", "str w3, [x2, #0]"], ["firmware", "stp x3, x3, [x2]"]] as const
  ) {
    const vm = createVm({ memoryMiB: 16, hyp });
    vm.load(asm`${uart}
                mov x3, #0x41
                ${insn}
                ${off}`);
    assertEquals([vm.run({ maxInstructions: 100 }).reason, vm.uart.text()[0]], ["system_off", "A"]);
  }
});

Deno.test("pKVM MMIO guard: an enrolled protected VM reaches only the pages it guarded", () => {
  const guest = (map: boolean) =>
    asm`movz x0, #0xc600, lsl #16
        movk x0, #6                      // MMIO_GUARD_ENROLL (spec 2.6.3)
        hvc  #0
        ${uart}
        ${
      map ? "movz x0, #0xc600, lsl #16\n movk x0, #7\n mov x1, x2\n hvc #0 // MMIO_GUARD_MAP" : ""
    }
        ${uart}                          // x0..x3 hold the call's results
        mov  w3, #0x41
        str  w3, [x2]
        ${off}`;
  const run = (map: boolean) => {
    const vm = createVm({ memoryMiB: 16, kernel: "android16-6.12", protected: true });
    vm.load(guest(map));
    return [vm.run({ maxInstructions: 100 }), vm] as const;
  };
  const [denied] = run(false);
  assertEquals(denied.reason, "mmio_nisv");
  assertMatch(denied.error!.message, /write at IPA 0x09000000: the page is not MMIO-guarded/);
  const [allowed, vm] = run(true);
  assertEquals([allowed.reason, vm.uart.text()], ["system_off", "A"]);
});
