/**
 * The VM: machine state, the KVM model wired to it, and the public API of
 * design.md (createVm, vm.cpu(n).hvc/smc/call/resume, ONE_REG, filter,
 * capabilities, trace).
 *
 * One call path: a direct `vm.cpu(n).hvc()` writes the registers and then
 * performs exactly what the CPU does for an `hvc #imm` instruction at the
 * vCPU's current PC — {@link Vm.executeCall} — which the interpreter also uses.
 *
 * @module
 */

import {
  type CallTrace,
  EC,
  type El2Handler,
  HYP_STUB_VECTORS,
  type HypercallAnswer,
  type HypercallRequest,
  KVM_NVHE_VECTORS,
  KvmError,
  type KvmOptions,
  KvmVm,
  MP_STATE,
  Outcome,
  type OutcomeCode,
  type PageState,
  type SmcccFilterSpec,
  toU64,
  type VcpuExit,
  type VcpuPort,
} from "../hyp/mod.ts";
import { Feature, MachineMemory, type MachineMemory as MM, RAM_BASE, Slot } from "./state.ts";
import { GuestMemory } from "./memory.ts";
import { VirtualClock } from "./clock.ts";
import { OneReg, type RegInfo } from "./one_reg.ts";
import { Board } from "./board.ts";
import { type RunOptions, type RunResult, Scheduler } from "./run.ts";
import type { Pl011 } from "./devices/pl011.ts";
import { type LoadedImage, loadImage, type LoadOptions } from "./loader.ts";
import { ImageError } from "./errors.ts";

/** An assembled image (what `asm` returns): bytes placed at `base`, execution at `entry`. */
export interface AsmLike {
  bytes: Uint8Array;
  base: bigint;
  entry: bigint;
}

/** Options of {@link Vm.load}. */
export interface LoadImageOptions {
  /** Initial ramdisk (bytes, or a path when loading from a path) [-initrd]. */
  initrd?: Uint8Array | string;
  /** Kernel command line [-append]. */
  bootargs?: string;
  /** Force the image format. */
  format?: LoadOptions["format"];
  /** A device tree to use instead of the generated one [-dtb]. */
  dtb?: Uint8Array;
  /** Name for messages. */
  name?: string;
}
import { exceptionReturn, PSR, setPstate, takeException, VECTOR } from "./cpu/pstate.ts";
import { fixedEnter, fixedLeave, sysregsWritten } from "./cpu/sync.ts";

import {
  kvmMpidr,
  qemuMpidr,
  readSysreg,
  type ResetConfig,
  resetVcpu,
  writeSysreg,
} from "./vcpu_state.ts";

/** Options of {@link createVm} (design.md). */
export interface VmOptions extends KvmOptions {
  /** Number of vCPUs (default 1). */
  cpus?: number;
  /** Guest RAM in MiB (default 128, QEMU's default). */
  memoryMiB?: number;
  /** GIC version, as QEMU's gic-version (default 3). */
  gic?: 2 | 3;
  /** Host CLOCK_REALTIME at VM creation, in ns (default 2026-01-01T00:00:00Z): PTP answers from it. */
  epochNs?: bigint;
}

/** A device modelled by a script ({@link Vm.mapMmio}); offsets are from the region's base. */
export interface MmioHandler {
  /** A guest load of `size` bytes (1, 2, 4 or 8): return its value (default 0). */
  read?(offset: number, size: number, cpu: number): bigint | number;
  /** A guest store of `size` bytes: `value` zero-extended. */
  write?(offset: number, size: number, value: bigint, cpu: number): void;
}

/** The mp_state names of KVM_GET/SET_MP_STATE. */

export type MpState = "RUNNABLE" | "STOPPED" | "SUSPENDED";

/** Host counter at VM creation in KVM mode: one hour of host uptime at 62.5 MHz (KVM sets CNTVOFF to it). */
const HOST_UPTIME_TICKS = 3600n * 62_500_000n;
/** 2026-01-01T00:00:00Z in ns. */
const DEFAULT_EPOCH_NS = 1_767_225_600_000_000_000n;

/**
 * What a direct call returns: X0..X3 as the guest sees them after the call,
 * the exit when the call left the kernel model, or why the vCPU is blocked.
 */
export class CallResult {
  // `declare`: no class-field definitions (which would first define every field as undefined
  // and then store it again in the constructor): one allocation per direct call, kept cheap.
  /** The KVM_RUN exit, when the call left the kernel model (hypercall, system_event). */
  declare readonly exit: VcpuExit | null;
  /** Set when the vCPU is now blocked in the hypervisor: "stopped" (CPU_OFF, system event) or "wfi". */
  declare readonly blocked: "stopped" | "wfi" | undefined;
  /** Set when the call raised an exception in the guest (UNDEF, HVC taken to guest EL2). */
  declare readonly exception: { el: number; esr: number; vector: bigint } | undefined;
  /** EL where the vCPU continues. */
  declare readonly el: number;
  /** The call's X0 low word as int32 (an unsigned ID above 2^31 would need a boxed number). */
  declare private readonly fidBits: number;
  // X0..X3 and the PC as 32-bit halves: bigints are made only when asked for.
  declare private readonly w0: number;
  declare private readonly w1: number;
  declare private readonly w2: number;
  declare private readonly w3: number;
  declare private readonly w4: number;
  declare private readonly w5: number;
  declare private readonly w6: number;
  declare private readonly w7: number;
  declare private readonly pcLo: number;
  declare private readonly pcHi: number;

  constructor(
    regs: Int32Array,
    xWord: number,
    pcWord: number,
    el: number,
    exit: VcpuExit | null,
    blocked: "stopped" | "wfi" | undefined,
    fid: number,
    exception?: { el: number; esr: number; vector: bigint },
  ) {
    this.fidBits = fid | 0;
    this.w0 = regs[xWord];
    this.w1 = regs[xWord + 1];
    this.w2 = regs[xWord + 2];
    this.w3 = regs[xWord + 3];
    this.w4 = regs[xWord + 4];
    this.w5 = regs[xWord + 5];
    this.w6 = regs[xWord + 6];
    this.w7 = regs[xWord + 7];
    this.pcLo = regs[pcWord];
    this.pcHi = regs[pcWord + 1];
    this.el = el;
    this.exit = exit;
    this.blocked = blocked;
    this.exception = exception;
  }

