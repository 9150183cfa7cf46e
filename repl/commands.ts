/**
 * The one command table. Every command of `hvsh` (the CLI) and of
 * `hvsh shell` (the REPL) is a row here: its name, where it exists, how its
 * arguments complete, and a `define` that declares it with commander (typed
 * by @commander-js/extra-typings) and runs it. {@link buildProgram} makes the
 * CLI program or the REPL's per-line program from the rows;
 * completions.ts generates shell completion scripts from the same program,
 * and the REPL completes from it too.
 *
 * Actions import their implementation lazily, so `hvsh call` does not load
 * the YAML parser, the runner or node:repl.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { buildProgram, COMMANDS } from "./commands.ts";
 * const names = buildProgram("repl", { mode: "repl", io: { out() {}, err() {} }, exit() {} })
 *   .commands.map((c) => c.name());
 * assert(names.includes("call") && names.includes("step"));
 * assert(COMMANDS.some((c) => c.name === "boot" && c.modes.includes("cli")));
 * ```
 *
 * @module
 */

import { Argument, Command, InvalidArgumentError, Option } from "commander";
import denoJson from "../deno.json" with { type: "json" };
import { KERNELS } from "../hyp/profiles.ts";
import type { Io } from "./actions.ts";
import type { Session } from "./session.ts";

/** Where a command exists. */
export type Mode = "cli" | "repl";

/** What a word completes to (completions.ts and the REPL resolve these to lists). */
export type Completion =
  | "calls"
  | "regs"
  | "fwregs"
  | "assign"
  | "files"
  | "dirs"
  | "commands"
  | "caps"
  | "mpstates"
  | "actions"
  | "none";

/** What an action runs with. */
export interface CommandContext {
  /** CLI or REPL. */
  mode: Mode;
  /** Where output goes. */
  io: Io;
  /** The REPL's session (REPL only). */
  session?: Session;
  /** Set the process exit code (CLI). */
  exit(code: number): void;
  /** Stop a long REPL run (Ctrl-C). */
  signal?: AbortSignal;
}

/** One row of the table. */
export interface CommandEntry {
  /** The command word. */
  name: string;
  /** Where it exists (a name may mean different things in the CLI and the REPL: `run`). */
  modes: readonly Mode[];
  /** Completion of positional arguments (the last repeats when variadic) and of option values by long flag. */
  complete?: { args?: Completion[]; options?: Record<string, Completion> };
  /** Declare arguments, options, help and the action on `cmd` (already named). */
  define(cmd: Command, ctx: CommandContext): void;
}

/** Exit codes a CI job can trust. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, GUEST: 3 } as const;

/** Hypervisor modes (createVm `hyp`). */
export const HYP_MODES = ["kvm", "firmware", "hyp-stub", "kvm-nvhe", "none"] as const;

// -------------------------------------------------------------------------------------------------
// Option parsers

function intArg(what: string, min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v: string) => {
    const t = v.replace(/_/g, "");
    const n = /^(0x[0-9a-f]+|\d+)$/i.test(t) || /^\d+(\.\d+)?e\d+$/i.test(t) ? Number(t) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `${what} must be an integer ${
          max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `≥ ${min}`
        }`,
      );
    }
    return n;
  };
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

function shardArg(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError("expected i/n with 1 ≤ i ≤ n, e.g. 2/4");
  }
  return { index, count };
}

// deno-lint-ignore no-explicit-any
type AnyCommand<A extends any[], O extends Record<string, unknown>> = Command<
  A,
  O,
  Record<PropertyKey, never>
>;

/** The options that describe a VM (`--kernel`, `--cpus`, `--memory`, `--protected`, `--hyp`). */
// deno-lint-ignore no-explicit-any
function vmFlags<A extends any[], O extends Record<string, unknown>>(c: AnyCommand<A, O>) {
  return c
    .addOption(
      new Option("--kernel <version>", "KVM behaviour profile (default 6.16)").choices(KERNELS),
    )
    .option("--cpus <n>", "number of vCPUs (default 1)", intArg("--cpus", 1, 512))
    .option("--memory <MiB>", "guest RAM in MiB (default 128)", intArg("--memory", 1, 65536))
    .option("--protected", "a pKVM protected VM")
    .addOption(
      new Option("--hyp <mode>", "who answers HVC/SMC from EL1 (default kvm)").choices(HYP_MODES),
    );
}

