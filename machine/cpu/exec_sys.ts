/**
 * System instruction handlers (Arm ARM C4.1.3 "Branches, Exception
 * Generating and System instructions"): exception generation (SVC, HVC,
 * SMC, BRK, HLT), hints (NOP, YIELD, WFE, WFI, SEV, SEVL), barriers and
 * CLREX, MSR (immediate), MRS/MSR (register) and SYS (IC, DC, TLBI, AT).
 *
 * System-register access rules implemented here (from the "Accessibility"
 * pseudocode of each register description in Arm ARM D23):
 * - EL below the row's minEl, or an EL2 row without EL2: UNDEFINED;
 * - EL0 controls: SCTLR_EL1.UMA (DAIF), .UCT (CTR_EL0), .DZE (DC ZVA),
 *   .UCI (cache maintenance by VA), .nTWI/.nTWE (WFI/WFE), CNTKCTL_EL1
 *   (generic timer): trap with EC 0x18 (0x01 for WFx) to EL1, or EL2 under TGE;
 * - HCR_EL2.TVM/TRVM (writes/reads of the EL1 virtual-memory controls from
 *   EL1), TWI/TWE, TSC: trap to EL2; HCD: HVC UNDEFINED;
 * - FEAT_VHE (HCR_EL2.E2H = 1 at EL2): EL1 names reach the EL2 registers,
 *   `*_EL12`/`*_EL02` reach the EL1/EL0 ones (Arm ARM D13, "Virtualization
 *   Host Extensions");
 * - MIDR_EL1/MPIDR_EL1 read at EL1 return VPIDR_EL2/VMPIDR_EL2 when EL2 is
 *   implemented (Arm ARM D23.2.*, MIDR_EL1 accessibility);
 * - unallocated ID registers (op0 3, op1 0, CRn 0, CRm 1..7) read as zero.
 *
 * @module
 */

import * as state_ from "../state.ts";
import type { SysregDef } from "../sysregs.ts";
import * as sysregs_ from "../sysregs.ts";
import * as callbacks_ from "./callbacks.ts";
import * as core_ from "./core.ts";
import * as exc_ from "./exc.ts";
import * as mmu_ from "./mmu.ts";
import * as pstate_ from "./pstate.ts";
import * as fpsimd_ from "./fpsimd.ts";
import { readCounter } from "./counter.ts";

// Module-local aliases of imported values: V8 optimizes these far better than
// imported bindings in hot code (measured 2-3x on handlers).
const { Feature, Slot } = state_;
const { sysregByKey, sysregByName } = sysregs_;
const { CallAction } = callbacks_;
const {
  beginCall,
  beginLiveCall,
  C,
  EC,
  endCall,
  endLiveCall,
  el,
  Exit,
  HCR,
  hcrHi,
  hcrLo,
  isHost,
  requestSync,
  RZ,
  SR,
  W,
  WZ,
  X,
  XMM,
} = core_;
const { dataAbort, interruptPending, Line, raise, raiseHere, syncTarget, sysregTrap, undef } = exc_;
const { Acc, atResult, FSC, Idx, translate, walk, WR } = mmu_;
const { getNzcv, PSR, setNzcv, setPstate } = pstate_;
const { fpCheck, FPCR_MASK, FPSR_MASK } = fpsimd_;

/** PC += 4 and report a control change (the run loop re-synchronises). */
function advance(): true {
  const x = X, s = (x[W.PC] >>> 0) + 4;
  x[W.PC] = s | 0;
  if (s > 0xffff_ffff) x[W.PC + 1] = (x[W.PC + 1] + 1) | 0;
  return true;
}

// ---------------------------------------------------------------------------
// Exception generation (C6.2.365 SVC, C6.2.104 HVC, C6.2.301 SMC, C6.2.36 BRK, C6.2.103 HLT).

function imm16(i: number): number {
  return (i >>> 5) & 0xffff;
}

