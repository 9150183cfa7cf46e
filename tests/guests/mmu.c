/* mmu: stage-1 translation at EL1 with the 4 KiB granule.
 *
 * 39-bit VAs (T0SZ = T1SZ = 25, walks start at level 1). TTBR0 maps the low
 * 1 GiB (devices) as one Device-nGnRnE block and the 128 MiB of RAM as
 * 2 MiB Normal write-back blocks (identity), plus a test region at
 * VA 0x4800_0000 (beyond RAM) with 4 KiB pages:
 *   +0x0000 RW page -> buf       +0x1000 RO page (AP = 0b10) -> buf
 *   +0x2000 invalid              +0x3000 AF = 0 -> buf
 *   +0x4000 PXN page -> code     +0x5000 executable page -> the same code
 * and 0x4820_0000 (next 2 MiB) invalid at level 2. TTBR1 maps the high alias:
 * 0xffff_ff80_0000_0000 + PA for the first 2 GiB (devices, RAM).
 * With SCTLR_EL1.M/C/I set the guest prints through the UART's high alias,
 * runs a function through the RAM's high alias, checks AT S1E1R/S1E1W
 * (PAR_EL1), and takes translation faults at levels 0 (VA outside T0SZ), 2
 * and 3, a permission fault (write to RO), an access-flag fault and an
 * instruction permission fault (PXN), printing ESR_EL1/FAR_EL1 for each. */
#include "lib/rt.h"

#define HIGH 0xffffff8000000000UL
#define TEST_VA 0x48000000UL

/* Descriptor bits (Arm ARM D8.3, VMSAv8-64 4 KiB granule). */
#define D_BLOCK 0x1UL
#define D_TABLE 0x3UL
#define D_PAGE 0x3UL
#define D_ATTR(i) ((u64)(i) << 2)
#define D_AP_RO (2UL << 6) /* AP[2:1] = 0b10: read-only at EL1, no EL0 access */
#define D_SH_INNER (3UL << 8)
#define D_AF (1UL << 10)
#define D_PXN (1UL << 53)
#define D_UXN (1UL << 54)
#define ATTR_DEVICE 0 /* MAIR attr0 = 0x00 Device-nGnRnE */
#define ATTR_NORMAL 1 /* MAIR attr1 = 0xff Normal, inner/outer write-back RW-allocate */

#define DEV_BLOCK (D_BLOCK | D_ATTR(ATTR_DEVICE) | D_AF | D_PXN | D_UXN)
#define MEM_BLOCK (D_BLOCK | D_ATTR(ATTR_NORMAL) | D_AF | D_SH_INNER)
#define MEM_PAGE (D_PAGE | D_ATTR(ATTR_NORMAL) | D_AF | D_SH_INNER)

static u64 l1_lo[512] __attribute__((aligned(4096)));
static u64 l2_ram[512] __attribute__((aligned(4096)));
static u64 l3_test[512] __attribute__((aligned(4096)));
static u64 l1_hi[512] __attribute__((aligned(4096)));
static u8 buf[4096] __attribute__((aligned(4096)));

/* A page of code the test region maps twice (PXN and executable). */
__attribute__((section(".text.page"), aligned(4096), noinline)) u64 code_page_fn(u64 x)
{
	return x + 42;
}

static volatile u64 magic;
static volatile int expect_fault;
static volatile u64 resume_at; /* where an instruction abort returns to (0: ELR + 4) */

void exc_handler(struct exc_frame *f, u64 vector)
{
	u64 esr = read_sysreg(esr_el1), far = read_sysreg(far_el1);
	u64 ec = esr >> 26;
	if (vector != 4 || !expect_fault || (ec != 0x25 && ec != 0x21)) {
		printf_("unexpected exception: vector %lu esr 0x%lx far 0x%lx elr 0x%lx\n", vector,
		        esr, far, f->elr);
		system_off();
	}
	printf_("  fault: esr 0x%lx (ec 0x%lx %s, fsc 0x%lx%s) far 0x%lx\n", esr, ec,
	        ec == 0x25 ? "data abort" : "instruction abort", esr & 0x3f,
	        ec == 0x25 && (esr & (1 << 6)) ? ", write" : "", far);
	expect_fault = 0;
	if (resume_at) {
		f->elr = resume_at;
		resume_at = 0;
	} else {
		f->elr += 4;
	}
}

static u64 load(u64 va)
{
	u64 v;
	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(va) : "memory");
	return v;
}

static void store(u64 va, u64 v) { __asm__ volatile("str %0, [%1]" : : "r"(v), "r"(va) : "memory"); }

static void try_load(const char *what, u64 va)
{
	printf_("load from %s (0x%lx)\n", what, va);
	expect_fault = 1;
	u64 v = load(va);
	if (expect_fault) {
		expect_fault = 0;
		printf_("  no fault, read 0x%lx\n", v);
	}
}

static void try_store(const char *what, u64 va, u64 v)
{
	printf_("store to %s (0x%lx)\n", what, va);
	expect_fault = 1;
	store(va, v);
	if (expect_fault) {
		expect_fault = 0;
		puts_("  no fault\n");
	}
}

static u64 at(int write, u64 va)
{
	if (write)
		__asm__ volatile("at s1e1w, %0" : : "r"(va));
	else
		__asm__ volatile("at s1e1r, %0" : : "r"(va));
	isb();
	return read_sysreg(par_el1);
}

