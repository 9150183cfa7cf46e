// vectors: the EL1 exception model, in assembly (QEMU -M virt boots it at EL1).
//
// Installs VBAR_EL1 and takes, in order, printing ESR_EL1, ELR_EL1 as an
// offset from the image base, SPSR_EL1 and (for aborts only: FAR is UNKNOWN
// otherwise) FAR_EL1 for each:
//   at EL1: UDF, BRK, SVC, a load and a store to an unmapped hole
//           (0x0b00_0000: nothing is mapped between QEMU virt's last virtio-mmio
//           transport at 0x0a00_3e00 and the PCIe window at 0x1000_0000; so an
//           external abort, DFSC 0x10), a PC-alignment fault (BR to an odd address)
//   at EL0 (entered with ERET, SPSR_EL1 = EL0t): SVC, UDF, a load from the hole,
//           MRS SCTLR_EL1 (UNDEFINED at EL0), MRS CNTVCT_EL0 (trapped: CNTKCTL_EL1
//           resets to 0 on QEMU), then SVC #0xff which returns to EL1.
// NZCV is set to a known pattern before each exception, so SPSR is deterministic.
// Ends with PSCI SYSTEM_OFF through HVC.
//
// Register use: x19 = label of the current test, x20 = flags pattern, x21 = hole
// address, x28 = image base; the handler uses only x0..x17 (asmlib.S keeps
// to x0..x7, x16).

#define HOLE 0x0b000000
#define PSCI_SYSTEM_OFF 0x84000008

  .macro flags, nzcv
  mov x0, #(\nzcv << 28)
  msr nzcv, x0
  .endm

  .macro label, str
  adr x19, 9000f
  .pushsection .rodata
9000: .asciz "\str"
  .popsection
  .endm

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

  .section .text.boot, "ax"
  .global _start
