/**
 * Kernel behaviour profiles: which calls, registers and reset values a given
 * KVM/arm64 exposes, following the timeline of spec 7.5 and the version notes
 * throughout the spec. Versions the spec marks approximate are noted.
 *
 * @module
 */

import { PSCI, SMCCC } from "./consts.ts";

/** The profile names accepted by `createVm({ kernel })`. */
export const KERNELS = [
  "5.10",
  "5.15",
  "6.1",
  "6.6",
  "6.12",
  "6.16",
  "next",
  "android16-6.12",
] as const;

/** A kernel profile name. */
export type KernelName = typeof KERNELS[number];

/** The newest mainline profile, the default (design.md). */
export const DEFAULT_KERNEL: KernelName = "6.16";

/** What a profile has. */
export interface Profile {
  readonly name: KernelName;
  /** KVM_ARM_PSCI_LATEST (spec 3.2: 1.0 ≈4.16–5.17, 1.1 ≈5.18–6.12, 1.3 ≥ ≈6.13). */
  readonly psciLatest: number;
  /** SMCCC_VERSION answer (spec 2.1: 1.1 in all mainline). */
  readonly smcccVersion: number;
  /** ARCH_FEATURES(WA1/WA3) answers +1 for an unaffected CPU (spec 2.7: ≥ ~5.17; older -2). */
  readonly waUnaffectedIsOne: boolean;
  /** SMCCC_ARCH_WORKAROUND_3 exists (HVC fast path, ARCH_FEATURES, FW register; ~5.17). */
  readonly wa3: boolean;
  /** WA2 hides firmware support when the *VM* exposes SSBS (newer) rather than the host (older) (spec 2.7). */
  readonly wa2FollowsVmSsbs: boolean;
  /** PV stolen time (~5.5). */
  readonly pvTime: boolean;
  /** TRNG 1.0 (~5.12). */
  readonly trng: boolean;
  /** Vendor CALL_UID, KVM_FEATURES and PTP (~5.13). */
  readonly vendor: boolean;
  /** Bitmap firmware registers STD/STD_HYP/VENDOR_HYP and SYSTEM_SUSPEND (5.19). */
  readonly bitmaps: boolean;
  /** VENDOR_HYP_BMAP_2 and KVM_FEATURES x2 (6.15/6.16, spec 3.1). */
  readonly bmap2: boolean;
  /** SMC from EL1 goes to the SMCCC dispatcher; SMCCC filter; KVM_EXIT_HYPERCALL (6.4, confirmed). */
  readonly smcDispatch: boolean;
  /** Filter rejects nr_functions == 0 before the overlap check (patch of 2026-08-29, pending upstream). */
  readonly filterRejectsEmpty: boolean;
  /** pKVM protected-VM guest calls: none, mainline EL2 handlers (spec 2.6.2) or ACK (spec 2.6.3). */
  readonly pkvm: "none" | "mainline" | "android";
  /** Hyp-stub x0 = 3 is called HVC_FINALISE_EL2 (newer) or HVC_VHE_RESTART (~5.x) (spec 6). */
  readonly finaliseEl2: boolean;
  /** HVC_GET_ICH_VTR_EL2 (x0 = 4) exists in the hyp stub (~6.19, UNCONFIRMED merge). */
  readonly stubGetIchVtr: boolean;
  /**
   * KVM_GET_REG_LIST has the physical timer's PTIMER_CTL/CNT/CVAL after TIMER_CTL/CNT/CVAL
   * (Linux 6.4, "KVM: arm64: timers: Allow save/restoring of the physical timer"; arch/arm64/
   * kvm/guest.c timer_reg_list). Older kernels list the virtual timer's three only.
   */
  readonly ptimerRegs: boolean;
}

const base = {
  smcccVersion: SMCCC.VERSION_1_1,
  pvTime: true,
  filterRejectsEmpty: false,
  pkvm: "none",
  finaliseEl2: true,
  stubGetIchVtr: false,
  ptimerRegs: true,
} as const;

