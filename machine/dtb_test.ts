import { assertEquals, assertThrows } from "@std/assert";
import {
  buildVirtDtb,
  buildVirtDtbBlob,
  cells,
  decodeFdt,
  encodeFdt,
  fdtCells,
  fdtFind,
  fdtFlatten,
  type FdtNode,
  fdtProp,
  fdtStrings,
  node,
  strings,
  type VirtDtbOptions,
} from "./dtb.ts";
import { ImageError } from "./errors.ts";

async function have(cmd: string, arg = "--version"): Promise<boolean> {
  try {
    const r = await new Deno.Command(cmd, { args: [arg], stdout: "null", stderr: "null" }).output();
    return r.success;
  } catch {
    return false;
  }
}
const HAVE_DTC = await have("dtc");
const HAVE_QEMU = await have("qemu-system-aarch64");

Deno.test("encodeFdt() and decodeFdt() round-trip nodes, properties and reservations", () => {
  const tree = node("", [["compatible", strings("a", "b")], ["x", cells(1, 2)]], [
    node("child@10", [["reg", cells(0x10)], ["flag", new Uint8Array()]], [node("leaf")]),
    node("other"),
  ]);
  const blob = encodeFdt(tree, {
    bootCpuId: 3,
    reservations: [{ address: 0x4800_0000n, size: 0x1000n }],
  });
  const fdt = decodeFdt(blob);
  assertEquals(fdt.root, tree);
  assertEquals(fdt.bootCpuId, 3);
  assertEquals(fdt.reservations, [{ address: 0x4800_0000n, size: 0x1000n }]);
  const v = new DataView(blob.buffer);
  assertEquals([v.getUint32(0), v.getUint32(4), v.getUint32(20), v.getUint32(24)], [
    0xd00dfeed,
    blob.length,
    17,
    16,
  ]);
  assertEquals(fdtStrings(fdtProp(fdt.root, "compatible")!), ["a", "b"]);
  assertEquals(fdtCells(fdtProp(fdtFind(fdt.root, "/child")!, "reg")!), [0x10]);
  assertEquals(fdtFind(fdt.root, "/child@10/leaf")?.name, "leaf");
  assertEquals(fdtFind(fdt.root, "/missing"), undefined);
});

Deno.test("decodeFdt() rejects malformed blobs with an ImageError naming the problem", () => {
  const good = encodeFdt(node("", [["a", cells(1)]]));
  assertThrows(() => decodeFdt(good.slice(0, 20)), ImageError, "truncated header");
  const badMagic = good.slice();
  badMagic[0] = 0;
  assertThrows(() => decodeFdt(badMagic), ImageError, "bad magic");
  const short = good.slice(0, good.length - 8);
  assertThrows(() => decodeFdt(short), ImageError, "exceeds");
  const badTok = good.slice();
  new DataView(badTok.buffer).setUint32(new DataView(badTok.buffer).getUint32(8), 7);
  assertThrows(() => decodeFdt(badTok), ImageError, "bad token 0x7");
});

Deno.test("buildVirtDtb() describes CPUs, memory, PSCI and the GIC as QEMU virt", () => {
  const root = buildVirtDtb({
    cpus: 3,
    memoryMiB: 128,
    gicVersion: 2,
    psci: "smc",
    psciVersion: "0.1",
  });
  assertEquals(fdtCells(fdtProp(fdtFind(root, "/memory@40000000")!, "reg")!), [
    0,
    0x4000_0000,
    0,
    0x800_0000,
  ]);
  const psci = fdtFind(root, "/psci")!;
  assertEquals(fdtStrings(fdtProp(psci, "compatible")!), ["arm,psci"]);
  assertEquals(fdtStrings(fdtProp(psci, "method")!), ["smc"]);
  assertEquals(fdtCells(fdtProp(psci, "cpu_on")!), [0x95c1_ba60]);
  assertEquals(fdtStrings(fdtProp(fdtFind(root, "/cpus/cpu@2")!, "enable-method")!), ["psci"]);
  const gic = fdtFind(root, "/intc@8000000")!;
  assertEquals(fdtStrings(fdtProp(gic, "compatible")!), ["arm,cortex-a15-gic"]);
  // GICv2 PPIs carry the CPU mask (3 vCPUs: 0b111 << 8).
  assertEquals(fdtCells(fdtProp(fdtFind(root, "/timer")!, "interrupts")!).slice(0, 3), [
    1,
    13,
    0x704,
  ]);
  assertEquals(fdtCells(fdtProp(root, "interrupt-parent")!), [0x8004]);
  const one = buildVirtDtb({ cpus: 1, memoryMiB: 64, psci: "none" });
  assertEquals(fdtFind(one, "/psci"), undefined);
  assertEquals(fdtProp(fdtFind(one, "/cpus/cpu@0")!, "enable-method"), undefined);
  assertThrows(
    () => buildVirtDtb({ cpus: 9, memoryMiB: 64, gicVersion: 2 }),
    RangeError,
    "at most 8",
  );
});

