import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { parseYamlScenarios, YamlScenarioError } from "./yaml_scenario.ts";
import { makeContext, type StepResult } from "./scenario.ts";
import type { Vm } from "../machine/mod.ts";
import { MACHINE_PENDING, machineCanRun } from "./_machine.ts";

/** Run a parsed scenario; returns its steps and error. */
async function run(src: string, index = 0) {
  const defs = parseYamlScenarios(src, "t.yaml");
  const vms: Vm[] = [], steps: StepResult[] = [], notes: string[] = [];
  let error: Error | undefined;
  try {
    await defs[index].fn(makeContext(vms, steps, notes));
  } catch (e) {
    error = e as Error;
  }
  return { def: defs[index], vms, steps, notes, error };
}

/** The YamlScenarioError message for `src`. */
function problem(src: string): string {
  return assertThrows(() => parseYamlScenarios(src, "t.yaml"), YamlScenarioError).message;
}

Deno.test("parseYamlScenarios() runs calls, register writes and errno expectations", async () => {
  const r = await run(`
name: hide TRNG
vm: { kernel: "6.16", cpus: 2 }
tags: [bitmaps]
steps:
  - get: { STD_BMAP: 1 }
  - set: { STD_BMAP: 0 }
  - call: TRNG_VERSION
    expect: NOT_SUPPORTED
  - set: { STD_BMAP: 1 }
    errno: EBUSY
  - call: PSCI_FEATURES
    args: [CPU_ON64]
    expect: SUCCESS
  - call: PSCI_VERSION
    cpu: 1
    expect: PSCI 1.3
  - log: done
`);
  assertEquals(r.error, undefined);
  assertEquals(r.def.options.tags, ["bitmaps"]);
  assertEquals(r.vms[0].cpus.length, 2);
  assertEquals(r.steps.map((s) => s.status), Array(7).fill("passed"));
  assertEquals(r.steps[3].name, "set STD_BMAP = 0x1 fails with EBUSY");
  assertEquals(r.notes, ["done"]);
});

Deno.test("parseYamlScenarios() keeps 64-bit values exact (intAsBigInt)", async () => {
  const r = await run(`
name: exact
steps:
  - set: { X1: 0xffff000080000001, X2: "0xffff_0000_8000_0002", X3: 18446462600880324611, X4: -1 }
  - get: { X1: 0xffff000080000001, X2: 0xffff000080000002, X3: 0xffff000080000003, X4: 0xffffffffffffffff }
`);
  assertEquals(r.error, undefined);
  assertEquals(r.vms[0].cpu(0).x[1], 0xffff_0000_8000_0001n);
});

Deno.test("parseYamlScenarios() checks x0..x3, exits and blocked vCPUs", async () => {
  const r = await run(`
name: exits
vm: { cpus: 2 }
steps:
  - call: KVM_CALL_UID
    expect: { x0: 0xb66fb428, x1: 0xe911c52e, x2: 0x564bcaa9, x3: 0x743a004d }
  - call: PSCI_CPU_OFF
    cpu: 1
    expect: { blocked: stopped }
  - mp_state: { expect: STOPPED }
    cpu: 1
  - call: PSCI_SYSTEM_OFF
    expect: { exit: { reason: system_event, type: SHUTDOWN } }
`);
  assertEquals(r.error, undefined, r.error?.message);
});

Deno.test("parseYamlScenarios() forwards with a filter and resumes with VMM answers", async () => {
  const r = await run(`
name: forward
steps:
  - set: { VENDOR_HYP_BMAP_2: 3 }
  - filter: { base: 0xc6000040, nr: 2, action: fwd_to_user }
  - call: 0xc6000040
    expect: { exit: { reason: hypercall, nr: 0xc6000040, smc: false } }
  - set: { X0: 0, X1: 0x10000 }
  - resume: true
    expect: { x0: 0, x1: 0x10000 }
  - filter: { base: PSCI_VERSION, nr: 1, action: deny }
    errno: EBUSY
`);
  assertEquals(r.error, undefined, r.error?.message);
});

Deno.test("parseYamlScenarios() reports a failing step with decoded values and its line", async () => {
  const r = await run(`name: wrong
steps:
  - call: PSCI_VERSION
    expect: PSCI 1.1
`);
  assertEquals(r.steps[0].status, "failed");
  assertEquals(
    r.error?.message,
    "PSCI_VERSION returned x0 = 0x0000000000010003 (PSCI 1.3), expected 0x0000000000010001 (PSCI 1.1) (t.yaml:3:5)",
  );
});

Deno.test("parseYamlScenarios() reads several documents and scenarios: lists with vm defaults", () => {
  const defs = parseYamlScenarios(
    `
vm: { kernel: "5.10" }
scenarios:
  - name: one
    steps: [{ call: PSCI_VERSION, expect: PSCI 1.0 }]
  - name: two
    vm: { cpus: 2 }
    skip: not today
    steps: [{ call: PSCI_VERSION }]
---
name: three
steps: [{ call: SMCCC_VERSION }]
`,
    "t.yaml",
  );
  assertEquals(defs.map((d) => d.name), ["one", "two", "three"]);
  assertEquals(defs[1].options.skip, "not today");
});

