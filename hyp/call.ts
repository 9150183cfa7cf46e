/**
 * The call context handed to services, the outcome codes, and the bus that
 * routes a function ID to the service owning its range (crosvm style: unknown
 * calls need no case; the bus answers NOT_SUPPORTED).
 *
 * Registers are read and written as 32-bit halves of the shared register file
 * (port.ts); nothing here allocates on the call path.
 *
 * @module
 */

import type { LiveLayout, VcpuPort } from "./port.ts";
import { traceServiceId } from "./trace.ts";

/**
 * What happened to the vCPU. The numeric values equal the machine's
 * `CallAction` codes (machine/cpu/callbacks.ts), so the CPU can act on them.
 */
export const Outcome = {
  /** Answered; the vCPU continues at its current PC. */
  CONTINUE: 0,
  /** Left the kernel model: KVM_RUN returns (hypercall or system-event exit). */
  EXIT: 1,
  /** The vCPU sleeps (CPU_OFF → STOPPED, CPU_SUSPEND → WFI). */
  SLEEP: 2,
  /** Not handled by a model: the architectural exception is taken (guest-owned EL2). */
  TRAP: 3,
  /** UNDEFINED for this vCPU (KVM injects an UNDEF). */
  UNDEF: 4,
} as const;

/** A value of {@link Outcome}. */
export type OutcomeCode = typeof Outcome[keyof typeof Outcome];

/** HVC or SMC. */
export type Conduit = "hvc" | "smc";

/**
 * A 64-bit view of a register file: registers, PC and time counters are 64-bit values at even
 * word indexes of an 8-byte aligned file (port.ts).
 */
function slots(regs: Int32Array): BigInt64Array {
  if (regs.byteOffset % 8 !== 0) {
    throw new RangeError("A register file must start at an 8-byte aligned offset");
  }
  return new BigInt64Array(regs.buffer, regs.byteOffset, regs.length >> 1);
}

/** The high 32 bits of a number in [-2^53, 2^53] as a 64-bit two's complement value (int32). */
const hi32 = (v: number): number => (v | 0) === v ? v >> 31 : Math.floor(v / 0x1_0000_0000);

/**
 * The register view of one call in progress.
 *
 * Every field is assigned in the constructor and only there first (`declare`: no class-field
 * definitions, which would define each as undefined and leave V8 a generic field type to
 * check on every use of this hot object).
 */
export class CallCtx {
  /** The calling vCPU. */
  declare port: VcpuPort;
  declare regs: Int32Array;
  /** `regs` as 64-bit slots (the trace copies registers whole). */
  declare regs64: BigInt64Array;
  /** Word index of X0 in `regs`. */
  declare x: number;
  /** Word index of the PC in `regs`. */
  declare pc: number;
  /** Word indexes of the two virtual-time counters in `regs` (VcpuPort.timeWords). */
  declare t0: number;
  declare t1: number;
  /** Word index of PSTATE in `regs` (VcpuPort.pstateWord, LiveLayout.pstateWord), or -1: ask the port. */
  declare pstate: number;
  /** Function ID bits (low 32 bits of X0 as int32: integer compares on the hot path). */
  declare fidBits: number;
  /** 1 for SMC, 0 for HVC (the trace's flag bit). */
  declare smc: number;
  declare imm: number;
  /** The layout of live register blocks handed to {@link bindLive}, if the owner has them. */
  declare readonly live: LiveLayout | undefined;

  /** A context bound to `port` (any vCPU: every call binds its own). */
  constructor(port: VcpuPort, live?: LiveLayout) {
    this.port = port;
    this.regs = port.regs;
    this.regs64 = slots(port.regs);
    this.x = 0;
    this.pc = 0;
    this.t0 = 0;
    this.t1 = 0;
    this.pstate = -1;
    this.fidBits = 0;
    this.smc = 0;
    this.imm = 0;
    this.live = live;
    this.layout(port);
  }

  /** Point the context at a vCPU's registers. */
  bind(port: VcpuPort, conduit: Conduit, imm: number): this {
    // Consecutive direct calls mostly go to the same vCPU: its layout is set only when the
    // context comes from another vCPU or from a live block.
    if (this.port !== port || this.regs !== port.regs) this.layout(port);
    this.smc = conduit === "smc" ? 1 : 0;
    this.imm = imm;
    this.fidBits = this.regs[this.x];
    return this;
  }

