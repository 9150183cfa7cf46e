/**
 * Firmware pseudo-registers (seed 003 fw-pseudo-registers.rst; spec 3;
 * arch/arm64/kvm/hypercalls.c kvm_arm_get_fw_reg / kvm_arm_set_fw_reg):
 * PSCI_VERSION, SMCCC_ARCH_WORKAROUND_1/2/3 and the four service bitmaps.
 * Bitmaps and PSCI_VERSION are VM-wide even though they are reached through a
 * vCPU; the workaround registers reflect the host.
 *
 * @module
 */

import { FW_REG, KVM_REG, PSCI } from "./consts.ts";
import { KvmError } from "./errors.ts";
import type { KvmVm, SpectreState } from "./kvm.ts";
import { psciVersionsFor } from "./profiles.ts";

/** One firmware register: id, names and whether the profile has it. */
export interface FwRegInfo {
  id: bigint;
  /** Full UAPI name, e.g. "KVM_REG_ARM_STD_BMAP". */
  name: string;
  /** Short name used by the REPL, e.g. "STD_BMAP". */
  short: string;
  /** Valid bits for bitmap registers. */
  mask?: number;
}

/** All firmware registers of the newest kernel, in KVM_GET_REG_LIST order (spec 3.6). */
export const FW_REGS: readonly FwRegInfo[] = [
  { id: KVM_REG.PSCI_VERSION, name: "KVM_REG_ARM_PSCI_VERSION", short: "PSCI_VERSION" },
  {
    id: KVM_REG.SMCCC_ARCH_WORKAROUND_1,
    name: "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1",
    short: "SMCCC_ARCH_WORKAROUND_1",
  },
  {
    id: KVM_REG.SMCCC_ARCH_WORKAROUND_2,
    name: "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2",
    short: "SMCCC_ARCH_WORKAROUND_2",
  },
  {
    id: KVM_REG.SMCCC_ARCH_WORKAROUND_3,
    name: "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3",
    short: "SMCCC_ARCH_WORKAROUND_3",
  },
  { id: KVM_REG.STD_BMAP, name: "KVM_REG_ARM_STD_BMAP", short: "STD_BMAP", mask: 0x1 },
  { id: KVM_REG.STD_HYP_BMAP, name: "KVM_REG_ARM_STD_HYP_BMAP", short: "STD_HYP_BMAP", mask: 0x1 },
  {
    id: KVM_REG.VENDOR_HYP_BMAP,
    name: "KVM_REG_ARM_VENDOR_HYP_BMAP",
    short: "VENDOR_HYP_BMAP",
    mask: 0x3,
  },
  {
    id: KVM_REG.VENDOR_HYP_BMAP_2,
    name: "KVM_REG_ARM_VENDOR_HYP_BMAP_2",
    short: "VENDOR_HYP_BMAP_2",
    mask: 0x3,
  },
];

const GET = "KVM_GET_ONE_REG", SET = "KVM_SET_ONE_REG";

/** The firmware registers of one VM. */
export class FirmwareRegs {
  /** KVM_REG_ARM_STD_BMAP (default: every valid bit, spec 3.4). */
  stdBmap = 0x1;
  stdHypBmap = 0x1;
  vendorHypBmap = 0x3;
  /** VENDOR_HYP_BMAP_2 resets to 0 (selftests B.0). */
  vendorHypBmap2 = 0x0;

  declare private readonly vm: KvmVm;

  constructor(vm: KvmVm) {
    this.vm = vm;
  }

  /** The registers this VM's profile has, in KVM_GET_REG_LIST order. */
  list(): FwRegInfo[] {
    const p = this.vm.profile;
    return FW_REGS.filter((r) => {
      if (r.id === KVM_REG.SMCCC_ARCH_WORKAROUND_3) return p.wa3;
      if (r.id === KVM_REG.VENDOR_HYP_BMAP_2) return p.bmap2;
      if (r.mask !== undefined) return p.bitmaps;
      return true;
    });
  }

