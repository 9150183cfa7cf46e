/** 64-bit arithmetic on int32 halves, checked against BigInt. */

import { assertEquals } from "@std/assert";
import {
  asr64,
  decodeBitMasks,
  encodeLogicalImm,
  lsl64,
  lsr64,
  mul64,
  R64,
  rbit32,
  ror64,
  sdiv64,
  smulh64,
  toBig,
  udiv64,
  umulh64,
} from "./bits.ts";
import { rng } from "./_test_util.ts";

const M64 = (1n << 64n) - 1n;
const lo = (v: bigint) => Number(v & 0xffff_ffffn) | 0;
const hi = (v: bigint) => Number((v >> 32n) & 0xffff_ffffn) | 0;
const res = () => toBig(R64.lo, R64.hi);

function values(seed: number, n: number): bigint[] {
  const r = rng(seed);
  const edges = [0n, 1n, M64, 1n << 63n, (1n << 63n) - 1n, 0xffff_ffffn, 1n << 32n, 3n, 10n];
  return Array.from({ length: n }, (_, k) => {
    if (k < edges.length) return edges[k];
    const v = (BigInt(r()) << 32n) | BigInt(r());
    return r() % 3 === 0 ? v >> BigInt(r() % 64) : v;
  });
}

Deno.test("mul64(), umulh64(), smulh64() agree with BigInt", () => {
  const vs = values(1, 60);
  for (const a of vs) {
    for (const b of vs) {
      mul64(lo(a), hi(a), lo(b), hi(b));
      assertEquals(res(), (a * b) & M64);
      umulh64(lo(a), hi(a), lo(b), hi(b));
      assertEquals(res(), (a * b) >> 64n);
      smulh64(lo(a), hi(a), lo(b), hi(b));
      assertEquals(res(), BigInt.asUintN(64, (BigInt.asIntN(64, a) * BigInt.asIntN(64, b)) >> 64n));
    }
  }
});

Deno.test("udiv64() and sdiv64() agree with BigInt (x/0 = 0, MIN/-1 = MIN)", () => {
  const vs = values(2, 60);
  for (const a of vs) {
    for (const b of vs) {
      udiv64(lo(a), hi(a), lo(b), hi(b));
      assertEquals(res(), b === 0n ? 0n : a / b, `${a} / ${b}`);
      const sa = BigInt.asIntN(64, a), sb = BigInt.asIntN(64, b);
      sdiv64(lo(a), hi(a), lo(b), hi(b));
      assertEquals(res(), sb === 0n ? 0n : BigInt.asUintN(64, sa / sb), `${sa} / ${sb}`);
    }
  }
});

Deno.test("lsl64(), lsr64(), asr64(), ror64() agree with BigInt for every amount", () => {
  for (const a of values(3, 20)) {
    for (let n = 0; n < 64; n++) {
      const N = BigInt(n);
      lsl64(lo(a), hi(a), n);
      assertEquals(res(), (a << N) & M64);
      lsr64(lo(a), hi(a), n);
      assertEquals(res(), a >> N);
      asr64(lo(a), hi(a), n);
      assertEquals(res(), BigInt.asUintN(64, BigInt.asIntN(64, a) >> N));
      ror64(lo(a), hi(a), n);
      assertEquals(res(), ((a >> N) | (a << (64n - N))) & M64);
    }
  }
});

Deno.test("rbit32() reverses bits", () => {
  assertEquals(rbit32(1) >>> 0, 0x8000_0000);
  assertEquals(rbit32(0x1234_5678) >>> 0, 0x1e6a_2c48);
});

Deno.test("encodeLogicalImm() inverts decodeBitMasks() for all 5334 64-bit immediates", () => {
  const distinct = new Set<bigint>();
  for (let n = 0; n < 2; n++) {
    for (let immr = 0; immr < 64; immr++) {
      for (let imms = 0; imms < 64; imms++) {
        const v = decodeBitMasks(n, immr, imms, true);
        if (v === undefined) continue;
        const e = encodeLogicalImm(v, true);
        assertEquals(decodeBitMasks(e >> 12, (e >> 6) & 63, e & 63, true), v);
        distinct.add(v);
      }
    }
  }
  assertEquals(distinct.size, 5334);
  assertEquals(encodeLogicalImm(5n, true), -1);
  assertEquals(encodeLogicalImm(0n, true), -1);
  assertEquals(encodeLogicalImm(0xffff_ffffn, false), -1);
  assertEquals(encodeLogicalImm(0xff8n, true), 0x1f48); // N = 1, immr = 61, imms = 8
});
