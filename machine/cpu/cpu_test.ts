/**
 * The exception model, interrupts, system registers, callbacks, budgets and
 * exclusives, run through `Cpu` on small assembled programs.
 *
 * Vector probes: `probeVectors(base)` fills a vector table whose every entry
 * is `hvc #<offset>`, so the HVC callback (which exits) tells which vector an
 * exception or interrupt went to.
 */

import { assert, assertEquals, assertThrows } from "@std/assert";
import { Feature, RAM_BASE, Slot } from "../state.ts";
import { CallAction } from "./callbacks.ts";
import { Exit } from "./cpu.ts";
import { PSR } from "./pstate.ts";
import { assemble } from "./asm.ts";
import { lastHvc, probeVectors, TestMachine } from "./_test_util.ts";

const RAM = BigInt(RAM_BASE);
const CODE = RAM + 0x8_0000n;
const VEC = RAM + 0x1_0000n;

/** A machine with `src` at CODE and probe vectors at VBAR_EL1 (and VBAR_EL2). */
function machine(
  src: string,
  opts: ConstructorParameters<typeof TestMachine>[0] = {},
): TestMachine {
  const m = new TestMachine(opts);
  m.load(assemble(probeVectors(VEC), { base: VEC }));
  m.load(assemble(src, { base: CODE }));
  m.setSysreg("VBAR_EL1", VEC);
  m.setSysreg("VBAR_EL2", VEC);
  return m;
}

const EC_SHIFT = 26n;
function ec(esr: bigint): number {
  return Number(esr >> EC_SHIFT) & 0x3f;
}

Deno.test("Cpu.run() retires exactly the budget and counts ICOUNT", () => {
  const m = machine("0: add x0, x0, #1\n b 0b");
  assertEquals(m.run(1001), Exit.BUDGET);
  assertEquals(m.icount, 1001);
  assertEquals(m.x(0), 501n);
  assertEquals(m.run(0), Exit.BUDGET);
  assertEquals(m.icount, 1001);
  assertEquals(m.pc, CODE + 4n); // stopped before the branch
  m.cpu.step(0);
  assertEquals(m.icount, 1002);
  assertEquals(m.pc, CODE);
});

Deno.test("Cpu.run() stops on HVC with EXIT, PC after the HVC", () => {
  const m = machine("movz x0, #0x8400, lsl #16\n hvc #0x12\n nop");
  assertEquals(m.run(), Exit.CALL);
  assertEquals(m.events, [{ kind: "hvc", cpu: 0, imm: 0x12 }]);
  assertEquals(m.pc, CODE + 8n);
  assertEquals(m.icount, 2);
  const info = m.cpu.exitInfo(0);
  assertEquals(info.reason, Exit.CALL);
  assertEquals(info.pc, CODE + 8n);
  assertEquals(info.insn, 0xd503201f);
});

Deno.test("HVC CONTINUE: an interrupt raised or PSTATE changed by the callback is seen at once", () => {
  // The callback raises the IRQ line: taken right after the HVC (ELR = the instruction after it).
  const m: TestMachine = machine("msr daifclr, #2\n hvc #1\n nop\n 0: b 0b", {
    hvc: (_c, imm) => {
      if (imm === 1) m.mm.i32[m.mm.slot(0, Slot.IRQ_LINES)] = 1;
      return imm === 1 ? CallAction.CONTINUE : CallAction.EXIT;
    },
  });
  assertEquals(m.run(), Exit.CALL);
  assertEquals(lastHvc(m), 0x280);
  assertEquals(m.sysreg("ELR_EL1"), CODE + 8n);
  // The callback unmasks IRQs (a PSTATE change) with a line already up: taken likewise.
  const p: TestMachine = machine("hvc #1\n nop\n 0: b 0b", {
    hvc: (_c, imm) => {
      if (imm === 1) p.mm.i32[p.mm.slot(0, Slot.PSTATE)] &= ~PSR.I;
      return imm === 1 ? CallAction.CONTINUE : CallAction.EXIT;
    },
  });
  p.mm.i32[p.mm.slot(0, Slot.IRQ_LINES)] = 1;
  p.mm.i32[p.mm.slot(0, Slot.PSTATE)] |= PSR.I;
  assertEquals(p.run(), Exit.CALL);
  assertEquals(lastHvc(p), 0x280);
  assertEquals(p.sysreg("ELR_EL1"), CODE + 4n);
});

