/**
 * The `asm` tagged-template assembler: GNU as syntax for every encoding in
 * the table (table.ts) and its aliases, in two passes (layout, then
 * encoding) so labels may be used before they are defined.
 *
 * Supported: labels (`name:`, numeric local labels `1:` with `1b`/`1f`),
 * comments (`//`, `/* ... *\/`), `;` as a statement separator,
 * `${interpolation}` of numbers, bigints and strings, expressions with
 * `+ - * / % << >> & | ^ ~ ( )`, `.` (current address) and `:lo12:sym`,
 * `ldr Xt, =value` with a literal pool at `.ltorg` or the end, and the
 * directives `.word .long .4byte .quad .8byte .xword .dword .hword .short
 * .2byte .byte .inst .ascii .asciz .string .align .p2align .balign .skip
 * .space .zero .equ .set (name = value) .org .global .globl .text .data
 * .section .type .size .ltorg`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { asm } from "./asm.ts";
 * const img = asm`movz x0, #0x8400, lsl #16
 *                 hvc #0`;
 * assertEquals([img.base, img.bytes.length], [0x4008_0000n, 8]);
 * const low = asm.at(0x4000_0000n)`b .`;
 * assertEquals(low.entry, 0x4000_0000n);
 * ```
 *
 * @module
 */

import { type AsmCtx, FIELD_BITS, type Fields, OpParser } from "./operands.ts";
import { type Alias, ALIASES, type Row, ROWS } from "./table.ts";
import { type Segment, type Template, template } from "./syntax.ts";

/** An assembled image. */
export interface AsmImage {
  /** The bytes, to be placed at `base`. */
  bytes: Uint8Array;
  /** Load address of `bytes[0]`. */
  base: bigint;
  /** Entry point: the `_start` symbol if defined, else `base`. */
  entry: bigint;
  /** Every label and `.equ` symbol with its value. */
  symbols: Record<string, bigint>;
}

/** An assembly error, with the 1-based line and column in the source. */
export class AsmError extends Error {
  /** An error at 1-based `line`/`col` of the source, whose text that line is. */
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
    readonly source: string,
  ) {
    super(`${message} (line ${line}, column ${col}): ${source.trim()}`);
    this.name = "AsmError";
  }
}

/** Where raw images and `asm` output go by default: QEMU -kernel's load address on virt. */
export const DEFAULT_BASE = 0x4008_0000n;

/** Assembler options. */
export interface AsmOptions {
  /** Load address (default {@link DEFAULT_BASE}). */
  base?: bigint;
}

// ---------------------------------------------------------------------------
// Candidates by mnemonic.

interface Candidate {
  row: Row;
  alias?: Alias;
  t: Template;
}

const INDEX = new Map<string, Candidate[]>();
function addCandidate(c: Candidate): void {
  const k = c.t.exact ? c.t.key : c.t.key;
  let list = INDEX.get(k);
  if (!list) INDEX.set(k, list = []);
  list.push(c);
}
for (const row of ROWS) addCandidate({ row, t: template(row.syntax) });
// Aliases are tried before the base spelling of the same mnemonic where both exist.
for (const alias of ALIASES) addCandidate({ row: alias.base, alias, t: template(alias.syntax) });

/** Every mnemonic the assembler accepts (REPL completion). */
export const MNEMONICS: readonly string[] = [...INDEX.keys()].filter((k) => !k.endsWith("."))
  .sort();

function candidatesFor(mn: string): Candidate[] {
  const out = [...(INDEX.get(mn) ?? [])];
  const dot = mn.indexOf(".");
  if (dot >= 0) out.push(...(INDEX.get(mn.slice(0, dot + 1)) ?? []));
  return out;
}

// ---------------------------------------------------------------------------
// Expressions.

interface Scope {
  /** Value of a symbol, or undefined when unknown (yet). */
  lookup(name: string): bigint | undefined;
  /** Value of numeric local label reference `1b` / `1f`. */
  local(n: string, dir: "b" | "f"): bigint | undefined;
  dot: bigint;
  /** In the layout pass unknown symbols evaluate to 0 instead of failing. */
  lenient: boolean;
}

