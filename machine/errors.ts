/**
 * Typed errors of the emulated machine (design.md "Errors are typed").
 *
 * @module
 */

/** What went wrong in the guest. */
export type GuestErrorKind =
  | "undef"
  | "abort"
  | "exception_loop"
  | "limit"
  | "halted"
  | "mmio_nisv";

/**
 * A guest failure the machine cannot or should not continue past: an
 * undefined instruction or abort with no usable handler (an exception taken
 * at its own vector), a runaway guest past its instruction budget.
 * Names PC, EL, ESR and the disassembled instruction.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { GuestError } from "./errors.ts";
 * const e = new GuestError("undef", { cpu: 0, pc: 0x40080000n, el: 1, esr: 0x2000000, insn: 0, disasm: "udf #0" });
 * assert(e.message.includes("0x0000000040080000"));
 * ```
 */
export class GuestError extends Error {
  declare readonly cpu: number;
  declare readonly pc: bigint;
  declare readonly el: number;
  declare readonly esr: number;
  declare readonly insn: number | undefined;
  declare readonly disasm: string | undefined;
  declare readonly far: bigint | undefined;

  constructor(
    readonly kind: GuestErrorKind,
    info: {
      cpu: number;
      pc: bigint;
      el: number;
      esr?: number;
      insn?: number;
      disasm?: string;
      far?: bigint;
      detail?: string;
    },
  ) {
    const hex = (v: bigint) => `0x${v.toString(16).padStart(16, "0")}`;
    const what = {
      undef: "Undefined instruction",
      abort: "Abort",
      exception_loop: "Exception loop",
      limit: "Instruction limit reached",
      halted: "All vCPUs halted",
      mmio_nisv: "KVM_RUN failed with ENOSYS (MMIO access KVM cannot emulate)",
    }[kind];
    const parts = [`cpu ${info.cpu}`, `pc ${hex(info.pc)}`, `EL${info.el}`];
    if (info.esr !== undefined) parts.push(`ESR 0x${(info.esr >>> 0).toString(16)}`);
    if (info.far !== undefined) parts.push(`FAR ${hex(info.far)}`);
    if (info.insn !== undefined) {
      parts.push(
        `insn 0x${(info.insn >>> 0).toString(16).padStart(8, "0")}` +
          (info.disasm ? ` (${info.disasm})` : ""),
      );
    }
    super(`${what}: ${parts.join(", ")}${info.detail ? `: ${info.detail}` : ""}`);
    this.name = "GuestError";
    this.cpu = info.cpu;
    this.pc = info.pc;
    this.el = info.el;
    this.esr = info.esr ?? 0;
    this.insn = info.insn;
    this.disasm = info.disasm;
    this.far = info.far;
  }
}

/** A malformed or unloadable image (ELF, arm64 Image, raw, initrd, DTB). */
export class ImageError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`Cannot load ${file}: ${detail}`);
    this.name = "ImageError";
  }
}

/** Levenshtein distance of two strings (the "did you mean" of error messages). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length][b.length];
}
