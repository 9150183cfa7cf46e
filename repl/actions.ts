/**
 * What the shell's VM commands do — `call`, `regs`, `calls`, `get`, `set`,
 * `filter`, `trace`, `info`, `disasm` — shared by the CLI (on a fresh VM)
 * and the REPL (on the session's VM). Output goes through {@link Io} so the
 * REPL and tests can capture it.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createVm } from "../mod.ts";
 * import { callCommand } from "./actions.ts";
 * const lines: string[] = [];
 * callCommand(createVm({ memoryMiB: 1 }), 0, "PSCI_VERSION", [], {}, { out: (s) => lines.push(s), err: () => {} });
 * assert(lines[0] === "x0 = 0x0000000000010003  PSCI 1.3");
 * ```
 *
 * @module
 */

import {
  fidName,
  FILTER_ACTION_NAMES,
  type FilterAction,
  FW_REGS,
  knownCalls,
  KvmError,
} from "../hyp/mod.ts";
import { createVm, type Vm, type VmOptions } from "../machine/mod.ts";
import { disassemble } from "../machine/cpu/disasm.ts";
import {
  describeFwReg,
  describeVcpuExit,
  formatCall,
  hex,
  hex64,
  style,
  traceLine,
} from "./format.ts";
import { parseAssignment, parseCallId, parseCount, parseU64, UsageError } from "./values.ts";

/** Where command output goes. */
export interface Io {
  /** One result line (or several joined by newlines). */
  out(text: string): void;
  /** One error line. */
  err(text: string): void;
}

/** The VM options the CLI accepts (`--kernel`, `--cpus`, ...), as commander gives them. */
export interface VmFlags {
  kernel?: string;
  cpus?: number;
  memory?: number;
  protected?: boolean;
  hyp?: string;
  gic?: string | number;
  el2?: boolean;
}

/** Turn CLI flags into createVm options. */
export function vmOptions(f: VmFlags, base: VmOptions = {}): VmOptions {
  const o: VmOptions = { ...base };
  if (f.kernel !== undefined) o.kernel = f.kernel;
  if (f.cpus !== undefined) o.cpus = f.cpus;
  if (f.memory !== undefined) o.memoryMiB = f.memory;
  if (f.protected !== undefined) o.protected = f.protected;
  if (f.hyp !== undefined) o.hyp = f.hyp as VmOptions["hyp"];
  if (f.el2) {
    if (f.hyp !== undefined && f.hyp !== "none") {
      throw new UsageError(`Conflicting options: --el2 means --hyp none, not --hyp ${f.hyp}`);
    }
    o.hyp = "none";
  }
  if (f.gic !== undefined) o.gic = Number(f.gic) as 2 | 3;
  return o;
}