class ExprError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

function evaluate(text: string, scope: Scope): bigint {
  const toks: { t: string; pos: number }[] = [];
  const re =
    /\s*(0x[0-9a-f_]+|0b[01_]+|\d+[bf](?![\w])|\d[\d_]*|'(?:\\.|[^'])'|[A-Za-z_.$][\w.$]*|<<|>>|[-+*/%&|^~()!])/iy;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) {
      if (/^\s*$/.test(text.slice(pos))) break;
      throw new ExprError(`Bad expression: ${text}`, pos);
    }
    toks.push({ t: m[1], pos: m.index + m[0].length - m[1].length });
    pos = re.lastIndex;
  }
  let k = 0;
  const peek = () => toks[k]?.t;
  const prec: Record<string, number> = {
    "|": 1,
    "^": 2,
    "&": 3,
    "<<": 4,
    ">>": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
  };
  const primary = (): bigint => {
    const tok = toks[k++];
    if (!tok) throw new ExprError(`Incomplete expression: ${text}`, text.length);
    const t = tok.t;
    if (t === "(") {
      const v = binary(0);
      if (toks[k++]?.t !== ")") throw new ExprError(`Missing ')': ${text}`, tok.pos);
      return v;
    }
    if (t === "-") return -primary();
    if (t === "+") return primary();
    if (t === "~") return ~primary();
    if (t === "!") return primary() === 0n ? 1n : 0n;
    if (/^\d+[bf]$/i.test(t)) {
      const v = scope.local(t.slice(0, -1), t.slice(-1).toLowerCase() as "b" | "f");
      if (v === undefined) {
        if (scope.lenient) return 0n;
        throw new ExprError(`Undefined local label: ${t}`, tok.pos);
      }
      return v;
    }
    if (/^[0-9]/.test(t)) return BigInt(t.replaceAll("_", "").replace(/^0+(?=\d)/, ""));
    if (t[0] === "'") {
      const ch = t.length === 4
        ? ({ n: "\n", t: "\t", "0": "\0" } as Record<string, string>)[t[2]] ?? t[2]
        : t[1];
      return BigInt(ch.charCodeAt(0));
    }
    if (t === ".") return scope.dot;
    if (/^[A-Za-z_.$]/.test(t)) {
      const v = scope.lookup(t);
      if (v === undefined) {
        if (scope.lenient) return 0n;
        throw new ExprError(`Undefined symbol: ${t}`, tok.pos);
      }
      return v;
    }
    throw new ExprError(`Unexpected '${t}' in expression: ${text}`, tok.pos);
  };
  const binary = (min: number): bigint => {
    let lhs = primary();
    for (;;) {
      const op = peek();
      const p = op === undefined ? -1 : prec[op] ?? -1;
      if (p < min || p < 0) return lhs;
      k++;
      const rhs = binary(p + 1);
      switch (op) {
        case "|":
          lhs |= rhs;
          break;
        case "^":
          lhs ^= rhs;
          break;
        case "&":
          lhs &= rhs;
          break;
        case "<<":
          lhs <<= rhs;
          break;
        case ">>":
          lhs >>= rhs;
          break;
        case "+":
          lhs += rhs;
          break;
        case "-":
          lhs -= rhs;
          break;
        case "*":
          lhs *= rhs;
          break;
        case "/":
        case "%":
          if (rhs === 0n) throw new ExprError("Division by zero", 0);
          lhs = op === "/" ? lhs / rhs : lhs % rhs;
          break;
      }
    }
  };
  const v = binary(0);
  if (k < toks.length) {
    throw new ExprError(`Unexpected '${toks[k].t}' in expression: ${text}`, toks[k].pos);
  }
  return v;
}

// ---------------------------------------------------------------------------
// Source handling.

