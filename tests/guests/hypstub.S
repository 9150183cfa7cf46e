// hypstub: Linux's EL2 hyp stub ABI, run by the guest itself.
//
// Booted at EL2 (QEMU -M virt,virtualization=on; hvsh hyp: "none"), the guest
// does what arch/arm64/kernel/head.S + hyp-stub.S do for a kernel entered at
// EL2: installs __hyp_stub_vectors in VBAR_EL2, sets HCR_EL2.RW, CNTHCTL_EL2,
// SCTLR_EL1 = INIT_SCTLR_EL1_MMU_OFF, and drops to EL1h with ERET. From EL1 it
// calls the stub with HVC #0 and prints x0 (and what the EL2 side saw):
//   x0 = 7, x0 = 4 (HVC_STUB_HCALL_NR): unknown   -> HVC_STUB_ERR 0xbadca11
//   HVC_RESET_VECTORS (2)                         -> 0, nothing to reset
//   HVC_SET_VECTORS (0, x1 = alt_vectors)         -> 0, VBAR_EL2 = x1; the next
//       HVCs reach alt_vectors, which report ESR_EL2, ELR_EL2 and SPSR_EL2 and
//       treat HVC_RESET_VECTORS as KVM's __kvm_handle_stub_hvc does (back to
//       the stub)
//   HVC_SOFT_RESTART (1, x1 = EL2 entry, x2..x4)  -> branch at EL2 to x1 with
//       x0 = x2, x1 = x3, x2 = x4 (no ERET); the entry prints them and drops to
//       EL1 again
//   HVC_FINALISE_EL2 (3)                          -> the VHE upgrade of
//       __finalise_el2/enter_vhe: HCR_EL2 = HCR_HOST_VHE_FLAGS, EL1 vectors,
//       SCTLR and SP moved to EL2, return to EL2h with x0 = 0 (HVC_STUB_ERR
//       when SCTLR_EL2.M = 1 or ID_AA64MMFR1_EL1.VH = 0)
// then, now at EL2 with E2H = 1, reads VBAR_EL1 (redirected to VBAR_EL2) and
// VBAR_EL12, takes an SVC through the EL1 vectors now installed at EL2, and
// powers off with PSCI SYSTEM_OFF through SMC.
//
// The stub's elx_sync follows hyp-stub.S exactly:
//   x0 = 0 SET_VECTORS: msr vbar_el2, x1; x0 = 0; eret
//   x0 = 1 SOFT_RESTART: mov x0, x2; mov x2, x4; mov x4, x1; mov x1, x3; br x4
//   x0 = 2 RESET_VECTORS: x0 = 0; eret
//   x0 = 3 FINALISE_EL2 (see above)
//   else: x0 = HVC_STUB_ERR; eret

#define HVC_SET_VECTORS 0
#define HVC_SOFT_RESTART 1
#define HVC_RESET_VECTORS 2
#define HVC_FINALISE_EL2 3
#define HVC_STUB_ERR 0xbadca11
#define PSCI_SYSTEM_OFF 0x84000008
// arch/arm64/include/asm/kvm_arm.h, sysreg.h
#define HCR_RW (1 << 31)
#define HCR_HOST_VHE_FLAGS_HI 0x4     // E2H (bit 34)
#define HCR_HOST_VHE_FLAGS_LO 0x88000038 // RW | TGE | AMO | IMO | FMO
#define INIT_SCTLR_EL1_MMU_OFF 0x30500800

  .macro say, str
  adr x0, 9000f
  .pushsection .rodata
9000: .asciz "\str"
  .popsection
  bl asm_puts
  .endm

  .macro kv, str, reg
  mov x1, \reg
  adr x0, 9000f
  .pushsection .rodata
9000: .asciz "\str"
  .popsection
  bl asm_putkv
  .endm

  .macro movq, reg, val
  movz \reg, #((\val) & 0xffff)
  movk \reg, #(((\val) >> 16) & 0xffff), lsl #16
  .endm

  // stub call: x0 = function, prints "<str>x0 = ..."
  .macro stub, str
  hvc #0
  mov x19, x0
  kv "\str", x19
  .endm

  .section .text.boot, "ax"
  .global _start
_start:
  adr x28, _start
  adrp x0, stack_el2_top
  add x0, x0, :lo12:stack_el2_top
  mov sp, x0
  say "hypstub: start\n"
  mrs x20, CurrentEL
  kv "CurrentEL at entry ", x20
  lsr x20, x20, #2
  cmp x20, #2
  b.eq 1f
  say "not entered at EL2: boot with virtualization=on (hvsh hyp: \"none\")\n"
  b power_off
1:
  adr x0, el1_main
  bl drop_to_el1
  // not reached