  /** The function ID of the call (low 32 bits of X0 before it). */
  get fid(): number {
    return this.fidBits >>> 0;
  }
  /** X0 after the call (full 64 bits; negative codes in two's complement). */
  get x0(): bigint {
    return u64(this.w0, this.w1);
  }
  get x1(): bigint {
    return u64(this.w2, this.w3);
  }
  get x2(): bigint {
    return u64(this.w4, this.w5);
  }
  get x3(): bigint {
    return u64(this.w6, this.w7);
  }
  /** X0..X3 as an array. */
  get x(): [bigint, bigint, bigint, bigint] {
    return [this.x0, this.x1, this.x2, this.x3];
  }
  /** PC where the vCPU continues. */
  get pc(): bigint {
    return u64(this.pcLo, this.pcHi);
  }
  /** X0 as a signed number when it fits 32 bits (return codes), else NaN. */
  get code(): number {
    return this.w1 === (this.w0 >> 31) ? this.w0 : NaN;
  }
}

function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** The call a direct call describes. */
export interface CallSpec {
  conduit?: "hvc" | "smc";
  /** The instruction's 16-bit immediate (default 0). */
  imm?: number;
  /** Registers X0.. to set before the call (others keep their values). */
  x: readonly (bigint | number)[];
}

/** The interface the hypervisor model uses to reach one vCPU. */
class Port implements VcpuPort {
  declare readonly regs: Int32Array;
  declare readonly xWord: number;
  declare readonly pcWord: number;
  declare readonly timeWords: readonly [number, number];
  declare readonly pstateWord: number;

  declare readonly index: number;
  declare private readonly vm: Vm;

  constructor(index: number, vm: Vm) {
    this.index = index;
    this.vm = vm;
    this.regs = vm.mm.i32;
    this.xWord = vm.mm.slot(index, Slot.X0);
    this.pcWord = vm.mm.slot(index, Slot.PC);
    this.pstateWord = vm.mm.slot(index, Slot.PSTATE);
    this.timeWords = [vm.mm.slot(index, Slot.ICOUNT), vm.mm.slot(index, Slot.TIME_BASE)];
  }

  // During an HVC/SMC from running guest code the calling vCPU's registers are live in the
  // CPU's working copy (KvmVm.hvc's `live`, sync.ts): every method that reads or writes its
  // state in machine memory brackets the access with fixedEnter/fixedLeave. The model's hot
  // path reads EL and AArch32 through its CallCtx instead.
  el(): number {
    const live = fixedEnter(this.vm.mm, this.index);
    const el = (this.regs[this.pstateWord] >> 2) & 3;
    if (live) fixedLeave();
    return el;
  }
  aarch32(): boolean {
    const live = fixedEnter(this.vm.mm, this.index);
    const a = (this.regs[this.pstateWord] & PSR.NRW) !== 0;
    if (live) fixedLeave();
    return a;
  }
  bigEndian(): boolean {
    const el = this.el();
    const sctlr = readSysreg(this.vm.mm, this.index, el === 2 ? "SCTLR_EL2" : "SCTLR_EL1");
    return ((sctlr >> (el === 0 ? 24n : 25n)) & 1n) === 1n;
  }
  mpidr(): bigint {
    return readSysreg(this.vm.mm, this.index, "MPIDR_EL1");
  }
  reset(entry: bigint, context: bigint, bigEndian: boolean): void {
    const live = fixedEnter(this.vm.mm, this.index);
    try {
      this.vm.resetCpu(this.index, entry, context);
      if (bigEndian) {
        const n = this.vm.resetConfig.el === 2 ? "SCTLR_EL2" : "SCTLR_EL1";
        this.setSysreg(n, this.sysreg(n) | (1n << 25n));
      }
    } finally {
      if (live) fixedLeave();
    }
  }
  sysreg(name: string): bigint {
    // Some names reach fixed slots (SP_ELx, the SPSR/ELR views of PSTATE).
    const live = fixedEnter(this.vm.mm, this.index);
    try {
      return this.vm.readSysreg(this.index, name);
    } finally {
      if (live) fixedLeave();
    }
  }
  setSysreg(name: string, value: bigint): void {
    const live = fixedEnter(this.vm.mm, this.index);
    try {
      this.vm.writeSysreg(this.index, name, value);
    } finally {
      if (live) fixedLeave();
    }
  }
  exceptionToEl2(esr: number): void {
    const mm = this.vm.mm, w = this.pcWord;
    const live = fixedEnter(mm, this.index);
    try {
      takeException(mm, this.index, 2, VECTOR.SYNC, esr, mm.i32[w], mm.i32[w + 1]);
    } finally {
      if (live) fixedLeave();
    }
  }
  eretFromEl2(): void {
    const live = fixedEnter(this.vm.mm, this.index);
    try {
      exceptionReturn(this.vm.mm, this.index, 2);
    } finally {
      if (live) fixedLeave();
    }
  }
  injectUndef(): void {
    const mm = this.vm.mm, w = this.pcWord;
    const live = fixedEnter(mm, this.index);
    try {
      const target = this.el() === 2 ? 2 : 1;
      // EC 0 (unknown reason), IL = 1; the preferred return address is the faulting instruction.
      takeException(
        mm,
        this.index,
        target,
        VECTOR.SYNC,
        (EC.UNKNOWN << 26) | (1 << 25),
        mm.i32[w],
        mm.i32[w + 1],
      );
    } finally {
      if (live) fixedLeave();
    }
  }
}

/**
 * A proxy view of X0..X30: `cpu.x[3]` reads, `cpu.x[3] = 5n` writes.
 */
