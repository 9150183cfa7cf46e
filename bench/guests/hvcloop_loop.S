// u64 hvc_loop(u64 n, u64 fid):    n x { x0 = fid; hvc #0 }, returns the sum of the x0s
// u64 nohvc_loop(u64 n, u64 fid):  the same loop with a NOP in place of the HVC
// (x0 keeps fid: pass the answer to get the same sum), the baseline to subtract.
// The counters live in x19/x20 (callee-saved; SMCCC 1.0 may clobber x4..x17).
  .text
  .balign 64
  .global hvc_loop
hvc_loop:
  stp x19, x20, [sp, #-32]!
  str x21, [sp, #16]
  mov x19, x0
  mov x20, #0
  mov x21, x1
1: mov x0, x21
  hvc #0
  add x20, x20, x0
  subs x19, x19, #1
  b.ne 1b
  mov x0, x20
  ldr x21, [sp, #16]
  ldp x19, x20, [sp], #32
  ret

  .balign 64
  .global nohvc_loop
nohvc_loop:
  stp x19, x20, [sp, #-32]!
  str x21, [sp, #16]
  mov x19, x0
  mov x20, #0
  mov x21, x1
1: mov x0, x21
  nop
  add x20, x20, x0
  subs x19, x19, #1
  b.ne 1b
  mov x0, x20
  ldr x21, [sp, #16]
  ldp x19, x20, [sp], #32
  ret
