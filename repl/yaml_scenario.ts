/**
 * YAML scenarios: a declarative list of steps for CI users who do not write
 * TypeScript. Parsed with `yaml` using `intAsBigInt`, so 64-bit values stay
 * exact; validated up front, and every problem is reported with its file,
 * line and column as a {@link YamlScenarioError}. A step that fails at run
 * time names its line too.
 *
 * A file holds one scenario, a `scenarios:` list (with shared `vm:`
 * defaults), or several YAML documents separated by `---`:
 *
 * ```yaml
 * name: Hide TRNG through STD_BMAP
 * vm: { kernel: "6.16" }
 * steps:
 *   - call: TRNG_VERSION
 *     expect: 0x10000
 *   - set: { STD_BMAP: 0 }
 *   - call: TRNG_VERSION
 *     expect: NOT_SUPPORTED
 *   - set: { STD_BMAP: 1 }
 *     errno: EBUSY          # the VM has run
 * ```
 *
 * Steps (one action key each, plus `name:` for the report):
 *
 * | step | does | modifiers |
 * |---|---|---|
 * | `call: NAME or FID` | issue a call | `args: [...]`, `conduit: hvc/smc` (or `smc: true`), `imm`, `cpu`, `expect`, `errno` |
 * | `resume: true` | re-enter the vCPU after an exit | `cpu`, `expect` |
 * | `set: { REG: value }` | KVM_SET_ONE_REG | `cpu`, `errno` |
 * | `get: { REG: value }` or `get: REG` | KVM_GET_ONE_REG and compare | `cpu`, `expect`, `errno` |
 * | `filter: { base, nr, action }` | SMCCC filter | `errno` |
 * | `enable_cap: NAME` | KVM_ENABLE_CAP | `errno` |
 * | `mp_state: STATE` or `mp_state: { expect: STATE }` | set or check mp_state | `cpu`, `errno` |
 * | `load: path` / `asm: source` | load an image (path relative to the file) or assembly | `bootargs`, `initrd` |
 * | `run: { max_instructions, until_uart }` | run the guest | `expect: reason` or `{ reason, cpu, uart }` |
 * | `uart: text` or `uart: { contains, matches }` | expect UART output | |
 * | `write_u64: { addr: value }` / `read_u64: { addr: value }` | guest memory | |
 * | `page_state: { ipa: state }` | pKVM page ownership | |
 * | `log: text` | a note in the report | |
 *
 * `expect` of a call: a value for x0, or `{ x0, x1, x2, x3, exit, blocked }`.
 * Values are integers (negative = two's complement), strings such as
 * "0xffff_0000_8000_0000", call names where a function ID is expected, and
 * for x0 what the shell prints after the hex: `NOT_SUPPORTED`, `SUCCESS`,
 * `PSCI 1.3`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseYamlScenarios } from "./yaml_scenario.ts";
 * const [s] = parseYamlScenarios("name: PSCI\nsteps:\n  - call: PSCI_VERSION\n    expect: PSCI 1.3\n", "x.yaml");
 * assert(s.name === "PSCI");
 * ```
 *
 * @module
 */

import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node as YamlNode,
  parseAllDocuments,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { dirname, isAbsolute, join } from "node:path";
import {
  describeResult,
  ERRNO,
  fidName,
  FILTER_ACTION_NAMES,
  type FilterAction,
  KERNELS,
  parseCall,
} from "../hyp/mod.ts";
import type { Vm, VmOptions } from "../machine/mod.ts";
import { assemble } from "../machine/cpu/asm.ts";
import { RUN_REASONS } from "../machine/run_reason.ts";
import { editDistance } from "../machine/errors.ts";
import type { ScenarioContext, ScenarioDef } from "./scenario.ts";
import { type CallExpectation, expectCall, expectErrno, ScenarioError } from "./expect.ts";
import { hex64 } from "./format.ts";
import { HYP_MODES } from "./commands.ts";
import { guestVm, MACHINE_PENDING, machineCanRun, type RunReason } from "./_machine.ts";
import { describeRun, runGuest } from "./guest.ts";
import { HYP_STUB_CALLS, isRegisterName, parseNumber } from "./values.ts";

/** A problem in a YAML scenario file, with where it is. */
export class YamlScenarioError extends Error {
  /** `file:line:col: detail`; `line` and `col` are 1-based. */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    detail: string,
  ) {
    super(`${file}:${line}:${col}: ${detail}`);
    this.name = "YamlScenarioError";
  }
}

/** Load the scenarios of a YAML file. */
export async function loadYamlScenarios(file: string): Promise<ScenarioDef[]> {
  let src: string;
  try {
    src = await Deno.readTextFile(file);
  } catch (e) {
    throw new YamlScenarioError(file, 1, 1, `cannot read the file: ${(e as Error).message}`);
  }
  return parseYamlScenarios(src, file);
}