function registerView(mm: MM, cpu: number): bigint[] {
  return new Proxy([] as bigint[], {
    get(target, key) {
      if (typeof key === "string" && /^\d+$/.test(key)) {
        const n = Number(key);
        if (n > 30) throw new RangeError(`No register X${n} (X0..X30)`);
        return mm.x(cpu, n);
      }
      if (key === "length") return 31;
      if (key === Symbol.iterator) {
        return function* () {
          for (let n = 0; n < 31; n++) yield mm.x(cpu, n);
        };
      }
      return Reflect.get(target, key);
    },
    set(_t, key, value) {
      if (typeof key === "string" && /^\d+$/.test(key) && Number(key) <= 30) {
        mm.setX(cpu, Number(key), toU64(value, `X${key}`));
        return true;
      }
      throw new RangeError(`Cannot set x[${String(key)}]: registers are X0..X30`);
    },
  });
}

/** One vCPU of a {@link Vm}. */
export class Vcpu {
  /** X0..X30 (read and write bigints). */
  declare readonly x: bigint[];
  /** @internal The port the hypervisor model uses. */
  declare readonly port: Port;

  declare readonly index: number;
  declare private readonly vm: Vm;

  constructor(index: number, vm: Vm) {
    this.index = index;
    this.vm = vm;
    this.port = new Port(index, vm);
    this.x = registerView(vm.mm, index);
  }

  /** The program counter. */
  get pc(): bigint {
    return this.vm.mm.get64(this.index, Slot.PC);
  }
  set pc(v: bigint) {
    this.vm.mm.set64(this.index, Slot.PC, toU64(v, "PC"));
  }
  /** The current stack pointer (SP_ELx selected by PSTATE). */
  get sp(): bigint {
    return this.vm.mm.get64(this.index, Slot.SP);
  }
  set sp(v: bigint) {
    this.vm.mm.set64(this.index, Slot.SP, toU64(v, "SP"));
  }
  /** The current exception level. */
  get el(): number {
    return this.port.el();
  }
  /** Instructions this vCPU has retired. */
  get instructions(): number {
    return this.vm.clock.icount(this.index);
  }
  /** The last KVM_RUN exit of this vCPU, or null. */
  get exit(): VcpuExit | null {
    return this.vm.kvm.vcpu(this.index).exit;
  }

  /** Read a system register by name (e.g. "VBAR_EL2", "MPIDR_EL1"). */
  sysreg(name: string): bigint {
    return this.vm.readSysreg(this.index, name);
  }
  /** Write a system register by name (a VMM's view: no EL checks). */
  setSysreg(name: string, value: bigint): void {
    if (typeof value !== "bigint") {
      throw new TypeError(`Invalid value for ${name}: expected a bigint`);
    }
    this.vm.writeSysreg(this.index, name, value);
  }

  /** KVM_GET_ONE_REG by name or id. */
  getOneReg(reg: string | bigint): bigint {
    return this.vm.oneReg.get(this.index, reg);
  }
  /** KVM_SET_ONE_REG by name or id; throws KvmError as KVM would. */
  setOneReg(reg: string | bigint, value: bigint): void {
    this.vm.oneReg.set(this.index, reg, value);
  }
  /** KVM_GET_REG_LIST. */
  regList(): RegInfo[] {
    return this.vm.oneReg.list();
  }

  /** KVM_GET_MP_STATE. */
  get mpState(): MpState {
    const s = this.vm.kvm.vcpu(this.index).mpState;
    return s === MP_STATE.STOPPED ? "STOPPED" : s === MP_STATE.SUSPENDED ? "SUSPENDED" : "RUNNABLE";
  }
  /** KVM_SET_MP_STATE ("RUNNABLE", "STOPPED", "SUSPENDED" or the KVM number). */
  setMpState(state: MpState | number): void {
    this.vm.kvm.setMpState(this.index, state);
  }

  /** KVM_SET_DEVICE_ATTR(KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA). */
  setPvtimeIpa(ipa: bigint, attr = 0): void {
    if (typeof ipa !== "bigint") throw new TypeError("Invalid PV-time IPA: expected a bigint");
    this.vm.kvm.pvTime.setIpa(this.vm.kvm.vcpu(this.index), ipa, attr);
  }
  /** KVM_GET_DEVICE_ATTR(PVTIME_IPA): the IPA, or all ones when unset. */
  get pvtimeIpa(): bigint {
    return BigInt.asUintN(64, this.vm.kvm.vcpu(this.index).pvtimeBase);
  }
  /** Account `ns` of host preemption to this vCPU's thread (its run_delay: stolen time). */
  preempt(ns: bigint | number): void {
    this.vm.kvm.vcpu(this.index).runDelay += toU64(ns, "ns");
  }

