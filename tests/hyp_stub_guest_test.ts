/**
 * hyp "hyp-stub": real guest code at EL1 talks to the modelled Linux hyp stub
 * (seed 000 hyp-abi.rst). HVC_SET_VECTORS installs the guest's own EL2
 * vectors, after which its HVCs execute that EL2 code; HVC_SOFT_RESTART jumps
 * to guest code at EL2 with the MMU off; SMC reaches the QEMU-style firmware.
 */
import { assertEquals } from "@std/assert";
import { asm, createVm, HYP_STUB_VECTORS } from "../mod.ts";

const UART = 0x0900_0000;

/** A guest that prints one character per step so the order is visible. */
const guest = asm`
_start:
    movz x20, #${UART >> 16}, lsl #16
    mov  w1, #'A'                     // A: at EL1, the stub is there
    strb w1, [x20]
    // HVC_SET_VECTORS(el2_vectors)
    mov  x0, #0
    adr  x1, el2_vectors
    hvc  #0
    cbnz x0, fail
    mov  w1, #'B'
    strb w1, [x20]
    // This HVC now runs our EL2 handler: it returns x0 = 0x1234 and keeps ESR_EL2 in x21.
    mov  x0, #7
    hvc  #0x42
    movz x2, #0x1234
    cmp  x0, x2
    b.ne fail
    mov  w1, #'C'
    strb w1, [x20]
    // Our vectors own EL2 now: hand EL2 back to the stub through our own handler
    // (x0 = 0xff: msr vbar_el2, x1), then ask the stub for a soft restart.
    mov  x0, #0xff
    ldr  x1, =${HYP_STUB_VECTORS}
    hvc  #0
    // HVC_SOFT_RESTART(el2_entry, 0x11, 0x22, 0x33): lands at EL2 with x0..x2 = 0x11, 0x22, 0x33.
    mov  x0, #1
    adr  x1, el2_entry
    mov  x2, #0x11
    mov  x3, #0x22
    mov  x4, #0x33
    hvc  #0
fail:
    mov  w1, #0x21                   // '!'
    strb w1, [x20]
    b    off

el2_entry:
    mrs  x5, CurrentEL
    cmp  x5, #8                       // EL2
    b.ne fail
    mrs  x5, sctlr_el2
    tbnz w5, #0, fail                 // MMU off
    cmp  x0, #0x11
    b.ne fail
    cmp  x2, #0x33
    b.ne fail
    mov  w1, #'D'
    strb w1, [x20]
off:
    movz x0, #0x8400, lsl #16         // PSCI SYSTEM_OFF through the firmware (SMC)
    movk x0, #8
    smc  #0
    b    .

    .balign 2048
el2_vectors:
    .skip 0x400                       // current-EL vectors unused
    // Lower EL, AArch64, synchronous: our hypervisor.
    cmp  x0, #0xff
    b.ne 1f
    msr  vbar_el2, x1                 // hand EL2 back to the stub
    mov  x0, #0
    eret
1:  mrs  x21, esr_el2
    movz x0, #0x1234
    eret
`;

Deno.test("hyp-stub: a guest installs its own EL2 vectors, runs EL2 code on HVC, and soft-restarts at EL2", () => {
  const vm = createVm({ hyp: "hyp-stub", memoryMiB: 32 });
  vm.load(guest);
  assertEquals([vm.cpu(0).el, vm.el2Handler], [1, "hyp-stub"]);
  const r = vm.run({ maxInstructions: 10_000 });
  assertEquals(vm.uart.text(), "ABCD");
  assertEquals(r.reason, "system_off");
  const calls = vm.trace.calls.map((c) => `${c.route}:${c.name}`);
  assertEquals(calls, [
    "hyp-stub:HVC_SET_VECTORS",
    "hyp-stub:HVC_SOFT_RESTART",
    "firmware:PSCI_SYSTEM_OFF",
  ]);
  assertEquals(vm.cpu(0).x[21], 0x5a00_0042n, "ESR_EL2 of `hvc #0x42` as our EL2 code saw it");
});
