/**
 * Arm PrimeCell PL011 UART, register-compatible with QEMU's model
 * (hw/char/pl011.c, QEMU 7.2, the version the virt board comparison tests
 * run against) as QEMU's virt board wires it: 4 KiB at 0x0900_0000
 * (hw/arm/virt.c `VIRT_UART`), interrupt SPI 1 = INTID 33 (`VIRT_UART` in
 * `a15irqmap`), UARTCLK 24 MHz from the /apb-pclk fixed clock.
 *
 * Behaviour mirrored from QEMU rather than from the TRM where they differ:
 * transmission is instantaneous (FR.TXFE always set, TXFF never), every DR
 * write raises the TX interrupt status, the RX interrupt asserts as soon as
 * one character is in the FIFO (QEMU's `read_trigger` is always 1), CR
 * enable bits are stored but not enforced, accesses decode `offset >> 2`.
 *
 * @module
 */

import type { IrqLine, MmioDevice } from "./bus.ts";

/** Guest-physical base on the virt board (hw/arm/virt.c base_memmap[VIRT_UART]). */
export const PL011_BASE = 0x0900_0000;
/** Size of the register window (hw/arm/virt.c base_memmap[VIRT_UART]). */
export const PL011_SIZE = 0x1000;
/** SPI number on the virt board (hw/arm/virt.c a15irqmap[VIRT_UART] = 1). */
export const PL011_SPI = 1;
/** GIC INTID of the UART interrupt (SPI 1 + 32). */
export const PL011_INTID = 32 + PL011_SPI;

/** Register offsets (PL011 TRM DDI 0183G, table 3-1; hw/char/pl011.c). */
export const PL011 = {
  DR: 0x000,
  RSR: 0x004,
  FR: 0x018,
  ILPR: 0x020,
  IBRD: 0x024,
  FBRD: 0x028,
  LCR_H: 0x02c,
  CR: 0x030,
  IFLS: 0x034,
  IMSC: 0x038,
  RIS: 0x03c,
  MIS: 0x040,
  ICR: 0x044,
  DMACR: 0x048,
  PERIPHID0: 0xfe0,
} as const;

/** UARTFR bits (TRM 3.3.3; hw/char/pl011.c PL011_FLAG_*). */
export const PL011_FR = { RXFE: 0x10, TXFF: 0x20, RXFF: 0x40, TXFE: 0x80 } as const;
/** Interrupt bits in RIS/MIS/IMSC/ICR (TRM 3.3.13; hw/char/pl011.c INT_*). */
export const PL011_INT = { RX: 1 << 4, TX: 1 << 5, RT: 1 << 6 } as const;

/** PeriphID0..3, PCellID0..3 of the Arm PL011 (hw/char/pl011.c pl011_id_arm). */
export const PL011_ID = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1] as const;

/** Receive FIFO depth when LCR_H.FEN is set (hw/char/pl011.h PL011_FIFO_DEPTH). */
const FIFO_DEPTH = 16;
/** LCR_H.FEN (TRM 3.3.7). */
const LCR_FEN = 0x10;

/**
 * The UART. Output is captured (`text()`, `bytes()`) and streamed to
 * `onOutput` listeners; `input()` queues characters for the guest to read.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Pl011, PL011 } from "./pl011.ts";
 * const uart = new Pl011();
 * const seen: number[] = [];
 * uart.onOutput((b) => seen.push(b));
 * for (const c of "hi\n") uart.write(0, PL011.DR, 4, c.charCodeAt(0), 0);
 * assert(uart.text() === "hi\n" && seen.length === 3);
 * const out = new Int32Array(2);
 * uart.read(0, PL011.FR, 4, out);
 * assert(out[0] === 0x90); // TXFE | RXFE, as QEMU after reset
 * ```
 */
export class Pl011 implements MmioDevice {
  /** The interrupt output (UARTINTR, level). */
  declare irq: IrqLine | undefined;

