/**
 * The small interface through which the hypervisor model reaches the machine
 * (design.md: "hyp knows nothing about instructions"). `machine` implements
 * it; tests can implement it with plain arrays.
 *
 * Registers are shared 32-bit words (no BigInt on the call path): general
 * register Xn is `regs[xWord + 2n]` (low half) and `regs[xWord + 2n + 1]`
 * (high half); the PC likewise at `pcWord`. Every such 64-bit value starts at an even word
 * of an 8-byte aligned file (the trace copies registers as whole 64-bit values).
 *
 * @module
 */

/** One vCPU as the hypervisor sees it. */
export interface VcpuPort {
  /** vCPU index (KVM vcpu_id), 0-based. */
  readonly index: number;
  /** Register file words (shared with the CPU). */
  readonly regs: Int32Array;
  /** Word index of X0's low half. */
  readonly xWord: number;
  /** Word index of the PC's low half. */
  readonly pcWord: number;
  /**
   * Word indices of two 64-bit counters whose sum is the vCPU's virtual time
   * in ns (instructions retired, and the time base of the current slice):
   * trace timestamps read them with no call and no boxing.
   */
  readonly timeWords: readonly [icount: number, base: number];
  /**
   * Word index in `regs` of PSTATE in SPSR format (M[3:2] = EL, M[4] = nRW),
   * when the port keeps it there: the model then reads EL without a call.
   */
  readonly pstateWord?: number;
  /** Current exception level (0..2). */
  el(): number;

  /** True when the vCPU runs AArch32 at its current EL. */
  aarch32(): boolean;
  /** True when data accesses at the current EL are big-endian (SCTLR_ELx.EE/E0E). */
  bigEndian(): boolean;
  /** The current MPIDR_EL1 value. */
  mpidr(): bigint;
  /**
   * Architectural vCPU reset as KVM performs for PSCI CPU_ON (spec 4.2):
   * GPRs zeroed, system registers reset, PSTATE = EL1h with DAIF masked,
   * PC = entry, X0 = context; EE set when `bigEndian`.
   */
  reset(entry: bigint, context: bigint, bigEndian: boolean): void;
  /** Read a system register by name (e.g. "VBAR_EL2"). */
  sysreg(name: string): bigint;
  /** Write a system register by name. */
  setSysreg(name: string, value: bigint): void;
  /**
   * Take a synchronous exception to EL2 with syndrome `esr`, exactly as the
   * architecture does: ELR_EL2 = PC, SPSR_EL2 = PSTATE, ESR_EL2 = esr,
   * PSTATE = EL2h with DAIF masked, PC = VBAR_EL2 + vector offset.
   */
  exceptionToEl2(esr: number): void;
  /** ERET from EL2: PSTATE = SPSR_EL2, PC = ELR_EL2. */
  eretFromEl2(): void;
  /** Inject an UNDEFINED exception into the vCPU at its current EL's target (EL1). */
  injectUndef(): void;
}

/**
 * Where the registers sit in a running CPU's live register block: a machine
 * whose CPU hands `KvmVm.hvc()`/`smc()` its working copy of the calling
 * vCPU's registers (instead of writing them back to `VcpuPort.regs` first)
 * describes the word layout of that copy here (KvmPorts.live).
 */
export interface LiveLayout {
  /** Word index of X0's low half. */
  readonly xWord: number;
  /** Word index of the PC's low half. */
  readonly pcWord: number;
  /** Word index of PSTATE in SPSR format (M[3:2] = EL, M[4] = nRW). */
  readonly pstateWord: number;
  /** As {@link VcpuPort.timeWords}. */
  readonly timeWords: readonly [icount: number, base: number];
}

/** Guest-physical memory, for the PV-time record and pKVM pages. */

export interface MemoryPort {
  /** True if [ipa, ipa + len) lies inside guest RAM (a KVM memslot). */
  isRam(ipa: bigint, len: number): boolean;
  readU64(ipa: bigint): bigint;
  writeU64(ipa: bigint, value: bigint): void;
  /** Fill [ipa, ipa + len) with `byte`. */
  fill(ipa: bigint, len: number, byte: number): void;
}

/** The machine's deterministic clock (virtual time). */
export interface ClockPort {
  /** Virtual time in ns as seen by vCPU `cpu` (stolen time and scripts). */
  nowNs(cpu: number): number;

  /** Host CLOCK_REALTIME in ns at this virtual instant. */
  realtimeNs(): bigint;
  /** The host's physical counter value (CNTPCT before any VM offset). */
  hostCounter(): bigint;
  /** KVM's per-VM virtual counter offset (CNTVOFF). */
  virtualOffset(): bigint;
  /** KVM's per-VM physical counter offset. */
  physicalOffset(): bigint;
}
