/**
 * The Arm generic timer of every vCPU (Arm ARM D11 "The Generic Timer in
 * AArch64 state"), served as device system registers: the counters
 * CNTPCT_EL0/CNTVCT_EL0 and four timers, each with CTL/CVAL/TVAL:
 *
 * | timer              | registers          | counter              | PPI (INTID) on virt |
 * |--------------------|--------------------|----------------------|---------------------|
 * | EL1 physical       | CNTP_*_EL0         | physical             | 14 (30)             |
 * | EL1 virtual        | CNTV_*_EL0         | physical - CNTVOFF   | 11 (27)             |
 * | EL2 physical       | CNTHP_*_EL2        | physical             | 10 (26)             |
 * | EL2 virtual (VHE)  | CNTHV_*_EL2        | physical             | 12 (28)             |
 *
 * The counter runs at 62.5 MHz of virtual time (clock.ts: one tick per
 * 16 ns, CNTFRQ_EL0 = 62500000 as QEMU's GTIMER_SCALE). Outputs are level
 * interrupts: asserted while ENABLE && !IMASK && ISTATUS (Arm ARM D11.2.4;
 * QEMU target/arm/helper.c gt_recalc_timer). ISTATUS reads 0 while the timer
 * is disabled, as in QEMU.
 *
 * Time only moves when the CPU retires instructions, so the board must call
 * {@link GenericTimer.sync} when virtual time has advanced (at the end of a
 * run slice, after an idle jump) and bound slices by
 * {@link GenericTimer.nextDeadline} so a timer fires at exactly its tick.
 * Register writes re-evaluate the writing vCPU's timer at once.
 *
 * Access checks (CNTKCTL_EL1/CNTHCTL_EL2 traps) and the VHE redirection of
 * CNTP_*_EL0/CNTV_*_EL0 to the EL2 timers are the CPU's job: a key here is
 * always the register it names. The *_EL02 aliases are accepted (they name
 * the EL1 timers).
 *
 * @module
 */

import type { VirtualClock } from "../clock.ts";
import { COUNTER_HZ, NS_PER_TICK } from "../clock.ts";
import { type MachineMemory, Slot } from "../state.ts";
import { fixedEnter, fixedLeave } from "../cpu/sync.ts";
import { sysregByName, sysregKey } from "../sysregs.ts";
import { CpuView, HCR } from "./_cpu_view.ts";
import type { SysregDevice } from "./bus.ts";
import { PPI_INTID } from "./gic.ts";

/** CNTFRQ_EL0 as QEMU's virt board reports it (clock.ts COUNTER_HZ). */
export const CNTFRQ = COUNTER_HZ;

/** Timer indices (QEMU GTIMER_PHYS, GTIMER_VIRT, GTIMER_HYP, GTIMER_HYPVIRT). */
export const TIMER = { PHYS: 0, VIRT: 1, HYP: 2, HYPVIRT: 3 } as const;
const NTIMERS = 4;

/** Interrupt of each timer on the virt board (gic.ts PPI_INTID). */
export const TIMER_INTID = [
  PPI_INTID.PHYS_TIMER,
  PPI_INTID.VIRT_TIMER,
  PPI_INTID.HYP_TIMER,
  PPI_INTID.HYP_VIRT_TIMER,
] as const;

/** CNTx_CTL bits (Arm ARM D23.8.x CNTP_CTL_EL0). */
export const CTL = { ENABLE: 1 << 0, IMASK: 1 << 1, ISTATUS: 1 << 2 } as const;

function key(name: string): number {
  const d = sysregByName(name);
  if (!d) throw new Error(`Unknown system register ${name}`);
  return d.key;
}