export function SVC(i: number): never {
  const x = X, s = (x[W.PC] >>> 0) + 4;
  return raise(
    syncTarget(),
    EC.SVC,
    imm16(i),
    s | 0,
    s > 0xffff_ffff ? x[W.PC + 1] + 1 : x[W.PC + 1],
  );
}

/** Act on the CallAction of an HVC/SMC callback. */
function callResult(
  act: number,
  conduitEc: number,
  imm: number,
  retLo: number,
  retHi: number,
  pcLo: number,
  pcHi: number,
): true {
  const x = X;
  switch (act) {
    case CallAction.CONTINUE:
      return true; // the handler set PC/PSTATE: the loop re-synchronises
    case CallAction.EXIT:
      C.exit = Exit.CALL;
      requestSync();
      return true;
    case CallAction.SLEEP:
      C.exit = Exit.SLEEP;
      requestSync();
      return true;
    case CallAction.TRAP:
      x[W.PC] = pcLo, x[W.PC + 1] = pcHi;
      if (!(C.features & Feature.EL2)) undef();
      return raise(2, conduitEc, imm, retLo, retHi);
    default:
      x[W.PC] = pcLo, x[W.PC + 1] = pcHi;
      return undef();
  }
}

export function HVC(i: number): boolean | number {
  const x = X, ps = x[W.PSTATE];
  if (((ps >> 2) & 3) === 0) undef(); // EL0
  if ((C.features & Feature.EL2) && (x[SR.HCR_EL2] & HCR.HCD)) undef();
  const pcLo = x[W.PC], pcHi = x[W.PC + 1], imm = (i >>> 5) & 0xffff, gen = C.tlbGen;
  advance();
  const retLo = x[W.PC], retHi = x[W.PC + 1];
  let act: number, sysWritten: boolean;
  if (C.cb.liveRegs === true) {
    // The callback works on X itself (callbacks.ts liveRegs): no copies.
    beginLiveCall();
    try {
      act = C.cb.hvc(C.cpu, imm, x);
    } finally {
      sysWritten = endLiveCall();
    }
  } else {
    beginCall();
    act = C.cb.hvc(C.cpu, imm, x);
    sysWritten = endCall();
  }
  // Answered without touching PSTATE, system registers or TLBs (PSCI_VERSION,
  // feature queries...): the loop need only look at interrupts and the PC's
  // page, as after a branch, not resynchronise fully.
  if (act === CallAction.CONTINUE && x[W.PSTATE] === ps && !sysWritten && C.tlbGen === gen) {
    return 1;
  }
  return callResult(act, EC.HVC, imm, retLo, retHi, pcLo, pcHi);
}

export function SMC(i: number): boolean {
  const e = el();
  if (e === 0) undef();
  const x = X, pcLo = x[W.PC], pcHi = x[W.PC + 1];
  // HCR_EL2.TSC traps SMC from EL1 to EL2; the preferred return address is the SMC itself.
  if (e === 1 && (hcrLo() & HCR.TSC)) raise(2, EC.SMC, imm16(i), pcLo, pcHi);
  let act: number;
  if (C.cb.liveRegs === true) {
    beginLiveCall();
    try {
      act = C.cb.smc(C.cpu, imm16(i), x);
    } finally {
      endLiveCall();
    }
  } else {
    beginCall();
    act = C.cb.smc(C.cpu, imm16(i), x);
    endCall();
  }
  return callResult(act, EC.SMC, imm16(i), pcLo, pcHi, pcLo, pcHi);
}

export function BRK(i: number): never {
  return raiseHere(syncTarget(), EC.BRK, imm16(i));
}

/** HLT: halting debug is not enabled, so it is UNDEFINED (Arm ARM C6.2.103). */
export function HLT(_i: number): never {
  return undef();
}

// ---------------------------------------------------------------------------
// Hints (C6.2.202 NOP, C6.2.398 YIELD, C6.2.396 WFE, C6.2.397 WFI, C6.2.276 SEV, C6.2.277 SEVL).

export function NOP(_i: number): void {}

