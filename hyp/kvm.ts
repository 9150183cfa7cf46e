/**
 * The KVM/arm64 model of one VM: per-VM and per-vCPU state and the SMCCC
 * dispatcher in KVM's order (spec 1.5 trap paths, 1.6
 * kvm_smccc_call_handler, 7.6 checklist):
 *
 * 1. HVC: the EL2 fast path for ARCH_WORKAROUND_1/2/3 (x0 = x1 = 0).
 * 2. SMC: PC += 4; imm != 0 → x0 = -1 only; pre-6.4 kernels → x0 = -1 only.
 * 3. pKVM protected VMs: the EL2 handlers (kvm_handle_pvm_hvc64) first.
 * 4. SMCCC filter → bitmap gate / default-allowed → the owning service
 *    (bus) → NOT_SUPPORTED.
 *
 * The model reaches the machine only through the ports of port.ts.
 *
 * @module
 */

import { Bus, CallCtx, NOT_SUPPORTED, Outcome, type OutcomeCode } from "./call.ts";
import {
  FILTER_ACTION,
  HYPERCALL_EXIT,
  KVM_VENDOR,
  MP_STATE,
  OWNER,
  PSCI,
  PV_TIME,
  SMCCC,
  SYSTEM_EVENT,
  TRNG,
} from "./consts.ts";
import { KvmError } from "./errors.ts";
import type { ClockPort, LiveLayout, MemoryPort, VcpuPort } from "./port.ts";
import { type KernelName, type Profile, profile as resolveProfile } from "./profiles.ts";
import { CallTrace, R, traceServiceId } from "./trace.ts";
import { ArchService } from "./arch.ts";
import { PsciService } from "./psci.ts";
import { TrngService } from "./trng.ts";
import { PvTimeService } from "./pv_time.ts";
import { VendorService } from "./vendor.ts";
import { Pkvm } from "./pkvm.ts";
import { SmcccFilter } from "./filter.ts";
import { FirmwareRegs } from "./fw_regs.ts";
import { HypStub } from "./hyp_stub.ts";
import { FirmwarePsci } from "./firmware.ts";

/** Spectre mitigation state of the host CPU (arm64_get_spectre_*_state). */
export type SpectreState = "vulnerable" | "mitigated" | "unaffected";

/** Host facts KVM's answers depend on (design.md `host`). */
export interface HostOptions {
  /** Spectre-v2 (drives ARCH_WORKAROUND_1). Default "mitigated". */
  spectreV2?: SpectreState;
  /** Spectre-v4 / SSB (drives ARCH_WORKAROUND_2). Default "mitigated". */
  spectreV4?: SpectreState;
  /** Spectre-BHB (drives ARCH_WORKAROUND_3). Default "unaffected". */
  spectreBhb?: SpectreState;
  /** The VM exposes FEAT_SSBS (ID_AA64PFR1_EL1.SSBS ≥ IMP; older kernels: the host has SSBS). Default true. */
  ssbs?: boolean;
  /** Host clocksource; PTP works only with "arch_counter" (spec 2.5). Default "arch_counter". */
  clocksource?: string;
}

/**
 * Who answers HVC/SMC from EL1 (design.md `hyp`): "kvm" (the KVM model), "hyp-stub"
 * (a kernel booted at EL2 left Linux's stub), "kvm-nvhe" (KVM's nVHE hypervisor
 * installed), "none" (the guest owns EL2; PSCI by SMC to QEMU-style firmware), or
 * "firmware" (QEMU `-M virt` without virtualization: EL1 only, PSCI by HVC to the firmware).
 */
export type HypMode = "kvm" | "hyp-stub" | "kvm-nvhe" | "none" | "firmware";

/** Options of the model. */
export interface KvmOptions {
  kernel?: KernelName | string;
  /** A pKVM protected VM. */
  protected?: boolean;
  /** vCPUs initialised with KVM_ARM_VCPU_PSCI_0_2. Default true. */
  psci02?: boolean;
  host?: HostOptions;
  hyp?: HypMode;
  /** CPU implements VHE (hyp-stub FINALISE_EL2). Default true. */
  vhe?: boolean;
  /** The kernel asked for hVHE: FINALISE_EL2 refuses. Default false. */
  hvhe?: boolean;
  /** Seed of the deterministic TRNG entropy source. Default 0. */
  trngSeed?: bigint | number;
}

