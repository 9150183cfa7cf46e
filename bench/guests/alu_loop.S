// The benchmark kernel of shared/exec-strategies.md §1, byte for byte: 13
// instructions per iteration on both paths of the TBNZ, one 64-bit store and
// one load per iteration into a 4 KiB buffer.
//
//   u64 alu_loop(u64 n, u64 *buf, u64 *out)
// runs n iterations (n >= 1) from the reference runs' state: x1 = n, x2 = buf
// (zeroed), x3 = 1, x4 = 3, x5..x10 = 0 (recovered by matching their
// results), and stores x3 and x9 to out[0], out[1]. The reference values for
// n = 10,000,000: x3 = bcba958bf44f8a9c, x9 = 379379c7a22d5c6e. Where the reference ended with `hvc #0`, this
// returns to C, which prints x3/x9 and calls PSCI SYSTEM_OFF.
  .text
  .balign 64
  .global alu_loop
alu_loop:
  mov x11, x2                   // out
  mov x2, x1                    // buf
  mov x1, x0                    // n
  mov x3, #1
  mov x4, #3
  mov x5, #0
  mov x6, #0
  mov x7, #0
  mov x8, #0
  mov x9, #0
  mov x10, #0
  b kernel
  .balign 64
kernel:
0: add x3, x3, x4               // 8b040063
  sub x5, x3, #7                // d1001c65
  eor x4, x4, x5                // ca050084
  lsl x6, x4, #3                // d37df086
  mul x7, x6, x3                // 9b037cc7
  and x10, x1, #0xff8           // 927d202a
  str x7, [x2, x10]             // f82a6847
  ldr x8, [x2, #8]              // f9400448
  tbnz x1, #0, 1f               // 37000061
  add x9, x9, x8                // 8b080129
  b 2f                          // 14000003
1: sub x9, x9, x8               // cb080129
  eor x9, x9, x3                // ca030129
2: subs x1, x1, #1              // f1000421
  b.ne 0b                       // 54fffe41
  stp x3, x9, [x11]
  ret
