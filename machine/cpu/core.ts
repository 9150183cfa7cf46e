/**
 * The interpreter's working state and the synchronous-exception helpers
 * every instruction handler uses.
 *
 * One {@link Core} object (`C`) holds the vCPU being run: typed views of its
 * register block and of the whole machine memory, its TLB, the callbacks and
 * the instruction count. `Cpu.run()` loads it, the handlers read and write
 * through it, `Cpu.run()` writes the counters back. Handlers are plain
 * functions `(insn) => boolean | void`: they return true when they changed
 * the control flow or PSTATE (branch taken, exception return, mode change);
 * faults take the architectural exception and then `throw UNWIND`.
 *
 * Register words inside the block (`C.x`, int32 index = slot * 2, low word
 * first): see {@link W}.
 *
 * @module
 */

import { CPU_STRIDE, Feature, MachineMemory, Slot } from "../state.ts";
import type { CpuCallbacks } from "./callbacks.ts";
import { sysregSlot } from "./pstate.ts";
import { SYSREGS } from "../sysregs.ts";
import { S } from "./sync.ts";

/** Int32 word indexes inside a vCPU register block (slot * 2 = low half). */
export const W = {
  SP: Slot.SP * 2,
  PC: Slot.PC * 2,
  /** NF: bit 31 = N. */
  NF: Slot.NF_ZF * 2,
  /** ZF: Z = (ZF == 0). */
  ZF: Slot.NF_ZF * 2 + 1,
  /** CF: 0 or 1. */
  CF: Slot.CF_VF * 2,
  /** VF: bit 31 = V. */
  VF: Slot.CF_VF * 2 + 1,
  PSTATE: Slot.PSTATE * 2,
  ICOUNT: Slot.ICOUNT * 2,
  EXCL_ADDR: Slot.EXCL_ADDR * 2,
  EXCL_VAL: Slot.EXCL_VAL * 2,
  EXCL_VAL2: Slot.EXCL_VAL2 * 2,
  EXCL_SIZE: Slot.EXCL_SIZE * 2,
  EVENT: Slot.EVENT * 2,
  EXIT: Slot.EXIT * 2,
  /** Low word: instructions left in the current run-loop pass (counted down). */
  BUDGET: Slot.BUDGET * 2,
  IRQ_LINES: Slot.IRQ_LINES * 2,
  FEATURES: Slot.FEATURES * 2,
  FPCR: Slot.FPCR * 2,
  FPSR: Slot.FPSR * 2,
  TIME_BASE: Slot.TIME_BASE * 2,
  CNT_PHYS_BIAS: Slot.CNT_PHYS_BIAS * 2,
  CNT_VIRT_BIAS: Slot.CNT_VIRT_BIAS * 2,
  /** V0's first word; Vn's four words start at V0 + 4n. */
  V0: Slot.V0 * 2,
  ZERO: Slot.ZERO * 2,
  SINK: Slot.SINK * 2,
} as const;

/** Word index of a stored system register (slot * 2). */
export function sw(name: string): number {
  return sysregSlot(name) * 2;
}

/** Word indexes of the system registers the CPU core itself consults. */
export const SR = {
  SCTLR_EL1: sw("SCTLR_EL1"),
  SCTLR_EL2: sw("SCTLR_EL2"),
  TCR_EL1: sw("TCR_EL1"),
  TCR_EL2: sw("TCR_EL2"),
  TTBR0_EL1: sw("TTBR0_EL1"),
  TTBR1_EL1: sw("TTBR1_EL1"),
  TTBR0_EL2: sw("TTBR0_EL2"),
  TTBR1_EL2: sw("TTBR1_EL2"),
  MAIR_EL1: sw("MAIR_EL1"),
  MAIR_EL2: sw("MAIR_EL2"),
  HCR_EL2: sw("HCR_EL2"),
  CPACR_EL1: sw("CPACR_EL1"),
  PAR_EL1: sw("PAR_EL1"),
  ESR_EL1: sw("ESR_EL1"),
  ESR_EL2: sw("ESR_EL2"),
  ELR_EL1: sw("ELR_EL1"),
  ELR_EL2: sw("ELR_EL2"),
} as const;

