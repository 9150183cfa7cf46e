/**
 * HVC/SMC from running guest code reach the hypervisor model with the
 * registers live (callbacks.ts `liveRegs`, sync.ts): nothing is copied
 * around the call. These tests check what that must keep exact: the trace's
 * arguments, results and virtual times, other vCPUs written by a call, user
 * hooks that read and write any register, exits, and errors thrown mid-call.
 */
import { assertEquals, assertThrows } from "@std/assert";
import { asm, createVm, PSCI } from "../mod.ts";

const off = `movz x0, #0x8400, lsl #16
             movk x0, #8
             hvc  #0`;

Deno.test("guest HVC loop: one trace entry per call, times exactly one loop apart, results in x0", () => {
  const vm = createVm({ memoryMiB: 16 });
  vm.load(asm`
      mov  x19, #10
      mov  x21, #0
  1:  movz x0, #0x8400, lsl #16          // PSCI_VERSION
      mov  x1, x19
      hvc  #0
      add  x21, x21, x0
      subs x19, x19, #1
      b.ne 1b
      ${off}`);
  const r = vm.run({ maxInstructions: 1_000 });
  assertEquals(r.reason, "system_off");
  assertEquals(vm.cpu(0).x[21], 10n * 0x10003n);
  const calls = vm.trace.calls;
  assertEquals(calls.length, 11);
  const v = calls.slice(0, 10);
  assertEquals(v.map((c) => c.name), Array(10).fill("PSCI_VERSION"));
  assertEquals(v.map((c) => c.args[0]), [10n, 9n, 8n, 7n, 6n, 5n, 4n, 3n, 2n, 1n]);
  assertEquals(v.map((c) => c.result[0]), Array(10).fill(0x10003n));
  // The HVC is the 5th instruction (4 retired before it), then 6 per iteration.
  assertEquals(v.map((c) => c.timeNs - calls[0].timeNs), v.map((_, k) => 6 * k));
  assertEquals(calls[10].name, "PSCI_SYSTEM_OFF");
  assertEquals(calls[10].timeNs - calls[9].timeNs, 6);
});

Deno.test("guest CPU_ON writes the other vCPU's registers; the caller's state is untouched", () => {
  const vm = createVm({ cpus: 2, memoryMiB: 16 });
  vm.load(asm`
      mrs  x9, mpidr_el1
      and  x9, x9, #0xff
      cbnz x9, 2f
      mov  x25, #0x55                   // not an SMCCC register: must survive the call
      movz x0, #0xc400, lsl #16
      movk x0, #3                       // CPU_ON64
      mov  x1, #1
      adr  x2, 2f
      mov  x3, #0x1234
      hvc  #0
      mov  x10, x0
  1:  ldr  w4, 3f
      cbz  w4, 1b
      ${off}
  2:  mov  x5, x0                       // context id
      mrs  x6, currentel
      adr  x7, 3f
      mov  w8, #1
      str  w8, [x7]
      b    .
  3:  .word 0`);
  const r = vm.run({ maxInstructions: 100_000, quantum: 5 });
  assertEquals(r.reason, "system_off");
  assertEquals([vm.cpu(0).x[10], vm.cpu(0).x[25]], [0n, 0x55n]);
  assertEquals([vm.cpu(1).x[5], vm.cpu(1).x[6]], [0x1234n, 4n]); // EL1
  const on = vm.trace.calls.find((c) => c.name === "PSCI_CPU_ON64")!;
  assertEquals([on.cpu, on.args, on.result[0]], [0, [1n, 0x4008_0040n, 0x1234n], 0n]);
});

