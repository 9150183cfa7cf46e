/**
 * The run loop: deterministic round-robin scheduling of the vCPUs in
 * virtual time (clock.ts), device time (timers) and KVM_RUN-style exits.
 *
 * A slice gives every runnable vCPU up to `quantum` instructions; all of them
 * start the slice at the same virtual instant. Slices are cut at the next
 * device deadline (a timer about to fire), so interrupts arrive at exactly the
 * virtual time they are due. When every vCPU sleeps (WFI, PSCI CPU_SUSPEND,
 * CPU_OFF), time jumps to the next deadline; when nothing can ever wake them,
 * the run ends with reason "halted".
 *
 * @module
 */

import { type KvmVm, MP_STATE, type OutcomeCode, SYSTEM_EVENT, type VcpuExit } from "../hyp/mod.ts";
import { type CallActionCode, type CpuCallbacks, MMIO_STOP } from "./cpu/callbacks.ts";
import { currentInsn, hasValidSyndrome } from "./cpu/syndrome.ts";
import { Cpu, Exit } from "./cpu/cpu.ts";
import { GuestError, type GuestErrorKind } from "./errors.ts";
import { Slot } from "./state.ts";
import type { RunReason } from "./run_reason.ts";
import type { Vm } from "./vm.ts";

export { RUN_REASONS, type RunReason } from "./run_reason.ts";

/** The result of {@link Vm.run}. */
export interface RunResult {
  reason: RunReason;
  /** The vCPU that ended the run (0 for limit/halted). */
  cpu: number;
  /** Its PC. */
  pc: bigint;
  /** Instructions retired during this run, all vCPUs together. */
  instructions: number;
  /** Virtual time at the end, in ns. */
  timeNs: number;
  /** The KVM_RUN exit for system events and forwarded hypercalls. */
  exit?: VcpuExit;
  /** What went wrong, for undef / abort / exception_loop / breakpoint / limit / halted / mmio_nisv. */
  error?: GuestError;
  /**
   * vCPUs that entered an exception loop during this run while others could still
   * make progress: each stays at its exception vector (as on hardware or QEMU, where
   * it would spin there) and the others run on. One error per stuck vCPU.
   */
  stuck?: GuestError[];
}

/** Options of {@link Vm.run}. */
export interface RunOptions {
  /** Stop after this many instructions (all vCPUs together). 0: enter and exit at once. Default 1e9. */
  maxInstructions?: number;
  /** Stop as soon as the UART output contains this text (or matches). */
  until?: { uart?: string | RegExp };
  /** Instructions per vCPU per slice (default 10_000). Smaller is more interleaved, slower. */
  quantum?: number;
  /**
   * Stop instead of taking these exceptions (the guest's own handlers never see them):
   * "undef" (unallocated encodings), "abort" (data/instruction aborts), "brk".
   */
  stopOn?: ("undef" | "abort" | "brk")[];
}

const DEFAULT_MAX = 1_000_000_000;
const DEFAULT_QUANTUM = 10_000;

/** ESR exception classes for `stopOn` (Arm ARM D17.2.37). */
const STOP_EC: Record<string, number[]> = {
  undef: [0x00],
  abort: [0x20, 0x21, 0x24, 0x25],
  brk: [0x3c],
};

/**
 * The machine side of the CPU: devices, the hypervisor model, sleeping. The
 * HVC/SMC callbacks go to the same dispatcher a direct `vm.cpu(n).hvc()` uses.
 */
export class MachineCallbacks implements CpuCallbacks {
  /**
   * HVC/SMC hand the hypervisor model the interpreter's working copy of the
   * registers (KvmVm.hvc's `live`): nothing is copied around the call.
   */
  readonly liveRegs = true;
  /** Whether each vCPU's last wait was a WFE (a yield, not a sleep). */
  declare readonly lastWfe: Uint8Array;
  /**
   * The guest runs under the KVM model: MMIO goes through io_mem_abort (see
   * {@link emulable}), and an access outside RAM and the devices is a
   * KVM_EXIT_MMIO that the VMM (QEMU) completes from unassigned memory: reads
   * return zero, writes are ignored (kvm_cpu_exec ignores the MemTxResult).
   * Under QEMU TCG-style modes it is an external abort, as QEMU's virt gives.
   */
  declare private readonly kvm: boolean;
  /** Per vCPU: the MMIO access that stopped it because KVM could not emulate it. */
  readonly unemulated: ({ pa: number; size: number; write: boolean; isv: boolean } | undefined)[];