Deno.test("parseYamlScenarios() gives line and column for every kind of mistake", () => {
  const cases: [string, string][] = [
    [
      "name: x\nsteps:\n  - cal: PSCI_VERSION\n",
      "t.yaml:3:5: Unknown key in a step: cal (did you mean call?)",
    ],
    ["name: x\nsteps:\n  - call: PSCI_VERSON\n", "t.yaml:3:11: Unknown call: PSCI_VERSON"],
    [
      "name: x\nsteps:\n  - call: PSCI_VERSION\n    expect: { x0: [1 }\n",
      "t.yaml:4:22: YAML syntax error",
    ],
    [
      "name: x\nvm: { kernel: 5.10 }\nsteps: [{ call: PSCI_VERSION }]\n",
      "t.yaml:2:15: Unknown kernel: 5.1 (",
    ],
    [
      "name: x\nvm: { cpus: two }\nsteps: [{ call: PSCI_VERSION }]\n",
      "t.yaml:2:13: cpus must be an integer from 1 to 512",
    ],
    [
      "name: x\nsteps:\n  - set: { STD_BMAP: yes }\n",
      't.yaml:3:22: the value of STD_BMAP must be an integer, not "yes"',
    ],
    [
      "name: x\nsteps:\n  - call: PSCI_VERSION\n    set: { X0: 1 }\n",
      "t.yaml:3:5: A step has one action, this one has call and set",
    ],
    [
      "name: x\nsteps:\n  - call: PSCI_VERSION\n    errno: EWHAT\n",
      "t.yaml:4:12: Unknown errno: EWHAT",
    ],
    [
      "name: x\nsteps:\n  - filter: { base: 1, nr: 1 }\n",
      "t.yaml:3:13: filter needs base, nr and action",
    ],
    [
      "name: x\nsteps:\n  - set: { X0: 1 }\n    expect: 1\n",
      "t.yaml:4:5: expect does not apply to a set step",
    ],
    ["name: x\nsteps: []\n", "t.yaml:2:8: steps is empty"],
    ["steps: [{ call: PSCI_VERSION }]\n", "t.yaml:1:1: A scenario needs a name"],
    ["- 1\n- 2\n", "t.yaml:1:1: A scenario file must be a mapping"],
    ["", "t.yaml:1:1: The file is empty"],
    ["name: x\nname: y\nsteps: []\n", "t.yaml:2:1: YAML syntax error: Map keys must be unique"],
    [
      "name: x\nsteps:\n  - run: { max_instructions: 10 }\n    expect: exploded\n",
      "t.yaml:4:13: Unknown stop reason: exploded",
    ],
    ["name: x\nsteps:\n  - asm: 'bogus x0'\n", "t.yaml:3:10: assembly error"],
  ];
  for (const [src, want] of cases) assertStringIncludes(problem(src), want);
});

Deno.test("parseYamlScenarios() skips guest-running scenarios until the machine can run them", () => {
  const [d] = parseYamlScenarios(
    "name: boot\nsteps:\n  - asm: 'b .'\n  - run: 100\n    expect: limit\n",
    "t.yaml",
  );
  assertEquals(d.options.skip, machineCanRun() ? false : MACHINE_PENDING);
});

Deno.test({
  name: "parseYamlScenarios() runs a guest that prints and powers off",
  ignore: !machineCanRun(),
  async fn() {
    const r = await run(
      await Deno.readTextFile(new URL("../scripts/boot_hello.yaml", import.meta.url)),
    );
    assert(!r.error, r.error?.message);
  },
});

Deno.test("parseYamlScenarios() run steps follow the machine contract (scripted vm.run)", async () => {
  const { fakeRun } = await import("./_fake_machine_test_util.ts");
  const fake = fakeRun([{
    print: "hello from the guest\n",
    reason: "system_off",
    instructions: 9,
  }]);
  try {
    const r = await run(
      await Deno.readTextFile(new URL("../scripts/boot_hello.yaml", import.meta.url)),
    );
    assertEquals(r.error, undefined, r.error?.message);
    assertEquals(r.steps.map((s) => s.name), [
      "load assembly (62 bytes at 0x40080000)",
      "run up to 10000 instructions → system_off",
      'UART contains "hello from the guest"',
    ]);
    const wrong = await run("name: w\nsteps:\n  - run: 100\n    expect: undef\n");
    assertStringIncludes(wrong.error!.message, "the run stopped with system_off");
    assertStringIncludes(wrong.error!.message, "expected undef (t.yaml:3:5)");
  } finally {
    fake.restore();
  }
});