  #out = new Uint8Array(4096);
  #outLen = 0;
  #listeners: ((byte: number) => void)[] = [];
  #host: number[] = [];
  #hostPos = 0;

  // Device state, named after QEMU's PL011State.
  #flags = 0;
  #lcr = 0;
  #rsr = 0;
  #cr = 0;
  #dmacr = 0;
  #intEnabled = 0;
  #intLevel = 0;
  #ilpr = 0;
  #ibrd = 0;
  #fbrd = 0;
  #ifl = 0;
  #fifo = new Uint32Array(FIFO_DEPTH);
  #readPos = 0;
  #readCount = 0;
  #readTrigger = 1;
  #irqLevel = false;

  constructor(opts: { irq?: IrqLine } = {}) {
    this.irq = opts.irq;
    this.reset();
  }

  /** Device reset (hw/char/pl011.c pl011_reset). Captured output is kept. */
  reset(): void {
    this.#lcr = 0;
    this.#rsr = 0;
    this.#dmacr = 0;
    this.#intEnabled = 0;
    this.#intLevel = 0;
    this.#ilpr = 0;
    this.#ibrd = 0;
    this.#fbrd = 0;
    this.#readTrigger = 1;
    this.#ifl = 0x12;
    this.#cr = 0x300;
    this.#flags = 0;
    this.#resetFifo();
    this.#update();
  }

