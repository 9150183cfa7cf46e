/**
 * Formatting for the shell: 64-bit hex, decoded call results, trace lines,
 * and colour that appears only on a TTY and never with NO_COLOR.
 *
 * @module
 */

import { describeResult, fidName, type TraceEntry, type VcpuExit } from "../hyp/mod.ts";

/** A 64-bit value as 0x + 16 hex digits. */
export function hex64(v: bigint | number): string {
  return `0x${BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, "0")}`;
}

/** A value as short hex (0x10003). */
export function hex(v: bigint | number): string {
  const b = typeof v === "bigint" ? v : BigInt(v);
  return b < 0n ? `-0x${(-b).toString(16)}` : `0x${b.toString(16)}`;
}

/** "0x0000000000010003 (PSCI 1.3)" for X0 of call `fid`. */
export function decoded(fid: number, x: readonly bigint[], n = 0): string {
  const d = n === 0 ? describeResult(fid, x) : "";
  return d ? `${hex64(x[n])} (${d})` : hex64(x[n]);
}

/** One trace entry as a line: "#12 cpu0 hvc PSCI_VERSION(…) → x0 = 0x… (PSCI 1.3) [service psci]". */
export function traceLine(e: TraceEntry): string {
  const args = e.args.map((a) => hex(a)).join(", ");
  const via = e.route === "service" ? e.service : e.route;
  const out = e.outcome === "continue" ? "" : ` ${e.outcome}`;
  return `#${e.seq} cpu${e.cpu} EL${e.el} ${e.conduit} ${e.name}(${args}) → x0 = ${
    decoded(e.fid, e.result)
  } [${via}]${out}`;
}

/** The name of a function ID, for messages. */
export const callName = fidName;

let colourOn: boolean | undefined;

/** Whether to colour output: a terminal, and NO_COLOR not set. */
export function useColour(): boolean {
  if (colourOn === undefined) {
    let tty = false;
    try {
      tty = Deno.stdout.isTerminal();
    } catch {
      tty = false;
    }
    colourOn = tty && !Deno.noColor;
  }
  return colourOn;
}

/** Force colour on or off (tests). */
export function setColour(on: boolean | undefined): void {
  colourOn = on;
}

const code = (open: number, close: number) => (s: string) =>
  useColour() ? `\x1b[${open}m${s}\x1b[${close}m` : s;

/** ANSI styles, no-ops when colour is off. */
export const style = {
  bold: code(1, 22),
  dim: code(2, 22),
  red: code(31, 39),
  green: code(32, 39),
  yellow: code(33, 39),
  cyan: code(36, 39),
};

/** What {@link formatCall} needs from a call result (a `CallResult`). */
export interface CallOutcome {
  /** The function ID that was called. */
  readonly fid: number;
  /** X0..X3 after the call. */
  readonly x: readonly bigint[];
  /** The exit to the VMM, if the call left the kernel model. */
  readonly exit: VcpuExit | null;
  /** Set when the vCPU is blocked in the hypervisor. */
  readonly blocked?: "stopped" | "wfi";
  /** Set when the call raised an exception in the guest. */
  readonly exception?: { el: number; esr: number; vector: bigint };
}

/**
 * A call result as the shell prints it: `x0 = 0x0000000000010003  PSCI 1.3`,
 * then x1..x3 when any is nonzero, then the exit, block or exception.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { formatCall } from "./format.ts";
 * const r = { fid: 0x84000000, x: [0x10001n, 0n, 0n, 0n], exit: null };
 * assert(formatCall(r) === "x0 = 0x0000000000010001  PSCI 1.1");
 * ```
 */
export function formatCall(r: CallOutcome, opts: { stub?: boolean } = {}): string {
  const d = describeResult(r.fid, r.x, opts);
  const lines = [`x0 = ${hex64(r.x[0])}${d ? `  ${style.cyan(d)}` : ""}`];
  if (r.x.slice(1, 4).some((v) => v !== 0n)) {
    for (let n = 1; n < 4; n++) lines.push(`x${n} = ${hex64(r.x[n])}`);
  }
  if (r.exit) lines.push(style.yellow(`exit: ${describeVcpuExit(r.exit)}`));
  if (r.blocked) {
    lines.push(style.yellow(
      `vCPU blocked: ${
        r.blocked === "stopped" ? "stopped (off until PSCI CPU_ON)" : "in WFI until an event"
      }`,
    ));
  }
  if (r.exception) {
    lines.push(style.yellow(
      `exception: taken to EL${r.exception.el}, ESR 0x${
        (r.exception.esr >>> 0).toString(16)
      }, vector ${hex64(r.exception.vector)}`,
    ));
  }
  return lines.join("\n");
}