static u64 call_at(u64 fn, u64 arg)
{
	register u64 x0 __asm__("x0") = arg;
	__asm__ volatile("adr x30, 1f\n"
	                 "str x30, [%[resume]]\n"
	                 "blr %[fn]\n"
	                 "1:"
	                 : "+r"(x0)
	                 : [fn] "r"(fn), [resume] "r"(&resume_at)
	                 : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
	                   "x12", "x13", "x14", "x15", "x16", "x17", "x30", "memory", "cc");
	return x0;
}

static void high_half(void)
{
	u64 pc;
	__asm__ volatile("adr %0, ." : "=r"(pc));
	printf_("running at the high alias: %s\n", pc >= HIGH ? "yes" : "no");
}

int main(const void *dtb)
{
	rt_init(dtb);
	write_sysreg(vbar_el1, exc_vectors);
	isb();
	puts_("mmu: start\n");

	u64 ram = 0x40000000UL;
	l1_lo[0] = 0x00000000UL | DEV_BLOCK;
	l1_lo[1] = (u64)l2_ram | D_TABLE;
	for (u64 i = 0; i < 64; i++)
		l2_ram[i] = (ram + (i << 21)) | MEM_BLOCK;
	l2_ram[64] = (u64)l3_test | D_TABLE; /* VA 0x4800_0000 */
	l3_test[0] = (u64)buf | MEM_PAGE;
	l3_test[1] = (u64)buf | MEM_PAGE | D_AP_RO;
	l3_test[2] = 0;
	l3_test[3] = ((u64)buf | MEM_PAGE) & ~D_AF;
	l3_test[4] = (u64)code_page_fn | MEM_PAGE | D_AP_RO | D_PXN;
	l3_test[5] = (u64)code_page_fn | MEM_PAGE | D_AP_RO;
	l1_hi[0] = 0x00000000UL | DEV_BLOCK;
	l1_hi[1] = ram | MEM_BLOCK;

	write_sysreg(mair_el1, 0xff00UL);
	u64 tcr = 25UL | 1UL << 8 | 1UL << 10 | 3UL << 12 | 0UL << 14 /* TG0 4K */ |
	          25UL << 16 | 1UL << 24 | 1UL << 26 | 3UL << 28 | 2UL << 30 /* TG1 4K */ |
	          2UL << 32 /* IPS 40 bits */;
	write_sysreg(tcr_el1, tcr);
	write_sysreg(ttbr0_el1, l1_lo);
	write_sysreg(ttbr1_el1, l1_hi);
	dsb(ishst);
	__asm__ volatile("tlbi vmalle1" ::: "memory");
	dsb(ish);
	isb();
	u64 sctlr = read_sysreg(sctlr_el1);
	sctlr |= 1UL << 0 | 1UL << 2 | 1UL << 12; /* M, C, I */
	sctlr &= ~(1UL << 1 | 1UL << 19);       /* A, WXN */
	write_sysreg(sctlr_el1, sctlr);
	isb();
	printf_("mmu on: sctlr_el1.M = %lu\n", read_sysreg(sctlr_el1) & 1);

	uart_base = HIGH + UART_BASE;
	printf_("printing through the TTBR1 alias of the UART (0x%lx)\n", uart_base);
	magic = 0x1234abcd5678ef00UL;
	printf_("RAM high alias reads 0x%lx\n", load(HIGH + (u64)&magic));
	store(HIGH + (u64)&magic, 0x600dUL);
	printf_("low VA after a store through the alias reads 0x%lx\n", magic);
	((void (*)(void))(HIGH + (u64)high_half))();

	store(TEST_VA, 0xfeedUL);
	printf_("RW page: wrote 0x%lx, RO page reads 0x%lx\n", load(TEST_VA), load(TEST_VA + 0x1000));

	/* AT S1E1R/W: PAR_EL1 (F = 0: PA and attributes; F = 1: FST). */
	printf_("at s1e1r RW page:      par_el1 0x%lx\n", at(0, TEST_VA + 0x10));
	printf_("at s1e1w RO page:      par_el1 0x%lx\n", at(1, TEST_VA + 0x1000));
	printf_("at s1e1r RO page:      par_el1 0x%lx\n", at(0, TEST_VA + 0x1000));
	printf_("at s1e1r invalid page: par_el1 0x%lx\n", at(0, TEST_VA + 0x2000));
	printf_("at s1e1r uart (high):  par_el1 0x%lx\n", at(0, HIGH + UART_BASE));

	try_store("the RO page", TEST_VA + 0x1008, 1);
	try_load("an invalid L3 entry", TEST_VA + 0x2010);
	try_load("a page with AF = 0", TEST_VA + 0x3018);
	try_load("an invalid L2 entry", TEST_VA + 0x200000);
	try_load("a VA above T0SZ's range", 0x0000008000000000UL);
	try_load("a VA in neither range", 0x8000000000000000UL);

	printf_("call through the executable alias: %lu\n", call_at(TEST_VA + 0x5000, 1));
	printf_("call through the PXN alias\n");
	expect_fault = 1;
	u64 r = call_at(TEST_VA + 0x4000, 2);
	printf_("  returned %s\n", expect_fault ? "without a fault" : "after the fault");
	(void)r;

	puts_("mmu: done\n");
	return 0;
}
