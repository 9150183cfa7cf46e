/**
 * Startup: `hvsh call PSCI_VERSION` as a whole process, warm, budget 150 ms
 * (issue 5). Spawns the CLI exactly as the `./hvsh` launcher runs it.
 *
 *   deno run -A bench/startup_bench.ts [--runs 30] [--budget 150]
 *     times N spawns after two warm-ups, prints min / median / p95 next to
 *     the bare `deno` baseline, and exits 1 when the median is over budget;
 *   deno task bench
 *     runs the same spawns as Deno.bench entries.
 *
 * The commands keep their imports lazy (commands.ts): `call` loads the model
 * and commander, not the YAML parser, the scenario runner or node:repl.
 */
import { parseArgs } from "node:util";
import { HVSH_FLAGS as FLAGS } from "../tests/_cli.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The measured commands: what a user types, and a baseline. */
const CASES: { name: string; cmd: string; args: string[] }[] = [
  {
    name: "hvsh call PSCI_VERSION",
    cmd: Deno.execPath(),
    args: [...FLAGS, "call", "PSCI_VERSION"],
  },
  {
    name: "./hvsh call PSCI_VERSION (launcher)",
    cmd: `${ROOT}hvsh`,
    args: ["call", "PSCI_VERSION"],
  },
  { name: "hvsh --version", cmd: Deno.execPath(), args: [...FLAGS, "--version"] },
  { name: "deno eval 1 (baseline)", cmd: Deno.execPath(), args: ["eval", "1"] },
];

function spawnOnce(c: { cmd: string; args: string[] }): number {
  const t = performance.now();
  const out = new Deno.Command(c.cmd, {
    args: c.args,
    stdout: "null",
    stderr: "null",
    env: { RUST_BACKTRACE: "0" },
  })
    .outputSync();
  const ms = performance.now() - t;
  if (!out.success) throw new Error(`${c.cmd} ${c.args.join(" ")} failed with code ${out.code}`);
  return ms;
}

const pct = (xs: number[], p: number) =>
  xs[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      runs: { type: "string", default: "30" },
      budget: { type: "string", default: "150" },
    },
  });
  const runs = Number(values.runs), budget = Number(values.budget);
  let medianCall = Infinity;
  console.log(
    `${"command".padEnd(38)} ${"min".padStart(7)} ${"median".padStart(7)} ${
      "p95".padStart(7)
    }  (${runs} runs, warm)`,
  );
  for (const c of CASES) {
    spawnOnce(c);
    spawnOnce(c);
    const t = Array.from({ length: runs }, () => spawnOnce(c)).sort((a, b) => a - b);
    const f = (x: number) => `${x.toFixed(1)}`.padStart(7);
    console.log(`${c.name.padEnd(38)} ${f(t[0])} ${f(pct(t, 0.5))} ${f(pct(t, 0.95))}  ms`);
    if (c === CASES[0]) medianCall = pct(t, 0.5);
  }
  const ok = medianCall <= budget;
  console.log(
    `\nhvsh call PSCI_VERSION: median ${medianCall.toFixed(1)} ms, budget ${budget} ms: ${
      ok ? "ok" : "OVER BUDGET"
    }`,
  );
  Deno.exit(ok ? 0 : 1);
} else {
  for (const c of CASES) {
    Deno.bench(c.name, { group: "startup", baseline: c === CASES[3], n: 20, warmup: 2 }, () => {
      spawnOnce(c);
    });
  }
}
