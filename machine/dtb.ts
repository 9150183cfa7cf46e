/**
 * Flattened device tree (DTB, format version 17; Devicetree Specification
 * v0.4 chapter 5) writer and reader, and {@link buildVirtDtb}: the tree QEMU's
 * virt board generates (hw/arm/virt.c create_fdt and friends, hw/arm/boot.c
 * arm_load_dtb; QEMU 7.2, the version the comparison tests run against),
 * restricted to the devices hvsh emulates.
 *
 * Nodes and properties come out in the same order as in QEMU's blob (libfdt
 * inserts every new node and property first, so QEMU's order is the reverse
 * of its creation order) and phandles get the same values, so a DTB built
 * here equals `qemu-system-aarch64 -M virt,its=off,dtb-randomness=off
 * -cpu cortex-a76 ... -machine dumpdtb=` minus the nodes of devices hvsh
 * does not have: flash@0, fw-cfg, virtio_mmio@*, pcie, pl031 (RTC), pl061
 * (GPIO) and gpio-keys, platform-bus, and the ITS / GICv2m MSI frames.
 *
 * @module
 */

import { ImageError } from "./errors.ts";
import { RAM_BASE } from "./state.ts";

/** A property: name and raw big-endian value bytes. */
export interface FdtProp {
  name: string;
  value: Uint8Array;
}

/** A node: name (with unit address), properties and children, in order. */
export interface FdtNode {
  name: string;
  props: FdtProp[];
  children: FdtNode[];
}

/** A memory reservation block entry. */
export interface FdtReservation {
  address: bigint;
  size: bigint;
}

/** A decoded blob. */
export interface Fdt {
  root: FdtNode;
  /** Header `boot_cpuid_phys`. */
  bootCpuId: number;
  reservations: FdtReservation[];
}

/** FDT constants (Devicetree Specification v0.4, 5.2 and 5.4.1). */
export const FDT = {
  MAGIC: 0xd00dfeed,
  VERSION: 17,
  LAST_COMP_VERSION: 16,
  BEGIN_NODE: 1,
  END_NODE: 2,
  PROP: 3,
  NOP: 4,
  END: 9,
  HEADER_SIZE: 40,
} as const;

// ------------------------------------------------------------------ value helpers

/** Property value of 32-bit big-endian cells. */
export function cells(...values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setUint32(i * 4, x >>> 0));
  return b;
}

/** Property value of 64-bit numbers as cell pairs (values below 2^53). */
export function cells64(...values: number[]): Uint8Array {
  return cells(...values.flatMap((x) => [Math.floor(x / 0x1_0000_0000), x >>> 0]));
}

/** Property value of one or more NUL-terminated strings (a string list). */
export function strings(...values: string[]): Uint8Array {
  return new TextEncoder().encode(values.map((s) => s + "\0").join(""));
}

/** An empty (boolean) property value. */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** Build a node. */
export function node(
  name: string,
  props: [string, Uint8Array][] = [],
  children: FdtNode[] = [],
): FdtNode {
  return { name, props: props.map(([n, value]) => ({ name: n, value })), children };
}

// ------------------------------------------------------------------ writer

/**
 * Encode a tree as a DTB (version 17, last compatible version 16): header,
 * memory reservation block at 0x30, structure block from 0x40, strings
 * block, then free space up to `totalSize` (the layout libfdt leaves in
 * QEMU's blobs).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { cells, decodeFdt, encodeFdt, node, strings } from "./dtb.ts";
 * const dtb = encodeFdt(node("", [["compatible", strings("linux,dummy-virt")],
 *   ["#address-cells", cells(2)]]));
 * const back = decodeFdt(dtb).root;
 * assert(back.props[1].name === "#address-cells" && back.props[1].value[3] === 2);
 * ```
 */
