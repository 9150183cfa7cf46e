/**
 * GICv3 as QEMU's virt board builds it with `gic-version=3,its=off`
 * (hw/intc/arm_gicv3*.c, QEMU 7.2): distributor at 0x0800_0000 (64 KiB),
 * one redistributor (two 64 KiB frames, RD_base + SGI_base) per vCPU from
 * 0x080A_0000, the system-register CPU interface (ICC_*), and the virtual CPU
 * interface (ICH_* / ICV_*) with QEMU cortex-a76 parameters. No security
 * extensions (GICD_CTLR.DS = 1, as virt with `secure=off`), affinity routing
 * always on, 256 INTIDs (GICD_TYPER.ITLinesNumber = 7, measured on QEMU 7.2).
 * LPIs: like QEMU 7.2 (even with its=off) GICD_TYPER.LPIS and
 * GICR_TYPER.PLPIS read 1 and GICR_CTLR.EnableLPIs, GICR_PROPBASER and
 * GICR_PENDBASER are stored, but there is no ITS and DirectLPI = 0, so no
 * LPI can ever be generated.
 *
 * Interrupt state follows QEMU's model: per-interrupt pending latch, input
 * level, edge/level configuration, enable, active, group and priority; the
 * highest-priority pending interrupt of each vCPU (ties: lowest INTID) is
 * recomputed on every change and signalled as IRQ (Group 1) or FIQ (Group 0)
 * through Slot.IRQ_LINES (see gic.ts).
 *
 * CPU-interface parameters (QEMU target/arm/cpu64.c aarch64_a76_initfn):
 * 5 bits of physical priority (ICC_CTLR_EL1.PRIbits = 4, ICC_PMR masks to
 * 0xf8, one AP register per group), 4 list registers, 5 virtual priority and
 * preemption bits.
 *
 * @module
 */

import type { MachineMemory } from "../state.ts";
import { sysregByName, sysregKey } from "../sysregs.ts";
import { CpuView, HCR } from "./_cpu_view.ts";
import type { MmioDevice, SysregDevice } from "./bus.ts";
import {
  GIC_INTERNAL,
  type InterruptController,
  INTID_SPURIOUS,
  IRQ_LINE,
  IrqLines,
  PPI_INTID,
  virtAffinity,
} from "./gic.ts";

/** INTIDs of the virt board's GICv3 in QEMU 7.2 (GICD_TYPER reads ITLinesNumber 7, measured). */
export const GICV3_VIRT_NUM_IRQ = 256;

/** Distributor base and size on the virt board (hw/arm/virt.c base_memmap[VIRT_GIC_DIST]). */
export const GICD_BASE = 0x0800_0000;
/** Size of the distributor frame (hw/arm/virt.c base_memmap[VIRT_GIC_DIST]). */
export const GICD_SIZE = 0x1_0000;
/** Redistributor region base (hw/arm/virt.c base_memmap[VIRT_GIC_REDIST]). */
export const GICR_BASE = 0x080a_0000;
/** Size of the redistributor region the DT describes (123 redistributors; virt.c). */
export const GICR_REGION_SIZE = 0xf6_0000;
/** Bytes per redistributor: RD_base + SGI_base frames (GICv3 spec 12.10; gicv3_internal.h). */
export const GICR_STRIDE = 0x2_0000;

/** Distributor register offsets (GICv3 spec IHI 0069 12.9; hw/intc/gicv3_internal.h). */
export const GICD = {
  CTLR: 0x0000,
  TYPER: 0x0004,
  IIDR: 0x0008,
  STATUSR: 0x0010,
  IGROUPR: 0x0080,
  ISENABLER: 0x0100,
  ICENABLER: 0x0180,
  ISPENDR: 0x0200,
  ICPENDR: 0x0280,
  ISACTIVER: 0x0300,
  ICACTIVER: 0x0380,
  IPRIORITYR: 0x0400,
  ITARGETSR: 0x0800,
  ICFGR: 0x0c00,
  IGRPMODR: 0x0d00,
  NSACR: 0x0e00,
  SGIR: 0x0f00,
  CPENDSGIR: 0x0f10,
  SPENDSGIR: 0x0f20,
  IROUTER: 0x6000,
  IDREGS: 0xffd0,
} as const;

/** Redistributor register offsets from RD_base (GICv3 spec 12.10; gicv3_internal.h). */
export const GICR = {
  CTLR: 0x0000,
  IIDR: 0x0004,
  TYPER: 0x0008,
  STATUSR: 0x0010,
  WAKER: 0x0014,
  PROPBASER: 0x0070,
  PENDBASER: 0x0078,
  IDREGS: 0xffd0,
  SGI: 0x1_0000,
  IGROUPR0: 0x1_0080,
  ISENABLER0: 0x1_0100,
  ICENABLER0: 0x1_0180,
  ISPENDR0: 0x1_0200,
  ICPENDR0: 0x1_0280,
  ISACTIVER0: 0x1_0300,
  ICACTIVER0: 0x1_0380,
  IPRIORITYR: 0x1_0400,
  ICFGR0: 0x1_0c00,
  ICFGR1: 0x1_0c04,
  IGRPMODR0: 0x1_0d00,
  NSACR: 0x1_0e00,
} as const;

/** GICD_CTLR bits (GICv3 spec 12.9.4, DS = 1 layout; gicv3_internal.h). */
const CTLR_EN_GRP0 = 1 << 0;
const CTLR_EN_GRP1 = 1 << 1;
const CTLR_ARE = 1 << 4;
const CTLR_DS = 1 << 6;

/** GICR_WAKER bits (GICv3 spec 12.11.38). */
const WAKER_PROCESSOR_SLEEP = 1 << 1;
const WAKER_CHILDREN_ASLEEP = 1 << 2;

/**
 * GICD_IIDR / GICR_IIDR: "an ARM r0p0 with a zero ProductID", the same as an
 * r0p0 GIC-500 (hw/intc/gicv3_internal.h gicv3_iidr()).
 */
export const GICV3_IIDR = 0x43b;
/** CoreSight ID bytes from GICD/GICR_PIDR4 (0xffd0) on (gicv3_internal.h gicv3_idreg). */
const ID_BYTES = [0x44, 0x00, 0x00, 0x00, 0x92, 0xb4, 0x0b, 0x00, 0x0d, 0xf0, 0x05, 0xb1];
/** PIDR0 of the distributor and redistributor (gicv3_internal.h GICV3_PIDR0_DIST/REDIST). */
const PIDR0_DIST = 0x92, PIDR0_REDIST = 0x93;
/** Architecture revision reported in PIDR2[7:4]. */
const REVISION = 3;

// Interrupt groups in QEMU's numbering (arm_gicv3_common.h GICV3_G0/G1/G1NS).
const G0 = 0, G1 = 1, G1NS = 2;

/** Physical priority bits of the CPU interface (QEMU cortex-a76 gic_pribits). */
const PRIBITS = 5;
/** Preemption bits: equal to PRIBITS below 8 (arm_gicv3_cpuif.c gicv3_init_cpuif). */
const PREBITS = PRIBITS;
/** Minimum BPR0 / BPR1 (arm_gicv3_cpuif.c icc_min_bpr / icc_min_bpr_ns). */
const MIN_BPR = 7 - PREBITS, MIN_BPR_NS = MIN_BPR + 1;
/** Mask of the implemented priority bits (arm_gicv3_cpuif.c icc_fullprio_mask). */
const FULLPRIO_MASK = (~0 << (8 - PRIBITS)) >>> 0;
/** List registers and virtual priority bits (QEMU cortex-a76 gic_num_lrs, gic_vpribits, gic_vprebits). */
const NUM_LRS = 4, VPRIBITS = 5, VPREBITS = 5;
const MIN_VBPR = 7 - VPREBITS;

/** ICC_CTLR_EL1 fields (GICv3 spec 12.2.6; gicv3_internal.h). */
const ICC_CTLR_CBPR = 1 << 0, ICC_CTLR_EOIMODE = 1 << 1;
/** ICC_CTLR_EL1 reset: A3V, IDbits = 24 bits, PRIbits (arm_gicv3_cpuif.c icc_reset). */
const ICC_CTLR_RESET = (1 << 15) | (1 << 11) | ((PRIBITS - 1) << 8);

// ICH_* fields (GICv3 spec 12.4; gicv3_internal.h).
const ICH_HCR_EN = 1 << 0, ICH_HCR_UIE = 1 << 1, ICH_HCR_LRENPIE = 1 << 2, ICH_HCR_NPIE = 1 << 3;
const ICH_HCR_VGRP0EIE = 1 << 4, ICH_HCR_VGRP0DIE = 1 << 5;
const ICH_HCR_VGRP1EIE = 1 << 6, ICH_HCR_VGRP1DIE = 1 << 7;
const ICH_HCR_TC = 1 << 10, ICH_HCR_TALL0 = 1 << 11, ICH_HCR_TALL1 = 1 << 12;
const ICH_HCR_TDIR = 1 << 14;
const ICH_HCR_EOICOUNT_SHIFT = 27;
const ICH_HCR_EOICOUNT_MASK = 0x1f << ICH_HCR_EOICOUNT_SHIFT;
/** Writable ICH_HCR_EL2 bits (arm_gicv3_cpuif.c ich_hcr_write; TSEI bit 13). */
const ICH_HCR_WRITABLE = ICH_HCR_EN | ICH_HCR_UIE | ICH_HCR_LRENPIE | ICH_HCR_NPIE |
  ICH_HCR_VGRP0EIE | ICH_HCR_VGRP0DIE | ICH_HCR_VGRP1EIE | ICH_HCR_VGRP1DIE | ICH_HCR_TC |
  ICH_HCR_TALL0 | ICH_HCR_TALL1 | (1 << 13) | ICH_HCR_TDIR | ICH_HCR_EOICOUNT_MASK;
