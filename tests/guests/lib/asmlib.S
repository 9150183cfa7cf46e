// PL011 output helpers for the assembly guests. They use no stack and clobber
// only x0..x7 and x16 (x7/x16 hold return addresses in the nested ones), so the
// guests may call them from exception handlers and before any stack exists.
// uart_va (default 0x0900_0000, QEMU virt VIRT_UART) is read on every call.
  .text

// asm_putc: w0 = byte.
  .global asm_putc
asm_putc:
  adrp x1, uart_va
  ldr x1, [x1, :lo12:uart_va]
1: ldr w2, [x1, #0x18]          // UARTFR
  tbnz w2, #5, 1b               // TXFF
  strb w0, [x1]                 // UARTDR
  ret

// asm_puts: x0 = NUL-terminated string.
  .global asm_puts
asm_puts:
  mov x7, x30
  mov x3, x0
1: ldrb w0, [x3], #1
  cbz w0, 2f
  bl asm_putc
  b 1b
2: mov x30, x7
  ret

// asm_puthex: x0 = value, printed as 0x followed by 16 hex digits.
  .global asm_puthex
asm_puthex:
  mov x7, x30
  mov x4, x0
  mov w0, #'0'
  bl asm_putc
  mov w0, #'x'
  bl asm_putc
  mov x5, #60
1: lsr x0, x4, x5
  and x0, x0, #0xf
  cmp x0, #10
  add x6, x0, #'0'
  add x0, x0, #('a' - 10)
  csel x0, x0, x6, hs
  bl asm_putc
  subs x5, x5, #4
  b.ge 1b
  mov x30, x7
  ret

// asm_putkv: x0 = label string, x1 = value: prints "<label>0x<16 digits>\n".
  .global asm_putkv
asm_putkv:
  mov x6, x30                   // asm_puts/asm_puthex keep x7 for themselves
  mov x5, x1
  bl asm_puts
  mov x0, x5
  mov x16, x6                   // asm_puthex clobbers x5/x6/x7 but not x16
  bl asm_puthex
  mov w0, #'\n'
  bl asm_putc
  ret x16

  .data
  .balign 8
  .global uart_va
uart_va:
  .quad 0x09000000