/** A KVM_RUN exit, as `kvm_run` would describe it. */
export type VcpuExit =
  | {
    reason: "hypercall";
    /** run->hypercall.nr: the function ID. */
    nr: number;
    /** run->hypercall.flags decoded: SMC conduit; `imm16` = KVM_HYPERCALL_EXIT_16BIT (16-bit instruction). */
    flags: { smc: boolean; imm16: boolean; raw: number };
  }
  | {
    reason: "system_event";
    type: "SHUTDOWN" | "RESET" | "CRASH" | "WAKEUP" | "SUSPEND";
    typeCode: number;
    ndata: number;
    data: bigint[];
  };

/** An answer a user handler gives to a forwarded call: X0..X3 (missing = unchanged). */
export type HypercallAnswer = readonly (bigint | number)[] | undefined | void;

/** A forwarded (FWD_TO_USER) call seen by an `onHypercall` handler. */
export interface HypercallRequest {
  cpu: number;
  /** The function ID. */
  nr: number;
  smc: boolean;
  /** X0..X17 at the call. */
  x: readonly bigint[];
}

/** The model's state of one vCPU. */
export class KvmVcpu {
  mpState: number = MP_STATE.RUNNABLE;
  /** The stolen-time record IPA, or -1n (INVALID_GPA) when unset. */
  pvtimeBase = -1n;
  /** pvtimeBase is set (a boolean for the hot path). */
  pvtimeSet = false;
  /** run_delay of the vCPU thread at the last stolen-time update (ns). */
  lastSteal = 0n;
  /** Accumulated run_delay of the vCPU thread (ns): time runnable but not running. */
  runDelay = 0n;
  /** The last KVM_RUN exit, or null. */
  exit: VcpuExit | null = null;
  /** Waiting for an interrupt (PSCI CPU_SUSPEND is a WFI, spec 4.2). */
  wfi = false;
  /** Has entered KVM_RUN at least once. */
  hasRun = false;
  /**
   * PSCI power state kept by firmware below the OS: pKVM's EL2 for protected vCPUs, or the
   * built-in EL3 firmware (AFFINITY_INFO values: ON 0, OFF 1, ON_PENDING 2).
   */
  psciPower: number = PSCI.AFFINITY_ON;
  declare readonly port: VcpuPort;

  constructor(port: VcpuPort) {
    this.port = port;
  }

  get index(): number {
    return this.port.index;
  }
}

/** The host clock and memory ports plus the vCPU ports. */
export interface KvmPorts {
  vcpus: VcpuPort[];
  memory: MemoryPort;
  clock: ClockPort;
  /** Called when a vCPU becomes runnable (PSCI CPU_ON, setMpState) so a scheduler can pick it up. */
  wake?: (cpu: number) => void;
  /** Layout of the live register blocks a running CPU may pass to {@link KvmVm.hvc}/{@link KvmVm.smc}. */
  live?: LiveLayout;
}

/** Trace ids of the paths that answer without a service. */
const T = {
  arch: traceServiceId("arch"),
  pkvm: traceServiceId("pkvm"),
  kvm: traceServiceId("kvm"),
  filter: traceServiceId("filter"),
  user: traceServiceId("user"),
};

const DEFAULT_HOST: Required<HostOptions> = {
  spectreV2: "mitigated",
  spectreV4: "mitigated",
  spectreBhb: "unaffected",
  ssbs: true,
  clocksource: "arch_counter",
};

/**
 * The KVM model of one VM.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createVm, PSCI } from "../mod.ts";
 * const vm = createVm({ cpus: 1 });
 * assert(vm.cpu(0).hvc(PSCI.VERSION).x0 === 0x10003n);
 * ```
 */
