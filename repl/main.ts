/**
 * The hvsh command line: `deno task hvsh <command>` or `./hvsh <command>`.
 *
 * Exit codes a CI job can trust: 0 pass, 1 scenario failure, 2 usage error,
 * 3 guest error.
 *
 * @module
 */

import { Command, CommanderError, InvalidArgumentError } from "commander";
import denoJson from "../deno.json" with { type: "json" };
import { discover, runScenarios } from "./runner.ts";
import { junit, pretty, prettyScenario, summaryLine, tap } from "./report.ts";
import { style } from "./format.ts";

/** Exit codes. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, GUEST: 3 } as const;

function shardArg(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError(`expected i/n with 1 ≤ i ≤ n, e.g. 2/4`);
  }
  return { index, count };
}

/** Build the program (a fresh one per parse: commander keeps option state). */
export function program(): Command {
  const cmd = new Command("hvsh")
    .description("A scripting shell for KVM/arm64 virtual machines: call, script and boot an exact model of KVM")
    .version(denoJson.version, "-V, --version")
    .showHelpAfterError("(run hvsh --help for usage)")
    .exitOverride();

  cmd.command("test")
    .description("Run scenario files (TypeScript or YAML) and report per scenario and step")
    .argument("[paths...]", "scenario files or directories", ["scripts"])
    .option("--reporter <kind>", "pretty, tap or junit", "pretty")
    .option("--junit-path <file>", "also write a JUnit XML report to this file")
    .option("--filter <text>", "only scenarios whose name, file or tag contains text (or matches /regex/)")
    .option("--shard <i/n>", "run only shard i of n (for CI matrices)", shardArg)
    .option("--bail", "stop at the first failure")
    .action(async (paths, opts) => {
      if (!["pretty", "tap", "junit"].includes(opts.reporter)) {
        throw new InvalidArgumentError(`--reporter must be pretty, tap or junit, not ${opts.reporter}`);
      }
      const files = await discover(paths);
      let lastFile = "";
      const stream = opts.reporter === "pretty";
      const rep = await runScenarios(files, {
        filter: opts.filter,
        shard: opts.shard,
        bail: opts.bail,
        onResult: stream
          ? (r) => {
            if (r.file !== lastFile) console.log(style.bold(lastFile = r.file));
            console.log(prettyScenario(r));
          }
          : undefined,
      });
      if (stream) console.log(`\n${summaryLine(rep)}`);
      else console.log(opts.reporter === "tap" ? tap(rep) : junit(rep));
      if (opts.junitPath) await Deno.writeTextFile(opts.junitPath, junit(rep));
      if (rep.results.length === 0) console.error("No scenarios found in " + paths.join(", "));
      Deno.exitCode = rep.failed ? EXIT.FAILED : EXIT.OK;
    });

  cmd.command("run")
    .description("Run one scenario file and print its report")
    .argument("<scenario>", "a .ts, .yaml or .yml scenario file")
    .action(async (file) => {
      const rep = await runScenarios(await discover([file]));
      console.log(pretty(rep));
      Deno.exitCode = rep.failed ? EXIT.FAILED : EXIT.OK;
    });

  return cmd;
}

/** Run the CLI with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  Deno.exitCode = 0;
  try {
    await program().parseAsync(args, { from: "user" });
    return Number(Deno.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") {
        return EXIT.OK;
      }
      return EXIT.USAGE;
    }
    if (e instanceof InvalidArgumentError || e instanceof TypeError || e instanceof Deno.errors.NotFound) {
      console.error(`hvsh: ${(e as Error).message}`);
      return EXIT.USAGE;
    }
    console.error(`hvsh: ${(e as Error)?.message ?? e}`);
    return EXIT.FAILED;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
