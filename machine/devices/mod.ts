/**
 * The devices of the emulated QEMU virt board: MMIO and system-register
 * buses, PL011 UART, GICv3/GICv2, generic timers, PMU cycle counter, and
 * {@link createVirtDevices} which wires them as hw/arm/virt.c does.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { MachineMemory } from "../state.ts";
 * import { VirtualClock } from "../clock.ts";
 * import { createVirtDevices } from "./mod.ts";
 * const mm = new MachineMemory(1, 16);
 * const dev = createVirtDevices(mm, new VirtualClock(mm, 1));
 * dev.bus.write(0, 0x0900_0000, 1, 0x68, 0);
 * assert(dev.uart.text() === "h");
 * ```
 *
 * @module
 */

export * from "./bus.ts";
export * from "./gic.ts";
export * from "./gic_v3.ts";
export * from "./gic_v2.ts";
export * from "./pl011.ts";
export * from "./timer.ts";
export * from "./pmu.ts";
export * from "./virt.ts";