Deno.test("Cpu.requestStop() from a callback stops after that instruction with an exact count", () => {
  let n = 0;
  const m: TestMachine = machine("0: hvc #1\n add x1, x1, #1\n b 0b", {
    hvc: () => {
      if (++n === 3) m.cpu.requestStop();
      return CallAction.CONTINUE;
    },
  });
  assertEquals(m.run(1000), Exit.STOPPED);
  assertEquals(m.icount, 7); // three HVCs, two adds, two branches
  assertEquals(m.pc, CODE + 4n);
  assertEquals(m.x(1), 2n);
});

Deno.test("HVC CONTINUE resumes where the handler left the PC", () => {
  let n = 0;
  const m = machine("hvc #1\n hvc #2\n b .", {
    hvc: () => (++n < 2 ? CallAction.CONTINUE : CallAction.EXIT),
  });
  assertEquals(m.run(), Exit.CALL);
  assertEquals(m.pc, CODE + 8n);
});

Deno.test("HVC TRAP takes EC 0x16 to the guest's own EL2", () => {
  const m = machine("hvc #0x77", {
    features: Feature.EL2,
    hvc: (_c, imm) => (imm === 0x77 ? CallAction.TRAP : CallAction.EXIT),
  });
  assertEquals(m.run(), Exit.CALL);
  assertEquals(lastHvc(m), 0x400); // lower EL, AArch64, synchronous
  assertEquals(m.el, 2);
  assertEquals(m.sysreg("ESR_EL2"), (0x16n << 26n) | (1n << 25n) | 0x77n);
  assertEquals(m.sysreg("ELR_EL2"), CODE + 4n);
  assertEquals(Number(m.sysreg("SPSR_EL2")) & 0xf, PSR.EL1h);
});

Deno.test("HVC is UNDEFINED at EL0 and with HCR_EL2.HCD", () => {
  const m = machine("hvc #0", { features: Feature.EL2 });
  m.setSysreg("HCR_EL2", 1n << 29n);
  m.cpu.stopOn.add(0); // the probe vectors use HVC too
  assertEquals(m.run(), Exit.EXCEPTION);
  assertEquals(m.cpu.exitInfo(0).esr, 1 << 25);
  assertEquals(m.events, []);
  const u = machine(`
    adr x0, user
    msr elr_el1, x0
    msr spsr_el1, xzr
    eret
  user:
    hvc #1`);
  u.run();
  assertEquals(lastHvc(u), 0x400);
  assertEquals(u.sysreg("ESR_EL1"), 1n << 25n);
});

Deno.test("SVC from EL0 goes to EL1 at VBAR+0x400 with EC 0x15", () => {
  const m = machine(`
    adr x0, user
    msr elr_el1, x0
    msr spsr_el1, xzr
    eret
  user:
    svc #0x42`);
  assertEquals(m.run(), Exit.CALL);
  assertEquals(lastHvc(m), 0x400);
  assertEquals(m.el, 1);
  assertEquals(m.sysreg("ESR_EL1"), (0x15n << 26n) | (1n << 25n) | 0x42n);
  assertEquals(m.sysreg("ELR_EL1"), CODE + 20n);
  assertEquals(m.sysreg("SPSR_EL1"), 0n);
  assertEquals(m.pstate & (PSR.DAIF | 0xf), PSR.DAIF | PSR.EL1h);
});

