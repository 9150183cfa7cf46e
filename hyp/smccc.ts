/**
 * SMCCC function-ID codec (spec 1.1, 1.2; Arm DEN0028) and the catalogue of
 * calls the model knows by name.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { decodeFid, encodeFid } from "./smccc.ts";
 * const f = decodeFid(0xc4000003);
 * assert(f.fast && f.smc64 && f.owner === 4 && f.func === 3);
 * assert(encodeFid({ fast: true, smc64: false, owner: 6, func: 0xff01 }) === 0x8600ff01);
 * ```
 *
 * @module
 */

import { FID, HYP_STUB, KVM_VENDOR, OWNER, PSCI, PV_TIME, SMCCC, TRNG } from "./consts.ts";

/** The fields of a 32-bit SMCCC function ID. */
export interface DecodedFid {
  /** The ID as an unsigned 32-bit number. */
  fid: number;
  /** Bit 31: fast call (true) or yielding call. */
  fast: boolean;
  /** Bit 30: SMC64/HVC64 calling convention. */
  smc64: boolean;
  /** Bits 29:24. */
  owner: number;
  /** Bits 15:0. */
  func: number;
  /** Bits 23:16 (MBZ for fast calls; bit 16 is the SVE hint in SMCCC 1.3). */
  hint: number;
  /** Owner name ("ARCH", "STANDARD", ...). */
  ownerName: string;
}

/** Owner names by number (spec 1.2). */
export function ownerName(owner: number): string {
  switch (owner) {
    case OWNER.ARCH:
      return "ARCH";
    case OWNER.CPU:
      return "CPU";
    case OWNER.SIP:
      return "SIP";
    case OWNER.OEM:
      return "OEM";
    case OWNER.STANDARD:
      return "STANDARD";
    case OWNER.STANDARD_HYP:
      return "STANDARD_HYP";
    case OWNER.VENDOR_HYP:
      return "VENDOR_HYP";
  }
  if (owner >= OWNER.TRUSTED_APP && owner <= OWNER.TRUSTED_APP_END) return "TRUSTED_APP";
  if (owner >= OWNER.TRUSTED_OS && owner <= OWNER.TRUSTED_OS_END) return "TRUSTED_OS";
  return "RESERVED";
}

/** Split a function ID (only the low 32 bits count, spec 1.1). */
export function decodeFid(id: number | bigint): DecodedFid {
  const fid = Number(BigInt.asUintN(32, BigInt(id)));
  const owner = (fid >>> FID.OWNER_SHIFT) & FID.OWNER_MASK;
  return {
    fid,
    fast: (fid & FID.FAST) !== 0,
    smc64: (fid & FID.SMC64) !== 0,
    owner,
    func: fid & FID.FUNC_MASK,
    hint: (fid >>> 16) & 0xff,
    ownerName: ownerName(owner),
  };
}

/** Build a function ID: `(type<<31) | (cc<<30) | (owner<<24) | func` (spec 1.1). */
export function encodeFid(
  f: { fast: boolean; smc64: boolean; owner: number; func: number },
): number {
  return ((f.fast ? FID.FAST : 0) | (f.smc64 ? FID.SMC64 : 0) |
    ((f.owner & FID.OWNER_MASK) << FID.OWNER_SHIFT) | (f.func & FID.FUNC_MASK)) >>> 0;
}

/** One entry of the call catalogue. */
export interface CallInfo {
  /** Canonical name, e.g. "PSCI_CPU_ON64". */
  name: string;
  fid: number;
  /** The service that owns it. */
  service: "arch" | "psci" | "trng" | "pv_time" | "kvm_vendor" | "pkvm" | "hyp_stub";
  /** Argument names (x1, x2, ...). */
  args: readonly string[];
}

