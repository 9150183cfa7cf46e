/**
 * Helpers for tests that drive hvsh as a process: spawn the CLI the way the
 * `./hvsh` launcher runs it, and drive the shell through a pseudo-terminal
 * (util-linux `script`).
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url).pathname;

/** The permission flags of the `./hvsh` launcher and `deno task hvsh`. */
export const HVSH_FLAGS = [
  "run",
  "--ignore-env",
  "--allow-env=NO_COLOR,FORCE_COLOR,TERM,CI,HOME,HVSH_HISTORY",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  `--config=${ROOT}deno.json`,
  `${ROOT}repl/main.ts`,
];

/** What a finished process gave. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `hvsh args...` (stdin from `input` when given) and collect its output. */
export async function hvsh(
  args: string[],
  opts: { input?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<Ran> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [...HVSH_FLAGS, ...args],
    stdin: opts.input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    cwd: opts.cwd ?? ROOT,
    env: { RUST_BACKTRACE: "0", NO_COLOR: "", ...opts.env },
  });
  const child = cmd.spawn();
  if (opts.input !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.input));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Whether a program is on PATH. */
export function have(program: string): boolean {
  try {
    const r = new Deno.Command("sh", {
      args: ["-c", `command -v ${program}`],
      stdout: "null",
      stderr: "null",
    })
      .outputSync();
    return r.success;
  } catch {
    return false;
  }
}

/** Remove ANSI escape sequences and carriage returns (pty output). */
export function plain(s: string): string {
  // deno-lint-ignore no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/\r/g, "");
}

/**
 * A process on a pseudo-terminal, driven like a user: `send` keystrokes,
 * `expect` output. Uses util-linux `script`.
 */
export class Pty {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #buf = "";
  #done: Promise<void>;

  constructor(command: string[], env: Record<string, string> = {}) {
    const line = command.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    const child = new Deno.Command("script", {
      args: ["-qfec", `stty cols 200 rows 50 2>/dev/null; exec ${line}`, "/dev/null"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      cwd: ROOT,
      env: { RUST_BACKTRACE: "0", TERM: "xterm", NO_COLOR: "", ...env },
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    const dec = new TextDecoder();
    this.#done = (async () => {
      for await (const chunk of child.stdout) {
        this.#buf += dec.decode(chunk, { stream: true });
      }
    })();
    child.stderr.cancel();
  }

  /** Everything written so far. */
  get output(): string {
    return this.#buf;
  }

  /** Type `text` (use "\t" for Tab, "\r" for Enter, "\x03" for Ctrl-C, "\x04" for Ctrl-D). */
  async send(text: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(text));
  }

  /** Wait until the output after `from` matches `re`; returns the text after `from`. */
  async expect(re: RegExp, from = 0, timeoutMs = 15_000): Promise<string> {
    const start = performance.now();
    while (performance.now() - start < timeoutMs) {
      const text = plain(this.#buf.slice(from));
      if (re.test(text)) return text;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(
      `Timed out waiting for ${re}; the terminal shows:\n${plain(this.#buf.slice(from))}`,
    );
  }

  /** Close input and wait for the process; returns its exit code. */
  async close(): Promise<number> {
    try {
      await this.#writer.close();
    } catch { /* already closed */ }
    const status = await this.#child.status;
    await this.#done;
    return status.code;
  }

  /** Kill it (test cleanup). */
  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* gone */ }
  }
}

/** A YAML scenario with a syntax error on line 5, column 22 (kept out of the tree: `deno fmt` would reject it). */
export const MALFORMED_YAML = `# a YAML syntax error on line 5
name: broken
steps:
  - call: PSCI_VERSION
    expect: { x0: [1 }
`;

/** A temporary directory holding `files` (name → content); removed by the returned function. */
export async function tempDir(
  files: Record<string, string>,
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "hvsh_test_" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return { dir, remove: () => Deno.remove(dir, { recursive: true }) };
}
