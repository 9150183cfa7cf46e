/**
 * Formatting for the shell: 64-bit hex, decoded call results, trace lines,
 * and colour that appears only on a TTY and never with NO_COLOR.
 *
 * @module
 */

import { describeResult, fidName, type TraceEntry } from "../hyp/mod.ts";

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
  return `#${e.seq} cpu${e.cpu} EL${e.el} ${e.conduit} ${e.name}(${args}) → x0 = ${decoded(e.fid, e.result)} [${via}]${out}`;
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

const code = (open: number, close: number) => (s: string) => useColour() ? `\x1b[${open}m${s}\x1b[${close}m` : s;

/** ANSI styles, no-ops when colour is off. */
export const style = {
  bold: code(1, 22),
  dim: code(2, 22),
  red: code(31, 39),
  green: code(32, 39),
  yellow: code(33, 39),
  cyan: code(36, 39),
};
