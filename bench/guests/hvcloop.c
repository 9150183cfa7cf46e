/* hvcloop: PSCI_VERSION n times on the DTB's conduit (HVC at EL1 under QEMU
 * -M virt / hvsh hyp "firmware" or "kvm").
 * bootargs "n=<calls>" (default 1,000,000), "nohvc=1" runs the same loop with
 * a NOP instead of the HVC (the baseline: cost per call = (t - t_nohvc) / n).
 * Prints "hvcloop: n=<n> hvc=<1|0> x0=<first answer> sum=<sum of answers>". */
#include "lib/rt.h"

u64 hvc_loop(u64 n, u64 fid);
u64 nohvc_loop(u64 n, u64 fid);

int main(const void *dtb)
{
	rt_init(dtb);
	u64 n = bootarg_u64(dtb, "n", 1000000);
	int nohvc = bootarg_u64(dtb, "nohvc", 0) != 0;
	u64 first = smccc_call(PSCI_VERSION, 0, 0, 0).a0;
	u64 sum = 0;
	if (n)
		sum = nohvc ? nohvc_loop(n, first) : hvc_loop(n, PSCI_VERSION);
	printf_("hvcloop: n=%lu hvc=%u x0=0x%lx sum=0x%lx\n", n, !nohvc, first, sum);
	return 0;
}
