/**
 * CNTPCT_EL0 and CNTVCT_EL0 read in the interpreter, without a call out to
 * the timer device: guests poll the counter in delay loops (Linux's
 * `udelay`, kvm-unit-tests' `mdelay`), and a device call per read cost about
 * 250 ns.
 *
 * Virtual time is TIME_BASE + ICOUNT ns (machine/clock.ts), the counter runs
 * at 62.5 MHz (16 ns a tick), and the timer device publishes in every vCPU's
 * register block the bias of each counter: the counter base less the
 * hypervisor's physical or virtual offset (Slot.CNT_PHYS_BIAS,
 * Slot.CNT_VIRT_BIAS). The guest's own CNTVOFF_EL2 applies when it owns
 * EL2, except where CNTVCT_EL0 reads the physical count: at EL2 with
 * HCR_EL2.E2H = 1 and at EL0 with E2H and TGE set (Arm ARM D11.1.2; QEMU
 * gt_virt_cnt_offset) — exactly as devices/timer.ts computes it.
 *
 * @module
 */

import { Feature } from "../state.ts";
import { NS_PER_TICK } from "../clock.ts";
import { C, el, HCR, hcrHi, hcrLo, icountNow, sw, W, X } from "./core.ts";

const CNTVOFF_EL2 = sw("CNTVOFF_EL2");
const TWO32 = 0x1_0000_0000;

/** Write the counter (CNTVCT_EL0 when `virtual`, else CNTPCT_EL0) to X at word `w`. */
export function readCounter(virtual: boolean, w: number): void {
  const x = X;
  const ns = x[W.TIME_BASE + 1] * TWO32 + (x[W.TIME_BASE] >>> 0) + icountNow();
  const ticks = Math.floor(ns / NS_PER_TICK); // below 2^49
  let b = W.CNT_PHYS_BIAS, voffLo = 0, voffHi = 0;
  if (virtual) {
    const e = el(), e2h = (hcrHi() & HCR.HI_E2H) !== 0;
    const physical = e === 2 ? e2h : e === 0 && e2h && (hcrLo() & HCR.TGE) !== 0;
    if (physical) {
      // The physical count.
    } else if (C.features & Feature.EL2) {
      voffLo = x[CNTVOFF_EL2];
      voffHi = x[CNTVOFF_EL2 + 1];
    } else {
      b = W.CNT_VIRT_BIAS;
    }
  }
  // ticks + bias - CNTVOFF_EL2, modulo 2^64, in 32-bit halves.
  const tHi = Math.floor(ticks / TWO32);
  let lo = ticks - tHi * TWO32 + (x[b] >>> 0) - (voffLo >>> 0);
  let hi = tHi + x[b + 1] - voffHi;
  const carry = Math.floor(lo / TWO32); // -1, 0 or 1
  lo -= carry * TWO32;
  hi += carry;
  x[w] = lo | 0;
  x[w + 1] = hi | 0;
}