export function encodeFdt(
  root: FdtNode,
  opts: { bootCpuId?: number; reservations?: FdtReservation[]; totalSize?: number } = {},
): Uint8Array {
  const strOffsets = new Map<string, number>();
  const strParts: Uint8Array[] = [];
  let strLen = 0;
  const enc = new TextEncoder();
  const strOff = (s: string) => {
    let off = strOffsets.get(s);
    if (off === undefined) {
      off = strLen;
      const b = enc.encode(s + "\0");
      strParts.push(b);
      strLen += b.length;
      strOffsets.set(s, off);
    }
    return off;
  };

  const bytes: Uint8Array[] = [];
  let structLen = 0;
  const pushWord = (w: number) => {
    bytes.push(cells(w));
    structLen += 4;
  };
  const pushPadded = (b: Uint8Array) => {
    const padded = new Uint8Array((b.length + 3) & ~3);
    padded.set(b);
    bytes.push(padded);
    structLen += padded.length;
  };
  const walk = (n: FdtNode) => {
    pushWord(FDT.BEGIN_NODE);
    pushPadded(enc.encode(n.name + "\0"));
    for (const p of n.props) {
      pushWord(FDT.PROP);
      pushWord(p.value.length);
      pushWord(strOff(p.name));
      pushPadded(p.value);
    }
    for (const c of n.children) walk(c);
    pushWord(FDT.END_NODE);
  };
  walk(root);
  pushWord(FDT.END);

  const rsv = opts.reservations ?? [];
  const offRsv = 0x30;
  const rsvLen = (rsv.length + 1) * 16;
  const offStruct = offRsv + rsvLen;
  const offStrings = offStruct + structLen;
  const total = Math.max(offStrings + strLen, opts.totalSize ?? 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, FDT.MAGIC);
  v.setUint32(4, total);
  v.setUint32(8, offStruct);
  v.setUint32(12, offStrings);
  v.setUint32(16, offRsv);
  v.setUint32(20, FDT.VERSION);
  v.setUint32(24, FDT.LAST_COMP_VERSION);
  v.setUint32(28, opts.bootCpuId ?? 0);
  v.setUint32(32, strLen);
  v.setUint32(36, structLen);
  rsv.forEach((r, i) => {
    v.setBigUint64(offRsv + i * 16, r.address);
    v.setBigUint64(offRsv + i * 16 + 8, r.size);
  });
  let p = offStruct;
  for (const b of bytes) {
    out.set(b, p);
    p += b.length;
  }
  for (const b of strParts) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

// ------------------------------------------------------------------ reader

/**
 * Decode a DTB (versions 16 and 17). Throws {@link ImageError} naming the
 * problem for anything malformed.
 */
export function decodeFdt(blob: Uint8Array, file = "device tree"): Fdt {
  const bad = (detail: string): never => {
    throw new ImageError(file, detail);
  };
  if (blob.length < FDT.HEADER_SIZE) bad(`truncated header: ${blob.length} bytes`);
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const magic = v.getUint32(0);
  if (magic !== FDT.MAGIC) bad(`bad magic 0x${magic.toString(16)} (expected 0xd00dfeed)`);
  const total = v.getUint32(4);
  const offStruct = v.getUint32(8), offStrings = v.getUint32(12), offRsv = v.getUint32(16);
  const version = v.getUint32(20), lastComp = v.getUint32(24);
  if (total > blob.length) bad(`totalsize ${total} exceeds the ${blob.length} bytes given`);
  if (version < 16 || lastComp > 17) {
    bad(`unsupported version ${version} (last compatible ${lastComp})`);
  }
  const sizeStrings = v.getUint32(32);
  const sizeStruct = version >= 17 ? v.getUint32(36) : total - offStruct;
  if (offStruct + sizeStruct > total || offStrings + sizeStrings > total) {
    bad("structure or strings block outside totalsize");
  }
  const reservations: FdtReservation[] = [];
  for (let p = offRsv;; p += 16) {
    if (p + 16 > total) bad("unterminated memory reservation block");
    const address = v.getBigUint64(p), size = v.getBigUint64(p + 8);
    if (address === 0n && size === 0n) break;
    reservations.push({ address, size });
  }
  const dec = new TextDecoder();
  const cstr = (start: number, end: number) => {
    let e = start;
    while (e < end && blob[e] !== 0) e++;
    if (e >= end) bad(`unterminated string at offset ${start}`);
    return [dec.decode(blob.subarray(start, e)), e + 1] as const;
  };
  const end = offStruct + sizeStruct;
  let p = offStruct;
  const word = () => {
    if (p + 4 > end) bad("structure block ends early");
    const w = v.getUint32(p);
    p += 4;
    return w;
  };
  const stack: FdtNode[] = [];
  let root: FdtNode | undefined;
  for (;;) {
    const tok = word();
    if (tok === FDT.NOP) continue;
    if (tok === FDT.BEGIN_NODE) {
      const [name, next] = cstr(p, end);
      p = (next + 3) & ~3;
      const n: FdtNode = { name, props: [], children: [] };
      if (stack.length) stack[stack.length - 1].children.push(n);
      else if (root) bad("more than one root node");
      else root = n;
      stack.push(n);
    } else if (tok === FDT.PROP) {
      if (!stack.length) bad("property outside a node");
      const len = word(), nameoff = word();
      if (p + len > end) bad("property value runs past the structure block");
      const [name] = cstr(offStrings + nameoff, offStrings + sizeStrings);
      stack[stack.length - 1].props.push({ name, value: blob.slice(p, p + len) });
      p = (p + len + 3) & ~3;
    } else if (tok === FDT.END_NODE) {
      if (!stack.pop()) bad("unbalanced FDT_END_NODE");
    } else if (tok === FDT.END) {
      break;
    } else {
      bad(`bad token 0x${tok.toString(16)} at offset ${p - 4}`);
    }
  }
  if (!root || stack.length) bad("unterminated node");
  return { root: root!, bootCpuId: v.getUint32(28), reservations };
}

// ------------------------------------------------------------------ queries

/** The node at `path` ("/", "/cpus/cpu@0"), if any. */
export function fdtFind(root: FdtNode, path: string): FdtNode | undefined {
  let n: FdtNode | undefined = root;
  for (const part of path.split("/").filter(Boolean)) {
    n = n.children.find((c) => c.name === part) ??
      n.children.find((c) => c.name.split("@")[0] === part);
    if (!n) return undefined;
  }
  return n;
}

/** A property of `n`, if present. */
export function fdtProp(n: FdtNode, name: string): Uint8Array | undefined {
  return n.props.find((p) => p.name === name)?.value;
}

/** Decode a value as 32-bit cells. */
export function fdtCells(value: Uint8Array): number[] {
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return Array.from({ length: value.length >> 2 }, (_, i) => v.getUint32(i * 4));
}

/** Decode a value as a string list. */
export function fdtStrings(value: Uint8Array): string[] {
  const s = new TextDecoder().decode(value);
  return s.endsWith("\0") ? s.slice(0, -1).split("\0") : [s];
}

/**
 * Flatten a tree to `path -> { property -> hex }` in document order, for
 * structural comparisons (paths of children keep their parents' names).
 */
export function fdtFlatten(root: FdtNode): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  const walk = (n: FdtNode, path: string) => {
    out.set(path, new Map(n.props.map((p) => [p.name, hex(p.value)])));
    for (const c of n.children) walk(c, path === "/" ? `/${c.name}` : `${path}/${c.name}`);
  };
  walk(root, "/");
  return out;
}

