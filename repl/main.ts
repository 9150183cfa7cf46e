/**
 * The hvsh command line: `deno task hvsh <command>` or `./hvsh <command>`.
 * The commands come from the command table (commands.ts).
 *
 * Exit codes a CI job can trust: 0 pass, 1 scenario failure, 2 usage error,
 * 3 guest error. Every error is one line on stderr.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { main } from "./main.ts";
 * assert(await main(["--version"], { out() {}, err() {} }) === 0);
 * ```
 *
 * @module
 */

import { CommanderError } from "commander";
import type { Io } from "./actions.ts";
import { buildProgram, cliCommandNames, EXIT } from "./commands.ts";

export { EXIT };

const stdio: Io = {
  out: (s) => console.log(s),
  err: (s) => console.error(s),
};

/** "Allowed choices are a, b." → "allowed: a, b"; "--cpus must be …" → "must be …". */
function tidy(why: string): string {
  return why.replace(/^Allowed choices are (.*)\.$/, "allowed: $1").replace(
    /^--?[\w-]+ (must)/,
    "$1",
  );
}

/** A commander error as one sentence-case line: "Unknown command: cal (did you mean call?)". */
export function commanderMessage(e: CommanderError): string {
  let m = e.message.replace(/^error: /, "").replace(/\n+/g, " ").trim();
  m = m
    .replace(/^unknown command '([^']*)'/, "Unknown command: $1")
    .replace(/^unknown option '([^']*)'/, "Unknown option: $1")
    .replace(/^missing required argument '([^']*)'/, "Missing argument: $1")
    .replace(/^option '([^']*)' argument missing/, "Missing value for option $1")
    .replace(
      /^too many arguments(?: for '([^']*)')?\. Expected (\d+) arguments? but got (\d+)\./,
      (_, c, n, g) => `Too many arguments${c ? ` for ${c}` : ""}: expected ${n}, got ${g}`,
    )
    .replace(
      /^option '(-[^' ,]*)[^']*' argument '([^']*)' is invalid\. (.*)$/,
      (_, o, v, why) => `Invalid value for ${o}: ${v} (${tidy(why)})`,
    )
    .replace(
      /^command-argument value '([^']*)' is invalid for argument '([^']*)'\. (.*)$/,
      (_, v, a, why) => `Invalid ${a}: ${v} (${tidy(why)})`,
    )
    .replace(/\(Did you mean ([^?]*)\?\)/, "(did you mean $1?)");
  return m.charAt(0).toUpperCase() + m.slice(1);
}

/** Run the CLI with `args`; returns the exit code. */
export async function main(args: string[], io: Io = stdio): Promise<number> {
  let code: number = EXIT.OK;
  const ctx = { mode: "cli" as const, io, exit: (c: number) => void (code = c) };
  if (
    args[0] === "help" && args[1] && !args[1].startsWith("-") &&
    !cliCommandNames().includes(args[1])
  ) {
    io.err(`hvsh: Unknown command: ${args[1]}; hvsh --help lists the commands`);
    return EXIT.USAGE;
  }
  try {
    await buildProgram("cli", ctx).parseAsync(args, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help, --version: done. Bare `hvsh` (commander.help: help shown for want of a command): usage error.
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT.OK;
      if (e.code === "commander.help") return EXIT.USAGE;
      if (e.code === "commander.executeSubCommandAsync") return EXIT.OK;
      const hint = e.code === "commander.unknownCommand" ? "; hvsh --help lists the commands" : "";
      io.err(`hvsh: ${commanderMessage(e)}${hint}`);
      return EXIT.USAGE;
    }
    // stdout closed early (`hvsh boot guest.elf | head`): nothing more to say.
    if (e instanceof Deno.errors.BrokenPipe) return EXIT.OK;
    const { errorLine } = await import("./format.ts");
    const err = e as Error;
    io.err(`hvsh: ${errorLine(e)}`);
    switch (err?.name) {
      case "UsageError":
      case "KvmError":
      case "ImageError":
      case "AsmError":
      case "RangeError":
      case "NotFound":
      case "PermissionDenied":
        return EXIT.USAGE;
      case "GuestError":
        return EXIT.GUEST;
    }
    return EXIT.FAILED;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