  /** True when `id` is a firmware-coprocessor id (0x0014 or 0x0016) of arm64. */
  static owns(id: bigint): boolean {
    const coproc = id & KVM_REG.COPROC_MASK;
    return coproc === KVM_REG.COPROC_FW || coproc === KVM_REG.COPROC_FW_BMAP;
  }

  /** KVM_GET_ONE_REG on a firmware register (spec 3.5: unknown → ENOENT). */
  get(id: bigint): bigint {
    if (!this.list().some((r) => r.id === id)) {
      throw new KvmError(
        "ENOENT",
        GET,
        `no firmware register 0x${id.toString(16)} on kernel ${this.vm.profile.name}`,
      );
    }
    switch (id) {
      case KVM_REG.PSCI_VERSION:
        return BigInt(this.vm.psciVersionOf());
      case KVM_REG.SMCCC_ARCH_WORKAROUND_1:
      case KVM_REG.SMCCC_ARCH_WORKAROUND_2:
      case KVM_REG.SMCCC_ARCH_WORKAROUND_3:
        return BigInt(this.waLevel(id) & FW_REG.LEVEL_MASK);
      case KVM_REG.STD_BMAP:
        return BigInt(this.stdBmap);
      case KVM_REG.STD_HYP_BMAP:
        return BigInt(this.stdHypBmap);
      case KVM_REG.VENDOR_HYP_BMAP:
        return BigInt(this.vendorHypBmap);
      default:
        return BigInt(this.vendorHypBmap2);
    }
  }

  /** KVM_SET_ONE_REG on a firmware register, with KVM's checks in order (spec 3.2–3.5). */
  set(id: bigint, val: bigint): void {
    if ((id & KVM_REG.SIZE_MASK) !== KVM_REG.SIZE_U64) {
      throw new KvmError("ENOENT", SET, "firmware registers are 64 bits wide");
    }
    if (!this.list().some((r) => r.id === id)) {
      throw new KvmError(
        "ENOENT",
        SET,
        `no firmware register 0x${id.toString(16)} on kernel ${this.vm.profile.name}`,
      );
    }
    const hex = `0x${val.toString(16)}`;
    switch (id) {
      case KVM_REG.PSCI_VERSION:
        return this.setPsciVersion(val);
      case KVM_REG.SMCCC_ARCH_WORKAROUND_1:
      case KVM_REG.SMCCC_ARCH_WORKAROUND_3: {
        if (val & ~BigInt(FW_REG.LEVEL_MASK)) {
          throw new KvmError("EINVAL", SET, `${hex} has bits outside the level mask 0xf`);
        }
        const host = this.waLevel(id);
        if (val > BigInt(host)) {
          throw new KvmError("EINVAL", SET, `level ${hex} is above the host's level ${host}`);
        }
        return; // Nothing is stored: the write is a compatibility check.
      }
      case KVM_REG.SMCCC_ARCH_WORKAROUND_2: {
        if (val & ~BigInt(FW_REG.LEVEL_MASK | FW_REG.WA2_ENABLED)) {
          throw new KvmError("EINVAL", SET, `${hex} has bits outside 0x1f`);
        }
        const level = Number(val & BigInt(FW_REG.LEVEL_MASK));
        if ((val & BigInt(FW_REG.WA2_ENABLED)) && level !== FW_REG.WA2_AVAIL) {
          throw new KvmError("EINVAL", SET, "the ENABLED bit needs level AVAIL (2)");
        }
        if (level > FW_REG.WA2_NOT_REQUIRED) {
          throw new KvmError("EINVAL", SET, `unknown level ${level}`);
        }
        // NOT_AVAIL/UNKNOWN map to NOT_AVAIL; AVAIL/NOT_REQUIRED map to NOT_REQUIRED.
        const mapped = level <= FW_REG.WA2_UNKNOWN ? FW_REG.WA2_NOT_AVAIL : FW_REG.WA2_NOT_REQUIRED;
        if (this.waLevel(id) < mapped) {
          throw new KvmError("EINVAL", SET, `level ${level} needs a host level of ${mapped}`);
        }
        return;
      }
    }
    this.setBitmap(id, val);
  }