const VMCR_VENG0 = 1 << 0, VMCR_VENG1 = 1 << 1, VMCR_VFIQEN = 1 << 3, VMCR_VCBPR = 1 << 4;
const VMCR_VEOIM = 1 << 9;
const VMCR_VBPR1_SHIFT = 18, VMCR_VBPR0_SHIFT = 21, VMCR_VPMR_SHIFT = 24;
/** Writable ICH_VMCR_EL2 bits (arm_gicv3_cpuif.c ich_vmcr_write). */
const VMCR_WRITABLE = (VMCR_VENG0 | VMCR_VENG1 | VMCR_VCBPR | VMCR_VEOIM | (7 << VMCR_VBPR1_SHIFT) |
  (7 << VMCR_VBPR0_SHIFT) | (0xff << VMCR_VPMR_SHIFT)) >>> 0;
// List register fields in the HIGH word (bit - 32).
const LR_HI_PINTID_MASK = 0x3ff, LR_HI_EOI = 1 << 9, LR_HI_PRIO_SHIFT = 16;
const LR_HI_GROUP = 1 << 28, LR_HI_HW = 1 << 29;
const LR_HI_PENDING = 1 << 30, LR_HI_ACTIVE = 1 << 31;
const LR_HI_STATE = (LR_HI_PENDING | LR_HI_ACTIVE) >>> 0;
/** ICH_MISR_EL2 bits. */
const MISR_EOI = 1 << 0, MISR_U = 1 << 1, MISR_LRENP = 1 << 2, MISR_NP = 1 << 3;
const MISR_VGRP0E = 1 << 4, MISR_VGRP0D = 1 << 5, MISR_VGRP1E = 1 << 6, MISR_VGRP1D = 1 << 7;
/**
 * ICH_VTR_EL2 (arm_gicv3_cpuif.c ich_vtr_read): ListRegs = 3, TDS, nV4 (no
 * GICv4), A3V, IDbits = 24 bits, PREbits = PRIbits = 5.
 */
export const ICH_VTR_VALUE = ((NUM_LRS - 1) | (1 << 19) | (1 << 20) | (1 << 21) | (1 << 23) |
  ((VPREBITS - 1) << 26) | ((VPRIBITS - 1) << 29)) >>> 0;

function key(name: string): number {
  const d = sysregByName(name);
  if (!d) throw new Error(`Unknown system register ${name}`);
  return d.key;
}

/** Keys of the CPU-interface registers this model owns. */
export const GICV3_SYSREG = {
  ICC_PMR_EL1: key("ICC_PMR_EL1"),
  ICC_IAR0_EL1: key("ICC_IAR0_EL1"),
  ICC_EOIR0_EL1: key("ICC_EOIR0_EL1"),
  ICC_HPPIR0_EL1: key("ICC_HPPIR0_EL1"),
  ICC_BPR0_EL1: key("ICC_BPR0_EL1"),
  ICC_AP0R0_EL1: key("ICC_AP0R0_EL1"),
  ICC_AP1R0_EL1: key("ICC_AP1R0_EL1"),
  ICC_DIR_EL1: key("ICC_DIR_EL1"),
  ICC_RPR_EL1: key("ICC_RPR_EL1"),
  ICC_SGI1R_EL1: key("ICC_SGI1R_EL1"),
  ICC_ASGI1R_EL1: key("ICC_ASGI1R_EL1"),
  ICC_SGI0R_EL1: key("ICC_SGI0R_EL1"),
  ICC_IAR1_EL1: key("ICC_IAR1_EL1"),
  ICC_EOIR1_EL1: key("ICC_EOIR1_EL1"),
  ICC_HPPIR1_EL1: key("ICC_HPPIR1_EL1"),
  ICC_BPR1_EL1: key("ICC_BPR1_EL1"),
  ICC_CTLR_EL1: key("ICC_CTLR_EL1"),
  ICC_SRE_EL1: key("ICC_SRE_EL1"),
  ICC_IGRPEN0_EL1: key("ICC_IGRPEN0_EL1"),
  ICC_IGRPEN1_EL1: key("ICC_IGRPEN1_EL1"),
  ICC_SRE_EL2: key("ICC_SRE_EL2"),
  ICH_AP0R0_EL2: sysregKey(3, 4, 12, 8, 0),
  ICH_AP1R0_EL2: sysregKey(3, 4, 12, 9, 0),
  ICH_HCR_EL2: key("ICH_HCR_EL2"),
  ICH_VTR_EL2: key("ICH_VTR_EL2"),
  ICH_MISR_EL2: sysregKey(3, 4, 12, 11, 2),
  ICH_EISR_EL2: sysregKey(3, 4, 12, 11, 3),
  ICH_ELRSR_EL2: sysregKey(3, 4, 12, 11, 5),
  ICH_VMCR_EL2: key("ICH_VMCR_EL2"),
  ICH_LR0_EL2: sysregKey(3, 4, 12, 12, 0),
  ICH_LR1_EL2: sysregKey(3, 4, 12, 12, 1),
  ICH_LR2_EL2: sysregKey(3, 4, 12, 12, 2),
  ICH_LR3_EL2: sysregKey(3, 4, 12, 12, 3),
} as const;
const K = GICV3_SYSREG;

function ctz32(v: number): number {
  return v === 0 ? 32 : 31 - Math.clz32(v & -v);
}

/** Spread the low 16 bits of `v` to the even bit positions (QEMU half_shuffle32). */
function halfShuffle32(v: number): number {
  let r = 0;
  for (let i = 0; i < 16; i++) if (v & (1 << i)) r |= 1 << (2 * i);
  return r >>> 0;
}

/** Gather the even bits of `v` into the low 16 bits (QEMU half_unshuffle32). */
function halfUnshuffle32(v: number): number {
  let r = 0;
  for (let i = 0; i < 16; i++) if (v & (1 << (2 * i))) r |= 1 << i;
  return r;
}

/** Options of {@link GicV3}. */
export interface GicV3Options {
  /** Number of INTIDs (default 256: QEMU 7.2's virt GICv3 reports ITLinesNumber 7). */
  numIrq?: number;
  /**
   * Redistributors per redistributor region; the last of each region reports
   * GICR_TYPER.Last (arm_gicv3_common.c realize). Default as virt: the first
   * 123 in region 0, the rest in region 1 (hw/arm/virt.c
   * virt_redist_capacity).
   */
  redistRegions?: number[];
}

/**
 * The GICv3 model. Map `distributor` at {@link GICD_BASE} and `redistributors`
 * at {@link GICR_BASE} (size {@link redistributorSize}), register
 * `sysregKeys` with this object as the {@link SysregDevice}.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { MachineMemory, Slot } from "../state.ts";
 * import { GicV3, GICD, GICR, GICV3_SYSREG as K } from "./gic_v3.ts";
 * const mm = new MachineMemory(1, 1);
 * const gic = new GicV3(mm, 1);
 * const out = new Int32Array(2);
 * const w32 = (d: typeof gic.distributor, off: number, v: number) => d.write(0, off, 4, v, 0);
 * w32(gic.distributor, GICD.CTLR, 2);                 // EnableGrp1
 * w32(gic.redistributors, GICR.IGROUPR0, 0xffff_ffff); // all Group 1
 * w32(gic.redistributors, GICR.ISENABLER0, 1 << 27);   // virtual timer PPI
 * gic.sysregWrite(0, K.ICC_PMR_EL1, 0xff, 0);
 * gic.sysregWrite(0, K.ICC_IGRPEN1_EL1, 1, 0);
 * gic.setPpi(0, 27, true);
 * assert((mm.u32[mm.slot(0, Slot.IRQ_LINES)] & 1) === 1); // IRQ asserted
 * gic.sysregRead(0, K.ICC_IAR1_EL1, out);
 * assert(out[0] === 27);
 * ```
 */
export class GicV3 implements InterruptController, SysregDevice {
  readonly version = 3 as const;
  declare readonly numIrq: number;
  /** The distributor frame (map at GICD_BASE, GICD_SIZE). */
  declare readonly distributor: MmioDevice;
  /** All redistributors, contiguous (map at GICR_BASE, `redistributorSize`). */
  declare readonly redistributors: MmioDevice;
  /** Size of the implemented redistributor frames: one 128 KiB stride per vCPU. */
  declare readonly redistributorSize: number;
  /** The system-register keys this model owns. */
  readonly sysregKeys: readonly number[] = Object.values(GICV3_SYSREG);

  readonly #cpus: number;
  readonly #view: CpuView;
  readonly #lines: IrqLines;
  readonly #words: number;

  // Distributor (QEMU GICv3State).
  #ctlr = 0;
  readonly #group: Uint32Array;
  readonly #enabled: Uint32Array;
  readonly #pending: Uint32Array;
  readonly #active: Uint32Array;
  readonly #level: Uint32Array;
  readonly #edge: Uint32Array;
  readonly #prio: Uint8Array;
  readonly #irouterLo: Uint32Array;
  readonly #irouterHi: Uint32Array;
  readonly #target: Int32Array;

  // Redistributors (QEMU GICv3CPUState), one entry per vCPU.
  readonly #affid: Uint32Array;
  readonly #last: Uint8Array;
  readonly #rLevel: Uint32Array;
  readonly #rCtlr: Uint32Array;
  readonly #rWaker: Uint32Array;
  readonly #rGroup: Uint32Array;
  readonly #rEnabled: Uint32Array;
  readonly #rPending: Uint32Array;
  readonly #rActive: Uint32Array;
  readonly #rEdge: Uint32Array;
  readonly #rPrio: Uint8Array;
  readonly #rPropbaser: Uint32Array;
  readonly #rPendbaser: Uint32Array;

  // CPU interface, physical (NS bank only: no EL3, DS = 1).
  readonly #iccCtlr: Uint32Array;
  readonly #iccPmr: Uint32Array;
  readonly #iccBpr: Uint8Array; // [cpu * 3 + grp]
  readonly #iccApr: Uint32Array; // [cpu * 3 + grp] (one APR register: PREBITS = 5)
  readonly #iccIgrpen: Uint8Array; // [cpu * 3 + grp]
  // Highest-priority pending interrupt, per vCPU.
  readonly #hppiIrq: Int32Array;
  readonly #hppiPrio: Uint16Array;
  readonly #hppiGrp: Uint8Array;

