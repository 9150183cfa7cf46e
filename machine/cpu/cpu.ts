/**
 * The A64 interpreter: `new Cpu(mm, callbacks)` runs the vCPUs of one
 * machine, one at a time, for an instruction budget.
 *
 * ```
 * const cpu = new Cpu(mm, callbacks);
 * resetVcpu(mm, 0, { el: 1, pc: 0x4008_0000n });   // or set the slots yourself
 * const code = cpu.run(0, 1_000_000);               // an Exit code
 * cpu.exitInfo(0);                                  // { reason, pc, el, esr, far, insn }
 * ```
 *
 * Design (exec-strategies.md strategy B): registers are int32 halves, no
 * BigInt and no allocation per instruction. While a vCPU runs, its 4 KiB
 * register block is copied into one module-constant typed array (core.ts
 * `X`) and written back when `run()` returns and around every callback. Instruction words are decoded through a global
 * direct-mapped cache keyed by the word itself (decode depends on nothing
 * else), so self-modifying code and IC IVAU need no invalidation. Fetch
 * and data accesses go through a per-vCPU softmmu TLB (mmu.ts).
 *
 * Timing: one instruction = 1 ns of virtual time (clock.ts). Every
 * instruction attempted counts once in Slot.ICOUNT, including one that
 * takes a synchronous exception (SVC, an abort, an UNDEFINED encoding) or
 * whose fetch aborts; taking an interrupt does not count. `run()` stops
 * after exactly `budget` counted instructions unless something stops it
 * earlier.
 *
 * Interrupts (Slot.IRQ_LINES, HCR_EL2.VI/VF/VSE) are checked at every sync
 * point: slice start, taken branch, exception entry/return, PSTATE writes
 * (MSR DAIF/SPSel/PAN), system-register writes that affect translation, and
 * after every callback (MMIO, device system registers, HVC/SMC).
 *
 * Setting up a vCPU (what the machine owns): {@link resetVcpu} gives the
 * architectural reset state; before or after it the machine sets
 * - Slot.FEATURES: Feature.EL2 when the guest owns EL2 (boot at EL2, hyp
 *   stubs; HVC/SMC traps and HCR_EL2 routing then apply), Feature.VHE when
 *   HCR_EL2.E2H is writable;
 * - the identification registers to match: ID_AA64PFR0_EL1.EL2 (bits 11:8)
 *   = 0 without Feature.EL2, ID_AA64MMFR1_EL1.VH (bits 11:8) = 1 with
 *   Feature.VHE, MPIDR_EL1 (resetVcpu puts the vCPU index in Aff0/Aff1);
 * - PC, x0..x3 (boot protocol), and the boot EL (PSTATE = ELxh, DAIF masked);
 * - Slot.IRQ_LINES from the interrupt controller, at any time;
 * - after writing MMU-related registers or page tables from outside the
 *   guest: `cpu.invalidate(index)`.
 *
 * Exits (`run()` return values, {@link Exit}): BUDGET (budget spent), CALL
 * (an HVC/SMC callback returned EXIT), SLEEP (WFI/WFE with `wait()` true, or
 * CallAction.SLEEP; PC is past the WFx), EXCEPTION_LOOP (turn into
 * `GuestError("exception_loop")` with {@link Cpu.errorFor}), EXCEPTION (an EC
 * listed in `cpu.stopOn`), STOPPED (`cpu.requestStop()` from a callback).
 *
 * @module
 */

import type { MachineMemory } from "../state.ts";
import * as state_ from "../state.ts";
import * as sysregs_ from "../sysregs.ts";
import type { CpuCallbacks } from "./callbacks.ts";
import { GuestError } from "../errors.ts";
import type { ExitCode } from "./core.ts";
import * as core_ from "./core.ts";
import * as mmu_ from "./mmu.ts";
import * as pstate_ from "./pstate.ts";
import * as disasm_ from "./disasm.ts";
import { fixedEnter, fixedLeave, sysregsRead } from "./sync.ts";
import * as bits_ from "./bits.ts";
import * as loop_ from "./loop.ts";

export { Exit, type ExitCode } from "./core.ts";

