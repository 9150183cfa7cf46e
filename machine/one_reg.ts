/**
 * KVM_GET_ONE_REG / KVM_SET_ONE_REG / KVM_GET_REG_LIST over the machine's
 * state (arch/arm64/kvm/guest.c): core registers (struct kvm_regs offsets),
 * system registers (KVM_REG_ARM64_SYSREG encodings), and the firmware
 * pseudo-registers, which the hypervisor model owns.
 *
 * @module
 */

import { FW_REGS, fwRegByName, KVM_REG, KvmError, type KvmVm } from "../hyp/mod.ts";
import { type MachineMemory, Slot } from "./state.ts";
import { sysregByKey, sysregByName, SYSREGS } from "./sysregs.ts";
import { getNzcv, getPstate, setNzcv, setPstate } from "./cpu/pstate.ts";
import { readSp, readSysreg, writeSp, writeSysreg } from "./vcpu_state.ts";
import { sysregsRead, sysregsWritten } from "./cpu/sync.ts";
import { editDistance } from "./errors.ts";

import { TIMER } from "./devices/timer.ts";
import type { VirtDevices } from "./devices/virt.ts";

/** A register of the ONE_REG interface: its id and name. */
export interface RegInfo {
  id: bigint;
  name: string;
}

const CORE: RegInfo[] = [
  ...Array.from({ length: 31 }, (_, n) => ({ id: KVM_REG.x(n), name: `X${n}` })),
  { id: KVM_REG.SP, name: "SP" },
  { id: KVM_REG.PC, name: "PC" },
  { id: KVM_REG.PSTATE, name: "PSTATE" },
  { id: KVM_REG.SP_EL1, name: "SP_EL1" },
  { id: KVM_REG.ELR_EL1, name: "ELR_EL1" },
  { id: KVM_REG.spsr(0), name: "SPSR_EL1" },
  { id: KVM_REG.spsr(1), name: "SPSR_ABT" },
  { id: KVM_REG.spsr(2), name: "SPSR_UND" },
  { id: KVM_REG.spsr(3), name: "SPSR_IRQ" },
  { id: KVM_REG.spsr(4), name: "SPSR_FIQ" },
  // struct user_fpsimd_state fp_regs, 16-byte aligned after spsr[5] (uapi asm/kvm.h, ptrace.h):
  // vregs[32] (__uint128_t), fpsr, fpcr (__u32). Listed after the integer core registers in
  // struct order (guest.c copy_core_reg_indices; no SVE, so the vregs are not skipped).
  ...Array.from({ length: 32 }, (_, n) => ({ id: KVM_REG.v(n), name: `V${n}` })),
  { id: KVM_REG.FPSR, name: "FPSR" },
  { id: KVM_REG.FPCR, name: "FPCR" },
];

/** One of KVM's timer registers and the register whose value it carries. */
interface TimerReg extends RegInfo {
  /** The system register it reads and writes (a counter for *_CNT). */
  reg: string;
  /** The timer whose count *_CNT reads (TIMER.VIRT or TIMER.PHYS). */
  timer: number;
}

/**
 * KVM's timer registers in KVM_GET_REG_LIST order (arch/arm64/kvm/guest.c timer_reg_list;
 * ids from uapi asm/kvm.h). TIMER_CVAL and TIMER_CNT carry each other's encodings: "Their
 * values have been accidentally swapped. As this is set API, the definitions here must be
 * used, rather than ones derived from the encodings" (uapi comment), so TIMER_CNT's id is
 * CNTV_CVAL_EL0's encoding and TIMER_CVAL's is CNTVCT_EL0's. PTIMER_* need profile.ptimerRegs.
 */
const TIMER_REGS: TimerReg[] = [
  ["TIMER_CTL", [3, 3, 14, 3, 1], "CNTV_CTL_EL0", TIMER.VIRT],
  ["TIMER_CNT", [3, 3, 14, 3, 2], "CNTVCT_EL0", TIMER.VIRT],
  ["TIMER_CVAL", [3, 3, 14, 0, 2], "CNTV_CVAL_EL0", TIMER.VIRT],
  ["PTIMER_CTL", [3, 3, 14, 2, 1], "CNTP_CTL_EL0", TIMER.PHYS],
  ["PTIMER_CNT", [3, 3, 14, 0, 1], "CNTPCT_EL0", TIMER.PHYS],
  ["PTIMER_CVAL", [3, 3, 14, 2, 2], "CNTP_CVAL_EL0", TIMER.PHYS],
].map(([name, e, reg, timer]) => {
  const [op0, op1, crn, crm, op2] = e as number[];
  return {
    id: KVM_REG.sysreg(op0, op1, crn, crm, op2),
    name: `KVM_REG_ARM_${name}`,
    reg: reg as string,
    timer: timer as number,
  };
});

