/**
 * GICv2 as QEMU's virt board builds it with `gic-version=2` (hw/intc/arm_gic.c,
 * revision 2, no security extensions; QEMU 7.2): distributor at 0x0800_0000
 * (QEMU implements a 4 KiB frame inside the 64 KiB the DT describes), CPU
 * interface at 0x0801_0000 (8 KiB, GICC_DIR at 0x1000), at most 8 vCPUs,
 * 288 INTIDs. The virtualization frames (GICH/GICV) are not implemented.
 *
 * Reset values, checked against QEMU 7.2 with a guest probe: GICD_TYPER
 * = ITLinesNumber 8 | (CPUs - 1) << 5, GICD_IIDR 0x43b, PIDR2 0x2b, GICC_IIDR
 * 0x0002043b, SGIs always enabled (ISENABLER0 reads 0xffff), ICFGR0
 * 0xaaaaaaaa, GICC_BPR 0, GICC_ABPR 1, 8 priority bits.
 *
 * @module
 */

import type { MachineMemory } from "../state.ts";
import type { MmioDevice } from "./bus.ts";
import {
  GIC_INTERNAL,
  type InterruptController,
  INTID_SPURIOUS,
  IRQ_LINE,
  IrqLines,
  VIRT_NUM_IRQ,
} from "./gic.ts";

/** Distributor base (hw/arm/virt.c base_memmap[VIRT_GIC_DIST]) and QEMU's frame size (arm_gic_common.c "gic_dist"). */
export const GICV2_DIST_BASE = 0x0800_0000, GICV2_DIST_SIZE = 0x1000;
/** CPU interface base (virt.c base_memmap[VIRT_GIC_CPU]) and QEMU's frame size for revision 2 ("gic_cpu", 0x2000). */
export const GICV2_CPU_BASE = 0x0801_0000, GICV2_CPU_SIZE = 0x2000;

/** GICC register offsets (GICv2 spec IHI 0048B, 4.4). */
export const GICC = {
  CTLR: 0x00,
  PMR: 0x04,
  BPR: 0x08,
  IAR: 0x0c,
  EOIR: 0x10,
  RPR: 0x14,
  HPPIR: 0x18,
  ABPR: 0x1c,
  APR: 0xd0,
  NSAPR: 0xe0,
  IIDR: 0xfc,
  DIR: 0x1000,
} as const;

/** GICD_IIDR and GICC_IIDR (arm_gic.c; measured on QEMU 7.2). */
export const GICV2_IIDR = 0x43b, GICV2_CPU_IIDR = 0x0002_043b;
/** CoreSight IDs from 0xfd0 (arm_gic.c gic_id_gicv2). */
const ID_BYTES = [0x04, 0x00, 0x00, 0x00, 0x90, 0xb4, 0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1];
/** GICC_CTLR writable bits without security extensions (gic_internal.h GICC_CTLR_V2_MASK). */
const GICC_CTLR_V2_MASK = 0x21f;
const CTLR_EN_GRP0 = 1 << 0, CTLR_EN_GRP1 = 1 << 1, CTLR_ACK_CTL = 1 << 2, CTLR_FIQ_EN = 1 << 3;
const CTLR_CBPR = 1 << 4, CTLR_EOIMODE = 1 << 9;
const IDLE = 0x100;

function ctz32(v: number): number {
  return v === 0 ? 32 : 31 - Math.clz32(v & -v);
}

/**
 * The GICv2 model. Map `distributor` at {@link GICV2_DIST_BASE} and
 * `cpuInterface` at {@link GICV2_CPU_BASE}; the CPU interface banks by the
 * accessing vCPU.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { MachineMemory, Slot } from "../state.ts";
 * import { GicV2, GICC } from "./gic_v2.ts";
 * const mm = new MachineMemory(1, 1);
 * const gic = new GicV2(mm, 1);
 * const out = new Int32Array(2);
 * gic.distributor.write(0, 0x000, 4, 1, 0);        // GICD_CTLR.EnableGrp0
 * gic.distributor.write(0, 0x104, 4, 1 << 1, 0);   // enable INTID 33
 * gic.cpuInterface.write(0, GICC.CTLR, 4, 1, 0);
 * gic.cpuInterface.write(0, GICC.PMR, 4, 0xff, 0);
 * gic.setSpi(33, true);
 * assert((mm.u32[mm.slot(0, Slot.IRQ_LINES)] & 1) === 1);
 * gic.cpuInterface.read(0, GICC.IAR, 4, out);
 * assert(out[0] === 33);
 * ```
 */