/** Whether any VM flag was given (then the REPL uses a scratch VM instead of its own). */
function hasVmFlags(o: Record<string, unknown>): boolean {
  return ["kernel", "cpus", "memory", "protected", "hyp"].some((k) => o[k] !== undefined);
}

/** The VM a shared command acts on: the session's, or a fresh one built from the flags. */
async function targetVm(ctx: CommandContext, o: Record<string, unknown>) {
  const { makeVm, vmOptions } = await import("./actions.ts");
  if (ctx.session && !hasVmFlags(o)) return ctx.session.vm;
  return makeVm(vmOptions(o, ctx.session?.vm.options));
}

function cpuOf(ctx: CommandContext, o: { cpu?: number }): number {
  return o.cpu ?? ctx.session?.cpu ?? 0;
}

function session(ctx: CommandContext): Session {
  if (!ctx.session) throw new Error("This command needs the shell (hvsh shell)");
  return ctx.session;
}

/** An "Examples:" help section; CLI examples get the `hvsh ` prefix. */
function examples(ctx: CommandContext, ...lines: string[]): string {
  const p = ctx.mode === "cli" ? "" : "";
  return `\nExamples:\n${lines.map((l) => `  ${p}${l}`).join("\n")}`;
}

// -------------------------------------------------------------------------------------------------
// The table

