/**
 * The scenario runner behind `hvsh test` / `hvsh run`: finds scenario files,
 * imports TypeScript scenarios (YAML scenarios go through yaml_scenario.ts),
 * runs them in a stable order, and returns a report with per-step results
 * and the call trace around each failure.
 *
 * @module
 */

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Vm } from "../machine/mod.ts";
import { collectScenarios, makeContext, type ScenarioDef, type StepResult } from "./scenario.ts";
import { traceLine } from "./format.ts";

/** The outcome of one scenario. */
export interface ScenarioResult {
  /** The file it came from. */
  file: string;
  /** The scenario's name ("load FILE" for a file that could not be loaded). */
  name: string;
  /** How it ended. */
  status: "passed" | "failed" | "skipped";
  /** Wall-clock time in milliseconds. */
  ms: number;
  /** Each step run, in order. */
  steps: StepResult[];
  /** Why it failed. */
  error?: Error;
  /** Why it was skipped. */
  skipReason?: string;
  /** `t.log()` notes. */
  notes: string[];
  /** The last SMCCC calls of the scenario's VMs when it failed, formatted. */
  trace: string[];
  /** Set when the entry stands for a file that could not be loaded. */
  loadError?: boolean;
}

/** A whole run. */
export interface RunReport {
  /** Every scenario (and every file that could not be loaded), in run order. */
  results: ScenarioResult[];
  /** How many passed. */
  passed: number;
  /** How many failed (load failures included). */
  failed: number;
  /** How many were skipped. */
  skipped: number;
  /** Wall-clock time of the run in milliseconds. */
  ms: number;
}

/** Options of {@link runScenarios}. */
export interface RunOptions {
  /** Only scenarios whose name (or file, or a tag) contains this string, or match this /regex/. */
  filter?: string;
  /** Run only shard i of n (1-based), for CI matrices. */
  shard?: { index: number; count: number };
  /** Stop at the first failure. */
  bail?: boolean;
  /** Called before each scenario runs: its index among the `total` selected (progress). */
  onStart?: (s: LoadedScenario, index: number, total: number) => void;
  /** Called after each scenario (progress). */
  onResult?: (r: ScenarioResult) => void;
  /** How many trailing calls to show for a failure (default 8). */
  traceLines?: number;
}

/** A loaded scenario ready to run. */
export interface LoadedScenario extends ScenarioDef {
  /** The file it was loaded from. */
  file: string;
}

const SCENARIO_FILE = /\.(ts|yaml|yml)$/;

/** Expand files and directories into scenario files, sorted; `_*.ts` and `*_test.ts` are skipped. */
export async function discover(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(p);
    } catch {
      throw new Deno.errors.NotFound(`No such scenario file or directory: ${p}`);
    }
    if (info.isDirectory) {
      const entries: string[] = [];
      for await (const e of Deno.readDir(p)) {
        if (
          e.isFile && SCENARIO_FILE.test(e.name) && !e.name.startsWith("_") &&
          !e.name.endsWith("_test.ts")
        ) {
          entries.push(`${p.replace(/\/$/, "")}/${e.name}`);
        } else if (e.isDirectory && !e.name.startsWith(".") && !e.name.startsWith("_")) {
          entries.push(...await discover([`${p.replace(/\/$/, "")}/${e.name}`]));
        }
      }
      out.push(...entries.sort());
    } else {
      if (!SCENARIO_FILE.test(p)) {
        throw new TypeError(`Not a scenario file (.ts, .yaml or .yml): ${p}`);
      }
      out.push(p);
    }
  }
  return out;
}

const imported = new Map<string, Promise<ScenarioDef[]>>();

/** Import one file's scenarios (TypeScript by import, YAML by the YAML loader). */
export async function loadFile(file: string): Promise<LoadedScenario[]> {
  let defs: ScenarioDef[];
  if (/\.ya?ml$/.test(file)) {
    const { loadYamlScenarios } = await import("./yaml_scenario.ts");
    defs = await loadYamlScenarios(file);
  } else {
    // A module runs once per process: keep what its first import registered.
    const url = pathToFileURL(resolve(file)).href;
    let got = imported.get(url);
    if (!got) imported.set(url, got = collectScenarios(() => import(url)));
    defs = await got;
  }
  return defs.map((d) => ({ ...d, file }));
}

function wanted(s: LoadedScenario, filter?: string): boolean {
  if (!filter) return true;
  const hay = [s.name, s.file, ...(s.options.tags ?? [])];
  const re = /^\/(.*)\/([a-z]*)$/.exec(filter);
  if (re) {
    const rx = new RegExp(re[1], re[2]);
    return hay.some((h) => rx.test(h));
  }
  return hay.some((h) => h.includes(filter));
}

/** Run one scenario. */
export async function runOne(s: LoadedScenario, traceLines = 8): Promise<ScenarioResult> {
  const base = {
    file: s.file,
    name: s.name,
    steps: [] as StepResult[],
    notes: [] as string[],
    trace: [] as string[],
  };
  if (s.options.skip) {
    return {
      ...base,
      status: "skipped",
      ms: 0,
      skipReason: typeof s.options.skip === "string" ? s.options.skip : "",
    };
  }
  const vms: Vm[] = [];
  const start = performance.now();
  try {
    await s.fn(makeContext(vms, base.steps, base.notes));
    return { ...base, status: "passed", ms: performance.now() - start };
  } catch (e) {
    const trace: string[] = [];
    vms.forEach((vm, i) => {
      const calls = vm.trace.last(traceLines);
      if (calls.length) {
        trace.push(...(vms.length > 1 ? [`vm ${i}:`] : []), ...calls.map(traceLine));
      }
    });
    return { ...base, status: "failed", ms: performance.now() - start, error: e as Error, trace };
  }
}

/** Load, filter, shard and run the scenarios in `files`. */
export async function runScenarios(files: string[], opts: RunOptions = {}): Promise<RunReport> {
  const start = performance.now();
  const all: LoadedScenario[] = [];
  const results: ScenarioResult[] = [];
  for (const f of files) {
    try {
      all.push(...await loadFile(f));
    } catch (e) {
      results.push({
        file: f,
        name: `load ${f}`,
        status: "failed",
        ms: 0,
        steps: [],
        notes: [],
        trace: [],
        error: e as Error,
        loadError: true,
      });
    }
  }
  let picked = all.filter((s) => wanted(s, opts.filter));
  if (opts.shard) {
    const { index, count } = opts.shard;
    picked = picked.filter((_, k) => k % count === index - 1);
  }
  for (const r of results) opts.onResult?.(r);
  for (const [i, s] of picked.entries()) {
    opts.onStart?.(s, i, picked.length);
    const r = await runOne(s, opts.traceLines);
    results.push(r);
    opts.onResult?.(r);
    if (opts.bail && r.status === "failed") break;
  }
  return {
    results,
    passed: results.filter((r) => r.status === "passed").length,
    failed: results.filter((r) => r.status === "failed").length,
    skipped: results.filter((r) => r.status === "skipped").length,
    ms: performance.now() - start,
  };
}
