/**
 * hvsh: a Deno-native scripting shell for an emulated ARMv8-A machine and an
 * exact model of the Linux KVM/arm64 hypervisor as guests and VMMs see it.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createVm, KvmError, PSCI, TRNG } from "./mod.ts";
 *
 * const vm = createVm({ cpus: 2, kernel: "6.16" });
 * // Hide TRNG from the guest through the STD_BMAP firmware register, before the VM runs.
 * vm.setOneReg("KVM_REG_ARM_STD_BMAP", 0n);
 *
 * assert(vm.cpu(0).hvc(PSCI.VERSION).x0 === 0x10003n);
 * assert(vm.cpu(0).hvc(TRNG.VERSION).x0 === 0xffffffffffffffffn);
 *
 * // The VM has run: bitmaps are now locked.
 * try {
 *   vm.setOneReg("KVM_REG_ARM_STD_BMAP", 1n);
 * } catch (e) {
 *   assert(e instanceof KvmError && e.errno === "EBUSY");
 * }
 * ```
 *
 * @module
 */

export * from "./machine/mod.ts";
export { asm, AsmError, type AsmImage } from "./machine/cpu/asm.ts";
export { disassemble } from "./machine/cpu/disasm.ts";

export { scenario, type ScenarioContext, type ScenarioOptions } from "./repl/scenario.ts";
export {
  type CallExpectation,
  describeCall,
  expectCall,
  expectEqual,
  expectErrno,
  expectReg,
  expectUart,
  ScenarioError,
} from "./repl/expect.ts";

export {
  decodeFid,
  describeResult,
  EC,
  encodeFid,
  FID,
  fidName,
  FILTER_ACTION,
  FW_REG,
  FW_REGS,
  HYP_STUB,
  HYP_STUB_VECTORS,
  KERNELS,
  knownCalls,
  KVM_CAP,
  KVM_EXIT,
  KVM_NVHE_VECTORS,
  KVM_REG,
  KVM_VENDOR,
  KvmError,
  MP_STATE,
  OWNER,
  parseCall,
  PKVM_GRANULE,
  PSCI,
  PV_TIME,
  SMCCC,
  SYSTEM_EVENT,
  TRNG,
} from "./hyp/mod.ts";
export type {
  El2Handler,
  FilterAction,
  HostOptions,
  HypercallRequest,
  HypMode,
  KernelName,
  PageState,
  SmcccFilterSpec,
  TraceEntry,
  VcpuExit,
} from "./hyp/mod.ts";
