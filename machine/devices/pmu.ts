/**
 * PMUv3 cycle counter of every vCPU (Arm ARM D13 "The Performance Monitors
 * Extension"): PMCR_EL0, PMCNTENSET/CLR_EL0, PMCCNTR_EL0, PMOVSSET/CLR_EL0,
 * PMINTENSET/CLR_EL1, with the overflow interrupt on PPI 7 (INTID 23) as the
 * virt board wires it (hw/arm/virt.h VIRTUAL_PMU_IRQ).
 *
 * The cycle counter counts virtual nanoseconds (the CPU runs at 1 GHz of
 * virtual time, as QEMU's ARM_CPU_FREQ), every 64th with PMCR_EL0.D. No
 * event counters are implemented (PMCR_EL0.N = 0): PMEVCNTR<n>/PMEVTYPER<n>
 * do not exist. PMCR_EL0 reset follows QEMU's cortex-a76 (IMP 0x41 'A',
 * IDCODE 0x0b; target/arm/cpu64.c reset_pmcr_el0 = 0x410b3000) with N = 0.
 *
 * PMCCFILTR_EL0 (a stored register the CPU owns) filters by exception level;
 * the filter is applied per interval between calls to
 * {@link Pmu.elChanged}, which the CPU calls after every exception entry and
 * return (QEMU pmu_pre_el_change/pmu_post_el_change). Without those calls the
 * whole time counts with the filter of the EL in force at the last call.
 *
 * @module
 */

import { sysregsRead } from "../cpu/sync.ts";
import type { VirtualClock } from "../clock.ts";
import type { MachineMemory } from "../state.ts";
import { sysregByName } from "../sysregs.ts";
import { CpuView } from "./_cpu_view.ts";
import type { SysregDevice } from "./bus.ts";
import type { PpiSink } from "./timer.ts";
import { PPI_INTID } from "./gic.ts";

/** PMCR_EL0 bits (Arm ARM D23.5.x PMCR_EL0; QEMU target/arm/helper.c PMCR*). */
export const PMCR = {
  E: 1 << 0,
  P: 1 << 1,
  C: 1 << 2,
  D: 1 << 3,
  X: 1 << 4,
  DP: 1 << 5,
  LC: 1 << 6,
} as const;
/** Writable PMCR_EL0 bits (QEMU PMCR_WRITABLE_MASK). */
const PMCR_WRITABLE = PMCR.LC | PMCR.DP | PMCR.X | PMCR.D | PMCR.E;
/** PMCR_EL0 reset: IMP 0x41, IDCODE 0x0b (QEMU cortex-a76), N = 0. */
export const PMCR_RESET = 0x410b_0000;
/** The cycle counter's bit in PMCNTEN*, PMOVS*, PMINTEN* (C, bit 31). */
const C_BIT = 0x8000_0000;

/** PMCCFILTR_EL0 bits (Arm ARM D23.5.x): P (not at EL1), U (not at EL0), NSH (at EL2). */
const FILTR_P = 1 << 31, FILTR_U = 1 << 30, FILTR_NSH = 1 << 27;

function key(name: string): number {
  const d = sysregByName(name);
  if (!d) throw new Error(`Unknown system register ${name}`);
  return d.key;
}

/** Keys of the registers this device owns. */
export const PMU_SYSREG = {
  PMCR_EL0: key("PMCR_EL0"),
  PMCNTENSET_EL0: key("PMCNTENSET_EL0"),
  PMCNTENCLR_EL0: key("PMCNTENCLR_EL0"),
  PMOVSCLR_EL0: key("PMOVSCLR_EL0"),
  PMOVSSET_EL0: key("PMOVSSET_EL0"),
  PMCCNTR_EL0: key("PMCCNTR_EL0"),
  PMINTENSET_EL1: key("PMINTENSET_EL1"),
  PMINTENCLR_EL1: key("PMINTENCLR_EL1"),
} as const;
const K = PMU_SYSREG;
const FILTR_SLOT = sysregByName("PMCCFILTR_EL0")!.slot;

const TWO32 = 0x1_0000_0000;

/**
 * The PMU cycle counters.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { MachineMemory } from "../state.ts";
 * import { VirtualClock } from "../clock.ts";
 * import { Pmu, PMU_SYSREG as K } from "./pmu.ts";
 * const mm = new MachineMemory(1, 1);
 * const clock = new VirtualClock(mm, 1);
 * const pmu = new Pmu(mm, clock, 1, () => {});
 * pmu.sysregWrite(0, K.PMCNTENSET_EL0, 0x8000_0000, 0);
 * pmu.sysregWrite(0, K.PMCR_EL0, 1, 0);   // E
 * clock.beginSlice(1000);                // 1000 ns later
 * const out = new Int32Array(2);
 * pmu.sysregRead(0, K.PMCCNTR_EL0, out);
 * assert(out[0] === 1000);
 * ```
 */