Deno.test("onHypercall from a guest loop reads and writes any register, PC included", () => {
  const vm = createVm({ memoryMiB: 16 });
  vm.setSmcccFilter({ base: 0xc600_0000, nr: 1, action: "fwd_to_user" });
  const seen: bigint[][] = [];
  const els: number[] = [];
  vm.onHypercall((req) => {
    const c = vm.cpu(req.cpu);
    seen.push([req.x[1], c.x[19], c.pc, c.sp, BigInt(c.instructions)]);
    c.x[20] = c.x[20] + 1n; // not an SMCCC register
    els.push(c.el); // nested synchronisation must not undo the write above
    if (c.x[19] === 2n) c.pc = c.pc + 4n; // skip the add once
    return [0n, req.x[1] * 2n];
  });
  vm.load(asm`
      mov  x19, #3
      mov  x20, #0
      mov  x21, #0
      mov  x1, sp
      add  sp, x1, #0x100
  1:  movz x0, #0xc600, lsl #16
      mov  x1, x19
      hvc  #0
      add  x21, x21, x1
      subs x19, x19, #1
      b.ne 1b
      ${off}`);
  const sp = vm.cpu(0).sp + 0x100n;
  const r = vm.run({ maxInstructions: 1_000 });
  assertEquals(r.reason, "system_off");
  const after = 0x4008_0000n + 4n * 8n; // the instruction after the HVC
  assertEquals(seen, [
    [3n, 3n, after, sp, 8n],
    [2n, 2n, after, sp, 14n],
    [1n, 1n, after, sp, 19n],
  ]);
  assertEquals([vm.cpu(0).x[20], vm.cpu(0).x[21], els], [3n, 6n + 2n, [1, 1, 1]]);

  assertEquals(
    vm.trace.calls.map((c) => [c.route, c.result[1]]),
    [["user-handler", 6n], ["user-handler", 4n], ["user-handler", 2n], ["service", 0n]],
  );
});

Deno.test("a forwarded call without a handler exits with the guest's registers untouched; run() resumes", () => {
  const vm = createVm({ memoryMiB: 16 });
  vm.setSmcccFilter({ base: 0xc600_0000, nr: 1, action: "fwd_to_user" });
  vm.load(asm`
      mov  x22, #7
      movz x0, #0xc600, lsl #16
      movk x0, #0
      mov  x1, #9
      hvc  #0
      add  x22, x22, x1
      ${off}`);
  const r = vm.run({ maxInstructions: 1_000 });
  assertEquals([r.reason, r.exit?.reason, r.pc, r.instructions], [
    "hypercall_exit",
    "hypercall",
    0x4008_0014n,
    5,
  ]);
  assertEquals([vm.cpu(0).x[0], vm.cpu(0).x[1]], [0xc600_0000n, 9n]);
  vm.cpu(0).x[1] = 100n; // the VMM's answer
  const r2 = vm.run({ maxInstructions: 1_000 });
  assertEquals([r2.reason, vm.cpu(0).x[22]], ["system_off", 107n]);
});

Deno.test("an error thrown by a hook mid-call leaves the vCPU consistent; direct calls still work", () => {
  const vm = createVm({ memoryMiB: 16 });
  vm.setSmcccFilter({ base: 0xc600_0000, nr: 1, action: "fwd_to_user" });
  vm.onHypercall(() => {
    throw new Error("hook failed");
  });
  vm.load(asm`
      mov  x23, #0x42
      movz x0, #0xc600, lsl #16
      hvc  #0
      b    .`);
  assertThrows(() => vm.run({ maxInstructions: 1_000 }), Error, "hook failed");
  assertEquals([vm.cpu(0).x[23], vm.cpu(0).pc], [0x42n, 0x4008_000cn]);
  const r = vm.cpu(0).hvc(PSCI.VERSION);
  assertEquals([r.x0, vm.cpu(0).x[23]], [0x10003n, 0x42n]);
});

Deno.test("hyp-stub from guest code: HVC_SET_VECTORS then an HVC taken at the guest's EL2 vector", () => {
  const vm = createVm({ memoryMiB: 16, hyp: "hyp-stub" });
  vm.load(asm`
      mov  x24, #0x66
      mov  x0, #0                       // HVC_SET_VECTORS
      adr  x1, 2f
      hvc  #0
      mov  x0, #0x99
      hvc  #0
      b    .
      .balign 2048
  2:  .skip 0x400                       // the lower-EL AArch64 sync vector is at +0x400
  3:  mrs  x11, esr_el2
      mrs  x12, elr_el2
      mrs  x13, currentel
      ${off.replace("hvc", "smc")}`);
  const r = vm.run({ maxInstructions: 10_000 });
  const c = vm.cpu(0);
  assertEquals(r.reason, "system_off");
  assertEquals([c.x[11] >> 26n, c.x[12], c.x[13], c.x[24]], [0x16n, 0x4008_0018n, 8n, 0x66n]);
});