export class GicV2 implements InterruptController {
  readonly version = 2 as const;
  declare readonly numIrq: number;
  /** The distributor (4 KiB). */
  declare readonly distributor: MmioDevice;
  /** The CPU interface (8 KiB), banked by the accessing vCPU. */
  declare readonly cpuInterface: MmioDevice;
  readonly #cpus: number;
  readonly #all: number;
  readonly #lines: IrqLines;
  #ctlr = 0;
  // Per-INTID state with one bit per vCPU (QEMU gic_irq_state).
  readonly #enabled: Uint8Array;
  readonly #pending: Uint8Array;
  readonly #active: Uint8Array;
  readonly #level: Uint8Array;
  readonly #group: Uint8Array;
  readonly #edge: Uint8Array;
  readonly #prio1: Uint8Array; // [irq * 8 + cpu], irq < 32
  readonly #prio2: Uint8Array; // [irq - 32]
  readonly #target: Uint8Array;
  readonly #sgiPending: Uint8Array; // [irq * 8 + cpu] = source CPU mask
  // CPU interfaces.
  readonly #cpuCtlr: Uint32Array;
  readonly #pmr: Uint16Array;
  readonly #bpr: Uint8Array;
  readonly #abpr: Uint8Array;
  readonly #running: Uint16Array;
  readonly #apr: Uint32Array; // [cpu * 4 + n]
  readonly #nsapr: Uint32Array;
  readonly #current: Uint16Array;

  /** Called with the vCPU number whenever its IRQ_LINES bits change. */
  get onLinesChanged(): ((cpu: number, lines: number) => void) | undefined {
    return this.#lines.onChange;
  }
  set onLinesChanged(fn: ((cpu: number, lines: number) => void) | undefined) {
    this.#lines.onChange = fn;
  }

  constructor(mm: MachineMemory, cpus: number, opts: { numIrq?: number } = {}) {
    if (cpus < 1 || cpus > 8) throw new RangeError(`GICv2 supports 1..8 vCPUs, not ${cpus}`);
    this.numIrq = opts.numIrq ?? VIRT_NUM_IRQ;
    this.#cpus = cpus;
    this.#all = (1 << cpus) - 1;
    this.#lines = new IrqLines(mm, cpus);
    const n = this.numIrq;
    this.#enabled = new Uint8Array(n);
    this.#pending = new Uint8Array(n);
    this.#active = new Uint8Array(n);
    this.#level = new Uint8Array(n);
    this.#group = new Uint8Array(n);
    this.#edge = new Uint8Array(n);
    this.#prio1 = new Uint8Array(GIC_INTERNAL * 8);
    this.#prio2 = new Uint8Array(n - GIC_INTERNAL);
    this.#target = new Uint8Array(n);
    this.#sgiPending = new Uint8Array(16 * 8);
    this.#cpuCtlr = new Uint32Array(cpus);
    this.#pmr = new Uint16Array(cpus);
    this.#bpr = new Uint8Array(cpus);
    this.#abpr = new Uint8Array(cpus);
    this.#running = new Uint16Array(cpus);
    this.#apr = new Uint32Array(cpus * 4);
    this.#nsapr = new Uint32Array(cpus * 4);
    this.#current = new Uint16Array(cpus);
    this.distributor = {
      read: (cpu, off, size, out) => this.#distRead(cpu, off, size, out),
      write: (cpu, off, size, lo) => this.#distWrite(cpu, off, size, lo >>> 0),
    };
    this.cpuInterface = {
      read: (cpu, off, size, out) => this.#cpuRead(cpu, off, size, out),
      write: (cpu, off, size, lo) => this.#cpuWrite(cpu, off, size, lo >>> 0),
    };
    this.reset();
    for (let c = 0; c < cpus; c++) this.resetCpuInterface(c);
  }