/** AArch32 banked SPSRs kept for VMM round trips (struct kvm_regs spsr[1..4]). */
const SPSR32_SLOTS = [Slot.SPSR_ABT, Slot.SPSR_UND, Slot.SPSR_IRQ, Slot.SPSR_FIQ];

/** The system registers KVM lists for an EL1 guest: stored EL0/EL1 registers, sorted by id. */
function listedSysregs(includeEl2: boolean): RegInfo[] {
  return SYSREGS.filter((d) => d.slot >= 0 && (d.minEl <= 1 || includeEl2))
    .map((d) => ({ id: KVM_REG.sysreg(d.op0, d.op1, d.crn, d.crm, d.op2), name: d.name }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The register file of one VM as ONE_REG sees it. */
export class OneReg {
  constructor(
    private readonly mm: MachineMemory,
    private readonly kvm: KvmVm,
    private readonly devices: VirtDevices,
    /** Whether EL2 registers exist for the guest (guest-owned EL2). */
    private readonly el2: boolean,
  ) {}

  /** KVM_GET_REG_LIST order: core → firmware → timer → system registers (spec 3.6; guest.c). */
  list(): RegInfo[] {
    const fw = this.kvm.fw.list().map((r) => ({ id: r.id, name: r.name }));
    const timer = this.timerRegs().map((r) => ({ id: r.id, name: r.name }));
    return [...CORE, ...fw, ...timer, ...listedSysregs(this.el2)];
  }

  /** The timer registers this kernel profile has. */
  private timerRegs(): TimerReg[] {
    return this.kvm.profile.ptimerRegs ? TIMER_REGS : TIMER_REGS.slice(0, 3);
  }

  /** The timer register with this id, name (full, short or the register it carries), if any. */
  private timerReg(reg: string | bigint): TimerReg | undefined {
    if (typeof reg === "bigint") return this.timerRegs().find((r) => r.id === reg);
    return this.timerRegs().find((r) =>
      r.name === reg || r.name === `KVM_REG_ARM_${reg}` || r.reg === reg
    );
  }

  /** Resolve a name (core, firmware full/short, sysreg) or an id to an id. */
  resolve(reg: string | bigint, op: string): bigint {
    if (typeof reg === "bigint") return reg;
    if (typeof reg !== "string") {
      throw new TypeError(
        `Invalid register: expected a name or a bigint ONE_REG id, got ${typeof reg}`,
      );
    }
    const n = reg.trim().toUpperCase().replace(/^Q(\d+)$/, "V$1");
    const core = CORE.find((c) => c.name === n);

    if (core) return core.id;
    const fw = fwRegByName(n);
    if (fw) return fw.id;
    const timer = this.timerReg(n);
    if (timer) return timer.id;
    const d = sysregByName(n);
    if (d && d.slot >= 0) return KVM_REG.sysreg(d.op0, d.op1, d.crn, d.crm, d.op2);
    throw new KvmError("ENOENT", op, `unknown register ${reg}${suggest(n)}`);
  }

  /** KVM_GET_ONE_REG. */
  get(cpu: number, reg: string | bigint): bigint {
    const op = "KVM_GET_ONE_REG";
    const id = this.resolve(reg, op);
    this.checkArm64(id, op);
    const coproc = id & KVM_REG.COPROC_MASK;
    if (coproc === KVM_REG.COPROC_FW || coproc === KVM_REG.COPROC_FW_BMAP) {
      return this.kvm.fw.get(id);
    }
    const timer = this.timerReg(id);
    if (timer) return this.getTimer(cpu, timer);
    if (coproc === KVM_REG.COPROC_CORE) return this.getCore(cpu, id, op);
    if (coproc === KVM_REG.COPROC_SYSREG) {
      const d = this.sysreg(id, op);
      return readSysreg(this.mm, cpu, d);
    }
    throw new KvmError("ENOENT", op, `no register 0x${id.toString(16)}`);
  }

  /** KVM_SET_ONE_REG. */
  set(cpu: number, reg: string | bigint, value: bigint): void {
    const op = "KVM_SET_ONE_REG";
    if (typeof value !== "bigint") {
      throw new TypeError(
        `Invalid value for ${String(reg)}: expected a bigint (e.g. 0x1n), got ${typeof value} ${
          String(value)
        }`,
      );
    }
    const id = this.resolve(reg, op);
    this.checkArm64(id, op);
    const coproc = id & KVM_REG.COPROC_MASK;
    if (coproc === KVM_REG.COPROC_FW || coproc === KVM_REG.COPROC_FW_BMAP) {
      return this.kvm.fw.set(id, value);
    }
    const timer = this.timerReg(id);
    if (timer) return this.setTimer(cpu, timer, value);
    if (coproc === KVM_REG.COPROC_CORE) return this.setCore(cpu, id, value, op);
    if (coproc === KVM_REG.COPROC_SYSREG) {
      const d = this.sysreg(id, op);
      return writeSysreg(this.mm, cpu, d, value);
    }
    throw new KvmError("ENOENT", op, `no register 0x${id.toString(16)}`);
  }

  /** Bits 63:32 (except the size field) must be KVM_REG_ARM64 (spec 3.5). */
  private checkArm64(id: bigint, op: string): void {
    if (((id >> 32n) & ~0x00f0_0000n) !== KVM_REG.ARM64 >> 32n) {
      throw new KvmError("EINVAL", op, `0x${id.toString(16)} is not an arm64 register id`);
    }
  }

  private sysreg(id: bigint, op: string): string {
    if ((id & KVM_REG.SIZE_MASK) !== KVM_REG.SIZE_U64) {
      throw new KvmError("ENOENT", op, "system registers are 64 bits wide");
    }
    const d = sysregByKey(Number(id & 0xffffn));
    if (!d || d.slot < 0 || (d.minEl > 1 && !this.el2)) {
      throw new KvmError("ENOENT", op, `no system register 0x${id.toString(16)}`);
    }
    return d.name;
  }

  /** kvm_arm_timer_get_reg: CTL (with ISTATUS), the count, CVAL. */
  private getTimer(cpu: number, r: TimerReg): bigint {
    if (r.name.endsWith("_CNT")) return this.devices.timer.count(cpu, r.timer);
    return this.devices.sysregs.readU64(cpu, sysregByName(r.reg)!.key)!;
  }

  /**
   * kvm_arm_timer_set_reg: CTL without ISTATUS, CVAL as given; a count write moves the
   * VM-wide offset so the count reads `v` now (timer_set_offset(kvm_phys_timer_read() - v)).
   * A vCPU that owns EL2 has its virtual count moved through its own CNTVOFF_EL2.
   */
  private setTimer(cpu: number, r: TimerReg, v: bigint): void {
    const timer = this.devices.timer;
    if (!r.name.endsWith("_CNT")) {
      this.devices.sysregs.writeU64(cpu, sysregByName(r.reg)!.key, v);
      return;
    }
    const off = timer.hypervisorOffsets();
    const host = BigInt(timer.physicalCount(cpu));
    if (r.timer === TIMER.PHYS) return timer.setHypervisorOffsets(off.virt, host - v);
    if (!this.el2) return timer.setHypervisorOffsets(host - v, off.phys);
    writeSysreg(this.mm, cpu, "CNTVOFF_EL2", timer.count(cpu, TIMER.PHYS) - v);
    timer.sync();
  }

  private coreIndex(id: bigint, op: string): number {
    const c = CORE.findIndex((r) => r.id === id);
    if (c < 0) throw new KvmError("ENOENT", op, `no core register 0x${id.toString(16)}`);
    return c;
  }

  private getCore(cpu: number, id: bigint, op: string): bigint {
    const c = this.coreIndex(id, op);
    const mm = this.mm;
    if (c < 31) return mm.x(cpu, c);
    if (c >= V0_INDEX) return this.getFp(cpu, c - V0_INDEX);

    switch (CORE[c].name) {
      case "SP":
        return readSp(mm, cpu, 0);
      case "PC":
        return mm.get64(cpu, Slot.PC);
      case "PSTATE":
        return BigInt((getPstate(mm, cpu) | getNzcv(mm, cpu)) >>> 0);
      case "SP_EL1":
        return readSp(mm, cpu, 1);
      case "ELR_EL1":
        return readSysreg(mm, cpu, "ELR_EL1");
      case "SPSR_EL1":
        return readSysreg(mm, cpu, "SPSR_EL1");
    }
    return mm.get64(cpu, SPSR32_SLOTS[c - CORE.findIndex((r) => r.name === "SPSR_ABT")]);
  }

  private setCore(cpu: number, id: bigint, v: bigint, op: string): void {
    const c = this.coreIndex(id, op);
    const mm = this.mm;
    const u = BigInt.asUintN(64, v);
    if (c < 31) return mm.setX(cpu, c, u);
    if (c >= V0_INDEX) return this.setFp(cpu, c - V0_INDEX, v);

    switch (CORE[c].name) {
      case "SP":
        return writeSp(mm, cpu, 0, u);
      case "PC":
        return mm.set64(cpu, Slot.PC, u);
      case "PSTATE": {
        // Only AArch64 EL0t/EL1t/EL1h (and EL2t/EL2h with guest EL2) are valid modes (guest.c validate_core_offset/set_core_reg).
        const mode = Number(u & 0x1fn);
        const ok = [0x0, 0x4, 0x5, ...(this.el2 ? [0x8, 0x9] : [])].includes(mode);
        if (!ok) {
          throw new KvmError(
            "EINVAL",
            op,
            `PSTATE mode 0x${mode.toString(16)} is not valid for this vCPU`,
          );
        }
        setNzcv(mm, cpu, Number(u & 0xf000_0000n));
        return setPstate(mm, cpu, Number(u & 0x0fff_ffffn));
      }
      case "SP_EL1":
        return writeSp(mm, cpu, 1, u);
      case "ELR_EL1":
        return writeSysreg(mm, cpu, "ELR_EL1", u);
      case "SPSR_EL1":
        return writeSysreg(mm, cpu, "SPSR_EL1", u);
    }
    mm.set64(cpu, SPSR32_SLOTS[c - CORE.findIndex((r) => r.name === "SPSR_ABT")], u);
  }

  /** fp_regs.vregs[k] (k < 32), fpsr (32), fpcr (33): the values as stored. */
  private getFp(cpu: number, k: number): bigint {
    const mm = this.mm;
    if (k === 32) return BigInt(mm.u32[mm.slot(cpu, Slot.FPSR)]);
    if (k === 33) return BigInt(mm.u32[mm.slot(cpu, Slot.FPCR)]);
    sysregsRead(mm, cpu); // a running vCPU's V registers are flushed on demand
    return mm.get64(cpu, Slot.V0 + 2 * k) | (mm.get64(cpu, Slot.V0 + 2 * k + 1) << 64n);
  }

  private setFp(cpu: number, k: number, v: bigint): void {
    const mm = this.mm;
    if (k >= 32) {
      mm.u32[mm.slot(cpu, k === 32 ? Slot.FPSR : Slot.FPCR)] = Number(BigInt.asUintN(32, v));
      return;
    }
    sysregsWritten(mm, cpu);
    const u = BigInt.asUintN(128, v);
    mm.set64(cpu, Slot.V0 + 2 * k, u);
    mm.set64(cpu, Slot.V0 + 2 * k + 1, u >> 64n);
  }
}

/** CORE index of V0 (V0..V31, then FPSR and FPCR). */
const V0_INDEX = CORE.findIndex((r) => r.name === "V0");

/** "did you mean" for an unknown register name. */
function suggest(n: string): string {
  const names = [
    ...CORE.map((c) => c.name),
    ...FW_REGS.flatMap((r) => [r.short]),
    ...TIMER_REGS.map((r) => r.name.slice("KVM_REG_ARM_".length)),
    ...SYSREGS.map((d) => d.name),
  ];
  const close = names.filter((c) => editDistance(c, n) <= 2).slice(0, 3);
  return close.length ? ` (did you mean ${close.join(", ")}?)` : "";
}