export class KvmVm {
  declare readonly profile: Profile;
  declare readonly host: Required<HostOptions>;
  declare readonly mode: HypMode;
  declare readonly protected: boolean;
  declare readonly psci02: boolean;
  declare readonly vhe: boolean;
  declare readonly hvhe: boolean;
  declare readonly vcpus: KvmVcpu[];
  declare readonly memory: MemoryPort;
  declare readonly clock: ClockPort;
  readonly trace: CallTrace = new CallTrace();
  declare readonly fw: FirmwareRegs;
  declare readonly filter: SmcccFilter;
  declare readonly trng: TrngService;
  declare readonly pkvm: Pkvm;
  declare readonly stub: HypStub;
  declare readonly firmware: FirmwarePsci;
  declare readonly psci: PsciService;
  declare readonly pvTime: PvTimeService;
  /** The bus of in-kernel services (KVM's exact-match handlers and PSCI). */
  declare readonly bus: Bus;
  /** Any vCPU of the VM has run (kvm_vm_has_ran_once). */
  hasRun = false;
  /** KVM_CAP_ARM_SYSTEM_SUSPEND enabled (KVM_ARCH_FLAG_SYSTEM_SUSPEND_ENABLED). */
  systemSuspend = false;
  /** Stored KVM_REG_ARM_PSCI_VERSION (0 = KVM_ARM_PSCI_LATEST). */
  psciVersion = 0;
  /** The userspace handler for FWD_TO_USER calls, if any. */
  onHypercall: ((req: HypercallRequest) => HypercallAnswer) | null = null;
  declare private readonly wake: (cpu: number) => void;
  declare private readonly ctx: CallCtx;
  /** mode === "kvm" / "firmware", as booleans for the call path. */
  declare private readonly isKvm: boolean;
  declare private readonly isFirmware: boolean;

  constructor(opts: KvmOptions, ports: KvmPorts) {
    this.profile = resolveProfile(opts.kernel);
    this.host = { ...DEFAULT_HOST, ...opts.host };
    for (const k of ["spectreV2", "spectreV4", "spectreBhb"] as const) {
      if (!["vulnerable", "mitigated", "unaffected"].includes(this.host[k])) {
        throw new RangeError(
          `Invalid host.${k}: ${this.host[k]} (vulnerable, mitigated or unaffected)`,
        );
      }
    }
    this.mode = opts.hyp ?? "kvm";
    this.isKvm = this.mode === "kvm";
    this.isFirmware = this.mode === "firmware";
    if (!["kvm", "hyp-stub", "kvm-nvhe", "none", "firmware"].includes(this.mode)) {
      throw new RangeError(`Invalid hyp: ${this.mode} (kvm, hyp-stub, kvm-nvhe, none or firmware)`);
    }
    this.protected = opts.protected ?? false;
    this.psci02 = opts.psci02 ?? true;
    this.vhe = opts.vhe ?? true;
    this.hvhe = opts.hvhe ?? false;
    if (this.protected) {
      if (this.profile.pkvm === "none") {
        throw new KvmError(
          "EINVAL",
          "KVM_CREATE_VM",
          `protected VMs need a pKVM kernel profile ("next" or "android16-6.12"), not ${this.profile.name}`,
        );
      }
      // Protected vCPUs must have PSCI 0.2 (spec 2.6.2, 7.1).
      if (!this.psci02) {
        throw new KvmError(
          "EINVAL",
          "KVM_ARM_VCPU_INIT",
          "protected vCPUs require KVM_ARM_VCPU_PSCI_0_2",
        );
      }
    }
    this.ctx = new CallCtx(ports.vcpus[0], ports.live);

    this.vcpus = ports.vcpus.map((p) => new KvmVcpu(p));
    this.memory = ports.memory;
    this.clock = ports.clock;
    this.wake = ports.wake ?? (() => {});
    this.fw = new FirmwareRegs(this);
    this.filter = new SmcccFilter(this);
    this.trng = new TrngService(this, opts.trngSeed ?? 0);
    this.pkvm = new Pkvm(this);
    this.stub = new HypStub(this);
    this.firmware = new FirmwarePsci(this);
    this.psci = new PsciService(this);
    this.pvTime = new PvTimeService(this);
    this.bus = this.buildBus();
  }

