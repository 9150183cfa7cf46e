/**
 * The Arm architecture service (owner 0): SMCCC_VERSION and
 * SMCCC_ARCH_FEATURES with KVM's per-call answers (spec 2.1, 2.7;
 * arch/arm64/kvm/hypercalls.c). ARCH_WORKAROUND_1/2/3 never reach here by
 * HVC (EL2 fast path); by SMC they are denied (spec 1.5).
 *
 * @module
 */

import type { CallCtx, OutcomeCode, Service } from "./call.ts";
import { traceServiceId } from "./trace.ts";
import { PV_TIME, SMCCC } from "./consts.ts";
import type { KvmVm, SpectreState } from "./kvm.ts";

/** The answer of SMCCC_ARCH_FEATURES for `feature` (u32), spec 2.7. */
export function archFeature(vm: KvmVm, feature: number): number {
  const p = vm.profile, h = vm.host;
  const unaffected = p.waUnaffectedIsOne
    ? SMCCC.ARCH_WORKAROUND_RET_UNAFFECTED
    : SMCCC.RET_NOT_REQUIRED;
  const wa = (s: SpectreState) =>
    s === "vulnerable"
      ? SMCCC.RET_NOT_SUPPORTED
      : s === "mitigated"
      ? SMCCC.RET_SUCCESS
      : unaffected;
  switch (feature) {
    case SMCCC.ARCH_WORKAROUND_1:
      return wa(h.spectreV2);
    case SMCCC.ARCH_WORKAROUND_2:
      // SSBS everywhere: no firmware support is advertised, the guest uses SSBS (hypercalls.c).
      if (h.spectreV4 === "vulnerable") return SMCCC.RET_NOT_SUPPORTED;
      if (h.spectreV4 === "mitigated" && h.ssbs) return SMCCC.RET_NOT_SUPPORTED;
      return SMCCC.RET_NOT_REQUIRED;
    case SMCCC.ARCH_WORKAROUND_3:
      return p.wa3 ? wa(h.spectreBhb) : SMCCC.RET_NOT_SUPPORTED;
    case PV_TIME.FEATURES:
      // ≥5.19 follows STD_HYP_BMAP bit 0; unconditional before (spec 2.7).
      if (!p.pvTime) return SMCCC.RET_NOT_SUPPORTED;
      return !p.bitmaps || (vm.fw.stdHypBmap & 1) ? SMCCC.RET_SUCCESS : SMCCC.RET_NOT_SUPPORTED;
  }
  return SMCCC.RET_NOT_SUPPORTED;
}

/** SMCCC_VERSION / SMCCC_ARCH_FEATURES. */
export class ArchService implements Service {
  readonly name = "arch";
  readonly traceId: number = traceServiceId("arch");
  declare private readonly vm: KvmVm;

  constructor(vm: KvmVm) {
    this.vm = vm;
  }

  handle(ctx: CallCtx): OutcomeCode {
    switch (ctx.fid) {
      case SMCCC.VERSION:
        return ctx.ret(this.vm.profile.smcccVersion);
      case SMCCC.ARCH_FEATURES:
        return ctx.ret(archFeature(this.vm, ctx.u32(1)));
    }
    return ctx.ret(SMCCC.RET_NOT_SUPPORTED);
  }
}
