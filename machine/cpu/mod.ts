/**
 * The A64 CPU of hvsh: interpreter, encoding table, assembler and
 * disassembler.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { asm, disassemble } from "./mod.ts";
 * const img = asm`hvc #0`;
 * assertEquals(disassemble(new DataView(img.bytes.buffer).getUint32(0, true)), "hvc #0x0");
 * ```
 *
 * @module
 */

export { Cpu, Exit, type ExitCode, type ExitInfo, type ResetOptions, resetVcpu } from "./cpu.ts";
export {
  asm,
  AsmError,
  type AsmImage,
  type AsmOptions,
  type AsmTag,
  assemble,
  assembleOne,
  DEFAULT_BASE,
  MNEMONICS,
} from "./asm.ts";
export { disassemble } from "./disasm.ts";
export { type Alias, ALIASES, decode, type Handler, type Row, ROW_BY_NAME, ROWS } from "./table.ts";
export { CallAction, type CallActionCode, type CpuCallbacks } from "./callbacks.ts";
export { EC, HCR } from "./core.ts";
export type { Fields } from "./operands.ts";
export {
  exceptionReturn,
  getNzcv,
  getPstate,
  PSR,
  setNzcv,
  setPstate,
  spsrOf,
  takeException,
  VECTOR,
} from "./pstate.ts";
