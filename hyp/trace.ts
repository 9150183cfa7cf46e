/**
 * The call trace: every SMCCC/stub call with cpu, conduit, EL, function ID,
 * decoded name, arguments, result, route and virtual time. Stored as a ring
 * of int32 words (no allocation per call); decoded into objects only when
 * read through {@link CallTrace.calls}.
 *
 * @module
 */

import { fidName, HYP_STUB_NAMES } from "./smccc.ts";
import type { CallCtx, Conduit } from "./call.ts";

/** Why a call got the answer it got. */
export const ROUTES = [
  "service",
  "fast-path",
  "filter-deny",
  "filter-fwd",
  "bitmap-deny",
  "smc-imm",
  "smc-legacy",
  "pkvm-el2",
  "hyp-stub",
  "firmware",
  "guest-el2",
  "user-handler",
  "undef",
] as const;

/** A route name. */
export type Route = typeof ROUTES[number];

/** Route numbers for the ring (a literal, so hot-path reads are constant-folded). */
export const R = {
  "service": 0,
  "fast-path": 1,
  "filter-deny": 2,
  "filter-fwd": 3,
  "bitmap-deny": 4,
  "smc-imm": 5,
  "smc-legacy": 6,
  "pkvm-el2": 7,
  "hyp-stub": 8,
  "firmware": 9,
  "guest-el2": 10,
  "user-handler": 11,
  "undef": 12,
} as const satisfies Record<Route, number>;

/** One decoded trace entry. */
export interface TraceEntry {
  /** Sequence number since VM creation. */
  seq: number;
  cpu: number;
  conduit: Conduit;
  imm: number;
  el: number;
  /** The function ID (low 32 bits of X0 at the call). */
  fid: number;
  /** Decoded name, e.g. "PSCI_CPU_ON64". */
  name: string;
  /** X1..X3 as they were at the call (before any narrowing). */
  args: [bigint, bigint, bigint];
  /** X0..X3 after the call. */
  result: [bigint, bigint, bigint, bigint];
  /** Which path answered (service, filter, bitmap, fast path...). */
  route: Route;
  /** The service that handled it ("psci", "trng", ...), when route is "service". */
  service: string;
  /** How the vCPU left the call: "continue", "exit", "sleep", "trap", "undef". */
  outcome: string;
  /** Virtual time in ns. */
  timeNs: number;
}

// Entry layout (int32 words): 0 cpu, 1 flags (SMC, EL, stub name, imm), 2 route/outcome/service,
// 3..10 X0..X3 at the call, 11..18 X0..X3 after it, 19..22 the two virtual-time counters.
const W = 23; // words per entry
const ARGS = 3, RESULT = 11, TIME = 19;
/** Entries kept (a power of two). */
const CAPACITY = 4096;
/**
 * Register word indexes are below 2^30 (a wasm memory has at most 2^30 int32 words): masking
 * with this tells V8 that `x + k` cannot overflow, which drops a check from every copy.
 */
const WORD_INDEX = 0x3fff_ffff;
const OUTCOMES = ["continue", "exit", "sleep", "trap", "undef"];

const SERVICE_NAMES: string[] = [];
const SERVICE_IDS = new Map<string, number>();

/** A small number standing for a service name in trace entries (assigned once, cold path). */
export function traceServiceId(name: string): number {
  let id = SERVICE_IDS.get(name);
  if (id === undefined) {
    id = SERVICE_NAMES.length;
    SERVICE_NAMES.push(name);
    SERVICE_IDS.set(name, id);
  }
  return id;
}

/** The trace ring. */
export class CallTrace {
  // Plain fields assigned once in the constructor (no parameter property, no field
  // initialisers): with a parameter property TypeScript defines every field as undefined
  // first, and V8 then keeps the numeric ones as generic tagged values.
  declare private readonly ring: Int32Array;
  /** Total calls recorded since creation (or the last clear). */
  declare total: number;
  /** Set false to stop recording (benchmarks). */
  declare enabled: boolean;

  /** An empty trace keeping the last 4096 calls. */
  constructor() {
    this.total = 0;
    this.enabled = true;
    this.ring = new Int32Array(CAPACITY * W);
  }

