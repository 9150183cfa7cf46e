/**
 * End to end: a bare-metal C program compiled by GCC runs on hvsh and on
 * `qemu-system-aarch64 -M virt`, and both must print the same UART output
 * (PL011 data register at 0x0900_0000) before powering off with PSCI
 * SYSTEM_OFF over HVC. Two builds: -O2 -mgeneral-regs-only, and -O3 with
 * FP/SIMD (auto-vectorised loops, CNT for popcount, scalar double and float
 * arithmetic printed as bit patterns).
 *
 * Skipped when aarch64-linux-gnu-gcc is not installed; the QEMU comparison
 * is skipped when qemu-system-aarch64 is not.
 */

import { assertEquals, assertStringIncludes } from "@std/assert";
import { RAM_BASE, Slot } from "../state.ts";
import { CallAction } from "./callbacks.ts";
import { Cpu, Exit, resetVcpu } from "./cpu.ts";
import { MachineMemory } from "../state.ts";
import { hasTool, runTool, tmpDir } from "./_test_util.ts";

const GCC = "aarch64-linux-gnu-gcc";
const hasGcc = hasTool(GCC);
const hasQemuSystem = hasTool("qemu-system-aarch64");
if (!hasGcc) {
  console.log("c_program_test: aarch64-linux-gnu-gcc not found, C program tests skipped");
} else if (!hasQemuSystem) {
  console.log("c_program_test: qemu-system-aarch64 not found, QEMU comparison skipped");
}