interface Stmt {
  /** 1-based line, column of the statement text, full source line. */
  line: number;
  col: number;
  src: string;
  /** Labels defined before the statement, and their columns. */
  labels: string[];
  labelCols: number[];
  /** The statement text (mnemonic/directive and operands), may be empty. */
  text: string;
}

/** Strip comments and split into statements (`;` separates, `//` and block comments). */
function statements(source: string): Stmt[] {
  // Blank out block comments, keeping newlines so line numbers stay right.
  const clean = source.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, " "));
  const out: Stmt[] = [];
  clean.split("\n").forEach((raw, li) => {
    let line = raw;
    // Remove a // comment that is not inside a string.
    let inStr = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '"' && line[i - 1] !== "\\") inStr = !inStr;
      if (!inStr && c === "/" && line[i + 1] === "/") {
        line = line.slice(0, i);
        break;
      }
    }
    let start = 0;
    inStr = false;
    const parts: [number, string][] = [];
    for (let i = 0; i <= line.length; i++) {
      const c = line[i];
      if (c === '"' && line[i - 1] !== "\\") inStr = !inStr;
      if (i === line.length || (!inStr && c === ";")) {
        parts.push([start, line.slice(start, i)]);
        start = i + 1;
      }
    }
    for (const [off, part] of parts) {
      let text = part, col = off + 1;
      const labels: string[] = [], labelCols: number[] = [];
      for (;;) {
        const m = /^\s*([A-Za-z_.$][\w.$]*|\d+)\s*:/.exec(text);
        if (!m || /^\s*[A-Za-z_.$][\w.$]*\s*::/.test(text)) break;
        labels.push(m[1]);
        labelCols.push(col + m[0].indexOf(m[1]));
        col += m[0].length;
        text = text.slice(m[0].length);
      }
      const lead = /^\s*/.exec(text)![0].length;
      col += lead;
      text = text.trim();
      if (text || labels.length) out.push({ line: li + 1, col, src: raw, labels, labelCols, text });
    }
  });
  return out;
}

function parseString(s: string, st: Stmt): string {
  const m = /^"((?:\\.|[^"\\])*)"$/.exec(s.trim());
  if (!m) throw new AsmError(`Expected a string: ${s}`, st.line, st.col, st.src);
  return m[1].replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === "x") return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({
      n: "\n",
      t: "\t",
      r: "\r",
      "0": "\0",
      "\\": "\\",
      '"': '"',
      b: "\b",
      f: "\f",
    } as Record<string, string>)[e] ?? e;
  });
}

/** Split directive arguments on top-level commas (strings respected). */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0, inStr = false, start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' && s[i - 1] !== "\\") inStr = !inStr;
    else if (!inStr && c === "(") depth++;
    else if (!inStr && c === ")") depth--;
    else if (!inStr && depth === 0 && c === ",") {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (s.trim()) out.push(s.slice(start).trim());
  return out;
}

const DATA_SIZE: Record<string, number> = {
  ".byte": 1,
  ".hword": 2,
  ".short": 2,
  ".2byte": 2,
  ".word": 4,
  ".long": 4,
  ".4byte": 4,
  ".int": 4,
  ".inst": 4,
  ".quad": 8,
  ".8byte": 8,
  ".xword": 8,
  ".dword": 8,
};

const IGNORED = new Set([
  ".global",
  ".globl",
  ".text",
  ".data",
  ".section",
  ".type",
  ".size",
  ".arch",
  ".cpu",
  ".local",
  ".weak",
  ".p2alignw",
  ".file",
  ".ident",
]);

const NOP = 0xd503201f;

// ---------------------------------------------------------------------------
// The assembler.

interface PoolEntry {
  label: string;
  size: 4 | 8;
  expr: string;
  st: Stmt;
}

/**
 * Assemble GNU-as source text into an image at `opts.base`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { assemble } from "./asm.ts";
 * const img = assemble("_start: b 1f\n nop\n1: ret", { base: 0x1000n });
 * assertEquals([img.symbols._start, img.bytes[0]], [0x1000n, 0x02]);
 * ```
 */