// ------------------------------------------------------------------ the virt board

/** PSCI function IDs QEMU writes for PSCI 0.2+ on AArch64 (target/arm/kvm-consts.h). */
const PSCI_0_2 = {
  CPU_SUSPEND: 0xc400_0001,
  CPU_OFF: 0x8400_0002,
  CPU_ON: 0xc400_0003,
  MIGRATE: 0xc400_0005,
};
/** KVM's PSCI 0.1 function IDs (target/arm/kvm-consts.h QEMU_PSCI_0_1_FN_*, base 0x95c1ba5e). */
const PSCI_0_1 = {
  CPU_SUSPEND: 0x95c1_ba5e,
  CPU_OFF: 0x95c1_ba5f,
  CPU_ON: 0x95c1_ba60,
  MIGRATE: 0x95c1_ba61,
};

/** GIC interrupt specifier flags (include/hw/arm/fdt.h GIC_FDT_IRQ_*). */
const IRQ_TYPE_SPI = 0, IRQ_TYPE_PPI = 1, IRQ_LEVEL_HI = 4;

/** First phandle QEMU allocates (softmmu/device_tree.c: phandles start at 0x8000). */
const PHANDLE_START = 0x8000;
/** Redistributors that fit the first region (hw/arm/virt.c: 0xf60000 / 0x20000). */
export const VIRT_REDIST_REGION1_CPUS = 123;
/** Second redistributor region (hw/arm/virt.c extended_memmap[VIRT_HIGH_GIC_REDIST2]). */
export const VIRT_REDIST2_BASE = 0x40_0000_0000, VIRT_REDIST2_SIZE = 0x400_0000;

