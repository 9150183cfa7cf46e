/**
 * Constants of the SMCCC / PSCI / KVM interfaces, each with its source.
 * "spec x.y" = ../shared/spec/kvm-hypercalls.md section; "selftests B.n" =
 * spec/kvm-selftests.md. Function IDs are plain numbers (they are u32);
 * 64-bit register values and ONE_REG ids are bigints.
 *
 * @module
 */

/** SMCCC function-ID fields (spec 1.1; include/linux/arm-smccc.h). */
export const FID = {
  FAST: 0x8000_0000,
  SMC64: 0x4000_0000,
  OWNER_SHIFT: 24,
  OWNER_MASK: 0x3f,
  FUNC_MASK: 0xffff,
} as const;

/** SMCCC owner numbers (spec 1.2). */
export const OWNER = {
  ARCH: 0,
  CPU: 1,
  SIP: 2,
  OEM: 3,
  STANDARD: 4,
  STANDARD_HYP: 5,
  VENDOR_HYP: 6,
  TRUSTED_APP: 48,
  TRUSTED_APP_END: 49,
  TRUSTED_OS: 50,
  TRUSTED_OS_END: 63,
} as const;

/** Arm architecture service calls and SMCCC return codes (spec 1.3, 2.1). */
export const SMCCC = {
  VERSION: 0x8000_0000,
  ARCH_FEATURES: 0x8000_0001,
  ARCH_SOC_ID: 0x8000_0002,
  ARCH_WORKAROUND_1: 0x8000_8000,
  ARCH_WORKAROUND_2: 0x8000_7fff,
  ARCH_WORKAROUND_3: 0x8000_3fff,
  ARCH_WORKAROUND_4: 0x8000_0004,
  /** SMCCC_VERSION answer of every mainline KVM (spec 2.1). */
  VERSION_1_1: 0x1_0001,
  VERSION_1_2: 0x1_0002,
  RET_SUCCESS: 0,
  RET_NOT_SUPPORTED: -1,
  RET_NOT_REQUIRED: -2,
  RET_INVALID_PARAMETER: -3,
  /** ARCH_FEATURES answer for an unaffected CPU (spec 1.3, ≥5.17). */
  ARCH_WORKAROUND_RET_UNAFFECTED: 1,
} as const;

/** PSCI function IDs, return codes and constants (spec 1.3, 2.2, 4). */
export const PSCI = {
  VERSION: 0x8400_0000,
  CPU_SUSPEND: 0x8400_0001,
  CPU_SUSPEND64: 0xc400_0001,
  CPU_OFF: 0x8400_0002,
  CPU_ON: 0x8400_0003,
  CPU_ON64: 0xc400_0003,
  AFFINITY_INFO: 0x8400_0004,
  AFFINITY_INFO64: 0xc400_0004,
  MIGRATE: 0x8400_0005,
  MIGRATE64: 0xc400_0005,
  MIGRATE_INFO_TYPE: 0x8400_0006,
  MIGRATE_INFO_UP_CPU: 0x8400_0007,
  MIGRATE_INFO_UP_CPU64: 0xc400_0007,
  SYSTEM_OFF: 0x8400_0008,
  SYSTEM_RESET: 0x8400_0009,
  FEATURES: 0x8400_000a,
  CPU_FREEZE: 0x8400_000b,
  CPU_DEFAULT_SUSPEND: 0x8400_000c,
  CPU_DEFAULT_SUSPEND64: 0xc400_000c,
  NODE_HW_STATE: 0x8400_000d,
  NODE_HW_STATE64: 0xc400_000d,
  SYSTEM_SUSPEND: 0x8400_000e,
  SYSTEM_SUSPEND64: 0xc400_000e,
  SET_SUSPEND_MODE: 0x8400_000f,
  STAT_RESIDENCY: 0x8400_0010,
  STAT_RESIDENCY64: 0xc400_0010,
  STAT_COUNT: 0x8400_0011,
  STAT_COUNT64: 0xc400_0011,
  SYSTEM_RESET2: 0x8400_0012,
  SYSTEM_RESET2_64: 0xc400_0012,
  MEM_PROTECT: 0x8400_0013,
  MEM_PROTECT_CHECK_RANGE: 0x8400_0014,
  MEM_PROTECT_CHECK_RANGE64: 0xc400_0014,
  SYSTEM_OFF2: 0x8400_0015,
  SYSTEM_OFF2_64: 0xc400_0015,
  /** KVM's pre-SMCCC PSCI 0.1 IDs (spec 2.2; include/kvm/arm_psci.h KVM_PSCI_FN). */
  KVM_0_1_CPU_SUSPEND: 0x95c1_ba5e,
  KVM_0_1_CPU_OFF: 0x95c1_ba5f,
  KVM_0_1_CPU_ON: 0x95c1_ba60,
  KVM_0_1_MIGRATE: 0x95c1_ba61,
  RET_SUCCESS: 0,
  RET_NOT_SUPPORTED: -1,
  RET_INVALID_PARAMS: -2,
  RET_DENIED: -3,
  RET_ALREADY_ON: -4,
  RET_ON_PENDING: -5,
  RET_INTERNAL_FAILURE: -6,
  RET_NOT_PRESENT: -7,
  RET_DISABLED: -8,
  RET_INVALID_ADDRESS: -9,
  /** AFFINITY_INFO results (spec 1.3). */
  AFFINITY_ON: 0,
  AFFINITY_OFF: 1,
  AFFINITY_ON_PENDING: 2,
  /** MIGRATE_INFO_TYPE: no Trusted OS / MP (spec 1.3). */
  TOS_NOT_PRESENT_MP: 2,
  /** PSCI_VERSION encodings (spec 3.2). */
  VERSION_0_1: 0x1,
  VERSION_0_2: 0x2,
  VERSION_1_0: 0x1_0000,
  VERSION_1_1: 0x1_0001,
  VERSION_1_2: 0x1_0002,
  VERSION_1_3: 0x1_0003,
  /** SYSTEM_OFF2 type HIBERNATE_OFF (selftests B.0). */
  OFF2_TYPE_HIBERNATE_OFF: 0x1,
  /** MPIDR affinity bits KVM compares (spec 4.2: MPIDR_HWID_BITMASK). */
  MPIDR_HWID_MASK: 0xff_00ff_ffffn,
} as const;

