/**
 * Paravirtualised time (Arm DEN0057A) as KVM implements it (spec 2.4;
 * arch/arm64/kvm/pvtime.c): PV_TIME_FEATURES, PV_TIME_ST, the 64-byte
 * stolen-time record in guest memory, and the vCPU attribute
 * KVM_ARM_VCPU_PVTIME_CTRL / KVM_ARM_VCPU_PVTIME_IPA that sets its IPA.
 *
 * Stolen time is the vCPU thread's run_delay: the model keeps it per vCPU;
 * the machine (or a script, `cpu.preempt(ns)`) adds to it.
 *
 * @module
 */

import type { CallCtx, OutcomeCode, Service } from "./call.ts";
import { traceServiceId } from "./trace.ts";
import { PV_TIME, SMCCC } from "./consts.ts";
import { KvmError } from "./errors.ts";
import type { KvmVcpu, KvmVm } from "./kvm.ts";

/** PV_TIME_FEATURES / PV_TIME_ST. */
export class PvTimeService implements Service {
  readonly name = "pv_time";
  readonly traceId: number = traceServiceId("pv_time");
  declare private readonly vm: KvmVm;

  constructor(vm: KvmVm) {
    this.vm = vm;
  }

  handle(ctx: CallCtx): OutcomeCode {
    const v = this.vm.vcpus[ctx.port.index];
    switch (ctx.fid) {
      case PV_TIME.FEATURES: {
        // kvm_hypercall_pv_features: x1 as u32; SUCCESS only once the IPA is set.
        const f = ctx.u32(1);
        const ok = (f === PV_TIME.FEATURES || f === PV_TIME.ST) && v.pvtimeBase >= 0n;
        return ctx.ret(ok ? SMCCC.RET_SUCCESS : SMCCC.RET_NOT_SUPPORTED);
      }
      case PV_TIME.ST: {
        // kvm_init_stolen_time: zero the record, restart accounting, return the IPA.
        if (v.pvtimeBase < 0n) return ctx.ret(SMCCC.RET_NOT_SUPPORTED);
        v.lastSteal = v.runDelay;
        this.vm.memory.fill(v.pvtimeBase, PV_TIME.RECORD_SIZE, 0);
        ctx.ret(0);
        ctx.setBig(0, v.pvtimeBase);
        return 0;
      }
    }
    return ctx.ret(SMCCC.RET_NOT_SUPPORTED);
  }

  /** kvm_update_stolen_time, on every vCPU load: add the run_delay since the last update. */
  update(v: KvmVcpu): void {
    if (v.pvtimeBase < 0n) return;
    const at = v.pvtimeBase + 8n;
    if (!this.vm.memory.isRam(at, 8)) return;
    const steal = this.vm.memory.readU64(at) + (v.runDelay - v.lastSteal);
    v.lastSteal = v.runDelay;
    this.vm.memory.writeU64(at, BigInt.asUintN(64, steal));
  }

  /** KVM_SET_DEVICE_ATTR(KVM_ARM_VCPU_PVTIME_CTRL, attr) on a vCPU (spec 2.4). */
  setIpa(v: KvmVcpu, ipa: bigint, attr = 0): void {
    const op = "KVM_SET_DEVICE_ATTR(KVM_ARM_VCPU_PVTIME_CTRL)";
    if (!this.vm.profile.pvTime || this.vm.protected) {
      throw new KvmError("ENXIO", op, "stolen time is not supported for this VM");
    }
    if (attr !== 0) {
      throw new KvmError("ENXIO", op, `unknown attribute ${attr} (KVM_ARM_VCPU_PVTIME_IPA is 0)`);
    }
    if (ipa % 64n !== 0n) {
      throw new KvmError("EINVAL", op, `IPA 0x${ipa.toString(16)} is not 64-byte aligned`);
    }
    if (v.pvtimeBase >= 0n) {
      throw new KvmError(
        "EEXIST",
        op,
        `vCPU ${v.index} already has its IPA at 0x${v.pvtimeBase.toString(16)}`,
      );
    }
    // The page of the IPA must be inside a memslot (gfn_to_hva).
    if (!this.vm.memory.isRam(ipa & ~0xfffn, 1)) {
      throw new KvmError("EINVAL", op, `IPA 0x${ipa.toString(16)} is not inside guest memory`);
    }
    v.pvtimeBase = ipa;
    v.pvtimeSet = true;
  }
}
