import { assertEquals } from "@std/assert";
import { VirtualClock } from "../clock.ts";
import { MachineMemory, Slot } from "../state.ts";
import { sysregByName } from "../sysregs.ts";
import { createVirtDevices } from "./virt.ts";
import { IRQ_LINE } from "./gic.ts";

const out = new Int32Array(2);
const key = (n: string) => sysregByName(n)!.key;

Deno.test("createVirtDevices() maps QEMU virt's MMIO layout", () => {
  const mm = new MachineMemory(2, 16);
  const dev = createVirtDevices(mm, new VirtualClock(mm, 2));
  assertEquals(dev.bus.regions.map((r) => [r.name, r.base, r.size]), [
    ["gic-dist", 0x0800_0000, 0x1_0000],
    ["gic-redist", 0x080a_0000, 0x4_0000],
    ["pl011", 0x0900_0000, 0x1000],
  ]);
  // Redistributor of vCPU 1, GICR_TYPER: Last.
  dev.bus.read(0, 0x080c_0008, 4, out);
  assertEquals(out[0], 0x0100_0111);
  assertEquals(dev.bus.read(0, 0x080e_0000, 4, out), false); // no third redistributor
  const v2 = createVirtDevices(mm, new VirtualClock(mm, 2), { gicVersion: 2 });
  assertEquals(v2.bus.regions.map((r) => r.name), ["gic-dist", "gic-cpu", "pl011"]);
  assertEquals(v2.sysregs.has(key("ICC_IAR1_EL1")), false);
});

Deno.test("createVirtDevices() splits redistributors into two regions past 123 vCPUs", () => {
  const mm = new MachineMemory(125, 1);
  const dev = createVirtDevices(mm, new VirtualClock(mm, 125));
  const r2 = dev.bus.regions.find((r) => r.name === "gic-redist2")!;
  assertEquals([r2.base, r2.size], [0x40_0000_0000, 2 * 0x2_0000]);
  dev.bus.read(0, 0x40_0002_0008, 8, out); // vCPU 124: Processor_Number 124, Last; Aff1 7, Aff0 12
  assertEquals([out[0] >>> 0, out[1]], [0x0100_7c11, 0x70c]);
  dev.bus.read(0, 0x080a_0000 + 122 * 0x2_0000 + 8, 4, out);
  assertEquals(out[0] & 0x10, 0x10); // last of the first region (QEMU: Last per region)
});

Deno.test("createVirtDevices() wires the UART to SPI 33 and the virtual timer to PPI 27", () => {
  const mm = new MachineMemory(1, 16);
  const clock = new VirtualClock(mm, 1);
  const dev = createVirtDevices(mm, clock);
  const d = (off: number, v: number) => dev.bus.write(0, 0x0800_0000 + off, 4, v, 0);
  const r = (off: number, v: number) => dev.bus.write(0, 0x080a_0000 + off, 4, v, 0);
  d(0x0, 2); // EnableGrp1
  d(0x84, 0xffff_ffff); // SPIs 32..63 Group 1
  d(0x104, 1 << 1); // enable INTID 33
  r(0x1_0080, 0xffff_ffff); // SGIs/PPIs Group 1
  r(0x1_0100, 1 << 27);
  dev.sysregs.write(0, key("ICC_PMR_EL1"), 0xff, 0);
  dev.sysregs.write(0, key("ICC_IGRPEN1_EL1"), 1, 0);
  const lines = () => mm.u32[mm.slot(0, Slot.IRQ_LINES)];
  dev.bus.write(0, 0x0900_0038, 4, 1 << 5, 0); // UARTIMSC.TXIM
  dev.bus.write(0, 0x0900_0000, 4, 0x41, 0);
  assertEquals(lines(), IRQ_LINE.IRQ);
  dev.sysregs.read(0, key("ICC_IAR1_EL1"), out);
  assertEquals(out[0], 33);
  dev.bus.write(0, 0x0900_0044, 4, 1 << 5, 0); // UARTICR
  dev.sysregs.write(0, key("ICC_EOIR1_EL1"), 33, 0);
  assertEquals(lines(), 0);
  dev.sysregs.write(0, key("CNTV_TVAL_EL0"), 10, 0);
  dev.sysregs.write(0, key("CNTV_CTL_EL0"), 1, 0);
  assertEquals(dev.nextDeadline(), 160);
  clock.beginSlice(160);
  dev.sync();
  assertEquals(lines(), IRQ_LINE.IRQ);
  dev.sysregs.read(0, key("ICC_IAR1_EL1"), out);
  assertEquals(out[0], 27);
  dev.resetCpu(0);
  dev.sysregs.read(0, key("CNTV_CTL_EL0"), out);
  assertEquals(out[0], 0);
});