/** TRNG (Arm DEN0098) IDs and KVM's own TRNG return codes (spec 1.3, 2.3). */
export const TRNG = {
  VERSION: 0x8400_0050,
  FEATURES: 0x8400_0051,
  GET_UUID: 0x8400_0052,
  RND32: 0x8400_0053,
  RND64: 0xc400_0053,
  VERSION_1_0: 0x1_0000,
  RET_SUCCESS: 0,
  RET_NOT_SUPPORTED: -1,
  RET_INVALID_PARAMETER: -2,
  RET_NO_ENTROPY: -3,
  /** Largest bit counts accepted (spec 2.3). */
  RND32_MAX_BITS: 96,
  RND64_MAX_BITS: 192,
  /** KVM's TRNG UUID 0d21e000-4384-11eb-8070-5244554e5a4c as x0..x3 (spec 2.3). */
  UUID: [0x00e0_210d, 0xeb11_8443, 0x4452_7080, 0x4c5a_4e55] as const,
} as const;

/** Paravirtualised time (DEN0057A) calls (spec 2.4). */
export const PV_TIME = {
  FEATURES: 0xc500_0020,
  ST: 0xc500_0021,
  /** Stolen-time record size and alignment in bytes (spec 2.4). */
  RECORD_SIZE: 64,
} as const;

/** KVM vendor hypervisor service (owner 6) calls (spec 2.5, seed 001). */
export const KVM_VENDOR = {
  FEATURES: 0x8600_0000,
  PTP: 0x8600_0001,
  HYP_MEMINFO: 0xc600_0002,
  MEM_SHARE: 0xc600_0003,
  MEM_UNSHARE: 0xc600_0004,
  /** ACK names of functions 5..11 (spec 2.5); mainline reserves them for pKVM. */
  MMIO_GUARD_INFO: 0xc600_0005,
  MMIO_GUARD_ENROLL: 0xc600_0006,
  MMIO_GUARD: 0xc600_0007,
  MMIO_GUARD_MAP: 0xc600_0007,
  MMIO_GUARD_UNMAP: 0xc600_0008,
  MEM_RELINQUISH: 0xc600_0009,
  MMIO_RGUARD_MAP: 0xc600_000a,
  MMIO_RGUARD_UNMAP: 0xc600_000b,
  DISCOVER_IMPL_VER: 0xc600_0040,
  DISCOVER_IMPL_CPUS: 0xc600_0041,
  FEATURES_2: 0x8600_007f,
  CALL_UID: 0x8600_ff01,
  /** 28b46fb6-2ec5-11e9-a9ca-4b564d003a74 as x0..x3 (spec 2.5, selftests B.5). */
  UID: [0xb66f_b428, 0xe911_c52e, 0x564b_caa9, 0x743a_004d] as const,
  /** PTP counter selectors (spec 2.5). */
  PTP_VIRT_COUNTER: 0,
  PTP_PHYS_COUNTER: 1,
  /** HYP_MEMINFO x1 flag (seed 001 KVM_FUNC_HAS_RANGE). */
  FUNC_HAS_RANGE: 1,
} as const;

