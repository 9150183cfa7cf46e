import { assertEquals } from "@std/assert";
import { VirtualClock } from "../clock.ts";
import { Feature, MachineMemory, Slot } from "../state.ts";
import { sysregByName } from "../sysregs.ts";
import { PMCR, Pmu, PMU_SYSREG as K } from "./pmu.ts";

const out = new Int32Array(2);
const C = 0x8000_0000;

function setup() {
  const mm = new MachineMemory(1, 1);
  const clock = new VirtualClock(mm, 1);
  const events: string[] = [];
  const pmu = new Pmu(mm, clock, 1, (c, intid, level) => events.push(`${c}:${intid}:${+level}`));
  const rd = (k: number) => (pmu.sysregRead(0, k, out), [out[0] >>> 0, out[1] >>> 0]);
  const wr = (k: number, lo: number, hi = 0) => pmu.sysregWrite(0, k, lo, hi);
  const run = (n: number) => {
    mm.u32[mm.slot(0, Slot.ICOUNT)] += n;
  };
  const setEl = (el: number) => {
    mm.u32[mm.slot(0, Slot.PSTATE)] = (el << 2) | 1;
  };
  const filtr = (v: number) => {
    mm.u32[mm.slot(0, sysregByName("PMCCFILTR_EL0")!.slot)] = v;
  };
  return { mm, clock, pmu, events, rd, wr, run, setEl, filtr };
}

Deno.test("Pmu() resets PMCR_EL0 like QEMU's cortex-a76 with no event counters", () => {
  const { rd } = setup();
  assertEquals(rd(K.PMCR_EL0), [0x410b_0000, 0]);
  assertEquals(rd(K.PMCCNTR_EL0), [0, 0]);
  assertEquals(rd(K.PMCNTENSET_EL0), [0, 0]);
});

Deno.test("Pmu PMCCNTR_EL0 counts virtual ns only with PMCR.E and PMCNTENSET.C", () => {
  const { rd, wr, run } = setup();
  wr(K.PMCR_EL0, PMCR.E);
  run(100);
  assertEquals(rd(K.PMCCNTR_EL0), [0, 0]);
  wr(K.PMCNTENSET_EL0, C);
  run(250);
  assertEquals(rd(K.PMCCNTR_EL0), [250, 0]);
  wr(K.PMCNTENCLR_EL0, C);
  run(100);
  assertEquals(rd(K.PMCCNTR_EL0), [250, 0]);
  wr(K.PMCR_EL0, PMCR.E | PMCR.C); // reset the counter; C is not stored
  assertEquals(rd(K.PMCCNTR_EL0), [0, 0]);
  assertEquals(rd(K.PMCR_EL0), [0x410b_0001, 0]);
});

Deno.test("Pmu PMCR.D counts every 64th cycle", () => {
  const { rd, wr, run } = setup();
  wr(K.PMCNTENSET_EL0, C);
  wr(K.PMCR_EL0, PMCR.E | PMCR.D);
  run(200);
  assertEquals(rd(K.PMCCNTR_EL0), [3, 0]);
  run(56);
  assertEquals(rd(K.PMCCNTR_EL0), [4, 0]);
});

Deno.test("Pmu overflows at bit 31 without PMCR.LC and raises PPI 23", () => {
  const { pmu, events, rd, wr, run } = setup();
  wr(K.PMCNTENSET_EL0, C);
  wr(K.PMINTENSET_EL1, C);
  wr(K.PMCCNTR_EL0, 0xffff_ff00);
  wr(K.PMCR_EL0, PMCR.E);
  assertEquals(pmu.nextDeadline(), 0x100);
  run(0x100);
  pmu.sync();
  assertEquals(rd(K.PMOVSSET_EL0), [C, 0]);
  assertEquals(rd(K.PMCCNTR_EL0), [0, 1]);
  assertEquals(events, ["0:23:1"]);
  wr(K.PMOVSCLR_EL0, C);
  assertEquals(events, ["0:23:1", "0:23:0"]);
  wr(K.PMCR_EL0, PMCR.E | PMCR.LC); // 64-bit counter: next overflow far away
  assertEquals(pmu.nextDeadline(), Infinity);
});

Deno.test("Pmu.elChanged() applies PMCCFILTR_EL0 per exception level", () => {
  const { mm, pmu, rd, wr, run, setEl, filtr } = setup();
  mm.u32[mm.slot(0, Slot.FEATURES)] |= Feature.EL2;
  filtr(1 << 31); // P: do not count at EL1
  setEl(0);
  wr(K.PMCNTENSET_EL0, C);
  wr(K.PMCR_EL0, PMCR.E);
  run(10); // EL0: counts
  setEl(1);
  pmu.elChanged(0);
  run(20); // EL1: filtered
  setEl(2);
  pmu.elChanged(0);
  run(30); // EL2 without NSH: filtered
  setEl(0);
  pmu.elChanged(0);
  run(5);
  assertEquals(rd(K.PMCCNTR_EL0), [15, 0]);
});
