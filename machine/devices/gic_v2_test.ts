import { assertEquals } from "@std/assert";
import { MachineMemory, Slot } from "../state.ts";
import { GICC, GicV2 } from "./gic_v2.ts";
import { IRQ_LINE } from "./gic.ts";

const out = new Int32Array(2);

function setup(cpus = 2) {
  const mm = new MachineMemory(cpus, 1);
  const gic = new GicV2(mm, cpus);
  const lines = (c: number) => mm.u32[mm.slot(c, Slot.IRQ_LINES)];
  const dr = (off: number, c = 0) => (gic.distributor.read(c, off, 4, out), out[0] >>> 0);
  const dw = (off: number, v: number, c = 0) => gic.distributor.write(c, off, 4, v, 0);
  const cr = (c: number, off: number) => (gic.cpuInterface.read(c, off, 4, out), out[0] >>> 0);
  const cw = (c: number, off: number, v: number) => gic.cpuInterface.write(c, off, 4, v, 0);
  const enable = (c: number) => {
    cw(c, GICC.CTLR, 1);
    cw(c, GICC.PMR, 0xff);
  };
  return { gic, lines, dr, dw, cr, cw, enable };
}

Deno.test("GicV2() reset values match QEMU 7.2's virt GICv2 (measured with a guest probe)", () => {
  const { dr, cr, cw, dw } = setup(2);
  assertEquals(
    [0x000, 0x004, 0x008, 0xfe0, 0xfe4, 0xfe8, 0xfd0, 0x800, 0xc00, 0xc04].map((o) => dr(o)),
    [0, 0x28, 0x43b, 0x90, 0xb4, 0x2b, 0x04, 0x0101_0101, 0xaaaa_aaaa, 0],
  );
  assertEquals(
    [GICC.CTLR, GICC.PMR, GICC.BPR, GICC.ABPR, GICC.IIDR, GICC.IAR].map((o) => cr(0, o)),
    [
      0,
      0,
      0,
      1,
      0x0002_043b,
      0x3ff,
    ],
  );
  assertEquals(dr(0x100), 0xffff); // SGIs always enabled
  cw(0, GICC.PMR, 0xff);
  assertEquals(cr(0, GICC.PMR), 0xff);
  dw(0x420, 0xffff_ffff);
  assertEquals(dr(0x420), 0xffff_ffff);
});

Deno.test("GicV2 routes SPIs by GICD_ITARGETSR and acknowledges through GICC_IAR", () => {
  const { gic, lines, dw, cr, cw, enable } = setup(2);
  dw(0x000, 1);
  enable(0);
  enable(1);
  dw(0x104, 1 << 1); // INTID 33
  dw(0x820, 0x0000_0200); // INTID 33 -> CPU 1
  gic.setSpi(33, true);
  assertEquals([lines(0), lines(1)], [0, IRQ_LINE.IRQ]);
  assertEquals(cr(1, GICC.HPPIR), 33);
  assertEquals(cr(1, GICC.IAR), 33);
  assertEquals(cr(1, GICC.RPR), 0);
  assertEquals(lines(1), 0);
  cw(1, GICC.EOIR, 33);
  assertEquals(cr(1, GICC.RPR), 0xff);
  assertEquals(lines(1), IRQ_LINE.IRQ); // level still high
  gic.setSpi(33, false);
  assertEquals(lines(1), 0);
});

Deno.test("GicV2 GICD_SGIR delivers SGIs with the source CPU in GICC_IAR", () => {
  const { lines, dw, cr, cw, enable } = setup(3);
  dw(0x000, 1);
  for (const c of [0, 1, 2]) enable(c);
  dw(0xf00, (1 << 24) | 3, 2); // SGI 3 to all but CPU 2
  assertEquals([lines(0), lines(1), lines(2)], [1, 1, 0]);
  assertEquals(cr(0, GICC.IAR), 3 | (2 << 10));
  cw(0, GICC.EOIR, 3 | (2 << 10));
  dw(0xf00, (0b100 << 16) | 5, 0); // SGI 5 to CPU 2
  assertEquals(cr(2, GICC.IAR), 5);
});

Deno.test("GicV2 signals Group 0 as FIQ with GICC_CTLR.FIQEn and masks by priority", () => {
  const { gic, lines, dw, cw } = setup(1);
  dw(0x000, 1);
  cw(0, GICC.CTLR, 1 | (1 << 3));
  cw(0, GICC.PMR, 0x80);
  dw(0x100, 1 << 27);
  dw(0x418, 0x90 << 24); // INTID 27 priority 0x90
  gic.setPpi(0, 27, true);
  assertEquals(lines(0), 0); // 0x90 is not below PMR 0x80
  cw(0, GICC.PMR, 0xa0);
  assertEquals(lines(0), IRQ_LINE.FIQ);
});

Deno.test("GicV2 EOImode splits priority drop from GICC_DIR deactivation", () => {
  const { gic, lines, dw, dr, cr, cw } = setup(1);
  dw(0x000, 1);
  cw(0, GICC.CTLR, 1 | (1 << 9));
  cw(0, GICC.PMR, 0xff);
  dw(0x100, 1 << 30);
  gic.setPpi(0, 30, true);
  assertEquals(cr(0, GICC.IAR), 30);
  cw(0, GICC.EOIR, 30);
  assertEquals(dr(0x300), 1 << 30); // still active
  assertEquals(lines(0), 0);
  cw(0, GICC.DIR, 30);
  assertEquals(lines(0), IRQ_LINE.IRQ);
});
