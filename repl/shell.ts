/**
 * `hvsh shell`: the interactive shell, built on node:repl (deno-notes.md
 * explains why: custom commands, completer, writer and eval).
 *
 * - Commands from the command table work without a dot (`call PSCI_VERSION`,
 *   `set STD_BMAP 0`, `regs`, `step 10`, `run`, `uart`, `trace`, `reset`,
 *   `load guest.elf`); `help` lists them, `.help` too.
 * - Anything else is JavaScript evaluated in the global scope, with `await`,
 *   and `vm`, `cpu`, `asm`, `disassemble` and the public API in scope.
 * - Results print as decoded hex; an error prints as one line and the
 *   session goes on.
 * - Tab completes commands, options, call names, firmware and system
 *   registers, files, and JavaScript properties.
 * - History goes to $HVSH_HISTORY or ~/.hvsh_history.
 *
 * Lines are evaluated one after another even when input is piped (node:repl
 * would start the next line's eval before an async one finishes).
 *
 * @module
 */

import readline from "node:readline";
import repl from "node:repl";
import nodeVm from "node:vm";
import process from "node:process";
import { Writable } from "node:stream";
import * as api from "../mod.ts";
import { CallResult, type VmOptions } from "../machine/mod.ts";
import { asm } from "../machine/cpu/asm.ts";
import { disassemble } from "../machine/cpu/disasm.ts";
import { FW_REGS, type TraceEntry } from "../hyp/mod.ts";
import type { Io } from "./actions.ts";
import { coreDump, infoCommand } from "./actions.ts";
import { buildProgram, type CommandContext, completionOf, replHelp } from "./commands.ts";
import { completionWords } from "./completions.ts";
import { errorLine, formatCall, hex, hex64, style, traceLine, useColour } from "./format.ts";
import { Session } from "./session.ts";
import { splitWords } from "./values.ts";
import denoJson from "../deno.json" with { type: "json" };

/** Write all of `bytes` to stdout; a closed pipe (`hvsh shell | head`) ends the shell quietly. */
function writeAll(bytes: Uint8Array): void {
  try {
    for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) Deno.exit(0);
    throw e;
  }
}

/** Options of {@link startShell}. */
export interface ShellOptions {
  /** Options of the session's VM. */
  vm?: VmOptions;
  /** Read and write the history file (default true). */
  history?: boolean;
}

// -------------------------------------------------------------------------------------------------
// Values as the shell prints them

const INSPECT = Symbol.for("Deno.customInspect");

function isTraceEntry(v: unknown): v is TraceEntry {
  return !!v && typeof v === "object" && "seq" in v && "fid" in v && "route" in v;
}

/** Replace bigints in plain objects and arrays by hex for display. */
function hexify(v: unknown, depth = 0): unknown {
  if (typeof v === "bigint") return { [INSPECT]: () => hex(v) };
  if (depth > 4 || !v || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((e) => hexify(e, depth + 1));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, hexify(e, depth + 1)]));
}

/**
 * How the shell prints a value: call results decoded, bigints in hex (large
 * integers too, with the decimal), vCPUs as register dumps, the VM as its
 * options and vCPU states.
 */
export function formatValue(v: unknown, session?: Session): string {
  if (typeof v === "bigint") return hex(v);
  // Large integers are usually IDs, addresses or bitmaps: hex first.
  if (typeof v === "number" && Number.isSafeInteger(v) && Math.abs(v) >= 0x10000) {
    return `${hex(v)} (${v})`;
  }
  if (v instanceof CallResult) return formatCall(v);
  if (session && v === session.vm) {
    const lines: string[] = [];
    infoCommand(session.vm, session.cpu, { out: (s) => lines.push(s), err: () => {} });
    return lines.join("\n");
  }
  if (session && v instanceof api.Vcpu) return coreDump(session.vm, v.index);
  if (Array.isArray(v) && v.length && v.every(isTraceEntry)) return v.map(traceLine).join("\n");
  if (isTraceEntry(v)) return traceLine(v);
  return Deno.inspect(hexify(v), { colors: useColour(), depth: 4 });
}

// -------------------------------------------------------------------------------------------------
// JavaScript evaluation with top-level await

function isSyntaxError(e: unknown): e is Error {
  return (e as Error)?.name === "SyntaxError";
}

/** A syntax error that more input can fix (an open bracket, string template or block). */
function isRecoverable(e: unknown): boolean {
  return isSyntaxError(e) &&
    /Unexpected end of input|Unterminated template literal/.test((e as Error).message);
}

