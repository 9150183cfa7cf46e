/**
 * The machine state layout: every vCPU register file and guest RAM live in one
 * `WebAssembly.Memory`, so the interpreter, host code (hypercall handlers, the
 * REPL) and the WebAssembly region translator share it without copying
 * (exec-strategies.md §7.3).
 *
 * Layout of the memory (byte offsets):
 *
 * ```
 * 0x000000  vCPU 0 register block (CPU_STRIDE bytes, 512 i64 slots)
 * 0x001000  vCPU 1 register block
 * ...
 * 0x100000  per-vCPU scratch (TLBs and translator data later), CPU_STRIDE each
 * 0x200000  guest RAM: guest-physical RAM_BASE maps here (RAM_OFFSET)
 * ```
 *
 * Inside a register block every register is an i64 slot, read from JS as two
 * 32-bit halves through `Int32Array`/`Uint32Array` views (low word first:
 * little-endian, as a wasm `i64.load` sees it). No BigInt on hot paths.
 *
 * Slots of a register block:
 *
 * ```
 *   0..63   fixed registers (X0..X30, SP, PC, flags, PSTATE, FPCR/FPSR, ...): see Slot
 *  64..127  V0..V31, the 128-bit SIMD&FP registers, two slots each (Vn = 64 + 2n low
 *           doubleword, 65 + 2n high), little-endian: byte k of Vn is byte 16n + k
 *           from the start of slot 64, as in a wasm v128 load
 * 128..511  stored system registers (sysregs.ts assigns them from SYSREG0)
 * ```
 *
 * Around callbacks the interpreter copies only the fixed slots; the V
 * registers and system registers follow on demand (machine/cpu/sync.ts).

 *
 * @module
 */

/** Bytes per vCPU register block. */
export const CPU_STRIDE = 0x1000;
/** Maximum number of vCPUs (QEMU virt with GICv3 supports up to 512; we cap the state area). */
export const MAX_CPUS = 128;
/** Byte offset of the per-vCPU scratch area. */
export const SCRATCH_OFFSET = 0x10_0000;
/** Byte offset of guest RAM inside the memory. */
export const RAM_OFFSET = 0x20_0000;
/** Guest-physical base of RAM on QEMU's virt board (hw/arm/virt.c VIRT_MEM). */
export const RAM_BASE = 0x4000_0000;

/**
 * Slot numbers (i64 index inside a register block). Multiply by 2 for the
 * 32-bit word index of the low half.
 */
export const Slot = {
  /** X0..X30 are slots 0..30. */
  X0: 0,
  /** The stack pointer currently selected by PSTATE.EL/SPSel (QEMU's xregs[31]). */
  SP: 31,
  PC: 32,
  /**
   * Flags in QEMU's split form, one 32-bit word each:
   * NF (bit 31 = N), ZF (Z = (ZF == 0)), CF (0/1), VF (bit 31 = V).
   * Words 2*33, 2*33+1, 2*34, 2*34+1.
   */
  NF_ZF: 33,
  CF_VF: 34,
  /** Banked stack pointers; the active one is mirrored in SP. */
  SP_EL0: 35,
  SP_EL1: 36,
  SP_EL2: 37,
  /**
   * PSTATE in SPSR format without NZCV (kept in the flag words):
   * M[3:0] (EL in bits 3:2, SPSel in bit 0), M[4] nRW, F (6), I (7), A (8), D (9),
   * IL (20), SS (21), PAN (22).
   */
  PSTATE: 38,
  /** Instructions retired by this vCPU (deterministic time base). */
  ICOUNT: 39,
  /** Exclusive monitor: address (all ones = open) and size. */
  EXCL_ADDR: 40,
  EXCL_VAL: 41,
  /** Low word: pending-exit reason written by the interpreter/translator. */
  EXIT: 42,
  /** Instruction budget for the current run slice. */
  BUDGET: 43,
  /**
   * Interrupt lines into the CPU (low word), set by the interrupt controller:
   * bit 0 IRQ, bit 1 FIQ, bit 2 SError, bit 3 vIRQ, bit 4 vFIQ. The CPU takes
   * a line when PSTATE and HCR_EL2 routing allow it.
   */
  IRQ_LINES: 44,
  /** Implementation features of this vCPU (low word): see {@link Feature}. */
  FEATURES: 45,
  /** AArch32 banked SPSRs (abt, und, irq, fiq), kept for KVM ONE_REG round trips. */
  SPSR_ABT: 46,
  SPSR_UND: 47,
  SPSR_IRQ: 48,
  SPSR_FIQ: 49,
  /**
   * Virtual ns at ICOUNT 0 for this vCPU in the current slice (the clock's
   * sliceStart - sliceIcount): virtual time = TIME_BASE + ICOUNT, integers only.
   */
  TIME_BASE: 53,

  /** Exclusive monitor, second value of LDXP/LDAXP (the CPU's; machine/cpu/core.ts). */
  EXCL_VAL2: 50,
  /** Exclusive monitor: access size in bytes (0 = open, 16 = pair of doublewords). */
  EXCL_SIZE: 51,
  /** Low word: the WFE event register (Arm ARM D1.6.1), set by SEV/SEVL, cleared by WFE. */
  EVENT: 52,
  /**
   * Low words: FPCR and FPSR (Arm ARM C5.2, FPCR and FPSR), 32 bits each as stored;
   * MRS/MSR apply the RES0 masks (machine/cpu/fpsimd.ts).
   */
  FPCR: 54,
  FPSR: 55,
  /**
   * The counters as the interpreter reads them without a device call (machine/cpu/counter.ts):
   * CNTPCT_EL0 = virtual ns / 16 + CNT_PHYS_BIAS, and CNTVCT_EL0 of a vCPU without a guest
   * EL2 = virtual ns / 16 + CNT_VIRT_BIAS (mod 2^64): the counter base less the hypervisor's
   * physical and virtual offsets, published by the timer (devices/timer.ts).
   */
  CNT_PHYS_BIAS: 56,
  CNT_VIRT_BIAS: 57,

  /** Always zero: the interpreter reads XZR here (never written). */
  ZERO: 62,
  /** Write sink: the interpreter writes XZR here (value meaningless). */
  SINK: 63,
  /** V0..V31 (128 bits, two slots each: V0 + 2n low, V0 + 2n + 1 high). */
  V0: 64,
  /** First system-register slot; see sysregs.ts for the table. */
  SYSREG0: 128,

  /** One past the last slot. */
  END: 512,
} as const;

