/**
 * End to end: a bare-metal C program compiled by GCC at -O2
 * (-mgeneral-regs-only) runs on hvsh and on `qemu-system-aarch64 -M virt`,
 * and both must print the same UART output (PL011 data register at
 * 0x0900_0000) before powering off with PSCI SYSTEM_OFF over HVC.
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
    // (No __builtin_popcountl: libgcc's __popcountdi2 uses Advanced SIMD, which UNDEFs here.)
    h ^= __builtin_clzl(a | 1) + __builtin_ctzl(a | 0x100) + __builtin_bswap64(a);
    h = (h << 7) | (h >> 57);
    h += (u64)(((unsigned __int128)a * b) >> 64);
    h += (u64)(((__int128)(s64)a * (s64)b) >> 64);
  }
  line("mix", h);
  return 0;
}

void __attribute__((section(".text.start"))) _start(void) {
  __asm__ volatile(
    "ldr x0, =0x40800000\n"
    "mov sp, x0\n"
    "bl main\n"
    "movz x0, #0x8400, lsl #16\n"
    "movk x0, #0x8\n"
    "hvc #0\n"
    "1: b 1b\n");
}
`;

function build(): { elf: Uint8Array; bin: Uint8Array; entry: bigint } {
  const dir = tmpDir();
  try {
    Deno.writeTextFileSync(`${dir}/p.c`, SOURCE);
    runTool(GCC, [
      "-O2",
      "-mgeneral-regs-only",
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

const built = hasGcc ? build() : undefined;

Deno.test({
  name: "a GCC -O2 bare-metal C program runs to PSCI SYSTEM_OFF on hvsh",
  ignore: !hasGcc,
  fn() {
    const { out } = runHvsh(built!.bin, built!.entry);
    assertStringIncludes(out, "hello from C\nprimes = 2262\nsorted = 1\n");
  },
});

Deno.test({
  name: "the C program prints exactly what it prints on qemu-system-aarch64 -M virt",
  ignore: !hasGcc || !hasQemuSystem,
  fn() {
    const dir = tmpDir();
    try {
      Deno.writeFileSync(`${dir}/p.elf`, built!.elf);
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
      const theirs = new TextDecoder().decode(q.stdout);
      const { out } = runHvsh(built!.bin, built!.entry);
      assertEquals(out, theirs);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