/** WFI/WFE trap checks: SCTLR_EL1.nTWI/nTWE at EL0, HCR_EL2.TWI/TWE at EL0/EL1 (ISS: CV, COND=AL, TI). */
function wfxTrap(wfe: boolean): void {
  const e = el(), iss = (1 << 24) | (0xe << 20) | (wfe ? 1 : 0);
  if (e === 0) {
    const sctlr = X[isHost() ? SR.SCTLR_EL2 : SR.SCTLR_EL1];
    if ((sctlr & (wfe ? 1 << 18 : 1 << 16)) === 0) raiseHere(syncTarget(), EC.WFX, iss);
  }
  if (e < 2 && !isHost() && (hcrLo() & (wfe ? HCR.TWE : HCR.TWI))) raiseHere(2, EC.WFX, iss);
}

function sleep(wfe: boolean): boolean {
  beginCall();
  const sleeps = C.cb.wait(C.cpu, wfe);
  endCall();
  if (!sleeps) return false;
  advance();
  C.exit = Exit.SLEEP;
  requestSync();
  return true;
}

export function WFI(_i: number): boolean {
  wfxTrap(false);
  if (interruptPending()) return false;
  return sleep(false);
}

export function WFE(_i: number): boolean {
  const x = X;
  if (x[W.EVENT]) {
    x[W.EVENT] = 0;
    return false;
  }
  wfxTrap(true);
  if (interruptPending()) return false;
  return sleep(true);
}

/** SEV: set the event register of every vCPU (Arm ARM D1.6.1). */
export function SEV(_i: number): void {
  for (let c = 0; c < C.mm.cpus; c++) C.mm.i32[C.mm.slot(c, Slot.EVENT)] = 1;
  X[W.EVENT] = 1; // the running vCPU's own copy
}

export function SEVL(_i: number): void {
  X[W.EVENT] = 1;
}

// ---------------------------------------------------------------------------
// Barriers (C6.2.70 CLREX, C6.2.82 DSB, C6.2.80 DMB, C6.2.110 ISB, C6.2.267 SB).

export function CLREX(_i: number): void {
  X[W.EXCL_SIZE] = 0;
}

/** DMB, DSB, ISB, SB: every access is already complete and in order here. */
export function BARRIER(_i: number): void {}

// ---------------------------------------------------------------------------
// MSR (immediate) (C6.2.195): SPSel, DAIFSet, DAIFClr, PAN.

export function MSR_imm(i: number): boolean {
  const op1 = (i >>> 16) & 7, op2 = (i >>> 5) & 7, crm = (i >>> 8) & 15, e = el();
  const ps = X[W.PSTATE];
  if (op1 === 3 && (op2 === 6 || op2 === 7)) {
    if (e === 0 && !(X[isHost() ? SR.SCTLR_EL2 : SR.SCTLR_EL1] & (1 << 9))) {
      sysregTrap(syncTarget(), i);
    }
    const bits = crm << 6;
    setPstate(XMM, 0, op2 === 6 ? ps | bits : ps & ~bits);
    return advance();
  }
  if (e === 0) undef();
  if (op1 === 0 && op2 === 5) setPstate(XMM, 0, (ps & ~PSR.SPSEL) | (crm & 1));
  else if (op1 === 0 && op2 === 4) setPstate(XMM, 0, crm & 1 ? ps | PSR.PAN : ps & ~PSR.PAN);
  else undef();
  return advance();
}

// ---------------------------------------------------------------------------
// MRS / MSR (register) (C6.2.193, C6.2.196).

function key(name: string): number {
  return sysregByName(name)!.key;
}

