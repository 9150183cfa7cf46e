import { assertEquals } from "@std/assert";
import { PL011, Pl011, PL011_FR, PL011_ID, PL011_INT, PL011_INTID } from "./pl011.ts";

const out = new Int32Array(2);
function rd(u: Pl011, off: number, size = 4): number {
  u.read(0, off, size, out);
  return out[0] >>> 0;
}
function wr(u: Pl011, off: number, v: number, size = 4): void {
  u.write(0, off, size, v, 0);
}

Deno.test("Pl011() resets its registers to QEMU's values", () => {
  const u = new Pl011();
  assertEquals(rd(u, PL011.FR), PL011_FR.TXFE | PL011_FR.RXFE);
  assertEquals(rd(u, PL011.CR), 0x300);
  assertEquals(rd(u, PL011.IFLS), 0x12);
  assertEquals(rd(u, PL011.LCR_H), 0);
  assertEquals(rd(u, PL011.IMSC), 0);
  assertEquals(rd(u, PL011.RIS), 0);
  assertEquals(PL011_INTID, 33);
});

Deno.test("Pl011.read() returns the PrimeCell and peripheral IDs of QEMU's pl011", () => {
  const u = new Pl011();
  const ids = [];
  for (let off = 0xfe0; off < 0x1000; off += 4) ids.push(rd(u, off));
  assertEquals(ids, [...PL011_ID]);
  assertEquals(ids, [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
});

Deno.test("Pl011.write() to DR captures output, streams it and raises TXRIS", () => {
  const u = new Pl011();
  const streamed: number[] = [];
  const stop = u.onOutput((b) => streamed.push(b));
  for (const b of new TextEncoder().encode("héllo\n")) wr(u, PL011.DR, b);
  stop();
  wr(u, PL011.DR, 0x21);
  assertEquals(u.text(), "héllo\n!");
  assertEquals(streamed.length, 7);
  assertEquals(rd(u, PL011.RIS) & PL011_INT.TX, PL011_INT.TX);
  assertEquals(rd(u, PL011.FR) & PL011_FR.TXFF, 0);
  u.clear();
  assertEquals(u.text(), "");
});

Deno.test("Pl011.irq follows RIS & IMSC and ICR clears it", () => {
  const levels: boolean[] = [];
  const u = new Pl011({ irq: (l) => levels.push(l) });
  wr(u, PL011.DR, 0x41);
  assertEquals(levels, []); // masked
  wr(u, PL011.IMSC, PL011_INT.TX);
  assertEquals(levels, [true]);
  assertEquals(rd(u, PL011.MIS), PL011_INT.TX);
  wr(u, PL011.ICR, PL011_INT.TX);
  assertEquals(levels, [true, false]);
  assertEquals(u.irqLevel, false);
});

Deno.test("Pl011.input() feeds the RX FIFO one character at a time without FEN", () => {
  const u = new Pl011();
  wr(u, PL011.IMSC, PL011_INT.RX);
  u.input("ab");
  assertEquals(u.irqLevel, true);
  assertEquals(rd(u, PL011.FR) & (PL011_FR.RXFE | PL011_FR.RXFF), PL011_FR.RXFF);
  assertEquals(u.pendingInput, 1);
  assertEquals(rd(u, PL011.DR), 0x61);
  // Reading made room: the next character arrived and re-raised RX.
  assertEquals(u.pendingInput, 0);
  assertEquals(u.irqLevel, true);
  assertEquals(rd(u, PL011.DR), 0x62);
  assertEquals(rd(u, PL011.FR) & PL011_FR.RXFE, PL011_FR.RXFE);
  assertEquals(u.irqLevel, false);
});

Deno.test("Pl011.input() fills up to 16 characters with LCR_H.FEN", () => {
  const u = new Pl011();
  wr(u, PL011.LCR_H, 0x70); // 8 bits, FIFO enabled
  u.input("0123456789abcdefXY");
  assertEquals(u.pendingInput, 2);
  assertEquals(rd(u, PL011.FR) & PL011_FR.RXFF, PL011_FR.RXFF);
  let s = "";
  while (!(rd(u, PL011.FR) & PL011_FR.RXFE)) s += String.fromCharCode(rd(u, PL011.DR));
  assertEquals(s, "0123456789abcdefXY");
});

Deno.test("Pl011.read() decodes offset >> 2 and splits 64-bit accesses like QEMU", () => {
  const u = new Pl011();
  wr(u, PL011.IBRD, 0x27);
  wr(u, PL011.FBRD, 0x4);
  u.read(0, PL011.IBRD, 8, out);
  assertEquals([out[0], out[1]], [0x27, 0x4]);
  assertEquals(rd(u, PL011.FR, 1), 0x90);
  assertEquals(rd(u, 0x4c), 0); // reserved: reads zero
  u.reset();
  assertEquals(rd(u, PL011.IBRD), 0);
});
