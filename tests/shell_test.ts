/**
 * `hvsh shell` driven as a user drives it: a script on piped stdin, and
 * keystrokes on a pseudo-terminal (util-linux `script`) for the prompt, tab
 * completion, colour and history. Also `deno task repl`'s prelude.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { have, hvsh, HVSH_FLAGS, Pty, tempDir } from "./_cli.ts";
import { machineCanRun } from "../repl/_machine.ts";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test("hvsh shell runs a piped script: commands, JavaScript with await, errors that do not stop it", async () => {
  const tmp = await tempDir({});
  const history = `${tmp.dir}/history`;
  try {
    const script = [
      "call PSCI_VERSION",
      "set STD_BMAP 0",
      "get STD_BMAP",
      "set NOPE 1",
      "let r = cpu.hvc(PSCI.FEATURES,",
      "  PSCI.CPU_ON64)",
      "r",
      "r.x0",
      "const v = await Promise.resolve(vm.getOneReg('PSCI_VERSION'))",
      "v",
      "[1n, 0x10n]",
      "nosuch",
      "call PSCI_VERSON",
      "call PSCI_VERSION --bogus",
      "foo bar",
      "reset --cpus 2",
      "mpstate STOPPED --cpu 1",
      "call PSCI_CPU_ON64 1 0x40080000 0xc0de",
      "cpu 1",
      "get X0",
      "trace 1",
      "call PSCI_VERSION --kernel 5.10",
      "exit",
      "call PSCI_VERSION",
    ].join("\n") + "\n";
    const r = await hvsh(["shell"], { input: script, env: { HVSH_HISTORY: history } });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stderr, "");
    assertEquals(r.stdout.split("\n"), [
      "x0 = 0x0000000000010003  PSCI 1.3",
      "KvmError: KVM_SET_ONE_REG failed with EBUSY: STD_BMAP cannot change after the VM has run",
      "STD_BMAP = 0x0000000000000001  TRNG_V1_0",
      "KvmError: KVM_SET_ONE_REG failed with ENOENT: unknown register NOPE",
      "x0 = 0x0000000000000000  SUCCESS",
      "0x0",
      "0x10003",
      "[ 0x1, 0x10 ]",
      "ReferenceError: nosuch is not defined",
      "Unknown call: PSCI_VERSON (a name such as PSCI_VERSION, or a 32-bit function ID; `calls` lists them)",
      "Unknown option: --bogus",
      "SyntaxError: Unexpected identifier 'bar'",
      "kernel 6.16  hyp kvm  cpus 2  memory 128 MiB  gic 3",
      "el2 handler kvm  has run false  calls 0",
      "* cpu 0  RUNNABLE   EL1  pc 0x0000000000000000",
      "  cpu 1  RUNNABLE   EL1  pc 0x0000000000000000",
      "cpu 1 STOPPED",
      "x0 = 0x0000000000000000  SUCCESS",
      "cpu 1",
      "X0 = 0x000000000000c0de",
      "#0 cpu0 EL1 hvc PSCI_CPU_ON64(0x1, 0x40080000, 0xc0de) → x0 = 0x0000000000000000 (SUCCESS) [psci]",
      "x0 = 0x0000000000010000  PSCI 1.0",
      "",
    ]);
    // Every line typed is in the history file, in order; nothing after `exit` ran.
    const saved = (await Deno.readTextFile(history)).trimEnd().split("\n");
    assertEquals(saved[0], "call PSCI_VERSION");
    assertEquals(saved.at(-2), "exit");
  } finally {
    await tmp.remove();
  }
});

Deno.test("hvsh shell: help lists every command; .help too; <command> --help shows examples", async () => {
  const r = await hvsh(["shell", "--no-history"], { input: "help\n.help\ncall --help\n" });
  assertEquals(r.code, 0);
  for (
    const c of [
      "call",
      "regs",
      "calls",
      "get",
      "set",
      "filter",
      "step",
      "run",
      "uart",
      "trace",
      "reset",
      "load",
      "exit",
    ]
  ) {
    assertStringIncludes(r.stdout, `\n  ${c} `);
  }
  assertEquals(r.stdout.split("Commands (no dot needed").length, 3);
  assertStringIncludes(r.stdout, "Usage: call [options] <call> [args...]");
  assertStringIncludes(r.stdout, "Examples:\n  call PSCI_VERSION");
});

Deno.test("hvsh shell starts with the VM options given on the command line", async () => {
  const r = await hvsh([
    "shell",
    "--kernel",
    "android16-6.12",
    "--protected",
    "--cpus",
    "3",
    "--no-history",
  ], {
    input: "info\ncall KVM_HYP_MEMINFO 0 0 0\n",
  });
  assertStringIncludes(
    r.stdout,
    "kernel android16-6.12  hyp kvm  cpus 3  memory 128 MiB  gic 3  protected",
  );
  assertStringIncludes(r.stdout, "x0 = 0x0000000000001000  granule 4096 bytes, HAS_RANGE");
});

const noPty = { ignore: !have("script") };

Deno.test({
  name: "hvsh shell on a terminal: prompt, tab completion, decoded results, errors, Ctrl-D",
  ...noPty,
  async fn() {
    const tmp = await tempDir({});
    const p = new Pty([Deno.execPath(), ...HVSH_FLAGS, "shell"], { HVSH_HISTORY: `${tmp.dir}/h` });
    try {
      const banner = await p.expect(/hvsh> $/);
      assertStringIncludes(banner, "hvsh 0.1.0: KVM/arm64 model, kernel 6.16, 1 vCPU, hyp kvm.");
      let at = p.output.length;
      // One completion fills in the rest of the word.
      await p.send("call PSCI_VER\t");
      await p.expect(/call PSCI_VERSION$/, at);
      await p.send("\r");
      await p.expect(/x0 = 0x0000000000010003 {2}PSCI 1\.3\nhvsh> $/, at);
      // Several completions are listed on the second Tab.
      at = p.output.length;
      await p.send("set STD_\t");
      await new Promise((r) => setTimeout(r, 300));
      await p.send("\t");
      await p.expect(/STD_BMAP +STD_HYP_BMAP/, at);
      await p.send("\x15"); // Ctrl-U: clear the line
      // A JavaScript property.
      at = p.output.length;
      await p.send("PSCI.VERS\t");
      await p.expect(/PSCI\.VERSION$/, at);
      await p.send("\r");
      await p.expect(/0x84000000 \(2214592512\)\nhvsh> $/, at);
      // An error is one line; the session goes on.
      at = p.output.length;
      await p.send("set STD_BMAP 0\r");
      await p.expect(/KvmError: KVM_SET_ONE_REG failed with EBUSY[^\n]*\nhvsh> $/, at);
      await p.send("\x04"); // Ctrl-D
      assertEquals(await p.close(), 0);
      // deno-lint-ignore no-control-regex
      assert(/\x1b\[3\dm/.test(p.output), "colour on a terminal");
    } finally {
      p.kill();
      await tmp.remove();
    }
  },
});

Deno.test({
  name: "hvsh shell on a terminal: no colour with NO_COLOR; history from the last session",
  ...noPty,
  async fn() {
    const tmp = await tempDir({ h: "call SMCCC_VERSION\n" });
    const p = new Pty([Deno.execPath(), ...HVSH_FLAGS, "shell"], {
      HVSH_HISTORY: `${tmp.dir}/h`,
      NO_COLOR: "1",
    });
    try {
      await p.expect(/hvsh> $/);
      const at = p.output.length;
      await p.send("\x1b[A"); // Up: the previous session's last line
      await p.expect(/call SMCCC_VERSION$/, at);
      await p.send("\r");
      await p.expect(/SMCCC 1\.1\nhvsh> $/, at);
      await p.send(".exit\r");
      assertEquals(await p.close(), 0);
      // Cursor movement is fine; colour (SGR 3x) is not.
      // deno-lint-ignore no-control-regex
      assert(!/\x1b\[3\dm/.test(p.output), "no colour with NO_COLOR");
    } finally {
      p.kill();
      await tmp.remove();
    }
  },
});

Deno.test({
  name: "hvsh shell on a terminal: Ctrl-C stops a running guest and the session goes on",
  ignore: !have("script") || !machineCanRun(),
  async fn() {
    const tmp = await tempDir({});
    const { assemble } = await import("../machine/cpu/asm.ts");
    await Deno.writeFile(`${tmp.dir}/loop.bin`, assemble("b .").bytes);
    const p = new Pty([Deno.execPath(), ...HVSH_FLAGS, "shell", "--no-history"]);
    try {
      await p.expect(/hvsh> $/);
      let at = p.output.length;
      await p.send(`load ${tmp.dir}/loop.bin\r`);
      await p.expect(/raw image[\s\S]*hvsh> $/, at);
      at = p.output.length;
      await p.send("run\r");
      await new Promise((r) => setTimeout(r, 500));
      await p.send("\x03");
      const shown = await p.expect(/interrupted \(\d+ instructions, \d+ ms\)\nhvsh> $/, at);
      assert(!shown.includes("press Ctrl+C again"), shown);
      at = p.output.length;
      await p.send("call PSCI_VERSION\r");
      await p.expect(/PSCI 1\.3\nhvsh> $/, at);
      await p.send(".exit\r");
      assertEquals(await p.close(), 0);
    } finally {
      p.kill();
      await tmp.remove();
    }
  },
});

Deno.test("deno task repl: Deno's REPL with the hvsh prelude", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["repl", "--allow-read", `--eval-file=${ROOT}repl/prelude.ts`],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(
    new TextEncoder().encode(
      'call("PSCI_FEATURES", "CPU_ON64")\nconst n: number = FW_REGS.length\nn\n',
    ),
  );
  await w.close();
  const out = new TextDecoder().decode((await child.output()).stdout);
  assertStringIncludes(out, "x0 = 0x0000000000000000  SUCCESS");
  assertStringIncludes(out, "\n8\n");
});

Deno.test({
  name: "hvsh shell runs guest code: load, step, run, uart, disasm",
  ignore: !machineCanRun(),
  async fn() {
    const tmp = await tempDir({});
    try {
      const { assemble } = await import("../machine/cpu/asm.ts");
      await Deno.writeFile(
        `${tmp.dir}/g.bin`,
        assemble(`movz x1, #0x0900, lsl #16
                  mov  w2, #0x6b
                  strb w2, [x1]
                  movz x0, #0x8400, lsl #16
                  movk x0, #0x8
                  hvc  #0`).bytes,
      );
      const r = await hvsh(["shell", "--no-history"], {
        input: `load ${tmp.dir}/g.bin\ndisasm 0x40080000 2\nstep\nstep 2\nrun\nuart\n`,
      });
      assertStringIncludes(r.stdout, "raw image: entry 0x40080000");
      assertStringIncludes(r.stdout, "mov x1, #0x9000000");
      assertStringIncludes(r.stdout, "x1 0x0000000000000000 → 0x0000000009000000");
      assertStringIncludes(r.stdout, "the guest powered off (PSCI SYSTEM_OFF)");
      assert(r.stdout.trimEnd().endsWith("k"), r.stdout);
    } finally {
      await tmp.remove();
    }
  },
});