/** The profiles. */
export const PROFILES: Record<KernelName, Profile> = {
  "5.10": {
    ...base,
    name: "5.10",
    psciLatest: PSCI.VERSION_1_0,
    waUnaffectedIsOne: false,
    wa3: false,
    wa2FollowsVmSsbs: false,
    trng: false,
    vendor: false,
    bitmaps: false,
    bmap2: false,
    smcDispatch: false,
    finaliseEl2: false,
    ptimerRegs: false,
  },
  "5.15": {
    ...base,
    name: "5.15",
    psciLatest: PSCI.VERSION_1_0,
    waUnaffectedIsOne: false,
    wa3: false,
    wa2FollowsVmSsbs: false,
    trng: true,
    vendor: true,
    bitmaps: false,
    bmap2: false,
    smcDispatch: false,
    finaliseEl2: false,
    ptimerRegs: false,
  },
  "6.1": {
    ...base,
    name: "6.1",
    psciLatest: PSCI.VERSION_1_1,
    waUnaffectedIsOne: true,
    wa3: true,
    wa2FollowsVmSsbs: false,
    trng: true,
    vendor: true,
    bitmaps: true,
    bmap2: false,
    smcDispatch: false,
    ptimerRegs: false,
  },
  "6.6": {
    ...base,
    name: "6.6",
    psciLatest: PSCI.VERSION_1_1,
    waUnaffectedIsOne: true,
    wa3: true,
    wa2FollowsVmSsbs: false,
    trng: true,
    vendor: true,
    bitmaps: true,
    bmap2: false,
    smcDispatch: true,
  },
  "6.12": {
    ...base,
    name: "6.12",
    psciLatest: PSCI.VERSION_1_1,
    waUnaffectedIsOne: true,
    wa3: true,
    wa2FollowsVmSsbs: true,
    trng: true,
    vendor: true,
    bitmaps: true,
    bmap2: false,
    smcDispatch: true,
  },
  "6.16": {
    ...base,
    name: "6.16",
    psciLatest: PSCI.VERSION_1_3,
    waUnaffectedIsOne: true,
    wa3: true,
    wa2FollowsVmSsbs: true,
    trng: true,
    vendor: true,
    bitmaps: true,
    bmap2: true,
    smcDispatch: true,
  },
  "next": {
    ...base,
    name: "next",
    psciLatest: PSCI.VERSION_1_3,
    waUnaffectedIsOne: true,
    wa3: true,
    wa2FollowsVmSsbs: true,
    trng: true,
    vendor: true,
    bitmaps: true,
    bmap2: true,
    smcDispatch: true,
    filterRejectsEmpty: true,
    pkvm: "mainline",
    stubGetIchVtr: true,
  },
  "android16-6.12": {
    ...base,
    name: "android16-6.12",
    psciLatest: PSCI.VERSION_1_1,
    waUnaffectedIsOne: true,
    wa3: true,
    wa2FollowsVmSsbs: true,
    trng: true,
    vendor: true,
    bitmaps: true,
    bmap2: false,
    smcDispatch: true,
    pkvm: "android",
  },
};

/** Resolve a profile name; throws a clear error for unknown names. */
export function profile(name: string | undefined): Profile {
  const n = name ?? DEFAULT_KERNEL;
  const p = (PROFILES as Record<string, Profile>)[n];
  if (!p) {
    throw new RangeError(`Unknown kernel profile: ${n} (known: ${KERNELS.join(", ")})`);
  }
  return p;
}

/** PSCI versions a vCPU with KVM_ARM_VCPU_PSCI_0_2 may select (spec 3.2). */
export function psciVersionsFor(p: Profile): number[] {
  const all = [
    PSCI.VERSION_0_2,
    PSCI.VERSION_1_0,
    PSCI.VERSION_1_1,
    PSCI.VERSION_1_2,
    PSCI.VERSION_1_3,
  ];
  return all.filter((v) => v <= p.psciLatest);
}