export class Pmu implements SysregDevice {
  /** The system-register keys this device owns. */
  readonly sysregKeys: readonly number[] = Object.values(PMU_SYSREG);
  readonly #mm: MachineMemory;
  readonly #clock: VirtualClock;
  readonly #view: CpuView;
  readonly #sink: PpiSink;
  readonly #pmcr: Uint32Array;
  readonly #cnten: Uint32Array;
  readonly #ovs: Uint32Array;
  readonly #inten: Uint32Array;
  /** Accumulated counter value at the start of the current interval (a double < 2^64). */
  readonly #base: Float64Array;
  /** Virtual ns at which the current interval started. */
  readonly #since: Float64Array;
  /** Whether the current interval counts (enable bits and EL filter). */
  readonly #counting: Uint8Array;
  readonly #level: Uint8Array;

  constructor(mm: MachineMemory, clock: VirtualClock, cpus: number, sink: PpiSink) {
    this.#mm = mm;
    this.#clock = clock;
    this.#view = new CpuView(mm);
    this.#sink = sink;
    this.#pmcr = new Uint32Array(cpus);
    this.#cnten = new Uint32Array(cpus);
    this.#ovs = new Uint32Array(cpus);
    this.#inten = new Uint32Array(cpus);
    this.#base = new Float64Array(cpus);
    this.#since = new Float64Array(cpus);
    this.#counting = new Uint8Array(cpus);
    this.#level = new Uint8Array(cpus);
    for (let c = 0; c < cpus; c++) this.reset(c);
  }

  /** Reset one vCPU's PMU state (PMCR_EL0 to its reset value, counter 0). */
  reset(cpu: number): void {
    this.#pmcr[cpu] = PMCR_RESET;
    this.#cnten[cpu] = 0;
    this.#ovs[cpu] = 0;
    this.#inten[cpu] = 0;
    this.#base[cpu] = 0;
    this.#since[cpu] = this.#clock.now(cpu);
    this.#counting[cpu] = 0;
    this.#updateIrq(cpu);
  }