// drop_to_el1: x0 = EL1 entry. Installs the stub vectors and the EL1 state
// (as head.S init_el2 + hyp-stub for a kernel booted at EL2) and ERETs.
drop_to_el1:
  adr x1, __hyp_stub_vectors
  msr vbar_el2, x1
  mov x1, #HCR_RW
  msr hcr_el2, x1
  mov x1, #3                      // CNTHCTL_EL2.EL1PCTEN | EL1PCEN
  msr cnthctl_el2, x1
  msr cntvoff_el2, xzr
  movq x1, INIT_SCTLR_EL1_MMU_OFF
  msr sctlr_el1, x1
  adrp x1, stack_el1_top
  add x1, x1, :lo12:stack_el1_top
  msr sp_el1, x1
  msr elr_el2, x0
  mov x1, #0x3c5                  // EL1h, DAIF masked
  msr spsr_el2, x1
  isb
  eret

el1_main:
  mrs x1, CurrentEL
  kv "EL1: CurrentEL ", x1
  adr x1, el1_vectors
  msr vbar_el1, x1
  isb
  mov x0, #7
  stub "HVC x0=7 (unknown):         x0 = "
  mov x0, #4
  stub "HVC x0=4 (HCALL_NR):        x0 = "
  mov x0, #HVC_RESET_VECTORS
  stub "HVC_RESET_VECTORS:          x0 = "
  mov x0, #HVC_SET_VECTORS
  adr x1, alt_vectors
  stub "HVC_SET_VECTORS(alt):       x0 = "
  movq x0, 0x1234
  mov x1, #0
  mov x2, #0
  mov x3, #0
  hvc #0x55
  mov x20, x1
  mov x21, x2
  mov x22, x3
  mov x19, x0
  kv "HVC #0x55 x0=0x1234 -> alt: x0 = ", x19
  kv "  esr_el2  ", x20
  kv "  elr-base ", x21
  kv "  spsr_el2 ", x22
  mov x0, #HVC_RESET_VECTORS
  stub "HVC_RESET_VECTORS via alt:  x0 = "
  mov x0, #7
  stub "HVC x0=7 after the reset:   x0 = "

  mov x0, #HVC_SOFT_RESTART
  adr x1, el2_restart
  movq x2, 0x1111
  movq x3, 0x2222
  movq x4, 0x3333
  hvc #0
  say "HVC_SOFT_RESTART returned (wrong)\n"
  b power_off

// HVC_SOFT_RESTART target: at EL2 with x0..x2 = the caller's x2..x4.
el2_restart:
  mov x19, x0
  mov x20, x1
  mov x21, x2
  mov x22, x4
  say "soft restart:\n"
  mrs x1, CurrentEL
  kv "  CurrentEL ", x1
  kv "  x0 ", x19
  kv "  x1 ", x20
  kv "  x2 ", x21
  sub x1, x22, x28
  kv "  x4-base ", x1
  mrs x1, elr_el2
  sub x1, x1, x28
  kv "  elr_el2-base ", x1
  adr x0, el1_phase2
  bl drop_to_el1

el1_phase2:
  mrs x1, CurrentEL
  kv "EL1 again: CurrentEL ", x1
  adr x1, el1_vectors
  msr vbar_el1, x1
  isb
  mov x0, #7
  stub "HVC x0=7:                   x0 = "
  mov x0, #HVC_FINALISE_EL2
  stub "HVC_FINALISE_EL2:           x0 = "
  mrs x20, CurrentEL
  kv "after FINALISE_EL2: CurrentEL ", x20
  lsr x20, x20, #2
  cmp x20, #2
  b.ne 1f
  mrs x1, vbar_el1                // E2H = 1: VBAR_EL2
  sub x1, x1, x28
  kv "  vbar_el1 (-> vbar_el2) - base ", x1
  mrs x1, S3_5_C12_C0_0           // VBAR_EL12: the EL1 register itself
  sub x1, x1, x28
  kv "  vbar_el12 - base ", x1
  mrs x1, hcr_el2
  kv "  hcr_el2 ", x1
  svc #0x99
  say "  back from the svc\n"
1:
  say "hypstub: done\n"
power_off:
  movq x0, PSCI_SYSTEM_OFF
  smc #0
2: b 2b

// ---- EL1 vectors (and, after FINALISE_EL2, the EL2 vectors under VHE) ----
el1_sync:
  mov x19, x30
  say "  svc taken: "
  mrs x1, CurrentEL
  kv "CurrentEL ", x1
  mrs x1, esr_el1                 // ESR_EL2 under E2H
  kv "    esr ", x1
  mrs x1, spsr_el1
  kv "    spsr ", x1
  mov x30, x19
  eret

unexpected_el1:
  mov x19, x0
  say "unexpected EL1 exception\n"
  kv "  vector ", x19
  mrs x1, esr_el1
  kv "  esr ", x1
  mrs x1, elr_el1
  sub x1, x1, x28
  kv "  elr-base ", x1
  b power_off

  .macro vec, target, n
  .balign 0x80
  mov x0, #\n
  b \target
  .endm

  .balign 2048