Deno.test("buildVirtDtb() puts affinity in cpu reg and a second redistributor region past 123 vCPUs", () => {
  const root = buildVirtDtb({ cpus: 125, memoryMiB: 64 });
  assertEquals(fdtCells(fdtProp(fdtFind(root, "/cpus/cpu@16")!, "reg")!), [0x100]);
  const gic = fdtFind(root, "/intc@8000000")!;
  assertEquals(fdtCells(fdtProp(gic, "#redistributor-regions")!), [2]);
  assertEquals(fdtCells(fdtProp(gic, "reg")!).slice(8), [0x40, 0, 0, 0x400_0000]);
});

Deno.test("buildVirtDtb() writes initrd bounds and deterministic seeds in /chosen", () => {
  const a = buildVirtDtb({
    cpus: 1,
    memoryMiB: 64,
    initrd: { start: 0x4200_0000, end: 0x4200_1388 },
    seed: 7,
  });
  const chosen = fdtFind(a, "/chosen")!;
  assertEquals(fdtCells(fdtProp(chosen, "linux,initrd-start")!), [0x4200_0000]);
  assertEquals(fdtCells(fdtProp(chosen, "linux,initrd-end")!), [0x4200_1388]);
  assertEquals(fdtProp(chosen, "kaslr-seed")!.length, 8);
  assertEquals(fdtProp(chosen, "rng-seed")!.length, 32);
  const b = buildVirtDtb({
    cpus: 1,
    memoryMiB: 64,
    initrd: { start: 0x4200_0000, end: 0x4200_1388 },
    seed: 7,
  });
  assertEquals(a, b);
  assertEquals(chosen.props.map((p) => p.name), [
    "linux,initrd-end",
    "linux,initrd-start",
    "stdout-path",
    "rng-seed",
    "kaslr-seed",
  ]);
});

Deno.test({
  name: "buildVirtDtbBlob() output is accepted by dtc",
  ignore: !HAVE_DTC,
  async fn() {
    const path = await Deno.makeTempFile({ dir: "/tmp", suffix: ".dtb" });
    try {
      for (
        const opts of [{ cpus: 4, memoryMiB: 256, bootargs: "x" }, {
          cpus: 2,
          memoryMiB: 64,
          gicVersion: 2 as const,
        }]
      ) {
        await Deno.writeFile(path, buildVirtDtbBlob(opts));
        const r = await new Deno.Command("dtc", {
          args: ["-I", "dtb", "-O", "dts", path],
          stdout: "piped",
          stderr: "piped",
        })
          .output();
        assertEquals(new TextDecoder().decode(r.stderr), "");
        assertEquals(r.success, true);
      }
    } finally {
      await Deno.remove(path);
    }
  },
});
if (!HAVE_DTC) console.warn("dtb_test: dtc not found; skipping the dtc validation test");

/**
 * Nodes QEMU creates for devices hvsh does not emulate (see dtb.ts). Paths
 * are matched by name before the unit address.
 */
const NOT_EMULATED = [
  "/flash",
  "/fw-cfg",
  "/virtio_mmio",
  "/pcie",
  "/pl031",
  "/pl061",
  "/gpio-keys",
  "/platform-bus",
  "/intc/its",
  "/intc/v2m",
];

function stripUnit(path: string): string {
  return path.split("/").map((p) => p.split("@")[0]).join("/");
}

