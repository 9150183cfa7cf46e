/**
 * Stage-1 translation with the 16 KiB and 64 KiB granules (and the 4 KiB one
 * where the rules are shared): the initial lookup level for every TxSZ, the
 * levels where blocks exist, TTBR1 with TG1's own encoding, reserved TGx and
 * out-of-range TxSZ (QEMU's choices), TCR.{I}PS address size faults, fault
 * levels in ESR/PAR, AT, the TLB with pages and blocks larger than its 4 KiB
 * entries, and the EL2 regime's TG0.
 *
 * Layout: the probe program runs at VA 0x8_0000 and the vectors at VA
 * 0x1_0000, mapped by level-3 pages in every configuration (both addresses
 * are aligned to every granule and below 2^25, the smallest input size).
 */

import { assert, assertEquals } from "@std/assert";
import { RAM_BASE, Slot } from "../state.ts";
import { assemble } from "./asm.ts";
import { lastHvc, probeVectors, TestMachine } from "./_test_util.ts";

const RAM = BigInt(RAM_BASE);
const VEC = RAM + 0x1_0000n;
const CODE = RAM + 0x8_0000n;
const DATA = RAM + 0x20_0000n;
const POOL = RAM + 0x40_0000n; // page-table pool
const VEC_VA = 0x1_0000n;
const CODE_VA = 0x8_0000n;

/** Descriptor bits (Arm ARM D8.3): valid, table/page, AttrIndx, AP[2:1], SH, AF, DBM, PXN, UXN. */
const D = {
  TABLE: 3n,
  PAGE: 3n,
  BLOCK: 1n,
  AP_RO: 1n << 7n, // AP[2]
  SH: 3n << 8n,
  AF: 1n << 10n,
  DBM: 1n << 51n,
};

/** TCR_EL1.TG0 / TG1 encodings (Arm ARM D23.2, TCR_EL1) by granule shift. */
const TG0: Record<number, bigint> = { 12: 0n, 14: 2n, 16: 1n };
const TG1: Record<number, bigint> = { 12: 2n, 14: 1n, 16: 3n };
const IPS_48 = 5n << 32n;

/** Initial lookup level for a granule 2^gs and input size (Arm ARM AArch64.S1StartLevel()). */
const startLevel = (gs: number, inputsize: number) => 4 - Math.ceil((inputsize - gs) / (gs - 3));

/** A page-table builder for one granule and input size; tables come from a shared pool. */
class Tables {
  readonly stride: number;
  readonly start: number;
  readonly root: bigint;
  constructor(
    readonly m: TestMachine,
    readonly gs: number,
    readonly inputsize: number,
    readonly pool = { next: POOL },
  ) {
    this.stride = gs - 3;
    this.start = startLevel(gs, inputsize);
    this.root = this.alloc();
  }
  get grain(): bigint {
    return 1n << BigInt(this.gs);
  }
  alloc(): bigint {
    const g = this.grain;
    const t = (this.pool.next + g - 1n) & ~(g - 1n);
    this.pool.next = t + g;
    this.m.write(t, new Uint8Array(Number(g)));
    return t;
  }
  shift(level: number): bigint {
    return BigInt(this.gs + this.stride * (3 - level));
  }
  index(va: bigint, level: number): bigint {
    const s = this.shift(level);
    const bits = level === this.start ? this.inputsize - Number(s) : this.stride;
    return (va >> s) & ((1n << BigInt(bits)) - 1n);
  }
  /** Address of the descriptor for `va` at `level`, creating the tables above it. */
  slot(va: bigint, level: number): bigint {
    let t = this.root;
    for (let l = this.start; l < level; l++) {
      const slot = t + this.index(va, l) * 8n;
      let d = this.m.readU64(slot);
      if ((d & 3n) !== 3n) {
        d = this.alloc() | D.TABLE;
        this.m.writeU64(slot, d);
      }
      t = d & 0xffff_ffff_ffffn & ~(this.grain - 1n);
    }
    return t + this.index(va, level) * 8n;
  }
  /** Map `va` to `pa`: a page at level 3, a block above. */
  map(va: bigint, pa: bigint, level = 3, attrs = 0n): void {
    const type = level === 3 ? D.PAGE : D.BLOCK;
    this.m.writeU64(this.slot(va, level), pa | attrs | D.AF | D.SH | type);
  }
  raw(va: bigint, level: number, desc: bigint): void {
    this.m.writeU64(this.slot(va, level), desc);
  }
}