Deno.test("SVC from EL0 with HCR_EL2.TGE goes to EL2", () => {
  const m = machine(
    `
    adr x0, user
    msr elr_el2, x0
    msr spsr_el2, xzr
    eret
  user:
    svc #1`,
    { el: 2 },
  );
  m.setSysreg("HCR_EL2", 1n << 27n);
  assertEquals(m.run(), Exit.CALL);
  assertEquals(lastHvc(m), 0x400);
  assertEquals(m.el, 2);
  assertEquals(ec(m.sysreg("ESR_EL2")), 0x15);
});

Deno.test("BRK reports its immediate and returns to itself; UNDEFINED reports EC 0", () => {
  const m = machine("brk #0x3e8");
  m.run();
  assertEquals(m.sysreg("ESR_EL1"), (0x3cn << 26n) | (1n << 25n) | 0x3e8n);
  assertEquals(m.sysreg("ELR_EL1"), CODE);
  const u = machine(".inst 0xffffffff");
  u.run();
  assertEquals(lastHvc(u), 0x200);
  assertEquals(u.sysreg("ESR_EL1"), 1n << 25n);
  assertEquals(u.sysreg("ELR_EL1"), CODE);
});

Deno.test("SMC: trapped by HCR_EL2.TSC with ELR at the SMC; UNDEF when firmware says so", () => {
  const m = machine("smc #5", { features: Feature.EL2 });
  m.setSysreg("HCR_EL2", 1n << 19n);
  m.run();
  assertEquals(m.el, 2);
  assertEquals(m.sysreg("ESR_EL2"), (0x17n << 26n) | (1n << 25n) | 5n);
  assertEquals(m.sysreg("ELR_EL2"), CODE);
  const u = machine("smc #0");
  u.run();
  assertEquals(ec(u.sysreg("ESR_EL1")), 0);
  assertEquals(u.events.filter((e) => e.kind === "smc").length, 1);
  const ok = machine("smc #0\n nop", {
    smc: () => {
      ok.mm.set64(0, Slot.PC, CODE + 4n); // the handler advances the PC itself
      return CallAction.EXIT;
    },
  });
  assertEquals(ok.run(), Exit.CALL);
  assertEquals(ok.pc, CODE + 4n);
});

Deno.test("an exception taken at its own vector stops with EXCEPTION_LOOP", () => {
  const m = new TestMachine();
  m.code("ldr x0, [x1]"); // x1 = 0: no RAM at PA 0, external abort
  m.setSysreg("VBAR_EL1", 0n); // and the vector at 0x200 is not RAM either
  assertEquals(m.run(1_000_000), Exit.EXCEPTION_LOOP);
  assert(m.icount < 10);
  const info = m.cpu.exitInfo(0);
  assertEquals(info.pc, 0x200n);
  assertEquals(info.esr >>> 26, 0x21); // instruction abort, same EL
  assertEquals(info.far, 0x200n);
  const err = m.cpu.errorFor(0)!;
  assertEquals([err.kind, err.pc, err.el, err.esr >>> 26], ["exception_loop", 0x200n, 1, 0x21]);
});

Deno.test("Cpu.stopOn stops at an UNDEFINED instruction without taking it", () => {
  const m = machine("nop\n .inst 0x00000001");
  m.cpu.stopOn.add(0);
  assertEquals(m.run(), Exit.EXCEPTION);
  const info = m.cpu.exitInfo(0);
  assertEquals(info.pc, CODE + 4n);
  assertEquals(info.esr, 1 << 25);
  assertEquals(info.insn, 1);
  assertEquals(m.sysreg("ESR_EL1"), 0n);
  assertEquals(m.el, 1);
  const err = m.cpu.errorFor(0)!;
  assertEquals([err.kind, err.disasm], ["undef", "udf #1"]);
  assert(
    err.message.startsWith(
      "Undefined instruction: cpu 0, pc 0x0000000040080004, EL1, ESR 0x2000000",
    ),
  );
});

