/**
 * The shell: the CLI (`main`), the command table it and the REPL are built
 * from, the scenario runner and its reporters, YAML scenarios, and the
 * formatting helpers the shell prints with. `hvsh shell` itself lives in
 * shell.ts (it loads node:repl, so it is not re-exported here).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { discover, runScenarios, summaryLine } from "./mod.ts";
 * const report = await runScenarios(await discover(["scripts/hide_trng.ts"]));
 * assert(report.failed === 0, summaryLine(report));
 * ```
 *
 * @module
 */
export { EXIT, main } from "./main.ts";
export {
  buildProgram,
  type CommandContext,
  type CommandEntry,
  COMMANDS,
  type Mode,
} from "./commands.ts";
export {
  discover,
  loadFile,
  type RunOptions,
  type RunReport,
  runScenarios,
  type ScenarioResult,
} from "./runner.ts";
export { junit, pretty, summaryLine, tap } from "./report.ts";
export { loadYamlScenarios, parseYamlScenarios, YamlScenarioError } from "./yaml_scenario.ts";
export { completionScript } from "./completions.ts";
export { describeFwReg, errorLine, formatCall, hex, hex64, traceLine } from "./format.ts";
export { parseCallId, parseNumber, parseU64, UsageError } from "./values.ts";
export { MACHINE_PENDING, machineCanRun } from "./_machine.ts";
export type { Io } from "./actions.ts";
export type { CallExpectation, Expected } from "./expect.ts";
export type { Completion } from "./commands.ts";
export type { LoadedScenario } from "./runner.ts";
export type { ScenarioContext, ScenarioDef, ScenarioOptions, StepResult } from "./scenario.ts";
export type { CallOutcome } from "./format.ts";
export type { Session } from "./session.ts";
export type { Command } from "commander";