/** EL2 hyp-stub ABI (seed 000 hyp-abi.rst; spec 6; arch/arm64/include/asm/virt.h). */
export const HYP_STUB = {
  SET_VECTORS: 0,
  SOFT_RESTART: 1,
  RESET_VECTORS: 2,
  /** HVC_FINALISE_EL2; named HVC_VHE_RESTART in ~5.x kernels. */
  FINALISE_EL2: 3,
  VHE_RESTART: 3,
  /** Newest kernels only (spec 6, UNCONFIRMED merge). */
  GET_ICH_VTR_EL2: 4,
  /** HVC_STUB_ERR (spec 6). */
  ERR: 0x0bad_ca11,
} as const;

/** KVM run exit reasons and system-event types (spec 4.4, 7.2). */
export const KVM_EXIT = {
  HYPERCALL: 3,
  MMIO: 6,
  SYSTEM_EVENT: 24,
} as const;

/** KVM_SYSTEM_EVENT_* types (spec 4.4). */
export const SYSTEM_EVENT = {
  SHUTDOWN: 1,
  RESET: 2,
  CRASH: 3,
  WAKEUP: 4,
  SUSPEND: 5,
  /** data[0] flag for RESET from SYSTEM_RESET2 / SHUTDOWN from SYSTEM_OFF2 (spec 4.4). */
  FLAG_PSCI_RESET2: 1n,
  FLAG_PSCI_OFF2: 1n,
} as const;

/** kvm_run.hypercall.flags bits (spec 5.4). */
export const HYPERCALL_EXIT = { SMC: 1, BIT16: 2 } as const;

/** KVM_MP_STATE values (spec 4.3). */
export const MP_STATE = { RUNNABLE: 0, STOPPED: 5, SUSPENDED: 10 } as const;

/** SMCCC filter actions (spec 5.1). */
export const FILTER_ACTION = { HANDLE: 0, DENY: 1, FWD_TO_USER: 2 } as const;

/** Capabilities touched by the model (spec 7.3). */
export const KVM_CAP = {
  ARM_PSCI: 87,
  ARM_PSCI_0_2: 102,
  STEAL_TIME: 187,
  PTP_KVM: 198,
  SYSTEM_EVENT_DATA: 215,
  ARM_SYSTEM_SUSPEND: 216,
} as const;

/** ESR_ELx exception classes (spec 7.3; Arm ARM D17.2.37). */
export const EC = {
  UNKNOWN: 0x00,
  WFX: 0x01,
  HVC32: 0x12,
  SMC32: 0x13,
  SVC64: 0x15,
  HVC64: 0x16,
  SMC64: 0x17,
  SYSREG: 0x18,
  IABT_LOW: 0x20,
  IABT_CUR: 0x21,
  PC_ALIGN: 0x22,
  DABT_LOW: 0x24,
  DABT_CUR: 0x25,
  SP_ALIGN: 0x26,
  BRK64: 0x3c,
} as const;

const ARM64 = 0x6000_0000_0000_0000n;
const U64 = 0x0030_0000_0000_0000n;
const FW = 0x0014_0000n;
const FW_BMAP = 0x0016_0000n;
const CORE = 0x0010_0000n;
const SYSREG = 0x0013_0000n;

/** The shape of {@link KVM_REG}. */
export interface KvmRegIds {
  readonly ARM64: bigint;
  readonly SIZE_U32: bigint;
  readonly SIZE_U64: bigint;
  readonly SIZE_U128: bigint;
  readonly SIZE_MASK: bigint;
  readonly COPROC_MASK: bigint;
  readonly COPROC_CORE: bigint;
  readonly COPROC_FW: bigint;
  readonly COPROC_FW_BMAP: bigint;
  readonly COPROC_SYSREG: bigint;
  readonly PSCI_VERSION: bigint;
  readonly SMCCC_ARCH_WORKAROUND_1: bigint;
  readonly SMCCC_ARCH_WORKAROUND_2: bigint;
  readonly SMCCC_ARCH_WORKAROUND_3: bigint;
  readonly STD_BMAP: bigint;
  readonly STD_HYP_BMAP: bigint;
  readonly VENDOR_HYP_BMAP: bigint;
  readonly VENDOR_HYP_BMAP_2: bigint;
  /** Core register X0..X30. */
  x(n: number): bigint;
  readonly SP: bigint;
  readonly PC: bigint;
  readonly PSTATE: bigint;
  readonly SP_EL1: bigint;
  readonly ELR_EL1: bigint;
  /** SPSR[0..4]. */
  spsr(n: number): bigint;
  /** Core register fp_regs.vregs[n] (128 bits), n = 0..31. */
  v(n: number): bigint;
  /** Core registers fp_regs.fpsr and fp_regs.fpcr (32 bits). */
  readonly FPSR: bigint;
  readonly FPCR: bigint;