  /** Record the start of a call: copies X0..X3 before a handler can change them. */
  begin(ctx: CallCtx, el: number): number {
    if (!this.enabled) return -1;
    const b = (this.total++ & (CAPACITY - 1)) * W, r = this.ring, x = ctx.x & WORD_INDEX;
    const g = ctx.regs;
    r[b] = ctx.port.index;
    r[b + 1] = ctx.smc | (el << 1) | (ctx.imm << 8);
    // Virtual time = ICOUNT + TIME_BASE; both copied, summed when decoded.
    const i0 = ctx.t0, i1 = ctx.t1;
    r[b + TIME] = g[i0];
    r[b + TIME + 1] = g[i0 + 1];
    r[b + TIME + 2] = g[i1];
    r[b + TIME + 3] = g[i1 + 1];
    // Straight-line copies (a loop here costs twice as much): this runs on every call.
    r[b + ARGS] = g[x];
    r[b + ARGS + 1] = g[x + 1];
    r[b + ARGS + 2] = g[x + 2];
    r[b + ARGS + 3] = g[x + 3];
    r[b + ARGS + 4] = g[x + 4];
    r[b + ARGS + 5] = g[x + 5];
    r[b + ARGS + 6] = g[x + 6];
    r[b + ARGS + 7] = g[x + 7];
    return b;
  }

  /** Record the end of a call: result registers, route, service (a {@link traceServiceId}) and outcome. */
  end(b: number, ctx: CallCtx, route: number, service: number, outcome: number): void {
    if (b < 0) return;
    const r = this.ring, x = ctx.x & WORD_INDEX, g = ctx.regs;
    r[b + 2] = route | (outcome << 8) | (service << 16);
    r[b + RESULT] = g[x];
    r[b + RESULT + 1] = g[x + 1];
    r[b + RESULT + 2] = g[x + 2];
    r[b + RESULT + 3] = g[x + 3];
    r[b + RESULT + 4] = g[x + 4];
    r[b + RESULT + 5] = g[x + 5];
    r[b + RESULT + 6] = g[x + 6];
    r[b + RESULT + 7] = g[x + 7];
  }

  /** Name a stub call (x0 is a small number, not an SMCCC ID). */
  nameStub(b: number): void {
    if (b >= 0) this.ring[b + 1] |= 1 << 7;
  }

  /** Decoded entries, oldest first (at most the last 4096). */
  get calls(): TraceEntry[] {
    const out: TraceEntry[] = [];
    const n = Math.min(this.total, CAPACITY);
    const first = this.total - n;
    for (let s = first; s < this.total; s++) out.push(this.decode(s));
    return out;
  }

  /** The last `n` entries. */
  last(n = 1): TraceEntry[] {
    const all = this.calls;
    return all.slice(Math.max(0, all.length - n));
  }

  /** Forget every entry. */
  clear(): void {
    this.total = 0;
  }

  private decode(seq: number): TraceEntry {
    const b = (seq & (CAPACITY - 1)) * W, r = this.ring;
    const u64 = (i: number) => (BigInt(r[b + i + 1] >>> 0) << 32n) | BigInt(r[b + i] >>> 0);
    const fid = r[b + ARGS] >>> 0;
    const stub = (r[b + 1] & (1 << 7)) !== 0;
    const meta = r[b + 2];
    return {
      seq,
      cpu: r[b],
      conduit: r[b + 1] & 1 ? "smc" : "hvc",
      imm: (r[b + 1] >>> 8) & 0xffff,
      el: (r[b + 1] >>> 1) & 3,
      fid,
      name: stub ? (HYP_STUB_NAMES[fid] ?? `HVC_STUB_${fid}`) : fidName(fid),
      args: [u64(ARGS + 2), u64(ARGS + 4), u64(ARGS + 6)],
      result: [u64(RESULT), u64(RESULT + 2), u64(RESULT + 4), u64(RESULT + 6)],
      route: ROUTES[meta & 0xff] ?? "service",
      service: SERVICE_NAMES[meta >>> 16] ?? "",
      outcome: OUTCOMES[(meta >>> 8) & 0xff] ?? "continue",
      timeNs: Number(u64(TIME) + u64(TIME + 2)),
    };
  }
}