/**
 * Probe program: +0x00 load [x1] into x2; +0x10 AT S1E1R x1 into x3; +0x20
 * store x2 to [x1]; +0x30 AT S1E2R x1 into x3. Each ends with `hvc #1`.
 */
const PROBE = `
    ldr x2, [x1]
    hvc #1
    nop
    nop
    at s1e1r, x1
    isb
    mrs x3, par_el1
    hvc #1
    str x2, [x1]
    hvc #1
    nop
    nop
    at s1e2r, x1
    isb
    mrs x3, par_el1
    hvc #1`;

interface Config {
  gs: number;
  tsz: number;
  /** TTBR1: its granule and T1SZ (default: like TTBR0). */
  gs1?: number;
  t1sz?: number;
  /** Raw TG0/TG1 field values overriding the granules' encodings. */
  tg0?: bigint;
  tg1?: bigint;
  ips?: bigint;
}

/** An EL1 machine with the MMU on for `cfg`; t0/t1 build the TTBR0/TTBR1 tables. */
function machine(cfg: Config): { m: TestMachine; t0: Tables; t1: Tables } {
  const m = new TestMachine({ mib: 32 });
  m.load(assemble(probeVectors(VEC), { base: VEC }));
  m.load(assemble(PROBE, { base: CODE }));
  const pool = { next: POOL };
  const t0 = new Tables(m, cfg.gs, 64 - cfg.tsz, pool);
  const gs1 = cfg.gs1 ?? cfg.gs, t1sz = cfg.t1sz ?? cfg.tsz;
  const t1 = new Tables(m, gs1, 64 - Math.min(39, Math.max(16, t1sz)), pool);
  t0.map(VEC_VA, VEC);
  t0.map(CODE_VA, CODE);
  m.setSysreg("VBAR_EL1", VEC_VA);
  m.setSysreg("MAIR_EL1", 0xffn);
  const tg0 = cfg.tg0 ?? TG0[cfg.gs], tg1 = cfg.tg1 ?? TG1[gs1];
  m.setSysreg(
    "TCR_EL1",
    BigInt(cfg.tsz) | (tg0 << 14n) | (BigInt(t1sz) << 16n) | (tg1 << 30n) |
      (cfg.ips ?? IPS_48),
  );
  m.setSysreg("TTBR0_EL1", t0.root);
  m.setSysreg("TTBR1_EL1", t1.root);
  m.setSysreg("SCTLR_EL1", m.sysreg("SCTLR_EL1") | 1n);
  return { m, t0, t1 };
}

/** Run the probe at `entry` with x1 = va; the HVC immediate (1: done, 0x200: EL1 sync vector). */
function probe(m: TestMachine, entry: number, va: bigint): number {
  m.mm.set64(0, Slot.PC, CODE_VA + BigInt(entry));
  m.setX(1, va);
  m.run(100);
  return lastHvc(m);
}

/** Load from `va`: the value, or the DFSC of the data abort (with FAR checked). */
function load(m: TestMachine, va: bigint): { value?: bigint; fsc?: number } {
  if (probe(m, 0x00, va) === 1) return { value: m.x(2) };
  const esr = m.sysreg("ESR_EL1");
  assertEquals(esr >> 26n, 0x25n, `data abort expected, ESR 0x${esr.toString(16)}`);
  assertEquals(m.sysreg("FAR_EL1"), va, "FAR_EL1");
  return { fsc: Number(esr & 0x3fn) };
}