/** Every command, CLI and REPL. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "shell",
    modes: ["cli"],
    define(cmd, ctx) {
      vmFlags(
        cmd.summary("start the interactive shell")
          .description(
            "Start the interactive shell: a VM in scope as `vm`, commands without a dot " +
              "(call, set, regs, step, run, ...), tab completion, JavaScript with await. " +
              "History is kept in $HVSH_HISTORY or ~/.hvsh_history.",
          ),
      )
        .option("--no-history", "do not read or write the history file")
        .addHelpText("after", examples(ctx, "shell", "shell --kernel 6.1 --cpus 2"))
        .action(async (o) => {
          const { vmOptions } = await import("./actions.ts");
          const { startShell } = await import("./shell.ts");
          ctx.exit(await startShell({ vm: vmOptions(o), history: o.history }));
        });
    },
  },
  {
    name: "run",
    modes: ["cli"],
    complete: { args: ["files"] },
    define(cmd, ctx) {
      cmd.summary("run one scenario file and print its report")
        .description(
          "Run the scenarios of one file (TypeScript or YAML) and print a report with each " +
            "step and, for a failure, the calls that led up to it.",
        )
        .argument("<scenario>", "a .ts, .yaml or .yml scenario file")
        .addOption(
          new Option("--reporter <kind>", "report format").choices(
            ["pretty", "tap", "junit"] as const,
          )
            .default("pretty" as const),
        )
        .addHelpText(
          "after",
          examples(ctx, "run scripts/psci_smp.ts", "run scripts/hide_trng.yaml"),
        )
        .action(async (file, o) => {
          const { testCommand } = await import("./test_command.ts");
          ctx.exit(await testCommand([file], { reporter: o.reporter, single: true }, ctx.io));
        });
    },
  },
  {
    name: "test",
    modes: ["cli"],
    complete: { args: ["files"], options: { "--junit-path": "files" } },
    define(cmd, ctx) {
      cmd.summary("run scenario files and report per scenario and step")
        .description(
          "Run scenario files (TypeScript and YAML) found in the given files and directories " +
            "(default: scripts). Prints a summary line; exit code 0 when all pass, 1 when a " +
            "scenario fails, 2 when a file cannot be loaded.",
        )
        .argument("[paths...]", "scenario files or directories (default: scripts)")
        .addOption(
          new Option("--reporter <kind>", "report format").choices(
            ["pretty", "tap", "junit"] as const,
          )
            .default("pretty" as const),
        )
        .option("--junit-path <file>", "also write a JUnit XML report to this file")
        .option(
          "--filter <text>",
          "only scenarios whose name, file or tag contains text (or matches /regex/)",
        )
        .option("--shard <i/n>", "run only shard i of n (for CI matrices)", shardArg)
        .option("--bail", "stop at the first failure")
        .addHelpText(
          "after",
          examples(
            ctx,
            "test",
            "test scripts --reporter tap",
            "test --filter PSCI --shard 2/4 --junit-path junit.xml",
          ),
        )
        .action(async (paths, o) => {
          const { testCommand } = await import("./test_command.ts");
          ctx.exit(await testCommand(paths.length ? paths : ["scripts"], o, ctx.io));
        });
    },
  },
  {
    name: "boot",
    modes: ["cli"],
    complete: { args: ["files"], options: { "--initrd": "files" } },
    define(cmd, ctx) {
      cmd.summary("boot a guest image with its UART on stdout")
        .description(
          "Load an ELF, arm64 Image or raw image as QEMU's -kernel does and run it, the UART on " +
            "stdout. The exit code is the guest's: 0 when it powers off through PSCI SYSTEM_OFF " +
            '(or n from a kvm-unit-tests "EXIT: STATUS=" line), 0 with a note for ' +
            "SYSTEM_RESET, 3 for a guest error or when --max-instructions runs out.",
        )
        .argument("<image>", "ELF, arm64 Image or raw binary")
        .option("--cpus <n>", "number of vCPUs, as QEMU -smp (default 1)", intArg("--cpus", 1, 512))
        .option(
          "--memory <MiB>",
          "guest RAM in MiB, as QEMU -m (default 128)",
          intArg("--memory", 1, 65536),
        )
        .option(
          "--el2",
          "start at EL2 with PSCI through SMC, as QEMU virtualization=on (--hyp none)",
        )
        .addOption(
          new Option("--hyp <mode>", "who answers HVC/SMC (default kvm)").choices(HYP_MODES),
        )
        .addOption(
          new Option("--gic <version>", "GIC version, as QEMU gic-version (default 3)").choices(
            ["2", "3"] as const,
          ),
        )
        .option("--append <cmdline>", "kernel command line (/chosen bootargs), as QEMU -append")
        .option("--initrd <file>", "initial ramdisk, as QEMU -initrd")
        .option("--trace", "print every SMCCC call to stderr as it happens")
        .option(
          "--max-instructions <n>",
          "stop with exit code 3 after n instructions",
          intArg("--max-instructions", 1),
        )
        .addHelpText(
          "after",
          examples(
            ctx,
            "boot guest.elf",
            "boot Image --cpus 2 --append console=ttyAMA0 --max-instructions 1e9",
          ),
        )
        .action(async (image, o) => {
          const { makeVm, vmOptions } = await import("./actions.ts");
          const { boot } = await import("./guest.ts");
          const vm = makeVm(
            vmOptions({ cpus: o.cpus, memory: o.memory, el2: o.el2, hyp: o.hyp, gic: o.gic }),
          );
          ctx.exit(
            await boot(vm, image, { ...o, gic: o.gic ? Number(o.gic) : undefined }, {
              stdout: (b) => {
                for (let off = 0; off < b.length;) off += Deno.stdout.writeSync(b.subarray(off));
              },
              stderr: (l) => ctx.io.err(l),
            }),
          );
        });
    },
  },
  {
    name: "call",
    modes: ["cli", "repl"],
    complete: { args: ["calls", "calls"], options: { "--set": "assign" } },
    define(cmd, ctx) {
      vmFlags(
        cmd.summary("issue one SMCCC call and print the decoded answer")
          .description(
            "Issue one call as the vCPU would with `hvc #0` (or `smc #0`) at EL1: x0 = the call, " +
              "x1.. = the arguments (numbers, negative numbers as two's complement, or call names). " +
              "Prints x0 decoded (and x1..x3 when set), and any exit to the VMM." +
              (ctx.mode === "cli"
                ? " Runs on a fresh VM built from the VM options."
                : " Runs on the shell's VM, or on a scratch VM when VM options are given."),
          )
          .argument("<call>", "call name (PSCI_VERSION, CPU_ON64, ...) or function ID (0x84000000)")
          .argument("[args...]", "x1, x2, ... (numbers or call names)")
          .option("--smc", "use the SMC conduit instead of HVC")
          .option(
            "--imm <n>",
            "the instruction's immediate (default 0)",
            intArg("--imm", 0, 0xffff),
          )
          .option("--cpu <n>", "the vCPU that makes the call", intArg("--cpu", 0, 511))
          .option(
            "--set <REG=VALUE>",
            "set a register first (KVM_SET_ONE_REG); repeatable",
            collect,
          )
          .option("--json", "print the result as JSON"),
      )
        .addHelpText(
          "after",
          examples(
            ctx,
            "call PSCI_VERSION",
            "call PSCI_FEATURES CPU_ON64",
            "call TRNG_VERSION --set STD_BMAP=0",
            "call KVM_MEM_SHARE 0x40100000 1 0 --kernel android16-6.12 --protected",
          ),
        )
        .action(async (call, args, o) => {
          const { callCommand } = await import("./actions.ts");
          callCommand(await targetVm(ctx, o), cpuOf(ctx, o), call, args, o, ctx.io);
        });
    },
  },
  {
    name: "regs",
    modes: ["cli", "repl"],
    complete: { args: ["regs"] },
    define(cmd, ctx) {
      vmFlags(
        cmd.summary("list registers with their values")
          .description(
            ctx.mode === "cli"
              ? "List the firmware pseudo-registers of a fresh VM with their decoded values, or " +
                "the named registers, or every register of KVM_GET_REG_LIST (--all)."
              : "Show the vCPU's core registers and the firmware pseudo-registers, or the named " +
                "registers, or every register of KVM_GET_REG_LIST (--all).",
          )
          .argument("[names...]", "registers to show (STD_BMAP, X0, MPIDR_EL1, ...)")
          .option("--all", "every register of KVM_GET_REG_LIST")
          .option("--cpu <n>", "the vCPU to read", intArg("--cpu", 0, 511))
          .option("--json", "print name → value as JSON"),
      )
        .addHelpText(
          "after",
          examples(ctx, "regs", "regs --kernel 5.10", "regs X0 PC MPIDR_EL1 --cpus 2 --cpu 1"),
        )
        .action(async (names, o) => {
          const { regsCommand } = await import("./actions.ts");
          const vm = await targetVm(ctx, o);
          regsCommand(vm, cpuOf(ctx, o), names, { ...o, core: ctx.mode === "repl" }, ctx.io);
        });
    },
  },
  {
    name: "calls",
    modes: ["cli", "repl"],
    define(cmd, ctx) {
      vmFlags(
        cmd.summary("list the calls the model knows, with their answers")
          .description(
            "List every call the model knows (name, function ID, service, arguments) and what " +
              "it answers when issued bare (x1.. = 0) on a fresh VM" +
              (ctx.mode === "repl" ? " with the shell VM's options and firmware registers." : "."),
          )
          .argument(
            "[filter]",
            "only calls whose name or service contains this, or this function ID",
          )
          .option("--no-answers", "do not issue the calls"),
      )
        .addHelpText("after", examples(ctx, "calls", "calls psci", "calls --kernel 5.10 TRNG"))
        .action(async (filter, o) => {
          const { callsCommand, freshLike } = await import("./actions.ts");
          const vm = await targetVm(ctx, o);
          callsCommand(o.answers ? freshLike(vm) : null, filter, ctx.io);
        });
    },
  },
  {
    name: "completions",
    modes: ["cli"],
    define(cmd, ctx) {
      cmd.summary("print a shell completion script")
        .description(
          "Print a completion script for bash, zsh or fish: commands, options, call names and " +
            "register names.",
        )
        .addArgument(
          new Argument("<shell>", "bash, zsh or fish").choices(["bash", "zsh", "fish"] as const),
        )
        .addHelpText(
          "after",
          "\nExamples:\n  source <(hvsh completions bash)\n" +
            "  hvsh completions zsh > ~/.zfunc/_hvsh\n" +
            "  hvsh completions fish > ~/.config/fish/completions/hvsh.fish",
        )
        .action(async (shell) => {
          const { completionScript } = await import("./completions.ts");
          ctx.io.out(await completionScript(shell));
        });
    },
  },

  // ---- REPL only -------------------------------------------------------------------------------
  {
    name: "get",
    modes: ["repl"],
    complete: { args: ["regs"] },
    define(cmd, ctx) {
      cmd.summary("read a register (KVM_GET_ONE_REG)")
        .argument("<reg>", "register name: STD_BMAP, PSCI_VERSION, X0, PC, MPIDR_EL1, ...")
        .option("--cpu <n>", "the vCPU to read", intArg("--cpu", 0, 511))
        .addHelpText("after", examples(ctx, "get STD_BMAP", "get MPIDR_EL1 --cpu 1"))
        .action(async (reg, o) => {
          const { getCommand } = await import("./actions.ts");
          getCommand(session(ctx).vm, cpuOf(ctx, o), reg, ctx.io);
        });
    },
  },
  {
    name: "set",
    modes: ["repl"],
    complete: { args: ["regs"] },
    define(cmd, ctx) {
      cmd.summary("write a register (KVM_SET_ONE_REG)")
        .argument("<reg>", "register name")
        .argument("<value>", "the value (0x10, 16, -1)")
        .option("--cpu <n>", "the vCPU to write", intArg("--cpu", 0, 511))
        .addHelpText(
          "after",
          examples(ctx, "set STD_BMAP 0", "set X1 0x40080000", "set PSCI_VERSION 0x10001"),
        )
        .action(async (reg, value, o) => {
          const { setCommand } = await import("./actions.ts");
          setCommand(session(ctx).vm, cpuOf(ctx, o), reg, value, ctx.io);
        });
    },
  },
  {
    name: "filter",
    modes: ["repl"],
    complete: { args: ["calls", "none", "actions"] },
    define(cmd, ctx) {
      cmd.summary("install an SMCCC filter range (KVM_ARM_VM_SMCCC_FILTER)")
        .argument("<base>", "first function ID of the range (a number or a call name)")
        .argument("<nr>", "number of function IDs")
        .argument("<action>", "handle, deny or fwd_to_user")
        .addHelpText(
          "after",
          examples(ctx, "filter PSCI_VERSION 1 deny", "filter 0xc6000040 2 fwd_to_user"),
        )
        .action(async (base, nr, action) => {
          const { filterCommand } = await import("./actions.ts");
          filterCommand(session(ctx).vm, base, nr, action, ctx.io);
        });
    },
  },
  {
    name: "cap",
    modes: ["repl"],
    complete: { args: ["caps"] },
    define(cmd, ctx) {
      cmd.summary("enable a VM capability (KVM_ENABLE_CAP)")
        .argument("<name>", "e.g. KVM_CAP_ARM_SYSTEM_SUSPEND")
        .action((name) => {
          session(ctx).vm.enableCap(name);
          ctx.io.out(`${name} enabled`);
        });
    },
  },
  {
    name: "mpstate",
    modes: ["repl"],
    complete: { args: ["mpstates"] },
    define(cmd, ctx) {
      cmd.summary("show or set a vCPU's mp_state (KVM_GET/SET_MP_STATE)")
        .argument("[state]", "RUNNABLE, STOPPED or SUSPENDED")
        .option("--cpu <n>", "the vCPU", intArg("--cpu", 0, 511))
        .addHelpText("after", examples(ctx, "mpstate", "mpstate STOPPED --cpu 1"))
        .action((state, o) => {
          const vm = session(ctx).vm;
          if (state) {
            const s = state.toUpperCase();
            if (!["RUNNABLE", "STOPPED", "SUSPENDED"].includes(s)) {
              throw new InvalidArgumentError(
                `Invalid mp_state: ${state} (RUNNABLE, STOPPED or SUSPENDED)`,
              );
            }
            vm.cpu(cpuOf(ctx, o)).setMpState(s as "RUNNABLE");
          }
          const cpus = o.cpu !== undefined || state ? [vm.cpu(cpuOf(ctx, o))] : vm.cpus;
          for (const v of cpus) ctx.io.out(`cpu ${v.index} ${v.mpState}`);
        });
    },
  },
  {
    name: "resume",
    modes: ["repl"],
    define(cmd, ctx) {
      cmd.summary("re-enter a vCPU after an exit (KVM_RUN) and show what the guest sees")
        .option("--cpu <n>", "the vCPU", intArg("--cpu", 0, 511))
        .action(async (o) => {
          const { formatCall } = await import("./format.ts");
          ctx.io.out(formatCall(session(ctx).vm.cpu(cpuOf(ctx, o)).resume()));
        });
    },
  },
  {
    name: "cpu",
    modes: ["repl"],
    define(cmd, ctx) {
      cmd.summary("select the vCPU that commands act on")
        .argument("[n]", "vCPU index", intArg("vCPU", 0, 511))
        .action((n) => {
          const s = session(ctx);
          if (n !== undefined) s.selectCpu(n);
          ctx.io.out(`cpu ${s.cpu}`);
        });
    },
  },
  {
    name: "step",
    modes: ["repl"],
    define(cmd, ctx) {
      cmd.summary("execute n guest instructions and show what changed")
        .argument("[n]", "instructions (default 1)", intArg("step count", 1))
        .action(async (n) => {
          const { stepCommand } = await import("./shell_guest.ts");
          await stepCommand(session(ctx), n ?? 1, ctx.io);
        });
    },
  },
  {
    name: "run",
    modes: ["repl"],
    define(cmd, ctx) {
      cmd.summary("run the guest until it stops (Ctrl-C interrupts)")
        .option("--max-instructions <n>", "budget (default 1e9)", intArg("--max-instructions", 1))
        .option("--until-uart <text>", "stop once the UART output contains text")
        .action(async (o) => {
          const { runCommand } = await import("./shell_guest.ts");
          await runCommand(session(ctx), o, ctx.io, ctx.signal);
        });
    },
  },
  {
    name: "uart",
    modes: ["repl"],
    define(cmd, ctx) {
      cmd.summary("show the guest's UART output, or send it input")
        .option("--send <text>", "queue input for the guest (\\n for newline)")
        .action(async (o) => {
          const { guestVm } = await import("./_machine.ts");
          const uart = guestVm(session(ctx).vm).uart;
          if (o.send !== undefined) uart.input(o.send.replace(/\\n/g, "\n"));
          else ctx.io.out(uart.text() || "(no output)");
        });
    },
  },
  {
    name: "trace",
    modes: ["repl"],
    define(cmd, ctx) {
      cmd.summary("show the last SMCCC calls")
        .argument("[n]", "how many (default 10)", intArg("trace count", 1))
        .option("--clear", "forget the calls recorded so far")
        .action(async (n, o) => {
          const vm = session(ctx).vm;
          if (o.clear) return vm.trace.clear();
          const { traceCommand } = await import("./actions.ts");
          traceCommand(vm, n ?? 10, ctx.io);
        });
    },
  },
  {
    name: "reset",
    modes: ["repl"],
    define(cmd, ctx) {
      vmFlags(
        cmd.summary("start over with a fresh VM (optionally with new options)")
          .option("--gic <version>", "GIC version", intArg("--gic", 2, 3)),
      )
        .addHelpText("after", examples(ctx, "reset", "reset --kernel 5.10 --cpus 4"))
        .action(async (o) => {
          const { vmOptions, infoCommand } = await import("./actions.ts");
          const s = session(ctx);
          s.reset(vmOptions(o));
          infoCommand(s.vm, s.cpu, ctx.io);
        });
    },
  },
  {
    name: "load",
    modes: ["repl"],
    complete: { args: ["files"], options: { "--initrd": "files" } },
    define(cmd, ctx) {
      cmd.summary("load a guest image as QEMU -kernel does")
        .argument("<file>", "ELF, arm64 Image or raw binary")
        .option("--append <cmdline>", "kernel command line")
        .option("--initrd <file>", "initial ramdisk")
        .action(async (file, o) => {
          const { loadCommand } = await import("./shell_guest.ts");
          await loadCommand(session(ctx), file, o, ctx.io);
        });
    },
  },
  {
    name: "disasm",
    modes: ["repl"],
    define(cmd, ctx) {
      cmd.summary("disassemble guest memory (default: at the PC)")
        .argument("[addr]", "address")
        .argument("[n]", "instructions (default 8)", intArg("count", 1))
        .action(async (addr, n) => {
          const { disasmCommand } = await import("./actions.ts");
          const s = session(ctx);
          disasmCommand(s.vm, s.cpu, addr, n ?? 8, ctx.io);
        });
    },
  },
  {
    name: "info",
    modes: ["repl"],
    define(cmd, ctx) {
      cmd.summary("show the VM's options and vCPU states").action(async () => {
        const { infoCommand } = await import("./actions.ts");
        const s = session(ctx);
        infoCommand(s.vm, s.cpu, ctx.io);
      });
    },
  },
  {
    name: "help",
    modes: ["repl"],
    complete: { args: ["commands"] },
    define(cmd, ctx) {
      cmd.summary("list commands, or show one command's help")
        .argument("[command]", "a command")
        .action((name) => {
          const text = replHelp(ctx, name);
          if (text) ctx.io.out(text);
        });
    },
  },
  {
    name: "exit",
    modes: ["repl"],
    define(cmd, ctx) {
      cmd.summary("leave the shell (also .exit or Ctrl-D)").action(() => ctx.exit(0));
    },
  },
];

/**
 * Build the program for `mode`: the CLI (`hvsh ...`) or the REPL's per-line
 * parser. Build a fresh one per parse (commander keeps option values).
 */