// -------------------------------------------------------------------------------------------------
// Validation helpers over the document's nodes

class Reader {
  constructor(readonly file: string, private readonly lines: LineCounter) {}

  at(node: YamlNode | null | undefined): { line: number; col: number } {
    const off = node?.range?.[0] ?? 0;
    const p = this.lines.linePos(off);
    return { line: p.line, col: p.col };
  }
  fail(node: YamlNode | null | undefined, detail: string): never {
    const { line, col } = this.at(node);
    throw new YamlScenarioError(this.file, line, col, detail);
  }
  map(node: unknown, what: string): YAMLMap<Scalar, YamlNode> {
    if (!isMap(node)) this.fail(node as YamlNode, `${what} must be a mapping (key: value)`);
    return node as YAMLMap<Scalar, YamlNode>;
  }
  seq(node: unknown, what: string): YAMLSeq<YamlNode> {
    if (!isSeq(node)) this.fail(node as YamlNode, `${what} must be a list (- item)`);
    return node as YAMLSeq<YamlNode>;
  }
  scalar(node: unknown, what: string): unknown {
    if (!isScalar(node)) this.fail(node as YamlNode, `${what} must be a single value`);
    return (node as Scalar).value;
  }
  string(node: unknown, what: string): string {
    const v = this.scalar(node, what);
    if (typeof v !== "string" || !v) {
      this.fail(node as YamlNode, `${what} must be a non-empty string`);
    }
    return v;
  }
  bool(node: unknown, what: string): boolean {
    const v = this.scalar(node, what);
    if (typeof v !== "boolean") this.fail(node as YamlNode, `${what} must be true or false`);
    return v;
  }
  int(node: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.scalar(node, what);
    const n = typeof v === "bigint"
      ? Number(v)
      : typeof v === "number"
      ? v
      : typeof v === "string"
      ? Number(parseNumberSafe(v) ?? NaN)
      : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.fail(
        node as YamlNode,
        `${what} must be an integer from ${min}${
          max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ""
        }`,
      );
    }
    return n;
  }
  /** A 64-bit value: an integer, a numeric string, or (with `calls`) a call name. */
  u64(node: unknown, what: string, calls = false): bigint {
    const v = this.scalar(node, what);
    if (typeof v === "bigint") {
      if (v < -(1n << 63n) || v > 0xffff_ffff_ffff_ffffn) {
        this.fail(node as YamlNode, `${what} does not fit in 64 bits`);
      }
      return BigInt.asUintN(64, v);
    }
    if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt.asUintN(64, BigInt(v));
    if (typeof v === "string") {
      const n = parseNumberSafe(v);
      if (n !== undefined) return n;
      if (calls) {
        const fid = callId(v);
        if (fid !== undefined) return BigInt(fid);
      }
    }
    this.fail(
      node as YamlNode,
      `${what} must be an integer${calls ? " or a call name" : ""}, not ${
        JSON.stringify(String(v))
      }`,
    );
  }
  /** A register name that exists (core, firmware or system register). */
  register(node: unknown): string {
    const name = this.string(node, "a register name");
    if (!isRegisterName(name)) {
      this.fail(
        node as YamlNode,
        `Unknown register: ${name} (X0..X30, PC, SP, PSTATE, firmware registers such as ` +
          "STD_BMAP, system registers such as MPIDR_EL1)",
      );
    }
    return name;
  }
  keys(
    m: YAMLMap<Scalar, YamlNode>,
    allowed: readonly string[],
    what: string,
  ): Map<string, YamlNode> {
    const out = new Map<string, YamlNode>();
    for (const pair of m.items) {
      const k = pair.key;
      const name = isScalar(k) ? String(k.value) : "";
      if (!allowed.includes(name)) {
        const near = closest(name, allowed);
        this.fail(
          k as YamlNode,
          `Unknown key in ${what}: ${name} (${
            near ? `did you mean ${near}?` : `expected ${allowed.join(", ")}`
          })`,
        );
      }
      out.set(name, pair.value as YamlNode);
    }
    return out;
  }
}

/** The allowed word nearest to `s` (edit distance ≤ 2), for "did you mean". */
function closest(s: string, words: readonly string[]): string | undefined {
  let best: string | undefined, bestD = 3;
  for (const w of words) {
    const dd = editDistance(s.toLowerCase(), w.toLowerCase());
    if (dd < bestD) [best, bestD] = [w, dd];
  }
  return best;
}

function parseNumberSafe(s: string): bigint | undefined {
  try {
    return parseNumber(s);
  } catch {
    return undefined;
  }
}

