/**
 * Test helpers for the CPU: a small machine (MachineMemory + Cpu + recording
 * callbacks), register accessors by name, and the GNU toolchain / QEMU
 * probes used by the differential tests.
 *
 * @module
 */

import { Feature, MachineMemory, RAM_BASE, Slot } from "../state.ts";
import { sysregByName } from "../sysregs.ts";
import { asm, type AsmImage, assembleOne } from "./asm.ts";
import { CallAction, type CallActionCode, type CpuCallbacks } from "./callbacks.ts";
import { Cpu, type ExitCode, resetVcpu } from "./cpu.ts";
import { getNzcv, setNzcv } from "./pstate.ts";
import { decode, type Row } from "./table.ts";

/** An event seen by the test callbacks. */
export type Event =
  | { kind: "hvc" | "smc"; cpu: number; imm: number }
  | {
    kind: "mmio-read" | "mmio-write";
    cpu: number;
    pa: number;
    size: number;
    lo?: number;
    hi?: number;
  }
  | { kind: "sysreg-read" | "sysreg-write"; cpu: number; key: number }
  | { kind: "wait"; cpu: number; wfe: boolean };

/** Options of {@link testMachine}. */
export interface TestMachineOptions {
  cpus?: number;
  mib?: number;
  /** Boot EL (default 1). */
  el?: 1 | 2;
  features?: number;
  /** What HVC returns (default EXIT). */
  hvc?: (cpu: number, imm: number) => CallActionCode;
  smc?: (cpu: number, imm: number) => CallActionCode;
  /** MMIO window answering reads with the address and recording writes (default 0x0900_0000). */
  mmioBase?: number;
  /** wait() result (default true: sleep). */
  sleep?: boolean;
}

/** A small test machine. */
export class TestMachine {
  readonly mm: MachineMemory;
  readonly cpu: Cpu;
  readonly events: Event[] = [];
  constructor(readonly opts: TestMachineOptions = {}) {
    this.mm = new MachineMemory(opts.cpus ?? 1, opts.mib ?? 16);
    const mmio = opts.mmioBase ?? 0x0900_0000;
    const ev = this.events;
    const cb: CpuCallbacks = {
      mmioRead(cpu, pa, size, out) {
        ev.push({ kind: "mmio-read", cpu, pa, size });
        if (pa < mmio || pa >= mmio + 0x1000) return false;
        out[0] = pa | 0;
        out[1] = size === 8 ? 0x1234 : 0;
        return true;
      },
      mmioWrite(cpu, pa, size, lo, hi) {
        ev.push({ kind: "mmio-write", cpu, pa, size, lo, hi });
        return pa >= mmio && pa < mmio + 0x1000;
      },
      hvc: (cpu, imm) => {
        ev.push({ kind: "hvc", cpu, imm });
        return opts.hvc ? opts.hvc(cpu, imm) : CallAction.EXIT;
      },
      smc: (cpu, imm) => {
        ev.push({ kind: "smc", cpu, imm });
        return opts.smc ? opts.smc(cpu, imm) : CallAction.UNDEF;
      },
      sysregRead(cpu, key, out) {
        ev.push({ kind: "sysreg-read", cpu, key });
        out[0] = 0x5a5a;
        out[1] = 0;
        return true;
      },
      sysregWrite(cpu, key) {
        ev.push({ kind: "sysreg-write", cpu, key });
        return true;
      },
      wait(cpu, wfe) {
        ev.push({ kind: "wait", cpu, wfe });
        return opts.sleep ?? true;
      },
    };
    this.cpu = new Cpu(this.mm, cb);
    for (let c = 0; c < this.mm.cpus; c++) {
      const features = opts.features ?? (opts.el === 2 ? Feature.EL2 | Feature.VHE : 0);
      resetVcpu(this.mm, c, { el: opts.el ?? 1, pc: BigInt(RAM_BASE), features });
    }
  }

  /** Load an image and point vCPU `cpu`'s PC at its entry. */
  load(img: AsmImage, cpu = 0): this {
    this.cpu.loadBytes(img.base, img.bytes);
    this.mm.set64(cpu, Slot.PC, img.entry);
    return this;
  }

