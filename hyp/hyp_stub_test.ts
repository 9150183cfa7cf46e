import { assertEquals } from "@std/assert";
import { harness, neg } from "./_test_util.ts";
import {
  HCR_HOST_VHE_FLAGS,
  HYP_STUB,
  HYP_STUB_VECTORS,
  KVM_NVHE_VECTORS,
  Outcome,
} from "./mod.ts";
import { INIT_SCTLR_EL1_MMU_OFF } from "./hyp_stub.ts";

function stubVm(
  opts: { vhe?: boolean; hvhe?: boolean; kernel?: string; mode?: "hyp-stub" | "kvm-nvhe" } = {},
) {
  const h = harness({
    hyp: opts.mode ?? "hyp-stub",
    vhe: opts.vhe,
    hvhe: opts.hvhe,
    kernel: opts.kernel,
  });
  h.cpus[0].setSysreg("VBAR_EL2", opts.mode === "kvm-nvhe" ? KVM_NVHE_VECTORS : HYP_STUB_VECTORS);
  return h;
}

Deno.test("HVC_SET_VECTORS installs the guest's EL2 vectors; later HVCs trap to them (seed 000)", () => {
  const h = stubVm();
  assertEquals(h.kvm.stub.handler(h.kvm.vcpu(0)), "hyp-stub");
  h.cpus[0].pc = 0x4008_0000n;
  assertEquals(h.hvc(0, HYP_STUB.SET_VECTORS, 0x4010_07ffn), Outcome.CONTINUE);
  assertEquals(h.cpus[0].x(0), 0n);
  assertEquals(h.cpus[0].sysreg("VBAR_EL2"), 0x4010_0000n, "VBAR_EL2[10:0] are RES0");
  assertEquals(h.cpus[0].events, ["exc:5a000000", "eret"]);
  assertEquals([h.cpus[0].el(), h.cpus[0].pc], [1, 0x4008_0004n], "back at EL1 after the HVC");
  assertEquals(h.kvm.stub.handler(h.kvm.vcpu(0)), "guest");
  assertEquals(h.hvc(0, 0x8400_0000), Outcome.TRAP);
});

Deno.test("HVC_RESET_VECTORS is a no-op for the stub; unknown x0 gives HVC_STUB_ERR", () => {
  const h = stubVm();
  h.hvc(0, HYP_STUB.RESET_VECTORS);
  assertEquals(h.cpus[0].x(0), 0n);
  for (const x0 of [5, 0x8400_0000, 0x1_0000_0000n]) {
    h.hvc(0, x0);
    assertEquals(h.cpus[0].x(0), BigInt(HYP_STUB.ERR), String(x0));
  }
  h.hvc(0, HYP_STUB.GET_ICH_VTR_EL2);
  assertEquals(h.cpus[0].x(0), BigInt(HYP_STUB.ERR), "only the newest kernels have it");
  const next = stubVm({ kernel: "next" });
  next.cpus[0].setSysreg("ICH_VTR_EL2", 0x9000_0003n);
  next.hvc(0, HYP_STUB.GET_ICH_VTR_EL2);
  assertEquals([next.cpus[0].x(0), next.cpus[0].x(1)], [0n, 0x9000_0003n]);
});

Deno.test("HVC_SOFT_RESTART branches at EL2 with x0 = x2, x1 = x3, x2 = x4, x4 = address (hyp-stub.S)", () => {
  const h = stubVm();
  h.hvc(0, HYP_STUB.SOFT_RESTART, 0x4100_0000, 0x22, 0x33, 0x44);
  const c = h.cpus[0];
  assertEquals([c.el(), c.pc], [2, 0x4100_0000n]);
  assertEquals([0, 1, 2, 3, 4].map((n) => c.x(n)), [0x22n, 0x33n, 0x44n, 0x33n, 0x4100_0000n]);
  assertEquals(c.events, ["exc:5a000000"], "no return");
});