export function buildProgram(mode: Mode, ctx: CommandContext): Command {
  // The REPL's commands have no program name in their usage line.
  const program = new Command(mode === "cli" ? "hvsh" : "")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.out(s.replace(/\n$/, "")),
      writeErr: (s) => ctx.io.err(s.replace(/\n$/, "")),
      outputError: () => {}, // errors are printed as one line by the caller
    });
  if (mode === "cli") {
    program
      .description(
        "A scripting shell for KVM/arm64 virtual machines: issue calls, set firmware registers, " +
          "run scenarios and boot guests on an exact model of KVM.",
      )
      .version(denoJson.version, "-V, --version", "print the version")
      .helpOption("-h, --help", "show help for a command")
      .addHelpText(
        "after",
        "\nExit codes: 0 pass, 1 scenario failure, 2 usage error, 3 guest error.\n" +
          "Environment: NO_COLOR disables colour; HVSH_HISTORY names the shell's history file.\n" +
          "Run `hvsh <command> --help` for a command's options and examples.",
      );
  } else {
    program.helpCommand(false).helpOption("-h, --help", "show help for the command")
      .configureHelp({ commandUsage: (c) => `${c.name()} ${c.usage()}` });
  }
  for (const e of COMMANDS) {
    if (!e.modes.includes(mode)) continue;
    e.define(program.command(e.name), ctx);
  }
  return program;
}

