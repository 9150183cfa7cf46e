/**
 * Parsing what users type for registers and call arguments: numbers in hex,
 * decimal or binary with `_` separators, negative numbers as two's
 * complement, and call names where a function ID is expected.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseU64 } from "./values.ts";
 * assert(parseU64("0x4008_0000") === 0x40080000n);
 * assert(parseU64("-1") === 0xffffffffffffffffn);
 * assert(parseU64("PSCI_CPU_ON64", "argument", { calls: true }) === 0xc4000003n);
 * ```
 *
 * @module
 */

import { FW_REGS, HYP_STUB_NAMES, parseCall } from "../hyp/mod.ts";
import { SYSREGS } from "../machine/sysregs.ts";

/** Bad input from the user: the CLI exits with the usage code (2), the REPL prints one line. */
export class UsageError extends Error {
  /** A sentence-case message with the detail after a colon. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const NUMBER = /^(-)?(0x[0-9a-f_]+|0b[01_]+|0o[0-7_]+|[0-9][0-9_]*)$/i;

/**
 * Parse a number as an unsigned 64-bit value, or undefined when `text` is not
 * a number. Negative values wrap to two's complement; values that do not fit
 * 64 bits are an error.
 */
export function parseNumber(text: string, what = "value"): bigint | undefined {
  const t = text.trim();
  const m = NUMBER.exec(t);
  if (!m || m[2].endsWith("_")) return undefined;
  const v = BigInt(m[2].replace(/_/g, ""));
  const signed = m[1] ? -v : v;
  if (signed < -(1n << 63n) || signed > 0xffff_ffff_ffff_ffffn) {
    throw new UsageError(`Invalid ${what}: ${text} does not fit in 64 bits`);
  }
  return BigInt.asUintN(64, signed);
}

/** The hyp-stub ABI calls by name (HVC_SET_VECTORS...), which are small x0 values, not SMCCC IDs. */
export const HYP_STUB_CALLS: ReadonlyMap<string, number> = new Map(
  Object.entries(HYP_STUB_NAMES).map(([n, name]) => [name, Number(n)]),
);

/** Resolve a call given by name or number to the value of x0 (an SMCCC function ID or a hyp-stub number). */
export function parseCallId(text: string): number {
  const stub = HYP_STUB_CALLS.get(text.trim().toUpperCase());
  if (stub !== undefined) return stub;
  const fid = parseCall(text);
  if (fid === undefined) {
    throw new UsageError(
      `Unknown call: ${text} (a name such as PSCI_VERSION, or a 32-bit function ID; \`calls\` lists them)`,
    );
  }
  return fid;
}

/**
 * Parse a 64-bit value: a number, or with `calls: true` also a call name
 * (so `call PSCI_FEATURES CPU_ON64` works).
 */
export function parseU64(text: string, what = "value", opts: { calls?: boolean } = {}): bigint {
  const n = parseNumber(text, what);
  if (n !== undefined) return n;
  if (opts.calls) {
    const fid = parseCall(text);
    if (fid !== undefined) return BigInt(fid);
  }
  throw new UsageError(
    `Invalid ${what}: ${text} (expected a number such as 0x10, 16 or -1${
      opts.calls ? ", or a call name" : ""
    })`,
  );
}

/** Parse a non-negative safe integer (counts, sizes, indices). */
export function parseCount(text: string, what: string, min = 0): number {
  const t = text.trim().replace(/_/g, "");
  let n: number;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) n = Number(t);
  else if (/^\d+(\.\d+)?e\d+$/i.test(t)) n = Number(t);
  else n = NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`Invalid ${what}: ${text} (expected an integer ≥ ${min})`);
  }
  return n;
}

/** Split `REG=VALUE` (the `--set` option). */
export function parseAssignment(text: string): { reg: string; value: bigint } {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`Invalid --set: ${text} (expected REG=VALUE, e.g. STD_BMAP=0)`);
  const reg = text.slice(0, eq).trim();
  return { reg, value: parseU64(text.slice(eq + 1), `value for ${reg}`) };
}

/**
 * Split a command line into words as a POSIX shell does: whitespace
 * separates, single and double quotes group, a backslash escapes the next
 * character (inside double quotes only `"` and `\`).
 */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = "", quote = "", any = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = "";
      else if (c === "\\" && quote === '"' && (line[i + 1] === '"' || line[i + 1] === "\\")) {
        cur += line[++i];
      } else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      any = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      any = true;
    } else if (/\s/.test(c)) {
      if (cur || any) out.push(cur);
      cur = "";
      any = false;
    } else {
      cur += c;
    }
  }
  if (quote) throw new UsageError(`Unterminated quote: ${line.trim()}`);
  if (cur || any) out.push(cur);
  return out;
}

/** The core registers of ONE_REG by name (struct kvm_regs). */
export const CORE_REGS: readonly string[] = [
  ...Array.from({ length: 31 }, (_, n) => `X${n}`),
  "SP",
  "PC",
  "PSTATE",
  "SP_EL1",
  "ELR_EL1",
  "SPSR_EL1",
  "SPSR_ABT",
  "SPSR_UND",
  "SPSR_IRQ",
  "SPSR_FIQ",
  ...Array.from({ length: 32 }, (_, n) => `V${n}`),
  "FPSR",
  "FPCR",
];

let regNames: Set<string> | undefined;

/**
 * Whether `name` names a register in some configuration (core, firmware
 * full or short name, system register), case-insensitively. Whether the VM
 * at hand has it is for KVM_GET/SET_ONE_REG to say.
 */
export function isRegisterName(name: string): boolean {
  regNames ??= new Set([
    ...CORE_REGS,
    ...FW_REGS.flatMap((r) => [r.name, r.short]),
    ...SYSREGS.map((d) => d.name),
  ]);
  return regNames.has(name.trim().toUpperCase());
}
