/**
 * Guest-physical memory as scripts and the hypervisor model see it: RAM at
 * RAM_BASE (QEMU virt), bounds-checked, little-endian.
 *
 * @module
 */

import { type MachineMemory, RAM_BASE, RAM_OFFSET } from "./state.ts";
import type { MemoryPort } from "../hyp/mod.ts";

/**
 * Guest RAM accessors. A bad address (outside RAM) throws a RangeError naming it.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { createVm } from "../mod.ts";
 * const vm = createVm({ memoryMiB: 16 });
 * vm.memory.writeU64(0x4010_0000n, 0x1122_3344_5566_7788n);
 * assert(vm.memory.readU32(0x4010_0004n) === 0x1122_3344);
 * ```
 */
export class GuestMemory implements MemoryPort {
  /** Guest-physical base of RAM. */
  readonly base: bigint = BigInt(RAM_BASE);
  /** RAM size in bytes. */
  declare readonly size: number;

  declare private readonly mm: MachineMemory;

  constructor(mm: MachineMemory) {
    this.mm = mm;
    this.size = mm.ramSize;
  }

  /** True if [ipa, ipa + len) lies inside RAM. */
  isRam(ipa: bigint, len: number): boolean {
    return ipa >= this.base && ipa + BigInt(len) <= this.base + BigInt(this.size) && len >= 0;
  }

  /** Byte offset of `addr` in the machine memory, after a bounds check. */
  offset(addr: bigint | number, len: number): number {
    if (typeof addr !== "bigint" && !(typeof addr === "number" && Number.isSafeInteger(addr))) {
      throw new TypeError(`Invalid guest address: ${String(addr)} (a bigint or a safe integer)`);
    }
    const a = BigInt(addr);
    if (!this.isRam(a, len)) {
      const end = this.base + BigInt(this.size) - 1n;
      throw new RangeError(
        `Guest address 0x${a.toString(16)}+${len} is outside RAM ` +
          `(0x${this.base.toString(16)}..0x${end.toString(16)})`,
      );
    }
    return RAM_OFFSET + Number(a - this.base);
  }

  /** Copy `len` bytes from guest-physical `addr`. */
  read(addr: bigint | number, len: number): Uint8Array {
    const o = this.offset(addr, len);
    return this.mm.u8.slice(o, o + len);
  }

  /** Write `bytes` at guest-physical `addr`. */
  write(addr: bigint | number, bytes: Uint8Array | readonly number[]): void {
    const o = this.offset(addr, bytes.length);
    this.mm.u8.set(bytes, o);
  }

  readU8(addr: bigint | number): number {
    return this.mm.u8[this.offset(addr, 1)];
  }
  readU16(addr: bigint | number): number {
    return this.mm.view.getUint16(this.offset(addr, 2), true);
  }
  readU32(addr: bigint | number): number {
    return this.mm.view.getUint32(this.offset(addr, 4), true);
  }
  readU64(addr: bigint | number): bigint {
    return this.mm.view.getBigUint64(this.offset(addr, 8), true);
  }
  writeU8(addr: bigint | number, v: number): void {
    this.mm.u8[this.offset(addr, 1)] = v;
  }
  writeU16(addr: bigint | number, v: number): void {
    this.mm.view.setUint16(this.offset(addr, 2), v, true);
  }
  writeU32(addr: bigint | number, v: number): void {
    this.mm.view.setUint32(this.offset(addr, 4), v >>> 0, true);
  }
  writeU64(addr: bigint | number, v: bigint): void {
    this.mm.view.setBigUint64(this.offset(addr, 8), BigInt.asUintN(64, v), true);
  }

  /** Fill [addr, addr + len) with `byte`. */
  fill(addr: bigint | number, len: number, byte: number): void {
    const o = this.offset(addr, len);
    this.mm.u8.fill(byte, o, o + len);
  }

  /** Read a NUL-terminated string (at most `max` bytes). */
  readCString(addr: bigint | number, max = 4096): string {
    const o = this.offset(addr, 1);
    const end = Math.min(o + max, RAM_OFFSET + this.size);
    let e = o;
    while (e < end && this.mm.u8[e] !== 0) e++;
    return new TextDecoder().decode(this.mm.u8.subarray(o, e));
  }
}