  private layout(port: VcpuPort): void {
    const regs = port.regs, tw = port.timeWords;
    if ((port.xWord | tw[0] | tw[1]) & 1) {
      throw new RangeError(
        `vCPU ${port.index}: X0 and the time counters must start at even words (port.ts)`,
      );
    }
    this.port = port;
    if (this.regs !== regs) {
      this.regs = regs;
      this.regs64 = slots(regs);
    }
    this.x = port.xWord;
    this.pc = port.pcWord;
    this.t0 = tw[0];
    this.t1 = tw[1];
    this.pstate = port.pstateWord ?? -1;
  }

  /**
   * Point the context at `regs`, a running CPU's live copy of the vCPU's
   * registers (laid out as the {@link LiveLayout} given to the constructor).
   */
  bindLive(port: VcpuPort, conduit: Conduit, imm: number, regs: Int32Array): this {
    // Consecutive guest calls pass the same block and mostly the same vCPU: references are
    // stored only when they change (each pointer store costs here; numbers do not).
    if (this.regs !== regs) this.layoutLive(regs);
    if (this.port !== port) this.port = port;
    this.smc = conduit === "smc" ? 1 : 0;
    this.imm = imm;
    this.fidBits = regs[this.x];
    return this;
  }

  /** Bind to `port` again, with `regs` its register file or a live block (a call in progress). */
  rebind(port: VcpuPort, regs: Int32Array, conduit: Conduit, imm: number): void {
    if (regs === port.regs) this.bind(port, conduit, imm);
    else this.bindLive(port, conduit, imm, regs);
  }

  private layoutLive(regs: Int32Array): void {
    const l = this.live!;
    this.regs = regs;
    this.regs64 = slots(regs);
    this.x = l.xWord;
    this.pc = l.pcWord;
    this.t0 = l.timeWords[0];
    this.t1 = l.timeWords[1];
    this.pstate = l.pstateWord;
  }

  /** HVC or SMC. */
  get conduit(): Conduit {
    return this.smc === 1 ? "smc" : "hvc";
  }

  /** Function ID (low 32 bits of X0, unsigned). */
  get fid(): number {
    return this.fidBits >>> 0;
  }

  /** The calling vCPU's exception level. */
  el(): number {
    return this.pstate < 0 ? this.port.el() : (this.regs[this.pstate] >> 2) & 3;
  }

  /** The calling vCPU runs AArch32 at its current EL. */
  aarch32(): boolean {
    return this.pstate < 0 ? this.port.aarch32() : (this.regs[this.pstate] & 0x10) !== 0;
  }

  /** Low 32 bits of Xn as an unsigned number (KVM's u32 argument reads). */
  u32(n: number): number {
    return this.regs[this.x + 2 * n] >>> 0;
  }

  /** High 32 bits of Xn, unsigned. */
  hi(n: number): number {
    return this.regs[this.x + 2 * n + 1] >>> 0;
  }

  /** Xn == 0 as a full 64-bit compare. */
  isZero(n: number): boolean {
    return (this.regs[this.x + 2 * n] | this.regs[this.x + 2 * n + 1]) === 0;
  }

  /** Xn as a number when it is below 2^53 (always true for IPAs), else NaN. */
  num(n: number): number {
    const hi = this.hi(n);
    return hi < 0x20_0000 ? hi * 0x1_0000_0000 + this.u32(n) : NaN;
  }

  /** Xn as an unsigned bigint (cold paths only). */
  big(n: number): bigint {
    return (BigInt(this.hi(n)) << 32n) | BigInt(this.u32(n));
  }

  /** Write Xn from a number in [-2^53, 2^53] (negative = two's complement). */
  set(n: number, v: number): void {
    const w = this.x + 2 * n;
    // The typed-array store keeps v modulo 2^32: the low word, for negative values too.
    this.regs[w] = v;
    this.regs[w + 1] = hi32(v);
  }

  /** Write Xn from a bigint (truncated to 64 bits). */
  setBig(n: number, v: bigint): void {
    const w = this.x + 2 * n;
    this.regs[w] = Number(BigInt.asIntN(32, v));
    this.regs[w + 1] = Number(BigInt.asIntN(32, v >> 32n));
  }

  /** smccc_set_retval: write X0..X3 (unused ones zero), full 64-bit values. */
  ret(a0: number, a1 = 0, a2 = 0, a3 = 0): OutcomeCode {
    // Small, with int32 answers (the usual ones) in integer code only: V8 inlines it whole
    // into every call path.
    const r = this.regs, w = this.x;
    r[w] = a0;
    r[w + 2] = a1;
    r[w + 4] = a2;
    r[w + 6] = a3;
    if ((a0 | 0) === a0 && (a1 | 0) === a1 && (a2 | 0) === a2 && (a3 | 0) === a3) {
      r[w + 1] = a0 >> 31;
      r[w + 3] = a1 >> 31;
      r[w + 5] = a2 >> 31;
      r[w + 7] = a3 >> 31;
    } else {
      this.retHigh(a0, a1, a2, a3);
    }
    return Outcome.CONTINUE;
  }

