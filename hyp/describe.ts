/**
 * Human-readable decoding of call results: version numbers, return codes by
 * the conventions of the service that produced them, UUIDs, bitmaps.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { describeResult } from "./describe.ts";
 * assert(describeResult(0x84000000, [0x10003n]) === "PSCI 1.3");
 * assert(describeResult(0x84000003, [0xfffffffffffffffcn]) === "ALREADY_ON");
 * ```
 *
 * @module
 */

import { HYP_STUB, KVM_VENDOR, OWNER, PSCI, SMCCC, TRNG } from "./consts.ts";

const PSCI_RET: Record<number, string> = {
  0: "SUCCESS",
  [-1]: "NOT_SUPPORTED",
  [-2]: "INVALID_PARAMS",
  [-3]: "DENIED",
  [-4]: "ALREADY_ON",
  [-5]: "ON_PENDING",
  [-6]: "INTERNAL_FAILURE",
  [-7]: "NOT_PRESENT",
  [-8]: "DISABLED",
  [-9]: "INVALID_ADDRESS",
};
const SMCCC_RET: Record<number, string> = {
  0: "SUCCESS",
  [-1]: "NOT_SUPPORTED",
  [-2]: "NOT_REQUIRED",
  [-3]: "INVALID_PARAMETER",
};
const TRNG_RET: Record<number, string> = {
  0: "SUCCESS",
  [-1]: "NOT_SUPPORTED",
  [-2]: "INVALID_PARAMETER",
  [-3]: "NO_ENTROPY",
};
const VENDOR_FN: Record<number, string> = {
  0: "FEATURES",
  1: "PTP",
  2: "HYP_MEMINFO",
  3: "MEM_SHARE",
  4: "MEM_UNSHARE",
  5: "MMIO_GUARD_INFO",
  6: "MMIO_GUARD_ENROLL",
  7: "MMIO_GUARD_MAP",
  8: "MMIO_GUARD_UNMAP",
  9: "MEM_RELINQUISH",
  10: "MMIO_RGUARD_MAP",
  11: "MMIO_RGUARD_UNMAP",
};

/** A version word (major in bits 31:16, minor in 15:0) as "M.m". */
export function versionString(v: bigint): string {
  return `${Number((v >> 16n) & 0xffffn)}.${Number(v & 0xffffn)}`;
}

/** Four 32-bit registers as the UUID they encode (each word = 4 UUID bytes, little-endian). */
export function uuidFromRegs(regs: readonly bigint[]): string {
  const bytes: number[] = [];
  for (const r of regs.slice(0, 4)) {
    const w = Number(r & 0xffff_ffffn);
    bytes.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff);
  }
  const h = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The signed value of a 64-bit register. */
function signed(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/**
 * Describe the result registers `x` (x0.. as bigints) of call `fid`. Returns
 * "" when there is nothing better to say than the hex value.
 */
export function describeResult(
  fid: number,
  x: readonly bigint[],
  opts: { stub?: boolean } = {},
): string {
  const x0 = x[0] ?? 0n;
  const s0 = signed(x0);
  if (opts.stub) return x0 === BigInt(HYP_STUB.ERR) ? "HVC_STUB_ERR" : x0 === 0n ? "SUCCESS" : "";
  switch (fid) {
    case SMCCC.VERSION:
      return s0 < 0 ? SMCCC_RET[s0] ?? "" : `SMCCC ${versionString(x0)}`;
    case SMCCC.ARCH_FEATURES:
      return s0 === 1 ? "UNAFFECTED" : SMCCC_RET[s0] ?? "";
    case PSCI.VERSION:
      return s0 < 0 ? PSCI_RET[s0] ?? "" : `PSCI ${versionString(x0)}`;
    case PSCI.AFFINITY_INFO:
    case PSCI.AFFINITY_INFO64:
      return s0 >= 0 ? (["ON", "OFF", "ON_PENDING"][s0] ?? "") : PSCI_RET[s0] ?? "";
    case PSCI.MIGRATE_INFO_TYPE:
      return s0 >= 0
        ? (["UP_MIGRATE", "UP_NO_MIGRATE", "MP / no Trusted OS"][s0] ?? "")
        : PSCI_RET[s0] ?? "";
    case PSCI.FEATURES:
      return s0 > 0 ? `SUCCESS, flags 0x${x0.toString(16)}` : PSCI_RET[s0] ?? "";
    case TRNG.VERSION:
      return s0 < 0 ? TRNG_RET[s0] ?? "" : `TRNG ${versionString(x0)}`;
    case TRNG.GET_UUID:
      return s0 < 0 ? TRNG_RET[s0] ?? "" : uuidFromRegs(x);
    case KVM_VENDOR.CALL_UID: {
      if (s0 === -1) return "NOT_SUPPORTED";
      const u = uuidFromRegs(x);
      return u === "28b46fb6-2ec5-11e9-a9ca-4b564d003a74" ? `KVM (${u})` : u;
    }
    case KVM_VENDOR.FEATURES: {
      if (s0 === -1) return "NOT_SUPPORTED";
      const names = Object.entries(VENDOR_FN).filter(([b]) => (x0 >> BigInt(b)) & 1n).map(([, n]) =>
        n
      );
      const x2 = x[2] ?? 0n;
      if (x2 & 1n) names.push("DISCOVER_IMPL_VER");
      if (x2 & 2n) names.push("DISCOVER_IMPL_CPUS");
      return names.join(" | ");
    }
    case KVM_VENDOR.HYP_MEMINFO:
      return s0 < 0
        ? SMCCC_RET[s0] ?? ""
        : `granule ${x0} bytes${(x[1] ?? 0n) & 1n ? ", HAS_RANGE" : ""}`;
  }
  const owner = (fid >>> 24) & 0x3f;
  if (owner === OWNER.STANDARD && (fid & 0xffff) >= 0x50 && (fid & 0xffff) <= 0x53) {
    return TRNG_RET[s0] ?? "";
  }
  if (
    owner === OWNER.STANDARD || (fid >= PSCI.KVM_0_1_CPU_SUSPEND && fid <= PSCI.KVM_0_1_MIGRATE)
  ) {
    return PSCI_RET[s0] ?? "";
  }
  return s0 < 0 ? SMCCC_RET[s0] ?? "" : s0 === 0 ? "SUCCESS" : "";
}
