/* granule: stage-1 translation at EL1 with the 64 KiB and 16 KiB granules.
 *
 * For each configuration the guest turns the MMU off, builds fresh tables in
 * a pool, programs TCR_EL1/TTBR0/TTBR1, turns the MMU on and prints what
 * loads, stores and AT S1E1R see (values, PAR_EL1, ESR_EL1/FAR_EL1 of the
 * data aborts). TTBR0 always maps the UART's and the RAM's level-2 blocks
 * (64 KiB: 512 MiB, 16 KiB: 32 MiB) as identity, plus a test region at
 * VA 4 GiB with level-3 pages:
 *   +0 RW -> buf      +1 RO (AP = 0b10) -> buf    +2 invalid
 *   +3 AF = 0 -> buf  +4 RW with descriptor bit 51 (DBM) set -> buf
 * (in granules). Configurations:
 *   64K, T0SZ 16 (levels 1-3) and TTBR1 64K T1SZ 36 (level 3 only);
 *   64K, T0SZ 22 (levels 2-3), a second 512 MiB alias of the RAM;
 *   16K, T0SZ 16 (levels 0-3) and TTBR1 16K T1SZ 25 (levels 1-3);
 *   16K, T0SZ 28 (levels 2-3);
 *   64K, IPS 32 bits: address size faults (page, table, TTBR1);
 *   TG0 = 0b11 and TG1 = 0b00 (reserved): QEMU uses 4 KiB (its smallest granule);
 *   T1SZ 40 and 12 (out of range): a level 0 Translation fault.
 * Translation faults at every level, permission, access flag; AT on 4 KiB
 * sub-pages of large pages; TLBI VAE1 on one 4 KiB sub-page of a 64 KiB
 * page drops the whole page (stale reads before it are not printed: a TLB
 * may or may not hold them). Avoided on purpose: level-1 blocks with 16K/64K
 * and level-0 blocks (Translation faults per the Arm ARM, but QEMU 7.2 walks
 * them as blocks: lpae_block_desc_valid() arrived in QEMU 8.2). */
#include "lib/rt.h"

#define RAM_START 0x40000000UL
#define RAM_END 0x48000000UL /* 128 MiB (guests.json) */
#define TEST_VA 0x100000000UL

/* Descriptor bits (Arm ARM D8.3, VMSAv8-64 descriptor formats). */
#define D_BLOCK 0x1UL
#define D_TABLE 0x3UL
#define D_PAGE 0x3UL
#define D_ATTR(i) ((u64)(i) << 2)
#define D_AP_RO (2UL << 6)
#define D_SH_INNER (3UL << 8)
#define D_AF (1UL << 10)
#define D_DBM (1UL << 51)
#define D_PXN (1UL << 53)
#define D_UXN (1UL << 54)
#define ATTR_DEVICE 0 /* MAIR attr0 = 0x00 Device-nGnRnE */
#define ATTR_NORMAL 1 /* MAIR attr1 = 0xff Normal write-back */
#define DEV (D_ATTR(ATTR_DEVICE) | D_AF | D_PXN | D_UXN)
#define MEM (D_ATTR(ATTR_NORMAL) | D_AF | D_SH_INNER)

/* TCR_EL1 (Arm ARM D23.2 TCR_EL1): T0SZ 5:0, IRGN0/ORGN0/SH0 13:8, TG0 15:14,
 * T1SZ 21:16, IRGN1/ORGN1/SH1 29:24, TG1 31:30, IPS 34:32. */
#define TG0_4K 0UL
#define TG0_64K 1UL
#define TG0_16K 2UL
#define TG1_16K 1UL
#define TG1_4K 2UL
#define TG1_64K 3UL
#define IPS_32 0UL
#define IPS_40 2UL
#define TCR_CACHE (1UL << 8 | 1UL << 10 | 3UL << 12 | 1UL << 24 | 1UL << 26 | 3UL << 28)

static u8 pool[0x180000] __attribute__((section(".noinit"), aligned(65536)));
static u8 buf[0x20000] __attribute__((aligned(65536)));
static u64 pool_next;

struct tt {
	int gs, stride, inputsize, start;
	u64 root;
};

static u64 alloc_table(int gs)
{
	u64 size = 1UL << gs;
	u64 t = (pool_next + size - 1) & ~(size - 1);
	pool_next = t + size;
	if (pool_next > (u64)pool + sizeof(pool)) {
		puts_("table pool exhausted\n");
		system_off();
	}
	for (u64 i = 0; i < size; i += 8)
		*(volatile u64 *)(t + i) = 0;
	return t;
}

