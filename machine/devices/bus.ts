/**
 * The device buses of the board: one MMIO bus keyed by guest-physical address
 * ranges and one registry of device-backed system registers keyed by their
 * 16-bit MRS/MSR encoding (sysregs.ts). Devices register what they own;
 * anything nobody owns answers `false`, which the CPU turns into an external
 * abort (MMIO) or an UNDEFINED instruction (system register), as QEMU does
 * for unassigned physical memory on the virt board (`unassigned_mem_ops`
 * returning MEMTX_DECODE_ERROR) and for unimplemented cp regs.
 *
 * Values cross as 32-bit halves (`lo`, `hi`) and through the caller's `out`
 * array; no BigInt. Addresses are plain numbers: guest-physical addresses are
 * below 2^48 and fit a double exactly.
 *
 * @module
 */

/** A memory-mapped device. `offset` is relative to the region base. */
export interface MmioDevice {
  /**
   * Read `size` (1, 2, 4 or 8) bytes at `offset`; write the value to `out[0]`
   * (low 32 bits) and `out[1]` (high 32 bits). Return false for an access the
   * device rejects (the CPU raises an external abort).
   */
  read(cpu: number, offset: number, size: number, out: Int32Array): boolean;
  /** Write `size` bytes (`lo`, `hi` halves); false to raise an external abort. */
  write(cpu: number, offset: number, size: number, lo: number, hi: number): boolean;
}

/** One mapped region of the bus. */
export interface MmioRegion {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly device: MmioDevice;
}

/**
 * The MMIO bus: regions are `[base, base + size)`, never overlapping.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { MmioBus } from "./bus.ts";
 * const bus = new MmioBus();
 * let last = 0;
 * bus.map("scratch", 0x0900_0000, 0x1000, {
 *   read(_cpu, off, _size, out) { out[0] = off; out[1] = 0; return true; },
 *   write(_cpu, _off, _size, lo) { last = lo; return true; },
 * });
 * const out = new Int32Array(2);
 * assert(bus.read(0, 0x0900_0018, 4, out) && out[0] === 0x18);
 * assert(bus.write(0, 0x0900_0000, 4, 0x41, 0) && last === 0x41);
 * assert(!bus.read(0, 0x0a00_0000, 4, out)); // unmapped: external abort
 * ```
 */
export class MmioBus {
  #regions: MmioRegion[] = [];
  #last: MmioRegion | undefined;

  /** Map `device` at `[base, base + size)`. Throws on overlap or a bad range. */
  map(name: string, base: number, size: number, device: MmioDevice): MmioRegion {
    if (
      !Number.isSafeInteger(base) || !Number.isSafeInteger(size) || base < 0 || size <= 0 ||
      base + size > 2 ** 48
    ) {
      throw new RangeError(`Invalid MMIO region for ${name}: base ${base}, size ${size}`);
    }
    for (const r of this.#regions) {
      if (base < r.base + r.size && r.base < base + size) {
        throw new RangeError(
          `MMIO region ${name} at 0x${base.toString(16)} overlaps ${r.name} at 0x${
            r.base.toString(16)
          }`,
        );
      }
    }
    const region: MmioRegion = { name, base, size, device };
    this.#regions.push(region);
    this.#regions.sort((a, b) => a.base - b.base);
    return region;
  }

  /** Remove the region named `name` (returns whether one was mapped). */
  unmap(name: string): boolean {
    const i = this.#regions.findIndex((r) => r.name === name);
    if (i < 0) return false;
    if (this.#last === this.#regions[i]) this.#last = undefined;
    this.#regions.splice(i, 1);
    return true;
  }

  /** The mapped regions, sorted by base address. */
  get regions(): readonly MmioRegion[] {
    return this.#regions;
  }

  /** The region containing `pa` (the whole access must fit in it), if any. */
  find(pa: number, size = 1): MmioRegion | undefined {
    const last = this.#last;
    if (last && pa >= last.base && pa + size <= last.base + last.size) return last;
    // Few regions: a linear scan is faster than anything clever.
    for (const r of this.#regions) {
      if (pa >= r.base && pa + size <= r.base + r.size) {
        this.#last = r;
        return r;
      }
    }
    return undefined;
  }

  /** Dispatch a read; false when nothing answers (external abort). */
  read(cpu: number, pa: number, size: number, out: Int32Array): boolean {
    const r = this.find(pa, size);
    if (!r) return false;
    return r.device.read(cpu, pa - r.base, size, out);
  }

  /** Dispatch a write; false when nothing answers (external abort). */
  write(cpu: number, pa: number, size: number, lo: number, hi: number): boolean {
    const r = this.find(pa, size);
    if (!r) return false;
    return r.device.write(cpu, pa - r.base, size, lo, hi);
  }
}

/** A device that implements some system registers ("special" rows of sysregs.ts). */
export interface SysregDevice {
  /** Read the register `key`; false makes the access UNDEFINED. */
  sysregRead(cpu: number, key: number, out: Int32Array): boolean;
  /** Write the register `key`; false makes the access UNDEFINED. */
  sysregWrite(cpu: number, key: number, lo: number, hi: number): boolean;
}

/**
 * Device-backed system registers: each key is owned by one device.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { SysregBus } from "./bus.ts";
 * import { sysregByName } from "../sysregs.ts";
 * const key = sysregByName("CNTPCT_EL0")!.key;
 * const bus = new SysregBus();
 * bus.register([key], {
 *   sysregRead(_cpu, _key, out) { out[0] = 42; out[1] = 0; return true; },
 *   sysregWrite() { return false; },
 * });
 * const out = new Int32Array(2);
 * assert(bus.read(0, key, out) && out[0] === 42);
 * assert(!bus.read(0, key + 1, out));
 * ```
 */
export class SysregBus {
  #owners = new Map<number, SysregDevice>();

  /** Make `device` the owner of `keys`. Throws if a key already has an owner. */
  register(keys: Iterable<number>, device: SysregDevice): void {
    for (const k of keys) {
      if (this.#owners.has(k)) {
        throw new Error(`System register key 0x${k.toString(16)} already has an owner`);
      }
      this.#owners.set(k, device);
    }
  }

  /** Whether some device owns `key`. */
  has(key: number): boolean {
    return this.#owners.has(key);
  }

  /** All owned keys. */
  keys(): number[] {
    return [...this.#owners.keys()];
  }

  /** Dispatch a read; false when no device owns the key (UNDEFINED). */
  read(cpu: number, key: number, out: Int32Array): boolean {
    const d = this.#owners.get(key);
    return d ? d.sysregRead(cpu, key, out) : false;
  }

  /** Dispatch a write; false when no device owns the key (UNDEFINED). */
  write(cpu: number, key: number, lo: number, hi: number): boolean {
    const d = this.#owners.get(key);
    return d ? d.sysregWrite(cpu, key, lo, hi) : false;
  }

  /** {@link SysregBus.read} as a 64-bit value, undefined when nothing answers (API side). */
  readU64(cpu: number, key: number): bigint | undefined {
    const out = new Int32Array(2);
    if (!this.read(cpu, key, out)) return undefined;
    return (BigInt(out[1] >>> 0) << 32n) | BigInt(out[0] >>> 0);
  }

  /** {@link SysregBus.write} of a 64-bit value (API side). */
  writeU64(cpu: number, key: number, v: bigint): boolean {
    const u = BigInt.asUintN(64, v);
    return this.write(cpu, key, Number(u & 0xffff_ffffn) | 0, Number(u >> 32n) | 0);
  }
}

/** An interrupt line into the interrupt controller (level-sensitive). */
export type IrqLine = (level: boolean) => void;