  /** Device reset (hw/intc/arm_gic_common.c arm_gic_common_reset). */
  reset(): void {
    for (
      const a of [this.#enabled, this.#pending, this.#active, this.#level, this.#group, this.#edge]
    ) a.fill(0);
    this.#prio1.fill(0);
    this.#prio2.fill(0);
    this.#sgiPending.fill(0);
    this.#target.fill(this.#cpus === 1 ? 1 : 0);
    for (let i = 0; i < 16; i++) {
      this.#enabled[i] = this.#all; // SGIs are always enabled
      this.#edge[i] = 1;
    }
    this.#ctlr = 0;
    this.#update();
  }

  /** Reset one vCPU's CPU interface. */
  resetCpuInterface(cpu: number): void {
    this.#cpuCtlr[cpu] = 0;
    this.#pmr[cpu] = 0;
    this.#bpr[cpu] = 0; // GIC_MIN_BPR
    this.#abpr[cpu] = 1; // GIC_MIN_ABPR
    this.#running[cpu] = IDLE;
    this.#apr.fill(0, cpu * 4, cpu * 4 + 4);
    this.#nsapr.fill(0, cpu * 4, cpu * 4 + 4);
    this.#update();
  }

  setSpi(intid: number, level: boolean): void {
    if (intid < GIC_INTERNAL || intid >= this.numIrq) {
      throw new RangeError(`Not an SPI of this GIC: ${intid}`);
    }
    this.#setIrq(intid, level, this.#all, this.#target[intid]);
  }

  setPpi(cpu: number, intid: number, level: boolean): void {
    if (intid < 16 || intid >= GIC_INTERNAL) throw new RangeError(`Not a PPI: ${intid}`);
    this.#setIrq(intid, level, 1 << cpu, 1 << cpu);
  }

  highestPending(cpu: number): number {
    return this.#current[cpu];
  }

  #setIrq(irq: number, level: boolean, cm: number, target: number): void {
    if (((this.#level[irq] & cm) !== 0) === level) return;
    if (level) {
      this.#level[irq] |= cm;
      if (this.#edge[irq]) this.#pending[irq] |= target;
    } else {
      this.#level[irq] &= ~cm;
    }
    this.#update();
  }

  #prio(irq: number, cpu: number): number {
    return irq < GIC_INTERNAL ? this.#prio1[irq * 8 + cpu] : this.#prio2[irq - GIC_INTERNAL];
  }

  /** gic_test_pending: the latch, or the line for level-triggered interrupts. */
  #isPending(irq: number, cm: number): boolean {
    return ((this.#pending[irq] & cm) !== 0) || (!this.#edge[irq] && (this.#level[irq] & cm) !== 0);
  }

  /** gic_update: recompute every CPU's pending interrupt and lines. */
  #update(): void {
    for (let cpu = 0; cpu < this.#cpus; cpu++) {
      const cm = 1 << cpu;
      this.#current[cpu] = INTID_SPURIOUS;
      let bits = 0;
      if (
        (this.#ctlr & (CTLR_EN_GRP0 | CTLR_EN_GRP1)) &&
        (this.#cpuCtlr[cpu] & (CTLR_EN_GRP0 | CTLR_EN_GRP1))
      ) {
        let best = IDLE, bestIrq = INTID_SPURIOUS;
        for (let irq = 0; irq < this.numIrq; irq++) {
          if (
            (this.#enabled[irq] & cm) && this.#isPending(irq, cm) && !(this.#active[irq] & cm) &&
            (irq < GIC_INTERNAL || (this.#target[irq] & cm))
          ) {
            const p = this.#prio(irq, cpu);
            if (p < best) {
              best = p;
              bestIrq = irq;
            }
          }
        }
        if (best < this.#pmr[cpu]) {
          this.#current[cpu] = bestIrq;
          if (best < this.#running[cpu]) {
            const group = (this.#group[bestIrq] & cm) ? 1 : 0;
            if ((this.#ctlr >> group) & 1 && (this.#cpuCtlr[cpu] >> group) & 1) {
              bits = group === 0 && (this.#cpuCtlr[cpu] & CTLR_FIQ_EN)
                ? IRQ_LINE.FIQ
                : IRQ_LINE.IRQ;
            }
          }
        }
      }
      this.#lines.set(cpu, IRQ_LINE.IRQ | IRQ_LINE.FIQ, bits);
    }
  }

  #groupPrio(cpu: number, irq: number): number {
    const g1 = (this.#group[irq] >> cpu) & 1;
    const bpr = g1 && !(this.#cpuCtlr[cpu] & CTLR_CBPR) ? this.#abpr[cpu] : this.#bpr[cpu];
    return this.#prio(irq, cpu) & ((~0 << ((bpr & 7) + 1)) >>> 0);
  }

  #aprPrio(cpu: number): number {
    for (let i = 0; i < 4; i++) {
      const apr = this.#apr[cpu * 4 + i] | this.#nsapr[cpu * 4 + i];
      if (apr) return (i * 32 + ctz32(apr)) << 1;
    }
    return IDLE;
  }

  /** gic_acknowledge_irq (GICC_IAR read). */
  #acknowledge(cpu: number): number {
    const cm = 1 << cpu;
    let irq = this.#current[cpu];
    if (irq < 1020 && (this.#group[irq] & cm) && !(this.#cpuCtlr[cpu] & CTLR_ACK_CTL)) irq = 1022;
    if (irq >= 1020) return irq;
    if (this.#prio(irq, cpu) >= this.#running[cpu]) return INTID_SPURIOUS;
    let ret = irq;
    if (irq < 16) {
      const i = irq * 8 + cpu;
      const src = ctz32(this.#sgiPending[i]);
      this.#sgiPending[i] &= ~(1 << src);
      if (!this.#sgiPending[i]) this.#pending[irq] &= ~cm;
      ret = irq | ((src & 7) << 10);
    } else {
      this.#pending[irq] &= ~cm;
    }
    const prio = this.#groupPrio(cpu, irq);
    const level = prio >> 1;
    const reg = (this.#group[irq] & cm) ? this.#nsapr : this.#apr;
    reg[cpu * 4 + (level >> 5)] |= 1 << (level & 31);
    this.#running[cpu] = prio;
    this.#active[irq] |= cm;
    this.#update();
    return ret;
  }

  /** gic_complete_irq (GICC_EOIR write). */
  #complete(cpu: number, irq: number): void {
    if (irq >= this.numIrq || this.#running[cpu] === IDLE) return;
    const cm = 1 << cpu;
    const reg = (this.#group[irq] & cm) ? this.#nsapr : this.#apr;
    for (let i = 0; i < 4; i++) {
      const j = cpu * 4 + i;
      if (reg[j]) {
        reg[j] &= reg[j] - 1;
        break;
      }
    }
    this.#running[cpu] = this.#aprPrio(cpu);
    if (!(this.#cpuCtlr[cpu] & CTLR_EOIMODE)) this.#active[irq] &= ~cm;
    this.#update();
  }

  #cpuRead(cpu: number, off: number, size: number, out: Int32Array): boolean {
    if (size !== 4) return false;
    let v = 0;
    switch (off) {
      case GICC.CTLR:
        v = this.#cpuCtlr[cpu];
        break;
      case GICC.PMR:
        v = this.#pmr[cpu];
        break;
      case GICC.BPR:
        v = this.#bpr[cpu];
        break;
      case GICC.IAR:
        v = this.#acknowledge(cpu);
        break;
      case GICC.RPR:
        v = this.#running[cpu] === IDLE ? 0xff : this.#running[cpu];
        break;
      case GICC.HPPIR:
        v = this.#current[cpu];
        break;
      case GICC.ABPR:
        v = this.#abpr[cpu];
        break;
      case GICC.IIDR:
        v = GICV2_CPU_IIDR;
        break;
      default:
        if (off >= GICC.APR && off < GICC.APR + 16) {
          v = this.#apr[cpu * 4 + ((off - GICC.APR) >> 2)];
        } else if (off >= GICC.NSAPR && off < GICC.NSAPR + 16) {
          v = this.#nsapr[cpu * 4 + ((off - GICC.NSAPR) >> 2)];
        }
    }
    out[0] = v;
    out[1] = 0;
    return true;
  }

  #cpuWrite(cpu: number, off: number, size: number, v: number): boolean {
    if (size !== 4) return false;
    switch (off) {
      case GICC.CTLR:
        this.#cpuCtlr[cpu] = v & GICC_CTLR_V2_MASK;
        break;
      case GICC.PMR:
        this.#pmr[cpu] = v & 0xff;
        break;
      case GICC.BPR:
        this.#bpr[cpu] = v & 7;
        break;
      case GICC.ABPR:
        this.#abpr[cpu] = Math.max(v & 7, 1);
        break;
      case GICC.EOIR:
        this.#complete(cpu, v & 0x3ff);
        return true;
      case GICC.DIR:
        if (this.#cpuCtlr[cpu] & CTLR_EOIMODE) {
          const irq = v & 0x3ff;
          if (irq < this.numIrq) this.#active[irq] &= ~(1 << cpu);
        }
        break;
      default:
        if (off >= GICC.APR && off < GICC.APR + 16) {
          this.#apr[cpu * 4 + ((off - GICC.APR) >> 2)] = v;
        } else if (off >= GICC.NSAPR && off < GICC.NSAPR + 16) {
          this.#nsapr[cpu * 4 + ((off - GICC.NSAPR) >> 2)] = v;
        } else return true;
        this.#running[cpu] = this.#aprPrio(cpu);
    }
    this.#update();
    return true;
  }

  #distRead(cpu: number, off: number, size: number, out: Int32Array): boolean {
    if (size !== 1 && size !== 2 && size !== 4) return false;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | this.#distReadb(cpu, off + i);
    out[0] = v;
    out[1] = 0;
    return true;
  }

  #distReadb(cpu: number, off: number): number {
    const cm = 1 << cpu;
    const bits = (base: number, f: (irq: number) => boolean) => {
      const irq = (off - base) * 8;
      let r = 0;
      for (let i = 0; i < 8; i++) if (irq + i < this.numIrq && f(irq + i)) r |= 1 << i;
      return r;
    };
    const mask = (irq: number) => irq < GIC_INTERNAL ? cm : this.#all;
    if (off < 0x80) {
      const word =
        [this.#ctlr, ((this.numIrq / 32) - 1) | ((this.#cpus - 1) << 5), GICV2_IIDR][off >> 2];
      return word === undefined ? 0 : (word >>> ((off & 3) * 8)) & 0xff;
    }
    if (off < 0x100) return bits(0x80, (i) => (this.#group[i] & cm) !== 0);
    if (off < 0x200) return bits(off < 0x180 ? 0x100 : 0x180, (i) => (this.#enabled[i] & cm) !== 0);
    if (off < 0x300) return bits(off < 0x280 ? 0x200 : 0x280, (i) => this.#isPending(i, mask(i)));
    if (off < 0x400) {
      return bits(off < 0x380 ? 0x300 : 0x380, (i) => (this.#active[i] & mask(i)) !== 0);
    }
    if (off < 0x800) {
      const irq = off - 0x400;
      return irq < this.numIrq ? this.#prio(irq, cpu) : 0;
    }
    if (off < 0xc00) {
      const irq = off - 0x800;
      if (irq >= this.numIrq) return 0;
      return irq < GIC_INTERNAL ? cm : this.#target[irq];
    }
    if (off < 0xf00) {
      const irq = (off - 0xc00) * 4;
      let r = 0;
      for (let i = 0; i < 4; i++) {
        if (irq + i < this.numIrq && this.#edge[irq + i]) r |= 2 << (i * 2);
      }
      return r;
    }
    if (off >= 0xf10 && off < 0xf30) return this.#sgiPending[((off - 0xf10) & 0xf) * 8 + cpu];
    if (off >= 0xfd0 && off < 0x1000) return (off & 3) ? 0 : ID_BYTES[(off - 0xfd0) >> 2];
    return 0;
  }

  #distWrite(cpu: number, off: number, size: number, v: number): boolean {
    if (size !== 1 && size !== 2 && size !== 4) return false;
    if (off === 0xf00) {
      if (size === 4) this.#sgir(cpu, v);
      return true;
    }
    for (let i = 0; i < size; i++) this.#distWriteb(cpu, off + i, (v >>> (i * 8)) & 0xff);
    this.#update();
    return true;
  }

  #sgir(cpu: number, v: number): void {
    const irq = v & 0xf;
    let targets: number;
    switch ((v >>> 24) & 3) {
      case 0:
        targets = (v >>> 16) & 0xff;
        break;
      case 1:
        targets = this.#all & ~(1 << cpu);
        break;
      case 2:
        targets = 1 << cpu;
        break;
      default:
        return;
    }
    targets &= this.#all;
    for (let c = 0; c < this.#cpus; c++) {
      if (!(targets & (1 << c))) continue;
      this.#pending[irq] |= 1 << c;
      this.#sgiPending[irq * 8 + c] |= 1 << cpu;
    }
    this.#update();
  }

  #distWriteb(cpu: number, off: number, v: number): void {
    const cm = 1 << cpu;
    const each = (base: number, f: (irq: number) => void) => {
      const irq = (off - base) * 8;
      for (let i = 0; i < 8; i++) if ((v & (1 << i)) && irq + i < this.numIrq) f(irq + i);
    };
    const mask = (irq: number) => irq < GIC_INTERNAL ? cm : this.#all;
    if (off === 0) {
      this.#ctlr = v & (CTLR_EN_GRP0 | CTLR_EN_GRP1);
    } else if (off >= 0x80 && off < 0x100) {
      const irq = (off - 0x80) * 8;
      for (let i = 0; i < 8 && irq + i < this.numIrq; i++) {
        const m = mask(irq + i);
        this.#group[irq + i] = (v & (1 << i))
          ? this.#group[irq + i] | m
          : this.#group[irq + i] & ~m;
      }
    } else if (off >= 0x100 && off < 0x180) {
      each(0x100, (irq) => {
        if (irq >= 16) this.#enabled[irq] |= mask(irq);
      });
    } else if (off >= 0x180 && off < 0x200) {
      each(0x180, (irq) => {
        if (irq >= 16) this.#enabled[irq] &= ~mask(irq);
      });
    } else if (off >= 0x200 && off < 0x280) {
      each(0x200, (irq) => {
        if (irq >= 16) this.#pending[irq] |= irq < GIC_INTERNAL ? cm : this.#target[irq];
      });
    } else if (off >= 0x280 && off < 0x300) {
      each(0x280, (irq) => {
        if (irq >= 16) this.#pending[irq] &= ~mask(irq);
      });
    } else if (off >= 0x300 && off < 0x380) {
      each(0x300, (irq) => this.#active[irq] |= mask(irq));
    } else if (off >= 0x380 && off < 0x400) {
      each(0x380, (irq) => this.#active[irq] &= ~mask(irq));
    } else if (off >= 0x400 && off < 0x800) {
      const irq = off - 0x400;
      if (irq < GIC_INTERNAL) this.#prio1[irq * 8 + cpu] = v;
      else if (irq < this.numIrq) this.#prio2[irq - GIC_INTERNAL] = v;
    } else if (off >= 0x800 && off < 0xc00) {
      const irq = off - 0x800;
      if (this.#cpus > 1 && irq >= GIC_INTERNAL && irq < this.numIrq) {
        this.#target[irq] = v & this.#all;
      }
    } else if (off >= 0xc00 && off < 0xf00) {
      const irq = (off - 0xc00) * 4;
      if (irq < 16) v |= 0xaa; // SGIs are edge-triggered
      for (let i = 0; i < 4; i++) {
        if (irq + i < this.numIrq) this.#edge[irq + i] = (v >> (i * 2 + 1)) & 1;
      }
    } else if (off >= 0xf10 && off < 0xf20) {
      const i = (off - 0xf10) * 8 + cpu; // GICD_CPENDSGIR
      this.#sgiPending[i] &= ~v;
      if (!this.#sgiPending[i]) this.#pending[off - 0xf10] &= ~cm;
    } else if (off >= 0xf20 && off < 0xf30) {
      const i = (off - 0xf20) * 8 + cpu; // GICD_SPENDSGIR
      this.#sgiPending[i] |= v;
      if (this.#sgiPending[i]) this.#pending[off - 0xf20] |= cm;
    }
  }
}
