/**
 * The reasons a run of the machine stops, in a module of their own so that
 * code validating scenarios can list them without loading the CPU.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { RUN_REASONS } from "./run_reason.ts";
 * assert(RUN_REASONS.includes("system_off"));
 * ```
 *
 * @module
 */

/** Every reason `Vm.run` can return, in the order the documentation lists them. */
export const RUN_REASONS = [
  "system_off",
  "reset",
  "suspend",
  "wakeup",
  "hypercall_exit",
  "until",
  "limit",
  "halted",
  "undef",
  "abort",
  "breakpoint",
  "exception_loop",
  "mmio_nisv",
] as const;

/** Why `Vm.run` returned. */
export type RunReason = typeof RUN_REASONS[number];