  /** The in-kernel services of this profile, by function-ID range (spec 1.6 step 4). */
  private buildBus(): Bus {
    const p = this.profile;
    const bus = new Bus(NOT_SUPPORTED);
    const arch = new ArchService(this);
    bus.register(SMCCC.VERSION, 0x8000_ffff, arch);
    bus.register(PSCI.VERSION, 0x8400_001f, this.psci);
    bus.register(0xc400_0000, 0xc400_001f, this.psci);
    bus.register(PSCI.KVM_0_1_CPU_SUSPEND, PSCI.KVM_0_1_MIGRATE, this.psci);
    if (p.trng) {
      bus.register(TRNG.VERSION, TRNG.RND32, this.trng);
      bus.register(TRNG.RND64, TRNG.RND64, this.trng);
    }
    if (p.pvTime) bus.register(PV_TIME.FEATURES, PV_TIME.ST, this.pvTime);
    if (p.vendor) {
      const vendor = new VendorService(this);
      bus.register(KVM_VENDOR.FEATURES, KVM_VENDOR.PTP, vendor);
      bus.register(KVM_VENDOR.CALL_UID, KVM_VENDOR.CALL_UID, vendor);
    }
    return bus;
  }

  /** The vCPU model, with a clear error for a bad index. */
  vcpu(i: number): KvmVcpu {
    const v = this.vcpus[i];
    if (!v) {
      throw new RangeError(
        `No vCPU ${i}: this VM has ${this.vcpus.length} (0..${this.vcpus.length - 1})`,
      );
    }
    return v;
  }

  /** The PSCI version the vCPU sees (kvm_psci_version, spec 3.2). */
  psciVersionOf(): number {
    if (!this.psci02) return PSCI.VERSION_0_1;
    return this.psciVersion || this.profile.psciLatest;
  }

  /** KVM_RUN entry of vCPU `i`: first-run bookkeeping, stolen-time update, pKVM power state. */
  vcpuLoad(i: number): void {
    const v = this.vcpus[i] ?? this.vcpu(i);
    v.hasRun = true;
    this.hasRun = true;
    if (v.exit !== null) v.exit = null;
    if (v.pvtimeSet) this.pvTime.update(v);
    if (v.psciPower === PSCI.AFFINITY_ON_PENDING) v.psciPower = PSCI.AFFINITY_ON;
  }

  // ---------------------------------------------------------------------------------------------
  // Trap entry (spec 1.5)

  /**
   * `hvc #imm` from vCPU `i` (PC already past the HVC). `live`: the running
   * CPU's working copy of the vCPU's registers (laid out as KvmPorts.live),
   * current in place of `VcpuPort.regs` for this call; machine-side port
   * methods that touch the vCPU's state synchronise it themselves.
   */
  hvc(i: number, imm: number, live?: Int32Array): OutcomeCode {
    // Kept small (cold paths in other methods): V8 inlines all of it into both callers.
    const v = this.vcpus[i];
    const ctx = live === undefined
      ? this.ctx.bind(v.port, "hvc", imm)
      : this.ctx.bindLive(v.port, "hvc", imm, live);
    if (!this.isKvm) return this.hvcNotKvm(v, ctx);
    const fid = ctx.fidBits;
    // -0x7c00_0000 is PSCI.VERSION (0x8400_0000) as int32, a literal so that V8 compares words.
    if (fid === -0x7c00_0000 && this.psci02 && !this.protected && !this.filter.configured) {
      // The most frequent call, answered as smcccCall would: PSCI function 0 is always
      // allowed (standard owner, function number <= 0x1f), the bus routes it to PSCI, and
      // PsciService.handle answers it from the VM's PSCI version (0.2 or later here).
      const version = this.psciVersionOf();
      this.trace.answered(ctx, ctx.el(), R.service, this.psci.traceId, version);
      return ctx.retX0(version);
    }
    return this.hvcKvm(v, ctx);
  }