/** "system_event SHUTDOWN data [0x0]" / "hypercall to the VMM: nr 0xc6000040 KVM_... (hvc)". */
export function describeVcpuExit(e: VcpuExit): string {
  if (e.reason === "hypercall") {
    return `hypercall to the VMM: nr ${hex(e.nr)} ${fidName(e.nr)} (${
      e.flags.smc ? "smc" : "hvc"
    }, imm ${e.flags.imm16})`;
  }
  return `system_event ${e.type} data [${e.data.map((d) => hex(d)).join(", ")}]`;
}

/**
 * What a firmware register value means (seed 003 fw-pseudo-registers.rst;
 * uapi asm/kvm.h KVM_REG_ARM_*), for `regs`: "PSCI 1.3", "AVAIL",
 * "TRNG_V1_0", "FUNC_FEAT | PTP".
 */
export function describeFwReg(name: string, v: bigint): string {
  const n = name.replace(/^KVM_REG_ARM_/, "");
  const bits = (names: string[]) => {
    const on = names.filter((_, i) => (v >> BigInt(i)) & 1n);
    return on.length ? on.join(" | ") : "none";
  };
  switch (n) {
    case "PSCI_VERSION":
      return `PSCI ${(v >> 16n) & 0xffffn}.${v & 0xffffn}`;
    case "SMCCC_ARCH_WORKAROUND_1":
    case "SMCCC_ARCH_WORKAROUND_3":
      return [`NOT_AVAIL`, `AVAIL`, `NOT_REQUIRED`][Number(v)] ?? "";
    case "SMCCC_ARCH_WORKAROUND_2": {
      const level = ["NOT_AVAIL", "UNKNOWN", "AVAIL", "NOT_REQUIRED"][Number(v & 0xfn)] ?? "";
      return level && v & 0x10n ? `${level} | ENABLED` : level;
    }
    case "STD_BMAP":
      return bits(["TRNG_V1_0"]);
    case "STD_HYP_BMAP":
      return bits(["PV_TIME"]);
    case "VENDOR_HYP_BMAP":
      return bits(["FUNC_FEAT", "PTP"]);
    case "VENDOR_HYP_BMAP_2":
      return bits(["DISCOVER_IMPL_VER", "DISCOVER_IMPL_CPUS"]);
  }
  return "";
}

/** An error as one line: "KvmError: KVM_SET_ONE_REG failed with EBUSY: ...". */
export function errorLine(e: unknown): string {
  if (e instanceof Error || (e && typeof e === "object" && "message" in e)) {
    const err = e as Error;
    const msg = String(err.message ?? "").split("\n")[0];
    // Usage errors speak for themselves; typed errors (KvmError, GuestError...) say what they are.
    const plainNames = ["Error", "UsageError", "InvalidArgumentError", "CommanderError"];
    const name = err.name && !plainNames.includes(err.name) ? `${err.name}: ` : "";
    return `${name}${msg}`;
  }
  return `Uncaught ${typeof e === "string" ? e : Deno.inspect(e)}`;
}

/**
 * A one-line progress indicator for long runs: drawn on stderr only when
 * stderr is a terminal, and only once the run has taken `delayMs`.
 */
export class Progress {
  private readonly start = performance.now();
  private shown = false;
  private last = 0;
  private readonly tty: boolean;
  private readonly enc = new TextEncoder();
  private readonly write: (bytes: Uint8Array) => void;

  /** `tty` and `write` default to stderr and whether it is a terminal (tests pass their own). */
  constructor(
    private readonly delayMs = 1000,
    tty?: boolean,
    write?: (bytes: Uint8Array) => void,
  ) {
    let t = false;
    try {
      t = Deno.stderr.isTerminal();
    } catch {
      t = false;
    }
    this.tty = tty ?? t;
    this.write = write ?? ((b) => void Deno.stderr.writeSync(b));
  }

  /** Show `text` (throttled to 10 updates a second). */
  update(text: string): void {
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.start < this.delayMs || now - this.last < 100) return;
    this.last = now;
    this.shown = true;
    const cols = (() => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 80;
      }
    })();
    this.write(this.enc.encode(`\r\x1b[2K${text.slice(0, cols - 1)}`));
  }

  /** Erase the line (before printing a result, and at the end). */
  clear(): void {
    if (this.shown) this.write(this.enc.encode("\r\x1b[2K"));
    this.shown = false;
  }
}
