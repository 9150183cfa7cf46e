/**
 * What the GICv2 and GICv3 models have in common: the interrupt numbers the
 * virt board uses, the interface devices drive their lines through, and how
 * a GIC reports to the CPU (the `Slot.IRQ_LINES` word of each vCPU).
 *
 * IRQ_LINES protocol (state.ts): the GIC owns bit 0 (IRQ) and bit 1 (FIQ) of
 * each vCPU's `Slot.IRQ_LINES` low word, and bits 3 (vIRQ) and 4 (vFIQ) for
 * the GICv3 virtual CPU interface (ICH_*). It rewrites only those bits and
 * only when they change. The lines do not depend on PSTATE.{I,F}: the CPU
 * masks and routes (HCR_EL2.{IMO,FMO,TGE}) itself, and a set line wakes a vCPU
 * from WFI regardless of masking, as the architecture requires.
 *
 * @module
 */

import { type MachineMemory, Slot } from "../state.ts";

/** Number of SGIs + PPIs (INTIDs 0..31), the "internal" interrupts. */
export const GIC_INTERNAL = 32;
/**
 * Interrupts the virt board's GICv2 implements: 256 SPIs + 32 internal
 * (hw/arm/virt.h NUM_IRQS = 256; virt.c create_gic "num-irq" = NUM_IRQS + 32;
 * QEMU 7.2 GICD_TYPER.ITLinesNumber reads 8). The GICv3 reports 256 in all
 * (gic_v3.ts GICV3_VIRT_NUM_IRQ).
 */
export const VIRT_NUM_IRQ = 256 + GIC_INTERNAL;
/** The spurious INTID (GICv3 spec IHI 0069, 2.2.1; GICv2 IHI 0048, 3.2.5). */
export const INTID_SPURIOUS = 1023;

/**
 * INTIDs of the per-CPU interrupts on the virt board: PPI numbers from
 * include/hw/arm/virt.h (ARCH_GIC_MAINT_IRQ 9, ARCH_TIMER_NS_EL2_IRQ 10,
 * ARCH_TIMER_VIRT_IRQ 11, ARCH_TIMER_NS_EL2_VIRT_IRQ 12, ARCH_TIMER_S_EL1_IRQ
 * 13, ARCH_TIMER_NS_EL1_IRQ 14, VIRTUAL_PMU_IRQ 7) plus 16, which are also the
 * Arm BSA recommended assignments (BSA 1.0, table "PPI assignments").
 */
export const PPI_INTID = {
  PMU: 16 + 7,
  GIC_MAINTENANCE: 16 + 9,
  HYP_TIMER: 16 + 10,
  VIRT_TIMER: 16 + 11,
  HYP_VIRT_TIMER: 16 + 12,
  SECURE_TIMER: 16 + 13,
  PHYS_TIMER: 16 + 14,
} as const;

/** Bits of Slot.IRQ_LINES (state.ts). */
export const IRQ_LINE = {
  IRQ: 1 << 0,
  FIQ: 1 << 1,
  SERROR: 1 << 2,
  VIRQ: 1 << 3,
  VFIQ: 1 << 4,
} as const;

/** The interface every interrupt controller model offers the board. */
export interface InterruptController {
  /** 2 or 3. */
  readonly version: 2 | 3;
  /** Number of implemented INTIDs (SGIs + PPIs + SPIs). */
  readonly numIrq: number;
  /** Drive the input line of SPI `intid` (32 <= intid < numIrq). */
  setSpi(intid: number, level: boolean): void;
  /** Drive the input line of PPI `intid` (16 <= intid < 32) of vCPU `cpu`. */
  setPpi(cpu: number, intid: number, level: boolean): void;
  /** Device reset: distributor and redistributor state, not the CPU interfaces. */
  reset(): void;
  /** Reset the CPU interface of one vCPU (part of the vCPU's reset domain). */
  resetCpuInterface(cpu: number): void;
  /** The INTID the vCPU would acknowledge now for its IRQ line, or 1023. */
  highestPending(cpu: number): number;
  /** Called with the vCPU number whenever its IRQ_LINES bits change. */
  onLinesChanged: ((cpu: number, lines: number) => void) | undefined;
}

/** Writes the GIC-owned bits of Slot.IRQ_LINES. */
export class IrqLines {
  readonly #mm: MachineMemory;
  readonly #words: number[];
  /** Hook called after a vCPU's GIC-owned bits changed. */
  onChange: ((cpu: number, lines: number) => void) | undefined;

  constructor(mm: MachineMemory, cpus: number) {
    this.#mm = mm;
    this.#words = Array.from({ length: cpus }, (_, c) => mm.slot(c, Slot.IRQ_LINES));
  }

  /** Set the bits in `mask` of vCPU `cpu`'s lines to `bits`. */
  set(cpu: number, mask: number, bits: number): void {
    const w = this.#words[cpu];
    const u32 = this.#mm.u32;
    const old = u32[w];
    const now = (old & ~mask) | (bits & mask);
    if (now !== old) {
      u32[w] = now;
      this.onChange?.(cpu, now);
    }
  }

  /** The current IRQ_LINES word of vCPU `cpu`. */
  get(cpu: number): number {
    return this.#mm.u32[this.#words[cpu]];
  }
}

/**
 * MPIDR_EL1 of vCPU `cpu` on the virt board: QEMU packs CPUs into clusters of
 * 16 for GICv3 and 8 for GICv2 (hw/arm/virt.c virt_cpu_mp_affinity:
 * GICV3_TARGETLIST_BITS / GIC_TARGETLIST_BITS; target/arm arm_cpu_mp_affinity),
 * Aff1 = cpu / size, Aff0 = cpu % size, with bit 31 RES1 (Arm ARM D23.2.101).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { virtMpidr } from "./gic.ts";
 * assert(virtMpidr(17, 3) === 0x8000_0101);
 * assert(virtMpidr(9, 2) === 0x8000_0101);
 * ```
 */
export function virtMpidr(cpu: number, gicVersion: 2 | 3): number {
  return (0x8000_0000 | virtAffinity(cpu, gicVersion)) >>> 0;
}

/** The affinity part (Aff2.Aff1.Aff0) of {@link virtMpidr}. */
export function virtAffinity(cpu: number, gicVersion: 2 | 3): number {
  const cluster = gicVersion === 3 ? 16 : 8;
  return (Math.floor(cpu / cluster) << 8) | (cpu % cluster);
}
