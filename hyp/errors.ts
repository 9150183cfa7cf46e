/**
 * Errors raised by the KVM model, named after the errno KVM returns.
 *
 * @module
 */

/** The errno values the model can return, with their Linux numbers. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENOEXEC: 8,
  ENXIO: 6,
  E2BIG: 7,
  ENOMEM: 12,
} as const;

/** An errno name the model returns. */
export type Errno = keyof typeof ERRNO;

/**
 * An ioctl-level failure, as KVM would return it: `errno` is the symbolic
 * name (`"EINVAL"`), `code` the number, `op` the operation that failed.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { KvmError } from "./errors.ts";
 * const e = new KvmError("EBUSY", "KVM_SET_ONE_REG", "the VM has run");
 * assert(e.message === "KVM_SET_ONE_REG failed with EBUSY: the VM has run");
 * ```
 */
export class KvmError extends Error {
  /** Linux errno number. */
  declare readonly code: number;

  constructor(readonly errno: Errno, readonly op: string, detail: string) {
    super(`${op} failed with ${errno}: ${detail}`);
    this.name = "KvmError";
    this.code = ERRNO[errno];
  }
}

/** Throw a TypeError unless `v` is a bigint; names the offending parameter. */
export function requireBigInt(v: unknown, what: string): bigint {
  if (typeof v !== "bigint") {
    throw new TypeError(
      `Invalid ${what}: expected a bigint (e.g. 0x1n), got ${typeof v} ${String(v)}`,
    );
  }
  return v;
}

/**
 * Convert a number or bigint to an unsigned 64-bit bigint; numbers must be
 * safe integers. Negative values are taken as two's complement.
 */
export function toU64(v: unknown, what: string): bigint {
  if (typeof v === "bigint") return BigInt.asUintN(64, v);
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt.asUintN(64, BigInt(v));
  throw new TypeError(`Invalid ${what}: expected a bigint or a safe integer, got ${String(v)}`);
}