  /**
   * Issue `hvc #0` with X0 = `fid` and X1..X7 = `args` (missing ones 0), as
   * the selftests' smccc_hvc() does. Returns what the vCPU sees afterwards.
   */
  hvc(
    fid: number | bigint,
    a1?: Arg,
    a2?: Arg,
    a3?: Arg,
    a4?: Arg,
    a5?: Arg,
    a6?: Arg,
    a7?: Arg,
  ): CallResult {
    if (arguments.length > 8) {
      throw new RangeError("Too many arguments: hvc() sets X1..X7; use call() for more");
    }
    this.vm.setArgs(this.index, fid, a1, a2, a3, a4, a5, a6, a7);
    return this.vm.callNow(this.index, "hvc", 0);
  }
  /** Issue `smc #0` with X0 = `fid`, X1..X7 = the arguments (missing ones 0). */
  smc(
    fid: number | bigint,
    a1?: Arg,
    a2?: Arg,
    a3?: Arg,
    a4?: Arg,
    a5?: Arg,
    a6?: Arg,
    a7?: Arg,
  ): CallResult {
    if (arguments.length > 8) {
      throw new RangeError("Too many arguments: smc() sets X1..X7; use call() for more");
    }
    this.vm.setArgs(this.index, fid, a1, a2, a3, a4, a5, a6, a7);
    return this.vm.callNow(this.index, "smc", 0);
  }
  /** Issue a call with an explicit conduit, immediate and registers (only those given are set). */
  call(spec: CallSpec): CallResult {
    if (!spec || !Array.isArray(spec.x) || spec.x.length === 0) {
      throw new TypeError("Invalid call: expected { conduit?, imm?, x: [x0, ...] }");
    }
    if (spec.x.length > 18) throw new RangeError("Invalid call: at most X0..X17 can be set");
    const conduit = spec.conduit ?? "hvc";
    if (conduit !== "hvc" && conduit !== "smc") {
      throw new TypeError(`Invalid conduit: ${conduit} (hvc or smc)`);
    }
    const imm = spec.imm ?? 0;
    if (!Number.isInteger(imm) || imm < 0 || imm > 0xffff) {
      throw new RangeError(`Invalid immediate: ${imm} (0..0xffff)`);
    }
    const mm = this.vm.mm, w = mm.slot(this.index, Slot.X0);
    spec.x.forEach((v, n) => setWord(mm.i32, w + 2 * n, v, `X${n}`));
    return this.vm.callNow(this.index, conduit, imm);
  }
  /** Re-enter the vCPU after an exit (KVM_RUN): returns what the guest now sees. */
  resume(): CallResult {
    return this.vm.resume(this.index);
  }
}

/**
 * Create a VM.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createVm, PSCI } from "../mod.ts";
 * const vm = createVm({ cpus: 2, kernel: "6.16" });
 * const r = vm.cpu(0).hvc(PSCI.VERSION);
 * assert(r.x0 === 0x10003n);
 * ```
 */
export function createVm(opts: VmOptions = {}): Vm {
  return new Vm(opts);
}

/** A virtual machine. */
export class Vm {
  /** The options it was created with. */
  declare readonly options: Readonly<VmOptions>;
  /** @internal The shared machine memory (register files and RAM). */
  declare readonly mm: MachineMemory;
  /** The KVM/arm64 model of this VM. */
  declare readonly kvm: KvmVm;
  /** Guest-physical RAM. */
  declare readonly memory: GuestMemory;
  /** @internal Deterministic virtual time. */
  declare readonly clock: VirtualClock;
  /** @internal ONE_REG over this VM. */
  declare readonly oneReg: OneReg;
  /** @internal How vCPUs come out of reset. */
  declare readonly resetConfig: ResetConfig;
  /** @internal The board (devices, DTB). */
  declare readonly board: Board;

  declare private readonly vcpus: Vcpu[];
  /** The function ID of each vCPU's last direct call (resume() reports it). */
  declare private readonly lastFid: Int32Array;
  /** Word indices of X0 and PSTATE per vCPU (hot path). */
  declare private readonly xWords: number[];
  declare private readonly pstateWords: number[];
  declare private readonly epochNs: bigint;
  declare private readonly hostCounterBase: bigint;

  constructor(opts: VmOptions = {}) {
    this.options = { ...opts };
    const cpus = opts.cpus ?? 1;
    const gic = opts.gic ?? 3;
    if (gic !== 2 && gic !== 3) throw new RangeError(`Invalid gic: ${gic} (2 or 3)`);
    if (gic === 2 && cpus > 8) throw new RangeError(`GICv2 supports at most 8 vCPUs, not ${cpus}`);
    this.mm = new MachineMemory(cpus, opts.memoryMiB ?? 128);
    this.memory = new GuestMemory(this.mm);
    this.clock = new VirtualClock(this.mm, cpus);
    this.epochNs = opts.epochNs ?? DEFAULT_EPOCH_NS;
    const mode = opts.hyp ?? "kvm";
    this.hostCounterBase = mode === "kvm" ? HOST_UPTIME_TICKS : 0n;
    // KVM: CNTPCT shows the host's uptime; the VM's CNTVOFF equals it, so CNTVCT starts at 0.
    this.clock.counterBase = Number(this.hostCounterBase);
    // The guest owns EL2 unless KVM (or EL1-only QEMU firmware) sits there; a vCPU then comes
    // out of reset (and out of PSCI CPU_ON, arm_set_cpu_on) at EL2, the highest EL it has.
    const ownsEl2 = mode !== "kvm" && mode !== "firmware";
    const features = ownsEl2 ? Feature.EL2 | ((opts.vhe ?? true) ? Feature.VHE : 0) : 0;
    this.resetConfig = {
      el: ownsEl2 ? 2 : 1,
      features,
      mpidr: 0n,
    };
    this.board = new Board(this.mm, this.clock, {
      cpus,
      memoryMiB: opts.memoryMiB ?? 128,
      gic,
      hyp: mode,
      psci02: opts.psci02 ?? true,
    });
    this.vcpus = Array.from({ length: cpus }, (_, i) => new Vcpu(i, this));
    this.xWords = this.vcpus.map((_, i) => this.mm.slot(i, Slot.X0));

    this.lastFid = new Int32Array(cpus);

    this.pstateWords = this.vcpus.map((_, i) => this.mm.slot(i, Slot.PSTATE));
    this.kvm = new KvmVm(opts, {
      vcpus: this.vcpus.map((v) => v.port),
      memory: this.memory,
      clock: {
        nowNs: (c) => this.clock.now(c),

        realtimeNs: () => this.epochNs + BigInt(this.clock.now()),
        hostCounter: () => BigInt(this.clock.counter()),
        virtualOffset: () => this.board.devices.timer.hypervisorOffsets().virt,
        physicalOffset: () => this.board.devices.timer.hypervisorOffsets().phys,
      },
      wake: (c) => this.#scheduler?.wake(c),
      // The CPU's working copy of a register block (run.ts, callbacks.ts liveRegs) has the
      // block's own layout.
      live: {
        xWord: Slot.X0 * 2,
        pcWord: Slot.PC * 2,
        pstateWord: Slot.PSTATE * 2,
        timeWords: [Slot.ICOUNT * 2, Slot.TIME_BASE * 2],
      },
    });
    for (let i = 0; i < cpus; i++) {
      const mpidr = mode === "kvm" ? kvmMpidr(i) : qemuMpidr(i, gic);
      this.resetCpu(i, 0n, 0n, mpidr);
      this.initEl2(i, mode);
    }
    // KVM sets the VM's virtual offset to the host counter at creation, so CNTVCT starts at 0
    // (arch_timer.c kvm_timer_init_vm: timer_set_offset(vcpu_vtimer, kvm_phys_timer_read())).
    this.board.devices.timer.setHypervisorOffsets(this.hostCounterBase, 0n);
    this.oneReg = new OneReg(this.mm, this.kvm, this.board.devices, mode !== "kvm");
  }