  /** Assemble `src` at RAM_BASE + 0x8_0000 and load it. */
  code(src: string, cpu = 0): this {
    const img = asm.at(BigInt(RAM_BASE) + 0x8_0000n)([src] as unknown as TemplateStringsArray);
    return this.load(img, cpu);
  }

  run(budget = 10_000, cpu = 0): ExitCode {
    return this.cpu.run(cpu, budget);
  }

  x(n: number, cpu = 0): bigint {
    return this.mm.x(cpu, n);
  }

  setX(n: number, v: bigint, cpu = 0): void {
    this.mm.setX(cpu, n, v);
  }

  get pc(): bigint {
    return this.mm.get64(0, Slot.PC);
  }

  get sp(): bigint {
    return this.mm.get64(0, Slot.SP);
  }

  get el(): number {
    return (this.mm.i32[this.mm.slot(0, Slot.PSTATE)] >> 2) & 3;
  }

  get pstate(): number {
    return this.mm.i32[this.mm.slot(0, Slot.PSTATE)];
  }

  get nzcv(): number {
    return getNzcv(this.mm, 0) >>> 28;
  }

  setNzcv(v: number): void {
    setNzcv(this.mm, 0, v << 28);
  }

  get icount(): number {
    return Number(this.mm.get64(0, Slot.ICOUNT));
  }

  sysreg(name: string, cpu = 0): bigint {
    const d = sysregByName(name);
    if (!d || d.slot < 0) throw new Error(`Not a stored register: ${name}`);
    return this.mm.get64(cpu, d.slot);
  }

  setSysreg(name: string, v: bigint, cpu = 0): void {
    const d = sysregByName(name);
    if (!d || d.slot < 0) throw new Error(`Not a stored register: ${name}`);
    this.mm.set64(cpu, d.slot, v);
    this.cpu.invalidate(cpu);
  }

  /** Write bytes to guest-physical memory. */
  write(pa: bigint, bytes: Uint8Array): void {
    this.cpu.loadBytes(pa, bytes);
  }

  writeU64(pa: bigint, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    this.write(pa, b);
  }

  readU64(pa: bigint): bigint {
    return this.mm.view.getBigUint64(0x20_0000 + Number(pa) - RAM_BASE, true);
  }
}

/** A vector table at `base` whose entry at offset k is `hvc #k` (a probe: the HVC exit names the vector). */
export function probeVectors(base: bigint): string {
  const out = [`.org ${base}`];
  for (let k = 0; k < 16; k++) out.push(`.org ${base + BigInt(k * 0x80)}`, `hvc #${k * 0x80}`);
  return out.join("\n");
}

/** The immediate of the last HVC the machine saw (the vector probe), or -1. */
export function lastHvc(m: TestMachine): number {
  const e = m.events.filter((e) => e.kind === "hvc").at(-1);
  return e && e.kind === "hvc" ? e.imm : -1;
}

// ---------------------------------------------------------------------------
// External tools.

const toolCache = new Map<string, boolean>();

/** Whether an executable runs (e.g. `qemu-aarch64 --version`). */
export function hasTool(cmd: string, args: string[] = ["--version"]): boolean {
  let ok = toolCache.get(cmd);
  if (ok === undefined) {
    try {
      ok = new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
    } catch {
      ok = false;
    }
    toolCache.set(cmd, ok);
  }
  return ok;
}

/** Run a command and return its stdout (throws with stderr on failure). */
export function runTool(cmd: string, args: string[]): Uint8Array {
  const out = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return out.stdout;
}

/** A fresh temporary directory under /tmp. */
export function tmpDir(): string {
  return Deno.makeTempDirSync({ dir: "/tmp", prefix: "hvsh-cpu-" });
}

// ---------------------------------------------------------------------------
// Random encodings.

/** Deterministic PRNG (xorshift32). */
export function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** Up to `count` random encodings of `row` that decode back to it (differential tests). */
export function randomWords(row: Row, r: () => number, count: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < count * 50 && out.length < count; k++) {
    const w = ((r() & ~row.mask) | row.value) | 0;
    if (decode(w) === row) out.push(w);
  }
  return out;
}

