import { assertEquals } from "@std/assert";
import { VirtualClock } from "../clock.ts";
import { Feature, MachineMemory, Slot } from "../state.ts";
import { sysregByName } from "../sysregs.ts";
import { CTL, GenericTimer, TIMER, TIMER_SYSREG as K } from "./timer.ts";

const out = new Int32Array(2);

function setup(cpus = 1) {
  const mm = new MachineMemory(cpus, 1);
  const clock = new VirtualClock(mm, cpus);
  const events: string[] = [];
  const timer = new GenericTimer(
    mm,
    clock,
    cpus,
    (c, intid, level) => events.push(`${c}:${intid}:${+level}`),
  );
  const rd = (c: number, k: number) => (timer.sysregRead(c, k, out), [out[0] >>> 0, out[1] >>> 0]);
  const wr = (c: number, k: number, lo: number, hi = 0) => timer.sysregWrite(c, k, lo, hi);
  /** Retire `n` instructions on vCPU c (1 ns each). */
  const run = (c: number, n: number) => {
    const w = mm.slot(c, Slot.ICOUNT);
    const v = mm.u32[w] + n;
    mm.u32[w] = v >>> 0;
    mm.u32[w + 1] += Math.floor(v / 0x1_0000_0000);
  };
  const setCntvoff = (c: number, lo: number, hi: number) => {
    mm.u32[mm.slot(c, Slot.FEATURES)] |= Feature.EL2;
    const w = mm.slot(c, sysregByName("CNTVOFF_EL2")!.slot);
    mm.u32[w] = lo;
    mm.u32[w + 1] = hi;
  };
  return { mm, clock, timer, events, rd, wr, run, setCntvoff };
}

Deno.test("GenericTimer.sysregRead() counts at 62.5 MHz of virtual time", () => {
  const { clock, rd, run } = setup();
  assertEquals(rd(0, K.CNTPCT_EL0), [0, 0]);
  run(0, 160);
  assertEquals(rd(0, K.CNTPCT_EL0), [10, 0]);
  clock.beginSlice(16 * 0x1_0000_0003);
  assertEquals(rd(0, K.CNTPCT_EL0), [3, 1]);
  assertEquals(rd(0, K.CNTVCT_EL0), [3, 1]);
});

Deno.test("GenericTimer CNTVCT_EL0 subtracts CNTVOFF_EL2 modulo 2^64", () => {
  const { clock, rd, setCntvoff, mm } = setup();
  clock.beginSlice(16 * 100);
  setCntvoff(0, 40, 0);
  assertEquals(rd(0, K.CNTVCT_EL0), [60, 0]);
  setCntvoff(0, 101, 0);
  assertEquals(rd(0, K.CNTVCT_EL0), [0xffff_ffff, 0xffff_ffff]);
  // At EL2 with HCR_EL2.E2H the offset does not apply.
  mm.u32[mm.slot(0, Slot.PSTATE)] = 0x9;
  mm.u32[mm.slot(0, sysregByName("HCR_EL2")!.slot) + 1] = 1 << 2;
  assertEquals(rd(0, K.CNTVCT_EL0), [100, 0]);
});

Deno.test("GenericTimer fires the virtual timer PPI 27 at CVAL and honours IMASK", () => {
  const { timer, events, rd, wr, run } = setup();
  wr(0, K.CNTV_CVAL_EL0, 10);
  wr(0, K.CNTV_CTL_EL0, CTL.ENABLE);
  assertEquals(rd(0, K.CNTV_CTL_EL0), [1, 0]);
  assertEquals(timer.nextDeadline(), 160);
  run(0, 159);
  timer.sync();
  assertEquals(events, []);
  run(0, 1);
  timer.sync();
  assertEquals(events, ["0:27:1"]);
  assertEquals(rd(0, K.CNTV_CTL_EL0), [CTL.ENABLE | CTL.ISTATUS, 0]);
  assertEquals(timer.nextDeadline(), Infinity); // already firing
  wr(0, K.CNTV_CTL_EL0, CTL.ENABLE | CTL.IMASK);
  assertEquals(events, ["0:27:1", "0:27:0"]);
  assertEquals(rd(0, K.CNTV_CTL_EL0), [7, 0]);
  wr(0, K.CNTV_CTL_EL0, 0); // disabled: ISTATUS reads 0
  assertEquals(rd(0, K.CNTV_CTL_EL0), [0, 0]);
  assertEquals(timer.asserted(0, TIMER.VIRT), false);
});

Deno.test("GenericTimer TVAL reads CVAL - count and writes count + sext(TVAL)", () => {
  const { timer, rd, wr, run } = setup();
  run(0, 16 * 50);
  wr(0, K.CNTP_TVAL_EL0, 25);
  assertEquals(rd(0, K.CNTP_CVAL_EL0), [75, 0]);
  run(0, 16 * 30);
  assertEquals(rd(0, K.CNTP_TVAL_EL0), [0xffff_fffb, 0]); // -5, upper half RES0
  wr(0, K.CNTP_TVAL_EL0, -100);
  assertEquals(rd(0, K.CNTP_CVAL_EL0), [0xffff_ffec, 0xffff_ffff]); // 80 - 100 wraps
  wr(0, K.CNTP_CTL_EL0, 1);
  assertEquals(timer.asserted(0, TIMER.PHYS), false); // CVAL is huge (unsigned compare)
});

Deno.test("GenericTimer maps the four timers to PPIs 30, 27, 26 and 28", () => {
  const { events, wr, setCntvoff } = setup();
  setCntvoff(0, 0, 0);
  for (const k of [K.CNTP_CTL_EL0, K.CNTV_CTL_EL0, K.CNTHP_CTL_EL2, K.CNTHV_CTL_EL2]) wr(0, k, 1);
  assertEquals(events, ["0:30:1", "0:27:1", "0:26:1", "0:28:1"]);
});

Deno.test("GenericTimer.nextDeadline() is the earliest enabled, unmasked timer over vCPUs", () => {
  const { timer, wr, setCntvoff, clock } = setup(2);
  clock.beginSlice(16 * 10); // virtual count of vCPU 1: 10 - 5 = 5
  setCntvoff(1, 5, 0);
  wr(0, K.CNTP_CVAL_EL0, 100);
  wr(0, K.CNTP_CTL_EL0, 1);
  wr(1, K.CNTV_CVAL_EL0, 50); // fires at physical 55
  wr(1, K.CNTV_CTL_EL0, 1);
  wr(1, K.CNTHP_CVAL_EL2, 10);
  wr(1, K.CNTHP_CTL_EL2, 3); // masked: no deadline
  assertEquals(timer.nextDeadline(), 55 * 16);
  assertEquals(timer.nextDeadline(0), 100 * 16);
  clock.beginSlice(55 * 16);
  timer.sync();
  assertEquals(timer.asserted(1, TIMER.VIRT), true);
  assertEquals(timer.nextDeadline(), 100 * 16);
  wr(0, K.CNTP_CVAL_EL0, 0, 0x2_0000); // 2^49 ticks: beyond reach
  assertEquals(timer.nextDeadline(), Infinity);
});

Deno.test("GenericTimer EL02 aliases reach the EL1 timers and counters are read-only", () => {
  const { timer, rd, wr } = setup();
  wr(0, K.CNTV_CVAL_EL02, 1234);
  assertEquals(rd(0, K.CNTV_CVAL_EL0), [1234, 0]);
  assertEquals(timer.sysregWrite(0, K.CNTPCT_EL0, 0, 0), false);
  timer.reset(0);
  assertEquals(rd(0, K.CNTV_CVAL_EL0), [0, 0]);
});
