/**
 * Loads a guest image into RAM the way QEMU's `-kernel` does on the virt
 * board (hw/arm/boot.c arm_setup_direct_kernel_boot, load_aarch64_image,
 * arm_load_dtb; QEMU 7.2), together with the initrd and the device tree.
 *
 * Placement rules (RAM starts at loader_start = 0x4000_0000):
 *
 * - **ELF64 AArch64** (EM_AARCH64 = 183, little-endian): every PT_LOAD
 *   segment at its physical address (p_paddr), zero-filled to p_memsz; the CPU
 *   starts at e_entry with all registers zero (QEMU treats ELF images as
 *   non-Linux: no boot stub, no x0). The DTB goes to the start of RAM when
 *   the image does not cover it, and only if it fits below the image's lowest
 *   address (boot.c: dtb_start = loader_start, dtb_limit = image_low_addr);
 *   otherwise it is not loaded. An initrd is ignored, as QEMU ignores it for
 *   ELF images.
 * - **arm64 Linux Image** ("ARM\x64" at offset 0x38; optionally gzipped): at
 *   RAM + text_offset when image_size is non-zero, moved up by 2 MiB if
 *   text_offset is below the 4 KiB boot stub (BOOTLOADER_MAX_SIZE); at
 *   RAM + 0x80000 (KERNEL64_LOAD_ADDR) for old images with image_size = 0.
 * - **Raw binary** (anything else): at RAM + 0x80000, treated as a Linux
 *   kernel, exactly as QEMU does.
 *
 * For Linux images and raw binaries (QEMU's is_linux): the initrd goes to
 * RAM + min(RAM size / 2, 128 MiB), or just after the kernel if that is
 * higher, 4 KiB aligned; the DTB follows the initrd (or that address), 2 MiB
 * aligned; QEMU's boot stub (bootloader_aarch64) is written at the start of
 * RAM and the CPU starts there: it loads x0 = DTB address, clears x1..x3,
 * loads x4 = entry and branches to it. A machine may equally start at
 * `entry` with `x` (x0..x4) set: that is the state the stub leaves.
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import { ImageError } from "./errors.ts";
import type { MachineMemory } from "./state.ts";
import { RAM_BASE, RAM_OFFSET } from "./state.ts";
import { cells, cells64, decodeFdt, encodeFdt, fdtFind, type FdtNode, strings } from "./dtb.ts";

/** Offset of a raw/old arm64 image in RAM (hw/arm/boot.c KERNEL64_LOAD_ADDR). */
export const KERNEL64_LOAD_ADDR = 0x8_0000;
/** Room reserved for the boot stub at the start of RAM (hw/arm/boot.c BOOTLOADER_MAX_SIZE). */
export const BOOTLOADER_MAX_SIZE = 0x1000;
/** Offset of the "ARM\x64" magic in an arm64 Image (Documentation/arch/arm64/booting.rst). */
export const ARM64_MAGIC_OFFSET = 0x38;
/** ELF machine number of AArch64 (ELF for the Arm 64-bit Architecture, 5.1). */
export const EM_AARCH64 = 183;

const MiB = 0x10_0000;
const PAGE = 0x1000;

/**
 * QEMU's AArch64 boot stub (hw/arm/boot.c bootloader_aarch64): 6 instructions
 * and two 64-bit literals (DTB address, kernel entry).
 */
export const BOOT_STUB = [
  0x5800_00c0, // ldr x0, arg
  0xaa1f_03e1, // mov x1, xzr
  0xaa1f_03e2, // mov x2, xzr
  0xaa1f_03e3, // mov x3, xzr
  0x5800_0084, // ldr x4, entry
  0xd61f_0080, // br x4
] as const;

/** One loaded piece of guest memory. */
export interface LoadedSegment {
  /** What it is: "segment N" (ELF), "kernel", "initrd", "dtb", "boot stub". */
  name: string;
  /** Guest-physical address. */
  addr: number;
  /** Bytes copied from the image. */
  fileSize: number;
  /** Bytes occupied in memory (fileSize plus zero fill). */
  memSize: number;
}

