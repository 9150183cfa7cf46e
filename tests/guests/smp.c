/* smp: PSCI CPU_ON / CPU_OFF / AFFINITY_INFO with exclusives and a spinlock.
 *
 * CPU 0 reads the CPUs from the DTB (/cpus/cpu@N "reg", the MPIDR affinity
 * the PSCI calls take) and starts every other one with CPU_ON64 at
 * secondary_entry (context_id = its index). Each CPU, CPU 0 included, adds 1
 * to a shared counter 1000 times with LDAXR/STLXR while the others do the
 * same. The secondaries then print their MPIDR_EL1 one at a time, in index
 * order (a turn number under a spinlock), and call CPU_OFF; CPU 0 waits
 * for each with AFFINITY_INFO64 until OFF and prints the total.
 *
 * Only race-free calls are made: one CPU_ON per CPU from CPU 0, CPU_ON on
 * CPU 0 itself (ALREADY_ON), an MPIDR that does not exist (INVALID_PARAMS).
 * A second CPU_ON of a CPU that may be turning on or off is not issued: its
 * answer depends on timing (and QEMU TCG can answer SUCCESS twice, see
 * guests.json notes). AFFINITY_INFO is only printed once it reads OFF. */
#include "lib/rt.h"

#define MAX_CPUS 8
#define ADDS 1000

static u64 mpidr_of[MAX_CPUS];
static u32 ncpus;
static volatile u64 counter;
static volatile u32 lock;
static volatile u32 turn;   /* index of the secondary allowed to print */
static volatile u32 go;     /* set once CPU 0 has printed the CPU_ON results */

struct cpus_ctx {
	u32 addr_cells;
};

static void cpus_cb(void *vctx, int depth, const char *const *names, const char *prop,
                    const u8 *val, u32 len)
{
	struct cpus_ctx *c = vctx;
	if (depth == 1 && streq(names[1], "cpus") && streq(prop, "#address-cells"))
		c->addr_cells = be32(val);
	if (depth == 2 && streq(names[1], "cpus") && names[2][0] == 'c' && names[2][1] == 'p' &&
	    names[2][2] == 'u' && names[2][3] == '@' && streq(prop, "reg") && ncpus < MAX_CPUS)
		mpidr_of[ncpus++] = c->addr_cells == 2 && len >= 8 ? be64(val) : be32(val);
}

static void add_many(void)
{
	for (int i = 0; i < ADDS; i++)
		atomic_add_return(&counter, 1);
}

void secondary_main(u64 index)
{
	add_many();
	while (!go)
		;
	for (;;) {
		spin_lock(&lock);
		if (turn == index)
			break;
		spin_unlock(&lock);
	}
	printf_("cpu %lu: mpidr_el1 0x%lx, EL%u\n", index, read_sysreg(mpidr_el1), current_el());
	turn = turn + 1;
	spin_unlock(&lock);
	/* returning from secondary_main calls PSCI CPU_OFF (crt0.S) */
}

int main(const void *dtb)
{
	rt_init(dtb);
	struct cpus_ctx c = { 1 };
	fdt_walk(dtb, cpus_cb, &c);
	printf_("smp: %u cpus in the DTB, cpu 0 mpidr_el1 0x%lx\n", ncpus, read_sysreg(mpidr_el1));

	s64 ret[MAX_CPUS];
	for (u32 i = 1; i < ncpus; i++)
		ret[i] = smccc_call(PSCI_CPU_ON64, mpidr_of[i], (u64)secondary_entry, i).a0;
	add_many();
	s64 self = smccc_call(PSCI_CPU_ON64, mpidr_of[0], (u64)secondary_entry, 0).a0;
	s64 bad = smccc_call(PSCI_CPU_ON64, 0xff, (u64)secondary_entry, 0).a0;

	for (u32 i = 1; i < ncpus; i++)
		printf_("CPU_ON64(0x%lx) = %ld\n", mpidr_of[i], ret[i]);
	printf_("CPU_ON64(0x%lx) (cpu 0 itself) = %ld\n", mpidr_of[0], self);
	printf_("CPU_ON64(0xff) (no such cpu) = %ld\n", bad);
	spin_lock(&lock);
	turn = 1;
	go = 1;
	spin_unlock(&lock);

	while (turn != ncpus)
		;
	for (u32 i = 1; i < ncpus; i++) {
		s64 st;
		do
			st = smccc_call(PSCI_AFFINITY_INFO64, mpidr_of[i], 0, 0).a0;
		while (st != 1);
		printf_("AFFINITY_INFO64(0x%lx) = %ld (OFF)\n", mpidr_of[i], st);
	}
	printf_("AFFINITY_INFO64(0x%lx) (cpu 0) = %ld\n", mpidr_of[0],
	        (s64)smccc_call(PSCI_AFFINITY_INFO64, mpidr_of[0], 0, 0).a0);
	printf_("counter = %lu (expected %lu)\n", counter, (u64)ncpus * ADDS);
	puts_("smp: done\n");
	return 0;
}
