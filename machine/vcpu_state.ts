/**
 * vCPU state helpers shared by the public API, the hypervisor ports and the
 * CPU: banked stack pointers, named system-register access, architectural
 * reset, default MPIDR values.
 *
 * @module
 */

import { Feature, type MachineMemory, Slot } from "./state.ts";
import { sysregByName, SYSREGS } from "./sysregs.ts";
import { getNzcv, getPstate, PSR, pstateEl, setNzcv, setPstate, spBank } from "./cpu/pstate.ts";
import { sysregsRead, sysregsWritten } from "./cpu/sync.ts";
import { FPCR_MASK, FPSR_MASK } from "./sysregs.ts";

/** Read the banked stack pointer SP_ELn, wherever it currently lives. */
export function readSp(mm: MachineMemory, cpu: number, el: 0 | 1 | 2): bigint {
  const bank = [Slot.SP_EL0, Slot.SP_EL1, Slot.SP_EL2][el];
  return mm.get64(cpu, spBank(getPstate(mm, cpu)) === bank ? Slot.SP : bank);
}

/** Write the banked stack pointer SP_ELn. */
export function writeSp(mm: MachineMemory, cpu: number, el: 0 | 1 | 2, v: bigint): void {
  const bank = [Slot.SP_EL0, Slot.SP_EL1, Slot.SP_EL2][el];
  mm.set64(cpu, spBank(getPstate(mm, cpu)) === bank ? Slot.SP : bank, v);
}

/**
 * Read a system register by name from the API side. Stored registers come from
 * their slot; PSTATE views and banked SPs are computed; device-backed ones go
 * through `device` (timer, GIC, PMU) when given.
 */
export function readSysreg(
  mm: MachineMemory,
  cpu: number,
  name: string,
  device?: (cpu: number, key: number) => bigint | undefined,
): bigint {
  const n = name.toUpperCase();
  switch (n) {
    case "SP_EL0":
      return readSp(mm, cpu, 0);
    case "SP_EL1":
      return readSp(mm, cpu, 1);
    case "SP_EL2":
      return readSp(mm, cpu, 2);
    case "NZCV":
      return BigInt(getNzcv(mm, cpu));
    case "DAIF":
      return BigInt(getPstate(mm, cpu) & PSR.DAIF);
    case "SPSEL":
      return BigInt(getPstate(mm, cpu) & PSR.SPSEL);
    case "CURRENTEL":
      return BigInt(pstateEl(getPstate(mm, cpu)) << 2);
    case "PAN":
      return BigInt(getPstate(mm, cpu) & PSR.PAN);
    case "FPCR":
      return BigInt(mm.u32[mm.slot(cpu, Slot.FPCR)] & FPCR_MASK);
    case "FPSR":
      return BigInt(mm.u32[mm.slot(cpu, Slot.FPSR)] & FPSR_MASK);
  }

  const d = sysregByName(n);
  if (!d) throw new RangeError(`Unknown system register: ${name}`);
  if (d.slot >= 0) {
    sysregsRead(mm, cpu);
    return mm.get64(cpu, d.slot);
  }
  const v = device?.(cpu, d.key);
  if (v === undefined) {
    throw new RangeError(`System register ${d.name} is device-backed and not readable here`);
  }
  return v;
}

/** Write a system register by name from the API side (no access checks: a VMM's view). */
export function writeSysreg(
  mm: MachineMemory,
  cpu: number,
  name: string,
  v: bigint,
  device?: (cpu: number, key: number, v: bigint) => boolean,
): void {
  const n = name.toUpperCase();
  const u = BigInt.asUintN(64, v);
  switch (n) {
    case "SP_EL0":
      return writeSp(mm, cpu, 0, u);
    case "SP_EL1":
      return writeSp(mm, cpu, 1, u);
    case "SP_EL2":
      return writeSp(mm, cpu, 2, u);
    case "NZCV":
      return setNzcv(mm, cpu, Number(u & 0xf000_0000n));
    case "DAIF":
      return setPstate(mm, cpu, (getPstate(mm, cpu) & ~PSR.DAIF) | Number(u & BigInt(PSR.DAIF)));
    case "SPSEL":
      return setPstate(mm, cpu, (getPstate(mm, cpu) & ~PSR.SPSEL) | Number(u & 1n));
    case "PAN":
      return setPstate(mm, cpu, (getPstate(mm, cpu) & ~PSR.PAN) | Number(u & BigInt(PSR.PAN)));
    case "FPCR":
      mm.u32[mm.slot(cpu, Slot.FPCR)] = Number(u & BigInt(FPCR_MASK));
      return;
    case "FPSR":
      mm.u32[mm.slot(cpu, Slot.FPSR)] = Number(u & BigInt(FPSR_MASK));
      return;
    case "CURRENTEL":
      throw new RangeError("CurrentEL is read-only");
  }
  const d = sysregByName(n);
  if (!d) throw new RangeError(`Unknown system register: ${name}`);
  if (d.slot >= 0) {
    sysregsWritten(mm, cpu);
    mm.set64(cpu, d.slot, u);
    return;
  }
  if (!device?.(cpu, d.key, u)) {
    throw new RangeError(`System register ${d.name} is device-backed and not writable here`);
  }
}

