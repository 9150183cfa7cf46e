/**
 * Direct-call throughput: `vm.cpu(0).hvc(PSCI.VERSION)` through the whole
 * model (trace on), target ≥ 10 million calls per second on one core.
 */
import { createVm, PSCI, SMCCC } from "../mod.ts";

const vm = createVm({ memoryMiB: 1 });
const cpu = vm.cpu(0);

Deno.bench("vm.cpu(0).hvc(PSCI.VERSION)", { group: "direct", baseline: true }, () => {
  cpu.hvc(PSCI.VERSION);
});

Deno.bench("vm.cpu(0).hvc(SMCCC.ARCH_FEATURES, WA1)", { group: "direct" }, () => {
  cpu.hvc(SMCCC.ARCH_FEATURES, SMCCC.ARCH_WORKAROUND_1);
});
