/**
 * The system-register table: one row per register the machine implements,
 * keyed by its MRS/MSR encoding (op0, op1, CRn, CRm, op2; Arm ARM C5.3).
 * The same table drives MRS/MSR, `cpu.sysreg(name)`, ONE_REG ids
 * (KVM_REG_ARM64_SYSREG), KVM_GET_REG_LIST order and REPL completion.
 *
 * Storage: a row with `slot` keeps its value in the vCPU register block
 * (state.ts, slots from Slot.SYSREG0). Rows with `kind: "special"` are
 * computed (PSTATE views, counters, banked SPs) by the CPU's handler.
 *
 * @module
 */

import { Slot, SYSREG_SLOTS } from "./state.ts";

/** Who may access a register and how its value is produced. */
export type SysregKind =
  /** Plain storage in a slot. */
  | "rw"
  /** Read-only identification value (writes UNDEF); stored in a slot so VMMs can set it. */
  | "ro"
  /** Computed by the CPU (PSTATE fields, counters, banked SP, device registers). */
  | "special"
  /** Write-only (reads UNDEF), e.g. TLBI-like operations and ICC_SGI1R_EL1. */
  | "wo";

/** One row of the table. */
export interface SysregDef {
  readonly name: string;
  readonly op0: number;
  readonly op1: number;
  readonly crn: number;
  readonly crm: number;
  readonly op2: number;
  readonly kind: SysregKind;
  /** Lowest exception level allowed to access it (0, 1 or 2); higher ELs may. */
  readonly minEl: number;
  /** Reset value (architectural or our implementation's choice). */
  readonly reset: bigint;
  /** Storage slot in the register block (for "rw"/"ro"), else -1. */
  slot: number;
  /** 16-bit encoding key: op0(2) op1(3) CRn(4) CRm(4) op2(3), as in ONE_REG ids. */
  key: number;
}

type Row = [string, number, number, number, number, number, SysregKind, number, bigint?];

/**
 * The rows. Encodings are from the Arm ARM (DDI 0487) register descriptions;
 * reset values marked "impl" are this implementation's choice (QEMU's
 * cortex-a76 where a choice mirrors QEMU's `-cpu cortex-a76`).
 */