  /** An HVC under KVM: EL2's own handling first, then the SMCCC dispatcher. */
  private hvcKvm(v: KvmVcpu, ctx: CallCtx): OutcomeCode {
    const t = this.trace.begin(ctx, ctx.el());
    // EL2 fast path in the hyp vectors (hyp-entry.S el1_sync) for ARCH_WORKAROUND_1/2/3
    // (0x80008000, 0x80007fff, 0x80003fff): not filtered, not gated, imm ignored.
    if (ctx.fidBits >>> 16 === 0x8000 || this.protected) return this.hvcEl2(v, ctx, t);
    return this.smcccCall(v, ctx, t);
  }

  /** An HVC when the hypervisor is not KVM: the hyp-stub, or QEMU's firmware PSCI. */
  private hvcNotKvm(v: KvmVcpu, ctx: CallCtx): OutcomeCode {
    return this.isFirmware ? this.firmware.call(v, ctx, "hvc") : this.stub.hvc(v, ctx);
  }

  /** What EL2 does before the host sees an HVC: the workaround fast path, pKVM's handlers. */
  private hvcEl2(v: KvmVcpu, ctx: CallCtx, t: number): OutcomeCode {
    const fid = ctx.fid;
    if (
      fid === SMCCC.ARCH_WORKAROUND_1 || fid === SMCCC.ARCH_WORKAROUND_2 ||
      (fid === SMCCC.ARCH_WORKAROUND_3 && this.profile.wa3)
    ) {
      ctx.set(0, 0);
      ctx.set(1, 0);
      this.trace.end(t, ctx, R["fast-path"], T.arch, Outcome.CONTINUE);
      return Outcome.CONTINUE;
    }
    if (this.protected) {
      const o = this.pkvm.el2Hvc(v, ctx);
      if (o >= 0) {
        this.trace.end(t, ctx, R["pkvm-el2"], T.pkvm, o);
        return o as OutcomeCode;
      }
    }
    return this.smcccCall(v, ctx, t);
  }

  /** `smc #imm` from vCPU `i` (PC still at the SMC); `live` as for {@link hvc}. */
  smc(i: number, imm: number, live?: Int32Array): OutcomeCode {
    const v = this.vcpus[i];
    const ctx = live === undefined
      ? this.ctx.bind(v.port, "smc", imm)
      : this.ctx.bindLive(v.port, "smc", imm, live);
    // QEMU -M virt without EL2/EL3: an SMC is UNDEFINED (the PSCI conduit is HVC).
    if (!this.isKvm) return this.isFirmware ? Outcome.UNDEF : this.firmware.call(v, ctx, "smc");

    const t = this.trace.begin(ctx, ctx.el());
    // Protected VMs: SMC64 is not in the pVM exit table → UNDEF (spec 1.5, mainline pKVM).
    if (this.protected && this.profile.pkvm === "mainline") {
      this.trace.end(t, ctx, R.undef, T.pkvm, Outcome.UNDEF);
      return Outcome.UNDEF;
    }
    ctx.skipInstruction();
    if (!this.profile.smcDispatch) {
      // v4.x–v6.3: x0 = -1, other registers untouched (spec 1.5).
      ctx.set(0, -1);
      this.trace.end(t, ctx, R["smc-legacy"], T.kvm, Outcome.CONTINUE);
      return Outcome.CONTINUE;
    }
    if (imm !== 0) {
      // SMC with a non-zero immediate is reserved: x0 = -1 only (handle_smc).
      ctx.set(0, -1);
      this.trace.end(t, ctx, R["smc-imm"], T.kvm, Outcome.CONTINUE);
      return Outcome.CONTINUE;
    }
    return this.smcccCall(v, ctx, t);
  }

  // ---------------------------------------------------------------------------------------------
  // kvm_smccc_call_handler (spec 1.6)