function callId(name: string): number | undefined {
  return HYP_STUB_CALLS.get(name.trim().toUpperCase()) ?? parseCall(name);
}

// -------------------------------------------------------------------------------------------------
// Steps

/** One validated step: its report name, where it is, and what it does. */
interface Step {
  name: string;
  line: number;
  col: number;
  /** The step executes guest instructions. */
  runsGuest?: boolean;
  run(vm: Vm, t: ScenarioContext): void | Promise<void>;
}

const STEP_ACTIONS = [
  "call",
  "resume",
  "set",
  "get",
  "filter",
  "enable_cap",
  "mp_state",
  "load",
  "asm",
  "run",
  "uart",
  "write_u64",
  "read_u64",
  "page_state",
  "log",
] as const;
const STEP_MODIFIERS = [
  "name",
  "cpu",
  "expect",
  "errno",
  "args",
  "conduit",
  "smc",
  "imm",
  "bootargs",
  "initrd",
];
const MODIFIERS_OF: Record<string, string[]> = {
  call: ["args", "conduit", "smc", "imm", "cpu", "expect", "errno"],
  resume: ["cpu", "expect"],
  set: ["cpu", "errno"],
  get: ["cpu", "expect", "errno"],
  filter: ["errno"],
  enable_cap: ["errno"],
  mp_state: ["cpu", "errno"],
  load: ["bootargs", "initrd", "errno"],
  asm: ["bootargs"],
  run: ["expect"],
  uart: [],
  write_u64: [],
  read_u64: [],
  page_state: [],
  log: [],
};

const RETURN_CODES = [
  0n,
  ...Array.from({ length: 9 }, (_, i) => BigInt.asUintN(64, BigInt(-1 - i))),
];

/** An expected x0 given as what the shell prints ("NOT_SUPPORTED", "PSCI 1.3"). */
function decodedExpectation(fid: number, text: string): bigint | ((v: bigint) => boolean) {
  const want = text.trim().toUpperCase();
  const version = /^[A-Z]+ (\d+)\.(\d+)$/.exec(want);
  const candidates = version
    ? [BigInt((Number(version[1]) << 16) | Number(version[2])), ...RETURN_CODES]
    : RETURN_CODES;
  for (const v of candidates) {
    if (describeResult(fid, [v, 0n, 0n, 0n]).toUpperCase() === want) return v;
  }
  const f = (v: bigint) => describeResult(fid, [v, 0n, 0n, 0n]).toUpperCase() === want;
  return Object.assign(f, { expected: `what decodes as ${text}` });
}

const ERRNOS = Object.keys(ERRNO);

function stepName(action: string, text: string): string {
  return `${action} ${text}`.trim();
}

