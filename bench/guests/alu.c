/* alu: the exec-strategies.md §1 kernel as a bootable guest.
 * bootargs "n=<iterations>" (default 10,000,000; QEMU -append, hvsh boot --append).
 * Prints "alu: n=<n> x3=<hex> x9=<hex>" and powers off. */
#include "lib/rt.h"

u64 alu_loop(u64 n, u64 *buf, u64 *out);

static u64 buf[512] __attribute__((aligned(4096)));

int main(const void *dtb)
{
	rt_init(dtb);
	u64 n = bootarg_u64(dtb, "n", 10000000);
	u64 out[2] = { 0, 0 };
	if (n)
		alu_loop(n, buf, out);
	printf_("alu: n=%lu x3=%016lx x9=%016lx\n", n, out[0], out[1]);
	return 0;
}