static void tt_init(struct tt *t, int gs, int tsz)
{
	t->gs = gs;
	t->stride = gs - 3;
	t->inputsize = 64 - tsz;
	/* Arm ARM AArch64.S1StartLevel(): 4 - ceil((inputsize - gs) / stride). */
	t->start = 4 - (t->inputsize - gs + t->stride - 1) / t->stride;
	t->root = alloc_table(gs);
}

static u64 tt_index(const struct tt *t, u64 va, int level)
{
	int shift = t->gs + t->stride * (3 - level);
	int bits = level == t->start ? t->inputsize - shift : t->stride;
	return (va >> shift) & ((1UL << bits) - 1);
}

static volatile u64 *tt_slot(const struct tt *t, u64 va, int level)
{
	u64 table = t->root;
	for (int l = t->start; l < level; l++) {
		volatile u64 *d = (volatile u64 *)table + tt_index(t, va, l);
		if ((*d & 3) != 3)
			*d = alloc_table(t->gs) | D_TABLE;
		table = *d & 0xffffffffffffUL & ~((1UL << t->gs) - 1);
	}
	return (volatile u64 *)table + tt_index(t, va, level);
}

static void tt_map(const struct tt *t, u64 va, u64 pa, int level, u64 attrs)
{
	*tt_slot(t, va, level) = pa | attrs | (level == 3 ? D_PAGE : D_BLOCK);
}

/* UART and RAM as level-2 identity blocks, and the test region's pages. */
static void tt_base(const struct tt *t)
{
	u64 blk = 1UL << (t->gs + t->stride);
	tt_map(t, UART_BASE & ~(blk - 1), UART_BASE & ~(blk - 1), 2, DEV);
	for (u64 a = RAM_START; a < RAM_END; a += blk)
		tt_map(t, a, a, 2, MEM);
	u64 g = 1UL << t->gs;
	tt_map(t, TEST_VA, (u64)buf, 3, MEM);
	tt_map(t, TEST_VA + g, (u64)buf, 3, MEM | D_AP_RO);
	tt_map(t, TEST_VA + 3 * g, (u64)buf, 3, MEM & ~D_AF);
	tt_map(t, TEST_VA + 4 * g, (u64)buf, 3, MEM | D_DBM);
	*tt_slot(t, TEST_VA + 2 * g, 3) = 0;
}

static void mmu_off(void)
{
	write_sysreg(sctlr_el1, read_sysreg(sctlr_el1) & ~1UL);
	isb();
	pool_next = (u64)pool;
}

static void mmu_on(u64 tcr, u64 ttbr0, u64 ttbr1)
{
	write_sysreg(tcr_el1, tcr);
	write_sysreg(ttbr0_el1, ttbr0);
	write_sysreg(ttbr1_el1, ttbr1);
	dsb(ishst);
	__asm__ volatile("tlbi vmalle1" ::: "memory");
	dsb(ish);
	isb();
	u64 sctlr = read_sysreg(sctlr_el1);
	sctlr |= 1UL << 0 | 1UL << 2 | 1UL << 12; /* M, C, I */
	sctlr &= ~(1UL << 1 | 1UL << 19);       /* A, WXN */
	write_sysreg(sctlr_el1, sctlr);
	isb();
}

static volatile int expect_fault;

void exc_handler(struct exc_frame *f, u64 vector)
{
	u64 esr = read_sysreg(esr_el1), far = read_sysreg(far_el1);
	if (vector != 4 || !expect_fault || esr >> 26 != 0x25) {
		printf_("unexpected exception: vector %lu esr 0x%lx far 0x%lx elr 0x%lx\n", vector,
		        esr, far, f->elr);
		system_off();
	}
	printf_("fault esr 0x%lx (fsc 0x%lx%s) far 0x%lx\n", esr, esr & 0x3f,
	        esr & (1 << 6) ? ", write" : "", far);
	expect_fault = 0;
	f->elr += 4;
}

static void load(u64 va)
{
	u64 v;
	printf_("  load  0x%016lx: ", va);
	expect_fault = 1;
	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(va) : "memory");
	if (expect_fault) {
		expect_fault = 0;
		printf_("0x%lx\n", v);
	}
}

static void store(u64 va, u64 v)
{
	printf_("  store 0x%016lx: ", va);
	expect_fault = 1;
	__asm__ volatile("str %0, [%1]" : : "r"(v), "r"(va) : "memory");
	if (expect_fault) {
		expect_fault = 0;
		puts_("ok\n");
	}
}

static void at(u64 va)
{
	__asm__ volatile("at s1e1r, %0" : : "r"(va));
	isb();
	printf_("  at    0x%016lx: par 0x%lx\n", va, read_sysreg(par_el1));
}

