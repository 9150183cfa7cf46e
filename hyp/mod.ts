/**
 * The KVM/arm64 hypervisor model: SMCCC dispatch in KVM's order, PSCI, TRNG,
 * PV time, the KVM vendor service, pKVM guest calls, firmware
 * pseudo-registers, the SMCCC filter, the EL2 hyp-stub ABI and QEMU-style EL3
 * firmware. It knows nothing about instructions: the machine reaches it
 * through the ports of port.ts.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { decodeFid, fidName, PSCI } from "./mod.ts";
 * assert(fidName(PSCI.CPU_ON64) === "PSCI_CPU_ON64");
 * assert(decodeFid(0x8600ff01).owner === 6);
 * ```
 *
 * @module
 */

export * from "./consts.ts";
export * from "./errors.ts";
export * from "./smccc.ts";
export * from "./profiles.ts";
export type { ClockPort, LiveLayout, MemoryPort, VcpuPort } from "./port.ts";
export { Bus, CallCtx, type Conduit, Outcome, type OutcomeCode, type Service } from "./call.ts";
export {
  type HostOptions,
  type HypercallAnswer,
  type HypercallRequest,
  type HypMode,
  type KvmOptions,
  type KvmPorts,
  KvmVcpu,
  KvmVm,
  type SpectreState,
  type VcpuExit,
} from "./kvm.ts";
export {
  FILTER_ACTION_NAMES,
  type FilterAction,
  type FilterRange,
  type SmcccFilterSpec,
} from "./filter.ts";
export { FW_REGS, fwRegByName, type FwRegInfo } from "./fw_regs.ts";
export { CallTrace, type Route, ROUTES, type TraceEntry } from "./trace.ts";
export { type PageState, PKVM_GRANULE, PKVM_MAX_PTES } from "./pkvm.ts";
export {
  type El2Handler,
  HCR_HOST_VHE_FLAGS,
  hvcEsr,
  HYP_STUB_VECTORS,
  INIT_SCTLR_EL1_MMU_OFF,
  KVM_NVHE_VECTORS,
} from "./hyp_stub.ts";
export { archFeature } from "./arch.ts";
export { describeResult } from "./describe.ts";