el1_vectors:
  vec unexpected_el1, 0x000
  vec unexpected_el1, 0x080
  vec unexpected_el1, 0x100
  vec unexpected_el1, 0x180
  .balign 0x80
  b el1_sync                      // current EL, SPx, sync
  vec unexpected_el1, 0x280
  vec unexpected_el1, 0x300
  vec unexpected_el1, 0x380
  vec unexpected_el1, 0x400
  vec unexpected_el1, 0x480
  vec unexpected_el1, 0x500
  vec unexpected_el1, 0x580
  vec unexpected_el1, 0x600
  vec unexpected_el1, 0x680
  vec unexpected_el1, 0x700
  vec unexpected_el1, 0x780

// ---- the hyp stub (arch/arm64/kernel/hyp-stub.S) ----
elx_sync:
  cmp x0, #HVC_SET_VECTORS
  b.ne 1f
  msr vbar_el2, x1
  b 9f
1: cmp x0, #HVC_FINALISE_EL2
  b.eq __finalise_el2
  cmp x0, #HVC_SOFT_RESTART
  b.ne 2f
  mov x0, x2
  mov x2, x4
  mov x4, x1
  mov x1, x3
  br x4                           // no return
2: cmp x0, #HVC_RESET_VECTORS
  b.eq 9f                         // nothing to reset
  movq x0, HVC_STUB_ERR
  eret
9: mov x0, xzr
  eret

__finalise_el2:
  mrs x1, sctlr_el2
  tbnz x1, #0, 1f                 // the MMU must be off
  mrs x1, id_aa64mmfr1_el1
  ubfx x1, x1, #8, #4             // VH
  cbz x1, 1f
  movz x0, #(HCR_HOST_VHE_FLAGS_LO & 0xffff)
  movk x0, #(HCR_HOST_VHE_FLAGS_LO >> 16), lsl #16
  movk x0, #HCR_HOST_VHE_FLAGS_HI, lsl #32
  msr hcr_el2, x0
  isb
  mrs x0, sp_el1                  // use the EL1 stack
  mov sp, x0
  mrs x0, S3_5_C12_C0_0           // VBAR_EL12
  msr vbar_el1, x0                // E2H: VBAR_EL2
  mrs x0, spsr_el1                // E2H: SPSR_EL2; return to EL2h
  and x0, x0, #~0xf
  mov x1, #0x9                    // PSR_MODE_EL2h
  orr x0, x0, x1
  msr spsr_el1, x0
  // enter_vhe
  tlbi vmalle1
  dsb nsh
  isb
  mrs x0, S3_5_C1_C0_0            // SCTLR_EL12
  msr sctlr_el1, x0               // E2H: SCTLR_EL2
  isb
  movq x0, INIT_SCTLR_EL1_MMU_OFF
  msr S3_5_C1_C0_0, x0            // SCTLR_EL12
  mov x0, xzr
  eret
1: movq x0, HVC_STUB_ERR
  eret

el2_invalid:
  mov x19, x0
  say "unexpected EL2 exception\n"
  kv "  vector ", x19
  mrs x1, esr_el2
  kv "  esr_el2 ", x1
  mrs x1, elr_el2
  sub x1, x1, x28
  kv "  elr-base ", x1
  b power_off

  .balign 2048
__hyp_stub_vectors:
  vec el2_invalid, 0x000          // EL2t
  vec el2_invalid, 0x080
  vec el2_invalid, 0x100
  vec el2_invalid, 0x180
  .balign 0x80
  b elx_sync                      // EL2h sync
  vec el2_invalid, 0x280
  vec el2_invalid, 0x300
  vec el2_invalid, 0x380
  .balign 0x80
  b elx_sync                      // 64-bit EL1 sync
  vec el2_invalid, 0x480
  vec el2_invalid, 0x500
  vec el2_invalid, 0x580
  vec el2_invalid, 0x600          // 32-bit EL1
  vec el2_invalid, 0x680
  vec el2_invalid, 0x700
  vec el2_invalid, 0x780

// ---- alternative EL2 vectors installed with HVC_SET_VECTORS ----
alt_sync:
  cmp x0, #HVC_RESET_VECTORS
  b.ne 1f
  adr x1, __hyp_stub_vectors      // as __kvm_handle_stub_hvc: back to the stub
  msr vbar_el2, x1
  mov x0, xzr
  eret
1: movq x0, 0xa170
  mrs x1, esr_el2
  mrs x2, elr_el2
  sub x2, x2, x28
  mrs x3, spsr_el2
  eret

  .balign 2048
alt_vectors:
  vec el2_invalid, 0x000
  vec el2_invalid, 0x080
  vec el2_invalid, 0x100
  vec el2_invalid, 0x180
  vec el2_invalid, 0x200
  vec el2_invalid, 0x280
  vec el2_invalid, 0x300
  vec el2_invalid, 0x380
  .balign 0x80
  b alt_sync                      // 64-bit EL1 sync
  vec el2_invalid, 0x480
  vec el2_invalid, 0x500
  vec el2_invalid, 0x580
  vec el2_invalid, 0x600
  vec el2_invalid, 0x680
  vec el2_invalid, 0x700
  vec el2_invalid, 0x780

  .bss
  .balign 16
  .space 4096
stack_el2_top:
  .space 4096
stack_el1_top:
