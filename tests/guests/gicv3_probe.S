// GICv3 register probe for machine/devices/gic_v3_test.ts: prints, in hex on the
// PL011, the words at the addresses listed in `addrs`, then ICC_CTLR_EL1,
// ICC_SRE_EL1, ICC_BPR0_EL1, ICC_BPR1_EL1, ICC_PMR_EL1 after writing 0xff,
// ICC_RPR_EL1, PMCR_EL0 and ICC_IAR1_EL1; then PSCI SYSTEM_OFF through HVC.
.global _start
_start:
  adr x19, addrs
1: ldr x20, [x19], #8
  cbz x20, 2f
  ldr w0, [x20]
  bl hex
  b 1b
2:
  mrs x0, S3_0_C12_C12_4
  bl hex
  mrs x0, S3_0_C12_C12_5
  bl hex
  mrs x0, S3_0_C12_C8_3
  bl hex
  mrs x0, S3_0_C12_C12_3
  bl hex
  mov x0, #0xff
  msr S3_0_C4_C6_0, x0
  mrs x0, S3_0_C4_C6_0
  bl hex
  mrs x0, S3_0_C12_C11_3
  bl hex
  mrs x0, S3_3_C9_C12_0
  bl hex
  mrs x0, S3_0_C12_C12_0
  bl hex
  movz x0, #0x0008
  movk x0, #0x8400, lsl #16
  hvc #0
3: b 3b
hex:
  movz x9, #0x0900, lsl #16
  mov x10, #28
4: lsr x11, x0, x10
  and x11, x11, #0xf
  cmp x11, #10
  add x12, x11, #48
  add x13, x11, #87
  csel x11, x13, x12, ge
  strb w11, [x9]
  subs x10, x10, #4
  b.ge 4b
  mov w11, #10
  strb w11, [x9]
  ret
.balign 8
addrs: .quad 0x08000000, 0x08000004, 0x08000008, 0x0800ffe8, 0x0800ffe0, 0x080a0008, 0x080a000c, 0x080c0008, 0x080a0014, 0x080a0004, 0x080b0c00, 0x080affe0, 0x08000c08, 0