/* The test region: each kind of page, faults at levels 3 (and above via `holes`). */
static void test_region(const struct tt *t)
{
	u64 g = 1UL << t->gs;
	*(volatile u64 *)buf = 0;
	store(TEST_VA + g - 8, 0x1111);
	load(TEST_VA + g - 8);
	store(TEST_VA + 0x10, 0x2222);
	load(TEST_VA + g + 0x10); /* RO alias of the same page */
	store(TEST_VA + g + 0x10, 1);
	load(TEST_VA + 2 * g + 0x18);
	load(TEST_VA + 3 * g + 0x20);
	load(TEST_VA + 4 * g + 0x10); /* bit 51 set: not an address bit */
	at(TEST_VA + 0x1234);
	at(TEST_VA + g - 0x1000 + 0x234);
	at(TEST_VA + g);
	at(TEST_VA + 2 * g);
}

/* TLBI VAE1 by one 4 KiB sub-page of a 64 KiB page invalidates all of it. */
static void tlbi_subpage(const struct tt *t)
{
	volatile u64 *pte = tt_slot(t, TEST_VA, 3);
	volatile u64 *b = (volatile u64 *)buf;
	b[0] = 0xa0;
	b[0xf000 / 8] = 0xaf;
	b[0x10000 / 8] = 0xb0;
	b[0x1f000 / 8] = 0xbf;
	puts_("tlbi vae1 on sub-page 3 of a 64 KiB page\n");
	load(TEST_VA);
	load(TEST_VA + 0xf000);
	*pte = ((u64)buf + 0x10000) | MEM | D_PAGE;
	dsb(ishst);
	__asm__ volatile("tlbi vae1, %0" : : "r"((TEST_VA + 0x3000) >> 12) : "memory");
	dsb(ish);
	isb();
	load(TEST_VA);
	load(TEST_VA + 0xf000);
	load(TEST_VA + 0x7000);
}

