/**
 * The QEMU virt board around the vCPUs: its devices, and the device tree and
 * boot conventions that go with the VM's options (hw/arm/virt.c, hw/arm/boot.c).
 *
 * @module
 */

import type { HypMode } from "../hyp/mod.ts";
import type { VirtualClock } from "./clock.ts";
import { buildVirtDtbBlob, type VirtDtbOptions } from "./dtb.ts";
import { createVirtDevices, type VirtDevices } from "./devices/virt.ts";
import type { MachineMemory } from "./state.ts";

/** What the board needs to know about the VM. */
export interface BoardOptions {
  cpus: number;
  memoryMiB: number;
  gic: 2 | 3;
  hyp: HypMode;
  /** vCPUs have KVM_ARM_VCPU_PSCI_0_2 (else the DTB advertises KVM's PSCI 0.1 IDs). */
  psci02: boolean;
}

/** The board: devices plus DTB generation. */
export class Board {
  declare readonly devices: VirtDevices;

  constructor(mm: MachineMemory, clock: VirtualClock, readonly opts: BoardOptions) {
    this.devices = createVirtDevices(mm, clock, { cpus: opts.cpus, gicVersion: opts.gic });
  }

  /**
   * The /psci method QEMU writes: "hvc" when the guest boots at EL1 (with KVM, or
   * QEMU's own PSCI), "smc" with virtualization=on (the guest owns EL2).
   */
  get psciMethod(): "hvc" | "smc" {
    return this.opts.hyp === "kvm" || this.opts.hyp === "firmware" ? "hvc" : "smc";
  }

  /** The DTB options for this VM (plus per-boot bootargs and initrd). */
  dtbOptions(bootargs?: string, initrd?: { start: number; end: number }): VirtDtbOptions {
    const ownsEl2 = this.psciMethod === "smc";
    return {
      cpus: this.opts.cpus,
      memoryMiB: this.opts.memoryMiB,
      gicVersion: this.opts.gic,
      psci: this.psciMethod,
      psciVersion: this.opts.psci02 ? "1.0" : "0.1",
      bootargs,
      initrd,
      gicVirtualization: ownsEl2,
    };
  }

  /** The DTB blob as QEMU generates it for -kernel. */
  dtb(bootargs?: string, initrd?: { start: number; end: number }): Uint8Array {
    return buildVirtDtbBlob(this.dtbOptions(bootargs, initrd));
  }
}
