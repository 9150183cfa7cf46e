// EL1 exception vectors for the C guests (Arm ARM D1.10.2: 16 entries of 0x80
// bytes, VBAR_EL1 2 KiB aligned). Every entry saves x0..x30, ELR_EL1 and
// SPSR_EL1 in a frame on the current stack and calls
//   void exc_handler(struct exc_frame *f, unsigned long vector)
// vector = entry index 0..15 (0-3 current EL SP0, 4-7 current EL SPx,
// 8-11 lower EL AArch64, 12-15 lower EL AArch32; within each: sync, IRQ,
// FIQ, SError). The handler may change f->elr / f->spsr / f->x[]; the entry
// restores them and ERETs.
  .macro entry, n
  .balign 0x80
  sub sp, sp, #(36 * 8)
  stp x0, x1, [sp, #0]
  mov x1, #\n
  b exc_common
  .endm

  .text
  .balign 2048
  .global exc_vectors
exc_vectors:
  entry 0
  entry 1
  entry 2
  entry 3
  entry 4
  entry 5
  entry 6
  entry 7
  entry 8
  entry 9
  entry 10
  entry 11
  entry 12
  entry 13
  entry 14
  entry 15

exc_common:
  // x0 was saved at [sp]; x1 (vector) goes to the handler, its old value is at [sp, #8].
  stp x2, x3, [sp, #16]
  stp x4, x5, [sp, #32]
  stp x6, x7, [sp, #48]
  stp x8, x9, [sp, #64]
  stp x10, x11, [sp, #80]
  stp x12, x13, [sp, #96]
  stp x14, x15, [sp, #112]
  stp x16, x17, [sp, #128]
  stp x18, x19, [sp, #144]
  stp x20, x21, [sp, #160]
  stp x22, x23, [sp, #176]
  stp x24, x25, [sp, #192]
  stp x26, x27, [sp, #208]
  stp x28, x29, [sp, #224]
  mrs x2, elr_el1
  stp x30, x2, [sp, #240]
  mrs x2, spsr_el1
  str x2, [sp, #256]
  mov x0, sp
  bl exc_handler
  ldr x2, [sp, #256]
  msr spsr_el1, x2
  ldp x30, x2, [sp, #240]
  msr elr_el1, x2
  ldp x28, x29, [sp, #224]
  ldp x26, x27, [sp, #208]
  ldp x24, x25, [sp, #192]
  ldp x22, x23, [sp, #176]
  ldp x20, x21, [sp, #160]
  ldp x18, x19, [sp, #144]
  ldp x16, x17, [sp, #128]
  ldp x14, x15, [sp, #112]
  ldp x12, x13, [sp, #96]
  ldp x10, x11, [sp, #80]
  ldp x8, x9, [sp, #64]
  ldp x6, x7, [sp, #48]
  ldp x4, x5, [sp, #32]
  ldp x2, x3, [sp, #16]
  ldp x0, x1, [sp, #0]
  add sp, sp, #(36 * 8)
  eret