  // Virtual CPU interface.
  readonly #ichHcr: Uint32Array;
  readonly #ichVmcr: Uint32Array;
  readonly #ichApr: Uint32Array; // [cpu * 3 + grp], G0 and G1NS used
  readonly #lrLo: Uint32Array; // [cpu * NUM_LRS + n]
  readonly #lrHi: Uint32Array;
  readonly #maint: Uint8Array;

  /** Called with the vCPU number whenever its IRQ_LINES bits change (e.g. to wake it from WFI). */
  get onLinesChanged(): ((cpu: number, lines: number) => void) | undefined {
    return this.#lines.onChange;
  }
  set onLinesChanged(fn: ((cpu: number, lines: number) => void) | undefined) {
    this.#lines.onChange = fn;
  }

  constructor(mm: MachineMemory, cpus: number, opts: GicV3Options = {}) {
    this.numIrq = opts.numIrq ?? GICV3_VIRT_NUM_IRQ;
    if (this.numIrq % 32 || this.numIrq < 64 || this.numIrq > 1020) {
      throw new RangeError(`Invalid GICv3 interrupt count: ${this.numIrq}`);
    }
    this.#cpus = cpus;
    this.#view = new CpuView(mm);
    this.#lines = new IrqLines(mm, cpus);
    const words = this.#words = this.numIrq / 32;
    this.#group = new Uint32Array(words);
    this.#enabled = new Uint32Array(words);
    this.#pending = new Uint32Array(words);
    this.#active = new Uint32Array(words);
    this.#level = new Uint32Array(words);
    this.#edge = new Uint32Array(words);
    this.#prio = new Uint8Array(this.numIrq);
    this.#irouterLo = new Uint32Array(this.numIrq);
    this.#irouterHi = new Uint32Array(this.numIrq);
    this.#target = new Int32Array(this.numIrq);
    this.#affid = new Uint32Array(cpus);
    for (let c = 0; c < cpus; c++) this.#affid[c] = virtAffinity(c, 3);
    this.#last = new Uint8Array(cpus);
    const regions = opts.redistRegions ?? (cpus > 123 ? [123, cpus - 123] : [cpus]);
    if (regions.reduce((a, b) => a + b, 0) !== cpus) {
      throw new RangeError(`Redistributor regions ${regions} do not add up to ${cpus} vCPUs`);
    }
    let idx = 0;
    for (const count of regions) this.#last[(idx += count) - 1] = 1;
    this.#rLevel = new Uint32Array(cpus);
    this.#rCtlr = new Uint32Array(cpus);
    this.#rWaker = new Uint32Array(cpus);
    this.#rGroup = new Uint32Array(cpus);
    this.#rEnabled = new Uint32Array(cpus);
    this.#rPending = new Uint32Array(cpus);
    this.#rActive = new Uint32Array(cpus);
    this.#rEdge = new Uint32Array(cpus);
    this.#rPrio = new Uint8Array(cpus * GIC_INTERNAL);
    this.#rPropbaser = new Uint32Array(cpus * 2);
    this.#rPendbaser = new Uint32Array(cpus * 2);
    this.#iccCtlr = new Uint32Array(cpus);
    this.#iccPmr = new Uint32Array(cpus);
    this.#iccBpr = new Uint8Array(cpus * 3);
    this.#iccApr = new Uint32Array(cpus * 3);
    this.#iccIgrpen = new Uint8Array(cpus * 3);
    this.#hppiIrq = new Int32Array(cpus);
    this.#hppiPrio = new Uint16Array(cpus);
    this.#hppiGrp = new Uint8Array(cpus);
    this.#ichHcr = new Uint32Array(cpus);
    this.#ichVmcr = new Uint32Array(cpus);
    this.#ichApr = new Uint32Array(cpus * 3);
    this.#lrLo = new Uint32Array(cpus * NUM_LRS);
    this.#lrHi = new Uint32Array(cpus * NUM_LRS);
    this.#maint = new Uint8Array(cpus);
    this.redistributorSize = cpus * GICR_STRIDE;
    this.distributor = {
      read: (_cpu, off, size, out) => this.#distRead(off, size, out),
      write: (_cpu, off, size, lo, hi) => this.#distWrite(off, size, lo, hi),
    };
    this.redistributors = {
      read: (_cpu, off, size, out) =>
        this.#redistRead(Math.floor(off / GICR_STRIDE), off % GICR_STRIDE, size, out),
      write: (_cpu, off, size, lo, hi) =>
        this.#redistWrite(Math.floor(off / GICR_STRIDE), off % GICR_STRIDE, size, lo, hi),
    };
    this.reset();
    for (let c = 0; c < cpus; c++) this.resetCpuInterface(c);
  }

  /** The affinity value (Aff3.Aff2.Aff1.Aff0 squashed to 32 bits) of vCPU `cpu`'s redistributor. */
  affinity(cpu: number): number {
    return this.#affid[cpu];
  }

  // ---------------------------------------------------------------- reset

