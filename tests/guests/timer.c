/* timer: generic timer interrupts through the GICv3 at EL1.
 *
 * GICv3 init as Linux's irq-gic-v3.c does it for one CPU: GICD_CTLR (ARE,
 * EnableGrp1), redistributor wake-up (GICR_WAKER.ProcessorSleep = 0, wait
 * for ChildrenAsleep = 0), PPIs 27 and 30 in Group 1, enabled, priority
 * 0xa0; ICC_SRE_EL1.SRE, ICC_PMR_EL1 = 0xff, ICC_BPR1_EL1 = 0,
 * ICC_IGRPEN1_EL1 = 1. Then the virtual timer (CNTV, INTID 27) is programmed
 * with CNTV_TVAL_EL0 = CNTFRQ/1000 five times, the CPU WFIs with IRQs
 * masked and unmasks them to take the interrupt, and each interrupt is acknowledged (ICC_IAR1_EL1), counted and
 * ended (ICC_EOIR1_EL1). CNTVCT_EL0 read in each handler must increase by at
 * least the programmed interval. One interrupt of the EL1 physical timer
 * (CNTP, INTID 30) follows. Only INTIDs, counts and yes/no comparisons are
 * printed: no times. */
#include "lib/rt.h"

#define GICD 0x08000000UL
#define GICR 0x080a0000UL /* redistributor of CPU 0 (RD_base) */
#define GICR_SGI (GICR + 0x10000UL)
#define GICD_CTLR 0x0
#define GICD_TYPER 0x4
#define GICR_WAKER 0x14
#define GICR_IGROUPR0 0x80
#define GICR_ISENABLER0 0x100
#define GICR_ICENABLER0 0x180
#define GICR_IPRIORITYR 0x400

#define ICC_SRE_EL1 S3_0_C12_C12_5
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_BPR1_EL1 S3_0_C12_C12_3
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_EOIR1_EL1 S3_0_C12_C12_1
#define ICC_CTLR_EL1 S3_0_C12_C12_4

#define VTIMER_INTID 27
#define PTIMER_INTID 30
#define TICKS 5

static volatile u32 vticks, pticks, spurious, other;
static volatile u64 stamp[TICKS + 1];
static u64 interval;

void exc_handler(struct exc_frame *f, u64 vector)
{
	if (vector != 5) { /* current EL with SP_ELx, IRQ */
		printf_("unexpected exception: vector %lu esr 0x%lx elr 0x%lx\n", vector,
		        read_sysreg(esr_el1), f->elr);
		system_off();
	}
	u64 iar = read_sysreg(ICC_IAR1_EL1);
	u32 intid = iar & 0xffffff;
	if (intid == VTIMER_INTID) {
		stamp[++vticks] = read_sysreg(cntvct_el0);
		if (vticks < TICKS)
			write_sysreg(cntv_tval_el0, interval);
		else
			write_sysreg(cntv_ctl_el0, 2); /* ENABLE = 0, IMASK = 1 */
	} else if (intid == PTIMER_INTID) {
		pticks++;
		write_sysreg(cntp_ctl_el0, 0);
	} else if (intid >= 1020 && intid <= 1023) {
		spurious++;
		return;
	} else {
		other++;
	}
	isb();
	write_sysreg(ICC_EOIR1_EL1, iar);
	isb();
}

/* WFI with IRQs masked (PSTATE.I = 1 still wakes the CPU on a pending
 * interrupt), then unmask to take it: no lost wake-up between the caller's
 * check and the WFI, as Linux's idle loop does it. */
static void wait_for_irq(void)
{
	__asm__ volatile("wfi\n"
	                 "msr daifclr, #2\n"
	                 "isb\n"
	                 "msr daifset, #2"
	                 ::: "memory");
}