/** Options of {@link buildVirtDtb}: QEMU command-line equivalents in brackets. */
export interface VirtDtbOptions {
  /** Number of vCPUs [-smp]. */
  cpus: number;
  /** RAM size in MiB [-m]. */
  memoryMiB: number;
  /** GIC version [-M gic-version=]: 3 (default) or 2 (at most 8 vCPUs). */
  gicVersion?: 2 | 3;
  /**
   * PSCI conduit written to /psci `method`: "hvc" (default: QEMU's choice
   * when the guest boots at EL1), "smc" (QEMU's choice with
   * virtualization=on), or "none" (no /psci node, no enable-method).
   */
  psci?: "hvc" | "smc" | "none";
  /** PSCI version the firmware implements: "0.1" (KVM without PSCI_0_2), "0.2", or "1.0" and later (default). */
  psciVersion?: "0.1" | "0.2" | "1.0";
  /** Kernel command line [-append]; omitted when empty, as QEMU does. */
  bootargs?: string;
  /** Initrd placement, written as linux,initrd-start/end [-initrd]. */
  initrd?: { start: number; end: number };
  /** Include the /pmu node (default true, as QEMU for cortex-a76 with pmu=on). */
  pmu?: boolean;
  /**
   * Describe the GIC virtualization features [virtualization=on]: the
   * maintenance interrupt (and, for GICv2, the GICH/GICV frames, which hvsh
   * does not emulate). Default false.
   */
  gicVirtualization?: boolean;
  /** Add the EL2 virtual timer PPI 12 to /timer, as QEMU 9.0+ does for CPUs with FEAT_VHE at EL2 (default false: QEMU 7.2). */
  hypVirtTimer?: boolean;
  /** `compatible` of every cpu node (QEMU: the CPU model's dtb_compatible). Default "arm,cortex-a76". */
  cpuCompatible?: string;
  /**
   * Seed for /chosen kaslr-seed (8 bytes) and rng-seed (32 bytes), derived
   * deterministically. Omitted (the default) means no seeds, as QEMU with
   * dtb-randomness=off.
   */
  seed?: number;
}