function structure(root: FdtNode): [string, [string, string][]][] {
  return [...fdtFlatten(root)]
    .filter(([path]) =>
      !NOT_EMULATED.some((p) => stripUnit(path) === p || stripUnit(path).startsWith(p + "/"))
    )
    .map(([path, props]) => [path, [...props]]);
}

async function qemuDtb(args: string[], extra: string[] = []): Promise<FdtNode> {
  const dir = await Deno.makeTempDir({ dir: "/tmp" });
  try {
    await Deno.writeFile(`${dir}/k.bin`, new Uint8Array([0, 0, 0, 0x14])); // b .
    await Deno.writeFile(`${dir}/rd.img`, new Uint8Array(5000).fill(0x5a));
    const r = await new Deno.Command("qemu-system-aarch64", {
      args: [
        "-M",
        `virt,its=off,dtb-randomness=off,dumpdtb=${dir}/q.dtb,${args[0]}`,
        "-cpu",
        "cortex-a76",
        ...args.slice(1),
        "-kernel",
        `${dir}/k.bin`,
        ...extra.map((a) => a.replace("@RD", `${dir}/rd.img`)),
        "-display",
        "none",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!r.success) throw new Error(`qemu failed: ${new TextDecoder().decode(r.stderr)}`);
    return decodeFdt(await Deno.readFile(`${dir}/q.dtb`)).root;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const QEMU_CASES: { name: string; qemu: string[]; extra?: string[]; ours: VirtDtbOptions }[] = [
  {
    name: "gic-version=3 -smp 2 -m 64 -append",
    qemu: ["gic-version=3", "-smp", "2", "-m", "64"],
    extra: ["-append", "console=ttyAMA0 earlycon"],
    ours: { cpus: 2, memoryMiB: 64, bootargs: "console=ttyAMA0 earlycon" },
  },
  {
    name: "gic-version=3 -smp 1 -m 128",
    qemu: ["gic-version=3", "-smp", "1", "-m", "128"],
    ours: { cpus: 1, memoryMiB: 128 },
  },
  {
    name: "gic-version=2 -smp 3 -m 256 -append",
    qemu: ["gic-version=2", "-smp", "3", "-m", "256"],
    extra: ["-append", "root=/dev/vda"],
    ours: { cpus: 3, memoryMiB: 256, gicVersion: 2, bootargs: "root=/dev/vda" },
  },
  {
    name: "gic-version=3,virtualization=on -smp 4",
    qemu: ["gic-version=3,virtualization=on", "-smp", "4", "-m", "64"],
    ours: { cpus: 4, memoryMiB: 64, psci: "smc", gicVirtualization: true },
  },
  {
    name: "gic-version=2,virtualization=on -smp 2",
    qemu: ["gic-version=2,virtualization=on", "-smp", "2", "-m", "64"],
    ours: { cpus: 2, memoryMiB: 64, gicVersion: 2, psci: "smc", gicVirtualization: true },
  },
  {
    name: "gic-version=3 -smp 125 (two redistributor regions)",
    qemu: ["gic-version=3", "-smp", "125", "-m", "64"],
    ours: { cpus: 125, memoryMiB: 64 },
  },
  {
    name: "-initrd with a raw kernel",
    qemu: ["gic-version=3", "-smp", "1", "-m", "64"],
    extra: ["-initrd", "@RD", "-append", "rdinit=/init"],
    ours: {
      cpus: 1,
      memoryMiB: 64,
      bootargs: "rdinit=/init",
      initrd: { start: 0x4200_0000, end: 0x4200_0000 + 5000 },
    },
  },
  {
    name: "-cpu cortex-a76,pmu=off",
    qemu: ["gic-version=3", "-smp", "2", "-m", "64", "-cpu", "cortex-a76,pmu=off"],
    ours: { cpus: 2, memoryMiB: 64, pmu: false },
  },
];

for (const c of QEMU_CASES) {
  Deno.test({
    name: `buildVirtDtb() matches QEMU's dumpdtb node for node: ${c.name}`,
    ignore: !HAVE_QEMU,
    async fn() {
      const theirs = await qemuDtb(c.qemu, c.extra);
      assertEquals(structure(buildVirtDtb(c.ours)), structure(theirs));
    },
  });
}
if (!HAVE_QEMU) {
  console.warn("dtb_test: qemu-system-aarch64 not found; skipping the QEMU comparison tests");
}