int main(const void *dtb)
{
	rt_init(dtb);
	write_sysreg(vbar_el1, exc_vectors);
	isb();
	puts_("timer: start\n");
	printf_("cntfrq_el0 = %lu\n", read_sysreg(cntfrq_el0));

	/* Distributor: affinity routing, Group 1 enabled (one security state: DS = 1). */
	mmio_write32(GICD + GICD_CTLR, (1u << 4) | (1u << 1));
	while (mmio_read32(GICD + GICD_CTLR) & (1u << 31)) /* RWP */
		;
	printf_("gicd_ctlr = 0x%x\n", mmio_read32(GICD + GICD_CTLR));

	/* Redistributor wake-up. */
	mmio_write32(GICR + GICR_WAKER, mmio_read32(GICR + GICR_WAKER) & ~(1u << 1));
	while (mmio_read32(GICR + GICR_WAKER) & (1u << 2))
		;
	printf_("gicr_waker = 0x%x\n", mmio_read32(GICR + GICR_WAKER));

	u32 ppis = (1u << VTIMER_INTID) | (1u << PTIMER_INTID);
	mmio_write32(GICR_SGI + GICR_IGROUPR0, mmio_read32(GICR_SGI + GICR_IGROUPR0) | ppis);
	*(volatile u8 *)(GICR_SGI + GICR_IPRIORITYR + VTIMER_INTID) = 0xa0;
	*(volatile u8 *)(GICR_SGI + GICR_IPRIORITYR + PTIMER_INTID) = 0xa0;
	mmio_write32(GICR_SGI + GICR_ISENABLER0, ppis);
	printf_("gicr_isenabler0 = 0x%x, gicr_igroupr0 = 0x%x\n",
	        mmio_read32(GICR_SGI + GICR_ISENABLER0), mmio_read32(GICR_SGI + GICR_IGROUPR0));

	/* CPU interface. */
	write_sysreg(ICC_SRE_EL1, read_sysreg(ICC_SRE_EL1) | 1);
	isb();
	write_sysreg(ICC_PMR_EL1, 0xff);
	write_sysreg(ICC_BPR1_EL1, 0);
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
	printf_("icc_sre_el1 = 0x%lx, icc_pmr_el1 = 0x%lx, icc_igrpen1_el1 = 0x%lx\n",
	        read_sysreg(ICC_SRE_EL1), read_sysreg(ICC_PMR_EL1), read_sysreg(ICC_IGRPEN1_EL1));

	/* Virtual timer: 5 interrupts, 1 ms apart. */
	interval = read_sysreg(cntfrq_el0) / 1000;
	stamp[0] = read_sysreg(cntvct_el0);
	write_sysreg(cntv_tval_el0, interval);
	write_sysreg(cntv_ctl_el0, 1); /* ENABLE, IMASK = 0 */
	isb();
	u32 seen = 0;
	while (vticks < TICKS) {
		wait_for_irq();
		while (seen < vticks)
			printf_("tick %u\n", ++seen);
	}
	/* ISTATUS (bit 2) is UNKNOWN while ENABLE = 0: print ENABLE and IMASK only. */
	printf_("cntv_ctl_el0 after the last tick = 0x%lx\n", read_sysreg(cntv_ctl_el0) & 3);

	int mono = 1, spaced = 1;
	for (int i = 1; i <= TICKS; i++) {
		if (stamp[i] <= stamp[i - 1])
			mono = 0;
		if (stamp[i] - stamp[i - 1] < interval)
			spaced = 0;
	}
	printf_("cntvct_el0 advanced monotonically: %s\n", mono ? "yes" : "no");
	printf_("every interval >= %lu ticks: %s\n", interval, spaced ? "yes" : "no");

	/* EL1 physical timer: one interrupt. */
	write_sysreg(cntp_tval_el0, interval);
	write_sysreg(cntp_ctl_el0, 1);
	isb();
	while (!pticks)
		wait_for_irq();
	printf_("physical timer interrupts: %u\n", pticks);
	printf_("spurious: %u, other: %u\n", spurious, other);
	puts_("timer: done\n");
	return 0;
}