  declare private readonly vm: Vm;
  /** The VM's KVM model (the HVC/SMC path reaches it in one load). */
  declare private readonly hyp: KvmVm;

  constructor(vm: Vm) {
    this.vm = vm;
    this.hyp = vm.kvm;
    this.lastWfe = new Uint8Array(vm.mm.cpus);
    this.kvm = vm.kvm.mode === "kvm";
    this.unemulated = new Array(vm.mm.cpus).fill(undefined);
  }

  mmioRead(cpu: number, pa: number, size: number, out: Int32Array): boolean | typeof MMIO_STOP {
    if (this.kvm && !this.emulable(cpu, pa, size, false)) return MMIO_STOP;
    if (this.vm.board.devices.bus.read(cpu, pa, size, out)) return true;
    if (!this.kvm) return false;
    out[0] = 0;
    out[1] = 0;
    return true;
  }
  mmioWrite(
    cpu: number,
    pa: number,
    size: number,
    lo: number,
    hi: number,
  ): boolean | typeof MMIO_STOP {
    if (this.kvm && !this.emulable(cpu, pa, size, true)) return MMIO_STOP;
    return this.vm.board.devices.bus.write(cpu, pa, size, lo, hi) || this.kvm;
  }

  /**
   * Under KVM every guest access outside memory slots reaches io_mem_abort
   * (in-kernel vGIC and VMM devices alike), which needs a valid instruction
   * syndrome (syndrome.ts) and, for a protected VM in MMIO guard, a guarded
   * page (Pkvm.mmioAllowed). Otherwise KVM_RUN fails with ENOSYS
   * (arch/arm64/kvm/mmio.c, no KVM_CAP_ARM_NISV_TO_USER): the access is
   * recorded in {@link unemulated} and the vCPU stops on the instruction.
   */
  private emulable(cpu: number, pa: number, size: number, write: boolean): boolean {
    const insn = currentInsn();
    const isv = insn === undefined || hasValidSyndrome(insn);
    if (isv && this.vm.kvm.pkvm.mmioAllowed(pa, size)) return true;
    this.unemulated[cpu] = { pa, size, write, isv };
    return false;
  }

  hvc(cpu: number, imm: number, regs: Int32Array): CallActionCode {
    return this.hyp.hvc(cpu, imm, regs) as OutcomeCode as CallActionCode;
  }
  smc(cpu: number, imm: number, regs: Int32Array): CallActionCode {
    return this.hyp.smc(cpu, imm, regs) as OutcomeCode as CallActionCode;
  }

  sysregRead(cpu: number, key: number, out: Int32Array): boolean {
    return this.vm.board.devices.sysregs.read(cpu, key, out);
  }
  sysregWrite(cpu: number, key: number, lo: number, hi: number): boolean {
    return this.vm.board.devices.sysregs.write(cpu, key, lo, hi);
  }
  wait(cpu: number, wfe: boolean): boolean {
    // End the vCPU's slice. WFI sleeps until an interrupt line rises; WFE only yields, since
    // its wake-up events (SEV, a cleared exclusive monitor) are not visible here.
    this.lastWfe[cpu] = wfe ? 1 : 0;
    return true;
  }
}

/** The scheduler of one VM. */
export class Scheduler {
  declare readonly cpu: Cpu;
  declare private readonly callbacks: MachineCallbacks;
  /** vCPUs asleep in WFI (an interrupt line brings them back). */
  declare private readonly asleep: Uint8Array;
  /** vCPUs found in an exception loop in this run (skipped until the next run). */
  declare private readonly stuck: (GuestError | undefined)[];

  declare private readonly vm: Vm;

  constructor(vm: Vm) {
    this.vm = vm;
    this.callbacks = new MachineCallbacks(vm);
    this.cpu = new Cpu(vm.mm, this.callbacks);
    this.asleep = new Uint8Array(vm.mm.cpus);
    this.stuck = new Array(vm.mm.cpus).fill(undefined);
  }

  /** Forget sleep state (after a reset). */
  reset(): void {
    this.asleep.fill(0);
  }

  /** A vCPU woke up (PSCI CPU_ON, setMpState): it runs in the next slice. */
  wake(cpu: number): void {
    this.asleep[cpu] = 0;
  }

  /** Run the VM (see {@link RunOptions}). */
  run(opts: RunOptions = {}): RunResult {
    const vm = this.vm, kvm = vm.kvm, clock = vm.clock, dev = vm.board.devices, mm = vm.mm;
    const n = mm.cpus;
    const max = opts.maxInstructions ?? DEFAULT_MAX;
    const quantum = opts.quantum ?? DEFAULT_QUANTUM;
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`Invalid maxInstructions: ${max}`);
    if (!Number.isInteger(quantum) || quantum < 1) {
      throw new RangeError(`Invalid quantum: ${quantum}`);
    }
    this.cpu.stopOn = new Set((opts.stopOn ?? []).flatMap((k) => STOP_EC[k] ?? []));
    const startIcount = this.totalIcount();
    let now = clock.sliceStart;
    // A stuck vCPU is tried again in every run: the host or another vCPU may have changed
    // its state or memory since.
    this.stuck.fill(undefined);
    const result = (reason: RunReason, cpu = 0, extra: Partial<RunResult> = {}): RunResult => {
      const stuck = this.stuck.filter((e) => e !== undefined);
      return {
        reason,
        cpu,
        pc: mm.get64(cpu, Slot.PC),
        instructions: this.totalIcount() - startIcount,
        timeNs: clock.now(cpu),
        ...extra,
        ...(stuck.length ? { stuck } : {}),
      };
    };

    // KVM_RUN entry: first-run bookkeeping for every runnable vCPU.
    for (let i = 0; i < n; i++) if (kvm.vcpus[i].mpState === MP_STATE.RUNNABLE) kvm.vcpuLoad(i);
    if (max === 0) return result("limit");

    for (;;) {
      const done = this.totalIcount() - startIcount;
      if (done >= max) {
        return result("limit", 0, {
          error: new GuestError("limit", {
            cpu: 0,
            pc: mm.get64(0, Slot.PC),
            el: vm.cpu(0).el,
            detail: `${max} instructions`,
          }),
        });
      }
      this.wakeSleepers();
      clock.beginSlice(now);
      const deadline = dev.nextDeadline();
      const room = deadline <= now ? 1 : Math.min(quantum, Math.ceil(deadline - now));
      let ran = 0;
      let any = false;
      for (let i = 0; i < n; i++) {
        const v = kvm.vcpus[i];
        if (v.mpState === MP_STATE.SUSPENDED && this.pending(i)) {
          v.exit = {
            reason: "system_event",
            type: "WAKEUP",
            typeCode: SYSTEM_EVENT.WAKEUP,
            ndata: 0,
            data: [],
          };
          return result("wakeup", i, { exit: v.exit });
        }
        if (v.mpState !== MP_STATE.RUNNABLE || this.asleep[i] || v.wfi || this.stuck[i]) continue;

        any = true;
        const budget = Math.min(room, max - (this.totalIcount() - startIcount));
        if (budget <= 0) break;
        const before = clock.icount(i);
        kvm.vcpuLoad(i);
        const code = this.cpu.run(i, budget);
        ran = Math.max(ran, clock.icount(i) - before);
        const stop = this.handle(i, code, result);
        if (stop) return stop;
      }
      dev.sync();
      if (opts.until?.uart && this.uartMatches(opts.until.uart)) return result("until");
      if (any) {
        now += Math.max(ran, 1);
        continue;
      }
      // Everybody sleeps: jump to the next device deadline, or give up.
      const next = dev.nextDeadline();
      if (this.anyPending()) {
        now += 1;
        continue;
      }
      if (!Number.isFinite(next)) {
        const first = this.stuck.findIndex((e) => e !== undefined);
        if (first >= 0) {
          return result("exception_loop", first, { error: this.stuck[first] });
        }
        const running = kvm.vcpus.findIndex((v) => v.mpState !== MP_STATE.STOPPED);
        const c = running < 0 ? 0 : running;
        return result("halted", c, {
          error: new GuestError("halted", {
            cpu: c,
            pc: mm.get64(c, Slot.PC),
            el: vm.cpu(c).el,
            detail: running < 0
              ? "every vCPU is powered off"
              : "every vCPU waits and no interrupt can wake them",
          }),
        });
      }
      now = Math.max(now + 1, Math.ceil(next));
      clock.beginSlice(now);
      dev.sync();
      if (opts.until?.uart && this.uartMatches(opts.until.uart)) return result("until");
    }
  }

  /** Act on a vCPU's exit code; returns a result to stop the run, else undefined. */
  private handle(
    i: number,
    code: number,
    result: (reason: RunReason, cpu?: number, extra?: Partial<RunResult>) => RunResult,
  ): RunResult | undefined {
    const kvm = this.vm.kvm, v = kvm.vcpus[i];
    switch (code) {
      case Exit.BUDGET:
        return undefined;
      case Exit.STOPPED: {
        const u = this.callbacks.unemulated[i];
        if (!u) return undefined;
        this.callbacks.unemulated[i] = undefined;
        const info = this.cpu.exitInfo(i); // the vCPU stopped on the instruction
        const error = new GuestError("mmio_nisv", {
          cpu: i,
          pc: info.pc,
          el: info.el,
          insn: info.insn,
          disasm: this.cpu.disassembleAt(i, info.pc),
          detail: `${u.size}-byte ${u.write ? "write" : "read"} at IPA 0x${
            u.pa.toString(16).padStart(8, "0")
          }: ${
            u.isv
              ? "the page is not MMIO-guarded (pKVM MMIO guard)"
              : "no valid syndrome (ISV = 0): KVM emulates only single-register loads and " +
                "stores without writeback (no LDP/STP, pre/post-index, exclusives, SIMD&FP)"
          }`,
        });
        return result("mmio_nisv", i, { error });
      }
      case Exit.SLEEP:
        // WFI (not WFE) with nothing pending; PSCI CPU_OFF/CPU_SUSPEND are tracked by the model.
        if (v.mpState === MP_STATE.RUNNABLE && !v.wfi && !this.callbacks.lastWfe[i]) {
          this.asleep[i] = 1;
        }
        this.callbacks.lastWfe[i] = 0;
        return undefined;
      case Exit.CALL: {
        const exit = v.exit;
        if (!exit) return undefined;
        if (exit.reason === "hypercall") return result("hypercall_exit", i, { exit });
        const reason: RunReason = exit.type === "SHUTDOWN"
          ? "system_off"
          : exit.type === "RESET"
          ? "reset"
          : exit.type === "SUSPEND"
          ? "suspend"
          : "wakeup";
        return result(reason, i, { exit });
      }
      case Exit.EXCEPTION_LOOP:
      case Exit.EXCEPTION: {
        const info = this.cpu.exitInfo(i);
        const ec = info.esr >>> 26;
        const kind: GuestErrorKind = code === Exit.EXCEPTION_LOOP
          ? "exception_loop"
          : ec === 0
          ? "undef"
          : "abort";
        const error = new GuestError(kind, {
          cpu: i,
          pc: info.pc,
          el: info.el,
          esr: info.esr,
          far: info.far,
          insn: info.insn,
          disasm: this.cpu.disassembleAt(i, info.pc),
        });
        if (code === Exit.EXCEPTION_LOOP && this.othersCanRun(i)) {
          // Only this vCPU is wedged (its vector faults again at once): the others go on,
          // as they would on hardware. The run ends with exception_loop if they all stop.
          this.stuck[i] = error;
          return undefined;
        }
        const reason: RunReason = code === Exit.EXCEPTION_LOOP
          ? "exception_loop"
          : ec === 0x3c
          ? "breakpoint"
          : kind === "undef"
          ? "undef"
          : "abort";
        return result(reason, i, { error });
      }
    }
    return undefined;
  }

  /** Whether a vCPU other than `i` is powered on and not stuck (it may still make progress). */
  private othersCanRun(i: number): boolean {
    const vcpus = this.vm.kvm.vcpus;
    for (let j = 0; j < vcpus.length; j++) {
      if (j !== i && vcpus[j].mpState === MP_STATE.RUNNABLE && !this.stuck[j]) return true;
    }
    return false;
  }

  /** Wake WFI/WFE sleepers that have an interrupt line up (masked or not: WFI wakes on pending). */

  private wakeSleepers(): void {
    const kvm = this.vm.kvm;
    for (let i = 0; i < this.asleep.length; i++) {
      const v = kvm.vcpus[i];
      if ((this.asleep[i] || v.wfi) && this.pending(i)) {
        this.asleep[i] = 0;
        v.wfi = false;
      }
    }
  }

  private pending(i: number): boolean {
    const mm = this.vm.mm;
    return mm.i32[mm.slot(i, Slot.IRQ_LINES)] !== 0;
  }

  private anyPending(): boolean {
    const kvm = this.vm.kvm;
    for (let i = 0; i < this.asleep.length; i++) {
      if (kvm.vcpus[i].mpState === MP_STATE.RUNNABLE && this.pending(i)) return true;
    }
    return false;
  }

  private uartMatches(u: string | RegExp): boolean {
    const t = this.vm.uart.text();
    return typeof u === "string" ? t.includes(u) : u.test(t);
  }

  private totalIcount(): number {
    let s = 0;
    for (let i = 0; i < this.asleep.length; i++) s += this.vm.clock.icount(i);
    return s;
  }
}