/** Keys of the registers this device owns (and the *_EL02 aliases). */
export const TIMER_SYSREG = {
  CNTPCT_EL0: key("CNTPCT_EL0"),
  CNTVCT_EL0: key("CNTVCT_EL0"),
  CNTP_TVAL_EL0: key("CNTP_TVAL_EL0"),
  CNTP_CTL_EL0: key("CNTP_CTL_EL0"),
  CNTP_CVAL_EL0: key("CNTP_CVAL_EL0"),
  CNTV_TVAL_EL0: key("CNTV_TVAL_EL0"),
  CNTV_CTL_EL0: key("CNTV_CTL_EL0"),
  CNTV_CVAL_EL0: key("CNTV_CVAL_EL0"),
  CNTHP_TVAL_EL2: key("CNTHP_TVAL_EL2"),
  CNTHP_CTL_EL2: key("CNTHP_CTL_EL2"),
  CNTHP_CVAL_EL2: key("CNTHP_CVAL_EL2"),
  CNTHV_TVAL_EL2: key("CNTHV_TVAL_EL2"),
  CNTHV_CTL_EL2: key("CNTHV_CTL_EL2"),
  CNTHV_CVAL_EL2: key("CNTHV_CVAL_EL2"),
  // FEAT_VHE aliases of the EL1 timers (Arm ARM D23.8: op1 = 5).
  CNTP_TVAL_EL02: sysregKey(3, 5, 14, 2, 0),
  CNTP_CTL_EL02: sysregKey(3, 5, 14, 2, 1),
  CNTP_CVAL_EL02: sysregKey(3, 5, 14, 2, 2),
  CNTV_TVAL_EL02: sysregKey(3, 5, 14, 3, 0),
  CNTV_CTL_EL02: sysregKey(3, 5, 14, 3, 1),
  CNTV_CVAL_EL02: sysregKey(3, 5, 14, 3, 2),
} as const;
const K = TIMER_SYSREG;

/** key -> [timer, register] with register 0 = TVAL, 1 = CTL, 2 = CVAL (encoding op2). */
const TIMER_REGS = new Map<number, [number, number]>([
  [K.CNTP_TVAL_EL0, [TIMER.PHYS, 0]],
  [K.CNTP_CTL_EL0, [TIMER.PHYS, 1]],
  [K.CNTP_CVAL_EL0, [TIMER.PHYS, 2]],
  [K.CNTV_TVAL_EL0, [TIMER.VIRT, 0]],
  [K.CNTV_CTL_EL0, [TIMER.VIRT, 1]],
  [K.CNTV_CVAL_EL0, [TIMER.VIRT, 2]],
  [K.CNTHP_TVAL_EL2, [TIMER.HYP, 0]],
  [K.CNTHP_CTL_EL2, [TIMER.HYP, 1]],
  [K.CNTHP_CVAL_EL2, [TIMER.HYP, 2]],
  [K.CNTHV_TVAL_EL2, [TIMER.HYPVIRT, 0]],
  [K.CNTHV_CTL_EL2, [TIMER.HYPVIRT, 1]],
  [K.CNTHV_CVAL_EL2, [TIMER.HYPVIRT, 2]],
  [K.CNTP_TVAL_EL02, [TIMER.PHYS, 0]],
  [K.CNTP_CTL_EL02, [TIMER.PHYS, 1]],
  [K.CNTP_CVAL_EL02, [TIMER.PHYS, 2]],
  [K.CNTV_TVAL_EL02, [TIMER.VIRT, 0]],
  [K.CNTV_CTL_EL02, [TIMER.VIRT, 1]],
  [K.CNTV_CVAL_EL02, [TIMER.VIRT, 2]],
]);

const TWO32 = 0x1_0000_0000;

/** Where a timer drives its interrupt: `(cpu, intid, level)`, normally `gic.setPpi`. */
export type PpiSink = (cpu: number, intid: number, level: boolean) => void;

/**
 * The generic timers of all vCPUs.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { MachineMemory, Slot } from "../state.ts";
 * import { VirtualClock } from "../clock.ts";
 * import { GenericTimer, TIMER_SYSREG as K } from "./timer.ts";
 * const mm = new MachineMemory(1, 1);
 * const clock = new VirtualClock(mm, 1);
 * const fired: string[] = [];
 * const timer = new GenericTimer(mm, clock, 1, (cpu, intid, level) => fired.push(`${cpu}:${intid}:${level}`));
 * timer.sysregWrite(0, K.CNTV_TVAL_EL0, 100, 0);  // 100 ticks from now
 * timer.sysregWrite(0, K.CNTV_CTL_EL0, 1, 0);     // ENABLE
 * assert(timer.nextDeadline() === 1600);  // ns
 * clock.beginSlice(1600);                         // virtual time moves on
 * timer.sync();
 * assert(fired.join() === "0:27:true");
 * ```
 */
