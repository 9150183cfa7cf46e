/**
 * The devices of QEMU's virt board, wired as hw/arm/virt.c wires them:
 *
 * | device           | MMIO (guest-physical)                           | interrupt                |
 * |------------------|-------------------------------------------------|--------------------------|
 * | PL011 UART       | 0x0900_0000, 4 KiB                              | SPI 1 (INTID 33)         |
 * | GICv3 distributor| 0x0800_0000, 64 KiB                             |                          |
 * | GICv3 redists    | 0x080a_0000 + 128 KiB per vCPU (first 123), then 0x40_0000_0000 | maintenance PPI 9 (25) |
 * | GICv2 dist / CPU | 0x0800_0000 (4 KiB) / 0x0801_0000 (8 KiB)       |                          |
 * | generic timers   | system registers CNT*                           | PPIs 14, 11, 10, 12 (30, 27, 26, 28) |
 * | PMU              | system registers PM*                            | PPI 7 (23)               |
 *
 * The machine hands `bus.read/write` to CpuCallbacks.mmioRead/mmioWrite and
 * `sysregs.read/write` to sysregRead/sysregWrite, calls {@link VirtDevices.sync}
 * whenever virtual time has advanced (end of a run slice, after an idle jump),
 * bounds slices by {@link VirtDevices.nextDeadline}, and calls
 * {@link VirtDevices.resetCpu} when a vCPU is reset (PSCI CPU_ON, system reset).
 *
 * @module
 */

import type { VirtualClock } from "../clock.ts";
import type { MachineMemory } from "../state.ts";
import { MmioBus, SysregBus } from "./bus.ts";
import { GICD_BASE, GICD_SIZE, GICR_BASE, GICR_STRIDE, GicV3 } from "./gic_v3.ts";
import {
  GicV2,
  GICV2_CPU_BASE,
  GICV2_CPU_SIZE,
  GICV2_DIST_BASE,
  GICV2_DIST_SIZE,
} from "./gic_v2.ts";
import { Pl011, PL011_BASE, PL011_INTID, PL011_SIZE } from "./pl011.ts";
import { GenericTimer } from "./timer.ts";
import { Pmu } from "./pmu.ts";
import { VIRT_REDIST2_BASE, VIRT_REDIST_REGION1_CPUS } from "../dtb.ts";

/** Options of {@link createVirtDevices}. */
export interface VirtDevicesOptions {
  /** Number of vCPUs (the MachineMemory's by default). */
  cpus?: number;
  /** GIC version (default 3). GICv2 allows at most 8 vCPUs. */
  gicVersion?: 2 | 3;
}

/** The wired devices of one VM. */
export interface VirtDevices {
  readonly bus: MmioBus;
  readonly sysregs: SysregBus;
  readonly uart: Pl011;
  readonly gic: GicV3 | GicV2;
  readonly timer: GenericTimer;
  readonly pmu: Pmu;
  /** Re-evaluate time-dependent devices (timers, PMU overflow) at the current virtual time. */
  sync(): void;
  /** Earliest virtual ns at which a device interrupt will fire (of `cpu`, or any); Infinity if none. */
  nextDeadline(cpu?: number): number;
  /** Reset the per-vCPU devices of `cpu`: its timers, PMU and GIC CPU interface. */
  resetCpu(cpu: number): void;
  /** System reset of the shared devices (UART registers, distributor, redistributors). */
  reset(): void;
}

/**
 * Build and wire the virt board's devices for a machine.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { MachineMemory, Slot } from "../state.ts";
 * import { VirtualClock } from "../clock.ts";
 * import { createVirtDevices } from "./virt.ts";
 * const mm = new MachineMemory(2, 16);
 * const dev = createVirtDevices(mm, new VirtualClock(mm, 2));
 * for (const c of "ok") dev.bus.write(0, 0x0900_0000, 4, c.charCodeAt(0), 0);
 * assert(dev.uart.text() === "ok");
 * const out = new Int32Array(2);
 * assert(dev.bus.read(1, 0x0800_0004, 4, out) && out[0] === 0x037a_0007); // GICD_TYPER
 * assert(!dev.bus.read(0, 0x0a00_0000, 4, out)); // nothing there: external abort
 * ```
 */
export function createVirtDevices(
  mm: MachineMemory,
  clock: VirtualClock,
  opts: VirtDevicesOptions = {},
): VirtDevices {
  const cpus = opts.cpus ?? mm.cpus;
  const bus = new MmioBus();
  const sysregs = new SysregBus();
  let gic: GicV3 | GicV2;
  if ((opts.gicVersion ?? 3) === 3) {
    const g = gic = new GicV3(mm, cpus);
    bus.map("gic-dist", GICD_BASE, GICD_SIZE, g.distributor);
    const first = Math.min(cpus, VIRT_REDIST_REGION1_CPUS);
    bus.map("gic-redist", GICR_BASE, first * GICR_STRIDE, g.redistributors);
    if (cpus > first) {
      const skip = first * GICR_STRIDE;
      bus.map("gic-redist2", VIRT_REDIST2_BASE, (cpus - first) * GICR_STRIDE, {
        read: (cpu, off, size, out) => g.redistributors.read(cpu, off + skip, size, out),
        write: (cpu, off, size, lo, hi) => g.redistributors.write(cpu, off + skip, size, lo, hi),
      });
    }
    sysregs.register(g.sysregKeys, g);
  } else {
    const g = gic = new GicV2(mm, cpus);
    bus.map("gic-dist", GICV2_DIST_BASE, GICV2_DIST_SIZE, g.distributor);
    bus.map("gic-cpu", GICV2_CPU_BASE, GICV2_CPU_SIZE, g.cpuInterface);
  }
  const uart = new Pl011({ irq: (level) => gic.setSpi(PL011_INTID, level) });
  bus.map("pl011", PL011_BASE, PL011_SIZE, uart);
  const ppi = (cpu: number, intid: number, level: boolean) => gic.setPpi(cpu, intid, level);
  const timer = new GenericTimer(mm, clock, cpus, ppi);
  sysregs.register(timer.sysregKeys, timer);
  const pmu = new Pmu(mm, clock, cpus, ppi);
  sysregs.register(pmu.sysregKeys, pmu);
  return {
    bus,
    sysregs,
    uart,
    gic,
    timer,
    pmu,
    sync() {
      timer.sync();
      pmu.sync();
    },
    nextDeadline(cpu?: number) {
      return Math.min(timer.nextDeadline(cpu), pmu.nextDeadline(cpu));
    },
    resetCpu(cpu: number) {
      timer.reset(cpu);
      pmu.reset(cpu);
      gic.resetCpuInterface(cpu);
    },
    reset() {
      uart.reset();
      gic.reset();
    },
  };
}
