import { assertEquals, assertThrows } from "@std/assert";
import { gzipSync } from "node:zlib";
import {
  buildVirtDtb,
  buildVirtDtbBlob,
  decodeFdt,
  encodeFdt,
  fdtCells,
  fdtFind,
  fdtProp,
  fdtStrings,
} from "./dtb.ts";
import { ImageError } from "./errors.ts";
import { BOOT_STUB, detectImageKind, loadImage, parseElf } from "./loader.ts";
import { MachineMemory, RAM_BASE, RAM_OFFSET } from "./state.ts";

function ram(mm: MachineMemory, pa: number, n: number): Uint8Array {
  return mm.u8.slice(RAM_OFFSET + pa - RAM_BASE, RAM_OFFSET + pa - RAM_BASE + n);
}
function u32(mm: MachineMemory, pa: number): number {
  return mm.view.getUint32(RAM_OFFSET + pa - RAM_BASE, true);
}

/** A minimal ELF64 AArch64 executable with the given PT_LOAD segments. */
function makeElf(
  entry: number,
  segs: { paddr: number; data: Uint8Array; memsz?: number }[],
  patch?: (v: DataView) => void,
): Uint8Array {
  const phoff = 64, phsz = 56;
  let off = phoff + segs.length * phsz;
  const total = off + segs.reduce((a, s) => a + s.data.length, 0);
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 183, true); // EM_AARCH64
  v.setUint32(20, 1, true);
  v.setBigUint64(24, BigInt(entry), true);
  v.setBigUint64(32, BigInt(phoff), true);
  v.setUint16(52, 64, true);
  v.setUint16(54, phsz, true);
  v.setUint16(56, segs.length, true);
  segs.forEach((s, i) => {
    const p = phoff + i * phsz;
    v.setUint32(p, 1, true); // PT_LOAD
    v.setUint32(p + 4, 5, true);
    v.setBigUint64(p + 8, BigInt(off), true);
    v.setBigUint64(p + 16, BigInt(s.paddr), true);
    v.setBigUint64(p + 24, BigInt(s.paddr), true);
    v.setBigUint64(p + 32, BigInt(s.data.length), true);
    v.setBigUint64(p + 40, BigInt(s.memsz ?? s.data.length), true);
    b.set(s.data, off);
    off += s.data.length;
  });
  patch?.(v);
  return b;
}

/** An arm64 Image header (booting.rst) followed by `body`. */
function makeImage(
  textOffset: number,
  imageSize: number,
  body = new Uint8Array(0x100),
): Uint8Array {
  const b = new Uint8Array(0x40 + body.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x1400_0010, true); // b +0x40 (code0)
  v.setBigUint64(8, BigInt(textOffset), true);
  v.setBigUint64(16, BigInt(imageSize), true);
  b.set([0x41, 0x52, 0x4d, 0x64], 0x38);
  b.set(body, 0x40);
  return b;
}

const dtbFor = (memoryMiB: number) => (initrd?: { start: number; end: number }) =>
  buildVirtDtbBlob({ cpus: 1, memoryMiB, initrd });

Deno.test("detectImageKind() tells ELF, arm64 Image and raw apart", () => {
  assertEquals(detectImageKind(makeElf(RAM_BASE, [])), "elf");
  assertEquals(detectImageKind(makeImage(0, 0x10_0000)), "linux-image");
  assertEquals(detectImageKind(new Uint8Array([1, 2, 3])), "raw");
});

Deno.test("loadImage() loads raw binaries at 0x40080000 behind QEMU's boot stub", () => {
  const mm = new MachineMemory(1, 64);
  const code = new Uint8Array([0xaa, 0xbb, 0xcc, 0xdd]);
  const r = loadImage(mm, code, { dtb: dtbFor(64) });
  assertEquals([r.kind, r.isLinux, r.entry, r.pc], ["raw", true, 0x4008_0000, RAM_BASE]);
  assertEquals(ram(mm, 0x4008_0000, 4), code);
  // 64 MiB: initrd slot at RAM + 32 MiB; the DTB follows, 2 MiB aligned.
  assertEquals(r.dtbAddr, 0x4200_0000);
  assertEquals(r.x, [0x4200_0000, 0, 0, 0, 0x4008_0000]);
  assertEquals([0, 1, 2, 3, 4, 5].map((i) => u32(mm, RAM_BASE + i * 4)), [...BOOT_STUB]);
  assertEquals([u32(mm, RAM_BASE + 24), u32(mm, RAM_BASE + 28)], [0x4200_0000, 0]);
  assertEquals([u32(mm, RAM_BASE + 32), u32(mm, RAM_BASE + 36)], [0x4008_0000, 0]);
  const fdt = decodeFdt(ram(mm, 0x4200_0000, 0x10_0000));
  assertEquals(fdtCells(fdtProp(fdtFind(fdt.root, "/memory")!, "reg")!), [
    0,
    RAM_BASE,
    0,
    64 << 20,
  ]);
  assertEquals(r.segments.map((s) => s.name), ["kernel", "dtb", "boot stub"]);
});