/** A deterministic byte stream (xorshift32) for kaslr-seed and rng-seed. */
function seedBytes(seed: number, n: number): Uint8Array {
  let x = (seed >>> 0) || 0x9e37_79b9;
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/**
 * Build the device tree QEMU's virt board would generate for these options
 * (see the module documentation for which nodes are left out).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { buildVirtDtb, decodeFdt, fdtFind, fdtProp, fdtStrings } from "./dtb.ts";
 * const root = buildVirtDtb({ cpus: 2, memoryMiB: 64, bootargs: "console=ttyAMA0" });
 * const chosen = fdtFind(root, "/chosen")!;
 * assert(fdtStrings(fdtProp(chosen, "bootargs")!)[0] === "console=ttyAMA0");
 * assert(fdtFind(root, "/cpus/cpu@1") !== undefined);
 * ```
 */
export function buildVirtDtb(opts: VirtDtbOptions): FdtNode {
  const n = opts.cpus;
  const gicVersion = opts.gicVersion ?? 3;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Invalid vCPU count: ${n}`);
  if (gicVersion === 2 && n > 8) {
    throw new RangeError(`GICv2 supports at most 8 vCPUs, not ${n} (QEMU: mach-virt max CPUs 8)`);
  }
  const psci = opts.psci ?? "hvc";
  const virt = opts.gicVirtualization ?? false;

  // Phandles in QEMU's allocation order: clock, cpus (last first), GIC.
  const clockPh = PHANDLE_START;
  const cpuPh = (i: number) => PHANDLE_START + n - i;
  const gicPh = PHANDLE_START + n + 1;

  // PPI flags: GICv2 adds the CPU target mask (hw/arm/virt.c fdt_add_timer_nodes).
  const ppiFlags = gicVersion === 2 ? IRQ_LEVEL_HI | ((((1 << n) - 1) & 0xff) << 8) : IRQ_LEVEL_HI;

  const root = node("", [
    ["interrupt-parent", cells(gicPh)],
    ["model", strings("linux,dummy-virt")],
    ["#size-cells", cells(2)],
    ["#address-cells", cells(2)],
    ["compatible", strings("linux,dummy-virt")],
  ]);

  // /psci (hw/arm/boot.c fdt_add_psci_node).
  if (psci !== "none") {
    const v = opts.psciVersion ?? "1.0";
    const ids = v === "0.1" ? PSCI_0_1 : PSCI_0_2;
    const compat = v === "0.1"
      ? strings("arm,psci")
      : v === "0.2"
      ? strings("arm,psci-0.2", "arm,psci")
      : strings("arm,psci-1.0", "arm,psci-0.2", "arm,psci");
    root.children.push(node("psci", [
      ["migrate", cells(ids.MIGRATE)],
      ["cpu_on", cells(ids.CPU_ON)],
      ["cpu_off", cells(ids.CPU_OFF)],
      ["cpu_suspend", cells(ids.CPU_SUSPEND)],
      ["method", strings(psci)],
      ["compatible", compat],
    ]));
  }

  // /memory (hw/arm/boot.c arm_load_dtb re-creates it with the RAM size).
  root.children.push(node(`memory@${RAM_BASE.toString(16)}`, [
    ["reg", cells64(RAM_BASE, opts.memoryMiB * 0x10_0000)],
    ["device_type", strings("memory")],
  ]));

  // The UART (hw/arm/virt.c create_uart).
  root.children.push(node("pl011@9000000", [
    ["clock-names", strings("uartclk", "apb_pclk")],
    ["clocks", cells(clockPh, clockPh)],
    ["interrupts", cells(IRQ_TYPE_SPI, 1, IRQ_LEVEL_HI)],
    ["reg", cells64(0x0900_0000, 0x1000)],
    ["compatible", strings("arm,pl011", "arm,primecell")],
  ]));

  // The PMU (hw/arm/virt.c fdt_add_pmu_nodes).
  if (opts.pmu ?? true) {
    root.children.push(node("pmu", [
      ["interrupts", cells(IRQ_TYPE_PPI, 7, ppiFlags)],
      ["compatible", strings("arm,armv8-pmuv3")],
    ]));
  }

  // The GIC (hw/arm/virt.c fdt_add_gic_node).
  const gicProps: [string, Uint8Array][] = [["phandle", cells(gicPh)]];
  // The maintenance interrupt carries no CPU mask, even on GICv2 (virt.c fdt_add_gic_node).
  if (virt) gicProps.push(["interrupts", cells(IRQ_TYPE_PPI, 9, IRQ_LEVEL_HI)]);
  if (gicVersion === 3) {
    const regions = n > VIRT_REDIST_REGION1_CPUS ? 2 : 1;
    const reg = [0x0800_0000, 0x1_0000, 0x080a_0000, 0xf6_0000];
    if (regions === 2) reg.push(VIRT_REDIST2_BASE, VIRT_REDIST2_SIZE);
    gicProps.push(
      ["reg", cells64(...reg)],
      ["#redistributor-regions", cells(regions)],
      ["compatible", strings("arm,gic-v3")],
    );
  } else {
    const reg = [0x0800_0000, 0x1_0000, 0x0801_0000, 0x1_0000];
    if (virt) reg.push(0x0803_0000, 0x1_0000, 0x0804_0000, 0x1_0000);
    gicProps.push(["reg", cells64(...reg)], ["compatible", strings("arm,cortex-a15-gic")]);
  }
  gicProps.push(
    ["ranges", EMPTY],
    ["#size-cells", cells(2)],
    ["#address-cells", cells(2)],
    ["interrupt-controller", EMPTY],
    ["#interrupt-cells", cells(3)],
  );
  root.children.push(node("intc@8000000", gicProps));

  // /cpus (hw/arm/virt.c fdt_add_cpu_nodes): cpu-map first, then cpu@0..n-1.
  const cores: FdtNode[] = [];
  for (let i = 0; i < n; i++) cores.push(node(`core${i}`, [["cpu", cells(cpuPh(i))]]));
  const cpuNodes: FdtNode[] = [
    node("cpu-map", [], [node("socket0", [], [node("cluster0", [], cores)])]),
  ];
  const cluster = gicVersion === 3 ? 16 : 8;
  for (let i = 0; i < n; i++) {
    const props: [string, Uint8Array][] = [
      ["phandle", cells(cpuPh(i))],
      ["reg", cells(((Math.floor(i / cluster)) << 8) | (i % cluster))],
    ];
    if (psci !== "none" && n > 1) props.push(["enable-method", strings("psci")]);
    props.push(
      ["compatible", strings(opts.cpuCompatible ?? "arm,cortex-a76")],
      ["device_type", strings("cpu")],
    );
    cpuNodes.push(node(`cpu@${i}`, props));
  }
  root.children.push(
    node("cpus", [["#size-cells", cells(0)], ["#address-cells", cells(1)]], cpuNodes),
  );

  // The architected timer (hw/arm/virt.c fdt_add_timer_nodes): secure, non-secure
  // physical, virtual, hypervisor physical (and hypervisor virtual).
  const timerIrqs = [13, 14, 11, 10];
  if (opts.hypVirtTimer) timerIrqs.push(12);
  root.children.push(node("timer", [
    ["interrupts", cells(...timerIrqs.flatMap((ppi) => [IRQ_TYPE_PPI, ppi, ppiFlags]))],
    ["always-on", EMPTY],
    ["compatible", strings("arm,armv8-timer", "arm,armv7-timer")],
  ]));

  // The fixed 24 MHz APB clock (hw/arm/virt.c create_fdt).
  root.children.push(node("apb-pclk", [
    ["phandle", cells(clockPh)],
    ["clock-output-names", strings("clk24mhz")],
    ["clock-frequency", cells(24_000_000)],
    ["#clock-cells", cells(0)],
    ["compatible", strings("fixed-clock")],
  ]));

  // /chosen (virt.c create_fdt / create_uart, boot.c arm_load_dtb).
  const chosen: [string, Uint8Array][] = [];
  if (opts.initrd) {
    const { start, end } = opts.initrd;
    const c = (x: number) => x < 0x1_0000_0000 ? cells(x) : cells64(x);
    chosen.push(["linux,initrd-end", c(end)], ["linux,initrd-start", c(start)]);
  }
  if (opts.bootargs) chosen.push(["bootargs", strings(opts.bootargs)]);
  chosen.push(["stdout-path", strings("/pl011@9000000")]);
  if (opts.seed !== undefined) {
    const bytes = seedBytes(opts.seed, 40);
    chosen.push(["rng-seed", bytes.slice(8)], ["kaslr-seed", bytes.slice(0, 8)]);
  }
  root.children.push(node("chosen", chosen));
  return root;
}

/**
 * Size of QEMU's device tree blob: the tree plus free space up to 1 MiB
 * (softmmu/device_tree.c FDT_MAX_SIZE). It matters: the loader only puts the
 * DTB below an ELF image when all of it fits (hw/arm/boot.c load_dtb).
 */
export const VIRT_DTB_SIZE = 0x10_0000;

/** {@link buildVirtDtb} encoded as a DTB blob of {@link VIRT_DTB_SIZE} bytes, as QEMU's. */
export function buildVirtDtbBlob(opts: VirtDtbOptions): Uint8Array {
  return encodeFdt(buildVirtDtb(opts), { totalSize: VIRT_DTB_SIZE });
}