const CATALOGUE: CallInfo[] = [
  { name: "SMCCC_VERSION", fid: SMCCC.VERSION, service: "arch", args: [] },
  { name: "SMCCC_ARCH_FEATURES", fid: SMCCC.ARCH_FEATURES, service: "arch", args: ["fid"] },
  { name: "SMCCC_ARCH_SOC_ID", fid: SMCCC.ARCH_SOC_ID, service: "arch", args: ["type"] },
  { name: "SMCCC_ARCH_WORKAROUND_1", fid: SMCCC.ARCH_WORKAROUND_1, service: "arch", args: [] },
  {
    name: "SMCCC_ARCH_WORKAROUND_2",
    fid: SMCCC.ARCH_WORKAROUND_2,
    service: "arch",
    args: ["enable"],
  },
  { name: "SMCCC_ARCH_WORKAROUND_3", fid: SMCCC.ARCH_WORKAROUND_3, service: "arch", args: [] },
  { name: "PSCI_VERSION", fid: PSCI.VERSION, service: "psci", args: [] },
  {
    name: "PSCI_CPU_SUSPEND",
    fid: PSCI.CPU_SUSPEND,
    service: "psci",
    args: ["power_state", "entry", "context"],
  },
  {
    name: "PSCI_CPU_SUSPEND64",
    fid: PSCI.CPU_SUSPEND64,
    service: "psci",
    args: ["power_state", "entry", "context"],
  },
  { name: "PSCI_CPU_OFF", fid: PSCI.CPU_OFF, service: "psci", args: [] },
  { name: "PSCI_CPU_ON", fid: PSCI.CPU_ON, service: "psci", args: ["mpidr", "entry", "context"] },
  {
    name: "PSCI_CPU_ON64",
    fid: PSCI.CPU_ON64,
    service: "psci",
    args: ["mpidr", "entry", "context"],
  },
  {
    name: "PSCI_AFFINITY_INFO",
    fid: PSCI.AFFINITY_INFO,
    service: "psci",
    args: ["mpidr", "level"],
  },
  {
    name: "PSCI_AFFINITY_INFO64",
    fid: PSCI.AFFINITY_INFO64,
    service: "psci",
    args: ["mpidr", "level"],
  },
  { name: "PSCI_MIGRATE", fid: PSCI.MIGRATE, service: "psci", args: ["mpidr"] },
  { name: "PSCI_MIGRATE64", fid: PSCI.MIGRATE64, service: "psci", args: ["mpidr"] },
  { name: "PSCI_MIGRATE_INFO_TYPE", fid: PSCI.MIGRATE_INFO_TYPE, service: "psci", args: [] },
  { name: "PSCI_MIGRATE_INFO_UP_CPU", fid: PSCI.MIGRATE_INFO_UP_CPU, service: "psci", args: [] },
  {
    name: "PSCI_MIGRATE_INFO_UP_CPU64",
    fid: PSCI.MIGRATE_INFO_UP_CPU64,
    service: "psci",
    args: [],
  },
  { name: "PSCI_SYSTEM_OFF", fid: PSCI.SYSTEM_OFF, service: "psci", args: [] },
  { name: "PSCI_SYSTEM_RESET", fid: PSCI.SYSTEM_RESET, service: "psci", args: [] },
  { name: "PSCI_FEATURES", fid: PSCI.FEATURES, service: "psci", args: ["fid"] },
  { name: "PSCI_CPU_FREEZE", fid: PSCI.CPU_FREEZE, service: "psci", args: [] },
  {
    name: "PSCI_CPU_DEFAULT_SUSPEND",
    fid: PSCI.CPU_DEFAULT_SUSPEND,
    service: "psci",
    args: ["entry", "context"],
  },
  {
    name: "PSCI_CPU_DEFAULT_SUSPEND64",
    fid: PSCI.CPU_DEFAULT_SUSPEND64,
    service: "psci",
    args: ["entry", "context"],
  },
  {
    name: "PSCI_NODE_HW_STATE",
    fid: PSCI.NODE_HW_STATE,
    service: "psci",
    args: ["mpidr", "level"],
  },
  {
    name: "PSCI_NODE_HW_STATE64",
    fid: PSCI.NODE_HW_STATE64,
    service: "psci",
    args: ["mpidr", "level"],
  },
  {
    name: "PSCI_SYSTEM_SUSPEND",
    fid: PSCI.SYSTEM_SUSPEND,
    service: "psci",
    args: ["entry", "context"],
  },
  {
    name: "PSCI_SYSTEM_SUSPEND64",
    fid: PSCI.SYSTEM_SUSPEND64,
    service: "psci",
    args: ["entry", "context"],
  },
  { name: "PSCI_SET_SUSPEND_MODE", fid: PSCI.SET_SUSPEND_MODE, service: "psci", args: ["mode"] },
  {
    name: "PSCI_STAT_RESIDENCY",
    fid: PSCI.STAT_RESIDENCY,
    service: "psci",
    args: ["mpidr", "power_state"],
  },
  {
    name: "PSCI_STAT_RESIDENCY64",
    fid: PSCI.STAT_RESIDENCY64,
    service: "psci",
    args: ["mpidr", "power_state"],
  },
  {
    name: "PSCI_STAT_COUNT",
    fid: PSCI.STAT_COUNT,
    service: "psci",
    args: ["mpidr", "power_state"],
  },
  {
    name: "PSCI_STAT_COUNT64",
    fid: PSCI.STAT_COUNT64,
    service: "psci",
    args: ["mpidr", "power_state"],
  },
  {
    name: "PSCI_SYSTEM_RESET2",
    fid: PSCI.SYSTEM_RESET2,
    service: "psci",
    args: ["reset_type", "cookie"],
  },
  {
    name: "PSCI_SYSTEM_RESET2_64",
    fid: PSCI.SYSTEM_RESET2_64,
    service: "psci",
    args: ["reset_type", "cookie"],
  },
  { name: "PSCI_MEM_PROTECT", fid: PSCI.MEM_PROTECT, service: "psci", args: ["enable"] },
  {
    name: "PSCI_MEM_PROTECT_CHECK_RANGE",
    fid: PSCI.MEM_PROTECT_CHECK_RANGE,
    service: "psci",
    args: ["base", "length"],
  },
  {
    name: "PSCI_MEM_PROTECT_CHECK_RANGE64",
    fid: PSCI.MEM_PROTECT_CHECK_RANGE64,
    service: "psci",
    args: ["base", "length"],
  },
  { name: "PSCI_SYSTEM_OFF2", fid: PSCI.SYSTEM_OFF2, service: "psci", args: ["type", "cookie"] },
  {
    name: "PSCI_SYSTEM_OFF2_64",
    fid: PSCI.SYSTEM_OFF2_64,
    service: "psci",
    args: ["type", "cookie"],
  },
  {
    name: "KVM_PSCI_0_1_CPU_SUSPEND",
    fid: PSCI.KVM_0_1_CPU_SUSPEND,
    service: "psci",
    args: ["power_state", "entry"],
  },
  { name: "KVM_PSCI_0_1_CPU_OFF", fid: PSCI.KVM_0_1_CPU_OFF, service: "psci", args: [] },
  {
    name: "KVM_PSCI_0_1_CPU_ON",
    fid: PSCI.KVM_0_1_CPU_ON,
    service: "psci",
    args: ["mpidr", "entry", "context"],
  },
  { name: "KVM_PSCI_0_1_MIGRATE", fid: PSCI.KVM_0_1_MIGRATE, service: "psci", args: ["mpidr"] },
  { name: "TRNG_VERSION", fid: TRNG.VERSION, service: "trng", args: [] },
  { name: "TRNG_FEATURES", fid: TRNG.FEATURES, service: "trng", args: ["fid"] },
  { name: "TRNG_GET_UUID", fid: TRNG.GET_UUID, service: "trng", args: [] },
  { name: "TRNG_RND32", fid: TRNG.RND32, service: "trng", args: ["bits"] },
  { name: "TRNG_RND64", fid: TRNG.RND64, service: "trng", args: ["bits"] },
  { name: "PV_TIME_FEATURES", fid: PV_TIME.FEATURES, service: "pv_time", args: ["fid"] },
  { name: "PV_TIME_ST", fid: PV_TIME.ST, service: "pv_time", args: [] },
  { name: "KVM_FEATURES", fid: KVM_VENDOR.FEATURES, service: "kvm_vendor", args: [] },
  { name: "KVM_PTP", fid: KVM_VENDOR.PTP, service: "kvm_vendor", args: ["counter"] },
  { name: "VENDOR_HYP_CALL_UID", fid: KVM_VENDOR.CALL_UID, service: "kvm_vendor", args: [] },
  {
    name: "KVM_DISCOVER_IMPL_VER",
    fid: KVM_VENDOR.DISCOVER_IMPL_VER,
    service: "kvm_vendor",
    args: [],
  },
  {
    name: "KVM_DISCOVER_IMPL_CPUS",
    fid: KVM_VENDOR.DISCOVER_IMPL_CPUS,
    service: "kvm_vendor",
    args: ["index"],
  },
  { name: "KVM_FEATURES_2", fid: KVM_VENDOR.FEATURES_2, service: "kvm_vendor", args: [] },
  { name: "KVM_HYP_MEMINFO", fid: KVM_VENDOR.HYP_MEMINFO, service: "pkvm", args: [] },
  { name: "KVM_MEM_SHARE", fid: KVM_VENDOR.MEM_SHARE, service: "pkvm", args: ["ipa", "granules"] },
  {
    name: "KVM_MEM_UNSHARE",
    fid: KVM_VENDOR.MEM_UNSHARE,
    service: "pkvm",
    args: ["ipa", "granules"],
  },
  { name: "KVM_MMIO_GUARD_INFO", fid: KVM_VENDOR.MMIO_GUARD_INFO, service: "pkvm", args: [] },
  { name: "KVM_MMIO_GUARD_ENROLL", fid: KVM_VENDOR.MMIO_GUARD_ENROLL, service: "pkvm", args: [] },
  { name: "KVM_MMIO_GUARD", fid: KVM_VENDOR.MMIO_GUARD, service: "pkvm", args: ["ipa"] },
  {
    name: "KVM_MMIO_GUARD_UNMAP",
    fid: KVM_VENDOR.MMIO_GUARD_UNMAP,
    service: "pkvm",
    args: ["ipa"],
  },
  { name: "KVM_MEM_RELINQUISH", fid: KVM_VENDOR.MEM_RELINQUISH, service: "pkvm", args: ["ipa"] },
  {
    name: "KVM_MMIO_RGUARD_MAP",
    fid: KVM_VENDOR.MMIO_RGUARD_MAP,
    service: "pkvm",
    args: ["ipa", "granules"],
  },
  {
    name: "KVM_MMIO_RGUARD_UNMAP",
    fid: KVM_VENDOR.MMIO_RGUARD_UNMAP,
    service: "pkvm",
    args: ["ipa", "granules"],
  },
];