export class GenericTimer implements SysregDevice {
  /** The system-register keys this device owns. */
  readonly sysregKeys: readonly number[] = Object.values(TIMER_SYSREG);
  readonly #clock: VirtualClock;
  readonly #view: CpuView;
  readonly #cpus: number;
  readonly #sink: PpiSink;
  readonly #ctl: Uint8Array; // [cpu * 4 + timer]: ENABLE | IMASK | ISTATUS
  readonly #cvalLo: Uint32Array;
  readonly #cvalHi: Uint32Array;
  readonly #level: Uint8Array;
  readonly #voff = new Uint32Array(2);
  /** The hypervisor's counter offsets [virtLo, virtHi, physLo, physHi] for a guest without EL2. */
  readonly #hypOff = new Uint32Array(4);

  constructor(mm: MachineMemory, clock: VirtualClock, cpus: number, sink: PpiSink) {
    this.#clock = clock;
    this.#view = new CpuView(mm);
    this.#cpus = cpus;
    this.#sink = sink;
    this.#ctl = new Uint8Array(cpus * NTIMERS);
    this.#cvalLo = new Uint32Array(cpus * NTIMERS);
    this.#cvalHi = new Uint32Array(cpus * NTIMERS);
    this.#level = new Uint8Array(cpus * NTIMERS);
    this.#publish();
  }

