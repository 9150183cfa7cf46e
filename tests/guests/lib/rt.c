/* Tiny freestanding runtime for the test guests (see rt.h). */
#include "rt.h"

volatile u64 uart_base = UART_BASE;
enum conduit psci_conduit = CONDUIT_HVC;

/* PL011: wait while FR.TXFF (bit 5) is set, then write DR. */
void putch(char c)
{
	u64 b = uart_base;
	while (mmio_read32(b + 0x18) & (1u << 5))
		;
	mmio_write32(b, (u8)c);
}

void puts_(const char *s)
{
	while (*s)
		putch(*s++);
}

static void put_num(u64 v, unsigned base, int width, char pad, int neg)
{
	char buf[24];
	int n = 0;
	do {
		unsigned d = v % base;
		buf[n++] = d < 10 ? '0' + d : 'a' + d - 10;
		v /= base;
	} while (v);
	if (neg)
		buf[n++] = '-';
	while (n < width)
		buf[n++] = pad;
	while (n)
		putch(buf[--n]);
}

/* %[0][width][l]{x,d,u,s,c} and %%: a long argument needs the l. */
void vprintf_(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putch(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			lng = 1, fmt++;
		switch (*fmt) {
		case 'x':
			put_num(lng ? va_arg(ap, u64) : va_arg(ap, u32), 16, width, pad, 0);
			break;
		case 'u':
			put_num(lng ? va_arg(ap, u64) : va_arg(ap, u32), 10, width, pad, 0);
			break;
		case 'd': {
			s64 v = lng ? va_arg(ap, s64) : va_arg(ap, s32);
			put_num(v < 0 ? -(u64)v : (u64)v, 10, width, pad, v < 0);
			break;
		}
		case 's':
			puts_(va_arg(ap, const char *));
			break;
		case 'c':
			putch((char)va_arg(ap, int));
			break;
		case '%':
			putch('%');
			break;
		default:
			putch('?');
			break;
		}
	}
}

void printf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf_(fmt, ap);
	va_end(ap);
}

/* SMCCC 1.1+: x0..x3 results; x4..x17 are treated as clobbered all the same
 * (SMCCC 1.0 allowed it, and QEMU/KVM answers must not depend on it). */
#define SMCCC_ASM(insn)                                                                       \
	register u64 x0 __asm__("x0") = fid;                                                  \
	register u64 x1 __asm__("x1") = a1;                                                   \
	register u64 x2 __asm__("x2") = a2;                                                   \
	register u64 x3 __asm__("x3") = a3;                                                   \
	__asm__ volatile(insn " #0"                                                           \
	                 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)                             \
	                 :                                                                    \
	                 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",    \
	                   "x14", "x15", "x16", "x17", "memory");                             \
	return (struct smccc_res){ x0, x1, x2, x3 }

struct smccc_res smccc_hvc(u64 fid, u64 a1, u64 a2, u64 a3) { SMCCC_ASM("hvc"); }
struct smccc_res smccc_smc(u64 fid, u64 a1, u64 a2, u64 a3) { SMCCC_ASM("smc"); }

struct smccc_res smccc_call(u64 fid, u64 a1, u64 a2, u64 a3)
{
	return psci_conduit == CONDUIT_SMC ? smccc_smc(fid, a1, a2, a3)
	                                   : smccc_hvc(fid, a1, a2, a3);
}