int main(const void *dtb)
{
	rt_init(dtb);
	write_sysreg(vbar_el1, exc_vectors);
	write_sysreg(mair_el1, 0xff00UL);
	isb();
	puts_("granule: start\n");
	u64 mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	printf_("ID_AA64MMFR0_EL1 TGran4 %lx TGran64 %lx TGran16 %lx\n", (mmfr0 >> 28) & 0xf,
	        (mmfr0 >> 24) & 0xf, (mmfr0 >> 20) & 0xf);
	struct tt t0, t1;

	puts_("64K T0SZ 16, TTBR1 64K T1SZ 36\n");
	mmu_off();
	tt_init(&t0, 16, 16);
	tt_init(&t1, 16, 36);
	tt_base(&t0);
	tt_map(&t1, 0xfffffffff0020000UL, (u64)buf, 3, MEM);
	mmu_on(16 | TG0_64K << 14 | 36UL << 16 | TG1_64K << 30 | IPS_40 << 32 | TCR_CACHE, t0.root,
	       t1.root);
	printf_("start levels %d and %d\n", t0.start, t1.start);
	test_region(&t0);
	load(TEST_VA + 0x20000000);  /* L2 entry 9: invalid */
	load(0x200000000000UL);      /* L1 entry 8: invalid */
	load(0x1000000000000UL);     /* bit 48: outside TTBR0 */
	load(0xfffffffff0020008UL);  /* TTBR1, 1 level */
	load(0xfffffffff0030000UL);  /* TTBR1, invalid L3 */
	load(0xffffffffe0000000UL);  /* below TTBR1's range */
	at(0xfffffffff0020abcUL);
	tlbi_subpage(&t0);

	puts_("64K T0SZ 22, 512 MiB alias\n");
	mmu_off();
	tt_init(&t0, 16, 22);
	tt_init(&t1, 16, 36);
	tt_base(&t0);
	tt_map(&t0, 0x200000000UL, RAM_START, 2, MEM);
	mmu_on(22 | TG0_64K << 14 | 36UL << 16 | TG1_64K << 30 | IPS_40 << 32 | TCR_CACHE, t0.root,
	       t1.root);
	printf_("start level %d\n", t0.start);
	test_region(&t0);
	*(volatile u64 *)(buf + 0x40) = 0x5a5a;
	load(0x200000000UL + ((u64)buf - RAM_START) + 0x40);
	at(0x200000000UL + 0x7654320UL);
	load(0x220000000UL);      /* L2 entry 17: invalid */
	load(0x40000000000UL);    /* bit 42: outside TTBR0 */

	puts_("16K T0SZ 16, TTBR1 16K T1SZ 25\n");
	mmu_off();
	tt_init(&t0, 14, 16);
	tt_init(&t1, 14, 25);
	tt_base(&t0);
	tt_map(&t1, 0xffffff8000004000UL, (u64)buf, 3, MEM);
	tt_map(&t1, 0xffffff8002000000UL, RAM_START, 2, MEM);
	mmu_on(16 | TG0_16K << 14 | 25UL << 16 | TG1_16K << 30 | IPS_40 << 32 | TCR_CACHE, t0.root,
	       t1.root);
	printf_("start levels %d and %d\n", t0.start, t1.start);
	test_region(&t0);
	load(TEST_VA + 0x2000000);       /* L2 entry +1: invalid */
	load(0x1000000000UL);            /* L1 entry 1: invalid */
	load(0x800000000000UL);          /* L0 entry 1: invalid */
	load(0xffffff8000004ff8UL);      /* TTBR1 page */
	load(0xffffff8000008000UL);      /* TTBR1 invalid L3 */
	load(0xffffff8004000000UL);      /* TTBR1 invalid L2 */
	load(0xffffff9000000000UL);      /* TTBR1 invalid L1 */
	at(0xffffff8002000000UL + 0x1234560UL);

	puts_("16K T0SZ 28\n");
	mmu_off();
	tt_init(&t0, 14, 28);
	tt_init(&t1, 14, 25);
	tt_base(&t0);
	mmu_on(28 | TG0_16K << 14 | 25UL << 16 | TG1_16K << 30 | IPS_40 << 32 | TCR_CACHE, t0.root,
	       t1.root);
	printf_("start level %d\n", t0.start);
	test_region(&t0);
	load(0x800000000UL);     /* bit 35: L2 entry 1024: invalid */
	load(0x1000000000UL);    /* bit 36: outside TTBR0 */

	puts_("64K IPS 32 bits: address size faults\n");
	mmu_off();
	tt_init(&t0, 16, 22);
	tt_init(&t1, 16, 36);
	tt_base(&t0);
	tt_map(&t0, TEST_VA + 0x50000, 0x100000000UL, 3, MEM);            /* page at 4 GiB */
	*tt_slot(&t0, 0x300000000UL, 2) = 0x100000000UL | D_TABLE;        /* table at 4 GiB */
	tt_map(&t1, 0xfffffffff0000000UL, (u64)buf, 3, MEM);
	mmu_on(22 | TG0_64K << 14 | 36UL << 16 | TG1_64K << 30 | IPS_32 << 32 | TCR_CACHE, t0.root,
	       t1.root | 0x100000000UL);                                  /* TTBR1 at 4 GiB */
	load(TEST_VA + 0x10);
	load(TEST_VA + 0x50000);
	load(0x300000000UL);
	load(0xfffffffff0000000UL);
	at(TEST_VA + 0x50000);

	puts_("TG0 = 0b11, TG1 = 0b00 (reserved)\n");
	mmu_off();
	tt_init(&t0, 12, 25);
	tt_init(&t1, 12, 25);
	tt_base(&t0);
	tt_map(&t1, 0xffffff8000005000UL, (u64)buf, 3, MEM);
	mmu_on(25 | 3UL << 14 | 25UL << 16 | 0UL << 30 | IPS_40 << 32 | TCR_CACHE, t0.root, t1.root);
	test_region(&t0);
	load(0xffffff8000005008UL);
	load(0xffffff8000006008UL);

	puts_("T1SZ out of range\n");
	mmu_off();
	tt_init(&t0, 16, 22);
	tt_init(&t1, 16, 39);
	tt_base(&t0);
	tt_map(&t1, 0xffffffffff800000UL, (u64)buf, 3, MEM);
	mmu_on(22 | TG0_64K << 14 | 39UL << 16 | TG1_64K << 30 | IPS_40 << 32 | TCR_CACHE, t0.root,
	       t1.root);
	at(0xffffffffff800000UL);
	write_sysreg(tcr_el1, 22 | TG0_64K << 14 | 40UL << 16 | TG1_64K << 30 | IPS_40 << 32 | TCR_CACHE);
	isb();
	__asm__ volatile("tlbi vmalle1" ::: "memory");
	dsb(ish);
	isb();
	at(0xffffffffff800000UL);
	write_sysreg(tcr_el1, 22 | TG0_64K << 14 | 12UL << 16 | TG1_64K << 30 | IPS_40 << 32 | TCR_CACHE);
	isb();
	__asm__ volatile("tlbi vmalle1" ::: "memory");
	dsb(ish);
	isb();
	at(0xfffffffffff80000UL);

	mmu_off();
	puts_("granule: done\n");
	return 0;
}