  /** The SMCCC dispatcher for a bound context; `t` is the trace slot. */
  smcccCall(v: KvmVcpu, ctx: CallCtx, t: number): OutcomeCode {
    const fid = ctx.fid;
    if (!this.filter.configured || this.filter.action(fid) === FILTER_ACTION.HANDLE) {
      if (!this.allowed(fid)) {
        ctx.ret(-1);
        this.trace.end(t, ctx, R["bitmap-deny"], T.kvm, Outcome.CONTINUE);
        return Outcome.CONTINUE;
      }
      const service = this.bus.route(fid);
      const o = service.handle(ctx);
      this.trace.end(t, ctx, R.service, service.traceId, o);
      return o;
    }
    return this.filtered(v, ctx, t);
  }

  /** A call the SMCCC filter denies or forwards (spec 5). */
  private filtered(v: KvmVcpu, ctx: CallCtx, t: number): OutcomeCode {
    const fid = ctx.fid;
    if (this.filter.action(fid) === FILTER_ACTION.DENY) {
      ctx.ret(-1);
      this.trace.end(t, ctx, R["filter-deny"], T.filter, Outcome.CONTINUE);
      return Outcome.CONTINUE;
    }
    // FWD_TO_USER: KVM_EXIT_HYPERCALL, registers untouched (spec 5.4).
    const smc = ctx.conduit === "smc";
    v.exit = {
      reason: "hypercall",
      nr: fid,
      flags: { smc, imm16: false, raw: smc ? HYPERCALL_EXIT.SMC : 0 },
    };
    if (this.onHypercall) {
      const x: bigint[] = [];
      for (let n = 0; n < 18; n++) x.push(ctx.big(n));
      const { port, regs, imm } = ctx;
      const answer = this.onHypercall({ cpu: v.index, nr: fid, smc, x });
      // The handler may itself make calls (vm.cpu(n).hvc()), which rebind the VM's one call
      // context: point it back at this call before writing the answer.
      ctx.rebind(port, regs, smc ? "smc" : "hvc", imm);
      if (answer) {
        answer.forEach((val, n) => {
          if (n < 4) ctx.setBig(n, BigInt(val));
        });
        v.exit = null;
        this.trace.end(t, ctx, R["user-handler"], T.user, Outcome.CONTINUE);
        return Outcome.CONTINUE;
      }
    }
    this.trace.end(t, ctx, R["filter-fwd"], T.filter, Outcome.EXIT);
    return Outcome.EXIT;
  }

  /**
   * kvm_smccc_test_fw_bmap || kvm_smccc_default_allowed (spec 1.6 step 3).
   * Kernels before 5.19 have no bitmaps: every implemented service is reachable.
   */
  allowed(fid: number): boolean {
    if (!this.profile.bitmaps) return true;
    // PSCI 0.2+ lives in standard-owner function numbers 0..0x1f: the common case first
    // (the rest in another method keeps this one small enough to inline).
    if (((fid >>> 24) & 0x3f) === OWNER.STANDARD && (fid & 0xffff) <= 0x1f) return true;
    return this.allowedByBitmap(fid);
  }

  private allowedByBitmap(fid: number): boolean {
    const fw = this.fw;
    // The architecture calls first: the switch below compares its cases one by one.
    if (fid === SMCCC.VERSION || fid === SMCCC.ARCH_FEATURES) return true;
    switch (fid) {
      case TRNG.VERSION:
      case TRNG.FEATURES:
      case TRNG.GET_UUID:
      case TRNG.RND32:
      case TRNG.RND64:
        return (fw.stdBmap & 1) !== 0;
      case PV_TIME.FEATURES:
      case PV_TIME.ST:
        return (fw.stdHypBmap & 1) !== 0;
      case KVM_VENDOR.FEATURES:
      case KVM_VENDOR.CALL_UID:
        return (fw.vendorHypBmap & 1) !== 0;
      case KVM_VENDOR.PTP:
        return (fw.vendorHypBmap & 2) !== 0;
    }
    // KVM's own PSCI 0.1 IDs.
    return fid >= PSCI.KVM_0_1_CPU_SUSPEND && fid <= PSCI.KVM_0_1_MIGRATE;
  }

  // ---------------------------------------------------------------------------------------------
  // Power state and system events (spec 4.3, 4.4)