const SOURCE = String.raw`
#ifdef FP
#include <arm_neon.h>
#endif
typedef unsigned long u64;
typedef long s64;
typedef unsigned int u32;
#define UART ((volatile u32 *)0x09000000UL)

static void putch(char c) { *UART = (u32)c; }
static void puts_(const char *s) { while (*s) putch(*s++); }
static void putdec(s64 v) {
  char buf[24]; int n = 0; u64 u = v < 0 ? -(u64)v : (u64)v;
  if (v < 0) putch('-');
  do { buf[n++] = '0' + u % 10; u /= 10; } while (u);
  while (n) putch(buf[--n]);
}
static void puthex(u64 v) {
  for (int i = 60; i >= 0; i -= 4) putch("0123456789abcdef"[(v >> i) & 15]);
}
static void line(const char *k, u64 v) { puts_(k); puts_(" = 0x"); puthex(v); putch('\n'); }

static u64 crc64(const unsigned char *p, u64 n) {
  u64 crc = ~0UL;
  for (u64 i = 0; i < n; i++) {
    crc ^= p[i];
    for (int b = 0; b < 8; b++) crc = (crc >> 1) ^ (0xC96C5795D7870F42UL & -(crc & 1));
  }
  return ~crc;
}

static void qsort_(s64 *a, s64 lo, s64 hi) {
  while (lo < hi) {
    s64 p = a[(lo + hi) / 2], i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { s64 t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (j - lo < hi - i) { qsort_(a, lo, j); lo = i; } else { qsort_(a, i, hi); hi = j; }
  }
}

static unsigned char sieve[20000];
static s64 arr[2000];

int main(void) {
  puts_("hello from C\n");
  int primes = 0;
  for (int i = 2; i < 20000; i++) {
    if (sieve[i]) continue;
    primes++;
    for (int j = i * 2; j < 20000; j += i) sieve[j] = 1;
  }
  puts_("primes = "); putdec(primes); putch('\n');
  u64 x = 0x9E3779B97F4A7C15UL;
  for (int i = 0; i < 2000; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    arr[i] = (s64)(x % 1000003) - 500000;
  }
  qsort_(arr, 0, 1999);
  int sorted = 1;
  for (int i = 1; i < 2000; i++) sorted &= arr[i - 1] <= arr[i];
  puts_("sorted = "); putdec(sorted); putch('\n');
  puts_("min = "); putdec(arr[0]); puts_(", max = "); putdec(arr[1999]); putch('\n');
  line("crc", crc64((const unsigned char *)arr, sizeof arr));
  u64 h = 0;
  for (u64 i = 1; i < 5000; i++) {
    u64 a = i * 0x100000001B3UL, b = (a >> 17) | 1;
    h += a / b + a % b + (u64)((s64)a / (s64)(b | 0x8000000000000000UL));
#ifdef FP
    h += __builtin_popcountl(a); // CNT v.8b + ADDV with FP/SIMD
#endif
    h ^= __builtin_clzl(a | 1) + __builtin_ctzl(a | 0x100) + __builtin_bswap64(a);
    h = (h << 7) | (h >> 57);
    h += (u64)(((unsigned __int128)a * b) >> 64);
    h += (u64)(((__int128)(s64)a * (s64)b) >> 64);
  }
  line("mix", h);
#ifdef FP
  static s64 v[2000];
  for (int i = 0; i < 2000; i++) v[i] = arr[i] * 3 + (arr[i] >> 2) - (arr[i] & 0xff); // vectorised
  line("vec", crc64((const unsigned char *)v, sizeof v));
  union { double d; u64 u; } dd = { 0 };
  union { float f; u32 u; } ff = { 0 };
  for (int i = 1; i < 500; i++) {
    dd.d += __builtin_sqrt((double)i) / (i + 0.5) - (double)arr[i] * 1e-7;
    ff.f = ff.f * 1.0001f + (float)i / 3.0f;
  }
  line("double", dd.u);
  line("float", ff.u);
  line("cvt", (u64)(s64)(dd.d * 1e6) ^ (u64)(ff.f * 7.5f));
  // Structure loads/stores, saturating and narrowing arithmetic (NEON intrinsics and loops
  // GCC vectorises into LD3/ST3, UQADD, SQXTN, URHADD ...).
  static unsigned char px[3 * 256], gray[256], avg[256];
  static short s16[512];
  for (int i = 0; i < 3 * 256; i++) px[i] = (unsigned char)(arr[i] * 7 >> 3);
  for (int i = 0; i < 512; i++) s16[i] = (short)(arr[i] >> 3);
  for (int i = 0; i < 256; i++) { // de-interleave, saturate
    unsigned r = px[3 * i], g = px[3 * i + 1], b = px[3 * i + 2];
    unsigned y = r + g; gray[i] = y > 255 ? 255 : y;
    avg[i] = (unsigned char)((g + b + 1) >> 1);
    px[3 * i] = b; px[3 * i + 2] = r;
  }
  line("rgb", crc64(px, sizeof px) ^ crc64(gray, sizeof gray) ^ crc64(avg, sizeof avg));
  u64 acc = 0;
  for (int i = 0; i + 16 <= 256; i += 16) {
    uint8x16x3_t p3 = vld3q_u8(px + 3 * i);
    uint8x16_t q = vqsubq_u8(vqaddq_u8(p3.val[0], p3.val[1]), p3.val[2]);
    int16x8_t a = vld1q_s16(s16 + i), b = vld1q_s16(s16 + 256 + i);
    int16x8_t m = vqrdmulhq_s16(a, b), d = vqdmulhq_lane_s16(a, vget_low_s16(b), 3);
    int32x4_t l = vqdmull_s16(vget_low_s16(a), vget_high_s16(b));
    int8x8_t n = vqrshrn_n_s16(vqshlq_n_s16(m, 3), 4);
    uint8x8_t un = vqmovun_s16(vrshlq_s16(d, vdupq_n_s16(-2)));
    int16x4x4_t s4 = vld4_dup_s16(s16 + i);
    float32x4_t f = vcvtq_n_f32_s32(l, 12);
    float32x4_t e = vrecpeq_f32(vabsq_f32(f)), rs = vrsqrteq_f32(vabsq_f32(f));
    float64x2_t w = vcvt_high_f64_f32(f);
    float32x2_t nn = vcvtx_f32_f64(vmulq_f64(w, vdupq_n_f64(1.0 / 3.0)));
    poly16x8_t pm = vmull_p8(vreinterpret_p8_u8(vget_low_u8(q)), vreinterpret_p8_s8(n));
    uint8x16x4_t st = { { q, vcombine_u8(un, un), vreinterpretq_u8_s16(a), vreinterpretq_u8_s16(m) } };
    static unsigned char out4[64];
    vst4q_u8(out4, st);
    acc = acc * 31 + crc64(out4, 64) + vaddvq_u8(q) + (u64)vmaxvq_f32(e) + (u64)vminnmvq_f32(rs);
    acc += vgetq_lane_u64(vreinterpretq_u64_s32(l), 1) + vget_lane_u64(vreinterpret_u64_s16(s4.val[3]), 0);
    acc ^= vget_lane_u64(vreinterpret_u64_f32(nn), 0) + vgetq_lane_u64(vreinterpretq_u64_p16(pm), 1);
    acc += (u64)vcvtq_n_s32_f32(f, 3)[2] + (u64)vqabsq_s8(vcombine_s8(n, n))[5];
  }
  line("neon", acc);
#endif
  return 0;
}

void __attribute__((section(".text.start"))) _start(void) {
  __asm__ volatile(
    "ldr x0, =0x40800000\n"
    "mov sp, x0\n"
    "mov x0, #(3 << 20)\n" // CPACR_EL1.FPEN: no FP/SIMD traps at EL1/EL0 (resets to 0 under KVM)
    "msr cpacr_el1, x0\n"
    "isb\n"
    "bl main\n"
    "movz x0, #0x8400, lsl #16\n"
    "movk x0, #0x8\n"
    "hvc #0\n"
    "1: b 1b\n");
}
`;