/** Create a VM, turning option errors (unknown kernel, bad GIC) into usage errors. */
export function makeVm(opts: VmOptions): Vm {
  try {
    return createVm(opts);
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
}

/** Whether a VM's vCPU answers hyp-stub calls at EL1 (x0 is a stub number, not an SMCCC ID). */
function stubMode(vm: Vm): boolean {
  return vm.el2Handler === "hyp-stub" || vm.el2Handler === "kvm-nvhe";
}

/** Options of {@link callCommand}. */
export interface CallFlags {
  smc?: boolean;
  imm?: number;
  set?: string[];
  json?: boolean;
}

/**
 * Issue one call on vCPU `cpu` of `vm` and print the decoded result. `args`
 * are x1.. (numbers or call names); `--set REG=VAL` is applied first.
 */
export function callCommand(
  vm: Vm,
  cpu: number,
  call: string,
  args: readonly string[],
  flags: CallFlags,
  io: Io,
): void {
  const fid = parseCallId(call);
  if (args.length > 17) {
    throw new UsageError(`Too many arguments: ${args.length} (x1..x17 at most)`);
  }
  const x = [BigInt(fid), ...args.map((a, i) => parseU64(a, `x${i + 1}`, { calls: true }))];
  const imm = flags.imm ?? 0;
  for (const s of flags.set ?? []) {
    const { reg, value } = parseAssignment(s);
    vm.cpu(cpu).setOneReg(reg, value);
  }
  // Like smccc_hvc(): X1..X7 not given are zero.
  while (x.length < 8) x.push(0n);
  const r = vm.cpu(cpu).call({ conduit: flags.smc ? "smc" : "hvc", imm, x });
  if (flags.json) {
    io.out(JSON.stringify({
      call: fid < 0x100 && stubMode(vm) ? call.toUpperCase() : fidName(fid),
      fid: hex(fid),
      conduit: flags.smc ? "smc" : "hvc",
      x0: hex64(r.x0),
      x1: hex64(r.x1),
      x2: hex64(r.x2),
      x3: hex64(r.x3),
      decoded: formatCall(r, { stub: stubMode(vm) }).split("\n")[0].split("  ")[1] ?? "",
      exit: r.exit ? describeVcpuExit(r.exit) : null,
      blocked: r.blocked ?? null,
    }));
    return;
  }
  io.out(formatCall(r, { stub: stubMode(vm) && fid < 0x100 }));
}

const pad = (s: string, n: number) => s.length >= n ? s + " " : s + " ".repeat(n - s.length);

/** Options of {@link regsCommand}. */
export interface RegsFlags {
  /** Every register of KVM_GET_REG_LIST. */
  all?: boolean;
  /** The vCPU's core registers first (the REPL's default). */
  core?: boolean;
  json?: boolean;
}

/**
 * Print registers: the firmware pseudo-registers (coprocessor 0x0014/0x0016)
 * with decoded values
 * (default), named registers, or the whole KVM_GET_REG_LIST (`all`).
 */
export function regsCommand(
  vm: Vm,
  cpu: number,
  names: readonly string[],
  f: RegsFlags,
  io: Io,
): void {
  const v = vm.cpu(cpu);
  let list: { name: string; value: bigint }[];
  if (names.length) {
    list = names.map((n) => ({ name: n.toUpperCase(), value: v.getOneReg(n) }));
  } else if (f.all) {
    list = v.regList().map((r) => ({ name: r.name, value: v.getOneReg(r.id) }));
  } else {
    list = v.regList().filter((r) => FW_REGS.some((f) => f.id === r.id))
      .map((r) => ({ name: r.name, value: v.getOneReg(r.id) }));
  }
  if (f.json) {
    io.out(JSON.stringify(Object.fromEntries(list.map((r) => [r.name, hex64(r.value)]))));
    return;
  }
  if (f.core && !names.length && !f.all) io.out(coreDump(vm, cpu));
  const w = Math.max(...list.map((r) => r.name.length), 4) + 1;
  for (const r of list) {
    const d = describeFwReg(r.name, r.value);
    io.out(`${pad(r.name, w)}${hex64(r.value)}${d ? `  ${style.cyan(d)}` : ""}`);
  }
}

/** PSTATE.M[3:0] names (Arm ARM C5.2.19). */
const MODES: Record<number, string> = { 0: "EL0t", 4: "EL1t", 5: "EL1h", 8: "EL2t", 9: "EL2h" };

/** The core registers of one vCPU as a compact dump. */
export function coreDump(vm: Vm, cpu: number): string {
  const v = vm.cpu(cpu);
  const ps = v.getOneReg("PSTATE");
  const nzcv = ["N", "Z", "C", "V"].map((f, i) => (ps >> BigInt(31 - i)) & 1n ? f : "-").join("");
  const lines = [
    `cpu ${cpu} ${v.mpState}  pc ${hex64(v.pc)}  sp ${hex64(v.sp)}  ${
      MODES[Number(ps & 0xfn)] ?? `M=${ps & 0xfn}`
    }  nzcv ${nzcv}`,
  ];
  for (let n = 0; n < 31; n += 3) {
    const row: string[] = [];
    for (let k = n; k < Math.min(n + 3, 31); k++) row.push(`${`x${k}`.padEnd(4)}${hex64(v.x[k])}`);
    lines.push(row.join("   "));
  }
  return lines.join("\n");
}

/**
 * List the calls the model knows; with `answers`, what each answers when
 * issued bare (x1..x7 = 0) on a fresh VM made by `fresh`.
 */
export function callsCommand(
  fresh: (() => Vm) | null,
  filter: string | undefined,
  io: Io,
): void {
  const f = filter?.toUpperCase();
  const fidFilter = filter
    ? (() => {
      try {
        return parseCallId(filter);
      } catch {
        return undefined;
      }
    })()
    : undefined;
  const rows = knownCalls().filter((c) =>
    !f || c.name.includes(f) || c.service.toUpperCase().includes(f) || c.fid === fidFilter
  );
  if (rows.length === 0) throw new UsageError(`No call matches ${filter}`);
  const w = Math.max(...rows.map((c) => c.name.length)) + 2;
  const aw = Math.max(6, ...rows.map((c) => c.args.join(",").length)) + 2;
  io.out(
    style.dim(
      `${pad("NAME", w)}${pad("FID", 12)}${pad("SERVICE", 11)}${pad("ARGS", aw)}${
        fresh ? "ANSWER (bare call on a fresh VM)" : ""
      }`,
    ),
  );
  for (const c of rows) {
    let answer = "";
    if (fresh) {
      const r = fresh().cpu(0).hvc(c.fid);
      if (r.exit) answer = `exit: ${describeVcpuExit(r.exit)}`;
      else if (r.blocked) answer = `vCPU blocked (${r.blocked})`;
      else answer = formatCall(r).split("\n")[0].replace(/^x0 = /, "");
    }
    io.out(
      `${pad(c.name, w)}${pad(hex(c.fid), 12)}${pad(c.service, 11)}${
        pad(c.args.join(",") || "-", aw)
      }${answer}`,
    );
  }
}

/**
 * A factory of fresh VMs like `vm` (same options, same firmware registers):
 * what `calls` answers from, so the session's VM is left untouched.
 */
export function freshLike(vm: Vm): () => Vm {
  const fw = FW_REGS.map((r) => {
    try {
      return [r.id, vm.getOneReg(r.id)] as const;
    } catch {
      return undefined;
    }
  }).filter((e) => e !== undefined);
  return () => {
    const v = createVm({ ...vm.options, memoryMiB: Math.min(vm.options.memoryMiB ?? 128, 16) });
    for (const [id, val] of fw) {
      try {
        if (v.getOneReg(id) !== val) v.setOneReg(id, val);
      } catch { /* a register the fresh VM refuses keeps its reset value */ }
    }
    return v;
  };
}

/** `get REG`: one register with its decoded value. */
export function getCommand(vm: Vm, cpu: number, reg: string, io: Io): void {
  const v = vm.cpu(cpu).getOneReg(reg);
  const d = describeFwReg(reg.toUpperCase().replace(/^(?!KVM_REG_ARM_)/, ""), v);
  io.out(`${reg.toUpperCase()} = ${hex64(v)}${d ? `  ${style.cyan(d)}` : ""}`);
}

/** `set REG VALUE`: KVM_SET_ONE_REG. */
export function setCommand(vm: Vm, cpu: number, reg: string, value: string, io: Io): void {
  const v = parseU64(value, `value for ${reg}`);
  vm.cpu(cpu).setOneReg(reg, v);
  io.out(style.dim(`${reg.toUpperCase()} = ${hex64(v)}`));
}

/** `filter BASE NR ACTION`: KVM_ARM_VM_SMCCC_FILTER. */
export function filterCommand(vm: Vm, base: string, nr: string, action: string, io: Io): void {
  const a = action.toLowerCase();
  if (!(FILTER_ACTION_NAMES as readonly string[]).includes(a) && !/^\d+$/.test(a)) {
    throw new UsageError(
      `Invalid filter action: ${action} (${FILTER_ACTION_NAMES.join(", ")}, or a number)`,
    );
  }
  const spec = {
    base: Number(parseU64(base, "filter base", { calls: true })),
    nr: parseCount(nr, "filter count", 0),
    action: (/^\d+$/.test(a) ? Number(a) : a) as FilterAction,
  };
  vm.setSmcccFilter(spec);
  io.out(style.dim(`filter ${hex(spec.base)}..${hex(spec.base + spec.nr - 1)} ${a}`));
}

/** `trace [N]`: the last N SMCCC calls. */
export function traceCommand(vm: Vm, n: number, io: Io): void {
  const calls = vm.trace.last(n);
  if (calls.length === 0) io.out(style.dim("no calls yet"));
  for (const e of calls) io.out(traceLine(e));
}

/** `info`: the VM's options and state. */
export function infoCommand(vm: Vm, cpu: number, io: Io): void {
  const o = vm.options;
  io.out(
    `kernel ${o.kernel ?? "6.16"}  hyp ${o.hyp ?? "kvm"}  cpus ${vm.cpus.length}  memory ${
      o.memoryMiB ?? 128
    } MiB  gic ${o.gic ?? 3}${o.protected ? "  protected" : ""}`,
  );
  io.out(`el2 handler ${vm.el2Handler}  has run ${vm.hasRun}  calls ${vm.trace.total}`);
  for (const v of vm.cpus) {
    io.out(
      `${v.index === cpu ? "*" : " "} cpu ${v.index}  ${pad(v.mpState, 10)} EL${v.el}  pc ${
        hex64(v.pc)
      }`,
    );
  }
}

/** `disasm [ADDR] [N]`: disassemble N instructions of guest memory (default: at the PC). */
export function disasmCommand(
  vm: Vm,
  cpu: number,
  addr: string | undefined,
  count: number,
  io: Io,
): void {
  let a = addr === undefined ? vm.cpu(cpu).pc : parseU64(addr, "address");
  for (let i = 0; i < count; i++, a += 4n) {
    let word: number;
    try {
      word = vm.memory.readU32(a);
    } catch (e) {
      if (i === 0) throw e;
      break;
    }
    const here = a === vm.cpu(cpu).pc ? "→" : " ";
    io.out(
      `${here} ${hex64(a)}  ${(word >>> 0).toString(16).padStart(8, "0")}  ${disassemble(word, a)}`,
    );
  }
}

/** Make a KvmError from user input read as a usage error (the CLI's exit code 2). */
export function isInputError(e: unknown): boolean {
  return e instanceof UsageError || e instanceof KvmError || e instanceof RangeError ||
    e instanceof TypeError;
}
