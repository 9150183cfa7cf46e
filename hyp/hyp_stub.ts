/**
 * The EL2 side of a host kernel that was booted at EL2 (seed 000 hyp-abi.rst;
 * spec 6): Linux's hyp stub (arch/arm64/kernel/hyp-stub.S) and, for
 * `hyp: "kvm-nvhe"`, KVM's nVHE stub handler (arch/arm64/kvm/hyp/nvhe/host.S
 * __kvm_handle_stub_hvc). Which one answers an HVC follows VBAR_EL2: the
 * modelled vector tables live at fixed addresses; once the guest installs its
 * own vectors (HVC_SET_VECTORS, or MSR VBAR_EL2 at EL2), its HVCs are taken to
 * its own EL2 code.
 *
 * Each stub call is modelled as the hardware and the stub code perform it: the
 * HVC exception is taken to EL2 (ELR_EL2/SPSR_EL2/ESR_EL2 set), the stub's
 * instructions take effect, then ERET (or a branch for SOFT_RESTART).
 *
 * @module
 */

import { type CallCtx, Outcome, type OutcomeCode } from "./call.ts";
import { EC, HYP_STUB, SMCCC } from "./consts.ts";
import type { KvmVcpu, KvmVm } from "./kvm.ts";
import { R, traceServiceId } from "./trace.ts";

/** Physical address of the modelled Linux hyp-stub vectors (`__hyp_stub_vectors`), 2 KiB aligned. */
export const HYP_STUB_VECTORS = 0x1000n;
/** Physical address of the modelled KVM nVHE hyp vectors (`__kvm_hyp_host_vector`). */
export const KVM_NVHE_VECTORS = 0x2000n;
/** HVC_STUB_HCALL_NR: x0 below it goes to the stub handler under KVM nVHE (spec 6). */
export const HVC_STUB_HCALL_NR = 4;

/** HCR_HOST_VHE_FLAGS = RW | TGE | E2H | AMO | IMO | FMO (arch/arm64/include/asm/kvm_arm.h). */
export const HCR_HOST_VHE_FLAGS = (1n << 31n) | (1n << 27n) | (1n << 34n) | (1n << 5n) |
  (1n << 4n) |
  (1n << 3n);
/** INIT_SCTLR_EL1_MMU_OFF: LSMAOE | nTLSMD | EIS | TSCXT | EOS (arch/arm64/include/asm/sysreg.h). */
export const INIT_SCTLR_EL1_MMU_OFF = 0x3050_0800n;
/** INIT_SCTLR_EL2_MMU_OFF: SCTLR_EL2 RES1 bits, little-endian (arch/arm64/include/asm/sysreg.h). */
export const INIT_SCTLR_EL2_MMU_OFF = 0x30c5_0830n;
/** MDCR_EL2.E2PB (bits 13:12) and E2TB (bits 25:24). */
const MDCR_E2PB_E2TB = (3n << 12n) | (3n << 24n);

/** Who handles HVCs that reach EL2 on this vCPU. */
export type El2Handler = "kvm" | "hyp-stub" | "kvm-nvhe" | "guest" | "firmware";

/** The ESR_EL2 of an HVC64 with immediate `imm` (EC 0x16, IL = 1). */
export function hvcEsr(imm: number): number {
  return ((EC.HVC64 << 26) | (1 << 25) | (imm & 0xffff)) >>> 0;
}

/** The hyp-stub / KVM nVHE stub model. */
export class HypStub {
  declare private readonly vm: KvmVm;

  constructor(vm: KvmVm) {
    this.vm = vm;
  }

  /** The EL2 handler of vCPU `v`, from its VBAR_EL2. */
  handler(v: KvmVcpu): El2Handler {
    if (this.vm.mode === "kvm") return "kvm";
    if (this.vm.mode === "firmware") return "firmware";

    const vbar = v.port.sysreg("VBAR_EL2");
    if (vbar === HYP_STUB_VECTORS) return "hyp-stub";
    if (vbar === KVM_NVHE_VECTORS) return "kvm-nvhe";
    return "guest";
  }

  /** An HVC from EL1 (or EL2) when the guest kernel owns EL2's lower half of the story. */
  hvc(v: KvmVcpu, ctx: CallCtx): OutcomeCode {
    const handler = this.handler(v);
    if (handler === "guest") return Outcome.TRAP;
    const trace = this.vm.trace;
    const t = trace.begin(ctx, ctx.el());
    trace.nameStub(t);

    const port = v.port;
    // The stub vectors handle synchronous exceptions from 64-bit EL1 and EL2h only.
    port.exceptionToEl2(hvcEsr(ctx.imm));
    const x0 = ctx.u32(0) + ctx.hi(0) * 0x1_0000_0000;
    const o = handler === "hyp-stub" ? this.linuxStub(v, ctx, x0) : this.nvheStub(v, ctx, x0);
    trace.end(t, ctx, R["hyp-stub"], traceServiceId(handler), o);
    return o;
  }

