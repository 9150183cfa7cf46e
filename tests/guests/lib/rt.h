/* Tiny freestanding runtime for the hvsh/QEMU virt test guests: PL011 output,
 * a printf subset, SMCCC calls on the DTB's PSCI conduit, a flattened device
 * tree reader and system-register helpers. No libc; built with
 * -O2 -mgeneral-regs-only -ffreestanding -nostdlib (see ../build.sh). */
#ifndef GUEST_RT_H
#define GUEST_RT_H

#include <stdarg.h>

typedef unsigned long u64;
typedef long s64;
typedef unsigned int u32;
typedef int s32;
typedef unsigned short u16;
typedef unsigned char u8;

#define UART_BASE 0x09000000UL /* PL011 on QEMU virt (hw/arm/virt.c VIRT_UART) */

#define read_sysreg(r) ({ u64 __v; __asm__ volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((u64)(v)) : "memory")
#define isb() __asm__ volatile("isb" : : : "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt : : : "memory")
#define barrier() __asm__ volatile("" : : : "memory")

static inline u32 mmio_read32(u64 a) { return *(volatile u32 *)a; }
static inline void mmio_write32(u64 a, u32 v) { *(volatile u32 *)a = v; }
static inline u64 mmio_read64(u64 a) { return *(volatile u64 *)a; }
static inline void mmio_write64(u64 a, u64 v) { *(volatile u64 *)a = v; }

/* Current exception level (CurrentEL[3:2]). */
static inline unsigned current_el(void) { return (read_sysreg(CurrentEL) >> 2) & 3; }

/* Output (lib/rt.c). uart_base may be changed (the mmu guest prints through an alias). */
extern volatile u64 uart_base;
void putch(char c);
void puts_(const char *s);
void printf_(const char *fmt, ...);
void vprintf_(const char *fmt, va_list ap);

/* SMCCC (DEN0028): a call with x0..x3 in, x0..x3 out, on the conduit chosen by
 * rt_init() from the DTB's /psci "method" ("hvc" or "smc"). */
struct smccc_res { u64 a0, a1, a2, a3; };
enum conduit { CONDUIT_HVC = 0, CONDUIT_SMC = 1 };
extern enum conduit psci_conduit;
struct smccc_res smccc_call(u64 fid, u64 a1, u64 a2, u64 a3);
struct smccc_res smccc_hvc(u64 fid, u64 a1, u64 a2, u64 a3);
struct smccc_res smccc_smc(u64 fid, u64 a1, u64 a2, u64 a3);

/* PSCI (DEN0022) function IDs used by the guests. */
#define PSCI_VERSION 0x84000000UL
#define PSCI_CPU_OFF 0x84000002UL
#define PSCI_CPU_ON64 0xc4000003UL
#define PSCI_AFFINITY_INFO64 0xc4000004UL
#define PSCI_MIGRATE_INFO_TYPE 0x84000006UL
#define PSCI_SYSTEM_OFF 0x84000008UL
#define PSCI_FEATURES 0x8400000aUL

/* Flattened device tree (DTB v17, big-endian) reader. */
int fdt_valid(const void *blob);
/* Calls fn for every property: depth (root = 0), the node names from the root
 * (names[0] = "" for the root), the property name, value and length. */
typedef void (*fdt_prop_fn)(void *ctx, int depth, const char *const *names, const char *prop,
                            const u8 *val, u32 len);
void fdt_walk(const void *blob, fdt_prop_fn fn, void *ctx);
/* The value of property `prop` of the node at `path` ("/psci"; a component
 * without '@' matches a node name up to its '@'), or 0; *len gets its length. */
const u8 *fdt_getprop(const void *blob, const char *path, const char *prop, u32 *len);
u32 be32(const u8 *p);
u64 be64(const u8 *p);

/* Chooses the PSCI conduit from the DTB (x0 at entry; 0 or invalid: HVC at
 * EL1, SMC at EL2) and returns the method string found, or "(none)". */
const char *rt_init(const void *dtb);

/* /chosen/bootargs word "key=<decimal or 0xhex>", or def when absent. */
u64 bootarg_u64(const void *dtb, const char *key, u64 def);

void system_off(void) __attribute__((noreturn));
void cpu_off(void) __attribute__((noreturn));

int streq(const char *a, const char *b);
u64 strlen_(const char *s);
void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);

/* Exclusive-monitor primitives (LDAXR/STLXR; no LSE: the CPU may lack it). */
static inline u64 atomic_add_return(volatile u64 *p, u64 v)
{
	u64 r;
	u32 fail;
	__asm__ volatile("1: ldaxr %0, [%2]\n"
	                 "   add %0, %0, %3\n"
	                 "   stlxr %w1, %0, [%2]\n"
	                 "   cbnz %w1, 1b"
	                 : "=&r"(r), "=&r"(fail)
	                 : "r"(p), "r"(v)
	                 : "memory");
	return r;
}
static inline void spin_lock(volatile u32 *l)
{
	u32 tmp, fail;
	__asm__ volatile("1: ldaxr %w0, [%2]\n"
	                 "   cbnz %w0, 1b\n"
	                 "   mov %w0, #1\n"
	                 "   stxr %w1, %w0, [%2]\n"
	                 "   cbnz %w1, 1b"
	                 : "=&r"(tmp), "=&r"(fail)
	                 : "r"(l)
	                 : "memory");
}
static inline void spin_unlock(volatile u32 *l) { __asm__ volatile("stlr wzr, [%0]" : : "r"(l) : "memory"); }

/* lib/exc.S: EL1 vectors calling exc_handler(frame, vector index). */
struct exc_frame {
	u64 x[31];
	u64 elr;
	u64 spsr;
	u64 pad;
};
extern char exc_vectors[];
extern char __image_start[];
void exc_handler(struct exc_frame *f, u64 vector);
void secondary_main(u64 index);
extern char secondary_entry[];
int main(const void *dtb);
#endif