Deno.test("ERET restores PSTATE/NZCV and an illegal return raises EC 0x0E", () => {
  const m = machine(`
    adr x0, next
    msr elr_el1, x0
    movz x1, #0xf000, lsl #16
    movk x1, #0x5
    msr spsr_el1, x1
    eret
  next:
    mrs x2, nzcv
    mov x3, #0x8
    msr spsr_el1, x3   // EL2t: not implemented, an illegal return
    adr x0, bad
    msr elr_el1, x0
    eret
  bad:
    nop`);
  assertEquals(m.run(), Exit.CALL);
  assertEquals(m.x(2), 0xf000_0000n);
  assertEquals(lastHvc(m), 0x200);
  assertEquals(ec(m.sysreg("ESR_EL1")), 0x0e);
  assertEquals(m.sysreg("ELR_EL1"), CODE + 48n);
  assertEquals(m.pstate & PSR.IL, 0);
});

Deno.test("IRQ: masked by PSTATE.I, taken when unmasked, WFI wakes on it", () => {
  const m = machine("msr daifclr, #2\n 0: b 0b");
  m.mm.i32[m.mm.slot(0, Slot.IRQ_LINES)] = 1;
  m.mm.i32[m.mm.slot(0, Slot.PSTATE)] |= PSR.I;
  assertEquals(m.run(), Exit.CALL);
  assertEquals(lastHvc(m), 0x280); // current EL with SPx, IRQ
  assertEquals(m.sysreg("ELR_EL1"), CODE + 4n);
  assertEquals(Number(m.sysreg("SPSR_EL1")) & PSR.I, 0);
  // WFI with nothing pending sleeps, with PC after the WFI.
  const w = machine("wfi\n nop");
  assertEquals(w.run(), Exit.SLEEP);
  assertEquals(w.pc, CODE + 4n);
  // ... and with a masked IRQ pending it does not.
  const p = machine("wfi\n hvc #9");
  p.mm.i32[p.mm.slot(0, Slot.IRQ_LINES)] = 1;
  assertEquals(p.run(), Exit.CALL);
  assertEquals(lastHvc(p), 9);
});

Deno.test("IRQ routing: HCR_EL2.IMO takes it to EL2 even when PSTATE.I is set; HCR_EL2.VI is a vIRQ", () => {
  const m = machine("0: b 0b", { features: Feature.EL2 });
  m.setSysreg("HCR_EL2", 1n << 4n);
  m.mm.i32[m.mm.slot(0, Slot.IRQ_LINES)] = 1;
  m.run();
  assertEquals(m.el, 2);
  assertEquals(lastHvc(m), 0x480); // lower EL, IRQ
  const v = machine("msr daifclr, #2\n 0: b 0b", { features: Feature.EL2 });
  v.setSysreg("HCR_EL2", (1n << 4n) | (1n << 7n)); // IMO + VI
  v.run();
  assertEquals(v.el, 1);
  assertEquals(lastHvc(v), 0x280);
});

Deno.test("MRS/MSR: PSTATE views, stored registers, device registers through callbacks", () => {
  const m = machine(`
    mrs x0, currentel
    mrs x1, daif
    msr spsel, #0
    mrs x2, spsel
    mov x3, #0x1234
    msr tpidr_el1, x3
    mrs x4, tpidr_el1
    mrs x5, cntp_cval_el0
    msr cntv_ctl_el0, x3
    mrs x6, midr_el1
    mrs x7, cntvct_el0
    mrs x8, cntpct_el0
    hvc #0`);
  // The counters are read in the CPU (counter.ts), from virtual time and the biases the timer
  // publishes: 0x10_0000 ns of time base, 10 instructions retired before x7 and 11 before x8.
  m.mm.set64(0, Slot.TIME_BASE, 0x10_0000n);
  m.mm.set64(0, Slot.CNT_VIRT_BIAS, -0x1_0000n);
  m.mm.set64(0, Slot.CNT_PHYS_BIAS, 0xffff_ffff_0000_0000n);
  m.run();
  assertEquals(m.x(7), (0x10_0000n + 10n) / 16n - 0x1_0000n);
  assertEquals(m.x(8), 0xffff_ffff_0000_0000n + (0x10_0000n + 11n) / 16n);
  assertEquals(m.x(0), 4n);
  assertEquals(m.x(1), 0x3c0n);
  assertEquals(m.x(2), 0n);
  assertEquals(m.x(4), 0x1234n);
  assertEquals(m.x(5), 0x5a5an);
  assertEquals(m.x(6), m.sysreg("MIDR_EL1"));
  assertEquals(m.events.filter((e) => e.kind.startsWith("sysreg")).map((e) => e.kind), [
    "sysreg-read",
    "sysreg-write",
  ]);
});