  /** @internal Read a system register of vCPU `i` by name, device-backed ones included. */
  readSysreg(i: number, name: string): bigint {
    const dev = this.board.devices.sysregs;
    return readSysreg(this.mm, i, name, (c, k) => dev.readU64(c, k));
  }

  /** @internal Write a system register of vCPU `i` by name, device-backed ones included. */
  writeSysreg(i: number, name: string, value: bigint): void {
    const dev = this.board.devices.sysregs;
    writeSysreg(this.mm, i, name, value, (c, k, v) => dev.writeU64(c, k, v));
  }

  /** Architectural reset of vCPU `i` and its per-CPU devices (keeps its MPIDR unless given). */
  resetCpu(i: number, entry: bigint, x0: bigint, mpidr?: bigint): void {
    const keep = mpidr ?? readSysreg(this.mm, i, "MPIDR_EL1");
    resetVcpu(this.mm, i, { ...this.resetConfig, mpidr: keep }, entry, x0);
    this.board.devices.resetCpu(i);
  }

  /** The PL011 UART: `text()` is everything the guest printed; `onOutput(fn)` streams it. */
  get uart(): Pl011 {
    return this.board.devices.uart;
  }

  /**
   * Load a guest image as QEMU's `-kernel` does (hw/arm/boot.c) and reset the
   * machine to boot it: vCPU 0 at the entry (x0 = the DTB for Linux/raw
   * images), the secondaries powered off until PSCI CPU_ON. Accepts an
   * assembled `asm` image, bytes (ELF, arm64 Image or raw), or a file path
   * (then it returns a Promise).
   */
  load(image: Uint8Array | AsmLike, opts?: LoadImageOptions): LoadedImage;
  load(path: string, opts?: LoadImageOptions): Promise<LoadedImage>;
  load(
    image: string | Uint8Array | AsmLike,
    opts: LoadImageOptions = {},
  ): LoadedImage | Promise<LoadedImage> {
    if (typeof image === "string") {
      return (async () => {
        let bytes: Uint8Array, initrd: Uint8Array | undefined;
        try {
          bytes = await Deno.readFile(image);
          initrd = typeof opts.initrd === "string" ? await Deno.readFile(opts.initrd) : opts.initrd;
        } catch (e) {
          throw new ImageError(image, (e as Error).message);
        }
        return this.loadBytes(bytes, { ...opts, initrd, name: image });
      })();
    }
    if (image instanceof Uint8Array) {
      return this.loadBytes(image, { ...opts, name: opts.name ?? "image" });
    }
    if (image && image.bytes instanceof Uint8Array && typeof image.base === "bigint") {
      return this.loadAsm(image, opts);
    }
    throw new TypeError("Invalid image: expected a path, a Uint8Array or an asm`...` image");
  }

  private loadBytes(
    bytes: Uint8Array,
    opts: LoadImageOptions & { initrd?: Uint8Array | string },
  ): LoadedImage {
    if (typeof opts.initrd === "string") {
      throw new TypeError("Pass initrd bytes, or load from a path to read it");
    }
    const loaded = loadImage(this.mm, bytes, {
      name: opts.name,
      format: opts.format,
      initrd: opts.initrd,
      dtb: opts.dtb ?? ((i) => this.board.dtb(opts.bootargs, i)),
      bootargs: opts.bootargs,
    });
    this.bootReset(BigInt(loaded.entry), loaded.x.map(BigInt));
    // QEMU starts Linux/raw images in its boot stub at RAM_BASE, which only sets x0..x4 and
    // branches to the entry; hvsh starts at the entry with those registers set.
    return { ...loaded, pc: loaded.entry };
  }

  /** An assembled image: written at its base; the DTB goes after it as for a raw image (2 MiB aligned). */
  private loadAsm(image: AsmLike, opts: LoadImageOptions): LoadedImage {
    const base = Number(image.base), end = base + image.bytes.length;
    this.memory.write(image.base, image.bytes);
    const dtb = this.board.dtb(opts.bootargs);
    const dtbAddr = Math.ceil(end / 0x20_0000) * 0x20_0000;
    const fits = this.memory.isRam(BigInt(dtbAddr), dtb.length);
    if (fits) this.memory.write(BigInt(dtbAddr), dtb);
    const entry = Number(image.entry);
    this.bootReset(image.entry, [BigInt(fits ? dtbAddr : 0), 0n, 0n, 0n, image.entry]);
    return {
      kind: "raw",
      isLinux: true,
      entry,
      pc: entry,
      x: [fits ? dtbAddr : 0, 0, 0, 0, entry],
      dtbAddr: fits ? dtbAddr : undefined,
      initrd: undefined,
      segments: [
        { name: "kernel", addr: base, fileSize: end - base, memSize: end - base },
        ...(fits
          ? [{ name: "dtb", addr: dtbAddr, fileSize: dtb.length, memSize: dtb.length }]
          : []),
      ],

      warnings: fits ? [] : ["the DTB does not fit after the image: not loaded"],
    };
  }

