/**
 * pKVM protected-VM guest calls handled at EL2 before the host sees them
 * (kvm_handle_pvm_hvc64), in two flavours:
 *
 * - "mainline" (profile `next`, spec 2.6.2): KVM_FEATURES = 0x1D, HYP_MEMINFO,
 *   single-page MEM_SHARE / MEM_UNSHARE; everything else goes to the host.
 * - "android" (profile `android16-6.12`, spec 2.6.3; ACK
 *   arch/arm64/kvm/hyp/nvhe/pkvm.c): SMCCC_VERSION 1.2, CALL_UID,
 *   KVM_FEATURES, HYP_MEMINFO with KVM_FUNC_HAS_RANGE, ranged MEM_SHARE /
 *   MEM_UNSHARE with partial progress in x1 (seed 001), MEM_RELINQUISH, the MMIO
 *   guard, TRNG forwarded to firmware, and pKVM's own PSCI (ON_PENDING).
 *
 * Page ownership per 4 KiB granule (mem_protect.c page states): guest RAM is
 * "owned" (PKVM_PAGE_OWNED); MEM_SHARE makes it "shared" (SHARED_OWNED, the host
 * has it SHARED_BORROWED); MEM_RELINQUISH gives it back to the host, cleared
 * ("relinquished", PKVM_NOPAGE for the guest until it faults a fresh page in).
 * Never-touched pages are faulted in on demand: the -EFAULT → host map →
 * re-execute round trip is invisible to the guest, so they count as owned.
 *
 * @module
 */

import { type CallCtx, Outcome } from "./call.ts";
import { KVM_VENDOR, PSCI, SMCCC, TRNG } from "./consts.ts";
import type { KvmVcpu, KvmVm } from "./kvm.ts";
import { affinityMask } from "./psci.ts";

/** A guest page's state as pKVM tracks it. */
export type PageState = "owned" | "shared" | "relinquished" | "mmio" | "unmapped";

/** pKVM's PAGE_SIZE, the memory protection granule (HYP_MEMINFO). */
export const PKVM_GRANULE = 4096;
/**
 * PTEs one MEM_SHARE/UNSHARE walk visits before stopping to bound the time at
 * EL2 (ACK mem_protect.c GUEST_WALKER_DATA_INIT .max_ptes; value 512 UNCONFIRMED).
 */
export const PKVM_MAX_PTES = 512;

/** Bits of KVM_FEATURES for a mainline protected VM: FEATURES, HYP_MEMINFO, MEM_SHARE, MEM_UNSHARE (spec 2.6.2). */
const MAINLINE_FEATURES = 0x1d;
/**
 * ACK android16-6.12: functions 0, 2..11 (spec 2.6.3). DEV_REQ_PWR is also set
 * there; its function number is UNCONFIRMED, so it is not modelled.
 */
const ANDROID_FEATURES = 0xffd;
const PASS_TO_HOST = -1;
const INVALID = SMCCC.RET_INVALID_PARAMETER;

/** The pKVM state of a protected VM. */
export class Pkvm {
  /** Pages whose state differs from the default (RAM: owned, elsewhere: unmapped). */
  private readonly pages = new Map<number, PageState>();
  /** MMIO_GUARD_ENROLL was called (KVM_ARCH_FLAG_MMIO_GUARD). */
  mmioGuardEnrolled = false;

  declare private readonly vm: KvmVm;

  constructor(vm: KvmVm) {
    this.vm = vm;
  }

  /** The state of the page holding `ipa`. */
  pageState(ipa: bigint): PageState {
    const page = Number(ipa / BigInt(PKVM_GRANULE));
    const s = this.pages.get(page);
    if (s) return s;
    return this.vm.memory.isRam(BigInt(page * PKVM_GRANULE), PKVM_GRANULE) ? "owned" : "unmapped";
  }

  /**
   * Whether a data access of `size` bytes at `ipa` outside memory may be emulated as MMIO:
   * once the VM enrolled in MMIO guard, only pages it guarded (MMIO_GUARD_MAP) qualify,
   * both ends checked when the access crosses a page (ACK nvhe/mem_protect.c
   * __pkvm_check_ioguard_page). A failed check clears ESR.ISV for the host
   * (handle_pvm_exit_dabt), so the access cannot be emulated (KVM_RUN: ENOSYS).
   */
  mmioAllowed(ipa: number, size: number): boolean {
    if (!this.vm.protected || !this.mmioGuardEnrolled) return true;
    const page = (a: number) => this.pages.get(Math.floor(a / PKVM_GRANULE));
    return page(ipa) === "mmio" && page(ipa + size - 1) === "mmio";
  }