  /**
   * Publish each counter's bias (the counter base less the hypervisor's offset) in every
   * vCPU's register block, where the interpreter reads the counters (cpu/counter.ts).
   */
  #publish(): void {
    const mm = this.#view.mm, o = this.#hypOff, base = BigInt(this.#clock.counterBase);
    const phys = base - ((BigInt(o[3]) << 32n) | BigInt(o[2]));
    const virt = base - ((BigInt(o[1]) << 32n) | BigInt(o[0]));
    for (let c = 0; c < this.#cpus; c++) {
      const live = fixedEnter(mm, c);
      try {
        mm.set64(c, Slot.CNT_PHYS_BIAS, phys);
        mm.set64(c, Slot.CNT_VIRT_BIAS, virt);
      } finally {
        if (live) fixedLeave();
      }
    }
  }

  /**
   * Reset the timers of one vCPU: CTL.ENABLE = 0 (Arm ARM: CNTx_CTL.ENABLE
   * resets to 0 on a warm reset), CVAL 0, output deasserted.
   */
  reset(cpu: number): void {
    for (let t = 0; t < NTIMERS; t++) {
      const i = cpu * NTIMERS + t;
      this.#ctl[i] = 0;
      this.#cvalLo[i] = 0;
      this.#cvalHi[i] = 0;
      this.#setLevel(cpu, t, false);
    }
  }

  /** The host's physical count now (before any offset), as seen by `cpu`. */
  physicalCount(cpu: number): number {
    return this.#clock.counter(cpu);
  }

  /**
   * The count timer `t` of `cpu` compares against now, as a 64-bit value:
   * TIMER.VIRT gives the guest's virtual count, TIMER.PHYS its physical count
   * (KVM's TIMER_CNT and PTIMER_CNT registers).
   */
  count(cpu: number, t: number): bigint {
    this.#count(cpu, t, this.#tmp);
    return (BigInt(this.#tmp[1]) << 32n) | BigInt(this.#tmp[0]);
  }

  /**
   * The counter offsets a hypervisor below the guest applies (KVM's per-VM
   * voffset/poffset, arch/arm64/kvm/arch_timer.c timer_get_offset): every
   * physical count the guest sees (CNTPCT, the physical and EL2 timers) is
   * host physical - `phys`; the virtual count is host physical - `virt` for a
   * vCPU without EL2, and the guest's physical count - CNTVOFF_EL2 for a vCPU
   * that owns EL2.
   */
  setHypervisorOffsets(virt: bigint, phys: bigint): void {
    const v = BigInt.asUintN(64, virt), p = BigInt.asUintN(64, phys);
    this.#hypOff[0] = Number(v & 0xffff_ffffn);
    this.#hypOff[1] = Number(v >> 32n);
    this.#hypOff[2] = Number(p & 0xffff_ffffn);
    this.#hypOff[3] = Number(p >> 32n);
    this.#publish();
    this.sync();
  }

  /** The offsets set by {@link GenericTimer.setHypervisorOffsets}. */
  hypervisorOffsets(): { virt: bigint; phys: bigint } {
    const o = this.#hypOff;
    return {
      virt: (BigInt(o[1]) << 32n) | BigInt(o[0]),
      phys: (BigInt(o[3]) << 32n) | BigInt(o[2]),
    };
  }

  /** Offset of timer `t` of `cpu` from the host physical count, as [lo, hi] in `out`. */
  #offset(cpu: number, t: number, out: Uint32Array): void {
    const o = this.#hypOff;
    if (t !== TIMER.VIRT) {
      out[0] = o[2];
      out[1] = o[3];
    } else if (!this.#view.hasEl2(cpu)) {
      out[0] = o[0];
      out[1] = o[1];
    } else {
      this.#view.cntvoff(cpu, out);
      GenericTimer.#add(out[0], out[1], o[2], o[3], out);
    }
  }

  /** Exact `a - b` modulo 2^64 on [lo, hi] words, into `out`. */
  static #sub(alo: number, ahi: number, blo: number, bhi: number, out: Uint32Array): void {
    const lo = alo - blo;
    out[0] = lo >>> 0;
    out[1] = (ahi - bhi - (lo < 0 ? 1 : 0)) >>> 0;
  }

  /** Exact `a + b` modulo 2^64 on [lo, hi] words, into `out`. */
  static #add(alo: number, ahi: number, blo: number, bhi: number, out: Uint32Array): void {
    const lo = alo + blo;
    out[0] = lo >>> 0;
    out[1] = (ahi + bhi + (lo >= TWO32 ? 1 : 0)) >>> 0;
  }

  /** The count timer `t` compares against, as [lo, hi] of a 64-bit value. */
  #count(cpu: number, t: number, out: Uint32Array): void {
    const pct = this.#clock.counter(cpu);
    const phi = Math.floor(pct / TWO32);
    this.#offset(cpu, t, this.#voff);
    GenericTimer.#sub(pct - phi * TWO32, phi, this.#voff[0], this.#voff[1], out);
  }

  #tmp = new Uint32Array(2);

  /** ISTATUS of timer `t`: enabled and count >= CVAL (unsigned 64-bit). */
  #istatus(cpu: number, t: number): boolean {
    const i = cpu * NTIMERS + t;
    if (!(this.#ctl[i] & CTL.ENABLE)) return false;
    this.#count(cpu, t, this.#tmp);
    const hi = this.#tmp[1], lo = this.#tmp[0];
    const chi = this.#cvalHi[i], clo = this.#cvalLo[i];
    return hi > chi || (hi === chi && lo >= clo);
  }

  #recalc(cpu: number, t: number): void {
    const i = cpu * NTIMERS + t;
    const ist = this.#istatus(cpu, t);
    this.#ctl[i] = ist ? this.#ctl[i] | CTL.ISTATUS : this.#ctl[i] & ~CTL.ISTATUS;
    this.#setLevel(cpu, t, ist && !(this.#ctl[i] & CTL.IMASK));
  }

  #setLevel(cpu: number, t: number, level: boolean): void {
    const i = cpu * NTIMERS + t;
    if ((this.#level[i] === 1) === level) return;
    this.#level[i] = level ? 1 : 0;
    this.#sink(cpu, TIMER_INTID[t], level);
  }

  /**
   * Re-evaluate every timer (or those of `cpu`) at the current virtual time
   * and drive the interrupt lines. Call after virtual time advanced.
   */
  sync(cpu?: number): void {
    const from = cpu ?? 0, to = cpu === undefined ? this.#cpus : cpu + 1;
    for (let c = from; c < to; c++) for (let t = 0; t < NTIMERS; t++) this.#recalc(c, t);
  }

  /**
   * Virtual time (ns) at which the earliest enabled, unmasked timer that is
   * not firing yet will fire (of `cpu`, or of all vCPUs); Infinity if none.
   * A value at or before the current time means "call sync() now".
   */
  nextDeadline(cpu?: number): number {
    let best = Infinity;
    const from = cpu ?? 0, to = cpu === undefined ? this.#cpus : cpu + 1;
    for (let c = from; c < to; c++) {
      for (let t = 0; t < NTIMERS; t++) {
        const i = c * NTIMERS + t;
        const ctl = this.#ctl[i];
        if ((ctl & (CTL.ENABLE | CTL.IMASK)) !== CTL.ENABLE || this.#level[i]) continue;
        // Physical count at which count >= CVAL: CVAL + offset (mod 2^64).
        this.#offset(c, t, this.#voff);
        GenericTimer.#add(
          this.#cvalLo[i],
          this.#cvalHi[i],
          this.#voff[0],
          this.#voff[1],
          this.#tmp,
        );
        if (this.#tmp[1] >= 1 << 17) continue; // beyond 2^49 ticks: never reached
        // The clock's counter starts at counterBase (the host's uptime under KVM).
        const target = this.#tmp[1] * TWO32 + this.#tmp[0] - this.#clock.counterBase;
        const ns = target * NS_PER_TICK;
        if (ns < best) best = ns;
      }
    }
    return best;
  }

  /** Whether timer `t` of `cpu` currently asserts its interrupt. */
  asserted(cpu: number, t: number): boolean {
    return this.#level[cpu * NTIMERS + t] === 1;
  }

  sysregRead(cpu: number, k: number, out: Int32Array): boolean {
    if (k === K.CNTPCT_EL0 || k === K.CNTVCT_EL0) {
      const pct = this.#clock.counter(cpu);
      const phi = Math.floor(pct / TWO32);
      if (k === K.CNTVCT_EL0) this.#virtCntOffset(cpu, this.#voff);
      else this.#offset(cpu, TIMER.PHYS, this.#voff);

      GenericTimer.#sub(pct - phi * TWO32, phi, this.#voff[0], this.#voff[1], this.#tmp);
      out[0] = this.#tmp[0];
      out[1] = this.#tmp[1];
      return true;
    }
    const reg = TIMER_REGS.get(k);
    if (!reg) return false;
    const [t, r] = reg;
    const i = cpu * NTIMERS + t;
    if (r === 1) {
      this.#recalc(cpu, t);
      out[0] = this.#ctl[i];
      out[1] = 0;
    } else if (r === 2) {
      out[0] = this.#cvalLo[i];
      out[1] = this.#cvalHi[i];
    } else {
      // TVAL = (CVAL - count)[31:0], upper half RES0 (QEMU gt_tval_read).
      this.#count(cpu, t, this.#tmp);
      out[0] = (this.#cvalLo[i] - this.#tmp[0]) | 0;
      out[1] = 0;
    }
    return true;
  }

  sysregWrite(cpu: number, k: number, lo: number, hi: number): boolean {
    const reg = TIMER_REGS.get(k);
    if (!reg) return false; // the counters are read-only
    const [t, r] = reg;
    const i = cpu * NTIMERS + t;
    if (r === 1) {
      this.#ctl[i] = (this.#ctl[i] & CTL.ISTATUS) | (lo & (CTL.ENABLE | CTL.IMASK));
    } else if (r === 2) {
      this.#cvalLo[i] = lo >>> 0;
      this.#cvalHi[i] = hi >>> 0;
    } else {
      // CVAL = count + SignExtend(TVAL[31:0]) (Arm ARM D11.2.4; QEMU gt_tval_write).
      this.#count(cpu, t, this.#tmp);
      const tv = lo | 0;
      GenericTimer.#add(this.#tmp[0], this.#tmp[1], tv >>> 0, tv < 0 ? 0xffff_ffff : 0, this.#tmp);
      this.#cvalLo[i] = this.#tmp[0];
      this.#cvalHi[i] = this.#tmp[1];
    }
    this.#recalc(cpu, t);
    return true;
  }

  /**
   * The offset CNTVCT_EL0 applies for the reading context: CNTVOFF_EL2, or
   * none (the physical count) at EL2 with HCR_EL2.E2H and at EL0 with E2H and
   * TGE (Arm ARM D11.1.2; QEMU gt_virt_cnt_offset).
   */
  #virtCntOffset(cpu: number, out: Uint32Array): void {
    const el = this.#view.el(cpu);
    if (el === 2 || el === 0) {
      const e2h = (this.#view.hcrHi(cpu) & HCR.E2H_HI) !== 0;
      const tge = (this.#view.hcrLo(cpu) & HCR.TGE) !== 0;
      if (el === 2 ? e2h : e2h && tge) return this.#offset(cpu, TIMER.PHYS, out);
    }
    this.#offset(cpu, TIMER.VIRT, out);
  }
}