/** Bits of the Slot.FEATURES word. */
export const Feature = {
  /** EL2 is implemented and belongs to the guest (boot at EL2, hyp-stub hosts). */
  EL2: 1 << 0,
  /** FEAT_VHE: HCR_EL2.E2H is writable (ID_AA64MMFR1_EL1.VH = 1). */
  VHE: 1 << 1,
} as const;

/** Number of system-register slots available in a block. */
export const SYSREG_SLOTS = Slot.END - Slot.SYSREG0;

let nextMemoryId = 0;

/**
 * The shared memory of one VM with typed views over it.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { MachineMemory, Slot } from "./state.ts";
 * const m = new MachineMemory(1, 1);
 * m.setX(0, 0, 0x1234_5678_9abc_def0n);
 * assert(m.u32[m.slot(0, Slot.X0)] === 0x9abcdef0);
 * ```
 */
export class MachineMemory {
  /** The one WebAssembly.Memory holding register files and RAM. */
  declare readonly memory: WebAssembly.Memory;
  declare readonly i32: Int32Array;
  declare readonly u32: Uint32Array;
  declare readonly u8: Uint8Array;
  declare readonly view: DataView;
  /** Guest RAM size in bytes. */
  declare readonly ramSize: number;

  declare readonly cpus: number;
  /** A number unique to this machine memory (sync.ts names the vCPU inside a callback by it). */
  declare readonly id: number;

  constructor(cpus: number, memoryMiB: number) {
    this.cpus = cpus;
    this.id = nextMemoryId++;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > MAX_CPUS) {
      throw new RangeError(`Invalid vCPU count: ${cpus} (1..${MAX_CPUS})`);
    }
    if (!Number.isInteger(memoryMiB) || memoryMiB < 1 || memoryMiB > 4000) {
      throw new RangeError(`Invalid memory size: ${memoryMiB} MiB (1..4000)`);
    }
    this.ramSize = memoryMiB * 0x10_0000;
    const pages = (RAM_OFFSET + this.ramSize) / 0x1_0000;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const buf = this.memory.buffer;
    this.i32 = new Int32Array(buf);
    this.u32 = new Uint32Array(buf);
    this.u8 = new Uint8Array(buf);
    this.view = new DataView(buf);
  }

  /** 32-bit word index of the low half of `slot` in vCPU `cpu`'s block. */
  slot(cpu: number, slot: number): number {
    return (cpu * CPU_STRIDE >> 2) + slot * 2;
  }

  /** Read a slot as an unsigned 64-bit bigint (API side only). */
  get64(cpu: number, slot: number): bigint {
    const w = this.slot(cpu, slot);
    return (BigInt(this.u32[w + 1]) << 32n) | BigInt(this.u32[w]);
  }

  /** Write a slot from a bigint (truncated to 64 bits). */
  set64(cpu: number, slot: number, v: bigint): void {
    const w = this.slot(cpu, slot);
    this.u32[w] = Number(v & 0xffff_ffffn);
    this.u32[w + 1] = Number((v >> 32n) & 0xffff_ffffn);
  }

  /** Read general-purpose register Xn (n = 0..30). */
  x(cpu: number, n: number): bigint {
    return this.get64(cpu, Slot.X0 + n);
  }

  /** Write general-purpose register Xn. */
  setX(cpu: number, n: number, v: bigint): void {
    this.set64(cpu, Slot.X0 + n, v);
  }
}
