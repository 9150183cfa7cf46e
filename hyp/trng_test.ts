import { assertEquals, assertNotEquals } from "@std/assert";
import { harness, neg, NEG1 } from "./_test_util.ts";
import { TRNG } from "./consts.ts";
import { SplitMix64 } from "./trng.ts";

Deno.test("TRNG_VERSION, FEATURES and GET_UUID answer as KVM (spec 2.3)", () => {
  const h = harness();
  h.hvc(0, TRNG.VERSION);
  assertEquals(h.ret(), [0x10000n, 0n, 0n, 0n]);
  for (const f of [TRNG.VERSION, TRNG.FEATURES, TRNG.GET_UUID, TRNG.RND32, TRNG.RND64]) {
    h.hvc(0, TRNG.FEATURES, f);
    assertEquals(h.ret(), [0n, 0n, 0n, 0n], f.toString(16));
  }
  // Full 64-bit compare, and non-TRNG IDs (selftests B.1 stage 3).
  for (const f of [0x1_8400_0050n, 0x8600_0001n, 0xc400_0052n]) {
    h.hvc(0, TRNG.FEATURES, f);
    assertEquals(h.ret()[0], NEG1, f.toString(16));
  }
  h.hvc(0, TRNG.GET_UUID);
  assertEquals(h.ret(), [0x00e0_210dn, 0xeb11_8443n, 0x4452_7080n, 0x4c5a_4e55n]);
});

Deno.test("TRNG_RND32/RND64 return N bits right-aligned in x3, x2, x1 (spec 2.3)", () => {
  const bits = (r: bigint[], width: bigint) => (r[1] << (2n * width)) | (r[2] << width) | r[3];
  for (const n of [0, 1, 31, 32, 33, 64, 65, 95, 96]) {
    const h = harness({ trngSeed: 7 });
    h.hvc(0, TRNG.RND32, n);
    const r = h.ret();
    assertEquals(r[0], 0n);
    for (const x of r.slice(1)) assertEquals(x >> 32n, 0n, "32-bit words");
    const v = bits(r, 32n);
    assertEquals(v >> BigInt(n), 0n, `RND32 ${n}: bits above N are zero`);
    if (n >= 8) assertNotEquals(v, 0n);
  }
  for (const n of [1, 63, 64, 128, 191, 192]) {
    const h = harness({ trngSeed: 7 });
    h.hvc(0, TRNG.RND64, n);
    const v = bits(h.ret(), 64n);
    assertEquals(v >> BigInt(n), 0n, `RND64 ${n}`);
    assertNotEquals(v, 0n);
  }
});

Deno.test("TRNG_RND rejects too many bits with TRNG's -2, reads N as u32, accepts 0", () => {
  const h = harness();
  h.hvc(0, TRNG.RND32, 97);
  assertEquals(h.ret(), [neg(-2), 0n, 0n, 0n]);
  h.hvc(0, TRNG.RND64, 193);
  assertEquals(h.ret(), [neg(-2), 0n, 0n, 0n]);
  h.hvc(0, TRNG.RND64, 0x1_0000_0040n); // u32: 64 bits
  assertEquals(h.ret()[0], 0n);
  h.hvc(0, TRNG.RND32, 0);
  assertEquals(h.ret(), [0n, 0n, 0n, 0n]);
});

Deno.test("TRNG output is deterministic per seed and differs across seeds", () => {
  const draw = (seed: number) => {
    const h = harness({ trngSeed: seed });
    h.hvc(0, TRNG.RND64, 192);
    return h.ret();
  };
  assertEquals(draw(1), draw(1));
  assertNotEquals(draw(1), draw(2));
  // splitmix64 reference value (seed 0, first output).
  assertEquals(new SplitMix64(0).next(), 0xe220_a839_7b1d_cdafn);
});

Deno.test("injectNoEntropy() makes the next RND calls answer NO_ENTROPY (-3)", () => {
  const h = harness();
  h.kvm.trng.injectNoEntropy(2);
  h.hvc(0, TRNG.RND64, 64);
  assertEquals(h.ret(), [neg(-3), 0n, 0n, 0n]);
  h.hvc(0, TRNG.RND32, 32);
  assertEquals(h.ret()[0], neg(-3));
  h.hvc(0, TRNG.RND32, 32);
  assertEquals(h.ret()[0], 0n);
});

Deno.test("TRNG is absent before 5.12 and gated by STD_BMAP bit 0", () => {
  const old = harness({ kernel: "5.10" });
  old.hvc(0, TRNG.VERSION);
  assertEquals(old.ret()[0], NEG1);
  const h = harness();
  h.kvm.fw.set(0x6030_0000_0016_0000n, 0n);
  for (const f of [TRNG.VERSION, TRNG.FEATURES, TRNG.GET_UUID, TRNG.RND32, TRNG.RND64]) {
    h.hvc(0, f, 0);
    assertEquals(h.ret(), [NEG1, 0n, 0n, 0n], f.toString(16));
  }
});