/** What {@link loadImage} did. */
export interface LoadedImage {
  /** "elf", "linux-image" (arm64 Image header found) or "raw". */
  kind: "elf" | "linux-image" | "raw";
  /** QEMU's is_linux: Linux boot protocol (stub, x0 = DTB). False for ELF. */
  isLinux: boolean;
  /** Kernel entry point. */
  entry: number;
  /** Where vCPU 0 starts out of reset: the boot stub (Linux/raw) or the entry (ELF). */
  pc: number;
  /** x0..x4 at the kernel entry (after the stub for Linux/raw; zero for ELF). */
  x: [number, number, number, number, number];
  /** DTB address in RAM, or undefined when it was not loaded. */
  dtbAddr: number | undefined;
  /** Initrd range, when one was loaded. */
  initrd: { start: number; end: number } | undefined;
  /** Everything written into RAM, in order. */
  segments: LoadedSegment[];
  /** Things QEMU would do silently that a user may want to know. */
  warnings: string[];
}

/** Options of {@link loadImage}. */
export interface LoadOptions {
  /** Image file name for messages. */
  name?: string;
  /** Force a format instead of detecting it. */
  format?: "elf" | "linux-image" | "raw";
  /** Initial ramdisk [-initrd]. */
  initrd?: Uint8Array;
  /**
   * The device tree: a function that builds it once the initrd placement is
   * known (normally `(i) => buildVirtDtbBlob({ ...board, initrd: i })`), or a
   * user-supplied blob [-dtb], into which /memory reg, /chosen bootargs and
   * the initrd bounds are patched as QEMU's arm_load_dtb does.
   */
  dtb?: Uint8Array | ((initrd: { start: number; end: number } | undefined) => Uint8Array);
  /** Command line patched into a user-supplied DTB's /chosen bootargs [-append]. */
  bootargs?: string;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Which format QEMU would pick for these bytes. */
export function detectImageKind(bytes: Uint8Array): "elf" | "linux-image" | "raw" {
  if (
    bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c &&
    bytes[3] === 0x46
  ) {
    return "elf";
  }
  if (
    bytes.length > ARM64_MAGIC_OFFSET + 4 && bytes[0x38] === 0x41 && bytes[0x39] === 0x52 &&
    bytes[0x3a] === 0x4d && bytes[0x3b] === 0x64
  ) {
    return "linux-image";
  }
  return "raw";
}

/**
 * Load `kernel` (and optionally an initrd and a DTB) into `mm`'s RAM as QEMU
 * `-kernel` would; see the module documentation for the placement rules.
 * Throws {@link ImageError} for malformed images or images that do not fit.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { MachineMemory } from "./state.ts";
 * import { loadImage } from "./loader.ts";
 * import { buildVirtDtbBlob } from "./dtb.ts";
 * const mm = new MachineMemory(1, 64);
 * const raw = new Uint8Array([0x00, 0x00, 0x00, 0x14]); // b .
 * const r = loadImage(mm, raw, { dtb: (initrd) => buildVirtDtbBlob({ cpus: 1, memoryMiB: 64, initrd }) });
 * assert(r.kind === "raw" && r.entry === 0x4008_0000 && r.pc === 0x4000_0000);
 * assert(r.dtbAddr === 0x4200_0000 && r.x[0] === r.dtbAddr);
 * ```
 */
export function loadImage(
  mm: MachineMemory,
  kernel: Uint8Array,
  opts: LoadOptions = {},
): LoadedImage {
  const file = opts.name ?? "kernel image";
  const ramEnd = RAM_BASE + mm.ramSize;
  const segments: LoadedSegment[] = [];
  const warnings: string[] = [];

  const write = (name: string, addr: number, data: Uint8Array, memSize = data.length) => {
    if (addr < RAM_BASE || addr + memSize > ramEnd || memSize < data.length) {
      throw new ImageError(
        file,
        `${name} at ${hex(addr)} (${hex(memSize)} bytes) lies outside RAM [${hex(RAM_BASE)}, ${
          hex(ramEnd)
        })`,
      );
    }
    const off = RAM_OFFSET + (addr - RAM_BASE);
    mm.u8.set(data, off);
    mm.u8.fill(0, off + data.length, off + memSize);
    segments.push({ name, addr, fileSize: data.length, memSize });
  };

  let kind = opts.format ?? detectImageKind(kernel);
  if (kind === "elf") {
    const elf = parseElf(kernel, file);
    let low = Infinity, high = 0;
    elf.segments.forEach((s, i) => {
      write(`segment ${i}`, s.paddr, kernel.subarray(s.offset, s.offset + s.filesz), s.memsz);
      low = Math.min(low, s.paddr);
      high = Math.max(high, s.paddr + s.memsz);
    });
    if (!elf.segments.length) throw new ImageError(file, "no PT_LOAD segments");
    if (opts.initrd) {
      warnings.push("initrd ignored: QEMU loads an initrd only for Linux images, not ELF");
    }
    let dtbAddr: number | undefined;
    if (opts.dtb) {
      // boot.c: if there is room at the base of RAM, the DTB goes there, limited by the image.
      if (low > RAM_BASE || high < RAM_BASE) {
        const blob = dtbBlob(opts, undefined, mm, file);
        const limit = low >= RAM_BASE ? low : 0;
        if (limit > RAM_BASE && blob.length > limit - RAM_BASE) {
          warnings.push(
            `DTB not loaded: ${blob.length} bytes do not fit below the image at ${hex(low)}`,
          );
        } else {
          write("dtb", RAM_BASE, blob);
          dtbAddr = RAM_BASE;
        }
      } else {
        warnings.push(
          "DTB not loaded: the image covers the start of RAM (QEMU would put it at PA 0, in flash)",
        );
      }
    }
    return {
      kind,
      isLinux: false,
      entry: elf.entry,
      pc: elf.entry,
      x: [0, 0, 0, 0, 0],
      dtbAddr,
      initrd: undefined,
      segments,
      warnings,
    };
  }

  // arm64 Image or raw binary (load_aarch64_image).
  let image = kernel;
  if (image.length >= 2 && image[0] === 0x1f && image[1] === 0x8b) {
    try {
      image = new Uint8Array(gunzipSync(image));
    } catch (e) {
      throw new ImageError(file, `bad gzip data: ${(e as Error).message}`);
    }
    if (!opts.format) kind = detectImageKind(image) === "linux-image" ? "linux-image" : "raw";
  }
  let loadOffset = KERNEL64_LOAD_ADDR;
  let kernelSize = 0;
  if (kind === "linux-image") {
    if (image.length < 0x40) {
      throw new ImageError(file, `truncated arm64 Image header: ${image.length} bytes`);
    }
    const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
    const textOffset = Number(v.getBigUint64(8, true));
    const imageSize = Number(v.getBigUint64(16, true));
    kernelSize = imageSize;
    if (imageSize !== 0) {
      loadOffset = textOffset;
      if (loadOffset < BOOTLOADER_MAX_SIZE) loadOffset += 2 * MiB;
    }
  }
  if (kernelSize === 0) kernelSize = image.length; // pre-3.17 kernels and raw images
  if (kernelSize > mm.ramSize) {
    throw new ImageError(
      file,
      `kernel is too large to fit in RAM (kernel size ${kernelSize}, RAM size ${mm.ramSize})`,
    );
  }
  const entry = RAM_BASE + loadOffset;
  write("kernel", entry, image); // the file only, as QEMU's rom_add_blob_fixed_as
  const imageHigh = entry + kernelSize;

  let initrdStart = RAM_BASE + Math.min(mm.ramSize / 2, 128 * MiB);
  initrdStart = alignUp(Math.max(initrdStart, imageHigh), PAGE);
  let initrd: { start: number; end: number } | undefined;
  if (opts.initrd) {
    if (initrdStart >= ramEnd) {
      throw new ImageError(file, "not enough space after kernel to load initrd");
    }
    if (initrdStart + opts.initrd.length > ramEnd) {
      throw new ImageError(
        file,
        `initrd too big to fit into RAM after the kernel: ${opts.initrd.length} bytes at ${
          hex(initrdStart)
        }`,
      );
    }
    write("initrd", initrdStart, opts.initrd);
    initrd = { start: initrdStart, end: initrdStart + opts.initrd.length };
  }
  let dtbAddr: number | undefined;
  if (opts.dtb) {
    // boot.c: AArch64 kernels map the FDT 2 MiB-aligned, so QEMU pre-aligns it.
    const at = alignUp(initrdStart + (opts.initrd?.length ?? 0), 2 * MiB);
    if (at >= ramEnd) throw new ImageError(file, "not enough space for DTB after kernel/initrd");
    write("dtb", at, dtbBlob(opts, initrd, mm, file));
    dtbAddr = at;
  }
  // The boot stub at the start of RAM (boot.c arm_write_bootloader).
  const stub = new Uint8Array(40);
  const sv = new DataView(stub.buffer);
  BOOT_STUB.forEach((w, i) => sv.setUint32(i * 4, w, true));
  const dtbArg = dtbAddr ?? 0; // without a DTB QEMU points at ATAGs; virt always has one
  sv.setUint32(24, dtbArg >>> 0, true);
  sv.setUint32(28, Math.floor(dtbArg / 0x1_0000_0000), true);
  sv.setUint32(32, entry >>> 0, true);
  sv.setUint32(36, Math.floor(entry / 0x1_0000_0000), true);
  write("boot stub", RAM_BASE, stub);
  return {
    kind,
    isLinux: true,
    entry,
    pc: RAM_BASE,
    x: [dtbArg, 0, 0, 0, entry],
    dtbAddr,
    initrd,
    segments,
    warnings,
  };
}

function dtbBlob(
  opts: LoadOptions,
  initrd: { start: number; end: number } | undefined,
  mm: MachineMemory,
  file: string,
): Uint8Array {
  if (typeof opts.dtb === "function") return opts.dtb(initrd);
  // A user-supplied DTB: patch it as arm_load_dtb does.
  const fdt = decodeFdt(opts.dtb!, `${file}: DTB`);
  const root = fdt.root;
  const setProp = (n: FdtNode, name: string, value: Uint8Array) => {
    const p = n.props.find((q) => q.name === name);
    if (p) p.value = value;
    else n.props.unshift({ name, value });
  };
  const child = (name: string) => {
    let n = fdtFind(root, `/${name}`);
    if (!n) root.children.unshift(n = { name, props: [], children: [] });
    return n;
  };
  setProp(child("memory"), "reg", cells64(RAM_BASE, mm.ramSize));
  const chosen = child("chosen");
  if (opts.bootargs) setProp(chosen, "bootargs", strings(opts.bootargs));
  if (initrd) {
    setProp(chosen, "linux,initrd-start", cells(initrd.start));
    setProp(chosen, "linux,initrd-end", cells(initrd.end));
  }
  return encodeFdt(root, { bootCpuId: fdt.bootCpuId, reservations: fdt.reservations });
}

/** A parsed ELF64 header's loadable part. */
export interface ElfImage {
  entry: number;
  segments: { offset: number; paddr: number; vaddr: number; filesz: number; memsz: number }[];
}

/**
 * Parse an ELF64 little-endian AArch64 executable's PT_LOAD program headers.
 * Throws {@link ImageError} with the precise problem.
 */
export function parseElf(b: Uint8Array, file = "ELF image"): ElfImage {
  const bad = (detail: string): never => {
    throw new ImageError(file, detail);
  };
  if (b.length < 64) bad(`truncated ELF header: ${b.length} bytes, need 64`);
  if (b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) {
    bad("not an ELF file (bad magic)");
  }
  if (b[4] !== 2) bad(`not a 64-bit ELF (EI_CLASS ${b[4]}, expected 2 = ELFCLASS64)`);
  if (b[5] !== 1) bad(`not a little-endian ELF (EI_DATA ${b[5]}, expected 1 = ELFDATA2LSB)`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const type = v.getUint16(16, true);
  if (type !== 2 && type !== 3) {
    bad(`not an executable ELF (e_type ${type}, expected 2 = ET_EXEC or 3 = ET_DYN)`);
  }
  const machine = v.getUint16(18, true);
  if (machine !== EM_AARCH64) {
    bad(`wrong machine: e_machine ${machine}, expected ${EM_AARCH64} (EM_AARCH64)`);
  }
  const big = (off: number) => {
    const x = v.getBigUint64(off, true);
    if (x >= 1n << 53n) bad(`64-bit field at offset ${hex(off)} out of range: 0x${x.toString(16)}`);
    return Number(x);
  };
  const entry = big(24);
  const phoff = big(32);
  const phentsize = v.getUint16(54, true);
  const phnum = v.getUint16(56, true);
  if (phnum && phentsize < 56) bad(`bad e_phentsize ${phentsize} (expected 56)`);
  if (phoff + phnum * phentsize > b.length) {
    bad(
      `program headers (${phnum} at offset ${
        hex(phoff)
      }) run past the end of the file (${b.length} bytes)`,
    );
  }
  const segments: ElfImage["segments"] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (v.getUint32(p, true) !== 1) continue; // PT_LOAD
    const s = {
      offset: big(p + 8),
      vaddr: big(p + 16),
      paddr: big(p + 24),
      filesz: big(p + 32),
      memsz: big(p + 40),
    };
    if (s.offset + s.filesz > b.length) {
      bad(
        `segment ${i} data (offset ${hex(s.offset)}, ${
          hex(s.filesz)
        } bytes) runs past the end of the file`,
      );
    }
    if (s.memsz < s.filesz) {
      bad(`segment ${i} has p_memsz ${hex(s.memsz)} < p_filesz ${hex(s.filesz)}`);
    }
    segments.push(s);
  }
  return { entry, segments };
}