Deno.test("MSR: writes to read-only registers and EL2 registers from EL1 are UNDEFINED", () => {
  for (
    const src of ["msr midr_el1, x0", "msr hcr_el2, x0", "mrs x0, hcr_el2", "mrs x0, sctlr_el12"]
  ) {
    const m = machine(src);
    m.run();
    assertEquals(lastHvc(m), 0x200, src);
    assertEquals(ec(m.sysreg("ESR_EL1")), 0, src);
  }
});

Deno.test("VHE: with HCR_EL2.E2H at EL2, *_EL1 names reach EL2 registers and *_EL12 the EL1 ones", () => {
  const m = machine(
    `
    mov x0, #0x5
    msr contextidr_el1, x0
    mov x1, #0x7
    msr contextidr_el12, x1
    mrs x2, contextidr_el1
    hvc #0`,
    { el: 2 },
  );
  m.setSysreg("HCR_EL2", 1n << 34n);
  m.run();
  assertEquals(m.sysreg("CONTEXTIDR_EL2"), 5n);
  assertEquals(m.sysreg("CONTEXTIDR_EL1"), 7n);
  assertEquals(m.x(2), 5n);
  // Without FEAT_VHE the E2H bit cannot be set.
  const n = machine("mov x0, #1\n lsl x0, x0, #34\n msr hcr_el2, x0\n mrs x1, hcr_el2\n hvc #0", {
    el: 2,
    features: Feature.EL2,
  });
  n.run();
  assertEquals(n.x(1), 0n);
});

Deno.test("MIDR_EL1/MPIDR_EL1 read at EL1 return VPIDR_EL2/VMPIDR_EL2 when EL2 is implemented", () => {
  const m = machine("mrs x0, mpidr_el1\n hvc #0", { features: Feature.EL2 });
  m.setSysreg("VMPIDR_EL2", 0x8000_0101n);
  m.run();
  assertEquals(m.x(0), 0x8000_0101n);
});

Deno.test("MMIO: loads and stores outside RAM go to the callbacks; nothing there is an external abort", () => {
  const m = machine(`
    movz x1, #0x900, lsl #16
    ldr w2, [x1, #0x18]
    str x3, [x1, #8]
    movz x4, #0x100, lsl #16
    ldr x5, [x4]
    hvc #1`);
  m.setX(3, 0x1_0000_0041n);
  m.run();
  assertEquals(m.x(2), 0x0900_0018n);
  assertEquals(m.events.slice(0, 2), [
    { kind: "mmio-read", cpu: 0, pa: 0x0900_0018, size: 4 },
    { kind: "mmio-write", cpu: 0, pa: 0x0900_0008, size: 8, lo: 0x41, hi: 1 },
  ]);
  assertEquals(lastHvc(m), 0x200);
  assertEquals(m.sysreg("ESR_EL1"), (0x25n << 26n) | (1n << 25n) | 0x10n);
  assertEquals(m.sysreg("FAR_EL1"), 0x0100_0000n);
});

Deno.test("alignment: Device memory (MMU off), LDAR and SP alignment checks", () => {
  const m = machine("ldr x0, [x1]");
  m.setX(1, RAM + 0x2_0001n);
  m.run();
  assertEquals(m.sysreg("ESR_EL1"), (0x25n << 26n) | (1n << 25n) | 0x21n);
  assertEquals(m.sysreg("FAR_EL1"), RAM + 0x2_0001n);
  const sp = machine("mov sp, x1\n ldr x0, [sp]");
  sp.setX(1, RAM + 0x2_0008n);
  sp.setSysreg("SCTLR_EL1", sp.sysreg("SCTLR_EL1") | 8n); // SA
  sp.run();
  assertEquals(ec(sp.sysreg("ESR_EL1")), 0x26);
  const pc = machine("br x1");
  pc.setX(1, RAM + 0x2_0002n);
  pc.run();
  assertEquals(ec(pc.sysreg("ESR_EL1")), 0x22);
  assertEquals(pc.sysreg("FAR_EL1"), RAM + 0x2_0002n);
});