  /** Make `target` runnable (PSCI CPU_ON, KVM_SET_MP_STATE). */
  setRunnable(target: KvmVcpu): void {
    target.mpState = MP_STATE.RUNNABLE;
    target.wfi = false;
    this.wake(target.index);
  }

  /** kvm_prepare_system_event: every vCPU STOPPED, the caller exits with `type` and flags. */
  systemEvent(v: KvmVcpu, type: number, flags: bigint): void {
    for (const t of this.vcpus) t.mpState = MP_STATE.STOPPED;
    v.exit = {
      reason: "system_event",
      type: systemEventName(type),
      typeCode: type,
      ndata: 1,
      data: [flags],
    };
  }

  /** kvm_psci_system_suspend: exit type SUSPEND, ndata 0, nothing else changes. */
  systemSuspendExit(v: KvmVcpu): void {
    v.exit = {
      reason: "system_event",
      type: "SUSPEND",
      typeCode: SYSTEM_EVENT.SUSPEND,
      ndata: 0,
      data: [],
    };
  }

  /** KVM_SET_MP_STATE (spec 4.3). */
  setMpState(i: number, state: string | number): void {
    const v = this.vcpu(i);
    const names: Record<string, number> = {
      RUNNABLE: MP_STATE.RUNNABLE,
      STOPPED: MP_STATE.STOPPED,
      SUSPENDED: MP_STATE.SUSPENDED,
    };
    const code = typeof state === "number" ? state : names[String(state).toUpperCase()];
    if (code === undefined || !Object.values(names).includes(code)) {
      throw new KvmError(
        "EINVAL",
        "KVM_SET_MP_STATE",
        `unsupported mp_state ${String(state)} (RUNNABLE, STOPPED or SUSPENDED)`,
      );
    }
    if (code === MP_STATE.RUNNABLE) this.setRunnable(v);
    else v.mpState = code;
    v.psciPower = code === MP_STATE.STOPPED ? PSCI.AFFINITY_OFF : PSCI.AFFINITY_ON;
  }

  /** KVM_ENABLE_CAP on the VM (spec 7.3). */
  enableCap(cap: string | number): void {
    const name = typeof cap === "number"
      ? (cap === 216 ? "KVM_CAP_ARM_SYSTEM_SUSPEND" : String(cap))
      : cap;
    if (
      name.toUpperCase().replace(/^KVM_CAP_/, "") === "ARM_SYSTEM_SUSPEND" && this.profile.bitmaps
    ) {
      this.systemSuspend = true;
      return;
    }
    throw new KvmError(
      "EINVAL",
      "KVM_ENABLE_CAP",
      `capability ${name} cannot be enabled on this VM (kernel ${this.profile.name})`,
    );
  }

  /** KVM_CHECK_EXTENSION for the capabilities the model knows (spec 7.3). */
  checkExtension(cap: string | number): number {
    const p = this.profile;
    const caps: Record<string, [number, boolean]> = {
      ARM_PSCI: [87, true],
      ARM_PSCI_0_2: [102, true],
      STEAL_TIME: [187, p.pvTime && !this.protected],
      PTP_KVM: [198, p.vendor],
      SYSTEM_EVENT_DATA: [215, p.bitmaps],
      ARM_SYSTEM_SUSPEND: [216, p.bitmaps],
    };
    for (const [n, [num, on]] of Object.entries(caps)) {
      if (cap === num || String(cap).toUpperCase().replace(/^KVM_CAP_/, "") === n) {
        return on ? 1 : 0;
      }
    }
    return 0;
  }
}

function systemEventName(type: number): "SHUTDOWN" | "RESET" | "CRASH" | "WAKEUP" | "SUSPEND" {
  switch (type) {
    case SYSTEM_EVENT.SHUTDOWN:
      return "SHUTDOWN";
    case SYSTEM_EVENT.RESET:
      return "RESET";
    case SYSTEM_EVENT.CRASH:
      return "CRASH";
    case SYSTEM_EVENT.WAKEUP:
      return "WAKEUP";
    default:
      return "SUSPEND";
  }
}