  private setPsciVersion(val: bigint): void {
    const wants02 = this.vm.psci02;
    if (val === BigInt(PSCI.VERSION_0_1)) {
      if (wants02) {
        throw new KvmError(
          "EINVAL",
          SET,
          "PSCI 0.1 is not valid for a vCPU with KVM_ARM_VCPU_PSCI_0_2",
        );
      }
      this.vm.psciVersion = PSCI.VERSION_0_1;
      return;
    }
    const allowed = psciVersionsFor(this.vm.profile).map(BigInt);
    if (!allowed.includes(val)) {
      throw new KvmError(
        "EINVAL",
        SET,
        `PSCI version 0x${val.toString(16)} is not implemented by kernel ${this.vm.profile.name}`,
      );
    }
    if (!wants02) {
      throw new KvmError(
        "EINVAL",
        SET,
        "this vCPU has no KVM_ARM_VCPU_PSCI_0_2: only 0.1 is valid",
      );
    }
    // pKVM: protected VMs need PSCI ≥ 1.1 (spec 2.6.2).
    if (this.vm.protected && val < BigInt(PSCI.VERSION_1_1)) {
      throw new KvmError("EINVAL", SET, "protected VMs need PSCI 1.1 or newer");
    }
    this.vm.psciVersion = Number(val);
  }

  /** kvm_arm_set_fw_reg_bmap: ENOENT → EINVAL (bits) → EBUSY (changed after run) → store. */
  private setBitmap(id: bigint, val: bigint): void {
    const info = FW_REGS.find((r) => r.id === id)!;
    if (val & ~BigInt(info.mask!)) {
      throw new KvmError(
        "EINVAL",
        SET,
        `0x${val.toString(16)} has bits outside ${info.short}'s mask 0x${info.mask!.toString(16)}`,
      );
    }
    const v = Number(val);
    const field = {
      [String(KVM_REG.STD_BMAP)]: "stdBmap",
      [String(KVM_REG.STD_HYP_BMAP)]: "stdHypBmap",
      [String(KVM_REG.VENDOR_HYP_BMAP)]: "vendorHypBmap",
      [String(KVM_REG.VENDOR_HYP_BMAP_2)]: "vendorHypBmap2",
    }[String(id)] as "stdBmap" | "stdHypBmap" | "vendorHypBmap" | "vendorHypBmap2";
    if (this.vm.hasRun && v !== this[field]) {
      throw new KvmError("EBUSY", SET, `${info.short} cannot change after the VM has run`);
    }
    this[field] = v;
  }

  /** get_kernel_wa_level (spec 3.3). */
  private waLevel(id: bigint): number {
    const h = this.vm.host;
    const three = (s: SpectreState, avail: number, notReq: number) =>
      s === "vulnerable" ? 0 : s === "mitigated" ? avail : notReq;
    switch (id) {
      case KVM_REG.SMCCC_ARCH_WORKAROUND_1:
        return three(h.spectreV2, FW_REG.WA1_AVAIL, FW_REG.WA1_NOT_REQUIRED);
      case KVM_REG.SMCCC_ARCH_WORKAROUND_3:
        return three(h.spectreBhb, FW_REG.WA3_AVAIL, FW_REG.WA3_NOT_REQUIRED);
      default:
        // WA2: mitigated with SSBS exposed → NOT_AVAIL; otherwise NOT_REQUIRED; vulnerable → NOT_AVAIL.
        if (h.spectreV4 === "vulnerable") return FW_REG.WA2_NOT_AVAIL;
        if (h.spectreV4 === "mitigated" && h.ssbs) return FW_REG.WA2_NOT_AVAIL;
        return FW_REG.WA2_NOT_REQUIRED;
    }
  }
}

/** Find a firmware register by full or short name (case-insensitive). */
export function fwRegByName(name: string): FwRegInfo | undefined {
  const n = name.toUpperCase();
  return FW_REGS.find((r) => r.name === n || r.short === n);
}