/** HCR_EL2 bits the CPU acts on (Arm ARM D23.2.48 HCR_EL2), low word unless noted. */
export const HCR = {
  VM: 1 << 0,
  FMO: 1 << 3,
  IMO: 1 << 4,
  AMO: 1 << 5,
  VF: 1 << 6,
  VI: 1 << 7,
  VSE: 1 << 8,
  TWI: 1 << 13,
  TWE: 1 << 14,
  TSC: 1 << 19,
  TVM: 1 << 26,
  TGE: 1 << 27,
  /** HVC instruction disable. */
  HCD: 1 << 29,
  /** Trap reads of virtual memory controls. */
  TRVM: 1 << 30,
  /** High word: E2H (bit 34), FEAT_VHE. */
  HI_E2H: 1 << (34 - 32),
} as const;

/** Exception classes (Arm ARM D23.2.41 ESR_ELx.EC). */
export const EC = {
  UNKNOWN: 0x00,
  WFX: 0x01,
  FP: 0x07,
  ILLEGAL: 0x0e,
  SVC: 0x15,
  HVC: 0x16,
  SMC: 0x17,
  SYSREG: 0x18,
  IABT_LOWER: 0x20,
  IABT_SAME: 0x21,
  PC_ALIGN: 0x22,
  DABT_LOWER: 0x24,
  DABT_SAME: 0x25,
  SP_ALIGN: 0x26,
  SERROR: 0x2f,
  BRK: 0x3c,
} as const;

/** ESR_ELx.IL: 32-bit instruction (bit 25). */
export const ESR_IL = 1 << 25;

/** Why `Cpu.run()` returned. */
export const Exit = {
  /** The instruction budget is spent. */
  BUDGET: 0,
  /** A callback asked to stop (CallAction.EXIT: hypercall exit, system event). */
  CALL: 1,
  /** The vCPU is asleep (WFI/WFE with nothing pending, or CallAction.SLEEP). */
  SLEEP: 2,
  /** A synchronous exception was taken at the very vector it jumps to: a loop. */
  EXCEPTION_LOOP: 3,
  /** A synchronous exception class listed in `Cpu.stopOn` occurred (not taken). */
  EXCEPTION: 4,
  /** `Cpu.requestStop()` was called (from a callback). */
  STOPPED: 5,
} as const;

/** A value of {@link Exit}. */
export type ExitCode = typeof Exit[keyof typeof Exit];

/** Thrown (never allocated anew) after a fault has redirected the vCPU. */
export const UNWIND = { unwind: true } as const;

/** Sentinel tag that never matches a page address (low 12 bits set). */
export const TLB_INVALID = 1;
/** TLB geometry: entries per MMU index and int32 words per entry. */
export const TLB_ENTRIES = 256;
export const TLB_WORDS = 8;
/** Number of MMU indexes (translation regime x privilege x PAN); see mmu.ts. */
export const MMU_IDX_COUNT = 7;

/**
 * The running vCPU's register block: a working copy of its 4 KiB block in
 * the machine memory, loaded by `Cpu.run()` and written back when it
 * returns and around every callback ({@link callOut}). Handlers index it
 * directly (`X[W.PC]`); a module-level constant typed array is what V8
 * compiles to the cheapest loads and stores (measured 2x against a field).
 */
export const X: Int32Array = new Int32Array(CPU_STRIDE / 4);

/**
 * A MachineMemory view of {@link X} as vCPU 0, so the shared PSTATE and
 * exception helpers of pstate.ts operate on the working copy.
 */
export const XMM: MachineMemory = (() => {
  const m = Object.create(MachineMemory.prototype);
  Object.assign(m, {
    cpus: 1,
    ramSize: 0,
    memory: undefined,
    i32: X,
    u32: new Uint32Array(X.buffer),
    u8: new Uint8Array(X.buffer),
    view: new DataView(X.buffer),
  });
  return m as MachineMemory;
})();

