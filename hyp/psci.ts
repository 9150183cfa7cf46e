/**
 * PSCI as KVM implements it (spec 2.2, 4; arch/arm64/kvm/psci.c):
 * kvm_psci_call → 0.1 / 0.2 / 1.x handlers chosen by the VM's PSCI version.
 *
 * @module
 */

import { type CallCtx, Outcome, type OutcomeCode, type Service } from "./call.ts";
import { traceServiceId } from "./trace.ts";
import { FID, MP_STATE, PSCI, SMCCC, SYSTEM_EVENT } from "./consts.ts";
import type { KvmVcpu, KvmVm } from "./kvm.ts";

const HWID = PSCI.MPIDR_HWID_MASK;

/** psci_affinity_mask(level): 0 for an invalid level (spec 4.2). */
export function affinityMask(level: bigint): bigint {
  if (level > 3n) return 0n;
  return HWID & ~((1n << (level === 3n ? 32n : level * 8n)) - 1n);
}

/** kvm_mpidr_to_vcpu: first vCPU (index order) whose MPIDR affinity equals `mpidr`. */
export function vcpuByMpidr(vm: KvmVm, mpidr: bigint): KvmVcpu | undefined {
  const want = mpidr & HWID;
  return vm.vcpus.find((t) => (t.port.mpidr() & HWID) === want);
}

/** KVM's PSCI. */
export class PsciService implements Service {
  readonly name = "psci";
  readonly traceId: number = traceServiceId("psci");
  declare private readonly vm: KvmVm;

  constructor(vm: KvmVm) {
    this.vm = vm;
  }

  handle(ctx: CallCtx): OutcomeCode {
    // kvm_psci_check_allowed_function: SMC64 IDs are not allowed from AArch32.
    if ((ctx.fid & FID.SMC64) && ctx.aarch32()) return ctx.ret(PSCI.RET_NOT_SUPPORTED);
    const version = this.vm.psciVersionOf();
    // The most frequent call, answered the way psci1x / psci02 would (kept small for inlining).
    if (ctx.fid === PSCI.VERSION && version !== PSCI.VERSION_0_1) return ctx.ret(version);
    return this.dispatch(ctx, version);
  }

  private dispatch(ctx: CallCtx, version: number): OutcomeCode {
    const v = this.vm.vcpus[ctx.port.index];
    if (version === PSCI.VERSION_0_1) return this.psci01(ctx, v);
    if (version === PSCI.VERSION_0_2) return this.psci02(ctx, v);
    return this.psci1x(ctx, v, version & 0xffff);
  }

  /** kvm_psci_0_1_call: only KVM's own IDs, CPU_OFF and CPU_ON. */
  private psci01(ctx: CallCtx, v: KvmVcpu): OutcomeCode {
    switch (ctx.fid) {
      case PSCI.KVM_0_1_CPU_OFF:
        return this.cpuOff(ctx, v);
      case PSCI.KVM_0_1_CPU_ON:
        return ctx.ret(this.cpuOn(ctx, v, false));
    }
    return ctx.ret(PSCI.RET_NOT_SUPPORTED);
  }

  /** kvm_psci_0_2_call. */
  private psci02(ctx: CallCtx, v: KvmVcpu): OutcomeCode {
    switch (ctx.fid) {
      case PSCI.VERSION:
        return ctx.ret(PSCI.VERSION_0_2);
      case PSCI.CPU_SUSPEND:
      case PSCI.CPU_SUSPEND64:
        // Same as WFI; power_state, entry and context are ignored; registers preserved.
        v.wfi = true;
        ctx.ret(PSCI.RET_SUCCESS);
        return Outcome.SLEEP;
      case PSCI.CPU_OFF:
        return this.cpuOff(ctx, v);
      case PSCI.CPU_ON:
        ctx.narrow32();
        return ctx.ret(this.cpuOn(ctx, v, true));
      case PSCI.CPU_ON64:
        return ctx.ret(this.cpuOn(ctx, v, true));
      case PSCI.AFFINITY_INFO:
        ctx.narrow32();
        return ctx.ret(this.affinityInfo(ctx));
      case PSCI.AFFINITY_INFO64:
        return ctx.ret(this.affinityInfo(ctx));
      case PSCI.MIGRATE_INFO_TYPE:
        return ctx.ret(PSCI.TOS_NOT_PRESENT_MP);
      case PSCI.SYSTEM_OFF:
        this.vm.systemEvent(v, SYSTEM_EVENT.SHUTDOWN, 0n);
        ctx.ret(PSCI.RET_INTERNAL_FAILURE);
        return Outcome.EXIT;
      case PSCI.SYSTEM_RESET:
        this.vm.systemEvent(v, SYSTEM_EVENT.RESET, 0n);
        ctx.ret(PSCI.RET_INTERNAL_FAILURE);
        return Outcome.EXIT;
    }
    return ctx.ret(PSCI.RET_NOT_SUPPORTED);
  }

