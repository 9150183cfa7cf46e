/**
 * Compiled syntax templates of table rows and aliases: a template such as
 * `"add {Rds}, {Rns}, {aimm}"` becomes a mnemonic template plus a list of
 * literal and operand segments, shared by the assembler and the
 * disassembler.
 *
 * @module
 */

import { type OperandKind, operandKind } from "./operands.ts";

/** One piece of a template. */
export type Segment =
  | { readonly lit: string }
  | { readonly kind: OperandKind; readonly name: string; readonly arg: string };

/** A compiled template. */
export interface Template {
  /** The mnemonic part (may itself contain placeholders, e.g. `b.{cond}`). */
  readonly mnemonic: readonly Segment[];
  /** Literal mnemonic prefix used to index the assembler (e.g. `b.` for `b.{cond}`). */
  readonly key: string;
  /** Whether the mnemonic is fully literal. */
  readonly exact: boolean;
  /** The operand part. */
  readonly operands: readonly Segment[];
}

function segments(text: string): Segment[] {
  const out: Segment[] = [];
  const re = /\{([A-Za-z0-9_]+)(?::([A-Za-z0-9_]+))?\}/g;
  let last = 0;
  for (let m; (m = re.exec(text));) {
    if (m.index > last) out.push({ lit: text.slice(last, m.index) });
    const kind = operandKind(m[1]);
    if (!kind) throw new Error(`Unknown operand kind {${m[1]}} in "${text}"`);
    out.push({ kind, name: m[1], arg: m[2] ?? "" });
    last = re.lastIndex;
  }
  if (last < text.length) out.push({ lit: text.slice(last) });
  return out;
}

const cache = new Map<string, Template>();

/** Compile (and cache) a syntax template. */
export function template(syntax: string): Template {
  let t = cache.get(syntax);
  if (t) return t;
  // The mnemonic ends at the first space or at an operand kind that starts the operands.
  const sp = syntax.indexOf(" ");
  let mn = sp < 0 ? syntax : syntax.slice(0, sp);
  let ops = sp < 0 ? "" : syntax.slice(sp + 1);
  // "ret{retreg}", "isb{opt15}": an operand glued to the mnemonic is an operand.
  const glued = /^([a-z0-9.]+)(\{(?:retreg|opt15)\})$/.exec(mn);
  if (glued) {
    mn = glued[1];
    ops = glued[2] + (ops ? " " + ops : "");
  }
  const mnemonic = segments(mn);
  const first = mnemonic[0];
  const key = "lit" in first ? first.lit : "";
  t = { mnemonic, key, exact: mnemonic.length === 1 && "lit" in first, operands: segments(ops) };
  cache.set(syntax, t);
  return t;
}