/** The state of the interpreter besides the registers. */
export class Core {
  mm!: MachineMemory;
  cb!: CpuCallbacks;
  cpu = 0;
  /** Whole machine memory views (host byte offsets). */
  u8: Uint8Array = new Uint8Array(0);
  u16: Uint16Array = new Uint16Array(0);
  i32: Int32Array = new Int32Array(0);
  dv: DataView = new DataView(new ArrayBuffer(0));
  /** Host byte offset of guest RAM, and RAM size in bytes. */
  ramHost = 0;
  ramSize = 0;
  /** The running vCPU's TLB (see mmu.ts). */
  tlb: Int32Array = new Int32Array(0);
  /** The running vCPU's register block in machine memory (USED_WORDS words). */
  block: Int32Array = new Int32Array(0);
  /** Its fixed slots and its system-register words (views of `block`). */
  blockFixed: Int32Array = new Int32Array(0);
  blockSys: Int32Array = new Int32Array(0);
  /** MMU index for data accesses at the current EL (see mmu.ts). */
  dIdx = 0;
  /**
   * Instruction accounting: ICOUNT now = base + quota - X[W.BUDGET]. The run
   * loop counts X[W.BUDGET] down; {@link requestSync} moves what is left out
   * of `quota` and zeroes it, which stops the loop without losing count.
   */
  base = 0;
  quota = 0;
  /** `base` as two int32 words (low, high): the call path derives ICOUNT from them. */
  baseLo = 0;
  baseHi = 0;
  /** X[W.BUDGET] during a callback (see {@link beginCall}). */
  savedBudget = 0;
  /** Exit reason once the run loop must stop, or -1. */
  exit = -1;
  /** Feature word of the running vCPU. */
  features = 0;
  /** Stop-on-exception class mask (bit per EC, low 64 classes in two words). */
  stopLo = 0;
  stopHi = 0;
  /** Physical address of the last translated non-RAM access. */
  pa = 0;
  /** Memory attribute of the last translation: 1 = Device. */
  device = 0;
  /** Reusable out-array for callbacks. */
  readonly out = new Int32Array(2);
  /** Details of the last synchronous exception (for exits). */
  excEsr = 0;
  excFar: bigint | undefined = undefined;
  excEl = 0;
  /** Invalidate the TLBs of every vCPU of the machine (TLBI is broadcast; set by Cpu). */
  flushAll: () => void = () => {};
  /** Counts TLB flushes (mmu.ts), so a callback that flushed one can be told apart. */
  tlbGen = 0;
}

/** The one interpreter state object. */
export const C: Core = new Core();

/** Current exception level. */
export function el(): number {
  return (X[W.PSTATE] >> 2) & 3;
}

/** HCR_EL2 low word (zero without EL2: the register is never written then). */
export function hcrLo(): number {
  return C.features & Feature.EL2 ? X[SR.HCR_EL2] : 0;
}

/** HCR_EL2 high word when EL2 is implemented, else 0. */
export function hcrHi(): number {
  return C.features & Feature.EL2 ? X[SR.HCR_EL2 + 1] : 0;
}

/** HCR_EL2.{E2H,TGE} == {1,1}: EL0 belongs to the EL2&0 regime (FEAT_VHE host). */
export function isHost(): boolean {
  return (hcrHi() & HCR.HI_E2H) !== 0 && (hcrLo() & HCR.TGE) !== 0;
}

/** Make the run loop stop at the next instruction boundary and re-synchronise. */
export function requestSync(): void {
  C.quota -= X[W.BUDGET];
  X[W.BUDGET] = 0;
  C.savedBudget = 0; // inside a callback: endCall() restores this
}

/** Start counting at ICOUNT = the words at X[W.ICOUNT] (a run of the loop begins). */
export function setBase(): void {
  const lo = X[W.ICOUNT], hi = X[W.ICOUNT + 1];
  C.base = (hi >>> 0) * 0x1_0000_0000 + (lo >>> 0);
  C.baseLo = lo;
  C.baseHi = hi;
}

/** Add `done` (a non-negative int32: instructions of a finished pass) to the base. */
export function addBase(done: number): void {
  const lo0 = C.baseLo, lo = (lo0 + done) | 0;
  C.base += done;
  C.baseLo = lo;
  if ((lo >>> 0) < (lo0 >>> 0)) C.baseHi = (C.baseHi + 1) | 0;
}

/** Instructions retired by the running vCPU so far (exact). */
export function icountNow(): number {
  return C.base + C.quota - X[W.BUDGET];
}

/** Count one more instruction outside the loop (an aborted fetch, an illegal-state exception). */
export function countOne(): void {
  X[W.BUDGET]--;
}

/**
 * Words of a register block that hold state: the fixed slots and every
 * stored system register (the rest of the 4 KiB block is unassigned).
 * Only these are copied around callbacks.
 */
export const USED_WORDS = 2 * Math.max(Slot.SYSREG0, ...SYSREGS.map((d) => d.slot + 1));

