/**
 * The KVM vendor hypervisor service (owner 6; spec 2.5, seed 003
 * hypercalls.rst): CALL_UID, KVM_FEATURES and PTP. Function numbers 2..63 are
 * pKVM's (pkvm.ts); DISCOVER_IMPL_* are answered only by userspace through
 * the SMCCC filter.
 *
 * @module
 */

import type { CallCtx, OutcomeCode, Service } from "./call.ts";
import { traceServiceId } from "./trace.ts";
import { KVM_VENDOR, SMCCC } from "./consts.ts";
import type { KvmVm } from "./kvm.ts";

const LO32 = 0xffff_ffffn;

/** CALL_UID / KVM_FEATURES / PTP. */
export class VendorService implements Service {
  readonly name = "kvm_vendor";
  readonly traceId: number = traceServiceId("kvm_vendor");
  declare private readonly vm: KvmVm;

  constructor(vm: KvmVm) {
    this.vm = vm;
  }

  handle(ctx: CallCtx): OutcomeCode {
    const fw = this.vm.fw;
    switch (ctx.fid) {
      case KVM_VENDOR.CALL_UID:
        return ctx.ret(KVM_VENDOR.UID[0], KVM_VENDOR.UID[1], KVM_VENDOR.UID[2], KVM_VENDOR.UID[3]);
      case KVM_VENDOR.FEATURES:
        // x0 = functions 0..31 = VENDOR_HYP_BMAP; x2 = functions 64..95 = VENDOR_HYP_BMAP_2 (≥6.15).
        return ctx.ret(fw.vendorHypBmap, 0, this.vm.profile.bmap2 ? fw.vendorHypBmap2 : 0, 0);
      case KVM_VENDOR.PTP:
        return this.ptp(ctx);
    }
    return ctx.ret(SMCCC.RET_NOT_SUPPORTED);
  }

  /** kvm_ptp_get_time: wall-clock ns and a counter, split in 32-bit halves (spec 2.5). */
  private ptp(ctx: CallCtx): OutcomeCode {
    const { clock, host } = this.vm;
    const which = ctx.u32(1); // read before the answer overwrites x1
    // Only valid when the host clocksource is the architected counter.
    if (host.clocksource !== "arch_counter") return ctx.ret(SMCCC.RET_NOT_SUPPORTED);
    let cycles: bigint;
    if (which === KVM_VENDOR.PTP_VIRT_COUNTER) {
      cycles = clock.hostCounter() - clock.virtualOffset();
    } else if (which === KVM_VENDOR.PTP_PHYS_COUNTER) {
      cycles = clock.hostCounter() - clock.physicalOffset();
    } else return ctx.ret(SMCCC.RET_NOT_SUPPORTED);

    cycles = BigInt.asUintN(64, cycles);
    const real = clock.realtimeNs();
    ctx.setBig(0, real >> 32n);
    ctx.setBig(1, real & LO32);
    ctx.setBig(2, cycles >> 32n);
    ctx.setBig(3, cycles & LO32);
    return 0;
  }
}
