/**
 * Interpreter throughput. Each benchmark iteration retires exactly
 * {@link N} guest instructions, so MIPS = N / (time per iteration in µs).
 *
 * ```sh
 * deno bench --allow-read machine/cpu/bench/cpu_bench.ts   # Deno's table
 * deno run machine/cpu/bench/cpu_bench.ts [alu|strategies|hvc]   # prints MIPS directly
 * ```
 *
 * Kernels:
 * - alu: add/eor/sub/orr/lsl/add/add/cmp/b.ne, the register-only loop;
 * - strategies: the 13.5-instruction loop of /work/shared/exec-strategies.md
 *   (mul, logical immediate, register-offset store, load, test-and-branch);
 * - hvc: an `hvc #0` that the host answers with CONTINUE, in a 3-instruction loop.
 *
 * Measured on the reference host (exec-strategies.md §1, one kernel per
 * process, 2026-11): alu 66-72 MIPS, strategies 44-50 MIPS, hvc 15-16 MIPS
 * (about 190 ns per HVC round trip including its two companions).
 *
 * @module
 */

import { MachineMemory, RAM_BASE } from "../../state.ts";
import { asm, type AsmImage } from "../asm.ts";
import { CallAction } from "../callbacks.ts";
import { Cpu, resetVcpu } from "../cpu.ts";

/** Instructions per benchmark iteration. */
export const N = 1_000_000;
/** Instructions per run() call (a scheduler slice). */
const SLICE = 100_000;

const BASE = BigInt(RAM_BASE) + 0x8_0000n;

const KERNELS: Record<string, AsmImage> = {
  alu: asm.at(BASE)`
      mov x1, #0
      mov x2, #1
      ldr x9, =1000000000000
    0: add x3, x3, x2
      eor x4, x4, x3
      sub x5, x4, #7
      orr x6, x5, x3
      lsl x7, x6, #3
      add x8, x7, x1
      add x1, x1, #1
      cmp x1, x9
      b.ne 0b
      b .`,
  strategies: asm.at(BASE)`
      ldr x1, =1000000000000
      ldr x2, =${RAM_BASE + 0x20_0000}
    0: add x3, x3, x4
      sub x5, x3, #7
      eor x4, x4, x5
      lsl x6, x4, #3
      mul x7, x6, x3
      and x10, x1, #0xff8
      str x7, [x2, x10]
      ldr x8, [x2, #8]
      tbnz w1, #0, 1f
      add x9, x9, x8
      b 2f
    1: sub x9, x9, x8
    2: eor x9, x9, x3
      subs x1, x1, #1
      b.ne 0b
      b .`,
  hvc: asm.at(BASE)`
    0: hvc #0
      add x0, x0, #1
      b 0b`,
};

function machine(img: AsmImage): { cpu: Cpu; mm: MachineMemory } {
  const mm = new MachineMemory(1, 64);
  const cpu = new Cpu(mm, {
    mmioRead: () => false,
    mmioWrite: () => false,
    sysregRead: () => false,
    sysregWrite: () => false,
    smc: () => CallAction.UNDEF,
    wait: () => false,
    hvc: () => CallAction.CONTINUE,
  });
  cpu.loadBytes(img.base, img.bytes);
  resetVcpu(mm, 0, { el: 1, pc: img.entry });
  return { cpu, mm };
}

/** Retire exactly N instructions in slices. */
function runN(cpu: Cpu): void {
  let left = N;
  while (left > 0) {
    const before = cpu.icount(0);
    cpu.run(0, Math.min(SLICE, left));
    left -= cpu.icount(0) - before;
  }
}

for (const [name, img] of Object.entries(KERNELS)) {
  const { cpu } = machine(img);
  Deno.bench({ name: `cpu ${name} (${N / 1e6}M instructions)`, fn: () => runN(cpu) });
}

if (import.meta.main) {
  // `deno run cpu_bench.ts [kernel...]`: one kernel per process gives the steadiest numbers.
  const names = Deno.args.length ? Deno.args : Object.keys(KERNELS);
  for (const name of names) {
    const img = KERNELS[name];
    const { cpu } = machine(img);
    for (let k = 0; k < 3; k++) runN(cpu); // warm up
    const rates: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      runN(cpu);
      rates.push(N / (performance.now() - t) / 1e3);
    }
    rates.sort((a, b) => a - b);
    console.log(
      `${name.padEnd(11)} best ${rates[4].toFixed(1)} MIPS, median ${rates[2].toFixed(1)} MIPS`,
    );
  }
}