  /** KVM_REG_ARM64_SYSREG id. */
  sysreg(op0: number, op1: number, crn: number, crm: number, op2: number): bigint;
}

/**
 * KVM_GET/SET_ONE_REG ids (spec 3.1; arch/arm64/include/uapi/asm/kvm.h).
 * Core register ids index `struct kvm_regs` in 32-bit words.
 */
export const KVM_REG: KvmRegIds = {
  ARM64,
  SIZE_U32: 0x0020_0000_0000_0000n,
  SIZE_U64: U64,
  SIZE_U128: 0x0040_0000_0000_0000n,
  SIZE_MASK: 0x00f0_0000_0000_0000n,
  COPROC_MASK: 0x0fff_0000n,
  COPROC_CORE: CORE,
  COPROC_FW: FW,
  COPROC_FW_BMAP: FW_BMAP,
  COPROC_SYSREG: SYSREG,
  PSCI_VERSION: ARM64 | U64 | FW | 0n,
  SMCCC_ARCH_WORKAROUND_1: ARM64 | U64 | FW | 1n,
  SMCCC_ARCH_WORKAROUND_2: ARM64 | U64 | FW | 2n,
  SMCCC_ARCH_WORKAROUND_3: ARM64 | U64 | FW | 3n,
  STD_BMAP: ARM64 | U64 | FW_BMAP | 0n,
  STD_HYP_BMAP: ARM64 | U64 | FW_BMAP | 1n,
  VENDOR_HYP_BMAP: ARM64 | U64 | FW_BMAP | 2n,
  VENDOR_HYP_BMAP_2: ARM64 | U64 | FW_BMAP | 3n,
  /** Core register X0..X30: offsetof(struct kvm_regs, regs.regs[n]) / 4. */
  x(n: number): bigint {
    return ARM64 | U64 | CORE | BigInt(n * 2);
  },
  SP: ARM64 | U64 | CORE | 0x3en,
  PC: ARM64 | U64 | CORE | 0x40n,
  PSTATE: ARM64 | U64 | CORE | 0x42n,
  SP_EL1: ARM64 | U64 | CORE | 0x44n,
  ELR_EL1: ARM64 | U64 | CORE | 0x46n,
  /** SPSR[0..4] (EL1, ABT, UND, IRQ, FIQ) at 0x48 + 2n. */
  spsr(n: number): bigint {
    return ARM64 | U64 | CORE | BigInt(0x48 + n * 2);
  },
  /**
   * fp_regs.vregs[n]: struct user_fpsimd_state is 16-byte aligned, so fp_regs starts at
   * byte 336 (0x54 words) after spsr[5] ends at byte 328; each vreg is 4 words.
   */
  v(n: number): bigint {
    return ARM64 | 0x0040_0000_0000_0000n | CORE | BigInt(0x54 + n * 4);
  },
  /** fp_regs.fpsr at byte 848 (0xd4 words), fp_regs.fpcr right after. */
  FPSR: ARM64 | 0x0020_0000_0000_0000n | CORE | 0xd4n,
  FPCR: ARM64 | 0x0020_0000_0000_0000n | CORE | 0xd5n,

  /** KVM_REG_ARM64_SYSREG id from the MRS encoding (uapi asm/kvm.h). */
  sysreg(op0: number, op1: number, crn: number, crm: number, op2: number): bigint {
    return ARM64 | U64 | SYSREG |
      BigInt((op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2);
  },
};

/** Firmware register value encodings (spec 3.3, 3.4). */
export const FW_REG = {
  WA1_NOT_AVAIL: 0,
  WA1_AVAIL: 1,
  WA1_NOT_REQUIRED: 2,
  WA2_NOT_AVAIL: 0,
  WA2_UNKNOWN: 1,
  WA2_AVAIL: 2,
  WA2_NOT_REQUIRED: 3,
  WA2_ENABLED: 0x10,
  WA3_NOT_AVAIL: 0,
  WA3_AVAIL: 1,
  WA3_NOT_REQUIRED: 2,
  LEVEL_MASK: 0xf,
  STD_BIT_TRNG_V1_0: 0,
  STD_HYP_BIT_PV_TIME: 0,
  VENDOR_HYP_BIT_FUNC_FEAT: 0,
  VENDOR_HYP_BIT_PTP: 1,
  VENDOR_HYP_BIT_DISCOVER_IMPL_VER: 0,
  VENDOR_HYP_BIT_DISCOVER_IMPL_CPUS: 1,
} as const;
