/**
 * Which data accesses a hypervisor can emulate as MMIO: an abort taken to
 * EL2 carries a valid instruction syndrome (ESR_EL2.ISV = 1, with the access
 * size, sign extension, register and acquire/release in the ISS) only for
 * "AArch64 loads and stores of a single general-purpose register (including
 * the register specified with 0b11111), including those with Acquire/Release
 * semantics, but excluding Load Exclusive or Store Exclusive and excluding
 * those with writeback" (Arm ARM DDI 0487, D23.2.41 ESR_EL2, ISS encoding for
 * an exception from a Data Abort, ISV; quoted in QEMU issue #1057). Pairs,
 * pre/post-indexed forms, exclusives, atomics and SIMD&FP loads and stores
 * report ISV = 0, and KVM cannot emulate them (arch/arm64/kvm/mmio.c
 * io_mem_abort: "Data abort outside memslots with no valid syndrome info",
 * KVM_RUN fails with ENOSYS).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { hasValidSyndrome } from "./syndrome.ts";
 * assert(hasValidSyndrome(0xb9400020)); // ldr w0, [x1]
 * assert(!hasValidSyndrome(0xa9400820)); // ldp x0, x2, [x1]
 * assert(!hasValidSyndrome(0xb8404420)); // ldr w0, [x1], #4
 * ```
 *
 * @module
 */

import { decode, type Handler } from "./table.ts";
import * as ls from "./exec_ldst.ts";
import { C, W, X } from "./core.ts";
import { Acc, fetchIdx, walk, WR } from "./mmu.ts";
import { RAM_BASE } from "../state.ts";

/** Handlers of the single-register, no-writeback forms (ISV = 1). */
const ISV_FORMS: ReadonlySet<Handler> = new Set<Handler>([
  ls.LDST_uimm, // LDR/STR (unsigned offset), all sizes and sign extensions
  ls.LDST_unscaled, // LDUR/STUR
  ls.LDST_unpriv, // LDTR/STTR
  ls.LDST_reg, // LDR/STR (register offset)
  ls.LDR_lit,
  ls.LDRSW_lit,
  ls.LDAR, // LDAR/LDARB/LDARH: acquire (ISS.AR = 1)
  ls.STLR, // STLR/STLRB/STLRH: release
]);

/** Whether a data abort on `insn` reports a valid instruction syndrome (ISV = 1). */
export function hasValidSyndrome(insn: number): boolean {
  const row = decode(insn);
  return row !== undefined && ISV_FORMS.has(row.handler);
}

/**
 * The instruction word the running vCPU is executing (its PC is current
 * while a memory access is under way), or undefined when the PC does not
 * translate to RAM. For use inside device callbacks only; takes no fault
 * and leaves the TLB alone.
 */
export function currentInsn(): number | undefined {
  const lo = X[W.PC], hi = X[W.PC + 1];
  if (!walk(lo, hi, fetchIdx(), Acc.EXEC)) return undefined;
  const off = WR.pa - RAM_BASE;
  if (off < 0 || off + 4 > C.ramSize) return undefined;
  return C.dv.getUint32(C.ramHost + off, true);
}
