/**
 * `hvsh test` and `hvsh run`: discover scenario files, run them, report
 * (pretty, TAP 14 or JUnit XML) and choose the exit code: 0 all passed, 1 a
 * scenario failed, 2 a file could not be loaded (a usage error: a YAML
 * syntax or schema error, a TypeScript file that throws on import).
 *
 * @module
 */

import type { Io } from "./actions.ts";
import { EXIT } from "./commands.ts";
import { Progress, style } from "./format.ts";
import { junit, pretty, prettyScenario, summaryLine, tap } from "./report.ts";
import { discover, runScenarios } from "./runner.ts";
import { UsageError } from "./values.ts";

/** Options of {@link testCommand}. */
export interface TestFlags {
  reporter?: "pretty" | "tap" | "junit";
  junitPath?: string;
  filter?: string;
  shard?: { index: number; count: number };
  bail?: boolean;
  /** `hvsh run`: one file, whole report at the end. */
  single?: boolean;
}

/** Run the scenarios under `paths`; returns the exit code. */
export async function testCommand(paths: string[], f: TestFlags, io: Io): Promise<number> {
  let files: string[];
  try {
    files = await discover(paths);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const reporter = f.reporter ?? "pretty";
  const stream = reporter === "pretty" && !f.single;
  const progress = new Progress();
  let lastFile = "", done = 0;
  const rep = await runScenarios(files, {
    filter: f.filter,
    shard: f.shard,
    bail: f.bail,
    onStart: (s, i, n) => progress.update(`[${i + 1}/${n}] ${s.name}`),
    onResult: (r) => {
      done++;
      if (!stream) return;
      progress.clear();
      if (r.file !== lastFile) io.out(style.bold(lastFile = r.file));
      io.out(prettyScenario(r));
    },
  });
  progress.clear();
  if (stream) io.out(`\n${summaryLine(rep)}`);
  else if (reporter === "pretty") {
    if (!(f.single && rep.results[0]?.loadError)) io.out(pretty(rep));
  } else io.out((reporter === "tap" ? tap(rep) : junit(rep)).replace(/\n$/, ""));
  if (f.single && rep.results.length === 1 && rep.results[0].loadError) {
    // `hvsh run` of a file that cannot be loaded: the one-line reason, no report.
    throw new UsageError(rep.results[0].error?.message ?? "cannot load the scenario file");
  }
  if (f.junitPath) await Deno.writeTextFile(f.junitPath, junit(rep));
  if (done === 0 && rep.results.length === 0) {
    io.err(
      `hvsh: no scenarios ${f.filter || f.shard ? "selected" : "found"} in ${paths.join(", ")}`,
    );
  }
  if (rep.results.some((r) => r.loadError)) return EXIT.USAGE;
  return rep.failed ? EXIT.FAILED : EXIT.OK;
}