export function assemble(source: string, opts: AsmOptions = {}): AsmImage {
  const base = opts.base ?? DEFAULT_BASE;
  const stmts = statements(source);
  const symbols = new Map<string, bigint>();
  const equs = new Map<string, { expr: string; st: Stmt; index: number }>();
  /** Numeric local label definitions: label -> [stmt index, address][]. */
  const locals = new Map<string, [number, bigint][]>();
  const pools: PoolEntry[][] = [[]];
  const poolAt = new Map<number, number>(); // stmt index of .ltorg (or -1 for end) -> pool number
  let curIndex = 0;
  let dot = base;

  const scope = (lenient: boolean, atDot: bigint, index: number): Scope => ({
    lookup: (name) => {
      const v = symbols.get(name);
      if (v !== undefined) return v;
      const e = equs.get(name);
      if (e) {
        equs.delete(name); // guard against cycles
        try {
          const val = evaluate(e.expr, scope(lenient, atDot, e.index));
          if (!lenient) symbols.set(name, val);
          return val;
        } finally {
          if (!symbols.has(name)) equs.set(name, e);
        }
      }
      return undefined;
    },
    local: (n, dir) => {
      const defs = locals.get(n) ?? [];
      if (dir === "b") {
        for (let i = defs.length - 1; i >= 0; i--) if (defs[i][0] <= index) return defs[i][1];
      } else {
        for (const d of defs) if (d[0] > index) return d[1];
      }
      return undefined;
    },
    dot: atDot,
    lenient,
  });

  const evalAt = (text: string, st: Stmt, col: number, lenient: boolean): bigint => {
    try {
      return evaluate(text, scope(lenient, dot, curIndex));
    } catch (e) {
      if (e instanceof ExprError) throw new AsmError(e.message, st.line, col + e.offset, st.src);
      throw e;
    }
  };

  // Pass 1: layout.
  const sizes: number[] = [];
  const literalRe = /^(ldr)\s+([wx](?:\d+|zr))\s*,\s*=(.+)$/i;
  let poolNo = 0;
  let poolCount = 0;
  const poolSize = (entries: PoolEntry[], at: bigint): number => {
    if (entries.length === 0) return 0;
    let a = at;
    const w = entries.filter((e) => e.size === 4).length, x = entries.length - w;
    a += BigInt(w * 4);
    if (x) a = (a + 7n) & ~7n;
    a += BigInt(x * 8);
    return Number(a - at);
  };
  const placePool = (n: number, at: bigint): bigint => {
    let a = at;
    for (const e of pools[n].filter((e) => e.size === 4)) {
      symbols.set(e.label, a);
      a += 4n;
    }
    if (pools[n].some((e) => e.size === 8)) a = (a + 7n) & ~7n;
    for (const e of pools[n].filter((e) => e.size === 8)) {
      symbols.set(e.label, a);
      a += 8n;
    }
    return a;
  };
  const rewritten = new Map<number, string>();
  for (let si = 0; si < stmts.length; si++) {
    const st = stmts[si];
    curIndex = si;
    for (const [li, l] of st.labels.entries()) {
      if (/^\d+$/.test(l)) {
        let d = locals.get(l);
        if (!d) locals.set(l, d = []);
        d.push([si, dot]);
      } else {
        if (symbols.has(l) || equs.has(l)) {
          throw new AsmError(`Duplicate label: ${l}`, st.line, st.labelCols[li], st.src);
        }
        symbols.set(l, dot);
      }
    }
    let size = 0;
    const text = st.text;
    const eq = /^([A-Za-z_.$][\w.$]*)\s*=\s*(.+)$/.exec(text);
    const [word, rest] = splitWord(text);
    const dir = word.toLowerCase();
    if (!text) {
      size = 0;
    } else if (eq || dir === ".equ" || dir === ".set") {
      const [name, expr] = eq ? [eq[1], eq[2]] : splitArgs(rest);
      if (!name || expr === undefined) {
        throw new AsmError("Expected '.equ name, value'", st.line, st.col, st.src);
      }
      if (symbols.has(name)) {
        throw new AsmError(`Duplicate symbol: ${name}`, st.line, st.col, st.src);
      }
      equs.set(name, { expr, st, index: si });
    } else if (dir in DATA_SIZE) {
      size = DATA_SIZE[dir] * splitArgs(rest).length;
    } else if (dir === ".ascii" || dir === ".asciz" || dir === ".string") {
      for (const a of splitArgs(rest)) {
        size += parseString(a, st).length + (dir === ".ascii" ? 0 : 1);
      }
    } else if (dir === ".align" || dir === ".p2align" || dir === ".balign") {
      const args = splitArgs(rest);
      const n = Number(evalAt(args[0] ?? "", st, st.col, false));
      const align = dir === ".balign" ? BigInt(n) : 1n << BigInt(n);
      if (align <= 0n || (align & (align - 1n)) !== 0n) {
        throw new AsmError(`Bad alignment: ${n}`, st.line, st.col, st.src);
      }
      size = Number(((dot + align - 1n) & ~(align - 1n)) - dot);
    } else if (dir === ".skip" || dir === ".space" || dir === ".zero") {
      size = Number(evalAt(splitArgs(rest)[0] ?? "", st, st.col, false));
      if (size < 0) throw new AsmError(`Negative size: ${size}`, st.line, st.col, st.src);
    } else if (dir === ".org") {
      const to = evalAt(rest, st, st.col, false);
      const target = to < base ? base + to : to;
      if (target < dot) throw new AsmError("Cannot .org backwards", st.line, st.col, st.src);
      size = Number(target - dot);
    } else if (dir === ".ltorg") {
      poolAt.set(si, poolNo);
      size = poolSize(pools[poolNo], dot);
      dot = placePool(poolNo, dot);
      pools.push([]);
      poolNo++;
      sizes.push(0);
      continue;
    } else if (IGNORED.has(dir)) {
      size = 0;
    } else if (dir.startsWith(".")) {
      throw new AsmError(`Unknown directive: ${word}`, st.line, st.col, st.src);
    } else {
      if ((dot & 3n) !== 0n) throw new AsmError("Misaligned instruction", st.line, st.col, st.src);
      const lit = literalRe.exec(text);
      if (lit) {
        const label = `.Lpool$${poolCount++}`;
        pools[poolNo].push({
          label,
          size: lit[2][0].toLowerCase() === "x" ? 8 : 4,
          expr: lit[3].trim(),
          st,
        });
        rewritten.set(si, `${lit[1]} ${lit[2]}, ${label}`);
      }
      size = 4;
    }
    sizes.push(size);
    dot += BigInt(size);
  }
  const endPool = poolNo;
  const end = placePool(endPool, dot);
  const total = Number(end - base);

  // Pass 2: encode.
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);
  dot = base;
  const put = (size: number, v: bigint) => {
    const off = Number(dot - base);
    const u = BigInt.asUintN(size * 8, v);
    if (size === 1) bytes[off] = Number(u);
    else if (size === 2) dv.setUint16(off, Number(u), true);
    else if (size === 4) dv.setUint32(off, Number(u), true);
    else dv.setBigUint64(off, u, true);
    dot += BigInt(size);
  };
  const emitPool = (n: number) => {
    for (const e of pools[n].filter((e) => e.size === 4)) {
      put(4, checkRange(evalAt(e.expr, e.st, e.st.col, false), 4, e.st));
    }
    if (pools[n].some((e) => e.size === 8)) { while (dot & 7n) put(1, 0n); }
    for (const e of pools[n].filter((e) => e.size === 8)) {
      put(8, evalAt(e.expr, e.st, e.st.col, false));
    }
  };
  for (let si = 0; si < stmts.length; si++) {
    const st = stmts[si];
    curIndex = si;
    const text = rewritten.get(si) ?? st.text;
    const [word, rest] = splitWord(text);
    const dir = word.toLowerCase();
    const restCol = st.col + text.indexOf(rest);
    if (
      !text || /^([A-Za-z_.$][\w.$]*)\s*=/.test(text) || dir === ".equ" || dir === ".set" ||
      IGNORED.has(dir)
    ) {
      continue;
    }
    if (dir in DATA_SIZE) {
      for (const a of splitArgs(rest)) {
        put(DATA_SIZE[dir], checkRange(evalAt(a, st, restCol, false), DATA_SIZE[dir], st));
      }
    } else if (dir === ".ascii" || dir === ".asciz" || dir === ".string") {
      for (const a of splitArgs(rest)) {
        for (const ch of parseString(a, st)) put(1, BigInt(ch.charCodeAt(0) & 0xff));
        if (dir !== ".ascii") put(1, 0n);
      }
    } else if (dir === ".align" || dir === ".p2align" || dir === ".balign") {
      const args = splitArgs(rest);
      const fill = args[1] !== undefined ? evalAt(args[1], st, restCol, false) : undefined;
      const endAt = dot + BigInt(sizes[si]);
      while (dot < endAt) {
        if (fill === undefined && (dot & 3n) === 0n && endAt - dot >= 4n) put(4, BigInt(NOP));
        else put(1, fill ?? 0n);
      }
    } else if (dir === ".skip" || dir === ".space" || dir === ".zero" || dir === ".org") {
      const args = splitArgs(rest);
      const fill = dir !== ".org" && args[1] !== undefined
        ? evalAt(args[1], st, restCol, false)
        : 0n;
      for (let k = 0; k < sizes[si]; k++) put(1, fill);
    } else if (dir === ".ltorg") {
      emitPool(poolAt.get(si)!);
    } else {
      put(
        4,
        BigInt(encodeStmt(word, rest, restCol, st, dot, (t, c) => evalAt(t, st, c, false)) >>> 0),
      );
    }
  }
  emitPool(endPool);
  const out: Record<string, bigint> = {};
  for (const [k, v] of symbols) if (!k.startsWith(".Lpool$")) out[k] = v;
  for (const k of equs.keys()) {
    const v = scope(false, dot, stmts.length).lookup(k);
    if (v !== undefined) out[k] = v;
  }
  return { bytes, base, entry: out._start ?? base, symbols: out };
}