Deno.test("exclusives: STXR succeeds on an unchanged monitored location, fails otherwise", () => {
  const m = machine(`
    ldxr x2, [x1]
    add x2, x2, #1
    stxr w3, x2, [x1]
    ldxr x4, [x1]
    str xzr, [x1]
    stxr w5, x4, [x1]
    ldaxp x6, x7, [x8]
    stlxp w9, x7, x6, [x8]
    ldxr w10, [x1]
    clrex
    stxr w11, w10, [x1]
    hvc #0`);
  m.setX(1, RAM + 0x2_0000n);
  m.setX(8, RAM + 0x2_0010n);
  m.writeU64(RAM + 0x2_0000n, 41n);
  m.writeU64(RAM + 0x2_0010n, 1n);
  m.writeU64(RAM + 0x2_0018n, 2n);
  m.run();
  assertEquals(m.x(3), 0n);
  assertEquals(m.x(5), 1n); // the STR changed the monitored value (42 -> 0): the STXR fails
  assertEquals([m.x(6), m.x(7), m.x(9)], [1n, 2n, 0n]);
  assertEquals([m.readU64(RAM + 0x2_0010n), m.readU64(RAM + 0x2_0018n)], [2n, 1n]);
  assertEquals(m.x(11), 1n);
});

Deno.test("exclusives: an intervening store that changes the value makes STXR fail", () => {
  const m = machine(`
    ldxr x2, [x1]
    mov x9, #7
    str x9, [x1]
    stxr w3, x2, [x1]
    hvc #0`);
  m.setX(1, RAM + 0x2_0000n);
  m.run();
  assertEquals(m.x(3), 1n);
  assertEquals(m.readU64(RAM + 0x2_0000n), 7n);
});

Deno.test("DC ZVA to Device memory (MMU off) is an alignment fault; SEVL makes WFE fall through", () => {
  const m = machine("dc zva, x1");
  m.setX(1, RAM + 0x2_0048n);
  m.run();
  assertEquals(m.sysreg("ESR_EL1"), (0x25n << 26n) | (1n << 25n) | (1n << 6n) | 0x21n);
  const w = machine("sevl\n wfe\n hvc #3");
  assertEquals(w.run(), Exit.CALL);
  assertEquals(lastHvc(w), 3);
  assertEquals(w.events.filter((e) => e.kind === "wait").length, 0);
});

Deno.test("Cpu.run() refuses re-entry and bad arguments", () => {
  const m = machine("hvc #0");
  assertThrows(() => m.cpu.run(5, 1), RangeError);
  assertThrows(() => m.cpu.run(0, -1), RangeError);
  const r = machine("hvc #0", {
    hvc: () => {
      r.cpu.run(0, 1);
      return CallAction.EXIT;
    },
  });
  assertThrows(() => r.run(), Error, "not re-entrant");
});

Deno.test("two vCPUs sharing a spinlock-protected counter in small round-robin slices count exactly", () => {
  const m = new TestMachine({ cpus: 2 });
  const lock = RAM + 0x2_0000n, counter = RAM + 0x2_0008n;
  const src = `
    mov x3, #200
  again:
    mov w2, #1
  spin:
    ldaxr w1, [x0]
    cbnz w1, spin
    stxr w4, w2, [x0]
    cbnz w4, spin
    ldr x5, [x0, #8]
    add x5, x5, #1
    str x5, [x0, #8]
    stlr wzr, [x0]
    subs x3, x3, #1
    b.ne again
    hvc #0`;
  m.code(src, 0);
  m.mm.set64(1, Slot.PC, m.mm.get64(0, Slot.PC));
  for (const c of [0, 1]) m.setX(0, lock, c);
  const done = [false, false];
  for (let slice = 0; slice < 100_000 && !(done[0] && done[1]); slice++) {
    const c = slice & 1;
    if (!done[c] && m.cpu.run(c, 7 + (slice % 5)) === Exit.CALL) done[c] = true;
  }
  assertEquals(done, [true, true]);
  assertEquals(m.readU64(counter), 400n);
});

