/**
 * Running guest code from the shell: the run loop shared by `hvsh boot`, the
 * REPL's `run`/`step` and YAML `run` steps, and `boot` itself (QEMU's
 * `-kernel` with `-smp`, `-m`, `virtualization=on`, `gic-version`,
 * `-append`, `-initrd`).
 *
 * The loop runs in chunks so UART output streams and `--trace` prints calls
 * as they happen. It answers what a VMM must answer: a forwarded hypercall
 * nobody handles gets NOT_SUPPORTED (as a VMM that does not know the call),
 * a SYSTEM_SUSPEND exit resumes at once (no wake-up source is modelled).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { bootExitCode } from "./guest.ts";
 * assert(bootExitCode({ reason: "system_off", cpu: 0, pc: 0n }, "").code === 0);
 * assert(bootExitCode({ reason: "undef", cpu: 0, pc: 0n }, "").code === 3);
 * ```
 *
 * @module
 */

import type { Vm } from "../machine/mod.ts";
import { type GuestRun, type GuestVm, guestVm } from "./_machine.ts";
import { hex64, traceLine } from "./format.ts";

/** Options of {@link runGuest}. */
export interface RunGuestOptions {
  /** Total instruction budget (default: unbounded). */
  maxInstructions?: number;
  /** Instructions per `vm.run()` call (default 1_000_000). */
  chunk?: number;
  /** Stop when the UART output contains this text. */
  untilUart?: string;
  /** Called after every chunk (flush output, print trace). */
  onChunk?: (run: GuestRun) => void;
  /** Checked after every chunk: true stops the loop (Ctrl-C in the REPL). */
  shouldStop?: () => boolean;
  /** Let timers and input run between chunks (so a REPL can see Ctrl-C). */
  yieldEvery?: boolean;
}

/** The final run, with the total instructions executed and whether `untilUart` matched. */
export interface GuestOutcome {
  run: GuestRun;
  instructions: number;
  matched: boolean;
}

/** Reasons the loop continues through (after answering as a VMM). */
const CONTINUE = new Set(["limit", "hypercall_exit", "suspend"]);

/** Run until the guest stops for a reason other than the budget, or the total budget is spent. */
export async function runGuest(
  vm: Vm | GuestVm,
  opts: RunGuestOptions = {},
): Promise<GuestOutcome> {
  const g = "cpu" in vm ? guestVm(vm as Vm) : vm as GuestVm;
  const total = opts.maxInstructions ?? Infinity;
  const chunk = opts.chunk ?? 1_000_000;
  let done = 0;
  for (;;) {
    const budget = Math.max(1, Math.min(chunk, total - done));
    const run = await g.run({ maxInstructions: budget });
    done += run.instructions ?? budget;
    opts.onChunk?.(run);
    const matched = opts.untilUart !== undefined && g.uart.text().includes(opts.untilUart);
    if (matched) return { run, instructions: done, matched };
    if (!CONTINUE.has(run.reason) || done >= total) return { run, instructions: done, matched };
    if (opts.yieldEvery) await new Promise((r) => setTimeout(r, 0));
    if (opts.shouldStop?.()) return { run, instructions: done, matched };
    if (run.reason === "hypercall_exit" && "cpu" in vm) {
      // No VMM handler: answer NOT_SUPPORTED in x0 and resume, as a VMM that does not know the call.
      (vm as Vm).cpu(run.cpu).x[0] = 0xffff_ffff_ffff_ffffn;
    }
  }
}

