/**
 * TRNG 1.0 (Arm DEN0098) as KVM implements it (spec 2.3; arch/arm64/kvm/trng.c),
 * with a seedable deterministic entropy source in place of the host RNG.
 *
 * KVM itself never returns NO_ENTROPY (spec 1.3); {@link TrngService.injectNoEntropy}
 * makes the next RND calls return it so guests' error paths can be tested, as
 * firmware TRNGs can.
 *
 * @module
 */

import type { CallCtx, OutcomeCode, Service } from "./call.ts";
import { traceServiceId } from "./trace.ts";
import { TRNG } from "./consts.ts";
import type { KvmVm } from "./kvm.ts";

const MASK64 = (1n << 64n) - 1n;

/** splitmix64: a small, well-distributed deterministic 64-bit generator. */
export class SplitMix64 {
  declare private state: bigint;
  constructor(seed: bigint | number) {
    this.state = BigInt.asUintN(64, BigInt(seed));
  }
  /** The next 64-bit value. */
  next(): bigint {
    this.state = (this.state + 0x9e37_79b9_7f4a_7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58_476d_1ce4_e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d0_49bb_1331_11ebn) & MASK64;
    return z ^ (z >> 31n);
  }
}

/** TRNG_VERSION / FEATURES / GET_UUID / RND32 / RND64. */
export class TrngService implements Service {
  readonly name = "trng";
  readonly traceId: number = traceServiceId("trng");
  declare private source: SplitMix64;
  private noEntropy = 0;

  declare private readonly vm: KvmVm;

  constructor(vm: KvmVm, seed: bigint | number) {
    this.vm = vm;
    this.source = new SplitMix64(seed);
  }

  /** Restart the entropy source from `seed`. */
  reseed(seed: bigint | number): void {
    this.source = new SplitMix64(seed);
  }

  /** Make the next `count` RND32/RND64 calls answer NO_ENTROPY (-3). */
  injectNoEntropy(count = 1): void {
    this.noEntropy += count;
  }

  handle(ctx: CallCtx): OutcomeCode {
    switch (ctx.fid) {
      case TRNG.VERSION:
        return ctx.ret(TRNG.VERSION_1_0);
      case TRNG.FEATURES: {
        // Full 64-bit compare: the upper half of x1 must be zero (spec 2.3).
        if (ctx.hi(1) !== 0) return ctx.ret(TRNG.RET_NOT_SUPPORTED);
        const f = ctx.u32(1);
        const known = f === TRNG.VERSION || f === TRNG.FEATURES || f === TRNG.GET_UUID ||
          f === TRNG.RND32 || f === TRNG.RND64;
        return ctx.ret(known ? TRNG.RET_SUCCESS : TRNG.RET_NOT_SUPPORTED);
      }
      case TRNG.GET_UUID:
        return ctx.ret(TRNG.UUID[0], TRNG.UUID[1], TRNG.UUID[2], TRNG.UUID[3]);
      case TRNG.RND32:
        return this.rnd(ctx, 32);
      case TRNG.RND64:
        return this.rnd(ctx, 64);
    }
    return ctx.ret(TRNG.RET_NOT_SUPPORTED);
  }

  /** kvm_trng_do_rnd: N = x1 (u32) bits, at most 3 × size; bits ≥ N are zero. */
  private rnd(ctx: CallCtx, size: 32 | 64): OutcomeCode {
    const n = ctx.u32(1);
    if (n > 3 * size) return ctx.ret(TRNG.RET_INVALID_PARAMETER);
    if (this.noEntropy > 0) {
      this.noEntropy--;
      return ctx.ret(TRNG.RET_NO_ENTROPY);
    }
    // One 64-bit word per started 64 bits, as get_random_long() fills the bitmap.
    let bits = 0n;
    for (let i = 0; i < Math.ceil(n / 64); i++) bits |= this.source.next() << BigInt(64 * i);
    bits &= (1n << BigInt(n)) - 1n;
    ctx.set(0, TRNG.RET_SUCCESS);
    if (size === 32) {
      ctx.setBig(1, (bits >> 64n) & 0xffff_ffffn);
      ctx.setBig(2, (bits >> 32n) & 0xffff_ffffn);
      ctx.setBig(3, bits & 0xffff_ffffn);
    } else {
      ctx.setBig(1, (bits >> 128n) & MASK64);
      ctx.setBig(2, (bits >> 64n) & MASK64);
      ctx.setBig(3, bits & MASK64);
    }
    return 0;
  }
}