/** Compile `code` for the global scope; `await` at top level is rewritten into an async function. */
export function compileJs(code: string): nodeVm.Script {
  try {
    return new nodeVm.Script(code, { filename: "repl" });
  } catch (e) {
    if (!isSyntaxError(e) || !/await is only valid/.test(e.message)) throw e;
  }
  const body = code.replace(/;\s*$/, "");
  const decl = /^\s*(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*([\s\S]+)$/.exec(body);
  // `const x = await f()` keeps `x` as a global; other statements run in an async function.
  const forms = [
    ...(decl
      ? [`(async () => { globalThis[${JSON.stringify(decl[1])}] = (${decl[2]}\n); })()`]
      : []),
    `(async () => (${body}\n))()`,
    `(async () => { ${code}\n })()`,
  ];
  let first: unknown;
  for (const src of forms) {
    try {
      return new nodeVm.Script(src, { filename: "repl" });
    } catch (e) {
      first ??= e;
    }
  }
  throw first;
}

// -------------------------------------------------------------------------------------------------
// Command lines

/** The REPL's command names (first words that are commands rather than JavaScript). */
function replCommandNames(ctx: CommandContext): Set<string> {
  return new Set(buildProgram("repl", ctx).commands.map((c) => c.name()));
}

/** Whether `line` is a shell command: a command word followed by nothing, or by words (not an operator). */
export function isCommandLine(line: string, names: ReadonlySet<string>): boolean {
  const m = /^\s*([a-z][\w-]*)(\s+(.*))?$/s.exec(line.trimEnd());
  if (!m || !names.has(m[1])) return false;
  const rest = m[3] ?? "";
  return !/^(=(?!=)|\(|\.|\[|`|\?|;|,|\+\+|--(?![a-z])|[-+*/%&|^]=)/.test(rest) &&
    !/^(===?|!==?|&&|\|\||\?\?|[<>]=?)\s/.test(rest);
}

// -------------------------------------------------------------------------------------------------
// Completion

function fileCompletions(prefix: string): string[] {
  const slash = prefix.lastIndexOf("/");
  const dir = slash >= 0 ? prefix.slice(0, slash + 1) : "";
  const base = prefix.slice(slash + 1);
  try {
    return [...Deno.readDirSync(dir || ".")]
      .filter((e) => e.name.startsWith(base) && (base.startsWith(".") || !e.name.startsWith(".")))
      .map((e) => dir + e.name + (e.isDirectory ? "/" : ""))
      .sort();
  } catch {
    return [];
  }
}

function matching(words: readonly string[], prefix: string): string[] {
  const p = prefix.toUpperCase();
  return [...new Set(words)].filter((w) => w.toUpperCase().startsWith(p)).sort();
}

/** Property names of a value, own and inherited (not Object.prototype's). */
function propertyNames(v: unknown): string[] {
  const out = new Set<string>();
  let o: unknown = v;
  if (o === null || o === undefined) return [];
  if (typeof o !== "object" && typeof o !== "function") o = Object(o);
  for (
    let depth = 0;
    o && o !== Object.prototype && o !== Function.prototype && depth < 6;
    depth++
  ) {
    for (const k of Object.getOwnPropertyNames(o)) {
      if (k !== "constructor" && !k.startsWith("#") && /^[A-Za-z_$][\w$]*$/.test(k)) out.add(k);
    }
    o = Object.getPrototypeOf(o);
  }
  return [...out].sort();
}

/**
 * Complete a line: command words, options and their values, call and
 * register names, files, or JavaScript identifiers and properties.
 */
export function completeLine(
  line: string,
  ctx: CommandContext,
  globals: readonly string[],
): [string[], string] {
  const program = buildProgram("repl", ctx);
  const names = program.commands.map((c) => c.name());
  let words: string[];
  try {
    words = splitWords(line);
  } catch {
    return [[], ""];
  }
  const endsWithSpace = /\s$/.test(line) || line === "";
  const cur = endsWithSpace ? "" : words.pop() ?? "";
  if (words.length === 0) {
    // First word: a command, or the start of JavaScript.
    const js = completeJs(cur, globals);
    return [[...matching(names, cur).filter((n) => n.startsWith(cur)), ...js[0]], cur];
  }
  const cmdName = words[0];
  const cmd = program.commands.find((c) => c.name() === cmdName);
  if (!cmd || !isCommandLine(line, new Set(names))) return completeJs(cur, globals);
  const table = completionOf(cmdName, "repl");
  // Option value?
  const prev = words.at(-1) ?? "";
  const opt = cmd.options.find((o) => o.long === prev || o.short === prev);
  if (opt && (opt.required || opt.optional) && words.length > 1) {
    if (opt.argChoices) return [matching(opt.argChoices, cur), cur];
    const kind = table?.options?.[opt.long ?? ""];
    if (kind === "files") return [fileCompletions(cur), cur];
    return [kind ? matching(completionWords(kind, "repl"), cur) : [], cur];
  }
  if (cur.startsWith("-")) {
    const flags = cmd.options.flatMap((o) => [o.long ?? ""]).filter(Boolean);
    return [matching([...flags, "--help"], cur).filter((f) => f.startsWith(cur)), cur];
  }
  // Positional index: words after the command that are not options or option values.
  let pos = 0;
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w.startsWith("-") && !/^-\d/.test(w)) {
      const o = cmd.options.find((o) => o.long === w || o.short === w);
      if (o && (o.required || o.optional)) i++;
      continue;
    }
    pos++;
  }
  const args = cmd.registeredArguments;
  const arg = args[Math.min(pos, args.length - 1)];
  if (!arg || (pos >= args.length && !arg.variadic)) return [[], cur];
  if (arg.argChoices) return [matching(arg.argChoices, cur), cur];
  const kind = table?.args?.[Math.min(pos, (table.args?.length ?? 1) - 1)];
  if (kind === "files") return [fileCompletions(cur), cur];
  return [kind ? matching(completionWords(kind, "repl"), cur) : [], cur];
}

function completeJs(text: string, globals: readonly string[]): [string[], string] {
  const m = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.([\w$]*)$/.exec(text);
  if (m) {
    let v: unknown = globalThis;
    for (const k of m[1].split(".")) {
      try {
        v = (v as Record<string, unknown>)?.[k];
      } catch {
        return [[], text];
      }
    }
    const props = propertyNames(v).filter((p) => p.startsWith(m[2]));
    return [props.map((p) => `${m[1]}.${p}`), m[0]];
  }
  const id = /([A-Za-z_$][\w$]*)$/.exec(text);
  if (!id) return [[], text];
  return [globals.filter((g) => g.startsWith(id[1])).sort(), id[1]];
}

// -------------------------------------------------------------------------------------------------
// History

function historyPath(): string | undefined {
  try {
    const explicit = Deno.env.get("HVSH_HISTORY");
    if (explicit) return explicit;
    const home = Deno.env.get("HOME");
    return home ? `${home}/.hvsh_history` : undefined;
  } catch {
    return undefined;
  }
}

function loadHistory(path: string): string[] {
  try {
    return Deno.readTextFileSync(path).split("\n").filter((l) => l.trim()).slice(-1000).reverse();
  } catch {
    return [];
  }
}

// -------------------------------------------------------------------------------------------------
// The shell

/**
 * Start the shell on stdin/stdout; resolves with the exit code when the
 * input ends, `.exit` or `exit` is typed.
 */
export function startShell(opts: ShellOptions = {}): Promise<number> {
  const enc = new TextEncoder();
  const writeOut = (s: string) => writeAll(enc.encode(s));
  const terminal = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  const output = new Writable({
    write(chunk, _enc, cb) {
      writeAll(typeof chunk === "string" ? enc.encode(chunk) : chunk);
      cb();
    },
  });
  Object.assign(output, { isTTY: terminal });
  Object.defineProperty(output, "columns", {
    get: () => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 80;
      }
    },
  });

  const io: Io = {
    out: (s) => writeOut(s + "\n"),
    err: (s) => writeOut(style.red(s) + "\n"),
  };
  const session = new Session(opts.vm);
  let uartLine: number[] = [];
  const flushUart = () => {
    if (uartLine.length) writeAll(new Uint8Array(uartLine));
    uartLine = [];
  };
  session.onUart = (b) => {
    uartLine.push(...b);
    if (b.includes(10)) flushUart();
  };

  let closed = false;
  let abort: AbortController | undefined;
  // deno-lint-ignore prefer-const
  let server: repl.REPLServer | undefined; // assigned by repl.start below; ctx.exit closes it
  const ctx: CommandContext = {
    mode: "repl",
    io,
    session,
    exit: () => {
      closed = true;
      server?.close();
    },
  };
  const commandNames = replCommandNames(ctx);

  // The public API, the session's VM and vCPU, and helpers, in the global scope.
  const scope: Record<string, unknown> = {
    ...api,
    FW_REGS,
    asm,
    disassemble,
    hex,
    hex64,
    formatCall,
  };
  for (const [k, v] of Object.entries(scope)) {
    Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  }
  Object.defineProperty(globalThis, "vm", { get: () => session.vm, configurable: true });
  Object.defineProperty(globalThis, "cpu", {
    get: () => session.vm.cpu(session.cpu),
    configurable: true,
  });
  const globals = [...Object.keys(scope), "vm", "cpu", "console", "await"];

  const runCommand = async (line: string) => {
    const words = splitWords(line);
    const program = buildProgram("repl", { ...ctx, signal: abort?.signal });
    await program.parseAsync(words, { from: "user" });
  };

  // Lines run one after another on this chain. Results are printed here, not by the REPL's
  // writer, so that piped input can be acknowledged at once (node:repl builds a multi-line
  // buffer from the previous line's outcome, which must not wait for an async command).
  let chain: Promise<void> = Promise.resolve();
  const run = async (line: string, command: boolean, script?: nodeVm.Script) => {
    if (closed || !line.trim()) return;
    abort = new AbortController();
    try {
      if (command) {
        await runCommand(line);
        return;
      }
      const v = await script!.runInThisContext();
      (globalThis as Record<string, unknown>)._ = v;
      if (v !== undefined) io.out(formatValue(v, session));
    } catch (e) {
      (globalThis as Record<string, unknown>)._error = e;
      if ((e as Error)?.name === "CommanderError") {
        const code = (e as { code?: string }).code ?? "";
        if (!/helpDisplayed|help$|version/.test(code)) {
          const { commanderMessage } = await import("./main.ts");
          io.err(commanderMessage(e as Parameters<typeof commanderMessage>[0]));
        }
      } else {
        io.err(errorLine(e));
      }
    } finally {
      flushUart();
      abort = undefined;
    }
  };
  const evaluate = (
    code: string,
    _context: unknown,
    _file: string,
    cb: (err: Error | null, result?: unknown) => void,
  ) => {
    const line = code.replace(/\n$/, "");
    const command = isCommandLine(line, commandNames);
    let script: nodeVm.Script | undefined;
    if (!command && line.trim()) {
      try {
        script = compileJs(line);
      } catch (e) {
        if (isRecoverable(e)) return cb(new repl.Recoverable(e as Error));
        chain = chain.then(() => io.err(errorLine(e)));
        return terminal ? void chain.then(() => cb(null)) : cb(null);
      }
    }
    chain = chain.then(() => run(line, command, script));
    if (terminal) chain.then(() => cb(null));
    else cb(null);
  };

  if (terminal) {
    const o = session.vm.options;
    io.out(style.dim(
      `hvsh ${denoJson.version}: KVM/arm64 model, kernel ${o.kernel ?? "6.16"}, ` +
        `${session.vm.cpus.length} vCPU${session.vm.cpus.length > 1 ? "s" : ""}, hyp ${
          o.hyp ?? "kvm"
        }. Type help for commands, .exit to leave.`,
    ));
  }

  server = repl.start({
    prompt: terminal ? (useColour() ? "\x1b[36mhvsh>\x1b[39m " : "hvsh> ") : "",
    input: process.stdin,
    output: output as unknown as NodeJS.WritableStream,
    terminal,
    ignoreUndefined: true,
    eval: evaluate,
    completer: (line: string) => completeLine(line, ctx, globals),
  });

  if (!terminal) {
    // No prompts (not even the continuation prompt) when reading a script from a pipe.
    const srv = server;
    srv.displayPrompt = (preserveCursor?: boolean) => {
      readline.Interface.prototype.setPrompt.call(srv, "");
      srv.prompt(preserveCursor);
    };
  }

  server.defineCommand("help", {
    help: "List the shell's commands",
    action(this: repl.REPLServer) {
      chain = chain.then(() => io.out(replHelp(ctx)));
      if (terminal) chain.then(() => this.displayPrompt());
    },
  });

  // Ctrl-C stops a running command (`run`); otherwise node:repl's own handling (clear the line,
  // "press Ctrl+C again to exit").
  const replSigint = server.listeners("SIGINT") as ((...a: unknown[]) => void)[];
  server.removeAllListeners("SIGINT");
  server.on("SIGINT", (...a: unknown[]) => {
    if (abort) abort.abort();
    else for (const l of replSigint) l.apply(server, a);
  });

  const hist = opts.history === false ? undefined : historyPath();
  if (hist) {
    (server as unknown as { history: string[] }).history = loadHistory(hist);
    let last = "";
    server.on("line", (l: string) => {
      const t = l.trim();
      if (!t || t === last) return;
      last = t;
      try {
        Deno.writeTextFileSync(hist, t.replace(/\n/g, " ") + "\n", { append: true });
      } catch { /* history is best effort (read-only home, no permission) */ }
    });
  }

  return new Promise((resolve) => {
    server!.on("exit", () => {
      chain.then(() => {
        flushUart();
        resolve(0);
      });
    });
  });
}