Deno.test("loadImage() puts initrd and DTB at 128 MiB into large RAM", () => {
  const mm = new MachineMemory(1, 512);
  const r = loadImage(mm, new Uint8Array(16), {
    dtb: dtbFor(512),
    initrd: new Uint8Array(3 * 0x10_0000).fill(7),
  });
  assertEquals(r.initrd, { start: 0x4800_0000, end: 0x4830_0000 });
  assertEquals(r.dtbAddr, 0x4840_0000); // ALIGN_UP(end, 2 MiB)
  const chosen = fdtFind(decodeFdt(ram(mm, 0x4840_0000, 0x10_0000)).root, "/chosen")!;
  assertEquals(fdtCells(fdtProp(chosen, "linux,initrd-start")!), [0x4800_0000]);
  assertEquals(fdtCells(fdtProp(chosen, "linux,initrd-end")!), [0x4830_0000]);
  assertEquals(ram(mm, 0x4800_0000, 2), new Uint8Array([7, 7]));
});

Deno.test("loadImage() honours an arm64 Image's text_offset and image_size", () => {
  const mm = new MachineMemory(1, 64);
  // Modern kernels: text_offset 0 -> moved up by 2 MiB past the boot stub.
  let r = loadImage(mm, makeImage(0, 0x3_0000), { dtb: dtbFor(64) });
  assertEquals([r.kind, r.entry], ["linux-image", 0x4020_0000]);
  // Old kernels: text_offset 0x80000 honoured.
  r = loadImage(mm, makeImage(0x8_0000, 0x3_0000));
  assertEquals(r.entry, 0x4008_0000);
  assertEquals(r.dtbAddr, undefined);
  // image_size 0 (before v3.17): text_offset ignored, 0x80000 used.
  r = loadImage(mm, makeImage(0x20_0000, 0));
  assertEquals(r.entry, 0x4008_0000);
  // gzip-compressed Images are decompressed first.
  const img = makeImage(0, 0x1000);
  r = loadImage(mm, new Uint8Array(gzipSync(img)));
  assertEquals([r.kind, r.entry], ["linux-image", 0x4020_0000]);
  assertEquals(ram(mm, 0x4020_0000, img.length), img);
});

Deno.test("loadImage() places the initrd after a kernel that reaches past the default slot", () => {
  const mm = new MachineMemory(1, 64);
  const r = loadImage(mm, makeImage(0, 40 << 20), { initrd: new Uint8Array(100), dtb: dtbFor(64) });
  // Kernel at 0x40200000 + 40 MiB = 0x42a00000 > RAM + 32 MiB.
  assertEquals(r.initrd, { start: 0x42a0_0000, end: 0x42a0_0064 });
  assertEquals(r.dtbAddr, 0x42c0_0000);
});

Deno.test("loadImage() loads ELF segments at p_paddr, enters at e_entry and puts the DTB at RAM start", () => {
  const mm = new MachineMemory(1, 64);
  const text = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  ram(mm, 0x4010_1000, 4); // untouched memory is zero
  mm.u8.fill(0xee, RAM_OFFSET + 0x10_1008, RAM_OFFSET + 0x10_1010);
  const elf = makeElf(0x4010_0004, [
    { paddr: 0x4010_0000, data: text },
    { paddr: 0x4010_1000, data: new Uint8Array([9]), memsz: 0x10 },
  ]);
  const r = loadImage(mm, elf, { dtb: dtbFor(64), initrd: new Uint8Array(4) });
  assertEquals([r.kind, r.isLinux, r.entry, r.pc, r.dtbAddr], [
    "elf",
    false,
    0x4010_0004,
    0x4010_0004,
    RAM_BASE,
  ]);
  assertEquals(r.x, [0, 0, 0, 0, 0]);
  assertEquals(ram(mm, 0x4010_0000, 8), text);
  assertEquals(ram(mm, 0x4010_1000, 0x10), new Uint8Array([9, ...new Array(15).fill(0)])); // zero fill
  assertEquals(r.initrd, undefined);
  assertEquals(r.warnings.length, 1);
  assertEquals(decodeFdt(ram(mm, RAM_BASE, 0x10_0000)).root.name, "");
});