/** EL1 register -> EL2 register under HCR_EL2.E2H at EL2 (Arm ARM D13). */
const E2H_REDIRECT = new Map<number, number>(
  [
    ["SCTLR_EL1", "SCTLR_EL2"],
    ["CPACR_EL1", "CPTR_EL2"],
    ["TTBR0_EL1", "TTBR0_EL2"],
    ["TTBR1_EL1", "TTBR1_EL2"],
    ["TCR_EL1", "TCR_EL2"],
    ["SPSR_EL1", "SPSR_EL2"],
    ["ELR_EL1", "ELR_EL2"],
    ["AFSR0_EL1", "AFSR0_EL2"],
    ["AFSR1_EL1", "AFSR1_EL2"],
    ["ESR_EL1", "ESR_EL2"],
    ["FAR_EL1", "FAR_EL2"],
    ["MAIR_EL1", "MAIR_EL2"],
    ["AMAIR_EL1", "AMAIR_EL2"],
    ["VBAR_EL1", "VBAR_EL2"],
    ["CONTEXTIDR_EL1", "CONTEXTIDR_EL2"],
    ["CNTKCTL_EL1", "CNTHCTL_EL2"],
    ["CNTP_TVAL_EL0", "CNTHP_TVAL_EL2"],
    ["CNTP_CTL_EL0", "CNTHP_CTL_EL2"],
    ["CNTP_CVAL_EL0", "CNTHP_CVAL_EL2"],
    ["CNTV_TVAL_EL0", "CNTHV_TVAL_EL2"],
    ["CNTV_CTL_EL0", "CNTHV_CTL_EL2"],
    ["CNTV_CVAL_EL0", "CNTHV_CVAL_EL2"],
  ].map(([a, b]) => [key(a), key(b)]),
);

/** Timer registers redirected for EL0 of a VHE host (E2H = TGE = 1). */
const HOST_EL0_TIMER = new Set(
  [
    "CNTP_TVAL_EL0",
    "CNTP_CTL_EL0",
    "CNTP_CVAL_EL0",
    "CNTV_TVAL_EL0",
    "CNTV_CTL_EL0",
    "CNTV_CVAL_EL0",
  ]
    .map(key),
);

/** `*_EL12` / `*_EL02` -> the register they reach. */
const VHE_ALIAS = new Map<number, number>(
  [
    ["SCTLR_EL12", "SCTLR_EL1"],
    ["CPACR_EL12", "CPACR_EL1"],
    ["TTBR0_EL12", "TTBR0_EL1"],
    ["TTBR1_EL12", "TTBR1_EL1"],
    ["TCR_EL12", "TCR_EL1"],
    ["SPSR_EL12", "SPSR_EL1"],
    ["ELR_EL12", "ELR_EL1"],
    ["AFSR0_EL12", "AFSR0_EL1"],
    ["AFSR1_EL12", "AFSR1_EL1"],
    ["ESR_EL12", "ESR_EL1"],
    ["FAR_EL12", "FAR_EL1"],
    ["MAIR_EL12", "MAIR_EL1"],
    ["AMAIR_EL12", "AMAIR_EL1"],
    ["VBAR_EL12", "VBAR_EL1"],
    ["CONTEXTIDR_EL12", "CONTEXTIDR_EL1"],
    ["CNTKCTL_EL12", "CNTKCTL_EL1"],
    ["CNTP_TVAL_EL02", "CNTP_TVAL_EL0"],
    ["CNTP_CTL_EL02", "CNTP_CTL_EL0"],
    ["CNTP_CVAL_EL02", "CNTP_CVAL_EL0"],
    ["CNTV_TVAL_EL02", "CNTV_TVAL_EL0"],
    ["CNTV_CTL_EL02", "CNTV_CTL_EL0"],
    ["CNTV_CVAL_EL02", "CNTV_CVAL_EL0"],
  ].map(([a, b]) => [key(a), key(b)]),
);

/** Registers trapped by HCR_EL2.TVM (writes) / TRVM (reads) from EL1 (Arm ARM D23.2.48). */
const TVM_REGS = new Set(
  [
    "SCTLR_EL1",
    "TTBR0_EL1",
    "TTBR1_EL1",
    "TCR_EL1",
    "ESR_EL1",
    "FAR_EL1",
    "AFSR0_EL1",
    "AFSR1_EL1",
    "MAIR_EL1",
    "AMAIR_EL1",
    "CONTEXTIDR_EL1",
  ].map(key),
);