/** X's state words, and the running vCPU's block in machine memory (views made once). */
const X_USED = X.subarray(0, USED_WORDS);
/**
 * The fixed slots (everything below V0): all that most callbacks touch. The
 * V registers and system registers above them are synchronised on demand.
 */
const FIXED_WORDS = Slot.V0 * 2;
const X_FIXED = X.subarray(0, FIXED_WORDS);
const X_SYS = X.subarray(FIXED_WORDS, USED_WORDS);

/**
 * Write the exact ICOUNT ({@link icountNow} with `budget` left) to X's ICOUNT words, from the
 * int32 base words: base + (quota - budget), the sum below 2^31 per pass.
 */
function storeIcount(budget: number): void {
  const lo0 = C.baseLo, lo = (lo0 + C.quota - budget) | 0;
  X[W.ICOUNT] = lo;
  X[W.ICOUNT + 1] = (lo >>> 0) < (lo0 >>> 0) ? (C.baseHi + 1) | 0 : C.baseHi;
}

/** Write X (with an exact Slot.ICOUNT) back to the vCPU's block in machine memory. */
export function copyOut(): void {
  storeIcount(X[W.BUDGET]);
  C.block.set(X_USED);
}

/** Reload X from the vCPU's block (after a callback may have changed it). */
export function copyIn(): void {
  X.set(C.block);
}

/** Copy X's system-register words to the running vCPU's block (sync.ts on-demand flush). */
function flushSys(): void {
  C.blockSys.set(X_SYS);
}
S.flush = flushSys;

/**
 * Around every call out to the world (callbacks): `beginCall()` writes the
 * vCPU state back (with an exact ICOUNT for the clock); `endCall()` reloads
 * it. The caller then makes the loop re-synchronise (a handler returns
 * true, a memory access calls requestSync()), so that interrupts a device
 * raised and state a handler changed are seen. Callbacks do not nest.
 */
export function beginCall(): void {
  enterCall();
  C.blockFixed.set(X_FIXED);
}

/**
 * See {@link beginCall}. Returns true when machine-side code wrote the
 * vCPU's system registers during the call (sync.ts).
 */
export function endCall(): boolean {
  X_FIXED.set(C.blockFixed);
  return leaveCall();
}

/**
 * {@link beginCall} for HVC/SMC callbacks that take the registers live
 * (callbacks.ts `liveRegs`): nothing is copied; X stays the vCPU's current
 * fixed slots, and only the exact ICOUNT is also written to machine memory
 * (the clock reads it there). Machine-side code that needs the block in
 * memory brackets the access with sync.ts fixedEnter/fixedLeave.
 */
export function beginLiveCall(): void {
  enterCall();
  const b = C.blockFixed;
  b[W.ICOUNT] = X[W.ICOUNT];
  b[W.ICOUNT + 1] = X[W.ICOUNT + 1];
  S.live = true;
}

/** See {@link beginLiveCall}; returns what {@link endCall} returns. */
export function endLiveCall(): boolean {
  S.live = false;
  S.fixedOut = false;
  return leaveCall();
}

/** What every callback starts with: the budget saved, ICOUNT exact in X, sync.ts told which vCPU. */
function enterCall(): void {
  const budget = X[W.BUDGET];
  C.savedBudget = budget;
  storeIcount(budget);
  // System registers stay in X until machine-side code asks for them (sync.ts).
  S.mm = C.mm.id;
  S.cpu = C.cpu;
  S.flushed = false;
  S.dirty = false;
}

/** What every callback ends with: system registers reloaded if written, the budget restored. */
function leaveCall(): boolean {
  const dirty = S.dirty;
  if (dirty) X_SYS.set(C.blockSys);
  S.cpu = -1;
  S.flushed = true;
  S.dirty = false;
  X[W.BUDGET] = C.savedBudget;
  return dirty;
}

S.flushFixed = () => C.blockFixed.set(X_FIXED);
S.reloadFixed = () => X_FIXED.set(C.blockFixed);

/** Register-number to word-index maps: reading XZR, writing XZR, and SP forms. */
export const RZ = new Int32Array(32);
/** Destination map for ZR forms (31 -> sink). */
export const WZ = new Int32Array(32);
/** Map for SP forms (31 -> SP). */
export const RS = new Int32Array(32);
for (let r = 0; r < 31; r++) RZ[r] = WZ[r] = RS[r] = r * 2;
RZ[31] = W.ZERO;
WZ[31] = W.SINK;
RS[31] = W.SP;