Deno.test("loadImage() leaves the DTB out when an ELF covers the start of RAM or leaves no room", () => {
  const mm = new MachineMemory(1, 64);
  let r = loadImage(mm, makeElf(RAM_BASE, [{ paddr: RAM_BASE, data: new Uint8Array(8) }]), {
    dtb: dtbFor(64),
  });
  assertEquals(r.dtbAddr, undefined);
  r = loadImage(
    mm,
    makeElf(RAM_BASE + 0x100, [{ paddr: RAM_BASE + 0x100, data: new Uint8Array(8) }]),
    {
      dtb: dtbFor(64),
    },
  );
  assertEquals(r.dtbAddr, undefined); // 0x100 bytes is too small for the DTB
  assertEquals(r.warnings[0].startsWith("DTB not loaded"), true);
});

Deno.test("loadImage() patches a user-supplied DTB like arm_load_dtb", () => {
  const mm = new MachineMemory(1, 64);
  const user = encodeFdt(buildVirtDtb({ cpus: 1, memoryMiB: 1024, bootargs: "old" }));
  const r = loadImage(mm, new Uint8Array(4), {
    dtb: user,
    bootargs: "new args",
    initrd: new Uint8Array(8),
  });
  const root = decodeFdt(ram(mm, r.dtbAddr!, 0x10_0000)).root;
  assertEquals(fdtCells(fdtProp(fdtFind(root, "/memory")!, "reg")!), [0, RAM_BASE, 0, 64 << 20]);
  assertEquals(fdtStrings(fdtProp(fdtFind(root, "/chosen")!, "bootargs")!), ["new args"]);
  assertEquals(fdtCells(fdtProp(fdtFind(root, "/chosen")!, "linux,initrd-end")!), [0x4200_0008]);
});

Deno.test("parseElf() rejects malformed ELF files with precise messages", () => {
  const good = makeElf(RAM_BASE, [{ paddr: RAM_BASE, data: new Uint8Array(4) }]);
  assertThrows(() => parseElf(good.slice(0, 40)), ImageError, "truncated ELF header: 40 bytes");
  const c32 = good.slice();
  c32[4] = 1;
  assertThrows(() => parseElf(c32), ImageError, "not a 64-bit ELF");
  const be = good.slice();
  be[5] = 2;
  assertThrows(() => parseElf(be), ImageError, "not a little-endian ELF");
  const x86 = makeElf(RAM_BASE, [], (v) => v.setUint16(18, 62, true));
  assertThrows(() => parseElf(x86), ImageError, "wrong machine: e_machine 62, expected 183");
  const rel = makeElf(RAM_BASE, [], (v) => v.setUint16(16, 1, true));
  assertThrows(() => parseElf(rel), ImageError, "not an executable ELF");
  assertThrows(() => parseElf(good.slice(0, 100)), ImageError, "run past the end");
  const trunc = makeElf(RAM_BASE, [{ paddr: RAM_BASE, data: new Uint8Array(64) }]).slice(
    0,
    64 + 56 + 10,
  );
  assertThrows(() => parseElf(trunc), ImageError, "segment 0 data");
});

Deno.test("loadImage() rejects images that do not fit in RAM", () => {
  const mm = new MachineMemory(1, 4);
  const outside = makeElf(0x1000, [{ paddr: 0x1000, data: new Uint8Array(4) }]);
  assertThrows(
    () => loadImage(mm, outside, { name: "low.elf" }),
    ImageError,
    "Cannot load low.elf: segment 0 at 0x1000",
  );
  assertThrows(() => loadImage(mm, new Uint8Array(5 << 20)), ImageError, "too large to fit in RAM");
  assertThrows(
    () => loadImage(mm, new Uint8Array(16), { initrd: new Uint8Array(3 << 20) }),
    ImageError,
    "initrd too big to fit into RAM after the kernel",
  );
  assertThrows(
    () => loadImage(mm, makeImage(0, 0x1000).slice(0, 0x3d), { format: "linux-image" }),
    ImageError,
    "truncated arm64 Image header",
  );
  assertThrows(
    () => loadImage(mm, new Uint8Array([0x1f, 0x8b, 0, 0])),
    ImageError,
    "bad gzip data",
  );
});