  /** elx_sync of arch/arm64/kernel/hyp-stub.S. */
  private linuxStub(v: KvmVcpu, ctx: CallCtx, x0: number): OutcomeCode {
    const port = v.port;
    switch (x0) {
      case HYP_STUB.SET_VECTORS:
        // msr vbar_el2, x1 (VBAR_EL2[10:0] are RES0).
        port.setSysreg("VBAR_EL2", ctx.big(1) & ~0x7ffn);
        ctx.set(0, 0);
        break;
      case HYP_STUB.FINALISE_EL2:
        return this.finalise(v, ctx);
      case HYP_STUB.SOFT_RESTART: {
        // mov x0, x2; mov x2, x4; mov x4, x1; mov x1, x3; br x4 — stays at EL2, DAIF masked.
        const [a1, a2, a3, a4] = [ctx.big(1), ctx.big(2), ctx.big(3), ctx.big(4)];
        ctx.setBig(0, a2);
        ctx.setBig(2, a4);
        ctx.setBig(4, a1);
        ctx.setBig(1, a3);
        this.setPc(ctx, a1);
        return Outcome.CONTINUE;
      }
      case HYP_STUB.RESET_VECTORS:
        ctx.set(0, 0); // "Nothing to reset!"
        break;
      case HYP_STUB.GET_ICH_VTR_EL2:
        if (this.vm.profile.stubGetIchVtr) {
          ctx.setBig(1, port.sysreg("ICH_VTR_EL2"));
          ctx.set(0, 0);
          break;
        }
        ctx.set(0, HYP_STUB.ERR);
        break;
      default:
        ctx.set(0, HYP_STUB.ERR);
    }
    port.eretFromEl2();
    return Outcome.CONTINUE;
  }

  /** __finalise_el2 / enter_vhe: switch the kernel to VHE at EL2, or HVC_STUB_ERR. */
  private finalise(v: KvmVcpu, ctx: CallCtx): OutcomeCode {
    const port = v.port;
    const mmuOn = (port.sysreg("SCTLR_EL2") & 1n) !== 0n;
    if (mmuOn || !this.vm.vhe || this.vm.hvhe) {
      ctx.set(0, HYP_STUB.ERR);
      port.eretFromEl2();
      return Outcome.CONTINUE;
    }
    port.setSysreg("HCR_EL2", HCR_HOST_VHE_FLAGS);
    port.setSysreg("SP_EL2", port.sysreg("SP_EL1"));
    port.setSysreg("TPIDR_EL2", port.sysreg("TPIDR_EL1"));
    // With E2H set, the *_EL1 names at EL2 reach the EL2 registers; *_EL12 reach EL1's.
    port.setSysreg("CPTR_EL2", port.sysreg("CPACR_EL1"));
    port.setSysreg("VBAR_EL2", port.sysreg("VBAR_EL1"));
    port.setSysreg("MDCR_EL2", port.sysreg("MDCR_EL2") & ~MDCR_E2PB_E2TB);
    port.setSysreg("TCR_EL2", port.sysreg("TCR_EL1"));
    port.setSysreg("TTBR0_EL2", port.sysreg("TTBR0_EL1"));
    port.setSysreg("TTBR1_EL2", port.sysreg("TTBR1_EL1"));
    port.setSysreg("MAIR_EL2", port.sysreg("MAIR_EL1"));
    // "Hack the exception return to stay at EL2".
    port.setSysreg("SPSR_EL2", (port.sysreg("SPSR_EL2") & ~0xfn) | 0x9n);
    port.setSysreg("SCTLR_EL2", port.sysreg("SCTLR_EL1"));
    port.setSysreg("SCTLR_EL1", INIT_SCTLR_EL1_MMU_OFF);
    ctx.set(0, 0);
    port.eretFromEl2();
    return Outcome.CONTINUE;
  }

  /** __kvm_handle_stub_hvc (host.S), plus host hypercalls for x0 ≥ HVC_STUB_HCALL_NR. */
  private nvheStub(v: KvmVcpu, ctx: CallCtx, x0: number): OutcomeCode {
    const port = v.port;
    if (x0 >= HVC_STUB_HCALL_NR) {
      // handle_host_hcall: KVM's internal host hypercalls are not modelled → NOT_SUPPORTED.
      ctx.set(0, SMCCC.RET_NOT_SUPPORTED);
      port.eretFromEl2();
      return Outcome.CONTINUE;
    }
    if (x0 === HYP_STUB.SOFT_RESTART) {
      // msr elr_el2, x1; spsr_el2 = DAIF | EL2h; x0 = x2, x1 = x3, x2 = x4; then reset.
      const [a1, a2, a3, a4] = [ctx.big(1), ctx.big(2), ctx.big(3), ctx.big(4)];
      port.setSysreg("ELR_EL2", a1);
      port.setSysreg("SPSR_EL2", 0x3c9n);
      ctx.setBig(0, a2);
      ctx.setBig(1, a3);
      ctx.setBig(2, a4);
      this.resetToStub(ctx);
      return Outcome.CONTINUE;
    }
    if (x0 === HYP_STUB.RESET_VECTORS) {
      ctx.set(0, 0);
      this.resetToStub(ctx);
      return Outcome.CONTINUE;
    }
    ctx.set(0, HYP_STUB.ERR);
    port.eretFromEl2();
    return Outcome.CONTINUE;
  }

  /** The `reset:` path of host.S: EL2 MMU off, stub vectors back (x5 clobbered), ERET. */
  private resetToStub(ctx: CallCtx): void {
    const port = ctx.port;
    port.setSysreg("SCTLR_EL2", INIT_SCTLR_EL2_MMU_OFF);
    port.setSysreg("VBAR_EL2", HYP_STUB_VECTORS);
    ctx.setBig(5, HYP_STUB_VECTORS);
    port.eretFromEl2();
  }

  private setPc(ctx: CallCtx, pc: bigint): void {
    const w = ctx.pc;

    ctx.regs[w] = Number(BigInt.asIntN(32, pc));
    ctx.regs[w + 1] = Number(BigInt.asIntN(32, pc >> 32n));
  }
}