function splitWord(text: string): [string, string] {
  const m = /^(\S+)\s*(.*)$/.exec(text);
  return m ? [m[1], m[2]] : ["", ""];
}

function checkRange(v: bigint, size: number, st: Stmt): bigint {
  const bits = BigInt(size * 8);
  if (v >= 1n << bits || v < -(1n << (bits - 1n))) {
    throw new AsmError(`Value out of range for ${size} bytes: ${v}`, st.line, st.col, st.src);
  }
  return v;
}

/** Encode one instruction; throws AsmError with the most specific failure. */
function encodeStmt(
  mnemonic: string,
  operands: string,
  col: number,
  st: Stmt,
  pc: bigint,
  ev: (text: string, col: number) => bigint,
): number {
  const mn = mnemonic.toLowerCase();
  const cands = candidatesFor(mn);
  if (cands.length === 0) {
    throw new AsmError(`Unknown mnemonic: ${mnemonic}`, st.line, st.col, st.src);
  }
  let best = { col: -1, msg: "" };
  const ctx: AsmCtx = {
    pc,
    eval(text, c) {
      try {
        return ev(text, c);
      } catch (e) {
        if (!(e instanceof AsmError)) throw e;
        ctx.fail(e.message.replace(/ \(line .*$/s, ""), e.col);
        return null;
      }
    },
    fail(msg, c) {
      // The furthest failure wins; at the same column a specific complaint beats an "Expected ...".
      if (
        c > best.col ||
        (c === best.col && (!msg.startsWith("Expected") || best.msg.startsWith("Expected")))
      ) {
        best = { col: c, msg };
      }
      return false;
    },
  };
  for (const c of cands) {
    const w = tryEncode(c, mn, operands, col, ctx);
    if (w !== null) return w;
  }
  if (best.col < 0) best = { col, msg: `Invalid operands for '${mn}'` };
  throw new AsmError(best.msg, st.line, best.col, st.src);
}

function parseSegments(segs: readonly Segment[], p: OpParser, f: Fields, ctx: AsmCtx): boolean {
  for (const g of segs) {
    if ("lit" in g) {
      if (!p.lit(g.lit)) return ctx.fail(`Expected '${g.lit.trim()}'`, p.col);
    } else if (!g.kind.parse(p, f, ctx, g.arg)) return false;
  }
  return true;
}

function tryEncode(
  c: Candidate,
  mn: string,
  operands: string,
  col: number,
  ctx: AsmCtx,
): number | null {
  const { row, alias, t } = c;
  const f: Fields = { ...(alias?.fixed ?? {}) };
  const bits: Record<string, number> = {};
  for (const [k, p] of Object.entries(row.fields)) bits[k] = p.width;
  FIELD_BITS.current = bits;
  const mp = new OpParser(mn, 1);
  if (!parseSegments(t.mnemonic, mp, f, ctx) || !mp.eof()) return null;
  const p = new OpParser(operands, col);
  if (!parseSegments(t.operands, p, f, ctx)) return null;
  if (!p.eof()) return ctx.fail(`Unexpected '${operands.slice(p.pos).trim()}'`, p.col) || null;
  alias?.after?.(f);
  row.derive?.(f);
  let w = row.value;
  for (const [k, pos] of Object.entries(row.fields)) {
    const v = f[k] ?? 0;
    if (v < 0 || v >= 2 ** pos.width) return ctx.fail(`Immediate out of range: ${v}`, col) || null;
    w |= v << pos.lo;
  }
  if (row.guard && !row.guard(f)) {
    return ctx.fail(`Invalid operand combination for '${mn}'`, col) || null;
  }
  if (alias && !alias.when(f)) return ctx.fail(`Operands not valid for '${mn}'`, col) || null;
  return w | 0;
}

/**
 * Assemble a single instruction at `pc` and return its encoding.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { assembleOne } from "./asm.ts";
 * assertEquals(assembleOne("ret"), 0xd65f03c0 | 0);
 * ```
 */
export function assembleOne(text: string, pc: bigint = 0n): number {
  const img = assemble(text, { base: pc });
  return new DataView(img.bytes.buffer).getInt32(0, true);
}

/** The tag function type of `asm`. */
export type AsmTag = (strings: TemplateStringsArray, ...values: unknown[]) => AsmImage;

function joinTemplate(strings: TemplateStringsArray, values: unknown[]): string {
  let s = strings[0];
  values.forEach((v, i) => {
    let t: string;
    if (typeof v === "bigint") t = v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
    else if (typeof v === "number") {
      if (!Number.isInteger(v)) {
        throw new TypeError(`Cannot interpolate a non-integer into asm: ${v}`);
      }
      t = v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
    } else t = String(v);
    s += t + strings[i + 1];
  });
  return s;
}

function makeTag(opts: AsmOptions): AsmTag {
  return (strings, ...values) => assemble(joinTemplate(strings, values), opts);
}

/**
 * Assemble GNU-as source written as a tagged template, at 0x4008_0000 (where
 * QEMU -kernel places raw images). `asm.at(base)` assembles at another base.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { asm } from "./asm.ts";
 * const fid = 0x8400_0000n;
 * const img = asm`ldr x0, =${fid}
 *                 hvc #0
 *                 b .`;
 * assertEquals(img.bytes.length, 24); // three instructions, padding, the 8-byte literal
 * ```
 */
export const asm: AsmTag & { at(base: bigint): AsmTag } = Object.assign(makeTag({}), {
  at: (base: bigint) => makeTag({ base }),
});