  /** Reset for a boot: every vCPU reset, vCPU 0 at `entry` with x0..x4, secondaries powered off. */
  private bootReset(entry: bigint, x: bigint[]): void {
    this.board.devices.reset();
    this.board.devices.uart.clear();
    const mode = this.kvm.mode;
    for (let i = 0; i < this.vcpus.length; i++) {
      this.resetCpu(i, i === 0 ? entry : 0n, 0n);
      const v = this.kvm.vcpu(i);
      v.exit = null;
      v.wfi = false;
      if (i === 0) {
        x.forEach((val, n) => this.mm.setX(0, n, val));
        this.initEl2(0, mode);
        this.kvm.setMpState(0, "RUNNABLE");
      } else {
        this.kvm.setMpState(i, "STOPPED"); // as QEMU: secondaries wait for PSCI CPU_ON
      }
    }
  }

  /**
   * For `hyp-stub` / `kvm-nvhe`: the state a host kernel leaves behind when it
   * booted at EL2, installed its stub (or KVM) and dropped to EL1h.
   */
  private initEl2(i: number, mode: string): void {
    if (mode === "hyp-stub" || mode === "kvm-nvhe") {
      setPstate(this.mm, i, PSR.EL1h | PSR.DAIF); // as the kernel's ERET to EL1h left it

      // The kernel left EL2 with HCR_EL2.RW = 1 (AArch64 EL1) and its vectors in VBAR_EL2.
      writeSysreg(this.mm, i, "HCR_EL2", 1n << 31n);
      writeSysreg(
        this.mm,
        i,
        "VBAR_EL2",
        mode === "hyp-stub" ? HYP_STUB_VECTORS : KVM_NVHE_VECTORS,
      );
      // KVM's nVHE EL2 runs with its MMU on (M, C, I); the stub's is off.
      if (mode === "kvm-nvhe") writeSysreg(this.mm, i, "SCTLR_EL2", 0x30c5_1835n);
    }
  }

  /** vCPU `n`, with a clear error for a bad index. */
  cpu(n: number): Vcpu {
    const v = this.vcpus[n];
    if (!Number.isInteger(n) || !v) {
      throw new RangeError(
        `No vCPU ${n}: this VM has ${this.vcpus.length} (0..${this.vcpus.length - 1})`,
      );
    }
    return v;
  }
  /** All vCPUs. */
  get cpus(): readonly Vcpu[] {
    return this.vcpus;
  }
  /** Who answers HVCs at EL2 on vCPU 0: "kvm", "hyp-stub", "kvm-nvhe" or "guest". */
  get el2Handler(): El2Handler {
    return this.kvm.stub.handler(this.kvm.vcpu(0));
  }
  /** Every SMCCC call: `vm.trace.calls`. */
  get trace(): CallTrace {
    return this.kvm.trace;
  }
  /** Any vCPU has run (later bitmap/filter changes → EBUSY). */
  get hasRun(): boolean {
    return this.kvm.hasRun;
  }