  /** Device reset (hw/intc/arm_gicv3_common.c arm_gicv3_common_reset). */
  reset(): void {
    for (let c = 0; c < this.#cpus; c++) {
      this.#rLevel[c] = 0;
      this.#rCtlr[c] = 0;
      this.#rWaker[c] = WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP;
      this.#rGroup[c] = 0;
      this.#rEnabled[c] = 0;
      this.#rPending[c] = 0;
      this.#rActive[c] = 0;
      this.#rEdge[c] = 0xffff; // SGIs edge, PPIs level
      this.#rPropbaser.fill(0, c * 2, c * 2 + 2);
      this.#rPendbaser.fill(0, c * 2, c * 2 + 2);
    }
    this.#rPrio.fill(0);
    this.#ctlr = CTLR_DS | CTLR_ARE;
    for (
      const a of [this.#group, this.#enabled, this.#pending, this.#active, this.#level, this.#edge]
    ) {
      a.fill(0);
    }
    this.#prio.fill(0);
    this.#irouterLo.fill(0);
    this.#irouterHi.fill(0);
    for (let i = 0; i < this.numIrq; i++) this.#cacheTarget(i);
    this.#updateAll();
  }

  /** Reset one vCPU's CPU interface (arm_gicv3_cpuif.c icc_reset). */
  resetCpuInterface(cpu: number): void {
    this.#iccCtlr[cpu] = ICC_CTLR_RESET;
    this.#iccPmr[cpu] = 0;
    this.#iccBpr[cpu * 3 + G0] = MIN_BPR;
    this.#iccBpr[cpu * 3 + G1] = MIN_BPR;
    this.#iccBpr[cpu * 3 + G1NS] = MIN_BPR_NS;
    this.#iccApr.fill(0, cpu * 3, cpu * 3 + 3);
    this.#iccIgrpen.fill(0, cpu * 3, cpu * 3 + 3);
    this.#ichApr.fill(0, cpu * 3, cpu * 3 + 3);
    this.#ichHcr[cpu] = 0;
    this.#lrLo.fill(0, cpu * NUM_LRS, (cpu + 1) * NUM_LRS);
    this.#lrHi.fill(0, cpu * NUM_LRS, (cpu + 1) * NUM_LRS);
    this.#ichVmcr[cpu] = VMCR_VFIQEN | ((MIN_VBPR + 1) << VMCR_VBPR1_SHIFT) |
      (MIN_VBPR << VMCR_VBPR0_SHIFT);
    this.#cpuifUpdate(cpu);
    this.#virtUpdate(cpu);
  }

  // ---------------------------------------------------------------- input lines

  setSpi(intid: number, level: boolean): void {
    if (intid < GIC_INTERNAL || intid >= this.numIrq) {
      throw new RangeError(`Not an SPI of this GIC: ${intid}`);
    }
    const w = intid >> 5, b = 1 << (intid & 31);
    if (((this.#level[w] & b) !== 0) === level) return;
    if (level) {
      this.#level[w] |= b;
      if (this.#edge[w] & b) this.#pending[w] |= b;
    } else {
      this.#level[w] &= ~b;
    }
    this.#updateSpi(intid);
  }

  setPpi(cpu: number, intid: number, level: boolean): void {
    if (intid < 16 || intid >= GIC_INTERNAL) throw new RangeError(`Not a PPI: ${intid}`);
    const b = 1 << intid;
    if (((this.#rLevel[cpu] & b) !== 0) === level) return;
    if (level) {
      this.#rLevel[cpu] |= b;
      if (this.#rEdge[cpu] & b) this.#rPending[cpu] |= b;
    } else {
      this.#rLevel[cpu] &= ~b;
    }
    this.#redistUpdate(cpu);
  }

  highestPending(cpu: number): number {
    return this.#hppiPrio[cpu] < 0xff ? this.#hppiIrq[cpu] : INTID_SPURIOUS;
  }

  // ---------------------------------------------------------------- HPPI computation

  #groupOf(cpu: number, irq: number): number {
    const grp = irq < GIC_INTERNAL
      ? (this.#rGroup[cpu] >>> irq) & 1
      : (this.#group[irq >> 5] >>> (irq & 31)) & 1;
    return grp ? G1NS : G0; // DS = 1: GRPMOD is RAZ/WI
  }

  /** Group-enable mask for a word of group bits (QEMU gicd_int_pending/gicr_int_pending). */
  #grpMask(group: number): number {
    let m = 0;
    if (this.#ctlr & CTLR_EN_GRP1) m |= group;
    if (this.#ctlr & CTLR_EN_GRP0) m |= ~group;
    return m;
  }

  #redistPending(cpu: number): number {
    let pend = this.#rPending[cpu] | (~this.#rEdge[cpu] & this.#rLevel[cpu]);
    pend &= this.#rEnabled[cpu] & ~this.#rActive[cpu];
    return pend & this.#grpMask(this.#rGroup[cpu]);
  }

  #distPending(w: number): number {
    let pend = this.#pending[w] | (~this.#edge[w] & this.#level[w]);
    pend &= this.#enabled[w] & ~this.#active[w];
    return pend & this.#grpMask(this.#group[w]);
  }

  /** Recompute the HPPI of every vCPU and update their lines. */
  #updateAll(): void {
    const n = this.#cpus;
    for (let c = 0; c < n; c++) this.#scanRedist(c);
    for (let w = 1; w < this.#words; w++) {
      let pend = this.#distPending(w);
      while (pend) {
        const bit = ctz32(pend);
        pend &= pend - 1;
        const irq = w * 32 + bit;
        const c = this.#target[irq];
        if (c >= 0) this.#consider(c, irq, this.#prio[irq]);
      }
    }
    for (let c = 0; c < n; c++) this.#cpuifUpdate(c);
  }

  /** Recompute one vCPU's HPPI from its redistributor and the SPIs routed to it. */
  #redistUpdate(cpu: number): void {
    this.#scanRedist(cpu);
    for (let w = 1; w < this.#words; w++) {
      let pend = this.#distPending(w);
      while (pend) {
        const bit = ctz32(pend);
        pend &= pend - 1;
        const irq = w * 32 + bit;
        if (this.#target[irq] === cpu) this.#consider(cpu, irq, this.#prio[irq]);
      }
    }
    this.#cpuifUpdate(cpu);
  }

  #updateSpi(irq: number): void {
    // The SPI may have been the HPPI of its old target or become that of a new one.
    const t = this.#target[irq];
    if (t >= 0) this.#redistUpdate(t);
    for (let c = 0; c < this.#cpus; c++) {
      if (c !== t && this.#hppiIrq[c] === irq) this.#redistUpdate(c);
    }
  }

  #scanRedist(cpu: number): void {
    this.#hppiIrq[cpu] = INTID_SPURIOUS;
    this.#hppiPrio[cpu] = 0xff;
    let pend = this.#redistPending(cpu);
    while (pend) {
      const irq = ctz32(pend);
      pend &= pend - 1;
      this.#consider(cpu, irq, this.#rPrio[cpu * GIC_INTERNAL + irq]);
    }
  }

  /** QEMU irqbetter(): lower priority value wins, ties go to the lower INTID. */
  #consider(cpu: number, irq: number, prio: number): void {
    const best = this.#hppiPrio[cpu];
    if (prio < best || (prio === best && irq <= this.#hppiIrq[cpu])) {
      this.#hppiIrq[cpu] = irq;
      this.#hppiPrio[cpu] = prio;
      this.#hppiGrp[cpu] = this.#groupOf(cpu, irq);
    }
  }

  // ---------------------------------------------------------------- physical CPU interface

  #highestActivePrio(cpu: number): number {
    const apr = this.#iccApr[cpu * 3 + G0] | this.#iccApr[cpu * 3 + G1] |
      this.#iccApr[cpu * 3 + G1NS];
    return apr ? (ctz32(apr) << (MIN_BPR + 1)) & 0xff : 0xff;
  }

  /** Group priority mask for `grp` (arm_gicv3_cpuif.c icc_gprio_mask). */
  #gprioMask(cpu: number, grp: number): number {
    if (grp === G1NS && (this.#iccCtlr[cpu] & ICC_CTLR_CBPR)) grp = G0;
    let bpr = this.#iccBpr[cpu * 3 + grp] & 7;
    if (grp === G1NS) bpr--;
    return (~0 << (bpr + 1)) >>> 0;
  }

  #hppiCanPreempt(cpu: number): boolean {
    const prio = this.#hppiPrio[cpu];
    if (prio === 0xff || this.#iccIgrpen[cpu * 3 + this.#hppiGrp[cpu]] === 0) return false;
    if (prio >= this.#iccPmr[cpu]) return false;
    const rprio = this.#highestActivePrio(cpu);
    if (rprio === 0xff) return true;
    const mask = this.#gprioMask(cpu, this.#hppiGrp[cpu]);
    return ((prio & mask) >>> 0) < ((rprio & mask) >>> 0);
  }

  /** gicv3_cpuif_update: Group 0 signals FIQ, Group 1 (Non-secure) IRQ. */
  #cpuifUpdate(cpu: number): void {
    let bits = 0;
    if (this.#hppiCanPreempt(cpu)) bits = this.#hppiGrp[cpu] === G0 ? IRQ_LINE.FIQ : IRQ_LINE.IRQ;
    this.#lines.set(cpu, IRQ_LINE.IRQ | IRQ_LINE.FIQ, bits);
  }

  #hppir1(cpu: number): number {
    if (this.#hppiPrio[cpu] === 0xff || this.#hppiGrp[cpu] === G0) return INTID_SPURIOUS;
    return this.#hppiIrq[cpu];
  }

  #hppir0(cpu: number): number {
    if (this.#hppiPrio[cpu] === 0xff || this.#hppiGrp[cpu] !== G0) return INTID_SPURIOUS;
    return this.#hppiIrq[cpu];
  }

  #activate(cpu: number, irq: number): void {
    const grp = this.#hppiGrp[cpu];
    const prio = this.#hppiPrio[cpu] & this.#gprioMask(cpu, grp);
    const aprbit = prio >> (8 - PREBITS);
    this.#iccApr[cpu * 3 + grp] |= 1 << (aprbit & 31);
    if (irq < GIC_INTERNAL) {
      this.#rActive[cpu] |= 1 << irq;
      this.#rPending[cpu] &= ~(1 << irq);
      this.#redistUpdate(cpu);
    } else {
      const w = irq >> 5, b = 1 << (irq & 31);
      this.#active[w] |= b;
      this.#pending[w] &= ~b;
      this.#updateSpi(irq);
    }
  }

  #deactivate(cpu: number, irq: number): void {
    if (irq < GIC_INTERNAL) {
      this.#rActive[cpu] &= ~(1 << irq);
      this.#redistUpdate(cpu);
    } else {
      this.#active[irq >> 5] &= ~(1 << (irq & 31));
      this.#updateSpi(irq);
    }
  }

  #highestActiveGroup(cpu: number): number {
    const g0 = ctz32(this.#iccApr[cpu * 3 + G0]);
    const g1 = ctz32(this.#iccApr[cpu * 3 + G1]);
    const g1ns = ctz32(this.#iccApr[cpu * 3 + G1NS]);
    if (g1ns < g0 && g1ns < g1) return G1NS;
    if (g1 < g0) return G1;
    if (g0 < 32) return G0;
    return -1;
  }

  #eoi(cpu: number, irq: number, grp: number): void {
    if (irq >= this.numIrq) return; // spurious or out of range: ignored
    if (this.#highestActiveGroup(cpu) !== grp) return;
    const i = cpu * 3 + grp;
    this.#iccApr[i] &= this.#iccApr[i] - 1; // drop priority: clear lowest set bit
    if (!(this.#iccCtlr[cpu] & ICC_CTLR_EOIMODE)) {
      this.#deactivate(cpu, irq);
    } else {
      this.#cpuifUpdate(cpu);
    }
  }

  #dir(cpu: number, irq: number): void {
    if (irq >= this.numIrq) return;
    if (!(this.#iccCtlr[cpu] & ICC_CTLR_EOIMODE)) return;
    const grp0 = this.#groupOf(cpu, irq) === G0;
    if (this.#view.el(cpu) === 1) {
      const route = this.#view.routing(cpu);
      if (grp0 ? (route & HCR.FMO) : (route & HCR.IMO)) return;
    }
    this.#deactivate(cpu, irq);
  }

  /** icc_generate_sgi (GICv3 spec 12.2.23 ICC_SGI1R_EL1). */
  #generateSgi(cpu: number, lo: number, hi: number, grp: number): void {
    const aff = (((hi >>> 16) & 0xff) << 16) | ((hi & 0xff) << 8) | ((lo >>> 16) & 0xff);
    const targets = lo & 0xffff;
    const irq = (lo >>> 24) & 0xf;
    const irm = (hi >>> 8) & 1;
    if (grp === G1) grp = G0; // DS = 1: Secure Group 1 SGIs are Group 0
    for (let c = 0; c < this.#cpus; c++) {
      if (irm) {
        if (c === cpu) continue;
      } else {
        const a = this.#affid[c];
        if (a >>> 8 !== aff) continue;
        const aff0 = a & 0xff;
        if (aff0 > 15 || !((targets >>> aff0) & 1)) continue;
      }
      // gicv3_redist_send_sgi: only accepted when the target configured the same group.
      if (this.#groupOf(c, irq) !== grp) continue;
      this.#rPending[c] |= 1 << irq;
      this.#redistUpdate(c);
    }
  }

  // ---------------------------------------------------------------- virtual CPU interface

  #lrState(i: number): number {
    return this.#lrHi[i] >>> 30;
  }

  #lrPrio(i: number): number {
    return (this.#lrHi[i] >>> LR_HI_PRIO_SHIFT) & 0xff;
  }

  #readVbpr(cpu: number, grp: number): number {
    return (this.#ichVmcr[cpu] >>> (grp === G0 ? VMCR_VBPR0_SHIFT : VMCR_VBPR1_SHIFT)) & 7;
  }

  #writeVbpr(cpu: number, grp: number, value: number): void {
    const min = grp === G0 ? MIN_VBPR : MIN_VBPR + 1;
    value = Math.max(value & 7, min);
    const shift = grp === G0 ? VMCR_VBPR0_SHIFT : VMCR_VBPR1_SHIFT;
    this.#ichVmcr[cpu] = ((this.#ichVmcr[cpu] & ~(7 << shift)) | (value << shift)) >>> 0;
  }

  #highestActiveVirtPrio(cpu: number): number {
    const apr = this.#ichApr[cpu * 3 + G0] | this.#ichApr[cpu * 3 + G1NS];
    return apr ? (ctz32(apr) << (MIN_VBPR + 1)) & 0xff : 0xff;
  }

  /** Index of the highest-priority pending list register, or -1 (QEMU hppvi_index). */
  #hppvi(cpu: number): number {
    const vmcr = this.#ichVmcr[cpu];
    if (!(vmcr & (VMCR_VENG0 | VMCR_VENG1))) return -1;
    let idx = -1, prio = 0xff;
    for (let n = 0; n < NUM_LRS; n++) {
      const i = cpu * NUM_LRS + n;
      if (this.#lrState(i) !== 1) continue; // not Pending
      if (!(vmcr & ((this.#lrHi[i] & LR_HI_GROUP) ? VMCR_VENG1 : VMCR_VENG0))) continue;
      const p = this.#lrPrio(i);
      if (p < prio) {
        prio = p;
        idx = n;
      }
    }
    return idx;
  }

  #vgprioMask(cpu: number, grp: number): number {
    if (grp === G1NS && (this.#ichVmcr[cpu] & VMCR_VCBPR)) grp = G0;
    let bpr = this.#readVbpr(cpu, grp);
    if (grp === G1NS) bpr--;
    return (~0 << (bpr + 1)) >>> 0;
  }

  #vhppiCanPreempt(cpu: number, n: number): boolean {
    if (!(this.#ichHcr[cpu] & ICH_HCR_EN)) return false;
    const i = cpu * NUM_LRS + n;
    const prio = this.#lrPrio(i);
    if (prio >= (this.#ichVmcr[cpu] >>> VMCR_VPMR_SHIFT)) return false;
    const rprio = this.#highestActiveVirtPrio(cpu);
    if (rprio === 0xff) return true;
    const mask = this.#vgprioMask(cpu, (this.#lrHi[i] & LR_HI_GROUP) ? G1NS : G0);
    return ((prio & mask) >>> 0) < ((rprio & mask) >>> 0);
  }

  /** EOI maintenance status per LR (QEMU eoi_maintenance_interrupt_state). */
  #eisr(cpu: number, misr?: { v: number }): number {
    let value = 0, valid = 0, seenPending = false;
    for (let n = 0; n < NUM_LRS; n++) {
      const hi = this.#lrHi[cpu * NUM_LRS + n];
      if ((hi & (LR_HI_STATE | LR_HI_HW | LR_HI_EOI)) === LR_HI_EOI) value |= 1 << n;
      if (hi & LR_HI_STATE) valid++;
      if ((hi >>> 30) === 1) seenPending = true;
    }
    if (misr) {
      const hcr = this.#ichHcr[cpu];
      if (valid < 2 && (hcr & ICH_HCR_UIE)) misr.v |= MISR_U;
      if (!seenPending && (hcr & ICH_HCR_NPIE)) misr.v |= MISR_NP;
      if (value) misr.v |= MISR_EOI;
    }
    return value;
  }

  #misr(cpu: number): number {
    const m = { v: 0 };
    this.#eisr(cpu, m);
    const hcr = this.#ichHcr[cpu], vmcr = this.#ichVmcr[cpu];
    if (hcr & (ICH_HCR_LRENPIE | ICH_HCR_EOICOUNT_MASK)) m.v |= MISR_LRENP;
    if ((hcr & ICH_HCR_VGRP0EIE) && (vmcr & VMCR_VENG0)) m.v |= MISR_VGRP0E;
    // QEMU tests VENG1 for VGRP0D (arm_gicv3_cpuif.c maintenance_interrupt_state, 7.2).
    if ((hcr & ICH_HCR_VGRP0DIE) && !(vmcr & VMCR_VENG1)) m.v |= MISR_VGRP0D;
    if ((hcr & ICH_HCR_VGRP1EIE) && (vmcr & VMCR_VENG1)) m.v |= MISR_VGRP1E;
    if ((hcr & ICH_HCR_VGRP1DIE) && !(vmcr & VMCR_VENG1)) m.v |= MISR_VGRP1D;
    return m.v;
  }

  #elrsr(cpu: number): number {
    let v = 0;
    for (let n = 0; n < NUM_LRS; n++) {
      const hi = this.#lrHi[cpu * NUM_LRS + n];
      if (!(hi & LR_HI_STATE) && ((hi & LR_HI_HW) || !(hi & LR_HI_EOI))) v |= 1 << n;
    }
    return v;
  }

  /** gicv3_cpuif_virt_update: vIRQ/vFIQ lines and the maintenance interrupt. */
  #virtUpdate(cpu: number): void {
    let bits = 0;
    const n = this.#hppvi(cpu);
    if (n >= 0 && this.#vhppiCanPreempt(cpu, n)) {
      bits = (this.#lrHi[cpu * NUM_LRS + n] & LR_HI_GROUP) ? IRQ_LINE.VIRQ : IRQ_LINE.VFIQ;
    }
    this.#lines.set(cpu, IRQ_LINE.VIRQ | IRQ_LINE.VFIQ, bits);
    const maint = (this.#ichHcr[cpu] & ICH_HCR_EN) ? (this.#misr(cpu) !== 0 ? 1 : 0) : 0;
    if (maint !== this.#maint[cpu]) {
      this.#maint[cpu] = maint;
      this.setPpi(cpu, PPI_INTID.GIC_MAINTENANCE, maint === 1);
    }
  }

  #icvActivate(cpu: number, n: number, grp: number): void {
    const i = cpu * NUM_LRS + n;
    const prio = this.#lrPrio(i) & this.#vgprioMask(cpu, grp);
    const aprbit = prio >> (8 - VPREBITS);
    this.#lrHi[i] = ((this.#lrHi[i] & ~LR_HI_PENDING) | LR_HI_ACTIVE) >>> 0;
    this.#ichApr[cpu * 3 + grp] |= 1 << (aprbit & 31);
  }

  #icvIar(cpu: number, grp: number): number {
    const n = this.#hppvi(cpu);
    let intid = INTID_SPURIOUS;
    if (n >= 0) {
      const i = cpu * NUM_LRS + n;
      const thisgrp = (this.#lrHi[i] & LR_HI_GROUP) ? G1NS : G0;
      if (thisgrp === grp && this.#vhppiCanPreempt(cpu, n)) {
        intid = this.#lrLo[i];
        if (intid >= 1020 && intid <= 1023) {
          this.#lrHi[i] = (this.#lrHi[i] & ~LR_HI_PENDING) >>> 0; // Pending -> Invalid
        } else {
          this.#icvActivate(cpu, n, grp);
        }
      }
    }
    this.#virtUpdate(cpu);
    return intid;
  }

  #icvHppir(cpu: number, grp: number): number {
    const n = this.#hppvi(cpu);
    if (n < 0) return INTID_SPURIOUS;
    const i = cpu * NUM_LRS + n;
    return ((this.#lrHi[i] & LR_HI_GROUP) ? G1NS : G0) === grp ? this.#lrLo[i] : INTID_SPURIOUS;
  }

  #icvFindActive(cpu: number, irq: number): number {
    for (let n = 0; n < NUM_LRS; n++) {
      const i = cpu * NUM_LRS + n;
      if ((this.#lrHi[i] & LR_HI_ACTIVE) && this.#lrLo[i] === irq) return n;
    }
    return -1;
  }

  #icvDeactivate(cpu: number, n: number): void {
    const i = cpu * NUM_LRS + n;
    const hi = this.#lrHi[i];
    if (hi & LR_HI_HW) {
      const pirq = hi & LR_HI_PINTID_MASK;
      if (pirq < 1020) this.#deactivate(cpu, pirq);
    }
    this.#lrHi[i] = (hi & ~LR_HI_ACTIVE) >>> 0;
  }

  #icvIncrementEoicount(cpu: number): void {
    const count = (this.#ichHcr[cpu] >>> ICH_HCR_EOICOUNT_SHIFT) + 1;
    this.#ichHcr[cpu] = ((this.#ichHcr[cpu] & ~ICH_HCR_EOICOUNT_MASK) |
      ((count & 0x1f) << ICH_HCR_EOICOUNT_SHIFT)) >>> 0;
  }

  /** Drop the running virtual priority; returns the priority dropped or 0xff (QEMU icv_drop_prio). */
  #icvDropPrio(cpu: number): number {
    const p0 = this.#ichApr[cpu * 3 + G0], p1 = this.#ichApr[cpu * 3 + G1NS];
    if (!p0 && !p1) return 0xff;
    const c0 = ctz32(p0), c1 = ctz32(p1);
    if (c0 <= c1) {
      this.#ichApr[cpu * 3 + G0] = p0 & (p0 - 1);
      return (c0 << (MIN_VBPR + 1)) & 0xff;
    }
    this.#ichApr[cpu * 3 + G1NS] = p1 & (p1 - 1);
    return (c1 << (MIN_VBPR + 1)) & 0xff;
  }

  #icvEoir(cpu: number, irq: number, grp: number): void {
    if (irq >= 1020 && irq <= 1023) return;
    const dropped = this.#icvDropPrio(cpu);
    if (dropped !== 0xff) {
      const n = this.#icvFindActive(cpu, irq);
      if (n < 0) {
        this.#icvIncrementEoicount(cpu);
      } else {
        const i = cpu * NUM_LRS + n;
        const thisgrp = (this.#lrHi[i] & LR_HI_GROUP) ? G1NS : G0;
        const gprio = this.#lrPrio(i) & this.#vgprioMask(cpu, grp);
        if (thisgrp === grp && gprio === dropped && !(this.#ichVmcr[cpu] & VMCR_VEOIM)) {
          this.#icvDeactivate(cpu, n);
        }
      }
    }
    this.#virtUpdate(cpu);
  }

  #icvDir(cpu: number, irq: number): void {
    if (irq >= 1020 && irq <= 1023) return;
    if (!(this.#ichVmcr[cpu] & VMCR_VEOIM)) return;
    const n = this.#icvFindActive(cpu, irq);
    if (n < 0) this.#icvIncrementEoicount(cpu);
    else this.#icvDeactivate(cpu, n);
    this.#virtUpdate(cpu);
  }

  /** Whether an ICC_ access from the current context goes to the virtual interface. */
  #icv(cpu: number, flags: number): boolean {
    return this.#view.el(cpu) === 1 && (this.#view.routing(cpu) & flags) !== 0;
  }

  /**
   * Whether an access to `key` by `cpu` in its current context traps to EL2
   * (ICH_HCR_EL2.TC/TALL0/TALL1/TDIR; SGI registers at EL1 with HCR_EL2.IMO or
   * FMO: GICv3 spec 12.1.7, arm_gicv3_cpuif.c gicv3_*_access). The CPU calls
   * this before `sysregRead`/`sysregWrite` to raise the EC 0x18 trap.
   */
  trapsToEl2(cpu: number, key: number): boolean {
    if (this.#view.el(cpu) !== 1 || !this.#view.hasEl2(cpu)) return false;
    const hcr = this.#ichHcr[cpu];
    switch (key) {
      case K.ICC_SGI1R_EL1:
      case K.ICC_ASGI1R_EL1:
      case K.ICC_SGI0R_EL1:
        return this.#view.routing(cpu) !== 0;
      case K.ICC_IAR0_EL1:
      case K.ICC_EOIR0_EL1:
      case K.ICC_HPPIR0_EL1:
      case K.ICC_BPR0_EL1:
      case K.ICC_AP0R0_EL1:
      case K.ICC_IGRPEN0_EL1:
        return (hcr & ICH_HCR_TALL0) !== 0;
      case K.ICC_IAR1_EL1:
      case K.ICC_EOIR1_EL1:
      case K.ICC_HPPIR1_EL1:
      case K.ICC_BPR1_EL1:
      case K.ICC_AP1R0_EL1:
      case K.ICC_IGRPEN1_EL1:
        return (hcr & ICH_HCR_TALL1) !== 0;
      case K.ICC_DIR_EL1:
        return (hcr & (ICH_HCR_TDIR | ICH_HCR_TC)) !== 0;
      case K.ICC_PMR_EL1:
      case K.ICC_RPR_EL1:
      case K.ICC_CTLR_EL1:
        return (hcr & ICH_HCR_TC) !== 0;
      default:
        return false;
    }
  }

  // ---------------------------------------------------------------- system registers

  sysregRead(cpu: number, k: number, out: Int32Array): boolean {
    let v = 0, hi = 0;
    const c3 = cpu * 3;
    switch (k) {
      case K.ICC_PMR_EL1:
        v = this.#icv(cpu, HCR.IMO | HCR.FMO)
          ? this.#ichVmcr[cpu] >>> VMCR_VPMR_SHIFT
          : this.#iccPmr[cpu];
        break;
      case K.ICC_IAR1_EL1:
      case K.ICC_IAR0_EL1: {
        const g1 = k === K.ICC_IAR1_EL1;
        if (this.#icv(cpu, g1 ? HCR.IMO : HCR.FMO)) {
          v = this.#icvIar(cpu, g1 ? G1NS : G0);
          break;
        }
        v = !this.#hppiCanPreempt(cpu)
          ? INTID_SPURIOUS
          : g1
          ? this.#hppir1(cpu)
          : this.#hppir0(cpu);
        if (v < 1020) this.#activate(cpu, v);
        break;
      }
      case K.ICC_HPPIR1_EL1:
        v = this.#icv(cpu, HCR.IMO) ? this.#icvHppir(cpu, G1NS) : this.#hppir1(cpu);
        break;
      case K.ICC_HPPIR0_EL1:
        v = this.#icv(cpu, HCR.FMO) ? this.#icvHppir(cpu, G0) : this.#hppir0(cpu);
        break;
      case K.ICC_BPR0_EL1:
        v = this.#icv(cpu, HCR.FMO) ? this.#readVbpr(cpu, G0) : this.#iccBpr[c3 + G0];
        break;
      case K.ICC_BPR1_EL1:
        if (this.#icv(cpu, HCR.IMO)) {
          v = (this.#ichVmcr[cpu] & VMCR_VCBPR)
            ? Math.min(this.#readVbpr(cpu, G0) + 1, 7)
            : this.#readVbpr(cpu, G1NS);
        } else {
          v = (this.#iccCtlr[cpu] & ICC_CTLR_CBPR)
            ? Math.min(this.#iccBpr[c3 + G0] + 1, 7)
            : this.#iccBpr[c3 + G1NS];
        }
        break;
      case K.ICC_AP0R0_EL1:
        v = this.#icv(cpu, HCR.FMO) ? this.#ichApr[c3 + G0] : this.#iccApr[c3 + G0];
        break;
      case K.ICC_AP1R0_EL1:
        v = this.#icv(cpu, HCR.IMO) ? this.#ichApr[c3 + G1NS] : this.#iccApr[c3 + G1NS];
        break;
      case K.ICC_RPR_EL1:
        v = this.#icv(cpu, HCR.IMO | HCR.FMO)
          ? this.#highestActiveVirtPrio(cpu)
          : this.#highestActivePrio(cpu);
        break;
      case K.ICC_CTLR_EL1:
        if (this.#icv(cpu, HCR.IMO | HCR.FMO)) {
          // arm_gicv3_cpuif.c icv_ctlr_read: A3V, IDbits 24, PRIbits = vpribits - 1.
          v = (1 << 15) | (1 << 11) | ((VPRIBITS - 1) << 8);
          if (this.#ichVmcr[cpu] & VMCR_VEOIM) v |= ICC_CTLR_EOIMODE;
          if (this.#ichVmcr[cpu] & VMCR_VCBPR) v |= ICC_CTLR_CBPR;
        } else {
          v = this.#iccCtlr[cpu];
        }
        break;
      case K.ICC_SRE_EL1:
        v = 0x7; // SRE, DFB, DIB: system-register interface only (RAO/WI)
        break;
      case K.ICC_SRE_EL2:
        v = 0xf; // SRE, DFB, DIB, Enable (RAO/WI)
        break;
      case K.ICC_IGRPEN0_EL1:
        v = this.#icv(cpu, HCR.FMO) ? this.#ichVmcr[cpu] & 1 : this.#iccIgrpen[c3 + G0];
        break;
      case K.ICC_IGRPEN1_EL1:
        v = this.#icv(cpu, HCR.IMO) ? (this.#ichVmcr[cpu] >>> 1) & 1 : this.#iccIgrpen[c3 + G1NS];
        break;
      case K.ICH_AP0R0_EL2:
        v = this.#ichApr[c3 + G0];
        break;
      case K.ICH_AP1R0_EL2:
        v = this.#ichApr[c3 + G1NS];
        break;
      case K.ICH_HCR_EL2:
        v = this.#ichHcr[cpu];
        break;
      case K.ICH_VTR_EL2:
        v = ICH_VTR_VALUE;
        break;
      case K.ICH_MISR_EL2:
        v = this.#misr(cpu);
        break;
      case K.ICH_EISR_EL2:
        v = this.#eisr(cpu);
        break;
      case K.ICH_ELRSR_EL2:
        v = this.#elrsr(cpu);
        break;
      case K.ICH_VMCR_EL2:
        v = this.#ichVmcr[cpu];
        break;
      case K.ICH_LR0_EL2:
      case K.ICH_LR1_EL2:
      case K.ICH_LR2_EL2:
      case K.ICH_LR3_EL2: {
        const i = cpu * NUM_LRS + (k - K.ICH_LR0_EL2);
        v = this.#lrLo[i];
        hi = this.#lrHi[i];
        break;
      }
      default:
        return false; // write-only registers (EOIR, DIR, SGI*R) and unknown keys: UNDEFINED
    }
    out[0] = v;
    out[1] = hi;
    return true;
  }

  sysregWrite(cpu: number, k: number, lo: number, hi: number): boolean {
    const c3 = cpu * 3;
    lo >>>= 0;
    hi >>>= 0;
    switch (k) {
      case K.ICC_PMR_EL1:
        if (this.#icv(cpu, HCR.IMO | HCR.FMO)) {
          const p = lo & 0xff & ((~0 << (8 - VPRIBITS)) >>> 0);
          this.#ichVmcr[cpu] = ((this.#ichVmcr[cpu] & 0x00ff_ffff) | (p << VMCR_VPMR_SHIFT)) >>> 0;
          this.#virtUpdate(cpu);
        } else {
          // QEMU keeps RES0 bits 31:8 as written and masks the unimplemented low bits.
          this.#iccPmr[cpu] = (lo & FULLPRIO_MASK) >>> 0;
          this.#cpuifUpdate(cpu);
        }
        return true;
      case K.ICC_EOIR1_EL1:
      case K.ICC_EOIR0_EL1: {
        const g1 = k === K.ICC_EOIR1_EL1;
        if (this.#icv(cpu, g1 ? HCR.IMO : HCR.FMO)) {
          this.#icvEoir(cpu, lo & 0xff_ffff, g1 ? G1NS : G0);
        } else this.#eoi(cpu, lo & 0xff_ffff, g1 ? G1NS : G0);
        return true;
      }
      case K.ICC_DIR_EL1:
        if (this.#icv(cpu, HCR.IMO | HCR.FMO)) this.#icvDir(cpu, lo & 0xff_ffff);
        else this.#dir(cpu, lo & 0xff_ffff);
        return true;
      case K.ICC_BPR0_EL1:
        if (this.#icv(cpu, HCR.FMO)) {
          this.#writeVbpr(cpu, G0, lo);
          this.#virtUpdate(cpu);
        } else {
          this.#iccBpr[c3 + G0] = Math.max(lo >>> 0, MIN_BPR) & 7;
          this.#cpuifUpdate(cpu);
        }
        return true;
      case K.ICC_BPR1_EL1:
        if (this.#icv(cpu, HCR.IMO)) {
          if (!(this.#ichVmcr[cpu] & VMCR_VCBPR)) {
            this.#writeVbpr(cpu, G1NS, lo);
            this.#virtUpdate(cpu);
          }
        } else if (!(this.#iccCtlr[cpu] & ICC_CTLR_CBPR)) {
          this.#iccBpr[c3 + G1NS] = Math.max(lo >>> 0, MIN_BPR_NS) & 7;
          this.#cpuifUpdate(cpu);
        }
        return true;
      case K.ICC_AP0R0_EL1:
        if (this.#icv(cpu, HCR.FMO)) {
          this.#ichApr[c3 + G0] = lo;
          this.#virtUpdate(cpu);
        } else {
          this.#iccApr[c3 + G0] = lo;
          this.#cpuifUpdate(cpu);
        }
        return true;
      case K.ICC_AP1R0_EL1:
        if (this.#icv(cpu, HCR.IMO)) {
          this.#ichApr[c3 + G1NS] = lo;
          this.#virtUpdate(cpu);
        } else {
          this.#iccApr[c3 + G1NS] = lo;
          this.#cpuifUpdate(cpu);
        }
        return true;
      case K.ICC_SGI1R_EL1:
        this.#generateSgi(cpu, lo, hi, G1NS);
        return true;
      case K.ICC_ASGI1R_EL1:
        this.#generateSgi(cpu, lo, hi, G1);
        return true;
      case K.ICC_SGI0R_EL1:
        this.#generateSgi(cpu, lo, hi, G0);
        return true;
      case K.ICC_CTLR_EL1:
        if (this.#icv(cpu, HCR.IMO | HCR.FMO)) {
          let vmcr = this.#ichVmcr[cpu] & ~(VMCR_VCBPR | VMCR_VEOIM);
          if (lo & ICC_CTLR_CBPR) vmcr |= VMCR_VCBPR;
          if (lo & ICC_CTLR_EOIMODE) vmcr |= VMCR_VEOIM;
          this.#ichVmcr[cpu] = vmcr >>> 0;
          this.#virtUpdate(cpu);
        } else {
          const mask = ICC_CTLR_CBPR | ICC_CTLR_EOIMODE; // no EL3: both writable
          this.#iccCtlr[cpu] = (this.#iccCtlr[cpu] & ~mask) | (lo & mask);
          this.#cpuifUpdate(cpu);
        }
        return true;
      case K.ICC_SRE_EL1:
      case K.ICC_SRE_EL2:
        return true; // RAO/WI
      case K.ICC_IGRPEN0_EL1:
        if (this.#icv(cpu, HCR.FMO)) {
          this.#ichVmcr[cpu] = ((this.#ichVmcr[cpu] & ~VMCR_VENG0) | (lo & 1)) >>> 0;
          this.#virtUpdate(cpu);
        } else {
          this.#iccIgrpen[c3 + G0] = lo & 1;
          this.#cpuifUpdate(cpu);
        }
        return true;
      case K.ICC_IGRPEN1_EL1:
        if (this.#icv(cpu, HCR.IMO)) {
          this.#ichVmcr[cpu] = ((this.#ichVmcr[cpu] & ~VMCR_VENG1) | ((lo & 1) << 1)) >>> 0;
          this.#virtUpdate(cpu);
        } else {
          this.#iccIgrpen[c3 + G1NS] = lo & 1;
          this.#cpuifUpdate(cpu);
        }
        return true;
      case K.ICH_AP0R0_EL2:
        this.#ichApr[c3 + G0] = lo;
        this.#virtUpdate(cpu);
        return true;
      case K.ICH_AP1R0_EL2:
        this.#ichApr[c3 + G1NS] = lo;
        this.#virtUpdate(cpu);
        return true;
      case K.ICH_HCR_EL2:
        this.#ichHcr[cpu] = (lo & ICH_HCR_WRITABLE) >>> 0;
        this.#virtUpdate(cpu);
        return true;
      case K.ICH_VMCR_EL2:
        this.#ichVmcr[cpu] = ((lo & VMCR_WRITABLE) | VMCR_VFIQEN) >>> 0;
        this.#writeVbpr(cpu, G0, this.#readVbpr(cpu, G0));
        this.#writeVbpr(cpu, G1NS, this.#readVbpr(cpu, G1NS));
        this.#virtUpdate(cpu);
        return true;
      case K.ICH_LR0_EL2:
      case K.ICH_LR1_EL2:
      case K.ICH_LR2_EL2:
      case K.ICH_LR3_EL2: {
        const i = cpu * NUM_LRS + (k - K.ICH_LR0_EL2);
        this.#lrLo[i] = lo;
        // Unimplemented low priority bits are RES0 (arm_gicv3_cpuif.c ich_lr_write).
        this.#lrHi[i] = (hi & ~(((1 << (8 - VPRIBITS)) - 1) << LR_HI_PRIO_SHIFT)) >>> 0;
        this.#virtUpdate(cpu);
        return true;
      }
      default:
        return false; // read-only registers (IAR, HPPIR, RPR, ICH_VTR/MISR/EISR/ELRSR): UNDEFINED
    }
  }

  // ---------------------------------------------------------------- distributor MMIO

  #idreg(off: number, pidr0: number): number {
    const i = off >> 2;
    if (i === 4) return pidr0;
    return i === 6 ? ID_BYTES[i] | (REVISION << 4) : ID_BYTES[i];
  }

  #distRead(off: number, size: number, out: Int32Array): boolean {
    let v = 0, hi = 0;
    if (size === 4) {
      v = this.#distReadl(off);
    } else if (size === 8) {
      if (off >= GICD.IROUTER && off < GICD.IROUTER + 0x1fe0 && !(off & 7)) {
        const irq = (off - GICD.IROUTER) >> 3;
        if (irq >= GIC_INTERNAL && irq < this.numIrq) {
          v = this.#irouterLo[irq];
          hi = this.#irouterHi[irq];
        }
      }
    } else if (size === 1) {
      if (off >= GICD.IPRIORITYR && off < GICD.IPRIORITYR + 0x400) {
        const irq = off - GICD.IPRIORITYR;
        if (irq >= GIC_INTERNAL && irq < this.numIrq) v = this.#prio[irq];
      }
    }
    // Anything else is reserved: RAZ/WI (arm_gicv3_dist.c gicv3_dist_read).
    out[0] = v;
    out[1] = hi;
    return true;
  }

  #bitmapIrq(off: number, base: number): number {
    return (off - base) * 8;
  }

  #distReadl(off: number): number {
    const n = this.numIrq;
    if (off === GICD.CTLR) return this.#ctlr;
    if (off === GICD.TYPER) {
      // No1N, A3V, IDbits = 16 bits, LPIS, no security extensions (arm_gicv3_dist.c).
      return ((1 << 25) | (1 << 24) | (0xf << 19) | (1 << 17) | (n / 32 - 1)) >>> 0;
    }
    if (off === GICD.IIDR) return GICV3_IIDR;
    if (off === GICD.STATUSR) return 0;
    const region = off & ~0x7f;
    if (off < 0x400) {
      const irq = this.#bitmapIrq(off, region);
      if (irq < GIC_INTERNAL || irq >= n || (off & 3)) return 0;
      const w = irq >> 5;
      switch (region) {
        case GICD.IGROUPR:
          return this.#group[w];
        case GICD.ISENABLER:
        case GICD.ICENABLER:
          return this.#enabled[w];
        case GICD.ISPENDR:
        case GICD.ICPENDR:
          return (this.#pending[w] | (~this.#edge[w] & this.#level[w])) >>> 0;
        case GICD.ISACTIVER:
        case GICD.ICACTIVER:
          return this.#active[w];
      }
      return 0;
    }
    if (off < GICD.ITARGETSR) {
      const irq = off - GICD.IPRIORITYR;
      let v = 0;
      for (let i = irq + 3; i >= irq; i--) {
        v = (v << 8) | (i >= GIC_INTERNAL && i < n ? this.#prio[i] : 0);
      }
      return v >>> 0;
    }
    if (off >= GICD.ICFGR && off < GICD.ICFGR + 0x100) {
      const irq = (off - GICD.ICFGR) * 4;
      if (irq < GIC_INTERNAL || irq >= n) return 0;
      const word = this.#edge[irq >> 5];
      return (halfShuffle32((irq & 31) ? word >>> 16 : word & 0xffff) << 1) >>> 0;
    }
    if (off >= GICD.IROUTER && off < GICD.IROUTER + 0x1fe0) {
      const irq = (off - GICD.IROUTER) >> 3;
      if (irq < GIC_INTERNAL || irq >= n) return 0;
      return (off & 4) ? this.#irouterHi[irq] : this.#irouterLo[irq];
    }
    if (off >= GICD.IDREGS && off < GICD.IDREGS + 0x30) {
      return this.#idreg(off - GICD.IDREGS, PIDR0_DIST);
    }
    return 0; // ITARGETSR, IGRPMODR, NSACR, SGIR, C/SPENDSGIR: RAZ with DS = 1 and ARE = 1
  }

  #distWrite(off: number, size: number, lo: number, hi: number): boolean {
    lo >>>= 0;
    hi >>>= 0;
    if (size === 4) {
      this.#distWritel(off, lo);
    } else if (size === 8) {
      if (off >= GICD.IROUTER && off < GICD.IROUTER + 0x1fe0 && !(off & 7)) {
        this.#writeIrouter((off - GICD.IROUTER) >> 3, lo, hi);
      }
    } else if (size === 1) {
      if (off >= GICD.IPRIORITYR && off < GICD.IPRIORITYR + 0x400) {
        const irq = off - GICD.IPRIORITYR;
        if (irq >= GIC_INTERNAL && irq < this.numIrq) {
          this.#prio[irq] = lo & 0xff;
          this.#updateSpi(irq);
        }
      }
    }
    return true; // reserved: RAZ/WI
  }

  #writeIrouter(irq: number, lo: number, hi: number): void {
    if (irq < GIC_INTERNAL || irq >= this.numIrq) return;
    const old = this.#target[irq];
    this.#irouterLo[irq] = lo;
    this.#irouterHi[irq] = hi;
    this.#cacheTarget(irq);
    if (old >= 0 && old !== this.#target[irq]) this.#redistUpdate(old);
    this.#updateSpi(irq);
  }

  /** gicv3_cache_target_cpustate: match Aff3.Aff2.Aff1.Aff0; IRM is ignored as in QEMU. */
  #cacheTarget(irq: number): void {
    const aff = ((this.#irouterLo[irq] & 0xff_ffff) | ((this.#irouterHi[irq] & 0xff) << 24)) >>> 0;
    let t = -1;
    for (let c = 0; c < this.#cpus; c++) {
      if (this.#affid[c] === aff) {
        t = c;
        break;
      }
    }
    this.#target[irq] = t;
  }

  #distWritel(off: number, v: number): void {
    const n = this.numIrq;
    if (off === GICD.CTLR) {
      // DS = 1: only the group enables are writable (GICv3 spec 12.9.4).
      this.#ctlr = (this.#ctlr & ~(CTLR_EN_GRP0 | CTLR_EN_GRP1)) |
        (v & (CTLR_EN_GRP0 | CTLR_EN_GRP1));
      this.#updateAll();
      return;
    }
    if (off < 0x400 && off >= GICD.IGROUPR) {
      const region = off & ~0x7f;
      const irq = this.#bitmapIrq(off, region);
      if (irq < GIC_INTERNAL || irq >= n || (off & 3)) return;
      const w = irq >> 5;
      switch (region) {
        case GICD.IGROUPR:
          this.#group[w] = v;
          break;
        case GICD.ISENABLER:
          this.#enabled[w] |= v;
          break;
        case GICD.ICENABLER:
          this.#enabled[w] &= ~v;
          break;
        case GICD.ISPENDR:
          this.#pending[w] |= v;
          break;
        case GICD.ICPENDR:
          this.#pending[w] &= ~v;
          break;
        case GICD.ISACTIVER:
          this.#active[w] |= v;
          break;
        case GICD.ICACTIVER:
          this.#active[w] &= ~v;
          break;
        default:
          return;
      }
      this.#updateAll();
      return;
    }
    if (off >= GICD.IPRIORITYR && off < GICD.ITARGETSR) {
      const irq = off - GICD.IPRIORITYR;
      if (irq < GIC_INTERNAL || irq + 3 >= n) return;
      for (let i = irq; i < irq + 4; i++, v >>>= 8) this.#prio[i] = v & 0xff;
      this.#updateAll();
      return;
    }
    if (off >= GICD.ICFGR && off < GICD.ICFGR + 0x100) {
      const irq = (off - GICD.ICFGR) * 4;
      if (irq < GIC_INTERNAL || irq >= n) return;
      let bits = halfUnshuffle32(v >>> 1);
      let mask = 0xffff;
      if (irq & 31) {
        bits <<= 16;
        mask = 0xffff_0000;
      }
      const w = irq >> 5;
      this.#edge[w] = ((this.#edge[w] & ~mask) | (bits & mask)) >>> 0;
      return; // QEMU does not recompute here
    }
    if (off >= GICD.IROUTER && off < GICD.IROUTER + 0x1fe0) {
      const irq = (off - GICD.IROUTER) >> 3;
      if (irq < GIC_INTERNAL || irq >= n) return;
      if (off & 4) this.#writeIrouter(irq, this.#irouterLo[irq], v);
      else this.#writeIrouter(irq, v, this.#irouterHi[irq]);
    }
    // TYPER, IIDR, ID registers: RO; others RAZ/WI.
  }

  // ---------------------------------------------------------------- redistributor MMIO

  #typerLo(cpu: number): number {
    // CommonLPIAff = 1, Processor_Number, Last, PLPIS (arm_gicv3_common.c realize).
    return ((1 << 24) | (cpu << 8) | (this.#last[cpu] << 4) | 1) >>> 0;
  }

  #redistRead(cpu: number, off: number, size: number, out: Int32Array): boolean {
    let v = 0, hi = 0;
    if (size === 4) {
      v = this.#redistReadl(cpu, off);
    } else if (size === 8) {
      if (off === GICR.TYPER) {
        v = this.#typerLo(cpu);
        hi = this.#affid[cpu];
      } else if (off === GICR.PROPBASER || off === GICR.PENDBASER) {
        const a = off === GICR.PROPBASER ? this.#rPropbaser : this.#rPendbaser;
        v = a[cpu * 2];
        hi = a[cpu * 2 + 1];
      }
    } else if (size === 1) {
      if (off >= GICR.IPRIORITYR && off < GICR.IPRIORITYR + 0x20) {
        v = this.#rPrio[cpu * GIC_INTERNAL + off - GICR.IPRIORITYR];
      }
    }
    out[0] = v;
    out[1] = hi;
    return true;
  }

  #redistReadl(cpu: number, off: number): number {
    switch (off) {
      case GICR.CTLR:
        return this.#rCtlr[cpu];
      case GICR.IIDR:
        return GICV3_IIDR;
      case GICR.TYPER:
        return this.#typerLo(cpu);
      case GICR.TYPER + 4:
        return this.#affid[cpu];
      case GICR.STATUSR:
        return 0;
      case GICR.WAKER:
        return this.#rWaker[cpu];
      case GICR.PROPBASER:
      case GICR.PROPBASER + 4:
        return this.#rPropbaser[cpu * 2 + ((off & 4) >> 2)];
      case GICR.PENDBASER:
      case GICR.PENDBASER + 4:
        return this.#rPendbaser[cpu * 2 + ((off & 4) >> 2)];
      case GICR.IGROUPR0:
        return this.#rGroup[cpu];
      case GICR.ISENABLER0:
      case GICR.ICENABLER0:
        return this.#rEnabled[cpu];
      case GICR.ISPENDR0:
      case GICR.ICPENDR0:
        return (this.#rPending[cpu] | (~this.#rEdge[cpu] & this.#rLevel[cpu])) >>> 0;
      case GICR.ISACTIVER0:
      case GICR.ICACTIVER0:
        return this.#rActive[cpu];
      case GICR.ICFGR0:
      case GICR.ICFGR1: {
        const e = this.#rEdge[cpu];
        return (halfShuffle32(off === GICR.ICFGR1 ? e >>> 16 : e & 0xffff) << 1) >>> 0;
      }
    }
    if (off >= GICR.IPRIORITYR && off < GICR.IPRIORITYR + 0x20) {
      const base = cpu * GIC_INTERNAL + off - GICR.IPRIORITYR;
      return (this.#rPrio[base] | (this.#rPrio[base + 1] << 8) | (this.#rPrio[base + 2] << 16) |
        (this.#rPrio[base + 3] << 24)) >>> 0;
    }
    if (off >= GICR.IDREGS && off < GICR.IDREGS + 0x30) {
      return this.#idreg(off - GICR.IDREGS, PIDR0_REDIST);
    }
    return 0; // IGRPMODR0, NSACR (RAZ with DS = 1) and reserved offsets
  }

  #redistWrite(cpu: number, off: number, size: number, lo: number, hi: number): boolean {
    lo >>>= 0;
    hi >>>= 0;
    if (size === 4) {
      this.#redistWritel(cpu, off, lo);
    } else if (size === 8) {
      if (off === GICR.PROPBASER || off === GICR.PENDBASER) {
        const a = off === GICR.PROPBASER ? this.#rPropbaser : this.#rPendbaser;
        a[cpu * 2] = lo;
        a[cpu * 2 + 1] = hi;
      }
    } else if (size === 1) {
      if (off >= GICR.IPRIORITYR && off < GICR.IPRIORITYR + 0x20) {
        this.#rPrio[cpu * GIC_INTERNAL + off - GICR.IPRIORITYR] = lo & 0xff;
        this.#redistUpdate(cpu);
      }
    }
    return true;
  }

  #redistWritel(cpu: number, off: number, v: number): void {
    switch (off) {
      case GICR.CTLR:
        this.#rCtlr[cpu] = v & 1; // EnableLPIs (no LPI can be generated: no ITS, DirectLPI = 0)
        return;
      case GICR.WAKER: {
        // Transitions complete at once: ChildrenAsleep follows ProcessorSleep.
        let w = v & WAKER_PROCESSOR_SLEEP;
        if (w) w |= WAKER_CHILDREN_ASLEEP;
        this.#rWaker[cpu] = w;
        return;
      }
      case GICR.PROPBASER:
      case GICR.PROPBASER + 4:
        this.#rPropbaser[cpu * 2 + ((off & 4) >> 2)] = v;
        return;
      case GICR.PENDBASER:
      case GICR.PENDBASER + 4:
        this.#rPendbaser[cpu * 2 + ((off & 4) >> 2)] = v;
        return;
      case GICR.IGROUPR0:
        this.#rGroup[cpu] = v;
        break;
      case GICR.ISENABLER0:
        this.#rEnabled[cpu] |= v;
        break;
      case GICR.ICENABLER0:
        this.#rEnabled[cpu] &= ~v;
        break;
      case GICR.ISPENDR0:
        this.#rPending[cpu] |= v;
        break;
      case GICR.ICPENDR0:
        this.#rPending[cpu] &= ~v;
        break;
      case GICR.ISACTIVER0:
        this.#rActive[cpu] |= v;
        break;
      case GICR.ICACTIVER0:
        this.#rActive[cpu] &= ~v;
        break;
      case GICR.ICFGR1: {
        // PPIs only; SGIs (ICFGR0) are always edge (RAO/WI).
        const bits = halfUnshuffle32(v >>> 1) << 16;
        this.#rEdge[cpu] = ((this.#rEdge[cpu] & 0xffff) | (bits & 0xffff_0000)) >>> 0;
        break;
      }
      default:
        if (off >= GICR.IPRIORITYR && off < GICR.IPRIORITYR + 0x20) {
          const base = cpu * GIC_INTERNAL + off - GICR.IPRIORITYR;
          for (let i = 0; i < 4; i++, v >>>= 8) this.#rPrio[base + i] = v & 0xff;
          break;
        }
        return; // CTLR (no writable bits), RO registers, reserved: ignored
    }
    this.#redistUpdate(cpu);
  }
}
