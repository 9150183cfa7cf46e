/**
 * Stage-1 translation: walks, faults with exact ESR/FAR, permissions (AP,
 * UXN/PXN, PAN), the access flag, TTBR1, TLB maintenance and AT.
 *
 * Tables are built by {@link Tables} in RAM; the regime is EL1&0 with
 * T0SZ = T1SZ = 25 (39-bit VAs: walks start at level 1), 4 KiB granule,
 * MAIR attr0 Normal WB, attr1 Device-nGnRnE. The 16 KiB and 64 KiB granules,
 * TxSZ/IPS limits and block levels are in mmu_granule_test.ts.
 */

import { assertEquals } from "@std/assert";
import { RAM_BASE, Slot } from "../state.ts";
import { assemble } from "./asm.ts";
import { Exit } from "./cpu.ts";
import { PSR } from "./pstate.ts";
import { lastHvc, probeVectors, TestMachine } from "./_test_util.ts";

const RAM = BigInt(RAM_BASE);
const CODE = RAM + 0x8_0000n;
const VEC = RAM + 0x1_0000n;
const TABLES = RAM + 0x40_0000n; // page-table pool
const DATA = RAM + 0x20_0000n;

/** Descriptor bits (Arm ARM D8.3): valid/table/page, AttrIndx, AP[2:1], AF, PXN, UXN. */
const D = {
  VALID: 1n,
  TABLE: 3n,
  PAGE: 3n,
  BLOCK: 1n,
  NORMAL: 0n << 2n,
  DEVICE: 1n << 2n,
  AP_EL0: 1n << 6n, // AP[1]
  AP_RO: 1n << 7n, // AP[2]
  SH: 3n << 8n,
  AF: 1n << 10n,
  PXN: 1n << 53n,
  UXN: 1n << 54n,
};

/** A page-table builder for the EL1&0 regime (level-1 tables, 39-bit VA). */
class Tables {
  next = TABLES;
  readonly root: bigint;
  constructor(readonly m: TestMachine) {
    this.root = this.alloc();
  }
  alloc(): bigint {
    const t = this.next;
    this.next += 0x1000n;
    this.m.write(t, new Uint8Array(0x1000));
    return t;
  }
  /** The table at `level` (2 or 3) for `va`, created on demand under `root`. */
  table(root: bigint, va: bigint, level: number): bigint {
    let t = root;
    for (let l = 1; l < level; l++) {
      const idx = (va >> BigInt(39 - 9 * l)) & 0x1ffn;
      const slot = t + idx * 8n;
      let d = this.m.readU64(slot);
      if ((d & 3n) !== 3n) {
        d = this.alloc() | D.TABLE;
        this.m.writeU64(slot, d);
      }
      t = d & 0xffff_ffff_f000n;
    }
    return t;
  }
  /** Map the 4 KiB page `va` to `pa` with extra attribute bits. */
  page(va: bigint, pa: bigint, attrs = D.NORMAL, root = this.root): void {
    const t = this.table(root, va, 3);
    this.m.writeU64(t + ((va >> 12n) & 0x1ffn) * 8n, pa | attrs | D.AF | D.SH | D.PAGE);
  }
  /** Map the 2 MiB block `va` to `pa`. */
  block(va: bigint, pa: bigint, attrs = D.NORMAL, root = this.root): void {
    const t = this.table(root, va, 2);
    this.m.writeU64(t + ((va >> 21n) & 0x1ffn) * 8n, pa | attrs | D.AF | D.SH | D.BLOCK);
  }
  /** Raw descriptor write for `va` at level 3. */
  raw(va: bigint, desc: bigint, root = this.root): void {
    const t = this.table(root, va, 3);
    this.m.writeU64(t + ((va >> 12n) & 0x1ffn) * 8n, desc);
  }
}