/** Registers whose write changes translation: flush the TLB and re-synchronise. */
const MMU_REGS = new Set(
  [
    "SCTLR_EL1",
    "SCTLR_EL2",
    "TCR_EL1",
    "TCR_EL2",
    "TTBR0_EL1",
    "TTBR1_EL1",
    "TTBR0_EL2",
    "TTBR1_EL2",
    "MAIR_EL1",
    "MAIR_EL2",
    "HCR_EL2",
  ].map(key),
);

/** Generic-timer registers and the CNTKCTL_EL1 bit that opens each to EL0 (Arm ARM, CNTKCTL_EL1). */
const EL0_TIMER_BIT = new Map<number, number>([
  [key("CNTFRQ_EL0"), 3], // EL0PCTEN | EL0VCTEN
  [key("CNTPCT_EL0"), 1 << 0],
  [key("CNTVCT_EL0"), 1 << 1],
  [key("CNTV_TVAL_EL0"), 1 << 8],
  [key("CNTV_CTL_EL0"), 1 << 8],
  [key("CNTV_CVAL_EL0"), 1 << 8],
  [key("CNTP_TVAL_EL0"), 1 << 9],
  [key("CNTP_CTL_EL0"), 1 << 9],
  [key("CNTP_CVAL_EL0"), 1 << 9],
]);

const K = {
  NZCV: key("NZCV"),
  DAIF: key("DAIF"),
  SPSEL: key("SPSel"),
  CURRENTEL: key("CurrentEL"),
  PAN: key("PAN"),
  SP_EL0: key("SP_EL0"),
  SP_EL1: key("SP_EL1"),
  ISR_EL1: key("ISR_EL1"),
  OSLSR_EL1: key("OSLSR_EL1"),
  OSLAR_EL1: key("OSLAR_EL1"),
  FPCR: key("FPCR"),
  FPSR: key("FPSR"),
  CTR_EL0: key("CTR_EL0"),
  MIDR_EL1: key("MIDR_EL1"),
  MPIDR_EL1: key("MPIDR_EL1"),
  HCR_EL2: key("HCR_EL2"),
  CNTKCTL_EL1: key("CNTKCTL_EL1"),
  CNTVCT_EL0: key("CNTVCT_EL0"),
  CNTPCT_EL0: key("CNTPCT_EL0"),
  VPIDR_EL2: sysregByName("VPIDR_EL2")!.slot * 2,
  VMPIDR_EL2: sysregByName("VMPIDR_EL2")!.slot * 2,
};

/** Words of the banked stack pointers (state.ts Slot.SP_EL0/SP_EL1). */
const SP_EL0 = Slot.SP_EL0 * 2, SP_EL1 = Slot.SP_EL1 * 2;

/** Result of a system-register read. */
let vLo = 0, vHi = 0;

/** Read a CPU-computed ("special") register; false when not the CPU's. */
function specialRead(k: number): boolean {
  const x = X, ps = x[W.PSTATE];
  vHi = 0;
  switch (k) {
    case K.NZCV:
      vLo = getNzcv(XMM, 0) | 0;
      return true;
    case K.DAIF:
      vLo = ps & PSR.DAIF;
      return true;
    case K.SPSEL:
      vLo = ps & PSR.SPSEL;
      return true;
    case K.CURRENTEL:
      vLo = ps & 0xc;
      return true;
    case K.PAN:
      vLo = ps & PSR.PAN;
      return true;
    case K.SP_EL0:
      if ((ps & PSR.SPSEL) === 0) undef();
      vLo = x[SP_EL0], vHi = x[SP_EL0 + 1];
      return true;
    case K.SP_EL1:
      vLo = x[SP_EL1], vHi = x[SP_EL1 + 1];
      return true;
    case K.ISR_EL1: {
      // Pending interrupts as seen by EL1: virtual ones when routed to EL2 (Arm ARM D23.2.74).
      const lines = x[W.IRQ_LINES], hcr = hcrLo(), el2 = (C.features & Feature.EL2) !== 0;
      const i = el2 && hcr & HCR.IMO ? (lines & Line.VIRQ) || (hcr & HCR.VI) : lines & Line.IRQ;
      const f = el2 && hcr & HCR.FMO ? (lines & Line.VFIQ) || (hcr & HCR.VF) : lines & Line.FIQ;
      const a = el2 && hcr & HCR.AMO ? hcr & HCR.VSE : lines & Line.SERROR;
      vLo = (a ? 1 << 8 : 0) | (i ? 1 << 7 : 0) | (f ? 1 << 6 : 0);
      return true;
    }
    case K.OSLSR_EL1:
      vLo = 0x8; // OSLM = 0b10: OS Lock implemented, OSLK = 0: unlocked (Arm ARM, OSLSR_EL1)
      return true;
    case K.FPCR:
      fpCheck();
      vLo = x[W.FPCR] & FPCR_MASK;
      return true;
    case K.FPSR:
      fpCheck();
      vLo = x[W.FPSR] & FPSR_MASK;
      return true;
  }
  return false;
}

