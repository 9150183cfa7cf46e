import { assertEquals, assertThrows } from "@std/assert";
import { harness } from "./_test_util.ts";
import { KVM_REG } from "./consts.ts";
import { KvmError } from "./errors.ts";
import type { HostOptions } from "./kvm.ts";

const errno = (f: () => unknown) => assertThrows(f, KvmError).errno;
const BMAPS = [
  KVM_REG.STD_BMAP,
  KVM_REG.STD_HYP_BMAP,
  KVM_REG.VENDOR_HYP_BMAP,
  KVM_REG.VENDOR_HYP_BMAP_2,
];

Deno.test("Firmware register ids are the UAPI values (spec 3.1)", () => {
  assertEquals(
    [
      KVM_REG.PSCI_VERSION,
      KVM_REG.SMCCC_ARCH_WORKAROUND_1,
      KVM_REG.SMCCC_ARCH_WORKAROUND_2,
      KVM_REG.SMCCC_ARCH_WORKAROUND_3,
      ...BMAPS,
    ],
    [
      0x6030_0000_0014_0000n,
      0x6030_0000_0014_0001n,
      0x6030_0000_0014_0002n,
      0x6030_0000_0014_0003n,
      0x6030_0000_0016_0000n,
      0x6030_0000_0016_0001n,
      0x6030_0000_0016_0002n,
      0x6030_0000_0016_0003n,
    ],
  );
});

Deno.test("hypercalls.c register stage: reset, write 0 / ULIMIT, BIT(max+1) → EINVAL, EBUSY after run (selftests B.1)", () => {
  const h = harness();
  const reset = [0x1n, 0x1n, 0x3n, 0x0n],
    limit = [0x1n, 0x1n, 0x3n, 0x3n],
    over = [0x2n, 0x2n, 0x4n, 0x4n];
  BMAPS.forEach((id, i) => {
    assertEquals(h.kvm.fw.get(id), reset[i], "reset value");
    const val = reset[i] ? 0n : limit[i];
    h.kvm.fw.set(id, val);
    assertEquals(h.kvm.fw.get(id), val);
    if (val) h.kvm.fw.set(id, 0n);
    assertEquals(errno(() => h.kvm.fw.set(id, over[i])), "EINVAL");
  });
  h.kvm.vcpuLoad(0); // first KVM_RUN
  BMAPS.forEach((id, i) => {
    assertEquals(h.kvm.fw.get(id), 0n);
    assertEquals(errno(() => h.kvm.fw.set(id, limit[i])), "EBUSY");
    h.kvm.fw.set(id, 0n); // writing the current value always succeeds
    assertEquals(
      errno(() => h.kvm.fw.set(id, over[i])),
      "EINVAL",
      "bits are checked even after the run",
    );
  });
});

Deno.test("get-reg-list firmware part: every listed register reads and writes back its own value (selftests B.4)", () => {
  for (const psci02 of [true, false]) {
    for (const kernel of ["5.10", "5.15", "6.1", "6.6", "6.12", "6.16", "next", "android16-6.12"]) {
      const h = harness({ psci02, kernel });
      for (const r of h.kvm.fw.list()) {
        const v = h.kvm.fw.get(r.id);
        h.kvm.fw.set(r.id, v);
        assertEquals(
          r.id & 0xffff_ffff_fff0_0000n,
          0x6030_0000_0010_0000n,
          "no stray bits, size U64",
        );
      }
      assertEquals(
        h.kvm.fw.get(KVM_REG.PSCI_VERSION),
        psci02 ? BigInt(h.kvm.profile.psciLatest) : 1n,
      );
    }
  }
});

Deno.test("KVM_GET_REG_LIST firmware block order and count per kernel (spec 3.6)", () => {
  const rows: [string, number][] = [["6.16", 8], ["6.12", 7], ["6.1", 7], ["5.15", 3], ["5.10", 3]];
  for (const [kernel, n] of rows) {
    const ids = harness({ kernel }).kvm.fw.list().map((r) => r.id);
    assertEquals(ids.length, n, kernel);
    assertEquals(ids, [...ids].sort((a, b) => (a < b ? -1 : 1)));
  }
});

Deno.test("Unknown, wrong-size and absent firmware registers give ENOENT (spec 3.5)", () => {
  const h = harness({ kernel: "6.12" });
  assertEquals(errno(() => h.kvm.fw.get(0x6030_0000_0014_0004n)), "ENOENT"); // WA4 is not mainline
  assertEquals(errno(() => h.kvm.fw.get(KVM_REG.VENDOR_HYP_BMAP_2)), "ENOENT"); // before 6.15
  assertEquals(errno(() => h.kvm.fw.set(0x6020_0000_0016_0000n, 0n)), "ENOENT"); // U32 size
  assertEquals(errno(() => h.kvm.fw.set(0x6030_0000_0016_0009n, 0n)), "ENOENT");
  const old = harness({ kernel: "5.10" });
  assertEquals(errno(() => old.kvm.fw.get(KVM_REG.STD_BMAP)), "ENOENT");
  assertEquals(errno(() => old.kvm.fw.get(KVM_REG.SMCCC_ARCH_WORKAROUND_3)), "ENOENT");
});