/** A machine with identity-mapped code/vector/table/data pages, MMU on at EL1. */
function mmuMachine(src: string): { m: TestMachine; t: Tables } {
  const m = new TestMachine();
  m.load(assemble(probeVectors(VEC), { base: VEC }));
  m.load(assemble(src, { base: CODE }));
  const t = new Tables(m);
  t.block(RAM, RAM); // 0x4000_0000..+2 MiB: vectors, code
  t.page(DATA, DATA);
  t.page(DATA + 0x1000n, DATA + 0x1000n);
  m.setSysreg("VBAR_EL1", VEC);
  m.setSysreg("MAIR_EL1", 0x00ffn);
  m.setSysreg("TCR_EL1", 25n | (25n << 16n) | (2n << 30n));
  m.setSysreg("TTBR0_EL1", t.root);
  m.setSysreg("SCTLR_EL1", m.sysreg("SCTLR_EL1") | 1n);
  return { m, t };
}

const IL = 1n << 25n;
const dabt = (fsc: bigint, wnr = false) => (0x25n << 26n) | IL | (wnr ? 1n << 6n : 0n) | fsc;

Deno.test("MMU: identity-mapped Normal memory allows unaligned accesses and DC ZVA", () => {
  const { m } = mmuMachine(`
    ldr x2, [x1, #1]
    dc zva, x1
    ldr x3, [x1]
    hvc #1`);
  m.setX(1, DATA);
  m.writeU64(DATA, 0x1122_3344_5566_7788n);
  m.writeU64(DATA + 8n, 0x99n);
  assertEquals(m.run(), Exit.CALL);
  assertEquals(lastHvc(m), 1);
  assertEquals(m.x(2), 0x9911_2233_4455_6677n);
  assertEquals(m.x(3), 0n);
});

Deno.test("MMU: an invalid level-3 entry is a translation fault level 3 with FAR and WnR", () => {
  const { m } = mmuMachine("str x0, [x1]");
  m.setX(1, DATA + 0x2008n);
  m.run();
  assertEquals(lastHvc(m), 0x200);
  assertEquals(m.sysreg("ESR_EL1"), dabt(0x07n, true));
  assertEquals(m.sysreg("FAR_EL1"), DATA + 0x2008n);
  assertEquals(m.sysreg("ELR_EL1"), CODE);
});

Deno.test("MMU: a missing level-2 table is a translation fault level 2; beyond T0SZ, level 0", () => {
  const { m } = mmuMachine("ldr x0, [x1]");
  m.setX(1, 0x8000_0000n);
  m.run();
  assertEquals(m.sysreg("ESR_EL1"), dabt(0x05n));
  const { m: m2 } = mmuMachine("ldr x0, [x1]");
  m2.setX(1, 1n << 40n);
  m2.run();
  assertEquals(m2.sysreg("ESR_EL1"), dabt(0x04n));
  assertEquals(m2.sysreg("FAR_EL1"), 1n << 40n);
});

Deno.test("MMU: AF = 0 is an access flag fault; AP[2] read-only faults stores with a permission fault", () => {
  const { m, t } = mmuMachine("ldr x0, [x1]");
  t.raw(DATA + 0x3000n, (DATA + 0x3000n) | D.SH | D.PAGE); // no AF
  m.setX(1, DATA + 0x3000n);
  m.run();
  assertEquals(m.sysreg("ESR_EL1"), dabt(0x0bn));
  const { m: r, t: rt } = mmuMachine("ldr x2, [x1]\n str x2, [x1]");
  rt.page(DATA + 0x3000n, DATA + 0x3000n, D.AP_RO);
  r.setX(1, DATA + 0x3000n);
  r.run();
  assertEquals(r.sysreg("ESR_EL1"), dabt(0x0fn, true));
  assertEquals(r.sysreg("ELR_EL1"), CODE + 4n);
});