Deno.test("EL0 access to the counter traps with EC 0x18 unless CNTKCTL_EL1 opens it", () => {
  const prog = `
    adr x0, user
    msr elr_el1, x0
    msr spsr_el1, xzr
    eret
  user:
    mrs x1, cntvct_el0
    hvc #0`;
  const m = machine(prog);
  m.run();
  assertEquals(lastHvc(m), 0x400);
  assertEquals(ec(m.sysreg("ESR_EL1")), 0x18);
  // ISS: Op0 3, Op2 2, Op1 3, CRn 14, Rt 1, CRm 0, read.
  assertEquals(
    Number(m.sysreg("ESR_EL1")) & 0x1ff_ffff,
    (3 << 20) | (2 << 17) | (3 << 14) | (14 << 10) | (1 << 5) | 1,
  );
  const o = machine(prog);
  o.setSysreg("CNTKCTL_EL1", 2n);
  o.mm.set64(0, Slot.TIME_BASE, 0x1000n);
  o.run();
  assertEquals(o.x(1), (0x1000n + 4n) / 16n);
});

Deno.test("HCR_EL2.TVM traps EL1 writes to SCTLR_EL1 to EL2", () => {
  const m = machine("msr sctlr_el1, x0", { features: Feature.EL2 });
  m.setSysreg("HCR_EL2", 1n << 26n);
  m.run();
  assertEquals(m.el, 2);
  assertEquals(ec(m.sysreg("ESR_EL2")), 0x18);
  assertEquals(m.sysreg("ELR_EL2"), CODE);
});

Deno.test("WFE with no event asks the host to wait; WFI traps to EL2 under HCR_EL2.TWI", () => {
  const m = machine("wfe\n hvc #1", { sleep: false });
  assertEquals(m.run(), Exit.CALL);
  assertEquals(m.events[0], { kind: "wait", cpu: 0, wfe: true });
  const t = machine("wfi", { features: Feature.EL2 });
  t.setSysreg("HCR_EL2", 1n << 13n);
  t.run();
  assertEquals(t.sysreg("ESR_EL2"), (0x01n << 26n) | (1n << 25n) | (1n << 24n) | (0xen << 20n));
});

Deno.test("an IRQ taken from EL0 uses the lower-EL vector; FIQ and SError have their own", () => {
  const toEl0 = `
    adr x0, user
    msr elr_el1, x0
    msr spsr_el1, xzr
    eret
  user:
    b user`;
  const cases: [number, number][] = [[1, 0x480], [2, 0x500], [4, 0x580]];
  for (const [line, vec] of cases) {
    const m = machine(toEl0);
    m.mm.i32[m.mm.slot(0, Slot.IRQ_LINES)] = line;
    m.run();
    assertEquals(lastHvc(m), vec, `line ${line}`);
    assertEquals(m.sysreg("ELR_EL1"), CODE + 16n);
  }
});

Deno.test("Cpu.trace reports every instruction before it executes", () => {
  const m = machine("mov x0, #1\n add x0, x0, #2\n hvc #0");
  const seen: string[] = [];
  m.cpu.trace = (_c, pc, insn, el) => seen.push(`${pc.toString(16)} EL${el} ${insn?.toString(16)}`);
  assertEquals(m.run(), Exit.CALL);
  assertEquals(seen, ["40080000 EL1 d2800020", "40080004 EL1 91000800", "40080008 EL1 d4000002"]);
  assertEquals(m.x(0), 3n);
});