/** Build one step from its mapping node. */
function parseStep(r: Reader, node: YamlNode, file: string): Step {
  const m = r.map(node, "A step");
  const keys = r.keys(m, [...STEP_ACTIONS, ...STEP_MODIFIERS], "a step");
  const actions = STEP_ACTIONS.filter((a) => keys.has(a));
  if (actions.length !== 1) {
    r.fail(
      node,
      actions.length
        ? `A step has one action, this one has ${actions.join(" and ")}`
        : `A step needs an action: one of ${STEP_ACTIONS.join(", ")}`,
    );
  }
  const action = actions[0];
  for (const k of keys.keys()) {
    if (k !== action && k !== "name" && !MODIFIERS_OF[action].includes(k)) {
      const keyNode = m.items.find((p) => isScalar(p.key) && p.key.value === k)?.key as YamlNode;
      r.fail(
        keyNode,
        `${k} does not apply to a ${action} step (it takes ${
          MODIFIERS_OF[action].join(", ") || "no modifiers"
        })`,
      );
    }
  }
  const value = keys.get(action)!;
  const { line, col } = r.at(node);
  const cpu = keys.has("cpu") ? r.int(keys.get("cpu"), "cpu", 0, 511) : 0;
  const errnoNode = keys.get("errno");
  const errno = errnoNode ? r.string(errnoNode, "errno").toUpperCase() : undefined;
  if (errno && !ERRNOS.includes(errno)) {
    r.fail(errnoNode, `Unknown errno: ${errno} (${ERRNOS.join(", ")})`);
  }
  const title = keys.has("name") ? r.string(keys.get("name"), "name") : undefined;
  const expectNode = keys.get("expect");

  /** Wrap an operation that may be expected to fail with `errno`. */
  const guarded = (what: string, fn: () => void): () => void =>
    errno ? () => void expectErrno(fn, errno, what) : fn;

  switch (action) {
    case "call":
    case "resume": {
      let fid = 0, x: bigint[] = [];
      let conduit: "hvc" | "smc" = "hvc", imm = 0;
      if (action === "call") {
        const t = r.scalar(value, "call");
        fid = typeof t === "string" ? callId(t) ?? -1 : Number(r.u64(value, "call"));
        if (fid < 0 || fid > 0xffff_ffff) {
          r.fail(
            value,
            `Unknown call: ${String(t)} (a name such as PSCI_VERSION, or a function ID)`,
          );
        }
        const args = keys.get("args");
        x = args ? r.seq(args, "args").items.map((a, i) => r.u64(a, `args[${i}]`, true)) : [];
        if (x.length > 17) r.fail(args, "args sets x1..x17 at most");
        if (keys.has("conduit")) {
          const c = r.string(keys.get("conduit"), "conduit");
          if (c !== "hvc" && c !== "smc") r.fail(keys.get("conduit"), "conduit must be hvc or smc");
          conduit = c;
        }
        if (keys.has("smc") && r.bool(keys.get("smc"), "smc")) conduit = "smc";
        if (keys.has("imm")) imm = r.int(keys.get("imm"), "imm", 0, 0xffff);
      } else if (!isScalar(value) || (value.value !== true && value.value !== null)) {
        r.fail(value, "resume takes true (the vCPU is given by cpu:)");
      }
      const want = expectNode ? parseCallExpectation(r, expectNode, () => fid) : undefined;
      const callName = action === "call"
        ? (fid < 0x100 && HYP_STUB_NAMES_BY_ID.has(fid)
          ? HYP_STUB_NAMES_BY_ID.get(fid)!
          : fidName(fid))
        : "resume";
      const x0 = expectNode && isScalar(expectNode)
        ? expectNode.value
        : isMap(expectNode)
        ? expectNode.get("x0")
        : undefined;
      const shown = x0 === undefined || x0 === null
        ? ""
        : ` → ${typeof x0 === "bigint" ? short(BigInt.asUintN(64, x0)) : String(x0)}`;
      return {
        name: title ?? stepName(
          action === "call" ? `${conduit === "smc" ? "smc" : "call"}` : "resume",
          `${action === "call" ? callName : ""}${x.length ? `(${x.map(short).join(", ")})` : ""}${
            cpu ? ` on cpu ${cpu}` : ""
          }${shown}${errno ? ` fails with ${errno}` : ""}`,
        ),
        line,
        col,
        run(vm) {
          const go = () =>
            action === "call"
              ? vm.cpu(cpu).call({
                conduit,
                imm,
                x: [BigInt(fid), ...x, ...Array(Math.max(0, 7 - x.length)).fill(0n)],
              })
              : vm.cpu(cpu).resume();
          if (errno) return void expectErrno(go, errno, callName);
          const res = go();
          if (want) expectCall(res, want);
        },
      };
    }
    case "set": {
      const regs = [...r.map(value, "set").items].map((p) => ({
        reg: r.register(p.key),
        value: r.u64(p.value, `the value of ${String((p.key as Scalar).value)}`),
      }));
      return {
        name: title ??
          stepName(
            "set",
            `${regs.map((x) => `${x.reg} = ${short(x.value)}`).join(", ")}${
              cpu ? ` on cpu ${cpu}` : ""
            }${errno ? ` fails with ${errno}` : ""}`,
          ),
        line,
        col,
        run(vm) {
          for (const { reg, value } of regs) {
            guarded(`set ${reg}`, () => vm.cpu(cpu).setOneReg(reg, value))();
          }
        },
      };
    }
    case "get": {
      let regs: { reg: string; value: bigint }[];
      if (isScalar(value)) {
        if (!expectNode) {
          r.fail(value, "get REG needs expect: VALUE (or write get: { REG: VALUE })");
        }
        regs = [{ reg: r.register(value), value: r.u64(expectNode, "expect") }];
      } else {
        if (expectNode) {
          r.fail(
            expectNode,
            "expect does not apply to get: { REG: VALUE } (the values are the expectations)",
          );
        }
        regs = [...r.map(value, "get").items].map((p) => ({
          reg: r.register(p.key),
          value: r.u64(p.value, `the value of ${String((p.key as Scalar).value)}`),
        }));
      }
      return {
        name: title ??
          stepName(
            "get",
            `${regs.map((x) => `${x.reg} is ${short(x.value)}`).join(", ")}${
              cpu ? ` on cpu ${cpu}` : ""
            }`,
          ),
        line,
        col,
        run(vm) {
          for (const { reg, value } of regs) {
            guarded(`get ${reg}`, () => {
              const got = vm.cpu(cpu).getOneReg(reg);
              if (got !== value) {
                throw new ScenarioError(
                  `${reg.toUpperCase()} = ${hex64(got)}, expected ${hex64(value)}`,
                  value,
                  got,
                );
              }
            })();
          }
        },
      };
    }
    case "filter": {
      const f = r.keys(r.map(value, "filter"), ["base", "nr", "action"], "filter");
      if (!f.has("base") || !f.has("nr") || !f.has("action")) {
        r.fail(value, "filter needs base, nr and action");
      }
      const base = Number(r.u64(f.get("base"), "base", true) & 0xffff_ffffn);
      const nr = r.int(f.get("nr"), "nr", 0, 0xffff_ffff);
      const a = r.scalar(f.get("action"), "action");
      let act: FilterAction;
      if (typeof a === "string" && (FILTER_ACTION_NAMES as readonly string[]).includes(a)) {
        act = a as FilterAction;
      } else if (typeof a === "bigint" && a >= 0n && a < 256n) act = Number(a) as FilterAction;
      else r.fail(f.get("action"), `action must be ${FILTER_ACTION_NAMES.join(", ")} or a number`);
      return {
        name: title ??
          stepName(
            "filter",
            `${fidName(base)}+${nr} ${String(a)}${errno ? ` fails with ${errno}` : ""}`,
          ),
        line,
        col,
        run: (vm) => guarded("filter", () => vm.setSmcccFilter({ base, nr, action: act }))(),
      };
    }
    case "enable_cap": {
      const cap = r.string(value, "enable_cap");
      return {
        name: title ?? stepName("enable", `${cap}${errno ? ` fails with ${errno}` : ""}`),
        line,
        col,
        run: (vm) => guarded("enable_cap", () => vm.enableCap(cap))(),
      };
    }
    case "mp_state": {
      const states = ["RUNNABLE", "STOPPED", "SUSPENDED"];
      const check = isMap(value);
      const stNode = check
        ? r.keys(r.map(value, "mp_state"), ["expect"], "mp_state").get("expect")
        : value;
      const st = r.string(stNode, "mp_state").toUpperCase();
      if (!states.includes(st)) r.fail(stNode, `mp_state must be ${states.join(", ")}`);
      return {
        name: title ?? stepName("mp_state", `of cpu ${cpu} ${check ? "is" : "←"} ${st}`),
        line,
        col,
        run(vm) {
          if (!check) return guarded("mp_state", () => vm.cpu(cpu).setMpState(st as "STOPPED"))();
          const got = vm.cpu(cpu).mpState;
          if (got !== st) {
            throw new ScenarioError(`cpu ${cpu} mp_state = ${got}, expected ${st}`, st, got);
          }
        },
      };
    }
    case "load":
    case "asm": {
      const text = r.string(value, action);
      const bootargs = keys.has("bootargs")
        ? r.string(keys.get("bootargs"), "bootargs")
        : undefined;
      const rel = (p: string) => isAbsolute(p) ? p : join(dirname(file), p);
      const initrd = keys.has("initrd") ? rel(r.string(keys.get("initrd"), "initrd")) : undefined;
      let image: ReturnType<typeof assemble> | undefined;
      if (action === "asm") {
        try {
          image = assemble(text);
        } catch (e) {
          const err = e as Error & { line?: number };
          const base = r.at(value);
          r.fail(
            value,
            `assembly error${
              err.line
                ? ` on line ${err.line} of the source (file line ${base.line + err.line})`
                : ""
            }: ${err.message}`,
          );
        }
      }
      return {
        name: title ??
          (action === "load"
            ? `load ${text}`
            : `load assembly (${image!.bytes.length} bytes at ${short(image!.base)})`),
        line,
        col,
        async run(vm) {
          if (image) vm.load(image, { bootargs });
          else if (errno) {
            const e = await vm.load(rel(text), { bootargs, initrd }).then(
              () => undefined,
              (e) => e,
            );
            expectErrno(
              () => {
                if (e) throw e;
              },
              errno,
              "load",
            );
          } else await vm.load(rel(text), { bootargs, initrd });
        },
      };
    }
    case "run": {
      let max = 10_000_000, until: string | undefined;
      if (isScalar(value)) max = r.int(value, "run (the instruction budget)", 1);
      else {
        const o = r.keys(r.map(value, "run"), ["max_instructions", "until_uart"], "run");
        if (o.has("max_instructions")) {
          max = r.int(o.get("max_instructions"), "max_instructions", 1);
        }
        if (o.has("until_uart")) until = r.string(o.get("until_uart"), "until_uart");
      }
      const reasons: readonly string[] = RUN_REASONS;
      let want: { reason?: string; cpu?: number; uart?: string } = {};
      if (expectNode) {
        if (isScalar(expectNode)) want = { reason: r.string(expectNode, "expect") };
        else {
          const e = r.keys(
            r.map(expectNode, "expect"),
            ["reason", "cpu", "uart"],
            "the expect of run",
          );
          want = {
            reason: e.has("reason") ? r.string(e.get("reason"), "reason") : undefined,
            cpu: e.has("cpu") ? r.int(e.get("cpu"), "cpu", 0, 511) : undefined,
            uart: e.has("uart") ? r.string(e.get("uart"), "uart") : undefined,
          };
        }
        if (want.reason && !reasons.includes(want.reason)) {
          r.fail(expectNode, `Unknown stop reason: ${want.reason} (${reasons.join(", ")})`);
        }
      }
      return {
        name: title ??
          stepName(
            "run",
            `${
              until ? `until the UART shows ${JSON.stringify(until)}` : `up to ${max} instructions`
            }${want.reason ? ` → ${want.reason}` : ""}`,
          ),
        line,
        col,
        runsGuest: true,
        async run(vm) {
          const out = await runGuest(vm, { maxInstructions: max, untilUart: until });
          if (until && !out.matched) {
            throw new ScenarioError(
              `the UART never showed ${JSON.stringify(until)}: ${
                describeRun(out.run, out.instructions)
              }`,
            );
          }
          if (want.reason && out.run.reason !== (want.reason as RunReason)) {
            throw new ScenarioError(
              `the run stopped with ${out.run.reason} (${
                describeRun(out.run, out.instructions)
              }), expected ${want.reason}`,
              want.reason,
              out.run.reason,
            );
          }
          if (want.cpu !== undefined && out.run.cpu !== want.cpu) {
            throw new ScenarioError(
              `the run stopped on cpu ${out.run.cpu}, expected cpu ${want.cpu}`,
            );
          }
          if (want.uart !== undefined) checkUart(vm, { contains: want.uart });
        },
      };
    }
    case "uart": {
      let spec: { contains?: string; matches?: RegExp };
      if (isScalar(value)) spec = { contains: r.string(value, "uart") };
      else {
        const u = r.keys(r.map(value, "uart"), ["contains", "matches"], "uart");
        spec = {};
        if (u.has("contains")) spec.contains = r.string(u.get("contains"), "contains");
        if (u.has("matches")) {
          const src = r.string(u.get("matches"), "matches");
          try {
            spec.matches = new RegExp(src);
          } catch (e) {
            r.fail(
              u.get("matches"),
              `matches is not a valid regular expression: ${(e as Error).message}`,
            );
          }
        }
      }
      return {
        name: title ??
          `UART ${
            spec.contains !== undefined
              ? `contains ${JSON.stringify(spec.contains)}`
              : `matches ${spec.matches}`
          }`,
        line,
        col,
        run: (vm) => checkUart(vm, spec),
      };
    }
    case "write_u64":
    case "read_u64": {
      const pairs = [...r.map(value, action).items].map((p) => ({
        addr: r.u64(p.key, "an address"),
        value: r.u64(p.value, "the value"),
      }));
      return {
        name: title ??
          `${action === "write_u64" ? "write" : "read"} ${
            pairs.map((p) =>
              `${short(p.addr)} ${action === "write_u64" ? "←" : "is"} ${short(p.value)}`
            ).join(", ")
          }`,
        line,
        col,
        run(vm) {
          for (const p of pairs) {
            if (action === "write_u64") vm.memory.writeU64(p.addr, p.value);
            else {
              const got = vm.memory.readU64(p.addr);
              if (got !== p.value) {
                throw new ScenarioError(
                  `memory at ${hex64(p.addr)} = ${hex64(got)}, expected ${hex64(p.value)}`,
                  p.value,
                  got,
                );
              }
            }
          }
        },
      };
    }
    case "page_state": {
      const pairs = [...r.map(value, "page_state").items].map((p) => ({
        ipa: r.u64(p.key, "an IPA"),
        state: r.string(p.value, "the page state"),
      }));
      return {
        name: title ?? `page ${pairs.map((p) => `${short(p.ipa)} is ${p.state}`).join(", ")}`,
        line,
        col,
        run(vm) {
          for (const p of pairs) {
            const got = vm.pkvm.pageState(p.ipa);
            if (got !== p.state) {
              throw new ScenarioError(
                `page ${hex64(p.ipa)} is ${got}, expected ${p.state}`,
                p.state,
                got,
              );
            }
          }
        },
      };
    }
    case "log": {
      const text = r.string(value, "log");
      return { name: title ?? `log`, line, col, run: (_vm, t) => t.log(text) };
    }
  }
  return r.fail(node, `Unhandled step: ${action}`);
}