Deno.test("MMU: EL0 cannot touch EL1-only pages or execute UXN pages; PAN blocks EL1 on EL0 pages", () => {
  const user = `
    adr x0, user
    msr elr_el1, x0
    msr spsr_el1, xzr
    eret
  user:
    ldr x2, [x1]`;
  const { m, t } = mmuMachine(user);
  t.block(RAM, RAM, D.AP_EL0 | D.AP_RO); // read-only at EL0 and EL1: both may execute
  m.setX(1, DATA);
  m.run();
  assertEquals(lastHvc(m), 0x400);
  assertEquals(m.sysreg("ESR_EL1"), (0x24n << 26n) | IL | 0x0fn);
  assertEquals(m.sysreg("FAR_EL1"), DATA);

  const { m: x, t: xt } = mmuMachine(user);
  xt.block(RAM, RAM, D.AP_EL0 | D.AP_RO | D.UXN);
  x.run();
  assertEquals(x.sysreg("ESR_EL1"), (0x20n << 26n) | IL | 0x0en);
  assertEquals(x.sysreg("FAR_EL1"), CODE + 16n);

  const { m: p, t: pt } = mmuMachine("msr pan, #1\n ldr x2, [x1]\n hvc #5");
  pt.page(DATA, DATA, D.AP_EL0);
  p.setX(1, DATA);
  p.run();
  assertEquals(p.sysreg("ESR_EL1"), dabt(0x0fn));
  assertEquals(Number(p.sysreg("SPSR_EL1")) & PSR.PAN, PSR.PAN);
});

Deno.test("MMU: TTBR1 translates the upper range", () => {
  const { m, t } = mmuMachine("ldr x2, [x1]\n hvc #1");
  const hi = 0xffff_ffc0_0000_0000n; // 39-bit upper range base
  const root1 = t.alloc();
  t.page(hi + 0x5000n, DATA, D.NORMAL, root1);
  m.setSysreg("TTBR1_EL1", root1);
  m.writeU64(DATA, 0xabcdn);
  m.setX(1, hi + 0x5000n);
  m.run();
  assertEquals(lastHvc(m), 1);
  assertEquals(m.x(2), 0xabcdn);
});

Deno.test("MMU: the TLB keeps a stale translation until TLBI", () => {
  const { m, t } = mmuMachine(`
    ldr x2, [x1]
    str x4, [x3]      // rewrite the PTE of [x1] (the tables are identity mapped by the block)
    ldr x5, [x1]      // stale: still the old page
    dsb ish
    tlbi vmalle1
    dsb ish
    ldr x6, [x1]      // the new page
    hvc #1`);
  const va = DATA + 0x1000n;
  m.writeU64(va, 1n);
  m.writeU64(DATA, 2n);
  const l3 = t.table(t.root, va, 3);
  m.setX(1, va);
  m.setX(3, l3 + ((va >> 12n) & 0x1ffn) * 8n);
  m.setX(4, DATA | D.AF | D.SH | D.PAGE);
  t.block(TABLES, TABLES); // the tables themselves, for the guest's store
  m.run();
  assertEquals([m.x(2), m.x(5), m.x(6)], [1n, 1n, 2n]);
});

Deno.test("AT S1E1R reports the PA in PAR_EL1, or the fault", () => {
  const { m } = mmuMachine(`
    at s1e1r, x1
    mrs x2, par_el1
    at s1e1w, x3
    mrs x4, par_el1
    hvc #1`);
  m.setX(1, DATA + 0x123n);
  m.setX(3, DATA + 0x5000n);
  m.run();
  assertEquals(m.x(2), DATA | (0xffn << 56n) | (1n << 11n) | (1n << 9n) | (3n << 7n)); // ATTR, RES1, NS, SH
  assertEquals(m.x(4), (1n << 11n) | (0x07n << 1n) | 1n); // F = 1, FST = translation fault level 3
});

Deno.test("Cpu.translate() walks like the guest without touching its state", () => {
  const { m } = mmuMachine("nop");
  assertEquals(m.cpu.translate(0, DATA + 0x10n), DATA + 0x10n);
  assertEquals(m.cpu.translate(0, DATA + 0x9000n), undefined);
  assertEquals(m.mm.get64(0, Slot.PC), CODE);
});

Deno.test("MMU: Device pages go to MMIO callbacks through the translation", () => {
  const { m, t } = mmuMachine("ldr w2, [x1, #4]\n hvc #1");
  t.page(0x7000_0000n, 0x0900_0000n, D.DEVICE);
  m.setX(1, 0x7000_0000n);
  m.run();
  assertEquals(m.x(2), 0x0900_0004n);
});