const BY_FID = new Map(CATALOGUE.map((c) => [c.fid, c]));
const BY_NAME = new Map<string, CallInfo>();
for (const c of CATALOGUE) {
  BY_NAME.set(c.name, c);
  // Short aliases: "CPU_ON64" for "PSCI_CPU_ON64", "ARCH_FEATURES" for "SMCCC_ARCH_FEATURES".
  for (const p of ["PSCI_", "SMCCC_", "KVM_"]) {
    if (c.name.startsWith(p) && !BY_NAME.has(c.name.slice(p.length))) {
      BY_NAME.set(c.name.slice(p.length), c);
    }
  }
}
// MMIO_GUARD and MMIO_GUARD_MAP share 0xC6000007 (mainline vs ACK names, spec 2.5).
BY_NAME.set("KVM_MMIO_GUARD_MAP", BY_FID.get(KVM_VENDOR.MMIO_GUARD)!);
BY_NAME.set("CALL_UID", BY_FID.get(KVM_VENDOR.CALL_UID)!);
BY_NAME.set("KVM_CALL_UID", BY_FID.get(KVM_VENDOR.CALL_UID)!);

/** Every call the model knows, in catalogue order. */
export function knownCalls(): readonly CallInfo[] {
  return CATALOGUE;
}

/** Look up a call by name (case-insensitive; short aliases accepted). */
export function callByName(name: string): CallInfo | undefined {
  return BY_NAME.get(name.toUpperCase().replace(/-/g, "_"));
}