Deno.test("PSCI_VERSION (answered on a fast path) matches the general dispatcher in every configuration", () => {
  const answer = (
    opts: Parameters<typeof createVm>[0],
    setup?: (vm: ReturnType<typeof createVm>) => void,
  ) => {
    const vm = createVm({ memoryMiB: 16, ...opts });
    setup?.(vm);
    const direct = vm.cpu(0).hvc(PSCI.VERSION).x;
    vm.load(asm`
        movz x0, #0x8400, lsl #16
        mov  x1, #5
        hvc  #0
        mov  x20, x0
        mov  x21, x1
        ${off}`);
    vm.run({ maxInstructions: 100 });
    const t = vm.trace.calls.filter((c) => c.fid === PSCI.VERSION);
    return {
      direct,
      guest: [vm.cpu(0).x[20], vm.cpu(0).x[21]],
      trace: t.map((c) => [c.route, c.service, c.outcome, c.args[0], c.result[0], c.result[1]]),
    };
  };
  const v = 0xffff_ffff_ffff_ffffn;
  assertEquals(answer({}), {
    direct: [0x10003n, 0n, 0n, 0n],
    guest: [0x10003n, 0n],
    trace: [["service", "psci", "continue", 0n, 0x10003n, 0n], [
      "service",
      "psci",
      "continue",
      5n,
      0x10003n,
      0n,
    ]],
  });
  // KVM_REG_ARM_PSCI_VERSION lowered to 1.0.
  assertEquals(
    answer({}, (vm) => vm.setOneReg("KVM_REG_ARM_PSCI_VERSION", 0x10000n)).guest,
    [0x10000n, 0n],
  );
  // PSCI 0.1 only: no PSCI_VERSION.
  assertEquals(answer({ psci02: false }).guest, [v, 0n]);
  // A filter configured elsewhere, and one denying PSCI_VERSION.
  assertEquals(
    answer({}, (vm) => vm.setSmcccFilter({ base: 0xc600_0000, nr: 1, action: "deny" })).guest,
    [0x10003n, 0n],
  );
  const denied = answer(
    {},
    (vm) => vm.setSmcccFilter({ base: 0x8400_0000, nr: 1, action: "deny" }),
  );
  assertEquals([denied.guest, denied.trace[1][0]], [[v, 0n], "filter-deny"]);
  // Older and protected profiles.
  assertEquals(answer({ kernel: "5.10" }).guest, [0x10000n, 0n]);
  assertEquals(answer({ kernel: "android16-6.12", protected: true }).guest[0], 0x10001n);
});

Deno.test("Cpu.translate() from inside a guest call or device access leaves the vCPU's state alone", () => {
  const vm = createVm({ memoryMiB: 16, cpus: 2 });
  vm.setSmcccFilter({ base: 0xc600_0040, nr: 1, action: "fwd_to_user" });
  const seen: (bigint | undefined)[] = [];
  const look = () => {
    const cpu = vm.scheduler.cpu;
    seen.push(cpu.translate(0, 0x4008_0000n), cpu.translate(1, 0x4008_0000n));
  };
  vm.onHypercall(() => (look(), [0n]));
  vm.mapMmio(0x0a00_0000n, 0x1000n, { read: () => (look(), 7n) });
  vm.load(asm`
      mov  x19, #0x1234
      msr  tpidr_el1, x19                // a system register only X holds during the slice
      movz x0, #0xc600, lsl #16
      movk x0, #0x40                     // forwarded to the hook above
      hvc  #0
      movz x2, #0x0a00, lsl #16
      ldr  w22, [x2]                     // the device above
      add  x19, x19, #1
      mrs  x20, tpidr_el1
      ${off}`);
  const r = vm.run({ maxInstructions: 100 });
  const x = vm.cpu(0).x;
  assertEquals([r.reason, x[19], x[20], x[22]], ["system_off", 0x1235n, 0x1234n, 7n]);
  assertEquals(seen, Array(4).fill(0x4008_0000n)); // MMU off: VA = PA
});