/** Random words of `row` that decode to it. */
export function samples(row: Row, count: number, seed = 1): number[] {
  const r = rng(seed + row.index * 7919);
  const out: number[] = [];
  for (let k = 0; k < count * 60 && out.length < count; k++) {
    const w = ((r() & ~row.mask) | row.value) | 0;
    if (decode(w) === row) out.push(w);
  }
  return out;
}

/** Disassembly made re-assemblable: objdump-style bare hex targets get a 0x prefix. */
export function reassemblable(row: Row, text: string): string {
  return /\{(rel|adr)/.test(row.syntax) ? text.replace(/([ ,])([0-9a-f]+)$/, "$10x$2") : text;
}

// ---------------------------------------------------------------------------
// Record-driven programs under qemu-aarch64 (user mode).

/** Load address of {@link runQemuRecords} programs (a static ELF, one RWX segment). */
const QEMU_ELF_BASE = 0x40_0000;
const QEMU_CODE_OFF = 0x80;

/** Encode fixed instruction text once (the harness code is the same for every record). */
const encoded = new Map<string, number>();
export function enc(line: string): number {
  let w = encoded.get(line);
  if (w === undefined) encoded.set(line, w = assembleOne(line, 0n));
  return w;
}

/**
 * Run `count` records of `recBytes` bytes (`data`, filled in by the caller)
 * through per-record code on qemu-aarch64 and return the records as the
 * program left them. `body(k)` is record k's code: it runs with x30 pointing
 * at the record and must leave x30 pointing at it again (SP is free to hold
 * it). The program is built from instruction words, no assembler text per
 * record, so thousands of records cost milliseconds.
 */
export function runQemuRecords(
  count: number,
  recBytes: number,
  data: Uint8Array,
  body: (k: number) => number[],
): Uint8Array {
  const code: number[] = [];
  const mov = (r: string, v: number) => {
    code.push(enc(`movz ${r}, #${v & 0xffff}`), enc(`movk ${r}, #${v >>> 16}, lsl #16`));
  };
  const bodies = Array.from({ length: count }, (_, k) => body(k));
  const codeWords = bodies.reduce((a, b) => a + b.length + 2, 0) + 14;
  const dataAddr = (QEMU_ELF_BASE + QEMU_CODE_OFF + codeWords * 4 + 15) & ~15;
  mov("x30", dataAddr);
  for (const b of bodies) code.push(...b, enc(`add x30, x30, #${recBytes}`));
  code.push(enc("mov x0, #1"));
  mov("x1", dataAddr);
  mov("x2", count * recBytes);
  code.push(
    enc("mov x8, #64"),
    enc("svc #0"),
    enc("mov x0, #0"),
    enc("mov x8, #93"),
    enc("svc #0"),
  );
  const size = dataAddr - QEMU_ELF_BASE + count * recBytes;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 183, true); // EM_AARCH64
  v.setUint32(20, 1, true);
  v.setBigUint64(24, BigInt(QEMU_ELF_BASE + QEMU_CODE_OFF), true);
  v.setBigUint64(32, 64n, true); // e_phoff
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, 1, true);
  v.setUint32(64, 1, true); // PT_LOAD
  v.setUint32(68, 7, true); // RWX
  v.setBigUint64(80, BigInt(QEMU_ELF_BASE), true);
  v.setBigUint64(88, BigInt(QEMU_ELF_BASE), true);
  v.setBigUint64(96, BigInt(size), true);
  v.setBigUint64(104, BigInt(size), true);
  v.setBigUint64(112, 0x1000n, true);
  code.forEach((w, k) => v.setInt32(QEMU_CODE_OFF + 4 * k, w, true));
  b.set(data.subarray(0, count * recBytes), dataAddr - QEMU_ELF_BASE);
  const dir = tmpDir();
  try {
    const path = `${dir}/records.elf`;
    Deno.writeFileSync(path, b, { mode: 0o755 });
    const out = new Deno.Command("qemu-aarch64", { args: [path], stdout: "piped", stderr: "piped" })
      .outputSync();
    if (!out.success) {
      throw new Error(`qemu-aarch64 failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    if (out.stdout.length !== count * recBytes) {
      throw new Error(
        `qemu-aarch64 wrote ${out.stdout.length} bytes: expected ${count * recBytes}`,
      );
    }
    return out.stdout;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