  /** True when the host may access the page holding `ipa` (shared or given back). */

  hostCanAccess(ipa: bigint): boolean {
    if (!this.vm.protected) return true;
    const s = this.pageState(ipa);
    return s === "shared" || s === "relinquished" || s === "unmapped" || s === "mmio";
  }

  /** All pages not in their default state, as [ipa, state] pairs sorted by address. */
  changedPages(): [bigint, PageState][] {
    return [...this.pages.entries()].sort((a, b) => a[0] - b[0])
      .map(([p, s]) => [BigInt(p) * BigInt(PKVM_GRANULE), s]);
  }

  /**
   * The EL2 handler for HVCs of protected vCPUs. Returns an Outcome, or -1
   * to pass the call to the host's dispatcher.
   */
  el2Hvc(v: KvmVcpu, ctx: CallCtx): number {
    return this.vm.profile.pkvm === "android" ? this.android(v, ctx) : this.mainline(ctx);
  }

  private mainline(ctx: CallCtx): number {
    switch (ctx.fid) {
      case KVM_VENDOR.FEATURES:
        return ctx.ret(MAINLINE_FEATURES);
      case KVM_VENDOR.HYP_MEMINFO:
        if (!ctx.isZero(1) || !ctx.isZero(2) || !ctx.isZero(3)) return ctx.ret(INVALID);
        return ctx.ret(PKVM_GRANULE);
      case KVM_VENDOR.MEM_SHARE:
      case KVM_VENDOR.MEM_UNSHARE: {
        if (!ctx.isZero(2) || !ctx.isZero(3)) return ctx.ret(INVALID);
        const share = ctx.fid === KVM_VENDOR.MEM_SHARE;
        const r = this.transition(ctx.big(1), 1, share ? "shared" : "owned");
        return ctx.ret(r > 0 ? SMCCC.RET_SUCCESS : INVALID);
      }
    }
    return PASS_TO_HOST;
  }

  private android(v: KvmVcpu, ctx: CallCtx): number {
    switch (ctx.fid) {
      case SMCCC.VERSION:
        return ctx.ret(SMCCC.VERSION_1_2);
      case KVM_VENDOR.CALL_UID:
        return ctx.ret(KVM_VENDOR.UID[0], KVM_VENDOR.UID[1], KVM_VENDOR.UID[2], KVM_VENDOR.UID[3]);
      case KVM_VENDOR.FEATURES:
        return ctx.ret(ANDROID_FEATURES);
      case KVM_VENDOR.MMIO_GUARD_ENROLL:
        this.mmioGuardEnrolled = true;
        return ctx.ret(SMCCC.RET_SUCCESS);
      case KVM_VENDOR.MMIO_GUARD_MAP:
      case KVM_VENDOR.MMIO_RGUARD_MAP:
        return this.ioguardMap(ctx);
      case KVM_VENDOR.MMIO_GUARD_UNMAP:
      case KVM_VENDOR.MMIO_RGUARD_UNMAP: {
        // 6.12: a no-op kept for old guests; x1 = the requested count, even on error.
        const legacy = ctx.fid === KVM_VENDOR.MMIO_GUARD_UNMAP;
        const nr = legacy ? 1n : ctx.big(2);
        const ok = (legacy || ctx.isZero(3)) && this.mmioGuardEnrolled;
        ctx.ret(ok ? SMCCC.RET_SUCCESS : INVALID);
        ctx.setBig(1, nr);
        return Outcome.CONTINUE;
      }
      case KVM_VENDOR.MMIO_GUARD_INFO:
      case KVM_VENDOR.HYP_MEMINFO:
        if (!ctx.isZero(1) || !ctx.isZero(2) || !ctx.isZero(3)) return ctx.ret(INVALID);
        return ctx.ret(PKVM_GRANULE, KVM_VENDOR.FUNC_HAS_RANGE);
      case KVM_VENDOR.MEM_SHARE:
      case KVM_VENDOR.MEM_UNSHARE: {
        // Legacy guests pass 0 granules: one page (seed 001 KVM_FUNC_HAS_RANGE).
        let nr = ctx.isZero(2) ? 1 : ctx.num(2);
        if (Number.isNaN(nr)) nr = Number.MAX_SAFE_INTEGER;
        const ipa = ctx.big(1);
        if (!ctx.isZero(3) || ipa % BigInt(PKVM_GRANULE) !== 0n) return ctx.ret(INVALID);
        const share = ctx.fid === KVM_VENDOR.MEM_SHARE;
        const done = this.transition(ipa, nr, share ? "shared" : "owned");
        return done > 0 ? ctx.ret(SMCCC.RET_SUCCESS, done) : ctx.ret(INVALID);
      }
      case KVM_VENDOR.MEM_RELINQUISH:
        return this.relinquish(ctx);
      case TRNG.VERSION:
      case TRNG.FEATURES:
      case TRNG.GET_UUID:
      case TRNG.RND32:
      case TRNG.RND64:
        // Forwarded to EL3 firmware, not subject to the host's bitmaps (pkvm_forward_trng).
        return this.vm.trng.handle(ctx);
    }
    return this.androidPsci(v, ctx);
  }

