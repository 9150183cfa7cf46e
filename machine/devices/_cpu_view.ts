/**
 * What devices need to know about a vCPU's current state, read straight from
 * the shared register block: the exception level (PSTATE.M[3:2]) and the
 * effective HCR_EL2 routing bits. Private to machine/devices.
 *
 * @module
 */

import { Feature, type MachineMemory, Slot } from "../state.ts";
import { sysregByName } from "../sysregs.ts";
import { sysregsRead } from "../cpu/sync.ts";

const HCR_SLOT = sysregByName("HCR_EL2")!.slot;
const CNTVOFF_SLOT = sysregByName("CNTVOFF_EL2")!.slot;

/** HCR_EL2 bits (Arm ARM D23.2.48); E2H is bit 34 = bit 2 of the high word. */
export const HCR = {
  FMO: 1 << 3,
  IMO: 1 << 4,
  TGE: 1 << 27,
  E2H_HI: 1 << 2,
} as const;

/** A view of one machine's vCPU state for device models. */
export class CpuView {
  constructor(readonly mm: MachineMemory) {}

  /** Current exception level of `cpu` (0..2). */
  el(cpu: number): number {
    return (this.mm.u32[this.mm.slot(cpu, Slot.PSTATE)] >>> 2) & 3;
  }

  /** Whether the vCPU implements EL2 (Slot.FEATURES bit Feature.EL2). */
  hasEl2(cpu: number): boolean {
    return (this.mm.u32[this.mm.slot(cpu, Slot.FEATURES)] & Feature.EL2) !== 0;
  }

  /** Low word of HCR_EL2, or 0 when EL2 is not implemented (treated as 0). */
  hcrLo(cpu: number): number {
    if (!this.hasEl2(cpu)) return 0;
    sysregsRead(this.mm, cpu);
    return this.mm.u32[this.mm.slot(cpu, HCR_SLOT)];
  }

  /** High word of HCR_EL2, or 0 when EL2 is not implemented. */
  hcrHi(cpu: number): number {
    if (!this.hasEl2(cpu)) return 0;
    sysregsRead(this.mm, cpu);
    return this.mm.u32[this.mm.slot(cpu, HCR_SLOT) + 1];
  }

  /**
   * Effective HCR_EL2.IMO/FMO as seen from EL1 (Arm ARM D23.2.48: with
   * TGE = 1 and E2H = 0 they behave as 1; with TGE = 1 and E2H = 1 as 0).
   */
  routing(cpu: number): number {
    const lo = this.hcrLo(cpu);
    if (lo & HCR.TGE) return (this.hcrHi(cpu) & HCR.E2H_HI) ? 0 : HCR.IMO | HCR.FMO;
    return lo & (HCR.IMO | HCR.FMO);
  }

  /** CNTVOFF_EL2 as [lo, hi] words (0 without EL2). */
  cntvoff(cpu: number, out: Uint32Array): void {
    if (!this.hasEl2(cpu)) {
      out[0] = 0;
      out[1] = 0;
      return;
    }
    sysregsRead(this.mm, cpu);
    const w = this.mm.slot(cpu, CNTVOFF_SLOT);
    out[0] = this.mm.u32[w];
    out[1] = this.mm.u32[w + 1];
  }
}