Deno.test("HVC_FINALISE_EL2 switches to VHE at EL2 and transfers EL1 state (hyp-stub.S __finalise_el2)", () => {
  const h = stubVm();
  const c = h.cpus[0];
  c.pc = 0x4008_1000n;
  for (
    const [n, v] of [
      ["SCTLR_EL1", 0x3000_1005n],
      ["TTBR0_EL1", 0x4020_0000n],
      ["TTBR1_EL1", 0x4030_0000n],
      ["TCR_EL1", 0x19n],
      ["MAIR_EL1", 0xffn],
      ["VBAR_EL1", 0x4009_0000n],
      ["TPIDR_EL1", 0x77n],
      ["SP_EL1", 0x4040_0000n],
      ["CPACR_EL1", 3n << 20n],
      ["MDCR_EL2", 0x3003_000n],
    ] as const
  ) {
    c.setSysreg(n, v);
  }
  h.hvc(0, HYP_STUB.FINALISE_EL2);
  assertEquals(c.x(0), 0n);
  assertEquals([c.el(), c.pc], [2, 0x4008_1004n], "the kernel continues at EL2");
  assertEquals(c.sysreg("HCR_EL2"), HCR_HOST_VHE_FLAGS);
  assertEquals(c.sysreg("SCTLR_EL2"), 0x3000_1005n);
  assertEquals(c.sysreg("SCTLR_EL1"), INIT_SCTLR_EL1_MMU_OFF);
  assertEquals([
    c.sysreg("TTBR0_EL2"),
    c.sysreg("TTBR1_EL2"),
    c.sysreg("TCR_EL2"),
    c.sysreg("MAIR_EL2"),
  ], [0x4020_0000n, 0x4030_0000n, 0x19n, 0xffn]);
  assertEquals([
    c.sysreg("VBAR_EL2"),
    c.sysreg("TPIDR_EL2"),
    c.sysreg("SP_EL2"),
    c.sysreg("CPTR_EL2"),
  ], [0x4009_0000n, 0x77n, 0x4040_0000n, 3n << 20n]);
  assertEquals(c.sysreg("MDCR_EL2"), 0n, "E2PB/E2TB cleared");
});

Deno.test("HVC_FINALISE_EL2 refuses with the EL2 MMU on, without VHE, or with hVHE requested", () => {
  const cases = [stubVm({ vhe: false }), stubVm({ hvhe: true }), stubVm()];
  cases[2].cpus[0].setSysreg("SCTLR_EL2", 1n);
  for (const h of cases) {
    h.hvc(0, HYP_STUB.FINALISE_EL2);
    assertEquals([h.cpus[0].x(0), BigInt(h.cpus[0].el())], [BigInt(HYP_STUB.ERR), 1n]);
  }
});

Deno.test("KVM nVHE stub: SOFT_RESTART and RESET_VECTORS tear KVM down; other stub calls fail (host.S)", () => {
  const h = stubVm({ mode: "kvm-nvhe" });
  const c = h.cpus[0];
  assertEquals(h.kvm.stub.handler(h.kvm.vcpu(0)), "kvm-nvhe");
  for (const x0 of [HYP_STUB.SET_VECTORS, HYP_STUB.FINALISE_EL2]) {
    h.hvc(0, x0, 0x4010_0000);
    assertEquals(c.x(0), BigInt(HYP_STUB.ERR));
  }
  h.hvc(0, 0xc600_0000); // a host hypercall: not modelled
  assertEquals(c.x(0), neg(-1));
  h.hvc(0, HYP_STUB.RESET_VECTORS);
  assertEquals([c.x(0), c.sysreg("VBAR_EL2"), c.sysreg("SCTLR_EL2") & 1n], [
    0n,
    HYP_STUB_VECTORS,
    0n,
  ]);
  assertEquals(h.kvm.stub.handler(h.kvm.vcpu(0)), "hyp-stub");
  const g = stubVm({ mode: "kvm-nvhe" });
  g.hvc(0, HYP_STUB.SOFT_RESTART, 0x4100_0000, 0x22, 0x33, 0x44);
  const d = g.cpus[0];
  assertEquals([d.el(), d.pc], [2, 0x4100_0000n]);
  assertEquals(
    [0, 1, 2, 4, 5].map((n) => d.x(n)),
    [0x22n, 0x33n, 0x44n, 0x44n, HYP_STUB_VECTORS],
    "KVM's shuffle keeps x4; x5 clobbered",
  );
  assertEquals(d.sysreg("SPSR_EL2"), 0x3c9n);
});