/** Write a CPU-computed register; returns 1 handled, 2 handled + resync, 0 not the CPU's. */
function specialWrite(k: number, lo: number, hi: number): number {
  const x = X, ps = x[W.PSTATE];
  switch (k) {
    case K.NZCV:
      setNzcv(XMM, 0, lo >>> 0);
      return 1;
    case K.DAIF:
      setPstate(XMM, 0, (ps & ~PSR.DAIF) | (lo & PSR.DAIF));
      return 2;
    case K.SPSEL:
      setPstate(XMM, 0, (ps & ~PSR.SPSEL) | (lo & 1));
      return 2;
    case K.PAN:
      setPstate(XMM, 0, (ps & ~PSR.PAN) | (lo & PSR.PAN));
      return 2;
    case K.SP_EL0:
      if ((ps & PSR.SPSEL) === 0) undef();
      x[SP_EL0] = lo, x[SP_EL0 + 1] = hi;
      return 1;
    case K.SP_EL1:
      x[SP_EL1] = lo, x[SP_EL1 + 1] = hi;
      return 1;
    case K.OSLAR_EL1:
      return 1;
    case K.FPCR:
      fpCheck();
      x[W.FPCR] = lo & FPCR_MASK;
      return 1;
    case K.FPSR:
      fpCheck();
      x[W.FPSR] = lo & FPSR_MASK;
      return 1;
  }

  return 0;
}

/** Resolve the register an MRS/MSR reaches, applying VHE redirection; undefined = UNDEFINED. */
function resolve(k: number, e: number): SysregDef | undefined {
  const e2h = (hcrHi() & HCR.HI_E2H) !== 0;
  const alias = VHE_ALIAS.get(k);
  if (alias !== undefined) {
    if (e !== 2 || !e2h) return undefined;
    return sysregByKey(alias);
  }
  if (e2h && (e === 2 || (e === 0 && isHost() && HOST_EL0_TIMER.has(k)))) {
    const r = E2H_REDIRECT.get(k);
    if (r !== undefined) return sysregByKey(r);
  }
  return sysregByKey(k);
}

/** EL0 access controls that trap to EL1/EL2 with EC 0x18. */
function el0Trap(i: number, k: number): void {
  const sctlr = X[isHost() ? SR.SCTLR_EL2 : SR.SCTLR_EL1];
  if (k === K.DAIF && !(sctlr & (1 << 9))) sysregTrap(syncTarget(), i);
  if (k === K.CTR_EL0 && !(sctlr & (1 << 15))) sysregTrap(syncTarget(), i);
  const bit = EL0_TIMER_BIT.get(k);
  if (bit !== undefined) {
    const ctl = isHost()
      ? X[sysregByName("CNTHCTL_EL2")!.slot * 2]
      : X[sysregByName("CNTKCTL_EL1")!.slot * 2];
    if ((ctl & bit) === 0) sysregTrap(syncTarget(), i);
  }
}

