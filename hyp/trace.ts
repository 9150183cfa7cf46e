/**
 * The call trace: every SMCCC/stub call with cpu, conduit, EL, function ID,
 * decoded name, arguments, result, route and virtual time. Stored as a ring
 * of int32 words and 64-bit slots (no allocation per call); decoded into objects only when
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

// Entry layout: int32 words 0 cpu, 1 flags (SMC, EL, stub name, imm), 2 route/outcome/service;
// then 64-bit slots 2..5 X0..X3 at the call, 6..9 X0..X3 after it, 10..11 the two virtual-time
// counters. Registers are copied as whole 64-bit values: V8 compiles a BigInt64Array element
// copy to one load and one store, and every memory access counts on this path.
const W = 24; // int32 words per entry
const SLOTS = W / 2;
const ARGS = 2, RESULT = 6, TIME = 10; // slots
/** Entries kept (a power of two). */
const CAPACITY = 4096;
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
  /** The ring as int32 words (metadata) and as 64-bit slots (registers, time). */
  declare private readonly words: Int32Array;
  declare private readonly slots: BigInt64Array;
  /** Total calls recorded since creation (or the last clear). */
  declare total: number;
  /** Set false to stop recording (benchmarks). */
  declare enabled: boolean;

  /** An empty trace keeping the last 4096 calls. */
  constructor() {
    this.total = 0;
    this.enabled = true;
    this.slots = new BigInt64Array(CAPACITY * SLOTS);
    this.words = new Int32Array(this.slots.buffer);
  }

  /**
   * Record the start of a call: copies X0..X3 before a handler can change them. Returns the
   * entry's first slot for {@link end}, or -1 when the trace is off.
   */
  begin(ctx: CallCtx, el: number): number {
    if (!this.enabled) return -1;
    const s = (this.total++ & (CAPACITY - 1)) * SLOTS, q = this.slots, w = this.words;
    const g = ctx.regs64, x = ctx.x >> 1;
    w[2 * s] = ctx.port.index;
    w[2 * s + 1] = ctx.smc | (el << 1) | (ctx.imm << 8);
    q[s + ARGS] = g[x];
    q[s + ARGS + 1] = g[x + 1];
    q[s + ARGS + 2] = g[x + 2];
    q[s + ARGS + 3] = g[x + 3];
    // Virtual time = ICOUNT + TIME_BASE; both copied, summed when decoded.
    q[s + TIME] = g[ctx.t0 >> 1];
    q[s + TIME + 1] = g[ctx.t1 >> 1];
    return s;
  }

  /** Record the end of a call: result registers, route, service (a {@link traceServiceId}) and outcome. */
  end(s: number, ctx: CallCtx, route: number, service: number, outcome: number): void {
    if (s < 0) return;
    const q = this.slots, g = ctx.regs64, x = ctx.x >> 1;
    this.words[2 * s + 2] = route | (outcome << 8) | (service << 16);
    q[s + RESULT] = g[x];
    q[s + RESULT + 1] = g[x + 1];
    q[s + RESULT + 2] = g[x + 2];
    q[s + RESULT + 3] = g[x + 3];
  }

  /**
   * Record a whole call answered with smccc_set_retval(x0, 0, 0, 0) (x0 an int32) before the
   * answer is written: {@link begin} and {@link end} in one pass, the results as values. It
   * repeats begin's copies rather than calling it: with the call, the direct-call path no
   * longer fits V8's 2000-byte inlining budget with a safe margin (17 bytes left, against 81).
   */
  answered(ctx: CallCtx, el: number, route: number, service: number, x0: number): void {
    if (!this.enabled) return;
    const s = (this.total++ & (CAPACITY - 1)) * SLOTS, q = this.slots, w = this.words;
    const g = ctx.regs64, x = ctx.x >> 1, m = 2 * s;
    w[m] = ctx.port.index;
    w[m + 1] = ctx.smc | (el << 1) | (ctx.imm << 8);
    w[m + 2] = route | (service << 16); // outcome 0: "continue"
    q[s + 2] = g[x]; // ARGS..
    q[s + 3] = g[x + 1];
    q[s + 4] = g[x + 2];
    q[s + 5] = g[x + 3];
    w[m + 12] = x0; // RESULT..
    w[m + 13] = x0 >> 31;
    q[s + 7] = 0n;
    q[s + 8] = 0n;
    q[s + 9] = 0n;
    q[s + 10] = g[ctx.t0 >> 1]; // TIME..
    q[s + 11] = g[ctx.t1 >> 1];
  }

  /** Name a stub call (x0 is a small number, not an SMCCC ID). */
  nameStub(s: number): void {
    if (s >= 0) this.words[2 * s + 1] |= 1 << 7;
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
    const s = (seq & (CAPACITY - 1)) * SLOTS, q = this.slots, w = this.words;
    const u64 = (i: number) => BigInt.asUintN(64, q[s + i]);
    const fid = w[2 * (s + ARGS)] >>> 0;
    const flags = w[2 * s + 1];
    const stub = (flags & (1 << 7)) !== 0;
    const meta = w[2 * s + 2];
    return {
      seq,
      cpu: w[2 * s],
      conduit: flags & 1 ? "smc" : "hvc",
      imm: (flags >>> 8) & 0xffff,
      el: (flags >>> 1) & 3,
      fid,
      name: stub ? (HYP_STUB_NAMES[fid] ?? `HVC_STUB_${fid}`) : fidName(fid),
      args: [u64(ARGS + 1), u64(ARGS + 2), u64(ARGS + 3)],
      result: [u64(RESULT), u64(RESULT + 1), u64(RESULT + 2), u64(RESULT + 3)],
      route: ROUTES[meta & 0xff] ?? "service",
      service: SERVICE_NAMES[meta >>> 16] ?? "",
      outcome: OUTCOMES[(meta >>> 8) & 0xff] ?? "continue",
      timeNs: Number(u64(TIME) + u64(TIME + 1)),
    };
  }
}