/** A run's stop as a sentence: "powered off (PSCI SYSTEM_OFF)", "undefined instruction at ...". */
export function describeRun(run: GuestRun, instructions?: number): string {
  const where = `cpu ${run.cpu}, pc ${hex64(run.pc)}`;
  switch (run.reason) {
    case "system_off":
      return "the guest powered off (PSCI SYSTEM_OFF)";
    case "reset":
      return "the guest requested a reset (PSCI SYSTEM_RESET)";
    case "limit":
      return `instruction limit reached${
        instructions ? ` after ${instructions} instructions` : ""
      }: ${where}`;
    case "breakpoint":
      return `breakpoint: ${where}`;
    case "halted":
      return `all vCPUs halted (WFI with nothing to wake them): ${where}`;
    case "suspend":
      return `system suspend (PSCI SYSTEM_SUSPEND): ${where}`;
    case "hypercall_exit":
      return `hypercall exit to the VMM: ${where}`;
  }
  return run.error?.message ?? `${run.reason.replace(/_/g, " ")}: ${where}`;
}

/**
 * The process exit code `boot` returns for a final run: the guest's status
 * when it powers off through PSCI (0, or the kvm-unit-tests convention
 * "EXIT: STATUS=n" printed before SYSTEM_OFF, n = (code << 1) | 1), 0 for
 * SYSTEM_RESET (as QEMU -no-reboot) with a note, 3 for a guest error or an
 * exhausted budget.
 */
export function bootExitCode(run: GuestRun, uart: string, instructions?: number): {
  code: number;
  message?: string;
} {
  if (run.reason === "system_off") {
    const m = [...uart.matchAll(/EXIT: STATUS=(\d+)/g)].pop();
    if (m) return { code: (Number(m[1]) >> 1) & 0xff };
    return { code: 0 };
  }
  if (run.reason === "reset") return { code: 0, message: describeRun(run) };
  return { code: 3, message: describeRun(run, instructions) };
}

/** Options of {@link boot}. */
export interface BootOptions {
  cpus?: number;
  memory?: number;
  el2?: boolean;
  hyp?: string;
  gic?: number;
  append?: string;
  initrd?: string;
  trace?: boolean;
  maxInstructions?: number;
}

/** Where `boot` writes: guest bytes to `stdout`, notes and trace lines to `stderr`. */
export interface BootIo {
  stdout(bytes: Uint8Array): void;
  stderr(line: string): void;
}

/** `hvsh boot`: load `image` as QEMU -kernel, run it with the UART on stdout, return the exit code. */
export async function boot(vm: Vm, image: string, o: BootOptions, io: BootIo): Promise<number> {
  await vm.load(image, { initrd: o.initrd, bootargs: o.append });
  const g = guestVm(vm);
  let buf: number[] = [];
  const flush = () => {
    if (buf.length) io.stdout(new Uint8Array(buf));
    buf = [];
  };
  const off = g.uart.onOutput((b) => {
    buf.push(b);
    if (b === 10 || buf.length >= 4096) flush();
  });
  let seen = vm.trace.total;
  const stuck = new Set<number>();
  try {
    const out = await runGuest(vm, {
      maxInstructions: o.maxInstructions,
      // Smaller chunks with --trace keep call lines close to the UART output around them.
      chunk: o.trace ? 10_000 : 1_000_000,
      onChunk: (run) => {
        flush();
        for (const e of run.stuck ?? []) {
          if (run.reason === "exception_loop" && e === run.error || stuck.has(e.cpu)) continue;
          stuck.add(e.cpu);
          io.stderr(`hvsh: note: ${e.message}; the other vCPUs run on`);
        }

        if (o.trace) {
          const fresh = vm.trace.total - seen;
          seen = vm.trace.total;
          if (fresh > 0) { for (const e of vm.trace.last(fresh)) io.stderr(traceLine(e)); }
          if (run.reason !== "limit") io.stderr(`stop: ${describeRun(run)}`);
        }
      },
    });
    flush();
    const { code, message } = bootExitCode(out.run, g.uart.text(), out.instructions);
    if (message) io.stderr(`hvsh: ${message.charAt(0).toUpperCase()}${message.slice(1)}`);
    return code;
  } finally {
    flush(); // what the guest printed before a thrown error still reaches stdout
    off();
  }
}