  /** KVM_GET_ONE_REG through vCPU 0 (firmware registers are VM-wide). */
  getOneReg(reg: string | bigint): bigint {
    return this.cpu(0).getOneReg(reg);
  }
  /** KVM_SET_ONE_REG through vCPU 0. */
  setOneReg(reg: string | bigint, value: bigint): void {
    this.cpu(0).setOneReg(reg, value);
  }
  /** KVM_GET_REG_LIST of vCPU 0. */
  regList(): RegInfo[] {
    return this.cpu(0).regList();
  }
  /** KVM_SET_DEVICE_ATTR(KVM_ARM_VM_SMCCC_CTRL, KVM_ARM_VM_SMCCC_FILTER). */
  setSmcccFilter(spec: SmcccFilterSpec): void {
    if (!spec || typeof spec !== "object") {
      throw new TypeError("Invalid filter: expected { base, nr, action }");
    }
    this.kvm.filter.set(spec);
  }
  /** KVM_HAS_DEVICE_ATTR on the VM: 0 for (KVM_ARM_VM_SMCCC_CTRL, KVM_ARM_VM_SMCCC_FILTER), else ENXIO. */
  hasDeviceAttr(group: number, attr: number): 0 {
    if (group === 0 && attr === 0 && this.kvm.profile.smcDispatch) return 0;
    throw new KvmError(
      "ENXIO",
      "KVM_HAS_DEVICE_ATTR",
      `no VM attribute group ${group} attr ${attr}`,
    );
  }
  /** KVM_ENABLE_CAP, e.g. "KVM_CAP_ARM_SYSTEM_SUSPEND". */
  enableCap(cap: string | number): void {
    this.kvm.enableCap(cap);
  }
  /** KVM_CHECK_EXTENSION. */
  checkExtension(cap: string | number): number {
    return this.kvm.checkExtension(cap);
  }
  /**
   * Map a device modelled in TypeScript at guest-physical `[base, base + size)`:
   * the guest's loads and stores there call `device` (what a VMM does with the
   * KVM_EXIT_MMIO exits of its own devices). The region must lie outside RAM and
   * the board's devices; it is not described in the generated device tree.
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { asm, createVm } from "../mod.ts";
   * const vm = createVm({ memoryMiB: 8 });
   * const seen: bigint[] = [];
   * vm.mapMmio(0x0a00_0000n, 0x1000n, {
   *   read: (offset) => 0x1234_0000n + BigInt(offset),
   *   write: (_offset, _size, value) => void seen.push(value),
   * });
   * vm.load(asm`movz x1, #0x0a00, lsl #16
   *             ldr  w2, [x1, #8]
   *             str  w2, [x1]
   *             brk  #0`);
   * vm.run({ maxInstructions: 100 });
   * assert(vm.cpu(0).x[2] === 0x1234_0008n && seen[0] === 0x1234_0008n);
   * ```
   */
  mapMmio(base: bigint, size: bigint, device: MmioHandler, name = "script"): void {
    if (typeof base !== "bigint" || typeof size !== "bigint") {
      throw new TypeError("mapMmio: base and size are bigints (e.g. 0x0a000000n)");
    }
    const ramEnd = BigInt(RAM_BASE + this.mm.ramSize);
    if (base < ramEnd && BigInt(RAM_BASE) < base + size) {
      throw new RangeError(`MMIO region ${name} at 0x${base.toString(16)} overlaps RAM`);
    }
    const mask = (n: number) => (1n << BigInt(n * 8)) - 1n;
    this.board.devices.bus.map(name, Number(base), Number(size), {
      read(cpu, offset, n, out) {
        const v = BigInt.asUintN(64, BigInt(device.read?.(offset, n, cpu) ?? 0n)) & mask(n);
        out[0] = Number(v & 0xffff_ffffn) | 0;
        out[1] = Number(v >> 32n) | 0;
        return true;
      },
      write(cpu, offset, n, lo, hi) {
        const v = ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) & mask(n);
        device.write?.(offset, n, v, cpu);
        return true;
      },
    });
  }
  /**
   * Answer FWD_TO_USER calls inline: `fn` gets the call and returns X0..X3 to
   * resume the guest with, or undefined to leave it as a hypercall exit.
   */
  onHypercall(fn: ((req: HypercallRequest) => HypercallAnswer) | null): void {
    this.kvm.onHypercall = fn && ((req) => {
      // Arbitrary code: give it the calling vCPU's whole state in machine memory, as
      // outside a run, and take back whatever it changed (sync.ts).
      const live = fixedEnter(this.mm, req.cpu);
      sysregsWritten(this.mm, req.cpu);
      try {
        return fn(req);
      } finally {
        if (live) fixedLeave();
      }
    });
  }

  /** The deterministic TRNG source: reseed it or inject NO_ENTROPY answers. */
  get trng(): { reseed(seed: bigint | number): void; injectNoEntropy(count?: number): void } {
    return this.kvm.trng;
  }
  /** pKVM state of a protected VM: page ownership and the MMIO guard. */
  get pkvm(): {
    pageState(ipa: bigint): PageState;
    changedPages(): [bigint, PageState][];
    hostCanAccess(ipa: bigint): boolean;
    readonly mmioGuardEnrolled: boolean;
  } {
    return this.kvm.pkvm;
  }

  /**
   * Run the vCPUs. `maxInstructions: 0` enters every runnable vCPU and exits
   * at once: the VM "has run" (bitmap and filter writes now give EBUSY).
   */
  run(opts: RunOptions = {}): RunResult {
    if (opts.maxInstructions === 0) {
      // KVM_RUN entry and immediate exit: no CPU needed.
      for (const v of this.vcpus) {
        if (this.kvm.vcpu(v.index).mpState === MP_STATE.RUNNABLE) this.kvm.vcpuLoad(v.index);
      }
      this.kvm.hasRun = true;
      return {
        reason: "limit",
        cpu: 0,
        pc: this.cpu(0).pc,
        instructions: 0,
        timeNs: this.clock.now(),
      };
    }
    return this.scheduler.run(opts);
  }

  /** The scheduler and CPU, created on first use (direct calls need neither). */
  get scheduler(): Scheduler {
    return this.#scheduler ??= new Scheduler(this);
  }
  #scheduler: Scheduler | undefined;

  // ---------------------------------------------------------------------------------------------
  // The call path

  /** Write X0 = fid, X1..X7 = args, missing ones 0 (the selftests' smccc_hvc convention). */
  setArgs(
    i: number,
    fid: Arg,
    a1?: Arg,
    a2?: Arg,
    a3?: Arg,
    a4?: Arg,
    a5?: Arg,
    a6?: Arg,
    a7?: Arg,
  ): void {
    const r = this.mm.i32, w = this.xWords[i];
    // Fast path (kept small for inlining): a u32 function ID, X1..X3 u32 numbers or missing.
    if (
      fid !== undefined && (a4 ?? a5 ?? a6 ?? a7) === undefined && u32(fid) && u32(a1) &&
      u32(a2) && u32(a3)
    ) {
      for (let k = 1; k < 16; k++) r[w + k] = 0;
      r[w] = fid as number;
      r[w + 2] = a1 ?? 0;
      r[w + 4] = a2 ?? 0;
      r[w + 6] = a3 ?? 0;
      return;
    }
    setArgsSlow(r, w, fid, a1, a2, a3, a4, a5, a6, a7);
  }

  /** A direct call with the registers already set: KVM_RUN, then the HVC/SMC exactly as the CPU executes it. */
  callNow(i: number, conduit: "hvc" | "smc", imm: number): CallResult {
    // Kept small (cold parts in other methods) so that V8 inlines the whole direct call.
    const v = this.kvm.vcpus[i], r = this.mm.i32, pw = this.pstateWords[i];
    if (v.mpState !== MP_STATE.RUNNABLE || (r[pw] & 0xc) === 0) this.cannotCall(i);
    this.kvm.vcpuLoad(i);
    const fid = r[this.xWords[i]];
    this.lastFid[i] = fid;
    const o = this.executeCall(i, conduit, imm);
    if (o === Outcome.CONTINUE && !v.wfi && v.mpState === MP_STATE.RUNNABLE) {
      // The common case: answered in the kernel model, nothing else to report.
      const port = this.vcpus[i].port;
      return new CallResult(r, port.xWord, port.pcWord, (r[pw] >> 2) & 3, null, undefined, fid);
    }
    return this.result(i, o, fid);
  }

  /** The error of a direct call on a vCPU that is not runnable or is at EL0. */
  private cannotCall(i: number): never {
    const state = this.kvm.vcpus[i].mpState;
    if (state !== MP_STATE.RUNNABLE) {
      throw new KvmError(
        "EINVAL",
        "direct call",
        `vCPU ${i} is ${state === MP_STATE.STOPPED ? "powered off (STOPPED)" : "SUSPENDED"}: ` +
          `it cannot execute a call until PSCI CPU_ON or setMpState("RUNNABLE")`,
      );
    }
    throw new KvmError(
      "EINVAL",
      "direct call",
      `vCPU ${i} is at EL0, where HVC and SMC are UNDEFINED`,
    );
  }

  /**
   * Execute `hvc #imm` / `smc #imm` at vCPU `i`'s PC, as the CPU does: HVC's
   * preferred return is the next instruction (PC += 4 first); SMC leaves the PC
   * for the handler. Acts on the outcome like the CPU (TRAP → the exception to
   * the guest's EL2, UNDEF → an UNDEFINED exception). One instruction retires.
   */
  executeCall(i: number, conduit: "hvc" | "smc", imm: number): OutcomeCode {
    const mm = this.mm, r = mm.i32;
    const pcw = mm.slot(i, Slot.PC);
    const pcLo = r[pcw], pcHi = r[pcw + 1];
    const ic = mm.slot(i, Slot.ICOUNT);
    if (++r[ic] === 0) r[ic + 1]++;
    let o: OutcomeCode;
    if (conduit === "hvc") {
      addPc(r, pcw, 4);
      o = this.kvm.hvc(i, imm);
    } else {
      o = this.kvm.smc(i, imm);
    }
    if (o === Outcome.TRAP || o === Outcome.UNDEF) {
      this.callException(i, conduit, imm, o, pcLo, pcHi);
    }
    return o;
  }

  /** executeCall's exception entry for TRAP and UNDEF outcomes (PC before the call: pcLo/pcHi). */
  private callException(
    i: number,
    conduit: "hvc" | "smc",
    imm: number,
    o: OutcomeCode,
    pcLo: number,
    pcHi: number,
  ): void {
    const mm = this.mm, pcw = mm.slot(i, Slot.PC);
    if (o === Outcome.TRAP) {
      const hvc = conduit === "hvc";
      takeException(
        mm,
        i,
        2,
        VECTOR.SYNC,
        (((hvc ? EC.HVC64 : EC.SMC64) << 26) | (1 << 25) | imm) >>> 0,
        hvc ? mm.i32[pcw] : pcLo,
        hvc ? mm.i32[pcw + 1] : pcHi,
      );
    } else {
      mm.i32[pcw] = pcLo;
      mm.i32[pcw + 1] = pcHi;
      this.vcpus[i].port.injectUndef();
    }
  }

  private result(
    i: number,
    o: OutcomeCode,
    fid: number,
    exception?: CallResult["exception"],
  ): CallResult {
    const v = this.kvm.vcpus[i], port = this.vcpus[i].port;
    if (o === Outcome.CONTINUE && !v.wfi && v.mpState === MP_STATE.RUNNABLE) {
      // The common case: answered in the kernel model, nothing else to report.
      return new CallResult(this.mm.i32, port.xWord, port.pcWord, port.el(), null, undefined, fid);
    }
    let exc = exception;

    if (!exc && (o === Outcome.TRAP || o === Outcome.UNDEF)) {
      const el = port.el();
      exc = {
        el,
        esr: Number(readSysreg(this.mm, i, el === 2 ? "ESR_EL2" : "ESR_EL1")),
        vector: this.mm.get64(i, Slot.PC),
      };
    }
    const blocked = v.mpState === MP_STATE.STOPPED ? "stopped" : v.wfi ? "wfi" : undefined;
    return new CallResult(
      this.mm.i32,
      port.xWord,
      port.pcWord,
      port.el(),
      o === Outcome.EXIT ? v.exit : null,
      blocked,
      fid,
      exc,
    );
  }

  /** KVM_RUN after an exit: nothing runs in the kernel model; returns what the guest sees. */
  resume(i: number): CallResult {
    this.cpu(i);
    const v = this.kvm.vcpu(i);
    if (v.mpState === MP_STATE.RUNNABLE) {
      this.kvm.vcpuLoad(i);
      v.wfi = false; // a WFI may complete at any time (spurious wake-up)
    }
    return this.result(i, Outcome.CONTINUE, this.lastFid[i]);
  }
}

