import { assertEquals, assertThrows } from "@std/assert";
import { harness, NEG1 } from "./_test_util.ts";
import { Outcome, PSCI, SMCCC, TRNG } from "./mod.ts";
import { KvmError } from "./errors.ts";
import type { SmcccFilterSpec } from "./filter.ts";

const errno = (f: () => unknown) => assertThrows(f, KvmError).errno;

Deno.test("setSmcccFilter() UAPI constraints, as smccc_filter.c checks them (selftests B.3)", () => {
  const rows: [string, SmcccFilterSpec[], string[]][] = [
    ["pad must be zero", [{ base: 0x8400_0000, nr: 1, action: "deny", pad: [0xff] }], ["EINVAL"]],
    ["zero functions", [{ base: 0xc400_0003, nr: 0, action: "deny" }], ["EINVAL"]],
    ["range overflow", [{ base: 0xffff_ffff, nr: 0xffff_ffff, action: "deny" }], ["EINVAL"]],
    ["reserved action", [{ base: 0xc400_0003, nr: 1, action: 0xff }], ["EINVAL"]],
    ["action 3", [{ base: 0xc400_0003, nr: 1, action: 3 }], ["EINVAL"]],
    ["reserved arch range", [{ base: SMCCC.ARCH_WORKAROUND_1, nr: 1, action: "deny" }, {
      base: 0xc000_0000,
      nr: 1,
      action: "deny",
    }], ["EEXIST", "EEXIST"]],
    ["overlap", [{ base: 0xc400_0003, nr: 1, action: "deny" }, {
      base: 0xc400_0003,
      nr: 1,
      action: "deny",
    }], ["", "EEXIST"]],
    ["partial overlap", [{ base: 0x8400_0000, nr: 0x20, action: "deny" }, {
      base: 0x8400_001f,
      nr: 2,
      action: 2,
    }], ["", "EEXIST"]],
  ];
  for (const [name, specs, want] of rows) {
    const h = harness();
    specs.forEach((s, i) => {
      if (want[i]) assertEquals(errno(() => h.kvm.filter.set(s)), want[i], name);
      else h.kvm.filter.set(s);
    });
  }
});

Deno.test("Zero functions at base 0: EEXIST on ≤6.16 (end wraps to 0xffffffff), EINVAL with the pending fix (next)", () => {
  assertEquals(
    errno(() => harness({ kernel: "6.16" }).kvm.filter.set({ base: 0, nr: 0, action: "deny" })),
    "EEXIST",
  );
  assertEquals(
    errno(() => harness({ kernel: "next" }).kvm.filter.set({ base: 0, nr: 0, action: "deny" })),
    "EINVAL",
  );
});

Deno.test("The reserved arch ranges are inserted even when the user range then fails", () => {
  const h = harness();
  errno(() => h.kvm.filter.set({ base: 0x8000_0001, nr: 1, action: "deny" }));
  assertEquals(h.kvm.filter.list().map((r) => [r.start, r.end, r.reserved]), [[
    0x8000_0000,
    0x8000_ffff,
    true,
  ], [0xc000_0000, 0xc000_ffff, true]]);
});

Deno.test("setSmcccFilter() is EBUSY after the VM has run, and EINVAL before 6.4", () => {
  const h = harness();
  h.kvm.vcpuLoad(0);
  assertEquals(
    errno(() => h.kvm.filter.set({ base: 0x8400_0000, nr: 1, action: "deny" })),
    "EBUSY",
  );
  // Argument errors come before EBUSY.
  assertEquals(
    errno(() => h.kvm.filter.set({ base: 0x8400_0000, nr: 1, action: "deny", pad: [1] })),
    "EINVAL",
  );
  assertEquals(
    errno(() =>
      harness({ kernel: "6.1" }).kvm.filter.set({ base: 0x8400_0000, nr: 1, action: "deny" })
    ),
    "EINVAL",
  );
});

Deno.test("DENY answers -1 with x1..x3 zeroed, over both conduits (selftests B.3 denied)", () => {
  for (const conduit of ["hvc", "smc"] as const) {
    const h = harness();
    h.kvm.filter.set({ base: PSCI.VERSION, nr: 1, action: "deny" });
    h.cpus[0].setX(2, 7n);
    assertEquals(h[conduit](0, PSCI.VERSION), Outcome.CONTINUE);
    assertEquals(h.ret(), [NEG1, 0n, 0n, 0n]);
    assertEquals(h.kvm.trace.last()[0].route, "filter-deny");
  }
});

Deno.test("FWD_TO_USER exits with nr and the SMC flag, registers untouched (selftests B.3 forwarded)", () => {
  for (const conduit of ["hvc", "smc"] as const) {
    const h = harness();
    h.kvm.filter.set({ base: PSCI.VERSION, nr: 1, action: "fwd_to_user" });
    h.cpus[0].setX(3, 0x33n);
    const pc = h.cpus[0].pc;
    assertEquals(h[conduit](0, PSCI.VERSION, 0x11), Outcome.EXIT);
    assertEquals(h.kvm.vcpu(0).exit, {
      reason: "hypercall",
      nr: PSCI.VERSION,
      flags: { smc: conduit === "smc", imm16: false, raw: conduit === "smc" ? 1 : 0 },
    });
    assertEquals(h.ret(), [BigInt(PSCI.VERSION), 0x11n, 0n, 0x33n]);
    assertEquals(h.cpus[0].pc, pc + 4n, "PC already past the instruction");
  }
});

Deno.test("The filter overrides bitmaps; HANDLE falls through to them; unfiltered IDs are handled", () => {
  const h = harness();
  h.kvm.fw.set(0x6030_0000_0016_0000n, 0n); // TRNG hidden
  h.kvm.filter.set({ base: TRNG.VERSION, nr: 1, action: "fwd_to_user" });
  h.kvm.filter.set({ base: TRNG.FEATURES, nr: 1, action: "handle" });
  assertEquals(h.hvc(0, TRNG.VERSION), Outcome.EXIT);
  h.hvc(0, TRNG.FEATURES, TRNG.RND64);
  assertEquals(h.ret()[0], NEG1, "HANDLE still obeys STD_BMAP");
  h.hvc(0, PSCI.VERSION);
  assertEquals(h.ret()[0], 0x10003n);
});

Deno.test("onHypercall answers forwarded calls inline with X0..X3", () => {
  const h = harness();
  h.kvm.filter.set({ base: 0xc600_0040, nr: 2, action: "fwd_to_user" });
  const seen: number[] = [];
  h.kvm.onHypercall = (req) => {
    seen.push(req.nr);
    return req.nr === 0xc600_0040 ? [0n, 0x10000n, 2n, 0n] : undefined;
  };
  assertEquals(h.hvc(0, 0xc600_0040), Outcome.CONTINUE);
  assertEquals(h.ret(), [0n, 0x10000n, 2n, 0n]);
  assertEquals(h.kvm.trace.last()[0].route, "user-handler");
  assertEquals(h.hvc(0, 0xc600_0041, 0), Outcome.EXIT, "undefined → a normal exit");
  assertEquals(seen, [0xc600_0040, 0xc600_0041]);
});
