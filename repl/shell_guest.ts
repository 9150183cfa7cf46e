/**
 * The REPL's guest commands: `load`, `step` (with the registers it changed
 * and the next instruction) and `run` (UART streamed, Ctrl-C stops).
 *
 * @module
 */

import { disassemble } from "../machine/cpu/disasm.ts";
import type { Io } from "./actions.ts";
import { guestVm } from "./_machine.ts";
import { hex, hex64, style } from "./format.ts";
import { describeRun, runGuest } from "./guest.ts";
import type { Session } from "./session.ts";

/** The instruction at vCPU `cpu`'s PC, disassembled ("" when the PC is not in RAM). */
function nextInsn(s: Session, cpu: number): string {
  const pc = s.vm.cpu(cpu).pc;
  try {
    return disassemble(s.vm.memory.readU32(pc), pc);
  } catch {
    return "(pc not in RAM)";
  }
}

/** `load FILE`: load an image as QEMU -kernel and say where it went. */
export async function loadCommand(
  s: Session,
  file: string,
  o: { append?: string; initrd?: string },
  io: Io,
): Promise<void> {
  const img = await s.vm.load(file, { bootargs: o.append, initrd: o.initrd });
  io.out(
    `${img.kind} image: entry ${hex(img.entry)}, cpu 0 starts at ${hex(s.vm.cpu(0).pc)}${
      img.dtbAddr !== undefined ? `, DTB at ${hex(img.dtbAddr)}` : ""
    }`,
  );
  for (const seg of img.segments) {
    io.out(style.dim(`  ${seg.name.padEnd(8)} ${hex(seg.addr)}..${hex(seg.addr + seg.memSize)}`));
  }
  for (const w of img.warnings) io.out(style.yellow(`  note: ${w}`));
}

/** `step N`: execute N instructions, print the registers that changed and the next instruction. */
export async function stepCommand(s: Session, n: number, io: Io): Promise<void> {
  const cpu = s.cpu, v = s.vm.cpu(cpu);
  const before = [...v.x], pc0 = v.pc, insn = nextInsn(s, cpu);
  const run = await guestVm(s.vm).run({ maxInstructions: n });
  if (n === 1) io.out(style.dim(`${hex64(pc0)}  ${insn}`));
  const after = [...v.x];
  for (let k = 0; k < 31; k++) {
    if (after[k] !== before[k]) io.out(`x${k} ${hex64(before[k])} → ${hex64(after[k])}`);
  }
  if (run.reason !== "limit") io.out(style.yellow(describeRun(run)));
  io.out(`cpu ${cpu}  pc ${hex64(v.pc)}  EL${v.el}  ${style.cyan(nextInsn(s, cpu))}`);
}

/** `run`: run until the guest stops, the budget runs out, the UART shows a text, or Ctrl-C. */
export async function runCommand(
  s: Session,
  o: { maxInstructions?: number; untilUart?: string },
  io: Io,
  signal?: AbortSignal,
): Promise<void> {
  const start = performance.now();
  let stopped = false;
  const out = await runGuest(s.vm, {
    maxInstructions: o.maxInstructions ?? 1e9,
    chunk: 200_000,
    untilUart: o.untilUart,
    onChunk: () => {
      if (signal?.aborted) stopped = true;
    },
    shouldStop: () => stopped || !!signal?.aborted,
    yieldEvery: true,
  });
  const ms = performance.now() - start;
  const why = signal?.aborted
    ? "interrupted"
    : out.matched
    ? `UART output contains ${JSON.stringify(o.untilUart)}`
    : describeRun(out.run, out.instructions);
  io.out(
    `${style.yellow(why)} ${style.dim(`(${out.instructions} instructions, ${Math.round(ms)} ms)`)}`,
  );
}