/** A register argument: a bigint or a safe integer (negative = two's complement). */
type Arg = number | bigint;

/** A u32 number, or missing (setArgs' fast path; small enough that V8 always inlines it). */
const u32 = (v: Arg | undefined): v is number | undefined =>
  v === undefined || (typeof v === "number" && (v >>> 0) === v);

/** Vm.setArgs with bigints, negative or large numbers (kept out of the hot function). */
function setArgsSlow(
  r: Int32Array,
  w: number,
  fid: Arg,
  a1?: Arg,
  a2?: Arg,
  a3?: Arg,
  a4?: Arg,
  a5?: Arg,
  a6?: Arg,
  a7?: Arg,
): void {
  setWord(r, w, fid, "X0");
  setWord(r, w + 2, a1 ?? 0, "X1");
  setWord(r, w + 4, a2 ?? 0, "X2");
  setWord(r, w + 6, a3 ?? 0, "X3");
  setWord(r, w + 8, a4 ?? 0, "X4");
  setWord(r, w + 10, a5 ?? 0, "X5");
  setWord(r, w + 12, a6 ?? 0, "X6");
  setWord(r, w + 14, a7 ?? 0, "X7");
}

function setWord(r: Int32Array, w: number, v: Arg | undefined, what: string): void {
  if (typeof v === "number" && (v >>> 0) === v) {
    r[w] = v | 0;
    r[w + 1] = 0;
    return;
  }
  if (v === undefined) throw new TypeError(`Missing ${what}: expected a function ID`);
  const u = toU64(v, what);
  r[w] = Number(BigInt.asIntN(32, u));
  r[w + 1] = Number(BigInt.asIntN(32, u >> 32n));
}

function addPc(r: Int32Array, w: number, n: number): void {
  const lo = (r[w] >>> 0) + n;
  r[w] = lo | 0;
  if (lo > 0xffff_ffff) r[w + 1] = (r[w + 1] + 1) | 0;
}