/**
 * The REPL's `help`: every command with its summary; with a name, that
 * command's full help (usage, options, examples) written to the context.
 */
export function replHelp(ctx: CommandContext, name?: string): string {
  const program = buildProgram("repl", ctx);
  if (name) {
    const c = program.commands.find((c) => c.name() === name);
    if (!c) throw new InvalidArgumentError(`Unknown command: ${name} (help lists them)`);
    c.outputHelp();
    return "";
  }
  const w = Math.max(...program.commands.map((c) => c.name().length + c.usage().length)) + 3;
  const lines = ["Commands (no dot needed; `help <command>` or `<command> --help` for details):"];
  for (const c of program.commands) {
    const head = `${c.name()} ${
      c.usage().replace(/^\[options\]\s*/, "").replace(/\s*\[options\]/, "")
    }`
      .trim();
    lines.push(`  ${head.padEnd(w)}${c.summary() || c.description()}`);
  }
  lines.push(
    "",
    "Anything else is JavaScript, with await: `vm`, `cpu` (the selected vCPU), `asm`, `disassemble`,",
    "createVm, PSCI, SMCCC, TRNG, KVM_VENDOR, KVM_REG, FW_REGS, SYSREGS, hex64, describeResult, ...",
    "Results print as decoded hex. Dot commands: .help .exit .break .clear .editor .save .load",
  );
  return lines.join("\n");
}

/** The CLI commands (for completion). */
export function cliCommandNames(): string[] {
  return COMMANDS.filter((c) => c.modes.includes("cli")).map((c) => c.name);
}

/** The completion row of a command in `mode`. */
export function completionOf(name: string, mode: Mode): CommandEntry["complete"] {
  return COMMANDS.find((c) => c.name === name && c.modes.includes(mode))?.complete;
}