  /**
   * Move up to `nr` pages from the opposite state to `to` ("shared" for
   * MEM_SHARE, "owned" for MEM_UNSHARE). The walk covers at most
   * PKVM_MAX_PTES pages; any page in the walked window in the wrong state
   * fails the whole call. Returns the pages transitioned (0 = error).
   */
  private transition(ipa: bigint, nr: number, to: "shared" | "owned"): number {
    const from = to === "shared" ? "owned" : "shared";
    const first = Number(ipa / BigInt(PKVM_GRANULE));
    const count = Math.min(nr, PKVM_MAX_PTES);
    for (let i = 0; i < count; i++) {
      let s = this.pageState(BigInt(first + i) * BigInt(PKVM_GRANULE));
      if (s === "relinquished") s = "owned"; // faulted back in, zeroed, on access
      if (s !== from) return 0;
    }
    for (let i = 0; i < count; i++) {
      if (to === "owned") this.pages.delete(first + i);
      else this.pages.set(first + i, "shared");
    }
    return count;
  }

  /** MEM_RELINQUISH: an owned page goes back to the host, cleared (seed 001). */
  private relinquish(ctx: CallCtx): number {
    if (!ctx.isZero(2) || !ctx.isZero(3)) return ctx.ret(INVALID);
    const page = Number(ctx.big(1) / BigInt(PKVM_GRANULE));
    const at = BigInt(page) * BigInt(PKVM_GRANULE);
    const s = this.pageState(at);
    if (s === "owned") {
      this.vm.memory.fill(at, PKVM_GRANULE, 0);
      this.pages.set(page, "relinquished");
    } else if (s === "shared") {
      return ctx.ret(INVALID);
    }
    // Nothing mapped there: a no-op.
    return ctx.ret(SMCCC.RET_SUCCESS);
  }

  /** MMIO_GUARD_MAP (one page, x2/x3 ignored) and MMIO_RGUARD_MAP (x2 pages, x3 = 0). */
  private ioguardMap(ctx: CallCtx): number {
    const legacy = ctx.fid === KVM_VENDOR.MMIO_GUARD_MAP;
    if (!legacy && !ctx.isZero(3)) return ctx.ret(INVALID, 0);
    let nr = legacy ? 1 : ctx.num(2);
    if (Number.isNaN(nr)) nr = Number.MAX_SAFE_INTEGER;
    const ipa = ctx.big(1);
    if (!this.mmioGuardEnrolled || ipa % BigInt(PKVM_GRANULE) !== 0n || nr === 0) {
      return ctx.ret(INVALID, 0);
    }
    const first = Number(ipa / BigInt(PKVM_GRANULE));
    let done = 0;
    for (; done < Math.min(nr, PKVM_MAX_PTES); done++) {
      const s = this.pageState(BigInt(first + done) * BigInt(PKVM_GRANULE));
      if (s !== "unmapped" && s !== "mmio") break; // memory can never be MMIO
      this.pages.set(first + done, "mmio");
    }
    return ctx.ret(done > 0 ? SMCCC.RET_SUCCESS : INVALID, done);
  }