/** AT S1E1R `va`: the PA, or the fault status code (PAR_EL1.FST). */
function at(m: TestMachine, va: bigint, entry = 0x10): { pa?: bigint; fsc?: number } {
  assertEquals(probe(m, entry, va), 1);
  const par = m.x(3);
  if (par & 1n) return { fsc: Number((par >> 1n) & 0x3fn) };
  return { pa: (par & 0xffff_ffff_f000n) | (va & 0xfffn) };
}

const TRANSLATION = (l: number) => 0x04 + l;
const ACCESS_FLAG = (l: number) => 0x08 + l;
const PERMISSION = (l: number) => 0x0c + l;
const ADDR_SIZE = (l: number) => 0x00 + l;
const EXTERNAL_WALK = (l: number) => 0x14 + l;

Deno.test("walk() starts at the level AArch64.S1StartLevel() gives for every granule and T0SZ 16..39", () => {
  const seen = new Map<number, Set<string>>();
  for (const gs of [12, 14, 16]) {
    for (let tsz = 16; tsz <= 39; tsz++) {
      const inputsize = 64 - tsz;
      const { m, t0 } = machine({ gs, tsz });
      const va = 0x20_0000n + 0x18n, far = 1n << BigInt(inputsize - 1);
      t0.map(va & ~(t0.grain - 1n), DATA);
      m.writeU64(DATA + 0x18n, BigInt(gs * 100 + tsz));
      const what = `granule 2^${gs}, T0SZ ${tsz}`;
      assertEquals(load(m, va), { value: BigInt(gs * 100 + tsz) }, what);
      // Nothing mapped at the top of the range: a fault at the initial level.
      assertEquals(load(m, far), { fsc: TRANSLATION(t0.start) }, what);
      // The next page shares the last-level table: an invalid level-3 entry.
      assertEquals(load(m, va + t0.grain), { fsc: TRANSLATION(3) }, what);
      // One bit beyond the input size: outside TTBR0's range, level 0.
      if (inputsize < 48) assertEquals(load(m, far << 1n), { fsc: TRANSLATION(0) }, what);
      const levels = seen.get(gs) ?? new Set();
      levels.add(`${t0.start}`);
      seen.set(gs, levels);
    }
  }
  // 4 KiB: 4 levels down to 2; 16 KiB: 4 down to 1 (level 0 of a 48-bit walk has 2 entries);
  // 64 KiB: at most 3 (42 bits fit 2 levels, 29 bits 1).
  assertEquals([...seen.get(12)!], ["0", "1", "2"]);
  assertEquals([...seen.get(14)!], ["0", "1", "2", "3"]);
  assertEquals([...seen.get(16)!], ["1", "2", "3"]);
  assertEquals(startLevel(16, 42), 2);
  assertEquals(startLevel(16, 43), 1);
  assertEquals(startLevel(14, 47), 1);
  assertEquals(startLevel(14, 48), 0);
});

Deno.test("walk() takes blocks at level 2 for every granule, level 1 only for 4 KiB, never level 0", () => {
  // Block sizes: 4 KiB granule 1 GiB / 2 MiB; 16 KiB 32 MiB; 64 KiB 512 MiB.
  const cases: [number, number, bigint, number | undefined][] = [
    [12, 1, 1n << 30n, undefined],
    [12, 2, 1n << 21n, undefined],
    [12, 0, 1n << 39n, TRANSLATION(0)],
    [14, 2, 1n << 25n, undefined],
    [14, 1, 1n << 36n, TRANSLATION(1)],
    [14, 0, 1n << 47n, TRANSLATION(0)],
    [16, 2, 1n << 29n, undefined],
    [16, 1, 1n << 42n, TRANSLATION(1)],
  ];
  for (const [gs, level, size, fsc] of cases) {
    const { m, t0 } = machine({ gs, tsz: 16 });
    const base = 1n << 47n; // aligned to every block size; root index != 0 (16 KiB level 0: 2 entries)
    const pa = level === 0 ? 0n : DATA & ~(size - 1n);
    t0.map(base, pa, level);
    const off = DATA - pa + 0x28n;
    m.writeU64(DATA + 0x28n, 0x5151n);
    const what = `granule 2^${gs}, level ${level}`;
    assertEquals(load(m, base + off), fsc === undefined ? { value: 0x5151n } : { fsc }, what);
  }
});

