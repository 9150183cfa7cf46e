/**
 * The one interface through which the CPU reaches the world (dynarmic
 * `UserCallbacks` style). The interpreter (and later the WebAssembly
 * translator) touches registers and RAM directly through the shared
 * `MachineMemory`; everything else — devices, the hypervisor model,
 * device-backed system registers, sleeping — goes through these calls.
 *
 * All values cross as 32-bit halves (`lo`, `hi`) or through the caller's
 * `out` array: no BigInt on these paths.
 *
 * @module
 */

/** What the hypervisor/firmware model decided for an HVC or SMC. */
export const CallAction = {
  /** Handled; continue at the vCPU's current PC/EL (the handler set them). */
  CONTINUE: 0,
  /** Handled, but stop the run loop (KVM_RUN-style exit: hypercall, system event). */
  EXIT: 1,
  /** The vCPU went to sleep (PSCI CPU_OFF, CPU_SUSPEND); the scheduler picks another. */
  SLEEP: 2,
  /** Not handled by a model: take the architectural exception (e.g. HVC to the guest's own EL2). */
  TRAP: 3,
  /** The instruction is UNDEFINED here (e.g. SMC with no EL3 and no trap). */
  UNDEF: 4,
} as const;

/** A value of {@link CallAction}. */
export type CallActionCode = typeof CallAction[keyof typeof CallAction];

/** The world as the CPU sees it. */
export interface CpuCallbacks {
  /**
   * Read `size` (1, 2, 4, 8) bytes at guest-physical `pa` outside RAM (device
   * MMIO). Write the value to `out[0]` (low 32 bits) and `out[1]` (high).
   * Return false when nothing answers there (the CPU raises an external abort),
   * or {@link MMIO_STOP} to abandon the instruction and stop the vCPU on it.
   */
  mmioRead(cpu: number, pa: number, size: number, out: Int32Array): boolean | typeof MMIO_STOP;
  /** Write to device MMIO; false when nothing answers (external abort), or {@link MMIO_STOP}. */
  mmioWrite(
    cpu: number,
    pa: number,
    size: number,
    lo: number,
    hi: number,
  ): boolean | typeof MMIO_STOP;

  /**
   * When true, {@link hvc} and {@link smc} take the calling vCPU's registers
   * live: `regs` is the interpreter's working copy of its register block
   * (same word layout: X0 at word 0, the PC at 2 * Slot.PC, PSTATE, ICOUNT,
   * TIME_BASE...), current and authoritative for the fixed slots during the
   * call, and machine memory is NOT (only its ICOUNT is exact). Code that
   * needs the vCPU's block in memory brackets the access with sync.ts
   * `fixedEnter`/`fixedLeave`. This saves copying the block out and back
   * around every call. When false or absent, the block is written to memory
   * before the call and reloaded after it, and `regs` must not be used.
   */
  readonly liveRegs?: boolean;
  /**
   * `hvc #imm` executed at EL1 or EL2. The PC already points after the HVC
   * (its preferred return address). Returns a {@link CallAction}.
   */
  hvc(cpu: number, imm: number, regs: Int32Array): CallActionCode;
  /**
   * `smc #imm` executed at EL1 or EL2 and not trapped to the guest's own EL2
   * (HCR_EL2.TSC). The PC still points AT the SMC: a handler that answers
   * advances it itself (KVM and firmware both do). Returns a {@link CallAction}.
   */
  smc(cpu: number, imm: number, regs: Int32Array): CallActionCode;

  /**
   * Read a device-backed ("special") system register the CPU does not compute
   * itself (generic timer, GIC CPU interface, PMU). `key` is the 16-bit
   * encoding (sysregs.ts). Return false to make the access UNDEFINED.
   */
  sysregRead(cpu: number, key: number, out: Int32Array): boolean;
  /** Write a device-backed system register; false makes it UNDEFINED. */
  sysregWrite(cpu: number, key: number, lo: number, hi: number): boolean;
  /**
   * WFI (or WFE when `wfe`) with no interrupt pending: return true to end the
   * current slice with the vCPU asleep until an event; false to treat it as a NOP.
   */
  wait(cpu: number, wfe: boolean): boolean;
}

/**
 * What an MMIO callback returns when the access cannot be completed and the
 * run must stop before the instruction (no register or memory changed, the
 * PC stays on it): the vCPU's run ends with Exit.STOPPED. KVM_RUN failing on
 * an access it cannot emulate is one user (machine/run.ts).
 */
export const MMIO_STOP = 2;
