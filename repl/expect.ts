/**
 * Assertions for hypervisor scenarios. Failures are `ScenarioError`s whose
 * messages decode the values: call names, 64-bit hex, return codes by name.
 *
 * @example
 * ```ts
 * import { createVm, PSCI } from "../mod.ts";
 * import { expectCall } from "./expect.ts";
 * const vm = createVm({ memoryMiB: 8 });
 * expectCall(vm.cpu(0).hvc(PSCI.VERSION), { x0: 0x10003n });
 * ```
 *
 * @module
 */

import { describeResult, fidName, type KvmError, type VcpuExit } from "../hyp/mod.ts";
import type { CallResult, Vcpu, Vm } from "../machine/mod.ts";
import { decoded, hex64 } from "./format.ts";

/** A failed expectation in a scenario, with the expected and actual values. */
export class ScenarioError extends Error {
  /** The message says what differed; `expected` and `actual` carry the values. */
  constructor(message: string, readonly expected?: unknown, readonly actual?: unknown) {
    super(message);
    this.name = "ScenarioError";
  }
}

/** A register value to expect: exact bigint/number, or a predicate. */
export type Expected = bigint | number | ((v: bigint) => boolean);

/** What a call should return. */
export interface CallExpectation {
  /** X0 after the call. */
  x0?: Expected;
  /** X1 after the call. */
  x1?: Expected;
  /** X2 after the call. */
  x2?: Expected;
  /** X3 after the call. */
  x3?: Expected;
  /** The exit (fields given must match), or null for "no exit". */
  exit?: Partial<{ reason: string; type: string; nr: number; smc: boolean; data: bigint[] }> | null;
  /** Blocked state: "stopped", "wfi", or false for not blocked. */
  blocked?: "stopped" | "wfi" | false;
}

function matches(v: bigint, e: Expected): boolean {
  if (typeof e === "function") return e(v);
  return BigInt.asUintN(64, BigInt(e)) === v;
}

function show(fid: number, x: readonly bigint[], n: number, e: Expected): string {
  if (typeof e === "function") {
    return (e as { expected?: string }).expected ??
      `a value satisfying ${e.name || "the predicate"}`;
  }
  const want = BigInt.asUintN(64, BigInt(e));
  const copy = [...x];
  copy[n] = want;
  return n === 0 ? decoded(fid, copy) : hex64(want);
}

/**
 * Expect a call result. A bare value means `{ x0: value }`.
 */
export function expectCall(r: CallResult, want: Expected | CallExpectation, msg?: string): void {
  const exp: CallExpectation = typeof want === "object" && want !== null
    ? want as CallExpectation
    : { x0: want as Expected };
  const name = fidName(r.fid);
  const x = r.x;
  const prefix = msg ? `${msg}: ` : "";
  (["x0", "x1", "x2", "x3"] as const).forEach((k, n) => {
    const e = exp[k];
    if (e !== undefined && !matches(x[n], e)) {
      throw new ScenarioError(
        `${prefix}${name} returned ${k} = ${n === 0 ? decoded(r.fid, x) : hex64(x[n])}, expected ${
          show(r.fid, x, n, e)
        }`,
        e,
        x[n],
      );
    }
  });
  if (exp.exit !== undefined) checkExit(r.exit, exp.exit, `${prefix}${name}`);
  if (exp.blocked !== undefined) {
    const got = r.blocked ?? false;
    if (got !== exp.blocked) {
      throw new ScenarioError(
        `${prefix}${name}: vCPU blocked = ${got}, expected ${exp.blocked}`,
        exp.blocked,
        got,
      );
    }
  }
}

function checkExit(got: VcpuExit | null, want: CallExpectation["exit"], what: string): void {
  if (want === null) {
    if (got) throw new ScenarioError(`${what}: unexpected ${describeExit(got)}`, null, got);
    return;
  }
  if (!got) {
    throw new ScenarioError(
      `${what}: expected an exit (${JSON.stringify(want)}), the call stayed in the kernel model`,
    );
  }
  const flat: Record<string, unknown> = {
    ...got,
    ...("flags" in got ? { smc: got.flags.smc } : {}),
  };
  for (const [k, v] of Object.entries(want ?? {})) {
    const a = flat[k];
    const same = Array.isArray(v) ? JSON.stringify(v, big) === JSON.stringify(a, big) : a === v;
    if (!same) {
      throw new ScenarioError(
        `${what}: ${describeExit(got)}; expected ${k} = ${JSON.stringify(v, big)}`,
        v,
        a,
      );
    }
  }
}

const big = (_k: string, v: unknown) => typeof v === "bigint" ? `0x${v.toString(16)}` : v;

/** "system_event SHUTDOWN data [0x1]" / "hypercall exit nr PSCI_VERSION (hvc)". */
export function describeExit(e: VcpuExit): string {
  if (e.reason === "hypercall") {
    return `hypercall exit nr ${fidName(e.nr)} (${e.flags.smc ? "smc" : "hvc"})`;
  }
  return `system_event ${e.type} data [${e.data.map((d) => `0x${d.toString(16)}`).join(", ")}]`;
}

/** Expect `fn` to throw a KvmError with `errno`; returns the error. */
export function expectErrno(fn: () => unknown, errno: string, msg?: string): KvmError {
  try {
    fn();
  } catch (e) {
    const err = e as KvmError;
    if (err?.name === "KvmError" && err.errno === errno) return err;
    throw new ScenarioError(
      `${msg ? msg + ": " : ""}expected ${errno}, got ${err?.name ?? typeof e}: ${
        err?.message ?? e
      }`,
      errno,
      err,
    );
  }
  throw new ScenarioError(
    `${msg ? msg + ": " : ""}expected ${errno}, but the operation succeeded`,
    errno,
    undefined,
  );
}

/** Expect a ONE_REG register (name or id) of a vCPU or VM to hold `value`. */
export function expectReg(
  target: Vcpu | Vm,
  reg: string | bigint,
  value: Expected,
  msg?: string,
): void {
  const got = target.getOneReg(reg);
  if (!matches(got, value)) {
    const name = typeof reg === "bigint" ? `0x${reg.toString(16)}` : reg;
    throw new ScenarioError(
      `${msg ? msg + ": " : ""}${name} = ${hex64(got)}, expected ${
        typeof value === "function" ? "a matching value" : hex64(BigInt(value))
      }`,
      value,
      got,
    );
  }
}

/** Expect two values to be equal (deep, bigint-aware). */
export function expectEqual<T>(actual: T, expected: T, what = "value"): void {
  const a = JSON.stringify(actual, big), e = JSON.stringify(expected, big);
  if (a !== e) throw new ScenarioError(`${what} = ${a}, expected ${e}`, expected, actual);
}

/** Expect the guest's UART output so far to contain `text` (or match a RegExp). */
export function expectUart(vm: { uart: { text(): string } }, text: string | RegExp): void {
  const out = vm.uart.text();
  const ok = typeof text === "string" ? out.includes(text) : text.test(out);
  if (!ok) {
    const tail = out.length > 400 ? "…" + out.slice(-400) : out;
    throw new ScenarioError(
      `UART output does not ${typeof text === "string" ? "contain" : "match"} ${
        JSON.stringify(String(text))
      }; it is:\n${tail}`,
      text,
      out,
    );
  }
}

/** Describe a result as the REPL prints it: "x0 = 0x0000000000010003  PSCI 1.3". */
export function describeCall(r: CallResult): string {
  const d = describeResult(r.fid, r.x);
  return `x0 = ${hex64(r.x0)}${d ? `  ${d}` : ""}`;
}
