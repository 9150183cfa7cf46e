/**
 * TypeScript scenarios: files that register named scenarios made of steps.
 * `hvsh test` imports them, runs each scenario, and reports per step; a
 * failure shows the SMCCC calls that led up to it.
 *
 * @example
 * ```ts
 * import { scenario } from "./scenario.ts";
 * import { expectCall } from "./expect.ts";
 * import { PSCI } from "../mod.ts";
 *
 * scenario("PSCI is 1.3 on 6.16", (t) => {
 *   const vm = t.vm({ kernel: "6.16" });
 *   t.step("PSCI_VERSION", () => expectCall(vm.cpu(0).hvc(PSCI.VERSION), 0x10003n));
 * });
 * ```
 *
 * @module
 */

import { createVm, type Vm, type VmOptions } from "../machine/mod.ts";

/** What a scenario body receives. */
export interface ScenarioContext {
  /** Create a VM the runner watches (its call trace is shown when a step fails). */
  vm(opts?: VmOptions): Vm;
  /** Run a named step; returns what `fn` returns (a Promise for async steps). */
  step<T>(name: string, fn: () => T): T;
  /** Record a note in the report. */
  log(...parts: unknown[]): void;
}

/** Options of a scenario. */
export interface ScenarioOptions {
  /** Skip it (a reason string is shown). */
  skip?: boolean | string;
  /** Free-form tags for --filter. */
  tags?: string[];
}

/** A registered scenario. */
export interface ScenarioDef {
  /** Its name in reports (and for --filter). */
  name: string;
  /** The body. */
  fn: (t: ScenarioContext) => void | Promise<void>;
  /** Tags and skip. */
  options: ScenarioOptions;
  /** File it came from (set by the runner). */
  file?: string;
}

let sink: ScenarioDef[] | null = null;
const standalone: ScenarioDef[] = [];

/** Register a scenario. Files are imported by the runner, which collects them. */
export function scenario(
  name: string,
  fn: (t: ScenarioContext) => void | Promise<void>,
  options: ScenarioOptions = {},
): void {
  if (typeof name !== "string" || !name) throw new TypeError("scenario() needs a name");
  if (typeof fn !== "function") throw new TypeError(`scenario("${name}") needs a function`);
  (sink ?? standalone).push({ name, fn, options });
}

/** Collect the scenarios registered while `load` runs (the runner's import of one file). */
export async function collectScenarios(load: () => Promise<unknown>): Promise<ScenarioDef[]> {
  const prev = sink;
  const got: ScenarioDef[] = [];
  sink = got;
  try {
    await load();
  } finally {
    sink = prev;
  }
  return got;
}

/** Scenarios registered outside a runner (a file run directly with `deno run`). */
export function standaloneScenarios(): ScenarioDef[] {
  return standalone;
}

/** Step outcome. */
export interface StepResult {
  /** The step's name. */
  name: string;
  /** Whether it passed. */
  status: "passed" | "failed";
  /** Wall-clock time in milliseconds. */
  ms: number;
  /** Why it failed. */
  error?: Error;
}

/** Build the context a scenario runs with; `vms` collects the VMs it creates. */
export function makeContext(vms: Vm[], steps: StepResult[], notes: string[]): ScenarioContext {
  return {
    vm(opts?: VmOptions): Vm {
      const vm = createVm({ memoryMiB: 64, ...opts });
      vms.push(vm);
      return vm;
    },
    step<T>(name: string, fn: () => T): T {
      const start = performance.now();
      const done = (error?: Error) =>
        steps.push({
          name,
          status: error ? "failed" : "passed",
          ms: performance.now() - start,
          error,
        });
      let out: T;
      try {
        out = fn();
      } catch (e) {
        done(e as Error);
        throw e;
      }
      if (out && typeof (out as { then?: unknown }).then === "function") {
        return (out as unknown as Promise<unknown>).then(
          (v) => {
            done();
            return v;
          },
          (e) => {
            done(e as Error);
            throw e;
          },
        ) as T;
      }
      done();
      return out;
    },
    log(...parts: unknown[]): void {
      notes.push(parts.map((p) => typeof p === "string" ? p : Deno.inspect(p)).join(" "));
    },
  };
}
