/**
 * A stand-in for guest execution in tests: replaces `Vm.prototype.run` with
 * a scripted one (prints to the UART, moves the PC, stops for the given
 * reason) so the shell's guest paths are tested before the CPU can run code.
 *
 * @module
 */
import { Vm } from "../machine/mod.ts";
import type { GuestRun } from "./_machine.ts";

/** What the fake does on each `run()` call, in order (the last one repeats). */
export interface FakeStep {
  print?: string;
  reason?: string;
  /** Advance vCPU 0's PC and set X1 (to see `step` report register changes). */
  x1?: bigint;
  instructions?: number;
}

/** Install the fake; returns a function that restores the real `run` and the budgets it was given. */
export function fakeRun(steps: FakeStep[]): { restore(): void; budgets: number[] } {
  const proto = Vm.prototype as unknown as { run: (o: { maxInstructions?: number }) => unknown };
  const real = proto.run;
  const budgets: number[] = [];
  let i = 0;
  proto.run = function (this: Vm, o: { maxInstructions?: number }): GuestRun {
    budgets.push(o.maxInstructions ?? 0);
    const s = steps[Math.min(i++, steps.length - 1)];
    const uart = this.uart as unknown as {
      write(c: number, off: number, size: number, lo: number, hi: number): void;
    };
    for (const b of new TextEncoder().encode(s.print ?? "")) uart.write(0, 0, 1, b, 0);
    if (s.x1 !== undefined) this.cpu(0).x[1] = s.x1;
    this.cpu(0).pc += 4n;
    return {
      reason: s.reason ?? "limit",
      cpu: 0,
      pc: this.cpu(0).pc,
      instructions: s.instructions ?? o.maxInstructions,
    };
  };
  return { restore: () => void (proto.run = real), budgets };
}
