import { assertEquals } from "@std/assert";
import { R, ROUTES } from "./trace.ts";
import { harness } from "./_test_util.ts";
import { PSCI, TRNG } from "./consts.ts";

Deno.test("R numbers every route by its index in ROUTES", () => {
  assertEquals(ROUTES.map((r) => R[r]), ROUTES.map((_, i) => i));
});

Deno.test("a PSCI_VERSION answered on the fast path is traced as the dispatcher traces it", () => {
  const fast = harness();
  // A filter range (any, here TRNG's) sends every call through kvm_smccc_call_handler.
  const slow = harness();
  slow.kvm.filter.set({ base: TRNG.VERSION, nr: 1, action: "deny" });
  const entries = [fast, slow].map((h) => {
    h.hvc(0, PSCI.VERSION, 0x1234_5678_9abc_def0n, -1n, 7);
    assertEquals(h.ret(0), [0x10003n, 0n, 0n, 0n]);
    const { seq: _seq, timeNs: _t, ...e } = h.kvm.trace.last(1)[0];
    return e;
  });
  assertEquals(entries[0], entries[1]);
  assertEquals(entries[0], {
    cpu: 0,
    conduit: "hvc",
    imm: 0,
    el: 1,
    fid: PSCI.VERSION,
    name: "PSCI_VERSION",
    args: [0x1234_5678_9abc_def0n, 0xffff_ffff_ffff_ffffn, 7n],
    result: [0x10003n, 0n, 0n, 0n],
    route: "service",
    service: "psci",
    outcome: "continue",
  });
});