Deno.test("walk() uses TG1's own encoding for TTBR1 (16 KiB = 0b01, 64 KiB = 0b11) next to TG0", () => {
  for (const [gs, gs1, t1sz] of [[12, 16, 16], [16, 14, 17], [14, 16, 22], [16, 12, 25]]) {
    const { m, t1 } = machine({ gs, tsz: 25, gs1, t1sz });
    const hi = -(1n << BigInt(64 - t1sz)) & 0xffff_ffff_ffff_ffffn; // lowest upper-range VA
    const va = hi + 0x1234_0000n;
    t1.map(va & ~(t1.grain - 1n), DATA);
    m.writeU64(DATA + (va & (t1.grain - 1n)), 0xabcdn);
    const what = `TG0 2^${gs}, TG1 2^${gs1}, T1SZ ${t1sz}`;
    assertEquals(load(m, va), { value: 0xabcdn }, what);
    assertEquals(load(m, va + t1.grain), { fsc: TRANSLATION(3) }, what);
    assertEquals(load(m, hi - 0x1000n), { fsc: TRANSLATION(0) }, what); // below the upper range
  }
});

Deno.test("walk() treats reserved TG0 0b11 and TG1 0b00 as 4 KiB, as QEMU does", () => {
  const { m, t0, t1 } = machine({ gs: 12, tsz: 25, tg0: 3n, tg1: 0n });
  const hi = 0xffff_ff80_0000_0000n;
  t0.map(0x30_0000n, DATA);
  t1.map(hi + 0x5000n, DATA + 0x1000n);
  m.writeU64(DATA + 0x1008n, 7n);
  m.writeU64(DATA + 0x8n, 6n);
  assertEquals(load(m, 0x30_0008n), { value: 6n });
  assertEquals(load(m, hi + 0x5008n), { value: 7n });
  assertEquals(load(m, 0x30_1000n), { fsc: TRANSLATION(3) }); // a 4 KiB page, not a larger one
});

Deno.test("walk() faults a TxSZ outside 16..39 at level 0 instead of clamping it, as QEMU does", () => {
  for (const gs of [12, 14, 16]) {
    for (const t1sz of [0, 12, 15, 40, 48, 63]) {
      const { m } = machine({ gs, tsz: 25, t1sz });
      assertEquals(at(m, 0xffff_ffff_ffff_f000n), { fsc: TRANSLATION(0) }, `T1SZ ${t1sz}`);
    }
  }
  // TTBR0 likewise (the host-side walk: the probe itself runs through TTBR0).
  for (const tsz of [15, 40]) {
    const { m } = machine({ gs: 16, tsz: 25 });
    assertEquals(m.cpu.translate(0, CODE_VA), CODE);
    m.setSysreg("TCR_EL1", BigInt(tsz) | (TG0[16] << 14n) | IPS_48);
    assertEquals(m.cpu.translate(0, CODE_VA), undefined, `T0SZ ${tsz}`);
  }
});