_start:
  adr x28, _start
  adrp x0, stack_top
  add x0, x0, :lo12:stack_top
  mov sp, x0
  say "vectors: start\n"
  mrs x1, CurrentEL
  kv "CurrentEL ", x1
  adr x1, vectors
  msr vbar_el1, x1
  isb
  mov x21, #HOLE

  label "el1 udf #0x1234"
  flags 0x8
  udf #0x1234

  label "el1 brk #0x42"
  flags 0x4
  brk #0x42

  label "el1 svc #0x17"
  flags 0x2
  svc #0x17

  label "el1 ldr x2, [hole]"
  flags 0x1
  ldr x2, [x21]

  label "el1 str w3, [hole+8]"
  flags 0x0
  str w3, [x21, #8]

  label "el1 ldrb w4, [hole+0x123]"
  ldrb w4, [x21, #0x123]

  label "el1 br to an odd address"
  adr x5, pc_align_target + 2
  br x5
pc_align_return:

  // ERET to EL0t with DAIF masked: ELR_EL1 = el0_code, SPSR_EL1 = 0x3c0.
  say "eret to el0\n"
  adr x0, el0_code
  msr elr_el1, x0
  mov x0, #0x3c0
  msr spsr_el1, x0
  adrp x0, stack_el0_top
  add x0, x0, :lo12:stack_el0_top
  msr sp_el0, x0
  eret

el1_after_el0:
  mrs x1, CurrentEL
  kv "back at EL1: CurrentEL ", x1
  say "vectors: done\n"
  movz x0, #(PSCI_SYSTEM_OFF & 0xffff)
  movk x0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
  hvc #0
1: b 1b

pc_align_target:
  nop
  b pc_align_return

  .balign 64
el0_code:
  label "el0 svc #0x42"
  flags 0x9
  svc #0x42
  label "el0 udf #1"
  flags 0x6
  udf #1
  label "el0 ldr x2, [hole+16]"
  flags 0x3
  ldr x2, [x21, #16]
  label "el0 mrs x0, sctlr_el1"
  flags 0xc
  mrs x0, sctlr_el1
  label "el0 mrs x0, cntvct_el0"
  flags 0x5
  mrs x0, cntvct_el0
  label "el0 svc #0xff (return to el1)"
  flags 0x0
  svc #0xff
1: b 1b

// ---- handlers ----

// x0 = vector name. Prints the label, vector, ESR, ELR - base, SPSR, FAR for
// aborts; returns with x9 = ESR.
report:
  mov x17, x30
  mov x8, x0
  mov x0, x19
  bl asm_puts
  mov w0, #'\n'
  bl asm_putc
  adr x0, s_vector
  bl asm_puts
  mov x0, x8
  bl asm_puts
  mov w0, #'\n'
  bl asm_putc
  mrs x9, esr_el1
  kv "  esr_el1  ", x9
  mrs x1, elr_el1
  sub x1, x1, x28
  kv "  elr-base ", x1
  mrs x1, spsr_el1
  kv "  spsr_el1 ", x1
  // FAR is valid for instruction/data aborts and PC alignment (EC 0x20, 0x21, 0x22, 0x24, 0x25).
  lsr x10, x9, #26
  cmp x10, #0x20
  b.lo 1f
  cmp x10, #0x25
  b.hi 1f
  cmp x10, #0x23
  b.eq 1f
  mrs x1, far_el1
  sub x11, x1, x28
  cmp x10, #0x22
  csel x1, x11, x1, eq    // PC alignment: FAR is the odd target, print it relative
  adr x0, s_far_rel
  adr x2, s_far
  csel x0, x0, x2, eq
  bl asm_putkv
1: mov x30, x17
  ret

// Synchronous exception from the current EL (SP_ELx): report, skip the
// instruction unless it was an SVC (ELR already past it) or the PC alignment
// fault (return to pc_align_return).
sync_el1:
  adr x0, s_curr_sync
  bl report
  lsr x10, x9, #26
  cmp x10, #0x22
  b.ne 1f
  adr x0, pc_align_return
  msr elr_el1, x0
  eret
1: cmp x10, #0x15
  b.eq 2f
  mrs x0, elr_el1
  add x0, x0, #4
  msr elr_el1, x0
2: eret

// Synchronous exception from EL0: as above; SVC #0xff returns to EL1.
sync_el0:
  adr x0, s_lower_sync
  bl report
  lsr x10, x9, #26
  cmp x10, #0x15
  b.ne 1f
  and x11, x9, #0xffff
  cmp x11, #0xff
  b.ne 2f
  adr x0, el1_after_el0
  msr elr_el1, x0
  mov x0, #0x3c5
  msr spsr_el1, x0
  eret
1: mrs x0, elr_el1
  add x0, x0, #4
  msr elr_el1, x0
2: eret

unexpected:
  mov x8, x0
  adr x0, s_unexpected
  bl asm_puts
  mrs x1, esr_el1
  kv "  esr_el1  ", x1
  kv "  vector   ", x8
  movz x0, #(PSCI_SYSTEM_OFF & 0xffff)
  movk x0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
  hvc #0
1: b 1b

  .macro vec, target, n
  .balign 0x80
  mov x0, #\n
  b \target
  .endm

  .balign 2048
vectors:
  vec unexpected, 0x000
  vec unexpected, 0x080
  vec unexpected, 0x100
  vec unexpected, 0x180
  .balign 0x80
  b sync_el1                 // 0x200 current EL, SPx, synchronous
  vec unexpected, 0x280
  vec unexpected, 0x300
  vec unexpected, 0x380
  .balign 0x80
  b sync_el0                 // 0x400 lower EL, AArch64, synchronous
  vec unexpected, 0x480
  vec unexpected, 0x500
  vec unexpected, 0x580
  vec unexpected, 0x600
  vec unexpected, 0x680
  vec unexpected, 0x700
  vec unexpected, 0x780

  .section .rodata
s_vector: .asciz "  vector   "
s_curr_sync: .asciz "current EL SPx sync (0x200)"
s_lower_sync: .asciz "lower EL AArch64 sync (0x400)"
s_far: .asciz "  far_el1  "
s_far_rel: .asciz "  far-base "
s_unexpected: .asciz "unexpected exception\n"

  .bss
  .balign 16
  .space 4096
stack_top:
  .space 4096
stack_el0_top:
