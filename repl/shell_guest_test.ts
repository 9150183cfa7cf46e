import { assertEquals } from "@std/assert";
import { loadCommand, runCommand, stepCommand } from "./shell_guest.ts";
import { Session } from "./session.ts";
import { setColour } from "./format.ts";
import { fakeRun } from "./_fake_machine_test_util.ts";
import { assemble } from "../machine/cpu/asm.ts";

setColour(false);

async function withImage(fn: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".bin" });
  try {
    await Deno.writeFile(path, assemble("nop\nmov x1, #5\nb .").bytes);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("loadCommand() says where the image went and where vCPU 0 starts", async () => {
  await withImage(async (path) => {
    const out: string[] = [];
    await loadCommand(new Session({ memoryMiB: 128 }), path, {}, {
      out: (s) => out.push(s),
      err() {},
    });
    assertEquals(
      out[0],
      "raw image: entry 0x40080000, cpu 0 starts at 0x40080000, DTB at 0x44000000",
    );
    assertEquals(out[1].trim(), "kernel   0x40080000..0x4008000c");
  });
});

Deno.test("stepCommand() shows the instruction, the registers it changed and the next one", async () => {
  const fake = fakeRun([{ x1: 5n, instructions: 1 }]);
  try {
    await withImage(async (path) => {
      const s = new Session({ memoryMiB: 128 });
      await s.vm.load(path);
      const out: string[] = [];
      await stepCommand(s, 1, { out: (l) => out.push(l), err() {} });
      assertEquals(out, [
        "0x0000000040080000  nop",
        "x1 0x0000000000000000 → 0x0000000000000005",
        "cpu 0  pc 0x0000000040080004  EL1  mov x1, #0x5",
      ]);
      assertEquals(fake.budgets, [1]);
    });
  } finally {
    fake.restore();
  }
});

Deno.test("runCommand() runs in chunks until the guest stops and says why", async () => {
  const fake = fakeRun([{ print: "boot\n" }, {
    print: "done\n",
    reason: "system_off",
    instructions: 7,
  }]);
  try {
    const s = new Session({ memoryMiB: 8 });
    const uart: number[] = [];
    s.onUart = (b) => uart.push(...b);
    const out: string[] = [];
    await runCommand(s, {}, { out: (l) => out.push(l), err() {} });
    assertEquals(new TextDecoder().decode(new Uint8Array(uart)), "boot\ndone\n");
    assertEquals(out.length, 1);
    assertEquals(
      out[0].replace(/\d+ ms/, "N ms"),
      "the guest powered off (PSCI SYSTEM_OFF) (200007 instructions, N ms)",
    );
    assertEquals(fake.budgets, [200_000, 200_000]);
  } finally {
    fake.restore();
  }
});

Deno.test("runCommand() stops at --max-instructions, at --until-uart, and when interrupted", async () => {
  const fake = fakeRun([{ print: "." }]);
  try {
    const s = new Session({ memoryMiB: 8 });
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l.replace(/\d+ ms/, "N ms")), err() {} };
    await runCommand(s, { maxInstructions: 500_000 }, io);
    await runCommand(s, { untilUart: "...." }, io);
    const ac = new AbortController();
    ac.abort();
    await runCommand(s, {}, io, ac.signal);
    assertEquals(out, [
      "instruction limit reached after 500000 instructions: cpu 0, pc 0x000000000000000c (500000 instructions, N ms)",
      'UART output contains "...." (200000 instructions, N ms)',
      "interrupted (200000 instructions, N ms)",
    ]);
  } finally {
    fake.restore();
  }
});
