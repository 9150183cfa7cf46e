/**
 * The interpreter's counter reads (counter.ts) against the timer device's
 * own computation (devices/timer.ts sysregRead), in each context that picks a
 * different offset: KVM's VM-wide offsets (also after ONE_REG moves them), a
 * guest-owned EL2 with CNTVOFF_EL2, and EL2 with HCR_EL2.E2H (the physical
 * count).
 */
import { assertEquals } from "@std/assert";
import { asm, createVm, type Vm } from "../../mod.ts";
import { sysregByName } from "../sysregs.ts";

/** X1 = CNTVCT_EL0 and X2 = CNTPCT_EL0 as the guest read them, and as the timer answers now. */
function readBoth(vm: Vm, instructions: number): { guest: bigint[]; timer: bigint[] } {
  const r = vm.run({ maxInstructions: instructions });
  assertEquals(r.reason, "limit");
  const out = new Int32Array(2);
  const timer = ["CNTVCT_EL0", "CNTPCT_EL0"].map((name) => {
    vm.board.devices.timer.sysregRead(0, sysregByName(name)!.key, out);
    return (BigInt(out[1] >>> 0) << 32n) | BigInt(out[0] >>> 0);
  });
  return { guest: [vm.cpu(0).x[1], vm.cpu(0).x[2]], timer };
}

const READ = `
  mrs x1, cntvct_el0
  mrs x2, cntpct_el0`;

Deno.test("KVM: the counters read in the CPU are the timer's, before and after ONE_REG moves them", () => {
  for (const moved of [false, true]) {
    const vm = createVm({ cpus: 1, memoryMiB: 16 });
    vm.load(asm`${READ}`);
    if (moved) {
      vm.setOneReg("TIMER_CNT", 0xffff_ffff_ffff_f000n); // the virtual count wraps soon
      vm.setOneReg("PTIMER_CNT", 5_000_000n);
    }
    const { guest, timer } = readBoth(vm, 2);
    assertEquals(guest, timer);
    if (moved) assertEquals(guest, [0xffff_ffff_ffff_f000n, 5_000_000n]);
  }
});

Deno.test("guest EL2: CNTVOFF_EL2 applies, except at EL2 with HCR_EL2.E2H (the physical count)", () => {
  for (const e2h of [false, true]) {
    const vm = createVm({ cpus: 1, memoryMiB: 16, hyp: "none" });
    vm.load(asm`
      movz x0, #${e2h ? 4 : 0}, lsl #32
      msr hcr_el2, x0
      movz x0, #0x6789
      movk x0, #0x2345, lsl #16
      movk x0, #1, lsl #32
      msr cntvoff_el2, x0
      isb${READ}`);
    const { guest, timer } = readBoth(vm, 9);
    assertEquals(vm.cpu(0).el, 2);
    assertEquals(guest, timer);
    assertEquals(guest[0] === guest[1], e2h);
  }
});
