import { assert, assertEquals, assertThrows } from "@std/assert";
import { compileJs, completeLine, formatValue, isCommandLine } from "./shell.ts";
import type { CommandContext } from "./commands.ts";
import { Session } from "./session.ts";
import { setColour } from "./format.ts";
import { createVm, PSCI } from "../mod.ts";

setColour(false);
const NAMES = new Set(["call", "regs", "set", "run", "cpu", "trace", "help"]);

Deno.test("isCommandLine() tells shell commands from JavaScript", () => {
  for (
    const l of [
      "call PSCI_VERSION",
      "regs",
      "  set STD_BMAP 0",
      "run --max-instructions 5",
      "cpu 1",
      "help call",
    ]
  ) {
    assert(isCommandLine(l, NAMES), l);
  }
  for (
    const l of [
      "cpu.x[0]",
      "cpu = 3",
      "call(1)",
      "regs.length",
      "run ? 1 : 2",
      "vm.cpu(0)",
      "set == 1",
      "trace += 1",
      "x",
    ]
  ) {
    assert(!isCommandLine(l, NAMES), l);
  }
});

Deno.test("compileJs() compiles statements and rewrites top-level await", async () => {
  assertEquals(compileJs("1 + 2").runInThisContext(), 3);
  assertEquals(await compileJs("await Promise.resolve(4)").runInThisContext(), 4);
  await compileJs("const hvshTestAwaited = await Promise.resolve(5n)").runInThisContext();
  assertEquals((globalThis as Record<string, unknown>).hvshTestAwaited, 5n);
  assertEquals(await compileJs("for (const x of [1]) await x;").runInThisContext(), undefined);
  const e = assertThrows(() => compileJs("let q = {"));
  assertEquals(e.name, "SyntaxError");
});

function ctx(): CommandContext {
  return {
    mode: "repl",
    io: { out() {}, err() {} },
    session: new Session({ memoryMiB: 8 }),
    exit() {},
  };
}

Deno.test("completeLine() completes commands, call names, registers, options and their values", () => {
  const c = ctx();
  const globals = ["vm", "cpu", "PSCI", "createVm"];
  assertEquals(completeLine("ca", c, globals), [["call", "calls", "cap"], "ca"]);
  assertEquals(completeLine("call PSCI_VER", c, globals), [["PSCI_VERSION"], "PSCI_VER"]);
  assertEquals(completeLine("call psci_cpu_of", c, globals), [["PSCI_CPU_OFF"], "psci_cpu_of"]);
  assertEquals(completeLine("call PSCI_FEATURES CPU_ON", c, globals)[0], ["CPU_ON", "CPU_ON64"]);
  assertEquals(completeLine("set STD_", c, globals)[0], ["STD_BMAP", "STD_HYP_BMAP"]);
  assertEquals(completeLine("get MPIDR", c, globals)[0], ["MPIDR_EL1"]);
  assertEquals(completeLine("call PSCI_VERSION --ke", c, globals)[0], ["--kernel"]);
  assertEquals(completeLine("call PSCI_VERSION --kernel 6.1", c, globals)[0], [
    "6.1",
    "6.12",
    "6.16",
  ]);
  assertEquals(completeLine("call X --set VENDOR_HYP_BMAP", c, globals)[0], [
    "VENDOR_HYP_BMAP=",
    "VENDOR_HYP_BMAP_2=",
  ]);
  assertEquals(completeLine("filter PSCI_VERSION 1 fw", c, globals)[0], ["fwd_to_user"]);
  assertEquals(completeLine("help ca", c, globals)[0], ["call", "calls", "cap"]);
  assertEquals(completeLine("load scripts/psci", c, globals)[0], [
    "scripts/psci.yaml",
    "scripts/psci_smp.ts",
  ]);
});

Deno.test("completeLine() completes JavaScript globals and properties", () => {
  const c = ctx();
  (globalThis as Record<string, unknown>).hvshTestObj = { alpha: 1, beta: { gamma: 2 } };
  assertEquals(completeLine("hvshTestObj.al", c, [])[0], ["hvshTestObj.alpha"]);
  assertEquals(completeLine("x = hvshTestObj.beta.g", c, []), [
    ["hvshTestObj.beta.gamma"],
    "hvshTestObj.beta.g",
  ]);
  assertEquals(completeLine("cre", c, ["createVm", "cpu"])[0], ["createVm"]);
});

Deno.test("formatValue() prints bigints in hex and call results decoded", () => {
  const s = new Session({ memoryMiB: 8 });
  assertEquals(formatValue(0x10003n), "0x10003");
  assertEquals(formatValue(s.vm.cpu(0).hvc(PSCI.VERSION)), "x0 = 0x0000000000010003  PSCI 1.3");
  assertEquals(formatValue({ a: [1n, 2n] }), "{ a: [ 0x1, 0x2 ] }");
  assertEquals(formatValue(s.vm.trace.last(1), s).slice(0, 28), "#0 cpu0 EL1 hvc PSCI_VERSION");
  assert(formatValue(s.vm, s).startsWith("kernel 6.16  hyp kvm  cpus 1"));
  assert(formatValue(s.vm.cpu(0), s).startsWith("cpu 0 RUNNABLE  pc 0x0000000000000004"));
  assertEquals(formatValue("text"), '"text"');
  assertEquals(formatValue(0x8400_0000), "0x84000000 (2214592512)");
  assertEquals(formatValue(42), "42");
  assertEquals(
    formatValue(createVm({ memoryMiB: 1 }).cpu(0).hvc(0x8200_0000)),
    "x0 = 0xffffffffffffffff  NOT_SUPPORTED",
  );
});