const ROWS: Row[] = [
  // Identification (Arm ARM D23.2). MIDR: Cortex-A76 r4p1 (impl, as QEMU's cortex-a76).
  ["MIDR_EL1", 3, 0, 0, 0, 0, "ro", 1, 0x414f_d0b1n],
  ["MPIDR_EL1", 3, 0, 0, 0, 5, "ro", 1, 0x8000_0000n],
  ["REVIDR_EL1", 3, 0, 0, 0, 6, "ro", 1, 0n],
  // ID_AA64PFR0_EL1 (Arm ARM, ID_AA64PFR0_EL1): EL0..EL2 AArch64-only (1), EL3 absent,
  // FP (19:16) and AdvSIMD (23:20) = 0: implemented, without FEAT_FP16; GIC sysregs (1).
  ["ID_AA64PFR0_EL1", 3, 0, 0, 4, 0, "ro", 1, 0x0100_0111n],

  ["ID_AA64PFR1_EL1", 3, 0, 0, 4, 1, "ro", 1, 0n],
  ["ID_AA64DFR0_EL1", 3, 0, 0, 5, 0, "ro", 1, 0x0000_0000_1030_5106n],
  ["ID_AA64DFR1_EL1", 3, 0, 0, 5, 1, "ro", 1, 0n],
  ["ID_AA64AFR0_EL1", 3, 0, 0, 5, 4, "ro", 1, 0n],
  ["ID_AA64AFR1_EL1", 3, 0, 0, 5, 5, "ro", 1, 0n],
  ["ID_AA64ISAR0_EL1", 3, 0, 0, 6, 0, "ro", 1, 0n],
  ["ID_AA64ISAR1_EL1", 3, 0, 0, 6, 1, "ro", 1, 0n],
  ["ID_AA64ISAR2_EL1", 3, 0, 0, 6, 2, "ro", 1, 0n],
  // ID_AA64MMFR0_EL1: PARange 48-bit (3:0 = 5), ASIDBits 16 (7:4 = 2); stage-1 granules 4K, 16K
  // and 64K (TGran4 31:28 = 0, TGran64 27:24 = 0, TGran16 23:20 = 1: machine/cpu/mmu.ts);
  // TGran4_2/64_2/16_2 (43:32) = 0, "as the stage 1 fields". QEMU's cortex-a76 reports the same
  // granule fields (target/arm/cpu64.c aarch64_a76_initfn: 0x101122; cortex-a57's 0x1124 lacks 16K).
  ["ID_AA64MMFR0_EL1", 3, 0, 0, 7, 0, "ro", 1, 0x0000_0000_0010_0025n],
  // ID_AA64MMFR1_EL1: VH (bits 11:8) set by the machine when `vhe` is on; PAN = 1 (bits 23:20).
  ["ID_AA64MMFR1_EL1", 3, 0, 0, 7, 1, "ro", 1, 0x0000_0000_0010_0000n],
  ["ID_AA64MMFR2_EL1", 3, 0, 0, 7, 2, "ro", 1, 0n],
  ["ID_AA64MMFR3_EL1", 3, 0, 0, 7, 3, "ro", 1, 0n],
  // CTR_EL0: IminLine = DminLine = 4 (64-byte lines), L1Ip PIPT (3) (impl).
  ["CTR_EL0", 3, 3, 0, 0, 1, "ro", 0, 0x8444_c004n],
  // DCZID_EL0: DC ZVA block 64 bytes (BS = 4).
  ["DCZID_EL0", 3, 3, 0, 0, 7, "ro", 0, 0x4n],
  ["CCSIDR_EL1", 3, 1, 0, 0, 0, "ro", 1, 0x7003_e01an],
  ["CLIDR_EL1", 3, 1, 0, 0, 1, "ro", 1, 0x0a20_0023n],
  ["AIDR_EL1", 3, 1, 0, 0, 7, "ro", 1, 0n],
  ["CSSELR_EL1", 3, 2, 0, 0, 0, "rw", 1],

  // PSTATE views and banked stack pointers (Arm ARM C5.2), computed by the CPU.
  ["NZCV", 3, 3, 4, 2, 0, "special", 0],
  ["DAIF", 3, 3, 4, 2, 1, "special", 0],
  ["SPSel", 3, 0, 4, 2, 0, "special", 1],
  ["CurrentEL", 3, 0, 4, 2, 2, "special", 1],
  ["PAN", 3, 0, 4, 2, 3, "special", 1],
  ["SP_EL0", 3, 0, 4, 1, 0, "special", 1],
  ["SP_EL1", 3, 4, 4, 1, 0, "special", 2],
  // Floating-point control and status (Arm ARM C5.2, FPCR and FPSR): fixed slots
  // (Slot.FPCR/FPSR), subject to the CPACR_EL1/CPTR_EL2 FP traps.
  ["FPCR", 3, 3, 4, 4, 0, "special", 0],
  ["FPSR", 3, 3, 4, 4, 1, "special", 0],

  // EL1 system control and translation (Arm ARM D23.2). SCTLR_EL1 reset: RES1 bits (impl: QEMU-like 0x30d00800).
  ["SCTLR_EL1", 3, 0, 1, 0, 0, "rw", 1, 0x30d0_0800n],
  ["ACTLR_EL1", 3, 0, 1, 0, 1, "rw", 1],
  ["CPACR_EL1", 3, 0, 1, 0, 2, "rw", 1],
  ["TTBR0_EL1", 3, 0, 2, 0, 0, "rw", 1],
  ["TTBR1_EL1", 3, 0, 2, 0, 1, "rw", 1],
  ["TCR_EL1", 3, 0, 2, 0, 2, "rw", 1],
  ["SPSR_EL1", 3, 0, 4, 0, 0, "rw", 1],
  ["ELR_EL1", 3, 0, 4, 0, 1, "rw", 1],
  ["ICC_PMR_EL1", 3, 0, 4, 6, 0, "special", 1],
  ["AFSR0_EL1", 3, 0, 5, 1, 0, "rw", 1],
  ["AFSR1_EL1", 3, 0, 5, 1, 1, "rw", 1],
  ["ESR_EL1", 3, 0, 5, 2, 0, "rw", 1],
  ["FAR_EL1", 3, 0, 6, 0, 0, "rw", 1],
  ["PAR_EL1", 3, 0, 7, 4, 0, "rw", 1],
  ["MAIR_EL1", 3, 0, 10, 2, 0, "rw", 1],
  ["AMAIR_EL1", 3, 0, 10, 3, 0, "rw", 1],
  ["VBAR_EL1", 3, 0, 12, 0, 0, "rw", 1],
  ["ISR_EL1", 3, 0, 12, 1, 0, "special", 1],
  ["CONTEXTIDR_EL1", 3, 0, 13, 0, 1, "rw", 1],
  ["TPIDR_EL1", 3, 0, 13, 0, 4, "rw", 1],
  ["CNTKCTL_EL1", 3, 0, 14, 1, 0, "rw", 1],
  ["TPIDR_EL0", 3, 3, 13, 0, 2, "rw", 0],
  ["TPIDRRO_EL0", 3, 3, 13, 0, 3, "rw", 0],

  // Debug registers a kernel touches at boot (Arm ARM D23.3).
  ["MDCCINT_EL1", 2, 0, 0, 2, 0, "rw", 1],
  ["MDSCR_EL1", 2, 0, 0, 2, 2, "rw", 1],
  ["OSLAR_EL1", 2, 0, 1, 0, 4, "wo", 1],
  ["OSLSR_EL1", 2, 0, 1, 1, 4, "special", 1],
  ["OSDLR_EL1", 2, 0, 1, 3, 4, "rw", 1],

  // Generic timer (Arm ARM D11, D23.8). CNTFRQ: 62.5 MHz as QEMU virt (hw/arm/virt.c, target/arm GTIMER_SCALE 16 ns).
  ["CNTFRQ_EL0", 3, 3, 14, 0, 0, "rw", 0, 62_500_000n],
  ["CNTPCT_EL0", 3, 3, 14, 0, 1, "special", 0],
  ["CNTVCT_EL0", 3, 3, 14, 0, 2, "special", 0],
  ["CNTP_TVAL_EL0", 3, 3, 14, 2, 0, "special", 0],
  ["CNTP_CTL_EL0", 3, 3, 14, 2, 1, "special", 0],
  ["CNTP_CVAL_EL0", 3, 3, 14, 2, 2, "special", 0],
  ["CNTV_TVAL_EL0", 3, 3, 14, 3, 0, "special", 0],
  ["CNTV_CTL_EL0", 3, 3, 14, 3, 1, "special", 0],
  ["CNTV_CVAL_EL0", 3, 3, 14, 3, 2, "special", 0],
  ["CNTVOFF_EL2", 3, 4, 14, 0, 3, "rw", 2],
  ["CNTHCTL_EL2", 3, 4, 14, 1, 0, "rw", 2, 0x3n],
  ["CNTHP_TVAL_EL2", 3, 4, 14, 2, 0, "special", 2],
  ["CNTHP_CTL_EL2", 3, 4, 14, 2, 1, "special", 2],
  ["CNTHP_CVAL_EL2", 3, 4, 14, 2, 2, "special", 2],
  ["CNTHV_TVAL_EL2", 3, 4, 14, 3, 0, "special", 2],
  ["CNTHV_CTL_EL2", 3, 4, 14, 3, 1, "special", 2],
  ["CNTHV_CVAL_EL2", 3, 4, 14, 3, 2, "special", 2],

  // PMU (Arm ARM D23.5): cycle counter. PMCR_EL0 reset: IMP 0x41, N = 0 event counters (impl).
  ["PMCR_EL0", 3, 3, 9, 12, 0, "special", 0],
  ["PMCNTENSET_EL0", 3, 3, 9, 12, 1, "special", 0],
  ["PMCNTENCLR_EL0", 3, 3, 9, 12, 2, "special", 0],
  ["PMOVSCLR_EL0", 3, 3, 9, 12, 3, "special", 0],
  ["PMSELR_EL0", 3, 3, 9, 12, 5, "rw", 0],
  ["PMCEID0_EL0", 3, 3, 9, 12, 6, "ro", 0],
  ["PMCEID1_EL0", 3, 3, 9, 12, 7, "ro", 0],
  ["PMCCNTR_EL0", 3, 3, 9, 13, 0, "special", 0],
  ["PMUSERENR_EL0", 3, 3, 9, 14, 0, "rw", 0],
  ["PMINTENSET_EL1", 3, 0, 9, 14, 1, "special", 1],
  ["PMINTENCLR_EL1", 3, 0, 9, 14, 2, "special", 1],
  ["PMOVSSET_EL0", 3, 3, 9, 14, 3, "special", 0],
  ["PMCCFILTR_EL0", 3, 3, 14, 15, 7, "rw", 0],

  // GICv3 CPU interface (Arm IHI 0069, 12.2), served by the GIC model.
  ["ICC_AP0R0_EL1", 3, 0, 12, 8, 4, "special", 1],
  ["ICC_AP1R0_EL1", 3, 0, 12, 9, 0, "special", 1],
  ["ICC_IAR0_EL1", 3, 0, 12, 8, 0, "special", 1],
  ["ICC_EOIR0_EL1", 3, 0, 12, 8, 1, "special", 1],
  ["ICC_HPPIR0_EL1", 3, 0, 12, 8, 2, "special", 1],
  ["ICC_BPR0_EL1", 3, 0, 12, 8, 3, "special", 1],
  ["ICC_DIR_EL1", 3, 0, 12, 11, 1, "special", 1],
  ["ICC_RPR_EL1", 3, 0, 12, 11, 3, "special", 1],
  ["ICC_SGI1R_EL1", 3, 0, 12, 11, 5, "special", 1],
  ["ICC_ASGI1R_EL1", 3, 0, 12, 11, 6, "special", 1],
  ["ICC_SGI0R_EL1", 3, 0, 12, 11, 7, "special", 1],
  ["ICC_IAR1_EL1", 3, 0, 12, 12, 0, "special", 1],
  ["ICC_EOIR1_EL1", 3, 0, 12, 12, 1, "special", 1],
  ["ICC_HPPIR1_EL1", 3, 0, 12, 12, 2, "special", 1],
  ["ICC_BPR1_EL1", 3, 0, 12, 12, 3, "special", 1],
  ["ICC_CTLR_EL1", 3, 0, 12, 12, 4, "special", 1],
  ["ICC_SRE_EL1", 3, 0, 12, 12, 5, "special", 1],
  ["ICC_IGRPEN0_EL1", 3, 0, 12, 12, 6, "special", 1],
  ["ICC_IGRPEN1_EL1", 3, 0, 12, 12, 7, "special", 1],
  ["ICC_SRE_EL2", 3, 4, 12, 9, 5, "special", 2],

  // EL2 (Arm ARM D23.2). Present when the machine gives the guest EL2.
  ["VPIDR_EL2", 3, 4, 0, 0, 0, "rw", 2, 0x414f_d0b1n],
  ["VMPIDR_EL2", 3, 4, 0, 0, 5, "rw", 2, 0x8000_0000n],
  // SCTLR_EL2 reset: RES1 bits with E2H = 0 (0x30c50830, Arm ARM D23.2.118), MMU off.
  ["SCTLR_EL2", 3, 4, 1, 0, 0, "rw", 2, 0x30c5_0830n],
  ["ACTLR_EL2", 3, 4, 1, 0, 1, "rw", 2],
  ["HCR_EL2", 3, 4, 1, 1, 0, "rw", 2],
  ["MDCR_EL2", 3, 4, 1, 1, 1, "rw", 2],
  ["CPTR_EL2", 3, 4, 1, 1, 2, "rw", 2, 0x33ffn],
  ["HSTR_EL2", 3, 4, 1, 1, 3, "rw", 2],
  ["HACR_EL2", 3, 4, 1, 1, 7, "rw", 2],
  ["TTBR0_EL2", 3, 4, 2, 0, 0, "rw", 2],
  ["TTBR1_EL2", 3, 4, 2, 0, 1, "rw", 2],
  ["TCR_EL2", 3, 4, 2, 0, 2, "rw", 2],
  ["VTTBR_EL2", 3, 4, 2, 1, 0, "rw", 2],
  ["VTCR_EL2", 3, 4, 2, 1, 2, "rw", 2],
  ["SPSR_EL2", 3, 4, 4, 0, 0, "rw", 2],
  ["ELR_EL2", 3, 4, 4, 0, 1, "rw", 2],
  ["AFSR0_EL2", 3, 4, 5, 1, 0, "rw", 2],
  ["AFSR1_EL2", 3, 4, 5, 1, 1, "rw", 2],
  ["ESR_EL2", 3, 4, 5, 2, 0, "rw", 2],
  ["FAR_EL2", 3, 4, 6, 0, 0, "rw", 2],
  ["HPFAR_EL2", 3, 4, 6, 0, 4, "rw", 2],
  ["MAIR_EL2", 3, 4, 10, 2, 0, "rw", 2],
  ["AMAIR_EL2", 3, 4, 10, 3, 0, "rw", 2],
  ["VBAR_EL2", 3, 4, 12, 0, 0, "rw", 2],
  ["ICH_HCR_EL2", 3, 4, 12, 11, 0, "special", 2],
  ["ICH_VTR_EL2", 3, 4, 12, 11, 1, "special", 2],
  ["ICH_VMCR_EL2", 3, 4, 12, 11, 7, "special", 2],
  ["CONTEXTIDR_EL2", 3, 4, 13, 0, 1, "rw", 2],
  ["TPIDR_EL2", 3, 4, 13, 0, 2, "rw", 2],

  // FEAT_VHE accessors (Arm ARM D13 "Virtualization Host Extensions"): from EL2 with
  // HCR_EL2.E2H == 1 these reach the EL1/EL0 registers that the plain names then
  // redirect away from; UNDEFINED otherwise. Computed by the CPU (op1 = 5).
  ["SCTLR_EL12", 3, 5, 1, 0, 0, "special", 2],
  ["CPACR_EL12", 3, 5, 1, 0, 2, "special", 2],
  ["TTBR0_EL12", 3, 5, 2, 0, 0, "special", 2],
  ["TTBR1_EL12", 3, 5, 2, 0, 1, "special", 2],
  ["TCR_EL12", 3, 5, 2, 0, 2, "special", 2],
  ["SPSR_EL12", 3, 5, 4, 0, 0, "special", 2],
  ["ELR_EL12", 3, 5, 4, 0, 1, "special", 2],
  ["AFSR0_EL12", 3, 5, 5, 1, 0, "special", 2],
  ["AFSR1_EL12", 3, 5, 5, 1, 1, "special", 2],
  ["ESR_EL12", 3, 5, 5, 2, 0, "special", 2],
  ["FAR_EL12", 3, 5, 6, 0, 0, "special", 2],
  ["MAIR_EL12", 3, 5, 10, 2, 0, "special", 2],
  ["AMAIR_EL12", 3, 5, 10, 3, 0, "special", 2],
  ["VBAR_EL12", 3, 5, 12, 0, 0, "special", 2],
  ["CONTEXTIDR_EL12", 3, 5, 13, 0, 1, "special", 2],
  ["CNTKCTL_EL12", 3, 5, 14, 1, 0, "special", 2],
  ["CNTP_TVAL_EL02", 3, 5, 14, 2, 0, "special", 2],
  ["CNTP_CTL_EL02", 3, 5, 14, 2, 1, "special", 2],
  ["CNTP_CVAL_EL02", 3, 5, 14, 2, 2, "special", 2],
  ["CNTV_TVAL_EL02", 3, 5, 14, 3, 0, "special", 2],
  ["CNTV_CTL_EL02", 3, 5, 14, 3, 1, "special", 2],
  ["CNTV_CVAL_EL02", 3, 5, 14, 3, 2, "special", 2],
];

