/**
 * The emulated ARMv8-A machine (QEMU virt-compatible) with the KVM/arm64
 * model wired in: `createVm`, vCPUs, guest memory, ONE_REG, direct calls.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createVm } from "./mod.ts";
 * const vm = createVm({ cpus: 2 });
 * assert(vm.cpu(1).getOneReg("MPIDR_EL1") === 0x80000001n);
 * ```
 *
 * @module
 */

export {
  type AsmLike,
  CallResult,
  type CallSpec,
  createVm,
  type LoadImageOptions,
  type MmioHandler,
  type MpState,
  Vcpu,
  Vm,
  type VmOptions,
} from "./vm.ts";
export { RUN_REASONS, type RunOptions, type RunReason, type RunResult } from "./run.ts";
export type { LoadedImage } from "./loader.ts";

export { GuestMemory } from "./memory.ts";
export { GuestError, type GuestErrorKind, ImageError } from "./errors.ts";
export type { RegInfo } from "./one_reg.ts";
export { sysregByName, type SysregDef, SYSREGS } from "./sysregs.ts";
export { COUNTER_HZ, NS_PER_TICK } from "./clock.ts";
