import { assert, assertEquals } from "@std/assert";
import { buildProgram, type CommandContext, COMMANDS, type Mode } from "./commands.ts";

function program(mode: Mode) {
  const out: string[] = [];
  const ctx: CommandContext = {
    mode,
    io: { out: (s) => out.push(s), err: (s) => out.push(s) },
    exit() {},
  };
  return { p: buildProgram(mode, ctx), out };
}

Deno.test("buildProgram() makes the CLI and the REPL from the one table", () => {
  const cli = program("cli").p.commands.map((c) => c.name());
  const repl = program("repl").p.commands.map((c) => c.name());
  assertEquals(cli, ["shell", "run", "test", "boot", "call", "regs", "calls", "completions"]);
  for (
    const c of [
      "call",
      "regs",
      "calls",
      "get",
      "set",
      "step",
      "run",
      "uart",
      "trace",
      "reset",
      "load",
      "help",
      "exit",
    ]
  ) {
    assert(repl.includes(c), c);
  }
  assertEquals(
    COMMANDS.filter((c) => c.modes.includes("cli") && c.modes.includes("repl")).map((c) => c.name),
    ["call", "regs", "calls"],
  );
});

Deno.test("buildProgram() gives every command a summary, and every argument and option a description", () => {
  for (const mode of ["cli", "repl"] as const) {
    for (const c of program(mode).p.commands) {
      assert(c.summary() || c.description(), `${mode} ${c.name()} has no summary`);
      for (const a of c.registeredArguments) assert(a.description, `${c.name()} <${a.name()}>`);
      for (const o of c.options) assert(o.description, `${c.name()} ${o.flags}`);
    }
  }
});

Deno.test("COMMANDS completion rows name only options and arguments that exist", () => {
  for (const mode of ["cli", "repl"] as const) {
    const p = program(mode).p;
    for (const e of COMMANDS.filter((e) => e.modes.includes(mode))) {
      const c = p.commands.find((c) => c.name() === e.name)!;
      for (const flag of Object.keys(e.complete?.options ?? {})) {
        assert(c.options.some((o) => o.long === flag), `${e.name} ${flag}`);
      }
      assert((e.complete?.args?.length ?? 0) <= c.registeredArguments.length, `${e.name} args`);
    }
  }
});

Deno.test("buildProgram() parses a REPL line into typed options", async () => {
  const { p, out } = program("repl");
  await p.parseAsync(["help", "trace"], { from: "user" });
  assert(out.join("\n").startsWith("Usage: trace [options] [n]"), out.join("\n"));
});
