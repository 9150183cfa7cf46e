/**
 * The A64 disassembler, derived from the encoding table: GNU objdump
 * syntax (preferred aliases, `#0x` immediates, branch targets as bare hex
 * addresses), so traces can be compared with
 * `aarch64-linux-gnu-objdump -d` output.
 *
 * @module
 */

import type { Fields, PrintCtx } from "./operands.ts";
import { decode, fieldsOf, PRINT_ALIASES } from "./table.ts";
import { type Segment, template } from "./syntax.ts";

function render(segs: readonly Segment[], f: Fields, ctx: PrintCtx): string {
  let s = "";
  for (const g of segs) s += "lit" in g ? g.lit : g.kind.print(f, ctx, g.arg);
  return s;
}

/**
 * Disassemble one instruction word at address `pc` (default 0; it matters
 * for PC-relative operands). Unallocated or unimplemented encodings give
 * `.inst 0x........ ; undefined`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { disassemble } from "./disasm.ts";
 * assertEquals(disassemble(0x91004020), "add x0, x1, #0x10");
 * assertEquals(disassemble(0x14000040, 0x40080000n), "b 40080100");
 * ```
 */
export function disassemble(word: number, pc: bigint = 0n): string {
  const row = decode(word | 0);
  if (!row) return `.inst 0x${(word >>> 0).toString(16).padStart(8, "0")} ; undefined`;
  const f = fieldsOf(row, word | 0);
  let syntax = row.syntax;
  for (const al of PRINT_ALIASES[row.index]) {
    if (al.when(f)) {
      syntax = al.syntax;
      break;
    }
  }
  const t = template(syntax);
  const ctx = { pc };
  const mn = render(t.mnemonic, f, ctx);
  const ops = render(t.operands, f, ctx);
  return ops ? (ops.startsWith(" ") ? mn + ops : `${mn} ${ops}`) : mn;
}