  /** pkvm_handle_psci: pKVM's EL2 PSCI for protected vCPUs (ACK pkvm.c). */
  private androidPsci(v: KvmVcpu, ctx: CallCtx): number {
    switch (ctx.fid) {
      case PSCI.CPU_ON:
        ctx.narrow32();
        // falls through
      case PSCI.CPU_ON64:
        return this.cpuOn(ctx);
      case PSCI.CPU_OFF:
        v.psciPower = PSCI.AFFINITY_OFF;
        return PASS_TO_HOST;
      case PSCI.AFFINITY_INFO:
        ctx.narrow32();
        // falls through
      case PSCI.AFFINITY_INFO64:
        return ctx.ret(this.affinityInfo(ctx));
      case PSCI.VERSION:
        return ctx.ret(PSCI.VERSION_1_1);
      case PSCI.FEATURES:
        return ctx.ret(androidPsciFeature(ctx.u32(1)));
      case PSCI.SYSTEM_RESET:
      case PSCI.CPU_SUSPEND:
      case PSCI.CPU_SUSPEND64:
      case PSCI.SYSTEM_OFF:
      case PSCI.SYSTEM_RESET2:
      case PSCI.SYSTEM_RESET2_64:
        return PASS_TO_HOST;
    }
    return ctx.ret(PSCI.RET_NOT_SUPPORTED);
  }

  /** pvm_psci_vcpu_on: OFF → ON_PENDING atomically, then the host finishes the job. */
  private cpuOn(ctx: CallCtx): number {
    const mpidr = ctx.big(1);
    if (mpidr & ~PSCI.MPIDR_HWID_MASK) return ctx.ret(PSCI.RET_INVALID_PARAMS);
    const target = this.vm.vcpus.find((t) =>
      (t.port.mpidr() & PSCI.MPIDR_HWID_MASK) === (mpidr & PSCI.MPIDR_HWID_MASK)
    );
    if (!target) return ctx.ret(PSCI.RET_INVALID_PARAMS);
    if (target.psciPower === PSCI.AFFINITY_ON_PENDING) return ctx.ret(PSCI.RET_ON_PENDING);
    if (target.psciPower === PSCI.AFFINITY_ON) return ctx.ret(PSCI.RET_ALREADY_ON);
    // The host finishes the job (reset request and wake-up) through its own dispatcher.
    target.psciPower = PSCI.AFFINITY_ON_PENDING;
    return PASS_TO_HOST;
  }

  /** pvm_psci_vcpu_affinity_info: ON wins; else ON_PENDING if any; else OFF. */
  private affinityInfo(ctx: CallCtx): number {
    let target = ctx.big(1);
    if (target & ~PSCI.MPIDR_HWID_MASK) return PSCI.RET_INVALID_PARAMS;
    const mask = affinityMask(ctx.big(2));
    if (mask === 0n) return PSCI.RET_INVALID_PARAMS;
    target &= mask;
    let matching = 0, ret: number = PSCI.AFFINITY_OFF;
    for (const t of this.vm.vcpus) {
      if ((t.port.mpidr() & mask) !== target) continue;
      matching++;
      if (t.psciPower === PSCI.AFFINITY_ON) return PSCI.AFFINITY_ON;
      if (t.psciPower === PSCI.AFFINITY_ON_PENDING) ret = PSCI.AFFINITY_ON_PENDING;
    }
    return matching ? ret : PSCI.RET_INVALID_PARAMS;
  }
}

/** pvm_psci_features (ACK pkvm.c): note MIGRATE_INFO_TYPE and SYSTEM_SUSPEND are absent. */
function androidPsciFeature(f: number): number {
  switch (f) {
    case PSCI.VERSION:
    case PSCI.CPU_SUSPEND:
    case PSCI.CPU_SUSPEND64:
    case PSCI.CPU_OFF:
    case PSCI.CPU_ON:
    case PSCI.CPU_ON64:
    case PSCI.AFFINITY_INFO:
    case PSCI.AFFINITY_INFO64:
    case PSCI.SYSTEM_OFF:
    case PSCI.SYSTEM_RESET:
    case PSCI.FEATURES:
    case PSCI.SYSTEM_RESET2:
    case PSCI.SYSTEM_RESET2_64:
    case SMCCC.VERSION:
      return PSCI.RET_SUCCESS;
  }
  return PSCI.RET_NOT_SUPPORTED;
}