Deno.test("walk() raises address size faults past TCR_EL1.IPS at the descriptor's level, at level 0 for the TTBR", () => {
  const ips32 = 0n << 32n;
  const { m, t0, t1 } = machine({ gs: 16, tsz: 16, ips: ips32 }); // 3 levels from level 1
  t0.map(0x30_0000n, 0x1_0000_0000n); // page above 4 GiB
  t0.map(0x2000_0000n, 0x1_2000_0000n, 2); // 512 MiB block above 4 GiB
  t0.raw(0x400_0000_0000n, 1, 0x100_0000_0000n | D.TABLE); // table at 1 TiB
  assertEquals(load(m, 0x30_0010n), { fsc: ADDR_SIZE(3) });
  assertEquals(load(m, 0x2000_0000n), { fsc: ADDR_SIZE(2) });
  assertEquals(load(m, 0x400_0000_0000n), { fsc: ADDR_SIZE(1) });
  // TTBR1 above the output size: level 0, whatever the initial level.
  m.setSysreg("TTBR1_EL1", (1n << 40n) | t1.root);
  assertEquals(at(m, 0xffff_0000_0000_0000n), { fsc: ADDR_SIZE(0) });
  // IPS 40 bits: the table at 1 TiB is still out (bit 40), the block at 4.5 GiB is fine.
  const tcr = m.sysreg("TCR_EL1") & ~(7n << 32n);
  m.setSysreg("TCR_EL1", tcr | (2n << 32n));
  assertEquals(at(m, 0x400_0000_0000n), { fsc: ADDR_SIZE(1) });
  assertEquals(at(m, 0x2000_0040n), { pa: 0x1_2000_0040n });
  // PS 0b110 (52 bits) and the reserved 0b111 behave as PARange (48 bits): the table at 1 TiB
  // is read, and it is not RAM (a synchronous external abort on the walk, level 2).
  for (const ps of [5n, 6n, 7n]) {
    m.setSysreg("TCR_EL1", tcr | (ps << 32n));
    assertEquals(at(m, 0x400_0000_0000n), { fsc: EXTERNAL_WALK(2) }, `PS ${ps}`);
  }
});

Deno.test("walk() ignores descriptor bits 51:48 (DBM, GP: not output address bits without FEAT_LPA)", () => {
  for (const gs of [12, 14, 16]) {
    const { m, t0 } = machine({ gs, tsz: 25 });
    t0.map(0x30_0000n, DATA, 3, D.DBM | (1n << 50n) | (1n << 48n));
    m.writeU64(DATA, 0x77n);
    assertEquals(load(m, 0x30_0000n), { value: 0x77n }, `granule 2^${gs}`);
  }
});

Deno.test("walk() reports access flag and permission faults at their level with large granules", () => {
  const { m, t0 } = machine({ gs: 16, tsz: 22 }); // 64 KiB, 2 levels from level 2
  t0.raw(0x2000_0000n, 2, (RAM & ~0x1fff_ffffn) | D.SH | D.BLOCK); // AF = 0 block
  t0.map(0x30_0000n, DATA, 3, D.AP_RO);
  assertEquals(load(m, 0x2000_1238n), { fsc: ACCESS_FLAG(2) });
  assertEquals(probe(m, 0x20, 0x30_fff8n), 0x200);
  assertEquals(m.sysreg("ESR_EL1") & 0x7fn, (1n << 6n) | BigInt(PERMISSION(3))); // WnR
  assertEquals(m.sysreg("FAR_EL1"), 0x30_fff8n);

  const { m: s, t0: s0 } = machine({ gs: 14, tsz: 16 }); // 16 KiB, 4 levels from level 0
  s0.raw(0x4000n, 3, DATA | D.SH | D.PAGE); // AF = 0 page
  assertEquals(load(s, 0x7ff0n), { fsc: ACCESS_FLAG(3) });
});

Deno.test("AT S1E1R reports the PA of the 4 KiB sub-page inside a 64 KiB page and a 32 MiB block", () => {
  const { m, t0 } = machine({ gs: 16, tsz: 25 }); // 64 KiB, 2 levels from level 2
  t0.map(0x30_0000n, DATA);
  assertEquals(at(m, 0x30_b123n), { pa: DATA + 0xb123n });
  const { m: s, t0: s0 } = machine({ gs: 14, tsz: 30 }); // 16 KiB, 2 levels from level 2
  s0.map(0x200_0000n, RAM, 2);
  assertEquals(at(s, 0x3ab_c123n), { pa: RAM + 0x1ab_c123n });
  assertEquals(at(s, 0x400_0000n), { fsc: TRANSLATION(2) });
});

