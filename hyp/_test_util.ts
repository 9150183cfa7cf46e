/**
 * A test harness for the hypervisor model with plain-array ports (no machine):
 * registers in an Int32Array, a small RAM, a settable clock.
 *
 * @module
 */

import { type KvmOptions, KvmVm } from "./kvm.ts";
import type { ClockPort, MemoryPort, VcpuPort } from "./port.ts";
import type { OutcomeCode } from "./call.ts";

const WORDS = 128; // 64 slots per fake vCPU: X0..X30 at 0.., PC at slot 32

/** A fake vCPU. */
export class FakeVcpu implements VcpuPort {
  readonly xWord: number;
  readonly pcWord: number;
  /** ICOUNT at slot 40, the time base at slot 41 (in this fake's 64-word block). */
  readonly timeWords: readonly [number, number];
  elValue = 1;
  aarch32Value = false;
  bigEndianValue = false;
  mpidrValue: bigint;
  readonly sysregs = new Map<string, bigint>();
  resets: { entry: bigint; context: bigint; bigEndian: boolean }[] = [];
  events: string[] = [];

  constructor(readonly index: number, readonly regs: Int32Array) {
    this.xWord = index * WORDS;
    this.pcWord = this.xWord + 64;
    this.timeWords = [this.xWord + 80, this.xWord + 82];

    this.mpidrValue = (1n << 31n) | BigInt(index & 0xf) | (BigInt((index >> 4) & 0xff) << 8n);
  }
  el(): number {
    return this.elValue;
  }
  aarch32(): boolean {
    return this.aarch32Value;
  }
  bigEndian(): boolean {
    return this.bigEndianValue;
  }
  mpidr(): bigint {
    return this.mpidrValue;
  }
  reset(entry: bigint, context: bigint, bigEndian: boolean): void {
    this.resets.push({ entry, context, bigEndian });
    for (let n = 0; n < 31; n++) this.setX(n, 0n);
    this.setX(0, context);
    this.pc = entry;
  }
  sysreg(name: string): bigint {
    return this.sysregs.get(name) ?? 0n;
  }
  setSysreg(name: string, value: bigint): void {
    this.sysregs.set(name, value);
  }
  exceptionToEl2(esr: number): void {
    this.events.push(`exc:${esr.toString(16)}`);
    this.sysregs.set("ELR_EL2", this.pc);
    this.sysregs.set("ESR_EL2", BigInt(esr));
    this.sysregs.set("SPSR_EL2", BigInt(this.elValue << 2 | 1));
    this.elValue = 2;
  }
  eretFromEl2(): void {
    this.events.push("eret");
    this.pc = this.sysregs.get("ELR_EL2") ?? 0n;
    this.elValue = Number((this.sysregs.get("SPSR_EL2") ?? 4n) >> 2n) & 3;
  }
  injectUndef(): void {
    this.events.push("undef");
  }

  /** Read Xn as an unsigned bigint. */
  x(n: number): bigint {
    const w = this.xWord + 2 * n;
    return (BigInt(this.regs[w + 1] >>> 0) << 32n) | BigInt(this.regs[w] >>> 0);
  }
  /** Write Xn. */
  setX(n: number, v: bigint | number): void {
    const u = BigInt.asUintN(64, BigInt(v));
    const w = this.xWord + 2 * n;
    this.regs[w] = Number(BigInt.asIntN(32, u));
    this.regs[w + 1] = Number(BigInt.asIntN(32, u >> 32n));
  }
  get pc(): bigint {
    return (BigInt(this.regs[this.pcWord + 1] >>> 0) << 32n) | BigInt(this.regs[this.pcWord] >>> 0);
  }
  set pc(v: bigint) {
    this.regs[this.pcWord] = Number(BigInt.asIntN(32, v));
    this.regs[this.pcWord + 1] = Number(BigInt.asIntN(32, v >> 32n));
  }
}

/** 4 MiB of fake RAM at 0x4000_0000. */
export class FakeMemory implements MemoryPort {
  readonly base = 0x4000_0000n;
  readonly bytes = new Uint8Array(4 << 20);
  private readonly view = new DataView(this.bytes.buffer);
  isRam(ipa: bigint, len: number): boolean {
    return ipa >= this.base && ipa + BigInt(len) <= this.base + BigInt(this.bytes.length);
  }
  readU64(ipa: bigint): bigint {
    return this.view.getBigUint64(Number(ipa - this.base), true);
  }
  writeU64(ipa: bigint, value: bigint): void {
    this.view.setBigUint64(Number(ipa - this.base), value, true);
  }
  fill(ipa: bigint, len: number, byte: number): void {
    const o = Number(ipa - this.base);
    this.bytes.fill(byte, o, o + len);
  }
}

/** A clock tests move by hand. */
export class FakeClock implements ClockPort {
  ns = 0;
  counter = 1_000_000n;
  voffset = 400_000n;
  poffset = 0n;
  realtime = 1_767_225_600_000_000_000n;
  nowNs(): number {
    return this.ns;
  }

  realtimeNs(): bigint {
    return this.realtime;
  }
  hostCounter(): bigint {
    return this.counter;
  }
  virtualOffset(): bigint {
    return this.voffset;
  }
  physicalOffset(): bigint {
    return this.poffset;
  }
}

/** A KvmVm over fake ports. */
export interface Harness {
  kvm: KvmVm;
  cpus: FakeVcpu[];
  mem: FakeMemory;
  clock: FakeClock;
  /** Set X0 = fid, X1.. = args (others untouched), execute an HVC; returns the outcome. */
  hvc(cpu: number, fid: number | bigint, ...args: (number | bigint)[]): OutcomeCode;
  /** Same with SMC (PC at the SMC, as the CPU leaves it). */
  smc(cpu: number, fid: number | bigint, ...args: (number | bigint)[]): OutcomeCode;
  /** X0..X3 of a vCPU as bigints. */
  ret(cpu?: number): bigint[];
}

/** Build a harness. */
export function harness(opts: KvmOptions & { cpus?: number } = {}): Harness {
  const n = opts.cpus ?? 1;
  const regs = new Int32Array(n * WORDS);
  const cpus = Array.from({ length: n }, (_, i) => new FakeVcpu(i, regs));
  const mem = new FakeMemory();
  const clock = new FakeClock();
  const kvm = new KvmVm(opts, { vcpus: cpus, memory: mem, clock });
  const set = (cpu: number, fid: number | bigint, args: (number | bigint)[]) => {
    const c = cpus[cpu];
    c.setX(0, fid);
    args.forEach((a, i) => c.setX(i + 1, a));
    kvm.vcpuLoad(cpu);
  };
  return {
    kvm,
    cpus,
    mem,
    clock,
    hvc(cpu, fid, ...args) {
      set(cpu, fid, args);
      cpus[cpu].pc += 4n;
      return kvm.hvc(cpu, 0);
    },
    smc(cpu, fid, ...args) {
      set(cpu, fid, args);
      return kvm.smc(cpu, 0);
    },
    ret(cpu = 0) {
      return [0, 1, 2, 3].map((r) => cpus[cpu].x(r));
    },
  };
}

/** -1 as a 64-bit register value. */
export const NEG1 = 0xffff_ffff_ffff_ffffn;
/** A negative number as its 64-bit register image. */
export function neg(v: number): bigint {
  return BigInt.asUintN(64, BigInt(v));
}