function sysreg(i: number, read: boolean): boolean {
  const k = (i >>> 5) & 0xffff, t = i & 31, e = el(), x = X;
  const d = resolve(k, e);
  if (!d) {
    // Unallocated ID register space (op0 3, op1 0, CRn 0) reads as zero at EL1+ (Arm ARM D23.1, ID registers).
    if (read && e >= 1 && (k >>> 7) === ((3 << 7) | 0) && ((k >>> 3) & 15) !== 0) {
      const w = WZ[t];
      x[w] = 0, x[w + 1] = 0;
      return false;
    }
    return undef();
  }
  if (e < d.minEl || (d.minEl === 2 && !(C.features & Feature.EL2))) undef();
  if (e === 0) el0Trap(i, d.key);
  if (e === 1 && (C.features & Feature.EL2) && TVM_REGS.has(d.key)) {
    if (read ? hcrLo() & HCR.TRVM : hcrLo() & HCR.TVM) sysregTrap(2, i);
  }
  if (read) {
    if (d.kind === "wo") undef();
    if (d.slot >= 0) {
      let w = d.slot * 2;
      if (e === 1 && (C.features & Feature.EL2)) {
        if (d.key === K.MIDR_EL1) w = K.VPIDR_EL2;
        else if (d.key === K.MPIDR_EL1) w = K.VMPIDR_EL2;
      }
      vLo = x[w], vHi = x[w + 1];
    } else if (d.key === K.CNTVCT_EL0 || d.key === K.CNTPCT_EL0) {
      // Read here, as the timer would answer (counter.ts). It changes no device state (timer
      // interrupts arrive at slice boundaries cut at their deadlines): no resynchronisation.
      readCounter(d.key === K.CNTVCT_EL0, WZ[t]);
      return false;
    } else if (!specialRead(d.key)) {
      beginCall();
      const ok = C.cb.sysregRead(C.cpu, d.key, C.out);
      endCall();
      if (!ok) undef();
      const w = WZ[t];
      x[w] = C.out[0], x[w + 1] = C.out[1];
      return advance(); // a device was consulted: re-synchronise (interrupts)
    }
    const w = WZ[t];
    x[w] = vLo, x[w + 1] = vHi;
    return false;
  }
  const r = RZ[t];
  const lo = x[r];
  let hi = x[r + 1];
  if (d.kind === "ro") undef();
  if (d.slot >= 0) {
    if (d.key === K.HCR_EL2 && !(C.features & Feature.VHE)) hi &= ~HCR.HI_E2H; // E2H is RES0 without FEAT_VHE
    x[d.slot * 2] = lo, x[d.slot * 2 + 1] = hi;
    if (MMU_REGS.has(d.key)) {
      C.flushAll();
      return advance();
    }
    return false;
  }
  const s = specialWrite(d.key, lo, hi);
  if (s === 2) return advance();
  if (s === 1) return false;
  beginCall();
  const ok = C.cb.sysregWrite(C.cpu, d.key, lo, hi);
  endCall();
  if (!ok) undef();
  return advance();
}

export function MRS(i: number): boolean {
  return sysreg(i, true);
}

export function MSR_reg(i: number): boolean {
  return sysreg(i, false);
}

// ---------------------------------------------------------------------------
// SYS (C6.2.369): IC, DC, TLBI, AT. SYSL has no implemented operation.

