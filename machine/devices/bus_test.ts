import { assertEquals, assertThrows } from "@std/assert";
import { MmioBus, type MmioDevice, SysregBus } from "./bus.ts";

function recorder(): MmioDevice & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    read(cpu, off, size, out) {
      log.push(`r${cpu}:${off.toString(16)}/${size}`);
      out[0] = off;
      out[1] = -1;
      return true;
    },
    write(cpu, off, size, lo, hi) {
      log.push(`w${cpu}:${off.toString(16)}/${size}=${hi >>> 0}:${lo >>> 0}`);
      return true;
    },
  };
}

Deno.test("MmioBus.read() dispatches by address with region-relative offsets", () => {
  const bus = new MmioBus();
  const a = recorder(), b = recorder();
  bus.map("a", 0x0800_0000, 0x1_0000, a);
  bus.map("b", 0x0900_0000, 0x1000, b);
  const out = new Int32Array(2);
  assertEquals(bus.read(1, 0x0800_fffc, 4, out), true);
  assertEquals(out[0], 0xfffc);
  assertEquals(bus.read(0, 0x0900_0ff8, 8, out), true);
  bus.write(2, 0x0900_0000, 8, 0x41, 7);
  assertEquals(a.log, ["r1:fffc/4"]);
  assertEquals(b.log, ["r0:ff8/8", "w2:0/8=7:65"]);
});

Deno.test("MmioBus.read() answers false for unmapped and straddling accesses", () => {
  const bus = new MmioBus();
  bus.map("a", 0x0900_0000, 0x1000, recorder());
  const out = new Int32Array(2);
  assertEquals(bus.read(0, 0x08ff_fffc, 4, out), false);
  assertEquals(bus.read(0, 0x0900_1000, 4, out), false);
  assertEquals(bus.read(0, 0x0900_0ffc, 8, out), false);
  assertEquals(bus.write(0, 0x1_0000_0000_0000 - 8, 8, 0, 0), false);
});

Deno.test("MmioBus.map() rejects overlaps and bad ranges", () => {
  const bus = new MmioBus();
  bus.map("a", 0x1000, 0x1000, recorder());
  assertThrows(() => bus.map("b", 0x1800, 0x1000, recorder()), RangeError, "overlaps a");
  assertThrows(() => bus.map("c", 0x0, 0, recorder()), RangeError);
  assertThrows(() => bus.map("d", 2 ** 48, 0x1000, recorder()), RangeError);
  bus.map("e", 0x2000, 0x1000, recorder());
  assertEquals(bus.regions.map((r) => r.name), ["a", "e"]);
  assertEquals(bus.unmap("a"), true);
  assertEquals(bus.find(0x1000), undefined);
});

Deno.test("SysregBus.read() dispatches by key and rejects double ownership", () => {
  const bus = new SysregBus();
  const seen: number[] = [];
  bus.register([1, 2], {
    sysregRead(_c, key, out) {
      out[0] = key * 10;
      out[1] = 0;
      return true;
    },
    sysregWrite(_c, key, lo) {
      seen.push(key, lo);
      return true;
    },
  });
  const out = new Int32Array(2);
  assertEquals(bus.read(0, 2, out), true);
  assertEquals(out[0], 20);
  assertEquals(bus.write(0, 1, 5, 0), true);
  assertEquals(seen, [1, 5]);
  assertEquals(bus.read(0, 3, out), false);
  assertThrows(() => bus.register([2], bus as never), Error, "already has an owner");
});