const HAVE_GCC = await (async () => {
  try {
    return (await new Deno.Command("aarch64-linux-gnu-gcc", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output()).success;
  } catch {
    return false;
  }
})();
if (!HAVE_GCC) {
  console.warn("loader_test: aarch64-linux-gnu-gcc not found; skipping the real-ELF test");
}

Deno.test({
  name: "loadImage() loads a real aarch64-linux-gnu-gcc -nostdlib -static ELF",
  ignore: !HAVE_GCC,
  async fn() {
    const dir = await Deno.makeTempDir({ dir: "/tmp" });
    try {
      await Deno.writeTextFile(
        `${dir}/t.c`,
        `volatile unsigned int counter = 0x12345678;
         unsigned char zeros[256];
         void _start(void) { for (;;) counter++; }\n`,
      );
      const cc = await new Deno.Command("aarch64-linux-gnu-gcc", {
        args: [
          "-nostdlib",
          "-static",
          "-O2",
          "-Wl,-Ttext=0x40200000",
          "-Wl,--build-id=none",
          "-o",
          `${dir}/t.elf`,
          `${dir}/t.c`,
        ],
        stderr: "piped",
      }).output();
      assertEquals(cc.success, true, new TextDecoder().decode(cc.stderr));
      const nm = await new Deno.Command("aarch64-linux-gnu-nm", {
        args: [`${dir}/t.elf`],
        stdout: "piped",
      }).output();
      const sym = (name: string) => {
        const line = new TextDecoder().decode(nm.stdout).split("\n").find((l) =>
          l.endsWith(` ${name}`)
        )!;
        return parseInt(line.split(" ")[0], 16);
      };
      const mm = new MachineMemory(1, 64);
      const r = loadImage(mm, await Deno.readFile(`${dir}/t.elf`), {
        name: "t.elf",
        dtb: dtbFor(64),
      });
      assertEquals(r.entry, sym("_start"));
      assertEquals(u32(mm, sym("counter")), 0x1234_5678);
      assertEquals(ram(mm, sym("zeros"), 256).every((b) => b === 0), true);
      assertEquals(r.dtbAddr, RAM_BASE);
      assertEquals(fdtStrings(fdtProp(decodeFdt(ram(mm, RAM_BASE, 0x10_0000)).root, "model")!), [
        "linux,dummy-virt",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

async function run(cmd: string, args: string[]): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!r.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(r.stderr)}`);
  return new TextDecoder().decode(r.stdout);
}

const HAVE_QEMU = HAVE_GCC && await (async () => {
  try {
    return (await new Deno.Command("qemu-system-aarch64", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output()).success;
  } catch {
    return false;
  }
})();
if (!HAVE_QEMU) {
  console.warn(
    "loader_test: qemu-system-aarch64 or the cross toolchain missing; skipping the QEMU comparison",
  );
}

Deno.test({
  name: "loadImage() leaves x0, x4, the boot stub and the DTB where QEMU -kernel does",
  ignore: !HAVE_QEMU,
  async fn() {
    const dir = await Deno.makeTempDir({ dir: "/tmp" });
    try {
      const src = new URL("../tests/guests/boot_probe.S", import.meta.url).pathname;
      await run("aarch64-linux-gnu-as", ["-o", `${dir}/p.o`, src]);
      const build = async (name: string, text: number) => {
        await run("aarch64-linux-gnu-ld", [
          `-Ttext=0x${text.toString(16)}`,
          "-o",
          `${dir}/${name}.elf`,
          `${dir}/p.o`,
        ]);
        return `${dir}/${name}.elf`;
      };
      const raw = await build("raw", 0x4008_0000);
      await run("aarch64-linux-gnu-objcopy", ["-O", "binary", raw, `${dir}/p.bin`]);
      await Deno.writeFile(`${dir}/rd`, new Uint8Array(3_000_000));
      const cases: { kernel: string; memoryMiB: number; initrd?: boolean }[] = [
        { kernel: `${dir}/p.bin`, memoryMiB: 64 },
        { kernel: `${dir}/p.bin`, memoryMiB: 512, initrd: true },
        { kernel: await build("low", 0x4010_0000), memoryMiB: 64 }, // PT_LOAD from 0x400f0000: no room for 1 MiB
        { kernel: await build("high", 0x4020_0000), memoryMiB: 64 },
      ];
      for (const c of cases) {
        const qemuArgs = [
          "-M",
          "virt",
          "-cpu",
          "cortex-a76",
          "-m",
          `${c.memoryMiB}`,
          "-display",
          "none",
        ];
        qemuArgs.push("-serial", "stdio", "-kernel", c.kernel);
        if (c.initrd) qemuArgs.push("-initrd", `${dir}/rd`);
        const theirs = (await run("timeout", ["20", "qemu-system-aarch64", ...qemuArgs])).trim()
          .split("\n");
        const mm = new MachineMemory(1, c.memoryMiB);
        const r = loadImage(mm, await Deno.readFile(c.kernel), {
          dtb: dtbFor(c.memoryMiB),
          initrd: c.initrd ? await Deno.readFile(`${dir}/rd`) : undefined,
        });
        const h = (n: number) => n.toString(16).padStart(16, "0");
        const ours = [h(r.x[0]), h(r.x[4]), h(u32(mm, RAM_BASE))];
        if (r.x[0]) ours.push(h(u32(mm, r.x[0])));
        assertEquals(ours, theirs, `${c.kernel} with ${c.memoryMiB} MiB`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
