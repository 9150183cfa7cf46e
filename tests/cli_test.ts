/**
 * The CLI as a user meets it: every command spawned as a process, checked
 * for its output, its exit code (0 pass, 1 scenario failure, 2 usage error,
 * 3 guest error) and one-line errors.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { parse as parseYaml } from "yaml";
import { hvsh, MALFORMED_YAML, type Ran, tempDir } from "./_cli.ts";
import { parseTap, parseXml } from "./_report_parsers.ts";
import { MACHINE_PENDING, machineCanRun } from "../repl/_machine.ts";
import { assemble } from "../machine/cpu/asm.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The run failed with exactly one line on stderr and exit code `code`. */
function oneLineError(r: Ran, code: number, includes: string): void {
  assertEquals(r.code, code, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assertMatch(lines[0], /^hvsh: ([A-Z]|\S+:\d+:\d+: [A-Z])/);
  assertStringIncludes(lines[0], includes);
}

/** No ANSI escapes: output is not a terminal here. */
function noColour(r: Ran): void {
  // deno-lint-ignore no-control-regex
  assert(!/\x1b\[/.test(r.stdout + r.stderr), "colour codes in piped output");
}

Deno.test("hvsh --version and --help", async () => {
  const v = await hvsh(["--version"]);
  assertEquals([v.code, v.stdout], [0, "0.1.0\n"]);
  const h = await hvsh(["--help"]);
  assertEquals(h.code, 0);
  for (
    const c of ["shell", "run", "test", "boot", "call", "regs", "calls", "completions", "help"]
  ) {
    assertMatch(h.stdout, new RegExp(`^  ${c} `, "m"));
  }
  assertStringIncludes(
    h.stdout,
    "Exit codes: 0 pass, 1 scenario failure, 2 usage error, 3 guest error.",
  );
  noColour(h);
});

Deno.test("hvsh <command> --help shows usage, every option and examples", async () => {
  for (const c of ["shell", "run", "test", "boot", "call", "regs", "calls", "completions"]) {
    const r = await hvsh([c, "--help"]);
    assertEquals(r.code, 0, c);
    assertStringIncludes(r.stdout, `Usage: hvsh ${c} `);
    assertStringIncludes(r.stdout, "Examples:\n  ");
  }
  const boot = await hvsh(["help", "boot"]);
  for (
    const o of [
      "--cpus",
      "--memory",
      "--el2",
      "--gic",
      "--append",
      "--initrd",
      "--trace",
      "--max-instructions",
    ]
  ) {
    assertStringIncludes(boot.stdout, o);
  }
});

Deno.test("hvsh call prints the decoded answer", async () => {
  assertEquals(
    (await hvsh(["call", "PSCI_VERSION"])).stdout,
    "x0 = 0x0000000000010003  PSCI 1.3\n",
  );
  assertEquals(
    (await hvsh(["call", "PSCI_VERSION", "--kernel", "6.1"])).stdout,
    "x0 = 0x0000000000010001  PSCI 1.1\n",
  );
  assertEquals(
    (await hvsh(["call", "0x84000000", "--kernel", "5.10"])).stdout,
    "x0 = 0x0000000000010000  PSCI 1.0\n",
  );
  assertEquals(
    (await hvsh(["call", "PSCI_FEATURES", "CPU_ON64"])).stdout,
    "x0 = 0x0000000000000000  SUCCESS\n",
  );
  assertEquals(
    (await hvsh(["call", "TRNG_VERSION", "--set", "STD_BMAP=0"])).stdout,
    "x0 = 0xffffffffffffffff  NOT_SUPPORTED\n",
  );
  assertEquals(
    (await hvsh(["call", "PSCI_VERSION", "--smc", "--kernel", "6.1"])).stdout,
    "x0 = 0xffffffffffffffff  NOT_SUPPORTED\n",
  );
  assertEquals(
    (await hvsh(["call", "KVM_CALL_UID"])).stdout,
    "x0 = 0x00000000b66fb428  KVM (28b46fb6-2ec5-11e9-a9ca-4b564d003a74)\n" +
      "x1 = 0x00000000e911c52e\nx2 = 0x00000000564bcaa9\nx3 = 0x00000000743a004d\n",
  );
  const off = await hvsh(["call", "PSCI_CPU_OFF", "--cpus", "2", "--cpu", "1"]);
  assertStringIncludes(off.stdout, "vCPU blocked: stopped");
  const share = await hvsh([
    "call",
    "KVM_MEM_SHARE",
    "0x40100000",
    "1",
    "0",
    "--kernel",
    "android16-6.12",
    "--protected",
  ]);
  assertEquals(
    share.stdout,
    "x0 = 0x0000000000000000  SUCCESS\nx1 = 0x0000000000000001\nx2 = 0x0000000000000000\nx3 = 0x0000000000000000\n",
  );
  const neg = await hvsh(["call", "PSCI_AFFINITY_INFO64", "-1", "0"]);
  assertEquals(neg.code, 0, neg.stderr);
});

Deno.test("hvsh call --json gives every register", async () => {
  const r = await hvsh(["call", "SMCCC_VERSION", "--json"]);
  assertEquals(JSON.parse(r.stdout), {
    call: "SMCCC_VERSION",
    fid: "0x80000000",
    conduit: "hvc",
    x0: "0x0000000000010001",
    x1: "0x0000000000000000",
    x2: "0x0000000000000000",
    x3: "0x0000000000000000",
    decoded: "SMCCC 1.1",
    exit: null,
    blocked: null,
  });
});

Deno.test("hvsh regs lists firmware registers, named registers, or all of KVM_GET_REG_LIST", async () => {
  const fw = await hvsh(["regs"]);
  assertEquals(fw.stdout.trimEnd().split("\n").length, 8);
  assertMatch(fw.stdout, /^KVM_REG_ARM_PSCI_VERSION +0x0000000000010003 {2}PSCI 1\.3$/m);
  assertMatch(fw.stdout, /^KVM_REG_ARM_VENDOR_HYP_BMAP +0x0000000000000003 {2}FUNC_FEAT \| PTP$/m);
  const old = await hvsh(["regs", "--kernel", "5.10"]);
  assert(
    old.stdout.split("\n").length < fw.stdout.split("\n").length,
    "5.10 has fewer firmware registers",
  );
  const named = await hvsh(["regs", "MPIDR_EL1", "X0", "--cpus", "2", "--cpu", "1"]);
  assertEquals(named.stdout, "MPIDR_EL1 0x0000000080000001\nX0        0x0000000000000000\n");
  const all = JSON.parse((await hvsh(["regs", "--all", "--json"])).stdout);
  assert(
    Object.keys(all).length > 60 && all.X0 === "0x0000000000000000" &&
      "KVM_REG_ARM_STD_BMAP" in all,
  );
});

Deno.test("hvsh calls lists the catalogue with bare-call answers", async () => {
  const r = await hvsh(["calls"]);
  assertMatch(r.stdout, /^PSCI_VERSION +0x84000000 +psci +- +0x0000000000010003 {2}PSCI 1\.3$/m);
  assertMatch(r.stdout, /^PSCI_SYSTEM_OFF +0x84000008 .*exit: system_event SHUTDOWN/m);
  const trng = await hvsh(["calls", "trng", "--kernel", "5.10"]);
  for (const line of trng.stdout.trimEnd().split("\n").slice(1)) {
    assertStringIncludes(line, "NOT_SUPPORTED");
  }
  const quick = await hvsh(["calls", "--no-answers", "0x84000000"]);
  assertEquals(quick.stdout.trimEnd().split("\n").length, 2);
});

Deno.test("bad input gives one line on stderr and exit code 2", async () => {
  oneLineError(await hvsh(["cal"]), 2, "Unknown command: cal (did you mean call?)");
  oneLineError(await hvsh(["help", "nope"]), 2, "Unknown command: nope");
  const bare = await hvsh([]);
  assertEquals(bare.code, 2);
  assertStringIncludes(bare.stderr, "Usage: hvsh [options] [command]");
  oneLineError(await hvsh(["call", "PSCI_VERSION", "--bogus"]), 2, "Unknown option: --bogus");
  oneLineError(await hvsh(["call"]), 2, "Missing argument: call");
  oneLineError(await hvsh(["call", "PSCI_VERSON"]), 2, "Unknown call: PSCI_VERSON");
  oneLineError(await hvsh(["call", "PSCI_FEATURES", "zz"]), 2, "Invalid x1: zz");
  oneLineError(
    await hvsh(["call", "PSCI_VERSION", "--cpus", "two"]),
    2,
    "Invalid value for --cpus: two",
  );
  oneLineError(
    await hvsh(["call", "PSCI_VERSION", "--kernel", "7.0"]),
    2,
    "Invalid value for --kernel: 7.0 (allowed: 5.10",
  );
  oneLineError(await hvsh(["call", "PSCI_VERSION", "--cpu", "3"]), 2, "No vCPU 3");
  oneLineError(await hvsh(["call", "PSCI_VERSION", "--set", "NOPE=1"]), 2, "unknown register NOPE");
  oneLineError(await hvsh(["call", "PSCI_VERSION", "--set", "STD_BMAP"]), 2, "expected REG=VALUE");
  oneLineError(await hvsh(["call", "PSCI_VERSION", "--set", "STD_BMAP=2"]), 2, "EINVAL");
  oneLineError(await hvsh(["regs", "NOT_A_REG"]), 2, "unknown register NOT_A_REG");
  oneLineError(await hvsh(["calls", "nothing-like-this"]), 2, "No call matches nothing-like-this");
  oneLineError(
    await hvsh(["completions", "tcsh"]),
    2,
    "Invalid shell: tcsh (allowed: bash, zsh, fish)",
  );
  oneLineError(
    await hvsh(["run", "no/such.yaml"]),
    2,
    "No such scenario file or directory: no/such.yaml",
  );
  oneLineError(await hvsh(["run", "README.md"]), 2, "Not a scenario file");
  oneLineError(await hvsh(["test", "--shard", "3/2"]), 2, "Invalid value for --shard: 3/2");
  oneLineError(await hvsh(["test", "--reporter", "xml"]), 2, "Invalid value for --reporter: xml");
  oneLineError(await hvsh(["boot", "no/such.elf"]), 2, "Cannot load no/such.elf");
  oneLineError(await hvsh(["boot", "x.elf", "--gic", "4"]), 2, "Invalid value for --gic: 4");
  oneLineError(await hvsh(["boot", "x.elf", "--el2", "--hyp", "kvm"]), 2, "Conflicting options");
});

Deno.test("hvsh run: 0 when scenarios pass, 1 with the failing step and its trace, 2 for a malformed file", async () => {
  const ok = await hvsh(["run", "scripts/hide_trng.ts"]);
  assertEquals(ok.code, 0, ok.stdout + ok.stderr);
  assertMatch(ok.stdout, /^\d+ passed, 0 failed \(/m);
  const fail = await hvsh(["run", "tests/fixtures/scenarios/fail.yaml"]);
  assertEquals(fail.code, 1);
  assertStringIncludes(fail.stdout, "✘ call PSCI_VERSION → PSCI 1.1");
  assertStringIncludes(
    fail.stdout,
    "expected 0x0000000000010001 (PSCI 1.1) (tests/fixtures/scenarios/fail.yaml:13:9)",
  );
  assertStringIncludes(
    fail.stdout,
    "calls before the failure:\n        #0 cpu0 EL1 hvc SMCCC_VERSION",
  );
  assertMatch(fail.stdout, /^1 passed, 1 failed \(/m);
  noColour(fail);
  const tmp = await tempDir({ "bad.yaml": MALFORMED_YAML });
  try {
    oneLineError(await hvsh(["run", `${tmp.dir}/bad.yaml`]), 2, "bad.yaml:5:22: YAML syntax error");
  } finally {
    await tmp.remove();
  }
  oneLineError(
    await hvsh(["run", "tests/fixtures/broken/unknown.yaml"]),
    2,
    "unknown.yaml:4:12: Unknown register: NOT_A_REG",
  );
});

Deno.test("hvsh test: TAP and JUnit a CI can parse, --junit-path, --filter, --shard, --bail", async () => {
  const tap = await hvsh(["test", "tests/fixtures/scenarios", "--reporter", "tap"]);
  assertEquals(tap.code, 1);
  const doc = parseTap(tap.stdout);
  assertEquals(doc.points.map((p) => p.ok), [true, false, true, true]);
  assertEquals(
    parseYaml(doc.points[1].diagnostic!.join("\n")).file,
    "tests/fixtures/scenarios/fail.yaml",
  );

  const tmp = await tempDir({});
  try {
    const junitPath = `${tmp.dir}/junit.xml`;
    const j = await hvsh([
      "test",
      "tests/fixtures/scenarios",
      "--reporter",
      "junit",
      "--junit-path",
      junitPath,
    ]);
    assertEquals(j.code, 1);
    const fromStdout = parseXml(j.stdout), fromFile = parseXml(await Deno.readTextFile(junitPath));
    assertEquals([fromStdout.attrs.tests, fromStdout.attrs.failures, fromStdout.attrs.skipped], [
      "4",
      "1",
      "1",
    ]);
    assertEquals(fromFile.attrs.tests, "4");
  } finally {
    await tmp.remove();
  }

  const smoke = await hvsh([
    "test",
    "tests/fixtures/scenarios",
    "--filter",
    "smoke",
    "--reporter",
    "tap",
  ]);
  assertEquals([smoke.code, parseTap(smoke.stdout).points.length], [0, 2]);
  const shard = await hvsh([
    "test",
    "tests/fixtures/scenarios",
    "--shard",
    "2/2",
    "--reporter",
    "tap",
  ]);
  assertEquals(parseTap(shard.stdout).points.map((p) => p.description), [
    "psci is 1.1 (wrong on 6.16)",
    "not yet",
  ]);
  const bail = await hvsh(["test", "tests/fixtures/scenarios", "--bail", "--reporter", "tap"]);
  assertEquals(parseTap(bail.stdout).points.length, 2);
  const none = await hvsh(["test", "tests/fixtures/scenarios", "--filter", "zzz"]);
  assertEquals(none.code, 0);
  assertStringIncludes(none.stderr, "no scenarios selected");
});

Deno.test("hvsh test: exit 2 when a file cannot be loaded, with the others still run", async () => {
  const tmp = await tempDir({
    "bad.yaml": MALFORMED_YAML,
    "good.yaml": "name: fine\nsteps: [{ call: PSCI_VERSION, expect: PSCI 1.3 }]\n",
  });
  try {
    const r = await hvsh(["test", tmp.dir]);
    assertEquals(r.code, 2);
    assertStringIncludes(r.stdout, "✔ fine");
    assertStringIncludes(r.stdout, "bad.yaml:5:22: YAML syntax error");
    assertMatch(r.stdout, /^1 passed, 1 failed \(/m);
  } finally {
    await tmp.remove();
  }
});

Deno.test("hvsh test runs the bundled examples (TypeScript and YAML) and passes", async () => {
  const r = await hvsh(["test"]);
  assertEquals(r.code, 0, r.stdout);
  assertStringIncludes(r.stdout, "scripts/discovery.yaml");
  assertStringIncludes(r.stdout, "scripts/psci_smp.ts");
  assertMatch(r.stdout, /^\d+ passed, 0 failed(, \d+ skipped)? \(/m);
  if (!machineCanRun()) assertStringIncludes(r.stdout, MACHINE_PENDING);
});

Deno.test("hvsh completions prints scripts for bash, zsh and fish", async () => {
  for (const sh of ["bash", "zsh", "fish"]) {
    const r = await hvsh(["completions", sh]);
    assertEquals(r.code, 0);
    assertStringIncludes(r.stdout, "PSCI_VERSION");
    assertStringIncludes(r.stdout, "KVM_REG_ARM_STD_BMAP");
  }
});

Deno.test("the ./hvsh launcher and deno task hvsh run the same CLI", async () => {
  const launcher = await new Deno.Command(`${ROOT}hvsh`, {
    args: ["call", "PSCI_VERSION"],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  assertEquals(new TextDecoder().decode(launcher.stdout), "x0 = 0x0000000000010003  PSCI 1.3\n");
  const task = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "hvsh", "call", "SMCCC_VERSION"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(new TextDecoder().decode(task.stdout), "x0 = 0x0000000000010001  SMCCC 1.1\n");
});

// ---- boot: these run once the machine executes guest code -------------------------------------

const guestPending = { ignore: !machineCanRun() };

/** A raw image from assembly. */
async function image(source: string): Promise<{ path: string; remove(): Promise<void> }> {
  const tmp = await tempDir({});
  const path = `${tmp.dir}/guest.bin`;
  await Deno.writeFile(path, assemble(source).bytes);
  return { path, remove: tmp.remove };
}

Deno.test({
  name: "hvsh boot streams the UART and exits 0 when the guest calls SYSTEM_OFF",
  ...guestPending,
  async fn() {
    const g = await image(`
        movz x1, #0x0900, lsl #16
        mov  w2, #0x68
        strb w2, [x1]
        mov  w2, #0x0a
        strb w2, [x1]
        movz x0, #0x8400, lsl #16
        movk x0, #0x8
        hvc  #0
        b    .`);
    try {
      const r = await hvsh(["boot", g.path, "--trace"]);
      assertEquals([r.code, r.stdout], [0, "h\n"]);
      assertStringIncludes(r.stderr, "PSCI_SYSTEM_OFF");
    } finally {
      await g.remove();
    }
  },
});

Deno.test({
  name: "hvsh boot exits 3 for an undefined instruction and when --max-instructions runs out",
  ...guestPending,
  async fn() {
    const undef = await image("udf #0");
    const loop = await image("b .");
    try {
      // With no vectors, the UNDEF exception itself faults at VBAR_EL1 + 0x200: a guest error either way.
      const r = await hvsh(["boot", undef.path]);
      oneLineError(r, 3, "cpu 0");
      assertMatch(r.stderr, /Undefined instruction|Exception loop/);
      oneLineError(
        await hvsh(["boot", loop.path, "--max-instructions", "1000"]),
        3,
        "Instruction limit reached after 1000 instructions",
      );
    } finally {
      await undef.remove();
      await loop.remove();
    }
  },
});

Deno.test({
  name: "hvsh boot notes a vCPU stuck in an exception loop and lets the others finish",
  ...guestPending,
  async fn() {
    const g = await image(`
        movz w0, #0xc400, lsl #16
        movk w0, #3                 // PSCI CPU_ON: CPU 1 at stuck
        mov  x1, #1
        adr  x2, stuck
        hvc  #0
        mov  x4, #0x100000
    1:  subs x4, x4, #1             // past CPU 1's first slice and the first 1M-instruction chunk
        b.ne 1b
        movz x1, #0x0900, lsl #16
        mov  w2, #0x68
        strb w2, [x1]
        movz x0, #0x8400, lsl #16
        movk x0, #0x8
        hvc  #0
    stuck:
        .inst 0x00000000            // UDF with VBAR_EL1 = 0: the vector faults again and again`);
    try {
      const r = await hvsh(["boot", g.path, "--cpus", "2"]);
      assertEquals([r.code, r.stdout], [0, "h"]);
      assertMatch(
        r.stderr,
        /^hvsh: note: Exception loop: cpu 1, pc 0x0000000000000200, EL1.*; the other vCPUs run on\n$/,
      );
    } finally {
      await g.remove();
    }
  },
});

Deno.test({
  name: "hvsh boot reports SYSTEM_RESET and boots at EL2 with --el2",

  ...guestPending,
  async fn() {
    const reset = await image(`
        movz x0, #0x8400, lsl #16
        movk x0, #0x9
        hvc  #0`);
    const el2 = await image(`
        mrs  x3, CurrentEL
        cmp  x3, #8
        b.ne 1f
        movz x0, #0x8400, lsl #16
        movk x0, #0x8
        smc  #0
    1:  udf  #0`);
    try {
      const r = await hvsh(["boot", reset.path]);
      assertEquals(r.code, 0);
      assertStringIncludes(r.stderr, "SYSTEM_RESET");
      assertEquals((await hvsh(["boot", el2.path, "--el2"])).code, 0);
    } finally {
      await reset.remove();
      await el2.remove();
    }
  },
});

Deno.test({
  name: "hvsh boot prints what QEMU prints for the discovery guest",
  ...guestPending,
  async fn() {
    const manifest = `${ROOT}tests/guests/guests.json`;
    let guests: {
      name: string;
      image: string;
      hvsh: { hyp: string; cpus: number };
      golden: string;
    }[];
    try {
      guests = JSON.parse(await Deno.readTextFile(manifest));
    } catch {
      return; // the guest manifest is not in this checkout
    }
    for (const g of guests.filter((g) => g.name.startsWith("discovery"))) {
      const r = await hvsh(["boot", g.image, "--hyp", g.hvsh.hyp, "--cpus", String(g.hvsh.cpus)]);
      assertEquals(r.code, 0, `${g.name}: ${r.stderr}`);
      assertEquals(r.stdout, await Deno.readTextFile(`${ROOT}${g.golden}`), g.name);
    }
  },
});