void system_off(void)
{
	smccc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

void cpu_off(void)
{
	smccc_call(PSCI_CPU_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

u64 strlen_(const char *s)
{
	u64 n = 0;
	while (s[n])
		n++;
	return n;
}

void *memset(void *d, int c, unsigned long n)
{
	volatile u8 *p = d;
	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	volatile u8 *p = d;
	const u8 *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

/* ---- flattened device tree (devicetree spec v0.4, ch. 5) ---- */

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

u32 be32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }
u64 be64(const u8 *p) { return (u64)be32(p) << 32 | be32(p + 4); }

int fdt_valid(const void *blob)
{
	return blob && ((u64)blob & 3) == 0 && be32(blob) == FDT_MAGIC;
}

void fdt_walk(const void *blob, fdt_prop_fn fn, void *ctx)
{
	if (!fdt_valid(blob))
		return;
	const u8 *b = blob;
	const u8 *p = b + be32(b + 8);  /* off_dt_struct */
	const char *strs = (const char *)b + be32(b + 12); /* off_dt_strings */
	const char *names[16];
	int depth = -1;
	for (;;) {
		u32 tok = be32(p);
		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;
			if (++depth < 16)
				names[depth] = name;
			p += (strlen_(name) + 4) & ~3UL;
		} else if (tok == FDT_END_NODE) {
			depth--;
		} else if (tok == FDT_PROP) {
			u32 len = be32(p), nameoff = be32(p + 4);
			const u8 *val = p + 8;
			if (depth < 16)
				fn(ctx, depth, names, strs + nameoff, val, len);
			p = val + ((len + 3) & ~3UL);
		} else if (tok == FDT_NOP) {
			continue;
		} else {
			return; /* FDT_END or garbage */
		}
	}
}

/* Does node name `name` ("cpu@1") match path component comp[0..n) ("cpu" or "cpu@1")? */
static int name_match(const char *name, const char *comp, u64 n)
{
	u64 i = 0;
	for (; i < n; i++)
		if (name[i] != comp[i])
			return 0;
	return name[i] == 0 || name[i] == '@';
}

struct getprop_ctx {
	const char *path, *prop;
	const u8 *val;
	u32 len;
};

static void getprop_cb(void *vctx, int depth, const char *const *names, const char *prop,
                       const u8 *val, u32 len)
{
	struct getprop_ctx *c = vctx;
	if (c->val || !streq(prop, c->prop))
		return;
	const char *p = c->path;
	int d = 0;
	while (*p == '/')
		p++;
	while (*p) {
		const char *e = p;
		while (*e && *e != '/')
			e++;
		if (++d > depth || !name_match(names[d], p, e - p))
			return;
		p = e;
		while (*p == '/')
			p++;
	}
	if (d != depth)
		return;
	c->val = val;
	c->len = len;
}

const u8 *fdt_getprop(const void *blob, const char *path, const char *prop, u32 *len)
{
	struct getprop_ctx c = { path, prop, 0, 0 };
	fdt_walk(blob, getprop_cb, &c);
	if (len)
		*len = c.len;
	return c.val;
}

const char *rt_init(const void *dtb)
{
	u32 len;
	const char *m = (const char *)fdt_getprop(dtb, "/psci", "method", &len);
	if (m && streq(m, "smc")) {
		psci_conduit = CONDUIT_SMC;
		return m;
	}
	if (m && streq(m, "hvc")) {
		psci_conduit = CONDUIT_HVC;
		return m;
	}
	psci_conduit = current_el() == 2 ? CONDUIT_SMC : CONDUIT_HVC;
	return "(none)";
}

u64 bootarg_u64(const void *dtb, const char *key, u64 def)
{
	u32 len;
	const char *s = (const char *)fdt_getprop(dtb, "/chosen", "bootargs", &len);
	if (!s)
		return def;
	u64 kl = strlen_(key);
	while (*s) {
		while (*s == ' ')
			s++;
		u64 i = 0;
		while (i < kl && s[i] == key[i])
			i++;
		if (i == kl && s[i] == '=') {
			s += kl + 1;
			u64 v = 0, base = 10;
			if (s[0] == '0' && s[1] == 'x')
				base = 16, s += 2;
			for (;; s++) {
				unsigned d;
				if (*s >= '0' && *s <= '9')
					d = *s - '0';
				else if (base == 16 && *s >= 'a' && *s <= 'f')
					d = *s - 'a' + 10;
				else
					break;
				v = v * base + d;
			}
			return v;
		}
		while (*s && *s != ' ')
			s++;
	}
	return def;
}

/* Defaults for guests that start no secondaries / install no handler. */
__attribute__((weak)) void secondary_main(u64 index) { (void)index; }

__attribute__((weak)) void exc_handler(struct exc_frame *f, u64 vector)
{
	printf_("unexpected exception: vector %lu esr 0x%lx elr 0x%lx\n", vector,
	        read_sysreg(esr_el1), f->elr);
	system_off();
}