  /** smccc_set_retval(a0, 0, 0, 0) for an int32 `a0` (the usual single result; small to inline). */
  retX0(a0: number): OutcomeCode {
    const r = this.regs, w = this.x;
    r[w] = a0;
    r[w + 1] = a0 >> 31;
    r[w + 2] = 0;
    r[w + 3] = 0;
    r[w + 4] = 0;
    r[w + 5] = 0;
    r[w + 6] = 0;
    r[w + 7] = 0;
    return Outcome.CONTINUE;
  }

  /** {@link ret}'s high words when a value is outside int32. */
  private retHigh(a0: number, a1: number, a2: number, a3: number): void {
    const r = this.regs, w = this.x;
    r[w + 1] = hi32(a0);
    r[w + 3] = hi32(a1);
    r[w + 5] = hi32(a2);
    r[w + 7] = hi32(a3);
  }

  /** Zero bits 63:32 of X1..X3 in the vCPU (kvm_psci_narrow_to_32bit, spec 1.4). */
  narrow32(): void {
    for (let n = 1; n <= 3; n++) this.regs[this.x + 2 * n + 1] = 0;
  }

  /** Advance the PC by 4 (the SMC is skipped by the hypervisor, spec 1.5). */
  skipInstruction(): void {
    const w = this.pc;
    const lo = (this.regs[w] >>> 0) + 4;
    this.regs[w] = lo | 0;
    if (lo > 0xffff_ffff) this.regs[w + 1] = (this.regs[w + 1] + 1) | 0;
  }
}

/** A service answering the calls routed to it. */
export interface Service {
  /** Name shown in traces. */
  readonly name: string;
  /** The name's trace id (trace.ts traceServiceId). */
  readonly traceId: number;
  /** Handle the call in `ctx`; must write the answer (or decide not to, for exits). */
  handle(ctx: CallCtx): OutcomeCode;
}

/** A function-ID range owned by a service (inclusive bounds, u32). */
interface Route {
  lo: number;
  hi: number;
  service: Service;
}

/**
 * The hypercall bus: services register the inclusive function-ID ranges they
 * own; `route()` finds the owner; unowned IDs get {@link Bus.fallback}.
 */
export class Bus {
  private readonly routes: Route[] = [];
  /** The routes bucketed by SMCCC owner (bits 29:24), so a lookup scans one or two ranges. */
  private readonly byOwner: Route[][] = Array.from({ length: 64 }, () => []);

  declare readonly fallback: Service;

  constructor(fallback: Service) {
    this.fallback = fallback;
  }

  /** Register `service` for [lo, hi]. Overlapping ranges are a programming error. */
  register(lo: number, hi: number, service: Service): this {
    for (const r of this.routes) {
      if (lo <= r.hi && r.lo <= hi) {
        throw new Error(
          `Range 0x${lo.toString(16)}-0x${hi.toString(16)} overlaps ${r.service.name}`,
        );
      }
    }
    const route = { lo, hi, service };
    this.routes.push(route);
    // A range may span owners (KVM's non-SMCCC PSCI 0.1 IDs sit in owner 0x15).
    for (let o = (lo >>> 24) & 0x3f; o <= ((hi >>> 24) & 0x3f); o++) this.byOwner[o].push(route);
    return this;
  }

  /** The service owning `fid` (or the fallback). */
  route(fid: number): Service {
    const rs = this.byOwner[(fid >>> 24) & 0x3f];

    for (let i = 0; i < rs.length; i++) {
      const r = rs[i];
      if (fid >= r.lo && fid <= r.hi) return r.service;
    }
    return this.fallback;
  }

  /** The registered ranges, for listings. */
  ranges(): readonly { lo: number; hi: number; service: string }[] {
    return this.routes.map((r) => ({ lo: r.lo, hi: r.hi, service: r.service.name }));
  }
}

/** A service that answers every call NOT_SUPPORTED (x0 = -1, x1..x3 = 0). */
export const NOT_SUPPORTED: Service = {
  name: "none",
  traceId: traceServiceId("none"),
  handle: (ctx) => ctx.ret(-1),
};
