/**
 * The part of the machine contract the shell runs guests through
 * (design.md: `vm.run`, `vm.uart`), typed here so `boot`, the REPL's
 * `step`/`run` and YAML `run` steps can be written against it while the CPU
 * is being finished. {@link guestVm} narrows a {@link Vm} to it;
 * {@link machineCanRun} says whether guest code can run yet (tests use it to
 * skip, so they start running as soon as the machine lands).
 *
 * @module
 */

import { createVm, type GuestError, type RunReason, type Vm } from "../machine/mod.ts";
import { asm } from "../machine/cpu/asm.ts";
import type { VcpuExit } from "../hyp/mod.ts";

/** Why `vm.run()` stopped (design.md). */
export type { RunReason };

/** What `vm.run()` returns. */
export interface GuestRun {
  reason: RunReason | string;
  cpu: number;
  pc: bigint;
  /** Instructions retired by this run (all vCPUs). */
  instructions?: number;
  exit?: VcpuExit | null;
  error?: GuestError;
  /** vCPUs left in an exception loop while the others ran on. */
  stuck?: GuestError[];
}

/** The guest-running surface of a VM. */
export interface GuestVm {
  run(opts: { maxInstructions?: number; until?: unknown }): GuestRun | Promise<GuestRun>;
  readonly uart: {
    text(): string;
    onOutput(fn: (byte: number) => void): () => void;
    input(data: string | Uint8Array): void;
  };
}

/** The VM seen through the guest-running contract. */
export function guestVm(vm: Vm): GuestVm {
  return vm as unknown as GuestVm;
}

let canRun: boolean | undefined;

/**
 * Whether the machine can run guest code: `vm.run({ maxInstructions: 1 })`
 * on a throwaway VM does not throw. Cached.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { machineCanRun } from "./_machine.ts";
 * assert(typeof machineCanRun() === "boolean");
 * ```
 */
export function machineCanRun(): boolean {
  if (canRun === undefined) {
    try {
      const vm = createVm({ memoryMiB: 4 });
      vm.load(asm`nop
                  b .`);
      guestVm(vm).run({ maxInstructions: 1 });
      canRun = true;
    } catch (e) {
      // A guest failure reported by throwing still means the CPU ran.
      canRun = (e as Error)?.name === "GuestError";
    }
  }
  return canRun;
}

/** The reason tests give when they skip for {@link machineCanRun}. */
export const MACHINE_PENDING =
  "guest execution is not available yet: vm.run({ maxInstructions: 1 }) throws (machine issue)";