/** KVM's default MPIDR_EL1 for vCPU `v` (arch/arm64/kvm/sys_regs.c reset_mpidr, spec 4.2). */
export function kvmMpidr(v: number): bigint {
  return (1n << 31n) | BigInt(v & 0xf) | (BigInt((v >> 4) & 0xff) << 8n) |
    (BigInt((v >> 12) & 0xff) << 16n);
}

/**
 * QEMU virt's MPIDR for CPU `idx`: arm_build_mp_affinity(idx, clustersz) with 16
 * CPUs per cluster for GICv3 and 8 for GICv2 (hw/arm/virt.c virt_cpu_mp_affinity),
 * plus the RES1 bit 31.
 */
export function qemuMpidr(idx: number, gic: 2 | 3): bigint {
  const c = gic === 3 ? 16 : 8;
  return (1n << 31n) | (BigInt(Math.floor(idx / c)) << 8n) | BigInt(idx % c);
}

/** How a vCPU comes out of reset. */
export interface ResetConfig {
  /** PSTATE after reset: EL1h or EL2h with DAIF masked. */
  el: 1 | 2;
  /** Slot.FEATURES bits. */
  features: number;
  mpidr: bigint;
}

/**
 * Architectural reset of vCPU `cpu` (kvm_reset_vcpu / QEMU cpu_reset): GPRs,
 * SPs, flags zero; every stored system register to its table reset value;
 * PSTATE = ELxh | DAIF (0x3c5 or 0x3c9); PC = `entry`, X0 = `x0`.
 */
export function resetVcpu(
  mm: MachineMemory,
  cpu: number,
  cfg: ResetConfig,
  entry = 0n,
  x0 = 0n,
): void {
  sysregsWritten(mm, cpu);
  // Virtual time (ICOUNT, TIME_BASE), IRQ_LINES (owned by the interrupt controller) and the
  // counter biases (owned by the timer) survive a reset.
  const keep = [Slot.ICOUNT, Slot.TIME_BASE, Slot.IRQ_LINES, Slot.CNT_PHYS_BIAS, Slot.CNT_VIRT_BIAS]
    .map((s) => [s, mm.get64(cpu, s)] as const);
  const base = mm.slot(cpu, 0);
  mm.i32.fill(0, base, base + Slot.SYSREG0 * 2);
  for (const [s, v] of keep) mm.set64(cpu, s, v);
  setNzcv(mm, cpu, 0); // split form: Z is "ZF == 0", so zeroed words would mean Z = 1

  for (const d of SYSREGS) if (d.slot >= 0) mm.set64(cpu, d.slot, d.reset);
  mm.set64(cpu, sysregByName("MPIDR_EL1")!.slot, cfg.mpidr);
  mm.set64(cpu, sysregByName("VMPIDR_EL2")!.slot, cfg.mpidr);
  // ID_AA64PFR0_EL1.EL2 (bits 11:8): implemented only when the guest owns EL2.
  const pfr0 = sysregByName("ID_AA64PFR0_EL1")!.slot;
  const el2 = (cfg.features & Feature.EL2) ? 1n : 0n;
  mm.set64(cpu, pfr0, (mm.get64(cpu, pfr0) & ~0xf00n) | (el2 << 8n));
  // ID_AA64MMFR1_EL1.VH (bits 11:8) with FEAT_VHE.
  const mmfr1 = sysregByName("ID_AA64MMFR1_EL1")!.slot;
  const vh = (cfg.features & Feature.VHE) ? 1n : 0n;
  mm.set64(cpu, mmfr1, (mm.get64(cpu, mmfr1) & ~0xf00n) | (vh << 8n));

  mm.i32[mm.slot(cpu, Slot.FEATURES)] = cfg.features;
  mm.i32[mm.slot(cpu, Slot.EXCL_ADDR)] = -1;
  mm.i32[mm.slot(cpu, Slot.EXCL_ADDR) + 1] = -1;
  mm.i32[mm.slot(cpu, Slot.PSTATE)] = (cfg.el === 2 ? PSR.EL2h : PSR.EL1h) | PSR.DAIF;
  mm.set64(cpu, Slot.PC, entry);
  mm.set64(cpu, Slot.X0, x0);
}