/** The hyp-stub ABI call names by x0 value (seed 000). */
export const HYP_STUB_NAMES: Record<number, string> = {
  [HYP_STUB.SET_VECTORS]: "HVC_SET_VECTORS",
  [HYP_STUB.SOFT_RESTART]: "HVC_SOFT_RESTART",
  [HYP_STUB.RESET_VECTORS]: "HVC_RESET_VECTORS",
  [HYP_STUB.FINALISE_EL2]: "HVC_FINALISE_EL2",
  [HYP_STUB.GET_ICH_VTR_EL2]: "HVC_GET_ICH_VTR_EL2",
};

/** A readable name for a function ID: the catalogue name, else owner/number. */
export function fidName(id: number | bigint): string {
  const d = decodeFid(id);
  const known = BY_FID.get(d.fid);
  if (known) return known.name;
  const fn = d.func.toString(16).padStart(4, "0");
  return `${d.ownerName}${d.smc64 ? "64" : "32"}${d.fast ? "" : "_YIELD"}_FN_0x${fn}`;
}

/**
 * Parse a call given by name ("PSCI_VERSION", "cpu_on64") or number
 * ("0x84000000", "2214592512"). Returns the 32-bit ID or undefined.
 */
export function parseCall(s: string): number | undefined {
  const byName = callByName(s.trim());
  if (byName) return byName.fid;
  if (/^(0x[0-9a-f_]+|[0-9_]+)$/i.test(s.trim())) {
    const v = BigInt(s.trim().replace(/_/g, ""));
    if (v >= 0n && v <= 0xffff_ffffn) return Number(v);
  }
  return undefined;
}