// Module-local aliases of imported values: V8 optimizes these far better than
// imported bindings in hot code (measured 2-3x on handlers).
const { CPU_STRIDE, RAM_OFFSET, RAM_BASE, Slot } = state_;
const { SYSREGS } = sysregs_;
const { C, copyIn, copyOut, icountNow, requestSync, UNWIND, USED_WORDS, W, X } = core_;
const { Acc, dataIdx, fetchIdx, flushTlbArray, newTlb, walk, WR } = mmu_;
const { PSR, setPstate } = pstate_;
const { disassemble } = disasm_;
const { toBig } = bits_;
const { loop } = loop_;

// ---------------------------------------------------------------------------
// The public object.

/** Why the last `run()` of a vCPU stopped, with the state at that point. */
export interface ExitInfo {
  /** An {@link Exit} code. */
  reason: ExitCode;
  /** The vCPU. */
  cpu: number;
  /** PC when the run stopped (for EXCEPTION: the faulting instruction; EXCEPTION_LOOP: the vector). */
  pc: bigint;
  /** Current EL when the run stopped. */
  el: number;
  /** ESR of the last synchronous exception (EXCEPTION / EXCEPTION_LOOP), else 0. */
  esr: number;
  /** FAR of that exception when it sets one (aborts, PC alignment). */
  far: bigint | undefined;
  /** Target EL of that exception. */
  targetEl: number;
  /** The instruction word at `pc`, when it can be read. */
  insn: number | undefined;
}

/** An instruction-trace callback: vCPU, PC, the word there (if readable), current EL. */
export type TraceFn = (cpu: number, pc: bigint, insn: number | undefined, el: number) => void;

/**
 * Instructions per pass of the run loop. Short passes make V8 optimize
 * `loop()` as a function entered often rather than through on-stack
 * replacement, whose code measured 1.5x slower; a pass costs ~0.1 µs.
 */
const MAX_PASS = 0x1000;

/**
 * The CPU of a machine: interprets the vCPUs whose register blocks live in
 * `mm`, reaching devices and firmware only through `callbacks`.
 *
 * Not re-entrant: callbacks must not call `run()` or `step()`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MachineMemory, RAM_BASE } from "../state.ts";
 * import { asm } from "./asm.ts";
 * import { Cpu, Exit, resetVcpu } from "./cpu.ts";
 * import { CallAction } from "./callbacks.ts";
 * const mm = new MachineMemory(1, 1);
 * let seen = 0;
 * const cpu = new Cpu(mm, {
 *   mmioRead: () => false, mmioWrite: () => false, sysregRead: () => false, sysregWrite: () => false,
 *   smc: () => CallAction.UNDEF, wait: () => true,
 *   hvc: (c) => { seen = mm.u32[mm.slot(c, 0)]; return CallAction.EXIT; },
 * });
 * const img = asm.at(BigInt(RAM_BASE))`movz x0, #0x8400, lsl #16
 *                                       hvc #0`;
 * cpu.loadBytes(BigInt(RAM_BASE), img.bytes);
 * resetVcpu(mm, 0, { el: 1, pc: img.entry });
 * assertEquals(cpu.run(0, 100), Exit.CALL);
 * assertEquals(seen, 0x8400_0000);
 * ```
 */
export class Cpu {
  /** Per-vCPU TLBs. */
  readonly #tlbs: Int32Array[];
  /** Per-vCPU register blocks (their state words) in the machine memory. */
  readonly #blocks: Int32Array[];
  readonly #flushAll = (): void => this.#tlbs.forEach(flushTlbArray);
  readonly #u8: Uint8Array;
  readonly #u16: Uint16Array;
  readonly #dv: DataView;
  readonly #exit: ExitInfo[];
  #running = false;
  /**
   * Synchronous exception classes (ESR_ELx.EC values) that stop `run()` with
   * Exit.EXCEPTION instead of being taken: the vCPU stays at the faulting
   * instruction, its registers untouched. Empty by default.
   */
  stopOn: Set<number> = new Set();
  /**
   * When set, `run()` executes one instruction at a time and reports each
   * (PC, instruction word, EL) before executing it. Slow: for traces only.
   */
  trace: TraceFn | undefined = undefined;

  /** A CPU for the vCPUs of `mm`, reaching the world through `callbacks`. */
  declare readonly mm: MachineMemory;
  declare readonly callbacks: CpuCallbacks;

