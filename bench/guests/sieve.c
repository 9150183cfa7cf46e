/* sieve: sieve of Eratosthenes over a byte array, compiled -O2.
 * bootargs "n=<limit>" (default 10,000,000, at most 16 MiB) and "rounds=<r>"
 * (default 1; each round re-sieves from scratch). Prints
 * "sieve: n=<n> rounds=<r> primes=<count below n> sum=<sum of those primes mod 2^64>". */
#include "lib/rt.h"

#define MAX_N (16UL << 20)
static u8 composite[MAX_N] __attribute__((section(".noinit")));

static u64 sieve(u64 n, u64 *sum)
{
	for (u64 i = 0; i < n; i++)
		composite[i] = 0;
	u64 count = 0, s = 0;
	for (u64 i = 2; i < n; i++) {
		if (composite[i])
			continue;
		count++;
		s += i;
		for (u64 j = i * i; j < n; j += i)
			composite[j] = 1;
	}
	*sum = s;
	return count;
}

int main(const void *dtb)
{
	rt_init(dtb);
	u64 n = bootarg_u64(dtb, "n", 10000000);
	u64 rounds = bootarg_u64(dtb, "rounds", 1);
	if (n > MAX_N)
		n = MAX_N;
	u64 count = 0, sum = 0;
	for (u64 r = 0; r < rounds; r++)
		count = sieve(n, &sum);
	printf_("sieve: n=%lu rounds=%lu primes=%lu sum=%lu\n", n, rounds, count, sum);
	return 0;
}
