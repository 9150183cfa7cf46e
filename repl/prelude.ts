/**
 * The prelude of `deno task repl`: Deno's own REPL (TypeScript syntax, its
 * completion and history) with the hvsh API in scope. The shell built for
 * daily use is `hvsh shell`; this is the TypeScript escape hatch.
 *
 * In scope: `vm` (a fresh VM), `cpu` (its vCPU 0), `call(name, ...args)`
 * (an HVC on vCPU 0 that prints decoded), `asm`, `disassemble`, `hex64`,
 * `formatCall` and everything mod.ts exports (createVm, PSCI, SMCCC, TRNG,
 * KVM_VENDOR, KVM_REG, FW_REGS, SYSREGS, KvmError, ...).
 *
 * Imports go through the "hvsh" import-map entries: `deno repl --eval-file`
 * resolves relative imports against the working directory, not this file.
 *
 * @module
 */

import * as hvsh from "hvsh";
import { asm } from "hvsh/machine/cpu/asm.ts";
import { disassemble } from "hvsh/machine/cpu/disasm.ts";
import { formatCall, hex64 } from "hvsh/repl/format.ts";
import { parseCallId, parseU64 } from "hvsh/repl/values.ts";
import { FW_REGS } from "hvsh/hyp/mod.ts";

const {
  createVm,
  CallResult,
  describeResult,
  fidName,
  HYP_STUB,
  KVM_CAP,
  KVM_REG,
  KVM_VENDOR,
  KvmError,
  knownCalls,
  parseCall,
  PSCI,
  SMCCC,
  SYSREGS,
  TRNG,
} = hvsh;

// Call results print decoded in this REPL too ("x0 = 0x0000000000010003  PSCI 1.3").
Object.defineProperty(CallResult.prototype, Symbol.for("Deno.customInspect"), {
  value(this: hvsh.CallResult) {
    return formatCall(this);
  },
  configurable: true,
});

/** The VM of this session. */
const vm: hvsh.Vm = createVm();
/** Its vCPU 0. */
const cpu: hvsh.Vcpu = vm.cpu(0);

/** Issue `hvc #0` on vCPU 0: `call("PSCI_FEATURES", "CPU_ON64")`, `call(0x84000000)`. */
function call(
  name: string | number | bigint,
  ...args: (string | number | bigint)[]
): hvsh.CallResult {
  const fid = typeof name === "string" ? parseCallId(name) : name;
  const x = args.map((a, i) =>
    typeof a === "string" ? parseU64(a, `x${i + 1}`, { calls: true }) : a
  );
  return vm.cpu(0).call({ x: [BigInt(fid), ...x.map(BigInt)] });
}

// Keep every binding referenced so linters see them as the REPL's globals.
Object.assign(globalThis, {
  hvsh,
  FW_REGS,
  vm,
  cpu,
  call,
  asm,
  disassemble,
  hex64,
  formatCall,
  createVm,
  describeResult,
  fidName,
  HYP_STUB,
  KVM_CAP,
  KVM_REG,
  KVM_VENDOR,
  KvmError,
  knownCalls,
  parseCall,
  PSCI,
  SMCCC,
  SYSREGS,
  TRNG,
});