function build(fp: boolean): { elf: Uint8Array; bin: Uint8Array; entry: bigint } {
  const dir = tmpDir();
  try {
    Deno.writeTextFileSync(`${dir}/p.c`, SOURCE);
    runTool(GCC, [
      ...(fp ? ["-O3", "-DFP", "-fno-math-errno"] : ["-O2", "-mgeneral-regs-only"]),
      "-mstrict-align", // the MMU is off: data memory is Device, unaligned accesses fault
      "-ffreestanding",
      "-fno-builtin",
      "-nostdlib",
      "-static",
      "-fno-pie",
      "-no-pie",
      "-Wl,-Ttext=0x40080000",
      "-Wl,--build-id=none",
      "-e",
      "_start",
      "-o",
      `${dir}/p.elf`,
      `${dir}/p.c`,
      "-lgcc",
    ]);
    runTool("aarch64-linux-gnu-objcopy", ["-O", "binary", `${dir}/p.elf`, `${dir}/p.bin`]);
    const sym = new TextDecoder().decode(runTool("aarch64-linux-gnu-nm", [`${dir}/p.elf`]));
    const m = / T _start$/m.exec(sym) ? /^([0-9a-f]+) T _start$/m.exec(sym)! : undefined;
    return {
      elf: Deno.readFileSync(`${dir}/p.elf`),
      bin: Deno.readFileSync(`${dir}/p.bin`),
      entry: BigInt(`0x${m![1]}`),
    };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Run the raw image on hvsh; returns the UART text and the instruction count. */
function runHvsh(bin: Uint8Array, entry: bigint): { out: string; icount: bigint } {
  const mm = new MachineMemory(1, 64);
  let out = "", off = false;
  const cpu = new Cpu(mm, {
    mmioRead: (_c, _pa, _s, o) => (o[0] = o[1] = 0, true),
    mmioWrite: (_c, pa, _s, lo) => {
      if (pa === 0x0900_0000) out += String.fromCharCode(lo & 0xff);
      return true;
    },
    hvc: (c) => {
      off = mm.u32[mm.slot(c, 0)] === 0x8400_0008;
      return CallAction.EXIT;
    },
    smc: () => CallAction.UNDEF,
    sysregRead: () => false,
    sysregWrite: () => false,
    wait: () => true,
  });
  cpu.loadBytes(BigInt(RAM_BASE) + 0x8_0000n, bin);
  resetVcpu(mm, 0, { el: 1, pc: entry });
  const code = cpu.run(0, 500_000_000);
  if (code !== Exit.CALL || !off) {
    throw new Error(`Guest did not power off: exit ${code}, ${cpu.errorFor(0)?.message}`);
  }
  return { out, icount: mm.get64(0, Slot.ICOUNT) };
}

const built = hasGcc ? build(false) : undefined;
const builtFp = hasGcc ? build(true) : undefined;

Deno.test({
  name: "a GCC -O2 bare-metal C program runs to PSCI SYSTEM_OFF on hvsh",
  ignore: !hasGcc,
  fn() {
    const { out } = runHvsh(built!.bin, built!.entry);
    assertStringIncludes(out, "hello from C\nprimes = 2262\nsorted = 1\n");
  },
});

/** The UART output of `elf` on qemu-system-aarch64 -M virt -cpu cortex-a57. */
function runQemu(elf: Uint8Array): string {
  const dir = tmpDir();
  try {
    Deno.writeFileSync(`${dir}/p.elf`, elf);
    const q = new Deno.Command("timeout", {
      args: [
        "20",
        "qemu-system-aarch64",
        "-M",
        "virt",
        "-cpu",
        "cortex-a57",
        "-m",
        "64",
        "-display",
        "none",
        "-serial",
        "stdio",
        "-monitor",
        "none",
        "-kernel",
        `${dir}/p.elf`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    return new TextDecoder().decode(q.stdout);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

for (
  const [what, b] of [["-O2 -mgeneral-regs-only", built], ["-O3 with FP/SIMD", builtFp]] as const
) {
  Deno.test({
    name: `the C program (${what}) prints exactly what it prints on qemu-system-aarch64 -M virt`,
    ignore: !hasGcc || !hasQemuSystem,
    fn() {
      const { out } = runHvsh(b!.bin, b!.entry);
      assertEquals(out, runQemu(b!.elf));
      if (b === builtFp) assertStringIncludes(out, "\nfloat = 0x");
    },
  });
}