/**
 * FPCR bits this implementation keeps (Arm ARM C5.2, FPCR): AHP (26), DN (25),
 * FZ (24), RMode (23:22). Without FEAT_FP16/AFP/EBF16 their bits are RES0; the
 * trap enables IDE/IXE/UFE/OFE/DZE/IOE are RAZ/WI (trapped floating-point
 * exceptions not implemented); Len/Stride are RES0 without AArch32 (as QEMU).
 */
export const FPCR_MASK = 0x07c0_0000;
/**
 * FPSR bits (Arm ARM C5.2, FPSR): QC (27), IDC (7), IXC (4), UFC (3), OFC (2),
 * DZC (1), IOC (0). N/Z/C/V (31:28) are RES0 without AArch32.
 */
export const FPSR_MASK = 0x0800_009f;

/** All rows, in table order. */
export const SYSREGS: readonly SysregDef[] = (() => {
  let next = 0;
  return ROWS.map(([name, op0, op1, crn, crm, op2, kind, minEl, reset]) => {
    const stored = kind === "rw" || kind === "ro";
    const slot = stored ? Slot.SYSREG0 + next++ : -1;
    if (next > SYSREG_SLOTS) throw new Error("Too many system registers for the register block");
    return {
      name,
      op0,
      op1,
      crn,
      crm,
      op2,
      kind,
      minEl,
      reset: reset ?? 0n,
      slot,
      key: (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2,
    };
  });
})();

const BY_NAME = new Map(SYSREGS.map((d) => [d.name.toUpperCase(), d]));
const BY_KEY = new Map(SYSREGS.map((d) => [d.key, d]));

/** Look up a system register by name (case-insensitive). */
export function sysregByName(name: string): SysregDef | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** Look up a system register by its 16-bit encoding key. */
export function sysregByKey(key: number): SysregDef | undefined {
  return BY_KEY.get(key);
}

/** The encoding key of an MRS/MSR operand. */
export function sysregKey(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

/** The generic `S<op0>_<op1>_C<n>_C<m>_<op2>` spelling of a key. */
export function sysregGenericName(key: number): string {
  return `S${key >> 14}_${(key >> 11) & 7}_C${(key >> 7) & 15}_C${(key >> 3) & 15}_${key & 7}`;
}
