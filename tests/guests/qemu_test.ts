/**
 * The test guests against QEMU: every entry of guests.json is booted under
 * qemu-system-aarch64 with its `qemuArgs` and its UART transcript must equal
 * the committed golden file, so the goldens cannot rot. Skipped (with a note)
 * when QEMU is not installed; the manifest checks run everywhere.
 *
 * The bench guests (bench/guests/bench.json) get the same treatment with
 * their short `check` run, so their checksums stay right too.
 *
 * The guests run in parallel, each with its own timeout; the whole file
 * takes a few seconds on a 2-core machine.
 */
import { assert, assertEquals } from "@std/assert";

/** One guest of tests/guests/guests.json (paths relative to the repository root). */
export interface GuestEntry {
  name: string;
  /** Raw image linked at 0x4008_0000 (QEMU -kernel; hvsh `boot`/`vm.load`). */
  image: string;
  /** qemu-system-aarch64 arguments, run from the repository root. */
  qemuArgs: string[];
  /** The hvsh machine that should print the same transcript. */
  hvsh: { cpus: number; memoryMiB: number; gic: 2 | 3; hyp: "firmware" | "none" | "kvm" };
  /** The UART transcript QEMU printed. */
  golden: string;
  notes: string;
}

const ROOT = new URL("../../", import.meta.url);
const path = (p: string) => new URL(p, ROOT).pathname;
const MANIFEST: GuestEntry[] = JSON.parse(
  await Deno.readTextFile(new URL("guests.json", import.meta.url)),
);
/** One bench guest of bench/guests/bench.json. */
export interface BenchEntry {
  name: string;
  image: string;
  /** qemu-system-aarch64 arguments without -append. */
  qemuArgs: string[];
  hvsh: GuestEntry["hvsh"];
  /** A short run for tests: its -append value and the one line it prints. */
  check: { append: string; expect: string };
  /** The measured runs (bench/guests/README.md). */
  runs: { append: string; expect: string; guestInstructions?: number }[];
  notes: string;
}
const BENCH: BenchEntry[] = JSON.parse(
  await Deno.readTextFile(new URL("bench/guests/bench.json", ROOT)),
);
const PER_GUEST_TIMEOUT_MS = 20_000;

async function has(cmd: string): Promise<boolean> {
  try {
    const r = await new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return r.success;
  } catch {
    return false;
  }
}
const hasQemu = await has("qemu-system-aarch64");
if (!hasQemu) {
  console.warn(
    "qemu_test: qemu-system-aarch64 not found; skipping the QEMU golden checks " +
      "(Debian: apt-get install qemu-system-arm)",
  );
}

/** Boot one guest under QEMU; the UART transcript, exit code and whether it timed out. */
async function runQemu(
  args: string[],
): Promise<{ text: string; code: number; timedOut: boolean; stderr: string }> {
  const child = new Deno.Command("qemu-system-aarch64", {
    args,
    cwd: ROOT.pathname,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, PER_GUEST_TIMEOUT_MS);
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    return {
      text: dec.decode(out.stdout),
      code: out.code,
      timedOut,
      stderr: dec.decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The value of QEMU option `opt` (e.g. "-smp"), or undefined. */
function qemuOpt(args: string[], opt: string): string | undefined {
  const i = args.indexOf(opt);
  return i >= 0 ? args[i + 1] : undefined;
}

Deno.test("guests.json entries are complete and agree with their QEMU arguments", async () => {
  const names = new Set<string>();
  for (const g of MANIFEST) {
    assert(!names.has(g.name), `duplicate guest name: ${g.name}`);
    names.add(g.name);
    for (const f of [g.image, g.golden]) {
      assert((await Deno.stat(path(f))).isFile, `${g.name}: missing file: ${f}`);
    }
    const machine = qemuOpt(g.qemuArgs, "-M") ?? "";
    const props = new Map(
      machine.split(",").slice(1).map((kv) => kv.split("=") as [string, string]),
    );
    assertEquals(machine.split(",")[0], "virt", `${g.name}: machine`);
    assertEquals(qemuOpt(g.qemuArgs, "-kernel"), g.image, `${g.name}: -kernel is the image`);
    assertEquals(Number(qemuOpt(g.qemuArgs, "-smp") ?? 1), g.hvsh.cpus, `${g.name}: -smp`);
    assertEquals(Number(qemuOpt(g.qemuArgs, "-m")), g.hvsh.memoryMiB, `${g.name}: -m`);
    assertEquals(Number(props.get("gic-version") ?? 2), g.hvsh.gic, `${g.name}: gic-version`);
    // QEMU virtualization=on (EL2 boot, PSCI by SMC) is hvsh hyp "none"; plain virt is "firmware".
    const el2 = props.get("virtualization") === "on";
    assertEquals(g.hvsh.hyp, el2 ? "none" : "firmware", `${g.name}: hyp`);
    const golden = await Deno.readTextFile(path(g.golden));
    assert(golden.endsWith("\n") && !golden.includes("\r"), `${g.name}: golden line endings`);
  }
});

Deno.test("bench.json entries are complete", async () => {
  for (const b of BENCH) {
    assert((await Deno.stat(path(b.image))).isFile, `${b.name}: missing image ${b.image}`);
    assertEquals(qemuOpt(b.qemuArgs, "-kernel"), b.image, `${b.name}: -kernel is the image`);
    assertEquals(Number(qemuOpt(b.qemuArgs, "-m")), b.hvsh.memoryMiB, `${b.name}: -m`);
    assert(b.check.expect.startsWith(`${b.name}: `), `${b.name}: check.expect`);
    assert(b.runs.length > 0 && b.runs.every((r) => r.expect.startsWith(`${b.name}: `)));
  }
});

Deno.test({
  name: "every guest in guests.json and bench.json prints its golden output under QEMU",
  ignore: !hasQemu,
  async fn() {
    const jobs = [
      ...MANIFEST.map(async (g) => ({
        name: g.name,
        what: g.golden,
        want: await Deno.readTextFile(path(g.golden)),
        r: await runQemu(g.qemuArgs),
      })),
      ...BENCH.map(async (b) => ({
        name: `${b.name} (${b.check.append})`,
        what: "bench.json check.expect",
        want: b.check.expect + "\n",
        r: await runQemu([...b.qemuArgs, "-append", b.check.append]),
      })),
    ];
    const failures: string[] = [];
    for (const { name, what, want, r } of await Promise.all(jobs)) {
      if (r.timedOut) {
        failures.push(`${name}: timed out after ${PER_GUEST_TIMEOUT_MS} ms:\n${r.text}`);
      } else if (r.code !== 0) {
        failures.push(`${name}: qemu exited with ${r.code}: ${r.stderr}`);
      } else if (r.text !== want) {
        failures.push(`${name}: output differs from ${what}:\n${diff(want, r.text)}`);
      }
    }
    assertEquals(failures, [], failures.join("\n\n"));
  },
});

/** The first differing lines, for the failure message. */
function diff(want: string, got: string): string {
  const a = want.split("\n"), b = got.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `  line ${i + 1}:\n  - ${a[i] ?? "(end)"}\n  + ${b[i] ?? "(end)"}`;
    }
  }
  return "  (identical lines; trailing bytes differ)";
}
