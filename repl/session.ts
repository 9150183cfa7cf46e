/**
 * The REPL's state: the VM, the selected vCPU, and the UART stream. `reset`
 * replaces the VM (optionally with new options); everything that refers to
 * `vm` in the REPL follows it.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Session } from "./session.ts";
 * const s = new Session({ cpus: 2, memoryMiB: 8 });
 * s.selectCpu(1);
 * assert(s.cpu === 1 && s.vm.cpus.length === 2);
 * ```
 *
 * @module
 */

import type { Vm, VmOptions } from "../machine/mod.ts";
import { makeVm } from "./actions.ts";
import { guestVm } from "./_machine.ts";
import { UsageError } from "./values.ts";

/** One REPL session. */
export class Session {
  #vm: Vm;
  #cpu = 0;
  #unsubscribe: (() => void) | undefined;
  /** Receives guest UART bytes as they are written (the REPL prints them). */
  onUart: ((bytes: Uint8Array) => void) | undefined;

  /** A session with a fresh VM made from `options`. */
  constructor(options: VmOptions = {}) {
    this.#vm = makeVm(options);
    this.#watch();
  }

  /** The current VM. */
  get vm(): Vm {
    return this.#vm;
  }
  /** The selected vCPU index (commands act on it unless given `--cpu`). */
  get cpu(): number {
    return this.#cpu;
  }

  /** Select vCPU `n`. */
  selectCpu(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.#vm.cpus.length) {
      throw new UsageError(
        `No vCPU ${n}: this VM has ${this.#vm.cpus.length} (0..${this.#vm.cpus.length - 1})`,
      );
    }
    this.#cpu = n;
  }

  /** A fresh VM with the current options, changed by `changes`. */
  reset(changes: VmOptions = {}): Vm {
    const vm = makeVm({ ...this.#vm.options, ...changes });
    this.#unsubscribe?.();
    this.#vm = vm;
    this.#cpu = 0;
    this.#watch();
    return vm;
  }

  #watch(): void {
    const uart = guestVm(this.#vm).uart;
    this.#unsubscribe = uart?.onOutput?.((b) => this.onUart?.(new Uint8Array([b])));
  }
}
