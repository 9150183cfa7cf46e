/**
 * The direct call of bench/hvc_bench.ts with the call trace off (its cost). A file of its
 * own: a second VM in the same isolate would share, and blur, the first one's JIT feedback.
 */
import { createVm, PSCI } from "../mod.ts";

const vm = createVm({ memoryMiB: 1 });
vm.trace.enabled = false;
const cpu = vm.cpu(0);

Deno.bench("vm.cpu(0).hvc(PSCI.VERSION), trace off", () => {
  cpu.hvc(PSCI.VERSION);
});