const HYP_STUB_NAMES_BY_ID = new Map([...HYP_STUB_CALLS].map(([n, id]) => [id, n]));

function short(v: bigint): string {
  return v > 0xffff_ffff_0000_0000n ? `-${(2n ** 64n - v).toString()}` : `0x${v.toString(16)}`;
}

function checkUart(vm: Vm, spec: { contains?: string; matches?: RegExp }): void {
  const out = guestVm(vm).uart.text();
  const tail = out.length > 400 ? "…" + out.slice(-400) : out;
  if (spec.contains !== undefined && !out.includes(spec.contains)) {
    throw new ScenarioError(
      `the UART output does not contain ${JSON.stringify(spec.contains)}; it is: ${
        JSON.stringify(tail)
      }`,
    );
  }
  if (spec.matches && !spec.matches.test(out)) {
    throw new ScenarioError(
      `the UART output does not match ${spec.matches}; it is: ${JSON.stringify(tail)}`,
    );
  }
}

/** The expectation of a call: a value for x0, or a mapping of x0..x3, exit, blocked. */
function parseCallExpectation(r: Reader, node: YamlNode, fid: () => number): CallExpectation {
  const reg = (n: YamlNode | undefined, what: string, decodable: boolean) => {
    const v = r.scalar(n, what);
    if (decodable && typeof v === "string" && parseNumberSafe(v) === undefined) {
      return decodedExpectation(fid(), v);
    }
    return r.u64(n, what);
  };
  if (isScalar(node)) return { x0: reg(node, "expect", true) };
  const e = r.keys(r.map(node, "expect"), ["x0", "x1", "x2", "x3", "exit", "blocked"], "expect");
  const out: CallExpectation = {};
  for (const k of ["x0", "x1", "x2", "x3"] as const) {
    if (e.has(k)) out[k] = reg(e.get(k), k, k === "x0");
  }
  if (e.has("blocked")) {
    const b = r.scalar(e.get("blocked"), "blocked");
    if (b !== false && b !== "stopped" && b !== "wfi") {
      r.fail(e.get("blocked"), "blocked must be stopped, wfi or false");
    }
    out.blocked = b as "stopped" | "wfi" | false;
  }
  if (e.has("exit")) {
    const x = e.get("exit");
    if (isScalar(x) && (x.value === null || x.value === false || x.value === "none")) {
      out.exit = null;
    } else {
      const f = r.keys(r.map(x, "exit"), ["reason", "type", "nr", "smc", "data"], "exit");
      const exit: NonNullable<CallExpectation["exit"]> = {};
      if (f.has("reason")) {
        const reason = r.string(f.get("reason"), "reason");
        if (reason !== "hypercall" && reason !== "system_event") {
          r.fail(f.get("reason"), "reason must be hypercall or system_event");
        }
        exit.reason = reason;
      }
      if (f.has("type")) exit.type = r.string(f.get("type"), "type").toUpperCase();
      if (f.has("nr")) exit.nr = Number(r.u64(f.get("nr"), "nr", true));
      if (f.has("smc")) exit.smc = r.bool(f.get("smc"), "smc");
      if (f.has("data")) {
        exit.data = r.seq(f.get("data"), "data").items.map((d, i) => r.u64(d, `data[${i}]`));
      }
      out.exit = exit;
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------------
// Scenarios

const SCENARIO_KEYS = ["name", "vm", "tags", "skip", "steps"];
const VM_KEYS = [
  "cpus",
  "memory",
  "kernel",
  "protected",
  "psci02",
  "hyp",
  "vhe",
  "hvhe",
  "gic",
  "trng_seed",
  "host",
];
const HOST_KEYS = ["spectreV2", "spectreV4", "spectreBhb", "ssbs", "clocksource"];

function parseVm(r: Reader, node: YamlNode): VmOptions {
  const k = r.keys(r.map(node, "vm"), VM_KEYS, "vm");
  const o: VmOptions = {};
  if (k.has("cpus")) o.cpus = r.int(k.get("cpus"), "cpus", 1, 512);
  if (k.has("memory")) o.memoryMiB = r.int(k.get("memory"), "memory (MiB)", 1, 65536);
  if (k.has("kernel")) {
    const kn = k.get("kernel");
    const v = String(r.scalar(kn, "kernel"));
    if (!(KERNELS as readonly string[]).includes(v)) {
      r.fail(kn, `Unknown kernel: ${v} (${KERNELS.join(", ")}; quote versions: "6.1")`);
    }
    o.kernel = v;
  }
  for (const b of ["protected", "psci02", "vhe", "hvhe"] as const) {
    if (k.has(b)) o[b] = r.bool(k.get(b), b);
  }
  if (k.has("hyp")) {
    const h = r.string(k.get("hyp"), "hyp");
    if (!(HYP_MODES as readonly string[]).includes(h)) {
      r.fail(k.get("hyp"), `hyp must be ${HYP_MODES.join(", ")}`);
    }
    o.hyp = h as VmOptions["hyp"];
  }
  if (k.has("gic")) o.gic = r.int(k.get("gic"), "gic", 2, 3) as 2 | 3;
  if (k.has("trng_seed")) o.trngSeed = r.u64(k.get("trng_seed"), "trng_seed");
  if (k.has("host")) {
    const h = r.keys(r.map(k.get("host"), "host"), HOST_KEYS, "host");
    const host: Record<string, unknown> = {};
    for (const [key, n] of h) {
      if (key === "ssbs") host.ssbs = r.bool(n, key);
      else if (key === "clocksource") host.clocksource = r.string(n, key);
      else {
        const s = r.string(n, key);
        if (!["vulnerable", "mitigated", "unaffected"].includes(s)) {
          r.fail(n, `${key} must be vulnerable, mitigated or unaffected`);
        }
        host[key] = s;
      }
    }
    o.host = host;
  }
  return o;
}

function parseScenario(r: Reader, node: YamlNode, file: string, defaults: VmOptions): ScenarioDef {
  const k = r.keys(r.map(node, "A scenario"), SCENARIO_KEYS, "a scenario");
  if (!k.has("name")) r.fail(node, "A scenario needs a name");
  if (!k.has("steps")) r.fail(node, "A scenario needs steps");
  const name = r.string(k.get("name"), "name");
  const vm = k.has("vm") ? { ...defaults, ...parseVm(r, k.get("vm")!) } : defaults;
  const tags = k.has("tags")
    ? r.seq(k.get("tags"), "tags").items.map((t) => r.string(t, "a tag"))
    : [];
  let skip: boolean | string = false;
  if (k.has("skip")) {
    const s = r.scalar(k.get("skip"), "skip");
    if (typeof s !== "boolean" && typeof s !== "string") {
      r.fail(k.get("skip"), "skip must be true, false or a reason");
    }
    skip = s;
  }
  const stepsNode = r.seq(k.get("steps"), "steps");
  if (stepsNode.items.length === 0) r.fail(stepsNode, "steps is empty");
  const steps = stepsNode.items.map((s) => parseStep(r, s, file));
  // Scenarios that run guest code wait for the machine, saying so (they start running when it can).
  if (!skip && steps.some((s) => s.runsGuest) && !machineCanRun()) skip = MACHINE_PENDING;
  return {
    name,
    options: { tags, skip },
    file,
    fn: async (t: ScenarioContext) => {
      const machine = t.vm(vm);
      for (const s of steps) {
        try {
          await t.step(s.name, () => s.run(machine, t));
        } catch (e) {
          const err = e as Error;
          if (err && typeof err === "object" && typeof err.message === "string") {
            err.message = `${err.message} (${file}:${s.line}:${s.col})`;
          }
          throw err;
        }
      }
    },
  };
}

/** Parse and validate YAML scenario source; `file` is used in messages and for relative paths. */
export function parseYamlScenarios(src: string, file: string): ScenarioDef[] {
  const lines = new LineCounter();
  const r = new Reader(file, lines);
  const docs = parseAllDocuments(src, {
    intAsBigInt: true,
    lineCounter: lines,
    prettyErrors: false,
  }) as
    | Document.Parsed[]
    | { empty: true };
  if (!Array.isArray(docs)) {
    throw new YamlScenarioError(file, 1, 1, "The file is empty: expected a scenario");
  }
  const out: ScenarioDef[] = [];
  for (const doc of docs) {
    const bad = doc.errors[0];
    if (bad) {
      const p = bad.linePos?.[0] ?? lines.linePos(bad.pos[0]);
      const msg = bad.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      throw new YamlScenarioError(file, p.line, p.col, `YAML syntax error: ${msg}`);
    }
    const root = doc.contents as YamlNode | null;
    if (!root) continue;
    const top = r.map(root, "A scenario file");
    if (top.items.some((p) => isScalar(p.key) && p.key.value === "scenarios")) {
      const k = r.keys(top, ["scenarios", "vm"], "the file");
      const defaults = k.has("vm") ? parseVm(r, k.get("vm")!) : {};
      const list = r.seq(k.get("scenarios"), "scenarios");
      for (const s of list.items) out.push(parseScenario(r, s, file, defaults));
    } else {
      out.push(parseScenario(r, root, file, {}));
    }
  }
  if (out.length === 0) {
    const empty = src.replace(/#.*$/gm, "").trim() === "";
    throw new YamlScenarioError(
      file,
      1,
      1,
      empty
        ? "The file is empty: expected a scenario (name: and steps:)"
        : "No scenarios in the file",
    );
  }
  return out;
}