  /** kvm_psci_1_x_call(minor): VERSION, FEATURES, SUSPEND, RESET2, OFF2; the rest is 0.2. */
  private psci1x(ctx: CallCtx, v: KvmVcpu, minor: number): OutcomeCode {
    switch (ctx.fid) {
      case PSCI.VERSION:
        return ctx.ret(0x1_0000 | minor);
      case PSCI.FEATURES:
        return ctx.ret(this.features(ctx, minor));
      case PSCI.SYSTEM_SUSPEND:
        ctx.narrow32();
        // falls through
      case PSCI.SYSTEM_SUSPEND64:
        if (this.vm.systemSuspend) {
          // Registers untouched: userspace reads the SMCCC arguments (spec 4.2).
          this.vm.systemSuspendExit(v);
          return Outcome.EXIT;
        }
        return ctx.ret(PSCI.RET_NOT_SUPPORTED);
      case PSCI.SYSTEM_RESET2:
        ctx.narrow32();
        // falls through
      case PSCI.SYSTEM_RESET2_64: {
        if (minor < 1) return ctx.ret(PSCI.RET_NOT_SUPPORTED);
        const type = ctx.u32(1);
        // Warm reset (0) or vendor reset (≥ 0x80000000): only x0 := INTERNAL_FAILURE.
        if (type === 0 || type >= 0x8000_0000) {
          this.vm.systemEvent(v, SYSTEM_EVENT.RESET, SYSTEM_EVENT.FLAG_PSCI_RESET2);
          ctx.set(0, PSCI.RET_INTERNAL_FAILURE);
          return Outcome.EXIT;
        }
        return ctx.ret(PSCI.RET_INVALID_PARAMS);
      }
      case PSCI.SYSTEM_OFF2:
        ctx.narrow32();
        // falls through
      case PSCI.SYSTEM_OFF2_64: {
        if (minor < 3) return ctx.ret(PSCI.RET_NOT_SUPPORTED);
        const type = ctx.u32(1);
        // SYSTEM_OFF2 type 0 is an alias of HIBERNATE_OFF; x2 must be zero (full 64-bit).
        if ((type !== 0 && type !== PSCI.OFF2_TYPE_HIBERNATE_OFF) || !ctx.isZero(2)) {
          return ctx.ret(PSCI.RET_INVALID_PARAMS);
        }
        this.vm.systemEvent(v, SYSTEM_EVENT.SHUTDOWN, SYSTEM_EVENT.FLAG_PSCI_OFF2);
        ctx.ret(PSCI.RET_INTERNAL_FAILURE);
        return Outcome.EXIT;
      }
    }
    return this.psci02(ctx, v);
  }

  /** PSCI_FEATURES (x1 as u32), spec 4.2. */
  private features(ctx: CallCtx, minor: number): number {
    const f = ctx.u32(1);
    if ((f & FID.SMC64) && ctx.aarch32()) return PSCI.RET_NOT_SUPPORTED;

    switch (f) {
      case PSCI.VERSION:
      case PSCI.CPU_SUSPEND:
      case PSCI.CPU_SUSPEND64:
      case PSCI.CPU_OFF:
      case PSCI.CPU_ON:
      case PSCI.CPU_ON64:
      case PSCI.AFFINITY_INFO:
      case PSCI.AFFINITY_INFO64:
      case PSCI.MIGRATE_INFO_TYPE:
      case PSCI.SYSTEM_OFF:
      case PSCI.SYSTEM_RESET:
      case PSCI.FEATURES:
      case SMCCC.VERSION:
        return PSCI.RET_SUCCESS;
      case PSCI.SYSTEM_SUSPEND:
      case PSCI.SYSTEM_SUSPEND64:
        return this.vm.systemSuspend ? PSCI.RET_SUCCESS : PSCI.RET_NOT_SUPPORTED;
      case PSCI.SYSTEM_RESET2:
      case PSCI.SYSTEM_RESET2_64:
        return minor >= 1 ? PSCI.RET_SUCCESS : PSCI.RET_NOT_SUPPORTED;
      case PSCI.SYSTEM_OFF2:
      case PSCI.SYSTEM_OFF2_64:
        return minor >= 3 ? PSCI.OFF2_TYPE_HIBERNATE_OFF : PSCI.RET_NOT_SUPPORTED;
    }
    return PSCI.RET_NOT_SUPPORTED;
  }

  /** CPU_OFF: the caller becomes STOPPED and sleeps; its x0 = 0 is overwritten by a later CPU_ON. */
  private cpuOff(ctx: CallCtx, v: KvmVcpu): OutcomeCode {
    v.mpState = MP_STATE.STOPPED;
    ctx.ret(PSCI.RET_SUCCESS);
    return Outcome.SLEEP;
  }

  /** kvm_psci_vcpu_on: x1 = target MPIDR, x2 = entry, x3 = context (spec 4.2). */
  cpuOn(ctx: CallCtx, v: KvmVcpu, psci02: boolean): number {
    const mpidr = ctx.big(1);
    if (mpidr & ~HWID) return PSCI.RET_INVALID_PARAMS;
    const target = vcpuByMpidr(this.vm, mpidr);
    if (!target) return PSCI.RET_INVALID_PARAMS;
    if (target.mpState !== MP_STATE.STOPPED) {
      return psci02 ? PSCI.RET_ALREADY_ON : PSCI.RET_INVALID_PARAMS;
    }
    // The pending reset (PC = entry, x0 = context, caller's endianness) is applied at once:
    // indistinguishable from KVM's lazy reset, which any register access or run applies first (spec 7.4).
    target.port.reset(ctx.big(2), ctx.big(3), v.port.bigEndian());
    this.vm.setRunnable(target);
    return PSCI.RET_SUCCESS;
  }

  /** kvm_psci_vcpu_affinity_info (spec 4.2): never returns ON_PENDING. */
  private affinityInfo(ctx: CallCtx): number {
    let target = ctx.big(1);
    if (target & ~HWID) return PSCI.RET_INVALID_PARAMS;
    const mask = affinityMask(ctx.big(2));
    if (mask === 0n) return PSCI.RET_INVALID_PARAMS;
    target &= mask;
    let matching = 0;
    for (const t of this.vm.vcpus) {
      if ((t.port.mpidr() & mask) === target) {
        matching++;
        if (t.mpState !== MP_STATE.STOPPED) return PSCI.AFFINITY_ON;
      }
    }
    return matching ? PSCI.AFFINITY_OFF : PSCI.RET_INVALID_PARAMS;
  }
}
