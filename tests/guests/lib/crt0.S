// crt0 for the C guests: entered at 0x4008_0000 with x0 = DTB address (the
// Linux arm64 boot protocol, as QEMU -kernel and hvsh's loader start a raw
// image), at EL1 (QEMU -M virt) or EL2 (virtualization=on). Zeroes .bss, takes
// the stack of CPU 0 and calls main(dtb). Secondaries started with PSCI CPU_ON
// at secondary_entry with x0 = context_id = their CPU index take stack
// (index) and call secondary_main(index). main returning powers the system off.
  .section .text.boot, "ax"
  .global _start
_start:
  mov x19, x0
  adrp x1, __bss_start
  add x1, x1, :lo12:__bss_start
  adrp x2, __bss_end
  add x2, x2, :lo12:__bss_end
1: cmp x1, x2
  b.hs 2f
  str xzr, [x1], #8
  b 1b
2: mov x0, #0
  bl stack_for
  mov x0, x19
  bl main
  bl system_off
3: b 3b

  .global secondary_entry
secondary_entry:
  mov x19, x0
  bl stack_for
  mov x0, x19
  bl secondary_main
  bl cpu_off
4: b 4b

// sp = __stacks_end - index * 0x4000 (STACK_SIZE in link.ld); uses x0, x1, x9.
stack_for:
  adrp x1, __stacks_end
  add x1, x1, :lo12:__stacks_end
  mov x9, #0x4000
  msub x1, x0, x9, x1
  mov sp, x1
  ret