  /** Whether the counter counts at the vCPU's current EL (PMCR.E, PMCNTENSET.C, PMCCFILTR). */
  #shouldCount(cpu: number): boolean {
    if (!(this.#pmcr[cpu] & PMCR.E) || !(this.#cnten[cpu] & C_BIT)) return false;
    sysregsRead(this.#mm, cpu);
    const f = this.#mm.u32[this.#mm.slot(cpu, FILTR_SLOT)];
    // Without EL3, NSK/NSU are ignored (QEMU target/arm/helper.c pmu_counter_enabled).
    switch (this.#view.el(cpu)) {
      case 0:
        return !(f & FILTR_U);
      case 1:
        return !(f & FILTR_P);
      default:
        return (f & FILTR_NSH) !== 0 || !this.#view.hasEl2(cpu);
    }
  }

  /** Effective cycles elapsed in the current interval (PMCR.D divides by 64). */
  #elapsed(cpu: number, now: number): number {
    if (!this.#counting[cpu]) return 0;
    const d = now - this.#since[cpu];
    return (this.#pmcr[cpu] & PMCR.D) ? Math.floor(d / 64) : d;
  }

  /** Close the current interval at `now`, detecting overflow, and start a new one. */
  #settle(cpu: number): void {
    const now = this.#clock.now(cpu);
    const add = this.#elapsed(cpu, now);
    if (add > 0) {
      const old = this.#base[cpu];
      let v = old + add;
      const lc = (this.#pmcr[cpu] & PMCR.LC) !== 0;
      // Overflow: from bit 63 with PMCR.LC, else from bit 31 (Arm ARM D13.1.3).
      if (lc ? v >= TWO32 * TWO32 : Math.floor(v / TWO32) !== Math.floor(old / TWO32)) {
        this.#ovs[cpu] |= C_BIT;
      }
      if (v >= TWO32 * TWO32) v -= TWO32 * TWO32;
      this.#base[cpu] = v;
    }
    this.#since[cpu] = now -
      ((this.#pmcr[cpu] & PMCR.D) && this.#counting[cpu] ? (now - this.#since[cpu]) % 64 : 0);
    this.#counting[cpu] = this.#shouldCount(cpu) ? 1 : 0;
    this.#updateIrq(cpu);
  }

  /**
   * The CPU calls this after changing exception level, so that PMCCFILTR_EL0
   * applies per EL; the board calls it after virtual time advanced (any
   * time is fine: it only settles the counter and the overflow interrupt).
   */
  elChanged(cpu: number): void {
    this.#settle(cpu);
  }

  /** Settle all vCPUs (call after virtual time advanced, like GenericTimer.sync). */
  sync(): void {
    for (let c = 0; c < this.#pmcr.length; c++) this.#settle(c);
  }

  /**
   * Virtual ns at which the cycle counter of `cpu` (or any vCPU) will
   * overflow with its interrupt enabled; Infinity when none will.
   */
  nextDeadline(cpu?: number): number {
    let best = Infinity;
    const from = cpu ?? 0, to = cpu === undefined ? this.#pmcr.length : cpu + 1;
    for (let c = from; c < to; c++) {
      if (!this.#counting[c] || !(this.#inten[c] & C_BIT) || !(this.#pmcr[c] & PMCR.E)) continue;
      const v = this.#base[c];
      const lc = (this.#pmcr[c] & PMCR.LC) !== 0;
      const limit = lc ? TWO32 * TWO32 : (Math.floor(v / TWO32) + 1) * TWO32;
      const cycles = limit - v;
      const ns = this.#since[c] + ((this.#pmcr[c] & PMCR.D) ? cycles * 64 : cycles);
      if (ns < best && ns < 2 ** 53) best = ns;
    }
    return best;
  }

  #updateIrq(cpu: number): void {
    const level = (this.#pmcr[cpu] & PMCR.E) !== 0 && (this.#ovs[cpu] & this.#inten[cpu]) !== 0;
    if ((this.#level[cpu] === 1) === level) return;
    this.#level[cpu] = level ? 1 : 0;
    this.#sink(cpu, PPI_INTID.PMU, level);
  }

  sysregRead(cpu: number, k: number, out: Int32Array): boolean {
    let v = 0, hi = 0;
    switch (k) {
      case K.PMCR_EL0:
        v = this.#pmcr[cpu];
        break;
      case K.PMCNTENSET_EL0:
      case K.PMCNTENCLR_EL0:
        v = this.#cnten[cpu];
        break;
      case K.PMOVSSET_EL0:
      case K.PMOVSCLR_EL0:
        this.#settle(cpu);
        v = this.#ovs[cpu];
        break;
      case K.PMINTENSET_EL1:
      case K.PMINTENCLR_EL1:
        v = this.#inten[cpu];
        break;
      case K.PMCCNTR_EL0: {
        this.#settle(cpu);
        const c = this.#base[cpu];
        hi = Math.floor(c / TWO32);
        v = c - hi * TWO32;
        break;
      }
      default:
        return false;
    }
    out[0] = v;
    out[1] = hi;
    return true;
  }

  sysregWrite(cpu: number, k: number, lo: number, hi: number): boolean {
    lo >>>= 0;
    hi >>>= 0;
    this.#settle(cpu);
    switch (k) {
      case K.PMCR_EL0:
        if (lo & PMCR.C) this.#base[cpu] = 0;
        this.#pmcr[cpu] = ((this.#pmcr[cpu] & ~PMCR_WRITABLE) | (lo & PMCR_WRITABLE)) >>> 0;
        break;
      case K.PMCNTENSET_EL0:
        this.#cnten[cpu] |= lo & C_BIT;
        break;
      case K.PMCNTENCLR_EL0:
        this.#cnten[cpu] &= ~(lo & C_BIT);
        break;
      case K.PMOVSSET_EL0:
        this.#ovs[cpu] |= lo & C_BIT;
        break;
      case K.PMOVSCLR_EL0:
        this.#ovs[cpu] &= ~(lo & C_BIT);
        break;
      case K.PMINTENSET_EL1:
        this.#inten[cpu] |= lo & C_BIT;
        break;
      case K.PMINTENCLR_EL1:
        this.#inten[cpu] &= ~(lo & C_BIT);
        break;
      case K.PMCCNTR_EL0:
        this.#base[cpu] = hi * TWO32 + lo;
        break;
      default:
        return false;
    }
    // Start a fresh interval with the new enables.
    this.#since[cpu] = this.#clock.now(cpu);
    this.#counting[cpu] = this.#shouldCount(cpu) ? 1 : 0;
    this.#updateIrq(cpu);
    return true;
  }
}
