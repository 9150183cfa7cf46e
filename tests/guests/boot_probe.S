// Boot-state probe for machine/loader_test.ts: prints x0, x4, the first word of
// RAM and the word at x0 (when non-zero) in hex on the PL011, then PSCI
// SYSTEM_OFF through HVC. Run under QEMU virt to compare -kernel placement.
.global _start
_start:
  mov x19, x0
  mov x20, x4
  mov x0, x19
  bl hex
  mov x0, x20
  bl hex
  movz x21, #0x4000, lsl #16
  ldr w0, [x21]
  bl hex
  cbz x19, 3f
  ldr w0, [x19]
  bl hex
3:
  movz x0, #0x0008
  movk x0, #0x8400, lsl #16
  hvc #0
1: b 1b
hex:
  movz x9, #0x0900, lsl #16
  mov x10, #60
2: lsr x11, x0, x10
  and x11, x11, #0xf
  cmp x11, #10
  add x12, x11, #48
  add x13, x11, #87
  csel x11, x13, x12, ge
  strb w11, [x9]
  subs x10, x10, #4
  b.ge 2b
  mov w11, #10
  strb w11, [x9]
  ret