Deno.test("PSCI_VERSION writes: accepted values per vCPU feature and profile; VM-wide; not locked by run (spec 3.2)", () => {
  const h = harness({ cpus: 2 });
  h.kvm.vcpuLoad(0);
  for (const v of [0x2n, 0x10000n, 0x10001n, 0x10002n, 0x10003n]) {
    h.kvm.fw.set(KVM_REG.PSCI_VERSION, v);
  }
  for (const v of [0x1n, 0x3n, 0x10004n, 0x20000n, 0x1_0001_0000n]) {
    assertEquals(errno(() => h.kvm.fw.set(KVM_REG.PSCI_VERSION, v)), "EINVAL", v.toString(16));
  }
  h.kvm.fw.set(KVM_REG.PSCI_VERSION, 0x10000n);
  assertEquals(h.kvm.psciVersionOf(), 0x10000);
  const old = harness({ kernel: "6.6" });
  assertEquals(errno(() => old.kvm.fw.set(KVM_REG.PSCI_VERSION, 0x10003n)), "EINVAL");
  const v01 = harness({ psci02: false });
  v01.kvm.fw.set(KVM_REG.PSCI_VERSION, 1n);
  assertEquals(errno(() => v01.kvm.fw.set(KVM_REG.PSCI_VERSION, 2n)), "EINVAL");
  const pvm = harness({ kernel: "next", protected: true });
  assertEquals(errno(() => pvm.kvm.fw.set(KVM_REG.PSCI_VERSION, 0x10000n)), "EINVAL");
  pvm.kvm.fw.set(KVM_REG.PSCI_VERSION, 0x10001n);
});

Deno.test("Workaround registers read the host level and accept only levels at or below it (spec 3.3)", () => {
  const rows: [HostOptions, bigint, bigint, bigint][] = [
    [{ spectreV2: "vulnerable", spectreV4: "vulnerable", spectreBhb: "vulnerable" }, 0n, 0n, 0n],
    [
      { spectreV2: "mitigated", spectreV4: "mitigated", ssbs: true, spectreBhb: "mitigated" },
      1n,
      0n,
      1n,
    ],
    [
      { spectreV2: "mitigated", spectreV4: "mitigated", ssbs: false, spectreBhb: "mitigated" },
      1n,
      3n,
      1n,
    ],
    [{ spectreV2: "unaffected", spectreV4: "unaffected", spectreBhb: "unaffected" }, 2n, 3n, 2n],
  ];
  for (const [host, wa1, wa2, wa3] of rows) {
    const h = harness({ host });
    assertEquals(
      [
        KVM_REG.SMCCC_ARCH_WORKAROUND_1,
        KVM_REG.SMCCC_ARCH_WORKAROUND_2,
        KVM_REG.SMCCC_ARCH_WORKAROUND_3,
      ].map((id) => h.kvm.fw.get(id)),
      [wa1, wa2, wa3],
      JSON.stringify(host),
    );
    for (let v = 0n; v <= 3n; v++) {
      const ok1 = v <= wa1;
      if (ok1) h.kvm.fw.set(KVM_REG.SMCCC_ARCH_WORKAROUND_1, v);
      else assertEquals(errno(() => h.kvm.fw.set(KVM_REG.SMCCC_ARCH_WORKAROUND_1, v)), "EINVAL");
    }
  }
  const low = harness({ host: { spectreV4: "vulnerable" } }); // WA2 host level 0
  for (const v of [0n, 1n]) low.kvm.fw.set(KVM_REG.SMCCC_ARCH_WORKAROUND_2, v);
  for (const v of [2n, 3n, 0x12n, 0x11n, 4n, 0x20n]) {
    assertEquals(
      errno(() => low.kvm.fw.set(KVM_REG.SMCCC_ARCH_WORKAROUND_2, v)),
      "EINVAL",
      v.toString(16),
    );
  }
  const high = harness({ host: { spectreV4: "unaffected" } }); // WA2 host level 3
  for (const v of [0n, 1n, 2n, 3n, 0x12n]) high.kvm.fw.set(KVM_REG.SMCCC_ARCH_WORKAROUND_2, v);
  for (const v of [0x13n, 0x10n, 0x1fn, 0x20n]) {
    assertEquals(
      errno(() => high.kvm.fw.set(KVM_REG.SMCCC_ARCH_WORKAROUND_2, v)),
      "EINVAL",
      v.toString(16),
    );
  }
  assertEquals(errno(() => high.kvm.fw.set(KVM_REG.SMCCC_ARCH_WORKAROUND_1, 0x10n)), "EINVAL");
});
