import { assertEquals } from "@std/assert";
import type { GuestRun, GuestVm } from "./_machine.ts";
import { boot, bootExitCode, describeRun, runGuest } from "./guest.ts";
import type { Vm } from "../machine/mod.ts";

/** A guest that follows a script of run results, printing `uart` bytes as it goes. */
function fakeGuest(script: (Partial<GuestRun> & { print?: string })[]) {
  const listeners: ((b: number) => void)[] = [];
  let text = "";
  const budgets: number[] = [];
  const vm: GuestVm & { budgets: number[] } = {
    budgets,
    run({ maxInstructions }) {
      budgets.push(maxInstructions ?? 0);
      const step = script.shift() ?? { reason: "limit" };
      for (const b of new TextEncoder().encode(step.print ?? "")) {
        text += String.fromCharCode(b);
        listeners.forEach((l) => l(b));
      }
      return {
        reason: step.reason ?? "limit",
        cpu: step.cpu ?? 0,
        pc: step.pc ?? 0x4008_0000n,
        instructions: step.instructions ?? maxInstructions,
      };
    },
    uart: {
      text: () => text,
      onOutput: (fn) => {
        listeners.push(fn);
        return () => listeners.splice(listeners.indexOf(fn), 1);
      },
      input: () => {},
    },
  };
  return vm;
}

Deno.test("runGuest() runs chunks until a stop other than the budget", async () => {
  const g = fakeGuest([{ reason: "limit" }, { reason: "limit" }, {
    reason: "system_off",
    instructions: 7,
  }]);
  const out = await runGuest(g, { chunk: 100 });
  assertEquals(out.run.reason, "system_off");
  assertEquals(out.instructions, 207);
  assertEquals(g.budgets, [100, 100, 100]);
});

Deno.test("runGuest() stops when the total budget is spent", async () => {
  const g = fakeGuest([]);
  const out = await runGuest(g, { chunk: 100, maxInstructions: 250 });
  assertEquals(out.run.reason, "limit");
  assertEquals(g.budgets, [100, 100, 50]);
  assertEquals(out.instructions, 250);
});

Deno.test("runGuest() continues through SYSTEM_SUSPEND and stops once the UART shows a text", async () => {
  const g = fakeGuest([{ reason: "suspend" }, { print: "booting\n" }, { print: "ready> " }, {
    print: "never",
  }]);
  const out = await runGuest(g, { chunk: 10, untilUart: "ready>" });
  assertEquals(out.matched, true);
  assertEquals(g.budgets.length, 3);
});

Deno.test("runGuest() stops when shouldStop() says so (Ctrl-C in the shell)", async () => {
  let n = 0;
  const out = await runGuest(fakeGuest([]), {
    chunk: 10,
    shouldStop: () => ++n === 3,
    yieldEvery: true,
  });
  assertEquals(out.instructions, 30);
});

Deno.test("bootExitCode() maps how the guest stopped to the exit code", () => {
  const at = (reason: string): GuestRun => ({ reason, cpu: 0, pc: 0x4008_0010n });
  assertEquals(bootExitCode(at("system_off"), "").code, 0);
  assertEquals(bootExitCode(at("system_off"), "\nEXIT: STATUS=1\n").code, 0);
  assertEquals(bootExitCode(at("system_off"), "\nEXIT: STATUS=5\n").code, 2);
  assertEquals(bootExitCode(at("reset"), ""), {
    code: 0,
    message: "the guest requested a reset (PSCI SYSTEM_RESET)",
  });
  for (const r of ["undef", "abort", "exception_loop", "breakpoint", "halted", "limit"]) {
    assertEquals(bootExitCode(at(r), "").code, 3, r);
  }
  assertEquals(
    bootExitCode(at("limit"), "", 500).message,
    "instruction limit reached after 500 instructions: cpu 0, pc 0x0000000040080010",
  );
});

Deno.test("describeRun() prefers the guest error's message", () => {
  assertEquals(
    describeRun({
      reason: "undef",
      cpu: 1,
      pc: 4n,
      error: new Error("Undefined instruction: cpu 1") as never,
    }),
    "Undefined instruction: cpu 1",
  );
  assertEquals(
    describeRun({ reason: "abort", cpu: 0, pc: 0n }),
    "abort: cpu 0, pc 0x0000000000000000",
  );
});

Deno.test("boot() loads, streams the UART, prints the trace and returns the guest's status", async () => {
  const g = fakeGuest([{ print: "hello " }, { print: "world\n" }, { reason: "system_off" }]);
  let loaded: unknown;
  const calls = { total: 0 };
  const vm = {
    ...g,
    load: (image: string, opts: unknown) => {
      loaded = { image, opts };
      return Promise.resolve({});
    },
    trace: {
      get total() {
        return calls.total;
      },
      last: () => [],
    },
  } as unknown as Vm;
  const out: string[] = [], err: string[] = [];
  const dec = new TextDecoder();
  const code = await boot(vm, "guest.bin", { append: "console=ttyAMA0", trace: true }, {
    stdout: (b) => out.push(dec.decode(b)),
    stderr: (l) => err.push(l),
  });
  assertEquals(code, 0);
  assertEquals(out.join(""), "hello world\n");
  assertEquals(loaded, {
    image: "guest.bin",
    opts: { initrd: undefined, bootargs: "console=ttyAMA0" },
  });
  assertEquals(err, ["stop: the guest powered off (PSCI SYSTEM_OFF)"]);
});