Deno.test("translate() serves every 4 KiB sub-page of a 64 KiB page until TLBI VAE1 of any one drops them all", () => {
  const { m, t0 } = machine({ gs: 16, tsz: 36 }); // 64 KiB, one level: the level-3 table is the root
  const va = 0x30_0000n, pte = t0.slot(va, 3);
  assertEquals(t0.start, 3);
  t0.map(va, DATA);
  t0.map(0x5a_0000n, t0.root); // the table itself, for the guest's store (TLB slot != 0x30_0000's)
  m.writeU64(DATA, 1n);
  m.writeU64(DATA + 0xf000n, 2n);
  m.writeU64(DATA + 0x1_0000n, 3n);
  m.writeU64(DATA + 0x1_f000n, 4n);
  m.load(assemble(
    `
    ldr x2, [x1]
    ldr x3, [x1, x4]
    str x6, [x5]          // remap the page to DATA + 64 KiB
    ldr x7, [x1]          // stale
    ldr x8, [x1, x4]      // stale
    dsb ishst
    lsr x10, x1, #12
    add x10, x10, #3      // TLBI operand: VA[55:12] of sub-page 3
    tlbi vae1, x10
    dsb ish
    isb
    ldr x11, [x1]
    ldr x12, [x1, x4]
    hvc #1`,
    { base: CODE + 0x100n },
  ));
  m.mm.set64(0, Slot.PC, CODE_VA + 0x100n);
  m.setX(1, va);
  m.setX(4, 0xf000n);
  m.setX(5, 0x5a_0000n + (pte - t0.root));
  m.setX(6, (DATA + 0x1_0000n) | D.AF | D.SH | D.PAGE);
  m.run(100);
  assertEquals(lastHvc(m), 1);
  assertEquals([m.x(2), m.x(3), m.x(7), m.x(8), m.x(11), m.x(12)], [1n, 2n, 1n, 2n, 3n, 4n]);
});

Deno.test("translate() maps any 4 KiB page of a 512 MiB block with the block's offset", () => {
  const { m, t0 } = machine({ gs: 16, tsz: 22 });
  t0.map(0x2000_0000n, RAM, 2);
  for (const off of [0x20_0000n, 0x20_0ff8n, 0x1ab_cde8n, 0x1ff_fff8n]) {
    m.writeU64(RAM + off, off ^ 0x5an);
    assertEquals(load(m, 0x2000_0000n + off), { value: off ^ 0x5an });
  }
  assert(m.cpu.translate(0, 0x4000_0000n) === undefined);
});

Deno.test("walk() with TCR_EL2 (E2H = 0) honours TG0 = 64 KiB and 16 KiB and its PS field", () => {
  for (const gs of [14, 16]) {
    const m = new TestMachine({ el: 2, mib: 32 });
    m.load(assemble(probeVectors(VEC), { base: VEC }));
    m.load(assemble(PROBE, { base: CODE }));
    const t = new Tables(m, gs, 48);
    t.map(VEC_VA, VEC);
    t.map(CODE_VA, CODE);
    t.map(0x30_0000n, DATA);
    t.map(0x40_0000n, 0x1_0000_0000n);
    m.setSysreg("VBAR_EL2", VEC_VA);
    m.setSysreg("MAIR_EL2", 0xffn);
    // TCR_EL2 (E2H = 0): T0SZ 5:0, TG0 15:14, PS 18:16 (here 32 bits), RES1 bits 31 and 23.
    m.setSysreg("TCR_EL2", 16n | (TG0[gs] << 14n) | (0n << 16n) | (1n << 31n) | (1n << 23n));
    m.setSysreg("TTBR0_EL2", t.root);
    m.setSysreg("SCTLR_EL2", m.sysreg("SCTLR_EL2") | 1n);
    const what = `granule 2^${gs}`;
    assertEquals(at(m, 0x30_1234n, 0x30), { pa: DATA + 0x1234n }, what);
    assertEquals(at(m, 0x40_0000n, 0x30), { fsc: ADDR_SIZE(3) }, what);
    assertEquals(at(m, 0x30_0000n + t.grain, 0x30), { fsc: TRANSLATION(3) }, what);
    assertEquals(at(m, 1n << 47n, 0x30), { fsc: TRANSLATION(t.start) }, what);
  }
});