  /** Everything the guest has written to DR, decoded as UTF-8. */
  text(): string {
    return new TextDecoder().decode(this.#out.subarray(0, this.#outLen));
  }

  /** Everything the guest has written to DR, as bytes (a copy). */
  bytes(): Uint8Array {
    return this.#out.slice(0, this.#outLen);
  }

  /** Forget captured output. */
  clear(): void {
    this.#outLen = 0;
  }

  /** Call `fn` with every byte the guest transmits; returns an unsubscribe function. */
  onOutput(fn: (byte: number) => void): () => void {
    this.#listeners.push(fn);
    return () => {
      const i = this.#listeners.indexOf(fn);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /** Queue input for the guest (UTF-8 for strings); it enters the RX FIFO as room allows. */
  input(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    for (const b of bytes) this.#host.push(b);
    this.#acceptInput();
  }

  /** Characters queued by `input()` that have not entered the RX FIFO yet. */
  get pendingInput(): number {
    return this.#host.length - this.#hostPos;
  }

  /** Current level of the interrupt output. */
  get irqLevel(): boolean {
    return this.#irqLevel;
  }

  read(_cpu: number, offset: number, size: number, out: Int32Array): boolean {
    if (size === 8) {
      // QEMU splits a 64-bit access into two 32-bit ones (max_access_size 4).
      out[0] = this.#readReg(offset);
      out[1] = this.#readReg(offset + 4);
      return true;
    }
    const v = this.#readReg(offset);
    out[0] = size === 4 ? v : v & ((1 << (size * 8)) - 1);
    out[1] = 0;
    return true;
  }

  write(_cpu: number, offset: number, size: number, lo: number, hi: number): boolean {
    if (size === 8) {
      this.#writeReg(offset, lo >>> 0);
      this.#writeReg(offset + 4, hi >>> 0);
      return true;
    }
    this.#writeReg(offset, size === 4 ? lo >>> 0 : lo & ((1 << (size * 8)) - 1));
    return true;
  }

  #readReg(offset: number): number {
    switch (offset >> 2) {
      case 0: { // UARTDR
        this.#flags &= ~PL011_FR.RXFF;
        const c = this.#fifo[this.#readPos];
        if (this.#readCount > 0) {
          this.#readCount--;
          this.#readPos = (this.#readPos + 1) & (this.#fifoDepth() - 1);
        }
        if (this.#readCount === 0) this.#flags |= PL011_FR.RXFE;
        if (this.#readCount === this.#readTrigger - 1) this.#intLevel &= ~PL011_INT.RX;
        this.#rsr = c >>> 8;
        this.#update();
        this.#acceptInput();
        return c;
      }
      case 1:
        return this.#rsr;
      case 6:
        return this.#flags;
      case 8:
        return this.#ilpr;
      case 9:
        return this.#ibrd;
      case 10:
        return this.#fbrd;
      case 11:
        return this.#lcr;
      case 12:
        return this.#cr;
      case 13:
        return this.#ifl;
      case 14:
        return this.#intEnabled;
      case 15:
        return this.#intLevel;
      case 16:
        return this.#intLevel & this.#intEnabled;
      case 18:
        return this.#dmacr;
      default:
        if (offset >= PL011.PERIPHID0 && offset < 0x1000) {
          return PL011_ID[(offset - PL011.PERIPHID0) >> 2];
        }
        return 0; // QEMU logs "Bad offset" and reads zero
    }
  }

  #writeReg(offset: number, value: number): void {
    switch (offset >> 2) {
      case 0: // UARTDR: transmit immediately
        this.#transmit(value & 0xff);
        this.#intLevel |= PL011_INT.TX;
        this.#update();
        break;
      case 1: // UARTECR: clear errors
        this.#rsr = 0;
        break;
      case 6: // UARTFR is read-only
        break;
      case 8:
        this.#ilpr = value;
        break;
      case 9:
        this.#ibrd = value;
        break;
      case 10:
        this.#fbrd = value;
        break;
      case 11: // UARTLCR_H: toggling FEN resets the FIFO
        if ((this.#lcr ^ value) & LCR_FEN) this.#resetFifo();
        this.#lcr = value;
        this.#readTrigger = 1;
        break;
      case 12:
        this.#cr = value;
        break;
      case 13:
        this.#ifl = value;
        this.#readTrigger = 1;
        break;
      case 14:
        this.#intEnabled = value;
        this.#update();
        break;
      case 17: // UARTICR
        this.#intLevel &= ~value;
        this.#update();
        break;
      case 18:
        this.#dmacr = value;
        break;
      default:
        break; // QEMU logs "Bad offset" and ignores the write
    }
  }

  #transmit(byte: number): void {
    if (this.#outLen === this.#out.length) {
      const grown = new Uint8Array(this.#out.length * 2);
      grown.set(this.#out);
      this.#out = grown;
    }
    this.#out[this.#outLen++] = byte;
    for (const fn of this.#listeners) fn(byte);
  }

  #fifoDepth(): number {
    return (this.#lcr & LCR_FEN) ? FIFO_DEPTH : 1;
  }

  #resetFifo(): void {
    this.#readCount = 0;
    this.#readPos = 0;
    this.#flags &= ~(PL011_FR.RXFF | PL011_FR.TXFF);
    this.#flags |= PL011_FR.RXFE | PL011_FR.TXFE;
  }

  /** Move queued host input into the RX FIFO while it has room (pl011_can_receive). */
  #acceptInput(): void {
    while (this.#hostPos < this.#host.length && this.#readCount < this.#fifoDepth()) {
      this.#putFifo(this.#host[this.#hostPos++]);
    }
    if (this.#hostPos === this.#host.length) {
      this.#host.length = 0;
      this.#hostPos = 0;
    }
  }

  #putFifo(value: number): void {
    const depth = this.#fifoDepth();
    this.#fifo[(this.#readPos + this.#readCount) & (depth - 1)] = value;
    this.#readCount++;
    this.#flags &= ~PL011_FR.RXFE;
    if (this.#readCount === depth) this.#flags |= PL011_FR.RXFF;
    if (this.#readCount === this.#readTrigger) {
      this.#intLevel |= PL011_INT.RX;
      this.#update();
    }
  }

  #update(): void {
    const level = (this.#intLevel & this.#intEnabled) !== 0;
    if (level !== this.#irqLevel) {
      this.#irqLevel = level;
      this.irq?.(level);
    }
  }
}
