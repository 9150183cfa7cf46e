/**
 * The three performance targets in one process, for interleaved repeated runs
 * (`deno run -A --v8-flags=--max-inlined-bytecode-size-cumulative=2000 bench/perf.ts [what...]`):
 *
 * - `hvc-firmware`, `hvc-kvm`: ns per guest `hvc #0` PSCI_VERSION round trip =
 *   (t(hvcloop n) - t(hvcloop n nohvc=1)) / n, each the minimum of `REPS`
 *   alternating runs, under hyp "firmware" (bench.json's machine) and "kvm";
 * - `direct`: `vm.cpu(0).hvc(PSCI.VERSION)` calls per second (trace on), best of `REPS`;
 * - `alu`, `sieve`: MIPS of the bench guests (exec-strategies.md §1 loop, C sieve), best of `REPS`.
 *
 * Prints one `name value` line per target. Noise on a shared 2-core host is
 * large: run several processes interleaved and take medians (bench/perf.sh).
 *
 * @module
 */

import { createVm, PSCI } from "../mod.ts";

const ROOT = new URL("../", import.meta.url);
const REPS = Number(Deno.env.get("REPS") ?? 4);

async function guest(image: string, hyp: "firmware" | "kvm", append: string) {
  const vm = createVm({ cpus: 1, memoryMiB: 128, gic: 3, hyp });
  await vm.load(new URL(`bench/guests/${image}`, ROOT).pathname, { bootargs: append });
  return vm;
}

async function timed(image: string, hyp: "firmware" | "kvm", append: string) {
  const vm = await guest(image, hyp, append);
  const t = performance.now();
  const r = vm.run({ maxInstructions: 50_000_000_000 });
  const ms = performance.now() - t;
  if (r.reason !== "system_off") throw new Error(`${image} ${append}: ${r.reason}`);
  return { ms, insns: r.instructions };
}

async function hvcNs(hyp: "firmware" | "kvm", n: number): Promise<number> {
  let a = Infinity, b = Infinity;
  for (let k = 0; k < REPS; k++) {
    a = Math.min(a, (await timed("hvcloop.bin", hyp, `n=${n}`)).ms);
    b = Math.min(b, (await timed("hvcloop.bin", hyp, `n=${n} nohvc=1`)).ms);
  }
  return (a - b) * 1e6 / n;
}

async function mips(image: string, append: string): Promise<number> {
  let best = 0;
  for (let k = 0; k < REPS; k++) {
    const r = await timed(image, "firmware", append);
    best = Math.max(best, r.insns / r.ms / 1e3);
  }
  return best;
}

function direct(n: number): number {
  const vm = createVm({ memoryMiB: 1 });
  const cpu = vm.cpu(0);
  // Called through a closure, as `deno bench` calls its body: the same loop written out here
  // runs as on-stack-replaced code, which V8 compiles to about 2/3 of the speed.
  const call = () => cpu.hvc(PSCI.VERSION);
  let best = 0;
  for (let k = 0; k < REPS + 1; k++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) call();
    best = Math.max(best, n / (performance.now() - t) / 1e3);
  }
  return best;
}

const what = Deno.args.length ? Deno.args : ["hvc-firmware", "hvc-kvm", "direct", "alu"];
for (const w of what) {
  switch (w) {
    case "hvc-firmware":
      console.log(`hvc-firmware ${(await hvcNs("firmware", 1_000_000)).toFixed(1)} ns`);
      break;
    case "hvc-kvm":
      console.log(`hvc-kvm ${(await hvcNs("kvm", 1_000_000)).toFixed(1)} ns`);
      break;
    case "direct":
      console.log(`direct ${direct(2_000_000).toFixed(2)} Mcalls/s`);
      break;
    case "alu":
      console.log(`alu ${(await mips("alu.bin", "n=3000000")).toFixed(1)} MIPS`);
      break;
    case "sieve":
      console.log(`sieve ${(await mips("sieve.bin", "n=5000000")).toFixed(1)} MIPS`);
      break;
    default:
      throw new Error(`unknown target ${w}`);
  }
}
