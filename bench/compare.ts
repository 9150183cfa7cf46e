/**
 * hvsh against QEMU TCG on the same guest images, in one run
 * (`deno run -A bench/compare.ts [--quick]`): the ALU loop of
 * exec-strategies.md §1, a C sieve, and an HVC loop. Prints MIPS for both,
 * ns per HVC round trip (guest `hvc #0` → PSCI_VERSION → back), and the
 * ratios. QEMU's half is skipped with a note when qemu-system-aarch64 is absent.
 *
 * Instruction counts: hvsh counts retired instructions exactly; QEMU's MIPS
 * use the same count (the guests are deterministic), measured over wall time of
 * the whole process minus its boot-to-power-off baseline (alu n=1).
 *
 * @module
 */

import { createVm } from "../mod.ts";

interface Entry {
  name: string;
  image: string;
  qemuArgs: string[];
  hvsh: { cpus: number; memoryMiB: number; gic: 2 | 3; hyp: "firmware" };
}

const ROOT = new URL("../", import.meta.url);
const BENCH: Entry[] = JSON.parse(
  await Deno.readTextFile(new URL("bench/guests/bench.json", ROOT)),
);
const quick = Deno.args.includes("--quick");
const entry = (name: string) => BENCH.find((e) => e.name === name)!;
const e0 = (name: string) => entry(name).hvsh.hyp;

/** Run a guest on hvsh; returns wall ms, retired instructions and the UART line. */
async function hvsh(name: string, append: string, hyp: "firmware" | "kvm" = e0(name)) {
  const e = entry(name);
  const vm = createVm({ ...e.hvsh, hyp });
  await vm.load(new URL(e.image, ROOT).pathname, { bootargs: append });
  const t = performance.now();
  const r = vm.run({ maxInstructions: 50_000_000_000 });
  const ms = performance.now() - t;
  if (r.reason !== "system_off") {
    throw new Error(`${name} ${append}: ${r.reason} ${r.error?.message ?? ""}`);
  }
  return { ms, insns: r.instructions, out: vm.uart.text().trim() };
}

const hasQemu = await new Deno.Command("qemu-system-aarch64", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((o) => o.success).catch(() => false);

/** Run a guest under QEMU; returns wall ms of the whole process and its output line. */
async function qemu(name: string, append: string) {
  const e = entry(name);
  const t = performance.now();
  const o = await new Deno.Command("qemu-system-aarch64", {
    args: [...e.qemuArgs, "-append", append],
    cwd: new URL(".", ROOT).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t;
  if (!o.success) throw new Error(`qemu ${name}: ${new TextDecoder().decode(o.stderr)}`);
  return { ms, out: new TextDecoder().decode(o.stdout).trim() };
}

const best = async <T extends { ms: number }>(n: number, f: () => Promise<T>): Promise<T> => {
  let b: T | undefined;
  for (let i = 0; i < n; i++) {
    const r = await f();
    if (!b || r.ms < b.ms) b = r;
  }
  return b!;
};

const reps = quick ? 1 : 3;
const aluN = quick ? 2_000_000 : 20_000_000;
const sieveN = quick ? 1_000_000 : 10_000_000;
const hvcN = quick ? 200_000 : 2_000_000;

const rows: string[][] = [["workload", "hvsh", "QEMU", "hvsh / QEMU"]];
const fmt = (v: number, unit: string) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ${unit}`;

// ALU loop and sieve: MIPS.
for (const [name, append] of [["alu", `n=${aluN}`], ["sieve", `n=${sieveN}`]] as const) {
  const h = await best(reps, () => hvsh(name, append));
  const mips = h.insns / h.ms / 1000;
  let q = "skipped", ratio = "";
  if (hasQemu) {
    const base = await best(reps, () => qemu("alu", "n=1"));
    const r = await best(reps, () => qemu(name, append));
    if (r.out !== h.out) throw new Error(`${name}: hvsh printed ${h.out}, QEMU ${r.out}`);
    const qmips = h.insns / Math.max(1, r.ms - base.ms) / 1000;
    q = fmt(qmips, "MIPS");
    ratio = (mips / qmips).toFixed(2);
  }
  rows.push([
    `${name} ${append} (${(h.insns / 1e6).toFixed(0)}M insns)`,
    fmt(mips, "MIPS"),
    q,
    ratio,
  ]);
}

// HVC round trip: the loop with and without the HVC, answered by QEMU's firmware PSCI (the
// mode QEMU's side runs) and by the KVM model (dispatcher, filter and bitmap checks, trace).
let qns = NaN;
if (hasQemu) {
  const qa = await best(reps, () => qemu("hvcloop", `n=${hvcN}`));
  const qb = await best(reps, () => qemu("hvcloop", `n=${hvcN} nohvc=1`));
  const h = await hvsh("hvcloop", `n=${hvcN}`);
  if (qa.out !== h.out) throw new Error(`hvcloop: hvsh printed ${h.out}, QEMU ${qa.out}`);
  qns = (qa.ms - qb.ms) * 1e6 / hvcN;
}
for (const hyp of ["firmware", "kvm"] as const) {
  const a = await best(reps, () => hvsh("hvcloop", `n=${hvcN}`, hyp));
  const b = await best(reps, () => hvsh("hvcloop", `n=${hvcN} nohvc=1`, hyp));
  const ns = (a.ms - b.ms) * 1e6 / hvcN;
  rows.push([
    `hvcloop n=${hvcN} (PSCI_VERSION over HVC, hyp ${hyp})`,
    fmt(ns, "ns/HVC"),
    hasQemu ? fmt(qns, "ns/HVC") : "skipped",
    hasQemu ? (ns / qns).toFixed(2) : "",
  ]);
}

const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join("  "));
if (!hasQemu) console.log("\nqemu-system-aarch64 is not installed: QEMU's half was skipped.");
