/**
 * The built-in EL3 firmware answering SMCs when the guest owns EL2
 * (`hyp: "none" | "hyp-stub" | "kvm-nvhe"`): QEMU's PSCI emulation, as a
 * QEMU `virt,virtualization=on` guest sees it (target/arm/tcg/psci.c
 * arm_handle_psci_call, target/arm/arm-powerctl.c), with one deliberate
 * difference: CPU_ON is atomic. QEMU powers the target on asynchronously, so
 * two racing CPU_ONs can both succeed; here the target is ON_PENDING at once
 * and becomes ON when it first runs, as the PSCI spec (DEN0022 §6.6) wants.
 *
 * Every call on the conduit is a PSCI call (unknown IDs → NOT_SUPPORTED),
 * as current QEMU's arm_is_psci_call decides.
 *
 * @module
 */

import { type CallCtx, Outcome, type OutcomeCode } from "./call.ts";
import { FID, MP_STATE, PSCI, SYSTEM_EVENT } from "./consts.ts";
import type { KvmVcpu, KvmVm } from "./kvm.ts";
import { R, traceServiceId } from "./trace.ts";

const FIRMWARE_ID = traceServiceId("firmware");

/** QEMU's KVM-independent PSCI 0.1 IDs (QEMU_PSCI_0_1_FN_*, kvm-consts.h) equal KVM's. */
const FN01 = {
  CPU_SUSPEND: PSCI.KVM_0_1_CPU_SUSPEND,
  CPU_OFF: PSCI.KVM_0_1_CPU_OFF,
  CPU_ON: PSCI.KVM_0_1_CPU_ON,
  MIGRATE: PSCI.KVM_0_1_MIGRATE,
};

/** Answer in X0 only, as QEMU writes it. */
function put(ctx: CallCtx, ret: number): OutcomeCode {
  ctx.set(0, ret);
  return Outcome.CONTINUE;
}

/** QEMU's PSCI firmware. */
export class FirmwarePsci {
  declare private readonly vm: KvmVm;

  constructor(vm: KvmVm) {
    this.vm = vm;
  }

  /**
   * A call on the firmware's conduit: an SMC reaching EL3 (PC at the SMC, which
   * the firmware skips), or an HVC (PC already past it) when QEMU emulates PSCI
   * for a guest without EL2.
   */
  call(v: KvmVcpu, ctx: CallCtx, conduit: "hvc" | "smc"): OutcomeCode {
    const trace = this.vm.trace;
    const t = trace.begin(ctx, ctx.el());
    if (conduit === "smc") ctx.skipInstruction();
    const o = this.psci(v, ctx);
    trace.end(t, ctx, R.firmware, FIRMWARE_ID, o);
    return o;
  }

  private psci(v: KvmVcpu, ctx: CallCtx): OutcomeCode {
    // PSCI_VERSION first, in integer compares (-0x7c00_0000 is 0x8400_0000 as int32): the
    // most frequent call, and the switch below compares doubles.
    if (ctx.fidBits === -0x7c00_0000 && ctx.hi(0) === 0) return put(ctx, PSCI.VERSION_1_1);
    const fid = ctx.u32(0) + ctx.hi(0) * 0x1_0000_0000;
    if (fid & FID.SMC64 && ctx.aarch32()) return put(ctx, PSCI.RET_NOT_SUPPORTED);
    switch (fid) {
      case PSCI.VERSION:
        return put(ctx, PSCI.VERSION_1_1);
      case PSCI.MIGRATE_INFO_TYPE:
        return put(ctx, PSCI.TOS_NOT_PRESENT_MP);
      case PSCI.AFFINITY_INFO:
      case PSCI.AFFINITY_INFO64: {
        // Level 0 only; "everything above affinity level 0 is always on".
        if (!ctx.isZero(2)) return put(ctx, PSCI.AFFINITY_ON);
        const t = this.byAffinity(ctx.big(1));
        return put(ctx, t ? t.psciPower : PSCI.RET_INVALID_PARAMS);
      }
      case PSCI.SYSTEM_RESET:
        this.vm.systemEvent(v, SYSTEM_EVENT.RESET, 0n);
        return Outcome.EXIT;
      case PSCI.SYSTEM_OFF:
        this.vm.systemEvent(v, SYSTEM_EVENT.SHUTDOWN, 0n);
        return Outcome.EXIT;
      case FN01.CPU_ON:
      case PSCI.CPU_ON:
      case PSCI.CPU_ON64:
        return put(ctx, this.cpuOn(ctx));
      case FN01.CPU_OFF:
      case PSCI.CPU_OFF:
        v.psciPower = PSCI.AFFINITY_OFF;
        v.mpState = MP_STATE.STOPPED;
        return Outcome.SLEEP;
      case FN01.CPU_SUSPEND:
      case PSCI.CPU_SUSPEND:
      case PSCI.CPU_SUSPEND64:
        // "Affinity levels are not supported in QEMU"; power-down becomes WFI.
        if (ctx.u32(1) & 0xfffe_0000) return put(ctx, PSCI.RET_INVALID_PARAMS);
        ctx.set(0, 0);
        v.wfi = true;
        return Outcome.SLEEP;
      case PSCI.FEATURES:
        return put(ctx, this.features(ctx));
    }
    return put(ctx, PSCI.RET_NOT_SUPPORTED);
  }

  /** arm_get_cpu_by_id: exact match on the affinity fields (no bit 31). */
  private byAffinity(id: bigint): KvmVcpu | undefined {
    return this.vm.vcpus.find((t) => (t.port.mpidr() & PSCI.MPIDR_HWID_MASK) === id);
  }

  /** arm_set_cpu_on, made atomic. */
  private cpuOn(ctx: CallCtx): number {
    const entry = ctx.big(2);
    if (entry & 3n) return PSCI.RET_INVALID_PARAMS; // AArch64 entry must be 4-byte aligned.
    const t = this.byAffinity(ctx.big(1));
    if (!t) return PSCI.RET_INVALID_PARAMS;
    if (t.psciPower === PSCI.AFFINITY_ON) return PSCI.RET_ALREADY_ON;
    if (t.psciPower === PSCI.AFFINITY_ON_PENDING) return PSCI.RET_ON_PENDING;
    // The target starts at the highest EL the guest has (EL2 here), AArch64, DAIF masked.
    t.port.reset(entry, ctx.big(3), false);
    t.psciPower = PSCI.AFFINITY_ON_PENDING;
    this.vm.setRunnable(t);
    return PSCI.RET_SUCCESS;
  }

  private features(ctx: CallCtx): number {
    const f = ctx.u32(1) + ctx.hi(1) * 0x1_0000_0000;
    switch (f) {
      case PSCI.VERSION:
      case PSCI.MIGRATE_INFO_TYPE:
      case PSCI.AFFINITY_INFO:
      case PSCI.AFFINITY_INFO64:
      case PSCI.SYSTEM_RESET:
      case PSCI.SYSTEM_OFF:
      case FN01.CPU_ON:
      case PSCI.CPU_ON:
      case PSCI.CPU_ON64:
      case FN01.CPU_OFF:
      case PSCI.CPU_OFF:
      case FN01.CPU_SUSPEND:
      case PSCI.CPU_SUSPEND:
      case PSCI.CPU_SUSPEND64:
      case PSCI.FEATURES:
        return (f & FID.SMC64) && ctx.aarch32() ? PSCI.RET_NOT_SUPPORTED : PSCI.RET_SUCCESS;
    }
    return PSCI.RET_NOT_SUPPORTED;
  }
}