  constructor(mm: MachineMemory, callbacks: CpuCallbacks) {
    this.mm = mm;
    this.callbacks = callbacks;
    const buf = mm.memory.buffer;
    this.#tlbs = Array.from({ length: mm.cpus }, () => newTlb());
    this.#blocks = Array.from({ length: mm.cpus }, (_, c) => {
      const b = c * (CPU_STRIDE >> 2);
      return mm.i32.subarray(b, b + USED_WORDS);
    });
    this.#u8 = new Uint8Array(buf);
    this.#u16 = new Uint16Array(buf);
    this.#dv = new DataView(buf);
    this.#exit = Array.from({ length: mm.cpus }, (_, c) => ({
      reason: core_.Exit.BUDGET,
      cpu: c,
      pc: 0n,
      el: 0,
      esr: 0,
      far: undefined,
      targetEl: 0,
      insn: undefined,
    }));
  }

  /** Point the interpreter state at vCPU `index` of this machine. */
  #bind(index: number): void {
    C.mm = this.mm;
    C.cb = this.callbacks;
    C.cpu = index;
    C.u8 = this.#u8;
    C.u16 = this.#u16;
    C.i32 = this.mm.i32;
    C.dv = this.#dv;
    C.ramHost = RAM_OFFSET;
    C.ramSize = this.mm.ramSize;
    C.tlb = this.#tlbs[index];
    C.flushAll = this.#flushAll;
    C.block = this.#blocks[index];
    C.blockFixed = this.#blocks[index].subarray(0, Slot.V0 * 2);
    C.blockSys = this.#blocks[index].subarray(Slot.V0 * 2);
    copyIn();
    C.features = X[W.FEATURES];
  }

  /**
   * Run vCPU `index` for at most `budget` instructions. Returns the
   * {@link Exit} code; details in {@link exitInfo}.
   */
  run(index: number, budget: number): ExitCode {
    if (!(Number.isInteger(index) && index >= 0 && index < this.mm.cpus)) {
      throw new RangeError(`No such vCPU: ${index}`);
    }
    if (!(Number.isSafeInteger(budget) && budget >= 0)) {
      throw new RangeError(`Invalid budget: ${budget}`);
    }
    if (this.#running) throw new Error("Cpu.run() is not re-entrant: called from a callback");
    if (this.trace) return this.#traced(index, budget, this.trace);
    return this.#run(index, budget);
  }

  /** One instruction at a time, reporting each to `trace` before it executes. */
  #traced(index: number, budget: number, trace: TraceFn): ExitCode {
    let code: ExitCode = core_.Exit.BUDGET;
    for (let k = 0; k < budget; k++) {
      const pc = this.mm.get64(index, Slot.PC);
      trace(
        index,
        pc,
        this.readInsn(index, pc),
        this.mm.i32[this.mm.slot(index, Slot.PSTATE)] >> 2 & 3,
      );
      code = this.#run(index, 1);
      if (code !== core_.Exit.BUDGET) break;
    }
    return code;
  }

  #run(index: number, budget: number): ExitCode {
    this.#running = true;
    this.#bind(index);
    let lo = 0, hi = 0;
    for (const ec of this.stopOn) {
      if (ec < 32) lo |= 1 << ec;
      else hi |= 1 << (ec - 32);
    }
    C.stopLo = lo;
    C.stopHi = hi;
    C.exit = -1;
    C.excEsr = 0;
    C.excFar = undefined;
    C.excEl = 0;
    core_.setBase();
    let left = budget;
    try {
      while (left > 0) {
        const pass = Math.min(left, MAX_PASS);
        C.quota = pass;
        X[W.BUDGET] = pass;
        try {
          loop();
        } catch (e) {
          if (e !== UNWIND) throw e;
        }
        const done = C.quota - X[W.BUDGET];
        core_.addBase(done);
        C.quota = 0;
        X[W.BUDGET] = 0;
        left -= done;
        if (C.exit >= 0) break;
      }
    } finally {
      copyOut();
      this.#running = false;
    }
    const reason = (C.exit >= 0 ? C.exit : core_.Exit.BUDGET) as ExitCode;
    const info = this.#exit[index];
    info.reason = reason;
    info.pc = toBig(X[W.PC], X[W.PC + 1]);
    info.el = (X[W.PSTATE] >> 2) & 3;
    const exc = reason === core_.Exit.EXCEPTION || reason === core_.Exit.EXCEPTION_LOOP;
    info.esr = exc ? C.excEsr : 0;
    info.far = exc ? C.excFar : undefined;
    info.targetEl = exc ? C.excEl : 0;
    info.insn = this.readInsn(index, info.pc);
    return reason;
  }

  /** Execute exactly one instruction (after taking a pending interrupt, if any). */
  step(index: number): ExitCode {
    return this.run(index, 1);
  }

  /** Why the last run of vCPU `index` stopped. */
  exitInfo(index: number): Readonly<ExitInfo> {
    return this.#exit[index];
  }

  /**
   * Ask the running vCPU to stop at the next instruction boundary with
   * Exit.STOPPED (for use inside callbacks).
   */
  requestStop(): void {
    if (!this.#running) return;
    if (C.exit < 0) C.exit = core_.Exit.STOPPED;
    requestSync();
  }

  /** Instructions retired by vCPU `index` (exact, also from inside a callback). */
  icount(index: number): number {
    if (this.#running && C.cpu === index && C.mm === this.mm) return icountNow();
    const w = this.mm.slot(index, Slot.ICOUNT);
    return this.mm.u32[w + 1] * 0x1_0000_0000 + this.mm.u32[w];
  }

  /**
   * Invalidate the TLB of vCPU `index` (all vCPUs when omitted). Call after
   * changing translation state (SCTLR/TCR/TTBR/MAIR/HCR_EL2, page tables)
   * from outside the guest, as a TLBI would.
   */
  invalidate(index?: number): void {
    if (index === undefined) this.#tlbs.forEach(flushTlbArray);
    else flushTlbArray(this.#tlbs[index]);
  }

  /** Copy bytes into guest RAM at guest-physical `pa` (RangeError outside RAM). */
  loadBytes(pa: bigint, bytes: Uint8Array): void {
    const off = Number(pa) - RAM_BASE;
    if (off < 0 || off + bytes.length > this.mm.ramSize) {
      throw new RangeError(`Outside RAM: 0x${pa.toString(16)} + ${bytes.length}`);
    }
    this.#u8.set(bytes, RAM_OFFSET + off);
  }

  /**
   * The instruction word at virtual address `va` as vCPU `index` would fetch
   * it now (translation without side effects), or undefined.
   */
  readInsn(index: number, va: bigint): number | undefined {
    const pa = this.translate(index, va, "exec");
    if (pa === undefined) return undefined;
    const off = Number(pa) - RAM_BASE;
    if (off < 0 || off + 4 > this.mm.ramSize) return undefined;
    return this.#dv.getUint32(RAM_OFFSET + off, true);
  }

  /**
   * Translate `va` for vCPU `index` at its current EL (stage 1 only, no
   * faults taken, TLB untouched): the physical address, or undefined.
   */
  translate(
    index: number,
    va: bigint,
    access: "read" | "write" | "exec" = "read",
  ): bigint | undefined {
    // Borrow X for the vCPU's block in machine memory and put back what X held: scratch
    // outside run(), the running vCPU's working copy inside a callback. If `index` is that
    // vCPU, its block in memory is made current first (sync.ts): system registers are written
    // back only on demand, and during a liveRegs call the fixed slots live only in X.
    sysregsRead(this.mm, index);
    const entered = fixedEnter(this.mm, index);
    const saved = X.slice();
    const save = {
      mm: C.mm,
      cpu: C.cpu,
      features: C.features,
      ramHost: C.ramHost,
      ramSize: C.ramSize,
      i32: C.i32,
    };
    const b = index * (CPU_STRIDE >> 2);
    X.set(this.mm.i32.subarray(b, b + (CPU_STRIDE >> 2)));
    C.features = X[W.FEATURES];
    C.ramHost = RAM_OFFSET;
    C.ramSize = this.mm.ramSize;
    C.i32 = this.mm.i32;
    try {
      const lo = Number(va & 0xffff_ffffn) | 0, hi = Number((va >> 32n) & 0xffff_ffffn) | 0;
      const acc = access === "read" ? Acc.READ : access === "write" ? Acc.WRITE : Acc.EXEC;
      const idx = access === "exec" ? fetchIdx() : dataIdx();
      return walk(lo, hi, idx, acc) ? BigInt(WR.pa) : undefined;
    } finally {
      X.set(saved);
      Object.assign(C, save);
      if (entered) fixedLeave();
    }
  }

  /**
   * The GuestError describing the last exit of vCPU `index` when it was
   * Exit.EXCEPTION_LOOP ("exception_loop") or Exit.EXCEPTION ("undef" for
   * EC 0x00/0x0E, else "abort"), with PC, EL, ESR, FAR and the
   * disassembled instruction; undefined for other exits.
   */
  errorFor(index: number): GuestError | undefined {
    const info = this.#exit[index];
    if (info.reason !== core_.Exit.EXCEPTION && info.reason !== core_.Exit.EXCEPTION_LOOP) {
      return undefined;
    }
    const ecode = info.esr >>> 26;
    const kind = info.reason === core_.Exit.EXCEPTION_LOOP
      ? "exception_loop"
      : ecode === 0 || ecode === 0x0e
      ? "undef"
      : "abort";
    return new GuestError(kind, {
      cpu: index,
      pc: info.pc,
      el: info.el,
      esr: info.esr,
      far: info.far,
      insn: info.insn,
      disasm: info.insn === undefined ? undefined : disassemble(info.insn, info.pc),
      detail: info.reason === core_.Exit.EXCEPTION_LOOP
        ? `the exception to EL${info.targetEl} vectors to the instruction that raised it`
        : undefined,
    });
  }

  /** Disassemble the instruction at `va` of vCPU `index` (for traces and errors). */
  disassembleAt(index: number, va: bigint): string | undefined {
    const w = this.readInsn(index, va);
    return w === undefined ? undefined : disassemble(w, va);
  }
}

// ---------------------------------------------------------------------------
// Reset.

/** Options of {@link resetVcpu}. */
export interface ResetOptions {
  /** Exception level to start at (1 under the KVM model, 2 for `virtualization=on`). */
  el: 1 | 2;
  /** Entry point. */
  pc: bigint;
  /** Feature word (Slot.FEATURES); defaults to the current one. */
  features?: number;
  /** x0..x3 at entry (Linux boot protocol: x0 = DTB address). */
  x?: bigint[];
}

/**
 * Put vCPU `index` in its architectural reset state (Arm ARM D1.9 "Reset"):
 * every system register from the table's reset value, MPIDR.Aff0 = index,
 * VPIDR/VMPIDR = MIDR/MPIDR, general registers and SP banks zero, NZCV zero,
 * PSTATE = ELxh with DAIF masked, exclusive monitor open, ICOUNT zero.
 * Identification registers a machine wants different (ID_AA64PFR0_EL1.EL2,
 * ID_AA64MMFR1_EL1.VH, ...) can be written to their slots afterwards.
 */
export function resetVcpu(mm: MachineMemory, index: number, opts: ResetOptions): void {
  const base = mm.slot(index, 0);
  const features = opts.features ?? mm.i32[mm.slot(index, Slot.FEATURES)];
  const lines = mm.i32[mm.slot(index, Slot.IRQ_LINES)];
  mm.i32.fill(0, base, base + CPU_STRIDE / 4);
  mm.i32[mm.slot(index, Slot.FEATURES)] = features;
  mm.i32[mm.slot(index, Slot.IRQ_LINES)] = lines;
  for (const d of SYSREGS) if (d.slot >= 0) mm.set64(index, d.slot, d.reset);
  const mpidr = SYSREGS.find((d) => d.name === "MPIDR_EL1")!;
  mm.set64(
    index,
    mpidr.slot,
    mpidr.reset | BigInt(index & 0xff) | (BigInt((index >> 8) & 0xff) << 8n),
  );
  const midr = SYSREGS.find((d) => d.name === "MIDR_EL1")!;
  mm.set64(index, SYSREGS.find((d) => d.name === "VPIDR_EL2")!.slot, mm.get64(index, midr.slot));
  mm.set64(index, SYSREGS.find((d) => d.name === "VMPIDR_EL2")!.slot, mm.get64(index, mpidr.slot));
  mm.i32[mm.slot(index, Slot.NF_ZF) + 1] = 1; // Z = 0 (ZF != 0)
  mm.set64(index, Slot.PC, opts.pc);
  (opts.x ?? []).forEach((v, n) => mm.setX(index, n, v));
  setPstate(mm, index, (opts.el << 2) | PSR.SPSEL | PSR.DAIF);
}
