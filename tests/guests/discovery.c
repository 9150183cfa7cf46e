/* discovery: what the firmware/hypervisor answers on the PSCI conduit.
 *
 * The conduit follows the DTB's /psci "method" (x0 at entry): "hvc" when QEMU
 * boots the image at EL1 (-M virt; hvsh hyp: "firmware" or "kvm"), "smc" when
 * it boots at EL2 (virtualization=on; hvsh hyp: "none"). One binary, run both
 * ways (manifest entries discovery and discovery_el2).
 *
 * Every call passes x1..x3 = 0 unless it takes arguments, and prints x0 as a
 * full 64-bit value (a 32-bit call's NOT_SUPPORTED shows as QEMU/KVM leave
 * it in the X register). CALL_UID prints x0..x3: QEMU writes only x0, KVM
 * writes all four. */
#include "lib/rt.h"

static void call(const char *name, u64 fid, u64 a1)
{
	struct smccc_res r = smccc_call(fid, a1, 0, 0);
	printf_("%s(0x%lx) = 0x%lx\n", name, a1, r.a0);
}

static const struct {
	const char *name;
	u32 fid;
} psci_fns[] = {
	{ "PSCI_VERSION", 0x84000000 },        { "CPU_SUSPEND", 0x84000001 },
	{ "CPU_SUSPEND64", 0xc4000001 },       { "CPU_OFF", 0x84000002 },
	{ "CPU_ON", 0x84000003 },              { "CPU_ON64", 0xc4000003 },
	{ "AFFINITY_INFO", 0x84000004 },       { "AFFINITY_INFO64", 0xc4000004 },
	{ "MIGRATE", 0x84000005 },             { "MIGRATE64", 0xc4000005 },
	{ "MIGRATE_INFO_TYPE", 0x84000006 },   { "MIGRATE_INFO_UP_CPU", 0x84000007 },
	{ "MIGRATE_INFO_UP_CPU64", 0xc4000007 }, { "SYSTEM_OFF", 0x84000008 },
	{ "SYSTEM_RESET", 0x84000009 },        { "PSCI_FEATURES", 0x8400000a },
	{ "CPU_FREEZE", 0x8400000b },          { "CPU_DEFAULT_SUSPEND", 0x8400000c },
	{ "CPU_DEFAULT_SUSPEND64", 0xc400000c }, { "NODE_HW_STATE", 0x8400000d },
	{ "NODE_HW_STATE64", 0xc400000d },     { "SYSTEM_SUSPEND", 0x8400000e },
	{ "SYSTEM_SUSPEND64", 0xc400000e },    { "PSCI_SET_SUSPEND_MODE", 0x8400000f },
	{ "PSCI_STAT_RESIDENCY", 0x84000010 }, { "PSCI_STAT_RESIDENCY64", 0xc4000010 },
	{ "PSCI_STAT_COUNT", 0x84000011 },     { "PSCI_STAT_COUNT64", 0xc4000011 },
	{ "SYSTEM_RESET2", 0x84000012 },       { "SYSTEM_RESET2_64", 0xc4000012 },
	{ "MEM_PROTECT", 0x84000013 },         { "MEM_PROTECT_CHECK_RANGE", 0x84000014 },
	{ "MEM_PROTECT_CHECK_RANGE64", 0xc4000014 }, { "SYSTEM_OFF2", 0x84000015 },
	{ "SYSTEM_OFF2_64", 0xc4000015 },      { "SMCCC_VERSION", 0x80000000 },
	{ "SMCCC_ARCH_FEATURES", 0x80000001 }, { "unallocated", 0x84000016 },
};

int main(const void *dtb)
{
	const char *method = rt_init(dtb);
	printf_("discovery: EL%u, dtb %s, psci method %s, conduit %s\n", current_el(),
	        fdt_valid(dtb) ? "valid" : "missing", method,
	        psci_conduit == CONDUIT_SMC ? "smc" : "hvc");

	call("SMCCC_VERSION", 0x80000000, 0);
	call("SMCCC_ARCH_FEATURES", 0x80000001, 0x80000000);      /* SMCCC_VERSION */
	call("SMCCC_ARCH_FEATURES", 0x80000001, 0x80008000);      /* ARCH_WORKAROUND_1 */
	call("SMCCC_ARCH_FEATURES", 0x80000001, 0x80007fff);      /* ARCH_WORKAROUND_2 */
	call("SMCCC_ARCH_FEATURES", 0x80000001, 0x80003fff);      /* ARCH_WORKAROUND_3 */
	call("SMCCC_ARCH_FEATURES", 0x80000001, 0x80000002);      /* ARCH_SOC_ID */
	call("SMCCC_ARCH_SOC_ID", 0x80000002, 0);

	call("PSCI_VERSION", PSCI_VERSION, 0);
	for (unsigned i = 0; i < sizeof(psci_fns) / sizeof(psci_fns[0]); i++) {
		struct smccc_res r = smccc_call(PSCI_FEATURES, psci_fns[i].fid, 0, 0);
		printf_("PSCI_FEATURES(%s 0x%x) = 0x%lx\n", psci_fns[i].name, psci_fns[i].fid, r.a0);
	}
	call("MIGRATE_INFO_TYPE", PSCI_MIGRATE_INFO_TYPE, 0);

	call("TRNG_VERSION", 0x84000050, 0);
	call("TRNG_FEATURES", 0x84000051, 0xc4000053);            /* TRNG_RND64 */
	call("PV_TIME_FEATURES", 0xc5000020, 0xc5000020);
	call("KVM_FEATURES", 0x86000000, 0);
	struct smccc_res u = smccc_call(0x8600ff01, 0, 0, 0);     /* vendor hyp CALL_UID */
	printf_("VENDOR_HYP_CALL_UID = 0x%lx 0x%lx 0x%lx 0x%lx\n", u.a0, u.a1, u.a2, u.a3);
	call("unallocated fast call 0xc3000000", 0xc3000000, 0);
	call("unallocated yielding call 0x04000000", 0x04000000, 0);

	puts_("discovery: done\n");
	return 0;
}