function sysKey(op1: number, crn: number, crm: number, op2: number): number {
  return (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

/** Cache maintenance by VA: checks translation (not permission) like a read; ESR.CM = 1. */
function cmoByVa(i: number): void {
  const x = X, r = RZ[i & 31], lo = x[r], hi = x[r + 1];
  if (!walk(lo, hi, C.dIdx, Acc.READ) && (WR.fsc & 0x3c) !== FSC.PERMISSION) {
    dataAbort(WR.fsc, lo, hi, true, true);
  }
}

/** DC ZVA (C6.2.79): zero the 64-byte block (DCZID_EL0.BS = 4) containing Xt. */
function dcZva(i: number): void {
  const x = X, r = RZ[i & 31], lo = x[r] & ~63, hi = x[r + 1];
  const h = translate(lo, hi, Acc.WRITE, C.dIdx);
  if (h < 0 || C.device) dataAbort(FSC.ALIGNMENT, x[r], hi, true);
  C.u8.fill(0, h, h + 64);
}

const SYS_IC_IALLUIS = sysKey(0, 7, 1, 0),
  SYS_IC_IALLU = sysKey(0, 7, 5, 0),
  SYS_IC_IVAU = sysKey(3, 7, 5, 1);
const SYS_DC_ZVA = sysKey(3, 7, 4, 1);
const DC_EL0 = new Set([
  sysKey(3, 7, 10, 1),
  sysKey(3, 7, 11, 1),
  sysKey(3, 7, 12, 1),
  sysKey(3, 7, 14, 1),
]);
const DC_SETWAY = new Set([sysKey(0, 7, 6, 2), sysKey(0, 7, 10, 2), sysKey(0, 7, 14, 2)]);
const SYS_DC_IVAC = sysKey(0, 7, 6, 1);

export function SYS(i: number): boolean {
  const op1 = (i >>> 16) & 7, crn = (i >>> 12) & 15, crm = (i >>> 8) & 15, op2 = (i >>> 5) & 7;
  const k = sysKey(op1, crn, crm, op2), e = el();
  const uci = () => {
    if (e === 0 && !(X[isHost() ? SR.SCTLR_EL2 : SR.SCTLR_EL1] & (1 << 26))) {
      sysregTrap(syncTarget(), i);
    }
  };
  if (k === SYS_IC_IALLUIS || k === SYS_IC_IALLU) {
    if (e === 0) undef();
    return false;
  }
  if (k === SYS_IC_IVAU) return uci(), false;
  if (k === SYS_DC_ZVA) {
    if (e === 0 && !(X[isHost() ? SR.SCTLR_EL2 : SR.SCTLR_EL1] & (1 << 14))) {
      sysregTrap(syncTarget(), i);
    }
    dcZva(i);
    return false;
  }
  if (DC_EL0.has(k)) {
    uci();
    cmoByVa(i);
    return false;
  }
  if (k === SYS_DC_IVAC) {
    if (e === 0) undef();
    cmoByVa(i);
    return false;
  }
  if (DC_SETWAY.has(k)) {
    if (e === 0) undef();
    return false;
  }
  if (crn === 8) {
    // TLBI: op1 0 = EL1 operations (EL1+), 4 = EL2 operations (EL2 only), 6 = EL3 (absent).
    if (e === 0 || op1 === 6 || (op1 === 4 && e < 2) || (op1 !== 0 && op1 !== 4)) undef();
    if (op1 === 4 && !(C.features & Feature.EL2)) undef();
    C.flushAll();
    return advance();
  }
  if (crn === 7 && (crm === 8 || crm === 9)) return at(i, op1, crm, op2, e);
  return undef();
}

/** AT S1E1R/W/RP/WP, S1E0R/W, S1E2R/W, S12E1R/W, S12E0R/W (C6.2.20 AT): result in PAR_EL1. */
function at(i: number, op1: number, crm: number, op2: number, e: number): boolean {
  if (e === 0 || op1 === 6) undef();
  let idx: number;
  if (op1 === 0) {
    if (crm === 9 && op2 > 1) undef();
    const pan = crm === 9 && (X[W.PSTATE] & PSR.PAN) !== 0;
    idx = op2 >= 2 ? Idx.E10_0 : pan ? Idx.E10_1_PAN : Idx.E10_1;
  } else if (op1 === 4 && crm === 8) {
    if (e < 2 || !(C.features & Feature.EL2)) undef();
    if (op2 < 2) idx = hcrHi() & HCR.HI_E2H ? Idx.E20_2 : Idx.E2;
    else if (op2 >= 4) idx = op2 >= 6 ? Idx.E10_0 : Idx.E10_1;
    else return undef();
  } else return undef();
  const x = X, r = RZ[i & 31];
  atResult(walk(x[r], x[r + 1], idx, op2 & 1 ? Acc.WRITE : Acc.READ));
  return false;
}

export function SYSL(_i: number): never {
  return undef();
}
