/**
 * Operand kinds of the encoding table's syntax strings: each `{kind}` or
 * `{kind:arg}` placeholder in a row's syntax names one of these. A kind
 * prints its operand from the row's decoded fields (disassembler, GNU
 * objdump spelling) and parses it back into fields (assembler, GNU as
 * spelling). Field letters are the pattern letters of the row.
 *
 * | kind | operand | fields |
 * |------|---------|--------|
 * | `Wd` `Xd` `Rd` (+`s`) | register from field d, W/X/by sf (`z`); trailing `s` = SP instead of ZR | d, z |
 * | `Em` | Rm of an extended-register form: X for UXTX/SXTX, else W | m, o |
 * | `dec:f` / `hex:f` | `#<f>` in decimal / hex | f |
 * | `num:f` | `<f>` in decimal, no `#` (CRn/CRm) | f |
 * | `aimm` | ADD/SUB imm12 with optional `lsl #12` | i, k |
 * | `naimm` | negated ADD/SUB immediate (assembler only) | i, k |
 * | `limm` | logical (bitmask) immediate | N, r, S, z |
 * | `nlimm` | inverted logical immediate (BIC immediate, assembler only) | N, r, S, z |
 * | `mimm` | MOVZ/MOVN/MOVK imm16 with `lsl #16*hw` | i, h |
 * | `movz` `movn` `bmimm` | MOV alias immediates | i, h / N, r, S |
 * | `lsh` `ash` | optional shifted-register shift | h, i |
 * | `ext:dn` / `ext:n` | optional extend; LSL spelling when SP is involved | o, i |
 * | `cond` / `invcond` | condition code / its inverse (CSET & co) | c |
 * | `rel26` `rel19` `rel14` `adr` `adrp` | PC-relative targets | i / l, H |
 * | `mem0` | `[Xn|SP]` | n |
 * | `memu:s` | `[Xn|SP{, #imm12<<s}]`; s = 0..3 or z (2+z) | n, i |
 * | `mems` `mempre` `mempost` | imm9 unscaled / pre-index / post-index | n, i |
 * | `memp:s` `memppre:s` `memppost:s` | pair imm7 << s | n, i |
 * | `memr:s` | register offset with extend/shift | n, m, o, S |
 * | `prfop` | prefetch operation from Rt | t |
 * | `cbit` | TBZ bit number b5:b40 | z, b |
 * | `barrier` | DMB/DSB option | m |
 * | `opt15` | optional ` #imm` unless 15 (ISB, CLREX) | m |
 * | `pstate` | MSR (immediate) field | o, p |
 * | `sysreg` | MRS/MSR register name | P, o, n, m, p |
 * | `sysop:dc|ic|at|tlbi` | SYS alias operation (with `, Xt` when it takes one) | o, n, m, p, t |
 * | `optxt` | optional `, Xt` unless Rt is 31 (SYS) | t |
 * | `lslsh` `lsrsh` `bfiz` `bfx` | bitfield alias operands | r, S, z |
 * | `retreg` | optional RET register (omitted for x30) | n |
 * | `hint` | HINT number (as `#0x..`) | i |
 *
 * @module
 */

import { decodeBitMasks, encodeLogicalImm } from "./bits.ts";
import { sysregByKey, sysregByName, sysregGenericName } from "../sysregs.ts";

/** Decoded fields of one instruction for one row (letter -> value). */
export type Fields = Record<string, number>;

/** Disassembly context. */
export interface PrintCtx {
  /** Address of the instruction. */
  pc: bigint;
}

/** Assembly context: current address, expression evaluation and error reporting. */
export interface AsmCtx {
  pc: bigint;
  /** Evaluate an expression (labels, numbers, operators); null (failure recorded) when it is not one. */
  eval(expr: string, col: number): bigint | null;
  /** Record why this candidate failed (the furthest failure is reported). */
  fail(msg: string, col: number): false;
}

/** One operand kind. */
export interface OperandKind {
  print(f: Fields, ctx: PrintCtx, arg: string): string;
  parse(p: OpParser, f: Fields, ctx: AsmCtx, arg: string): boolean;
}

/** A register token as parsed. */
export interface RegTok {
  /** 'x' or 'w'. */
  w: "x" | "w";
  /** 0..30, or 31 for sp/wsp/xzr/wzr. */
  n: number;
  sp: boolean;
  zr: boolean;
}

/** A cursor over one line's operand text. */
export class OpParser {
  pos = 0;
  /** Column of `s[0]` in the source line (for error messages). */
  constructor(readonly s: string, readonly col0 = 1) {}

  /** Column of the next token (whitespace skipped, not consumed). */
  get col(): number {
    let i = this.pos;
    while (i < this.s.length && (this.s[i] === " " || this.s[i] === "\t")) i++;
    return this.col0 + i;
  }

  ws(): void {
    while (this.pos < this.s.length && (this.s[this.pos] === " " || this.s[this.pos] === "\t")) {
      this.pos++;
    }
  }

  eof(): boolean {
    this.ws();
    return this.pos >= this.s.length;
  }

  /** Match literal text (case-insensitive; whitespace in `t` is optional in the input). */
  lit(t: string): boolean {
    const save = this.pos;
    for (const ch of t) {
      if (ch === " ") continue;
      this.ws();
      if (this.s[this.pos]?.toLowerCase() !== ch.toLowerCase()) {
        this.pos = save;
        return false;
      }
      this.pos++;
    }
    return true;
  }

  /** Parse a register token. */
  reg(): RegTok | null {
    this.ws();
    const m = /^(?:([xw])(\d{1,2})|(w?sp)|([xw])zr)(?![\w$.])/i.exec(this.s.slice(this.pos));
    if (!m) return null;
    let tok: RegTok;
    if (m[1]) {
      const n = +m[2];
      if (n > 30) return null;
      tok = { w: m[1].toLowerCase() as "x" | "w", n, sp: false, zr: false };
    } else if (m[3]) {
      tok = { w: m[3].length === 3 ? "w" : "x", n: 31, sp: true, zr: false };
    } else tok = { w: m[4].toLowerCase() as "x" | "w", n: 31, sp: false, zr: true };
    this.pos += m[0].length;
    return tok;
  }

  /** The raw text of an expression: up to a top-level `,` `]` `!` or the end (not in `'c'`). */
  exprText(): string {
    this.ws();
    let depth = 0, i = this.pos;
    for (; i < this.s.length; i++) {
      const c = this.s[i];
      const chr = c === "'" && /^'(?:\\.|[^'\\])'/.exec(this.s.slice(i, i + 4));
      if (chr) i += chr[0].length - 1; // a character literal: `#','`, `#'!'`, `#'\''`
      else if (c === "(") depth++;
      else if (c === ")") depth--;
      else if (depth === 0 && (c === "," || c === "]" || c === "!")) break;
    }
    const t = this.s.slice(this.pos, i).trim();
    this.pos = i;
    return t;
  }

  /** An immediate: optional `#`, then an expression. Null if nothing is there. */
  imm(ctx: AsmCtx): bigint | null {
    this.ws();
    const save = this.pos;
    this.lit("#");
    const col = this.col;
    const t = this.exprText();
    if (!t || /^(?:[xw]\d{1,2}|w?sp|[xw]zr)$/i.test(t)) {
      this.pos = save;
      return null;
    }
    return ctx.eval(t, col);
  }

  /** A word (identifier-like token, lower-cased). */
  word(): string | null {
    this.ws();
    const m = /^[a-z_][\w.]*/i.exec(this.s.slice(this.pos));
    if (!m) return null;
    this.pos += m[0].length;
    return m[0].toLowerCase();
  }
}

// ---------------------------------------------------------------------------
// Name tables.

/** Condition codes (Arm ARM C1.2.4), as objdump prints them. */
export const COND = [
  "eq",
  "ne",
  "cs",
  "cc",
  "mi",
  "pl",
  "vs",
  "vc",
  "hi",
  "ls",
  "ge",
  "lt",
  "gt",
  "le",
  "al",
  "nv",
];
const COND_ALT: Record<string, number> = { hs: 2, lo: 3 };

function parseCond(p: OpParser): number {
  const w = p.word();
  if (w === null) return -1;
  const i = COND.indexOf(w);
  return i >= 0 ? i : (COND_ALT[w] ?? -1);
}

/** DMB/DSB options by CRm (Arm ARM C6.2.81). */
export const BARRIER: Record<number, string> = {
  1: "oshld",
  2: "oshst",
  3: "osh",
  5: "nshld",
  6: "nshst",
  7: "nsh",
  9: "ishld",
  10: "ishst",
  11: "ish",
  13: "ld",
  14: "st",
  15: "sy",
};

/** Extend names by option (Arm ARM C6.2.5). */
const EXTEND = ["uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx"];
const SHIFT = ["lsl", "lsr", "asr", "ror"];

/** MSR (immediate) PSTATE fields we implement: key op1<<3|op2 (Arm ARM C5.2). */
export const PSTATE_FIELDS: Record<number, string> = {
  [0 << 3 | 4]: "pan",
  [0 << 3 | 5]: "spsel",
  [3 << 3 | 6]: "daifset",
  [3 << 3 | 7]: "daifclr",
};

/** A SYS alias operation: op1, CRn, CRm, op2 and whether it takes Xt. */
export interface SysOp {
  name: string;
  op1: number;
  crn: number;
  crm: number;
  op2: number;
  reg: boolean;
}

function ops(kind: string, list: [string, number, number, number, number, boolean][]): SysOp[] {
  return list.map(([name, op1, crn, crm, op2, reg]) => ({ name, op1, crn, crm, op2, reg, kind }));
}

/** DC, IC, AT and TLBI operations (Arm ARM C5.3, "A64 system instructions"). */
export const SYSOPS: Record<string, SysOp[]> = {
  ic: ops("ic", [
    ["ialluis", 0, 7, 1, 0, false],
    ["iallu", 0, 7, 5, 0, false],
    ["ivau", 3, 7, 5, 1, true],
  ]),
  dc: ops("dc", [
    ["ivac", 0, 7, 6, 1, true],
    ["isw", 0, 7, 6, 2, true],
    ["csw", 0, 7, 10, 2, true],
    ["cisw", 0, 7, 14, 2, true],
    ["zva", 3, 7, 4, 1, true],
    ["cvac", 3, 7, 10, 1, true],
    ["cvau", 3, 7, 11, 1, true],
    ["cvap", 3, 7, 12, 1, true],
    ["civac", 3, 7, 14, 1, true],
  ]),
  at: ops("at", [
    ["s1e1r", 0, 7, 8, 0, true],
    ["s1e1w", 0, 7, 8, 1, true],
    ["s1e0r", 0, 7, 8, 2, true],
    ["s1e0w", 0, 7, 8, 3, true],
    ["s1e1rp", 0, 7, 9, 0, true],
    ["s1e1wp", 0, 7, 9, 1, true],
    ["s1e2r", 4, 7, 8, 0, true],
    ["s1e2w", 4, 7, 8, 1, true],
    ["s12e1r", 4, 7, 8, 4, true],
    ["s12e1w", 4, 7, 8, 5, true],
    ["s12e0r", 4, 7, 8, 6, true],
    ["s12e0w", 4, 7, 8, 7, true],
    ["s1e3r", 6, 7, 8, 0, true],
    ["s1e3w", 6, 7, 8, 1, true],
  ]),
  tlbi: ops("tlbi", [
    ["vmalle1is", 0, 8, 3, 0, false],
    ["vae1is", 0, 8, 3, 1, true],
    ["aside1is", 0, 8, 3, 2, true],
    ["vaae1is", 0, 8, 3, 3, true],
    ["vale1is", 0, 8, 3, 5, true],
    ["vaale1is", 0, 8, 3, 7, true],
    ["vmalle1", 0, 8, 7, 0, false],
    ["vae1", 0, 8, 7, 1, true],
    ["aside1", 0, 8, 7, 2, true],
    ["vaae1", 0, 8, 7, 3, true],
    ["vale1", 0, 8, 7, 5, true],
    ["vaale1", 0, 8, 7, 7, true],
    ["ipas2e1is", 4, 8, 0, 1, true],
    ["ipas2le1is", 4, 8, 0, 5, true],
    ["ipas2e1", 4, 8, 4, 1, true],
    ["ipas2le1", 4, 8, 4, 5, true],
    ["alle2is", 4, 8, 3, 0, false],
    ["vae2is", 4, 8, 3, 1, true],
    ["alle1is", 4, 8, 3, 4, false],
    ["vale2is", 4, 8, 3, 5, true],
    ["vmalls12e1is", 4, 8, 3, 6, false],
    ["alle2", 4, 8, 7, 0, false],
    ["vae2", 4, 8, 7, 1, true],
    ["alle1", 4, 8, 7, 4, false],
    ["vale2", 4, 8, 7, 5, true],
    ["vmalls12e1", 4, 8, 7, 6, false],
    ["alle3is", 6, 8, 3, 0, false],
    ["vae3is", 6, 8, 3, 1, true],
    ["vale3is", 6, 8, 3, 5, true],
    ["alle3", 6, 8, 7, 0, false],
    ["vae3", 6, 8, 7, 1, true],
    ["vale3", 6, 8, 7, 5, true],
  ]),
};

/** Find the SYS alias operation of a class for the given fields. */
export function findSysOp(kind: string, f: Fields): SysOp | undefined {
  return SYSOPS[kind].find((o) => o.op1 === f.o && o.crn === f.n && o.crm === f.m && o.op2 === f.p);
}

/** Named hints (HINT #imm aliases objdump prints; all execute as NOP here). */
export const HINTS: Record<number, string> = {
  7: "xpaclri",
  8: "pacia1716",
  10: "pacib1716",
  12: "autia1716",
  14: "autib1716",
  16: "esb",
  17: "psb csync",
  18: "tsb csync",
  20: "csdb",
  22: "clearbhb",
  24: "paciaz",
  25: "paciasp",
  26: "pacibz",
  27: "pacibsp",
  28: "autiaz",
  29: "autiasp",
  30: "autibz",
  31: "autibsp",
  32: "bti",
  34: "bti c",
  36: "bti j",
  38: "bti jc",
};

/** Prefetch operation names by Rt (Arm ARM C6.2.249 PRFM). */
export function prfName(t: number): string | undefined {
  const type = t >> 3, target = (t >> 1) & 3, policy = t & 1;
  if (type === 3 || target === 3) return undefined;
  return `${["pld", "pli", "pst"][type]}l${target + 1}${policy ? "strm" : "keep"}`;
}

// ---------------------------------------------------------------------------
// Helpers.

function hex(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}

function sext(v: number, bits: number): number {
  return (v << (32 - bits)) >> (32 - bits);
}

function width(f: Fields): number {
  return f.z ? 64 : 32;
}

function regName(w: "x" | "w", n: number, sp: boolean): string {
  if (n === 31) return sp ? (w === "x" ? "sp" : "wsp") : (w === "x" ? "xzr" : "wzr");
  return `${w}${n}`;
}

/** Target address of a PC-relative operand (wrapped to 64 bits). */
function target(pc: bigint, off: number | bigint): string {
  return ((pc + BigInt(off)) & 0xffff_ffff_ffff_ffffn).toString(16);
}

/** Set a field after a range check; records a failure when out of range. */
function setField(
  f: Fields,
  name: string,
  v: number,
  bits: number,
  ctx: AsmCtx,
  col: number,
): boolean {
  if (v < 0 || v >= 2 ** bits || !Number.isInteger(v)) {
    return ctx.fail(`Immediate out of range: ${v}`, col);
  }
  f[name] = v;
  return true;
}

/** Parse `#imm` as a number within [lo, hi]. */
function immIn(p: OpParser, ctx: AsmCtx, lo: number, hi: number): number | null {
  const col = p.col;
  const v = p.imm(ctx);
  if (v === null) return ctx.fail("Expected an immediate", col) || null;
  if (v < BigInt(lo) || v > BigInt(hi)) {
    return ctx.fail(`Immediate out of range: ${v}`, col) || null;
  }
  return Number(v);
}

/** Field widths of the row being parsed, set by the assembler before parsing. */
export const FIELD_BITS: { current: Record<string, number> } = { current: {} };

function regKind(wc: string, letter: string, sp: boolean): OperandKind {
  return {
    print(f) {
      const w = wc === "R" ? (f.z ? "x" : "w") : (wc.toLowerCase() as "x" | "w");
      return regName(w, f[letter], sp);
    },
    parse(p, f, ctx) {
      const col = p.col;
      const r = p.reg();
      if (!r) return ctx.fail("Expected a register", col);
      if (r.sp && !sp) return ctx.fail(`Register ${regName(r.w, 31, true)} not allowed here`, col);
      if (r.zr && sp) return ctx.fail(`Register ${regName(r.w, 31, false)} not allowed here`, col);
      if (wc === "R") {
        const z = r.w === "x" ? 1 : 0;
        if (f.z !== undefined && f.z !== z) return ctx.fail("Register width mismatch", col);
        f.z = z;
      } else if (r.w !== wc.toLowerCase()) {
        return ctx.fail(`Expected a ${wc} register`, col);
      }
      f[letter] = r.n;
      return true;
    },
  };
}

function parseShiftAmount(p: OpParser, ctx: AsmCtx, max: number): number | null {
  return immIn(p, ctx, 0, max);
}

/** Optional shifted-register operand; `ror` only for logical instructions. */
function shiftKind(allowRor: boolean): OperandKind {
  return {
    print(f) {
      return f.h === 0 && f.i === 0 ? "" : `, ${SHIFT[f.h]} #${f.i}`;
    },
    parse(p, f, ctx) {
      f.h = 0;
      f.i = 0;
      if (p.eof()) return true;
      const save = p.pos;
      if (!p.lit(",")) return true;
      const col = p.col;
      const w = p.word();
      const t = w === null ? -1 : SHIFT.indexOf(w);
      if (t < 0 || (t === 3 && !allowRor)) {
        p.pos = save;
        return ctx.fail("Expected a shift", col);
      }
      const n = parseShiftAmount(p, ctx, width(f) - 1);
      if (n === null) return false;
      f.h = t;
      f.i = n;
      return true;
    },
  };
}

/** Memory operand with a base register and a scaled/unscaled immediate. */
function parseBase(p: OpParser, f: Fields, ctx: AsmCtx): boolean {
  if (!p.lit("[")) return ctx.fail("Expected '['", p.col);
  const col = p.col;
  const r = p.reg();
  if (!r || r.w !== "x" || r.zr) return ctx.fail("Expected a base register Xn|SP", col);
  f.n = r.n;
  return true;
}

function scaleOf(f: Fields, arg: string): number {
  return arg === "z" ? 2 + f.z : +arg;
}

/** `:lo12:expr` (the low 12 bits of an address, resolved at assembly time): undefined when absent, null on error. */
function lo12(p: OpParser, ctx: AsmCtx): bigint | null | undefined {
  const save = p.pos;
  p.ws();
  p.lit("#");
  if (!p.lit(":lo12:")) {
    p.pos = save;
    return undefined;
  }
  const v = ctx.eval(p.exprText(), p.col);
  return v === null ? null : v & 0xfffn;
}

function memImm(mode: "u" | "s" | "pre" | "post" | "p" | "ppre" | "ppost"): OperandKind {
  const pair = mode[0] === "p" && mode !== "pre" && mode !== "post";
  return {
    print(f, _ctx, arg) {
      const base = regName("x", f.n, true);
      let off: number;
      if (mode === "u") off = f.i * (1 << scaleOf(f, arg));
      else if (pair) off = sext(f.i, 7) * (1 << scaleOf(f, arg));
      else off = sext(f.i, 9);
      if (mode === "pre" || mode === "ppre") return `[${base}, #${off}]!`;
      if (mode === "post" || mode === "ppost") return `[${base}], #${off}`;
      return off === 0 ? `[${base}]` : `[${base}, #${off}]`;
    },
    parse(p, f, ctx, arg) {
      if (!parseBase(p, f, ctx)) return false;
      let off: bigint | null = 0n;
      let col = p.col;
      if (mode === "post" || mode === "ppost") {
        if (!p.lit("]")) return ctx.fail("Expected ']'", p.col);
        if (!p.lit(",")) return ctx.fail("Expected a post-index offset", p.col);
        col = p.col;
        off = p.imm(ctx);
        if (off === null) return ctx.fail("Expected an offset", col);
      } else {
        if (p.lit(",")) {
          col = p.col;
          const l = mode === "u" ? lo12(p, ctx) : undefined;
          if (l === null) return false;
          off = l ?? p.imm(ctx);
          if (off === null) return ctx.fail("Expected an offset", col);
        }
        if (!p.lit("]")) return ctx.fail("Expected ']'", p.col);
        if (mode === "pre" || mode === "ppre") {
          if (!p.lit("!")) return ctx.fail("Expected '!'", p.col);
        }
      }
      const n = Number(off);
      if (mode === "u") {
        const s = scaleOf(f, arg);
        if (n % (1 << s) !== 0) return ctx.fail(`Misaligned offset: ${n}`, col);
        return setField(f, "i", n / (1 << s), 12, ctx, col);
      }
      if (pair) {
        const s = scaleOf(f, arg);
        if (n % (1 << s) !== 0) return ctx.fail(`Misaligned offset: ${n}`, col);
        const k = n / (1 << s);
        if (k < -64 || k > 63) return ctx.fail(`Offset out of range: ${n}`, col);
        f.i = k & 0x7f;
        return true;
      }
      if (n < -256 || n > 255) return ctx.fail(`Offset out of range: ${n}`, col);
      f.i = n & 0x1ff;
      return true;
    },
  };
}

function pcrel(bits: number, scale: number, page: boolean): OperandKind {
  return {
    print(f, ctx) {
      const raw = page || bits === 21 ? (f.H << 2) | f.l : f.i;
      const off = sext(raw, bits);
      if (page) return target(ctx.pc & ~0xfffn, BigInt(off) << 12n);
      return target(ctx.pc, off * scale);
    },
    parse(p, f, ctx) {
      const col = p.col;
      const t = p.imm(ctx);
      if (t === null) return ctx.fail("Expected a label or address", col);
      // Offsets wrap modulo 2^64 (a target below the PC may be written as a large address).
      let off: bigint;
      if (page) {
        off = BigInt.asIntN(64, (t & ~0xfffn) - (ctx.pc & ~0xfffn)) >> 12n;
      } else {
        off = BigInt.asIntN(64, t - ctx.pc);
        if (off % BigInt(scale) !== 0n) return ctx.fail("Misaligned branch target", col);
        off /= BigInt(scale);
      }
      const lim = 1n << BigInt(bits - 1);
      if (off < -lim || off >= lim) return ctx.fail("Target out of range", col);
      const v = Number(BigInt.asUintN(bits, off));
      if (page || bits === 21) {
        f.l = v & 3;
        f.H = v >>> 2;
      } else f.i = v;
      return true;
    },
  };
}

function moveWidePreferred(sf: number, n: number, imms: number, immr: number): boolean {
  const w = sf ? 64 : 32;
  if (sf === 1 && n !== 1) return false;
  if (sf === 0 && (n !== 0 || (imms & 0x20) !== 0)) return false;
  if (imms < 16) return ((-immr % 16) + 16) % 16 <= 15 - imms;
  if (imms >= w - 15) return immr % 16 <= imms - (w - 15);
  return false;
}

/** MoveWidePreferred (Arm ARM C6.2.191): ORR-immediate MOV alias condition. */
export { moveWidePreferred };

/** BFXPreferred (Arm ARM J1 shared/functions): SBFX/UBFX/BFXIL alias condition. */
export function bfxPreferred(sf: number, uns: number, imms: number, immr: number): boolean {
  if (imms < immr) return false;
  if (imms === (sf ? 63 : 31)) return false;
  if (immr === 0) {
    if (sf === 0 && (imms === 7 || imms === 15)) return false;
    if (sf === 1 && uns === 0 && (imms === 7 || imms === 15 || imms === 31)) return false;
  }
  return true;
}

const MASK64 = 0xffff_ffff_ffff_ffffn;

/**
 * The MOV (wide immediate) aliases: a value whose (inverted, for MOVN)
 * register-width pattern is one 16-bit chunk at a 16-bit boundary.
 */
function parseWide(p: OpParser, f: Fields, ctx: AsmCtx, inverted: boolean): boolean {
  const col = p.col;
  const v = p.imm(ctx);
  if (v === null) return ctx.fail("Expected an immediate", col);
  const mask = f.z === 0 ? 0xffff_ffffn : MASK64;
  if (v < -(mask >> 1n) - 1n || v > mask) return ctx.fail(`Immediate out of range: ${v}`, col);
  const u = (inverted ? ~v : v) & mask;
  for (let h = 0; h < (f.z === 0 ? 2 : 4); h++) {
    if ((u & ~(0xffffn << BigInt(16 * h))) === 0n) {
      f.h = h;
      f.i = Number(u >> BigInt(16 * h));
      return true;
    }
  }
  return ctx.fail(inverted ? "Not a MOVN immediate" : "Not a MOVZ immediate", col);
}

// ---------------------------------------------------------------------------
// The kinds.

const KINDS: Record<string, OperandKind> = {
  dec: {
    print: (f, _c, a) => `#${f[a]}`,
    parse(p, f, ctx, a) {
      const col = p.col;
      const v = p.imm(ctx);
      if (v === null) return ctx.fail("Expected an immediate", col);
      return setField(f, a, Number(v), FIELD_BITS.current[a] ?? 32, ctx, col);
    },
  },
  num: {
    print: (f, _c, a) => `${f[a]}`,
    parse(p, f, ctx, a) {
      const col = p.col;
      const m = /^\d+/.exec(p.s.slice((p.ws(), p.pos)));
      if (!m) return ctx.fail("Expected a number", col);
      p.pos += m[0].length;
      return setField(f, a, +m[0], FIELD_BITS.current[a] ?? 32, ctx, col);
    },
  },
  hex: {
    print: (f, _c, a) => `#${hex(f[a])}`,
    parse(p, f, ctx, a) {
      return KINDS.dec.parse(p, f, ctx, a);
    },
  },
  aimm: {
    print: (f) => `#${hex(f.i)}${f.k ? ", lsl #12" : ""}`,
    parse(p, f, ctx) {
      const col = p.col;
      const l = lo12(p, ctx);
      if (l === null) return false;
      if (l !== undefined) {
        f.i = Number(l);
        f.k = 0;
        return true;
      }
      const v = p.imm(ctx);
      if (v === null) return ctx.fail("Expected an immediate", col);
      if (p.lit(",")) {
        if (!p.lit("lsl")) return ctx.fail("Expected 'lsl'", p.col);
        const s = immIn(p, ctx, 0, 12);
        if (s === null) return false;
        if (s !== 0 && s !== 12) return ctx.fail("Shift must be 0 or 12", col);
        f.k = s ? 1 : 0;
        return setField(f, "i", Number(v), 12, ctx, col);
      }
      if (v >= 0n && v <= 0xfffn) {
        f.i = Number(v);
        f.k = 0;
        return true;
      }
      if (v > 0n && (v & 0xfffn) === 0n && v >> 12n <= 0xfffn) {
        f.i = Number(v >> 12n);
        f.k = 1;
        return true;
      }
      return ctx.fail(`Immediate out of range: ${v}`, col);
    },
  },
  naimm: {
    print: (f) => `#-${hex(f.i)}`,
    parse(p, f, ctx) {
      const col = p.col;
      const v = p.imm(ctx);
      if (v === null || v >= 0n) return ctx.fail("Expected a negative immediate", col);
      const n = -v;
      if (n <= 0xfffn) {
        f.i = Number(n);
        f.k = 0;
        return true;
      }
      if ((n & 0xfffn) === 0n && n >> 12n <= 0xfffn) {
        f.i = Number(n >> 12n);
        f.k = 1;
        return true;
      }
      return ctx.fail(`Immediate out of range: ${v}`, col);
    },
  },
  limm: {
    print: (f) => `#${hex(decodeBitMasks(f.N, f.r, f.S, f.z === 1) ?? 0n)}`,
    parse: (p, f, ctx) => parseLogicalImm(p, f, ctx, false),
  },
  nlimm: {
    print: (f) =>
      `#${hex(BigInt.asUintN(f.z ? 64 : 32, ~(decodeBitMasks(f.N, f.r, f.S, f.z === 1) ?? 0n)))}`,

    parse: (p, f, ctx) => parseLogicalImm(p, f, ctx, true),
  },
  mimm: {
    print: (f) => `#${hex(f.i)}${f.h ? `, lsl #${f.h * 16}` : ""}`,
    parse(p, f, ctx) {
      const col = p.col;
      const v = p.imm(ctx);
      if (v === null) return ctx.fail("Expected an immediate", col);
      if (p.lit(",")) {
        if (!p.lit("lsl")) return ctx.fail("Expected 'lsl'", p.col);
        const s = immIn(p, ctx, 0, 48);
        if (s === null) return false;
        if (s % 16 !== 0 || (f.z === 0 && s > 16)) return ctx.fail(`Invalid shift: ${s}`, col);
        f.h = s / 16;
        return setField(f, "i", Number(v), 16, ctx, col);
      }
      for (let h = 0; h < (f.z === 0 ? 2 : 4); h++) {
        if (v >= 0n && (v & ~(0xffffn << BigInt(16 * h))) === 0n) {
          f.h = h;
          f.i = Number(v >> BigInt(16 * h));
          return true;
        }
      }
      return ctx.fail(`Immediate out of range: ${v}`, col);
    },
  },
  movz: {
    print: (f) => `#${hex(BigInt(f.i) << BigInt(16 * f.h))}`,
    parse: (p, f, ctx) => parseWide(p, f, ctx, false),
  },
  movn: {
    print(f) {
      const mask = f.z === 0 ? 0xffff_ffffn : MASK64;
      return `#${hex(~(BigInt(f.i) << BigInt(16 * f.h)) & mask)}`;
    },
    parse: (p, f, ctx) => parseWide(p, f, ctx, true),
  },
  bmimm: {
    print: (f) => KINDS.limm.print(f, { pc: 0n }, ""),
    parse: (p, f, ctx) => KINDS.limm.parse(p, f, ctx, ""),
  },
  lsh: shiftKind(true),
  ash: shiftKind(false),
  ext: {
    print(f, _c, a) {
      const lslForm = f.o === (f.z ? 3 : 2) && ((a === "dn" && f.d === 31) || f.n === 31);
      if (lslForm) return f.i === 0 ? "" : `, lsl #${f.i}`;
      return `, ${EXTEND[f.o]}${f.i ? ` #${f.i}` : ""}`;
    },
    parse(p, f, ctx) {
      // Rm was parsed by `Em`, which left its width in f.o's low bits as a hint (x: 3).
      const xreg = f.o === 3;
      f.i = 0;
      if (!p.lit(",")) {
        f.o = xreg ? 3 : 2;
        return true;
      }
      const col = p.col;
      const w = p.word();
      if (w === "lsl") {
        f.o = f.z ? 3 : 2;
      } else {
        const o = w === null ? -1 : EXTEND.indexOf(w);
        if (o < 0) return ctx.fail("Expected an extend", col);
        if (f.z === 1 && ((o & 3) === 3) !== xreg) {
          return ctx.fail("Extend does not match the register width", col);
        }
        f.o = o;
      }
      if (!p.eof()) {
        const n = immIn(p, ctx, 0, 4);
        if (n === null) return false;
        f.i = n;
      } else if (w === "lsl") return ctx.fail("Expected a shift amount", p.col);
      return true;
    },
  },
  Em: {
    // Rm is X only for UXTX/SXTX of the 64-bit form (Arm ARM C6.2.3 "<R>").
    print: (f) => regName((f.o & 3) === 3 && f.z ? "x" : "w", f.m, false),
    parse(p, f, ctx) {
      const col = p.col;
      const r = p.reg();
      if (!r || r.sp) return ctx.fail("Expected a register", col);
      if (r.w === "x" && f.z === 0) return ctx.fail("Expected a W register", col);
      f.m = r.n;
      f.o = r.w === "x" ? 3 : 2;
      return true;
    },
  },
  cond: {
    print: (f) => COND[f.c],
    parse(p, f, ctx) {
      const col = p.col;
      const c = parseCond(p);
      if (c < 0) return ctx.fail("Expected a condition", col);
      f.c = c;
      return true;
    },
  },
  invcond: {
    print: (f) => COND[f.c ^ 1],
    parse(p, f, ctx) {
      const col = p.col;
      const c = parseCond(p);
      if (c < 0 || c >= 14) return ctx.fail("Expected a condition other than al/nv", col);
      f.c = c ^ 1;
      return true;
    },
  },
  rel26: pcrel(26, 4, false),
  rel19: pcrel(19, 4, false),
  rel14: pcrel(14, 4, false),
  adr: pcrel(21, 1, false),
  adrp: pcrel(21, 1, true),
  mem0: {
    print: (f) => `[${regName("x", f.n, true)}]`,
    parse(p, f, ctx) {
      if (!parseBase(p, f, ctx)) return false;
      if (p.lit(",")) {
        const col = p.col;
        const v = p.imm(ctx);
        if (v !== 0n) return ctx.fail("Offset must be 0", col);
      }
      return p.lit("]") || ctx.fail("Expected ']'", p.col);
    },
  },
  memu: memImm("u"),
  mems: memImm("s"),
  mempre: memImm("pre"),
  mempost: memImm("post"),
  memp: memImm("p"),
  memppre: memImm("ppre"),
  memppost: memImm("ppost"),
  memr: {
    print(f, _c, a) {
      const s = +a;
      const rm = regName(f.o & 1 ? "x" : "w", f.m, false);
      const base = regName("x", f.n, true);
      if (f.o === 3) return f.S ? `[${base}, ${rm}, lsl #${s}]` : `[${base}, ${rm}]`;
      return `[${base}, ${rm}, ${EXTEND[f.o]}${f.S ? ` #${s}` : ""}]`;
    },
    parse(p, f, ctx, a) {
      const s = +a;
      if (!parseBase(p, f, ctx)) return false;
      if (!p.lit(",")) return ctx.fail("Expected ','", p.col);
      const col = p.col;
      const r = p.reg();
      if (!r || r.sp) return ctx.fail("Expected an index register", col);
      f.m = r.n;
      f.S = 0;
      if (!p.lit(",")) {
        if (r.w !== "x") return ctx.fail("Expected an extend for a W index register", col);
        f.o = 3;
      } else {
        const c2 = p.col;
        const w = p.word();
        if (w === "lsl") {
          if (r.w !== "x") return ctx.fail("LSL needs an X index register", c2);
          f.o = 3;
        } else {
          const o = w === null ? -1 : EXTEND.indexOf(w);
          if (o < 0 || (o & 2) === 0) return ctx.fail("Expected uxtw, sxtw, sxtx or lsl", c2);
          if ((o & 1 ? "x" : "w") !== r.w) {
            return ctx.fail("Extend does not match the register", c2);
          }
          f.o = o;
        }
        if (!p.lit("]")) {
          const c3 = p.col;
          const n = p.imm(ctx);
          if (n === null) return ctx.fail("Expected a shift amount", c3);
          if (n === BigInt(s)) f.S = 1;
          else if (n !== 0n) return ctx.fail(`Shift amount must be 0 or ${s}`, c3);
          if (s === 0) f.S = 1;
          return p.lit("]") || ctx.fail("Expected ']'", p.col);
        }
        if (w === "lsl") return ctx.fail("Expected a shift amount", p.col);
        return true;
      }
      return p.lit("]") || ctx.fail("Expected ']'", p.col);
    },
  },
  prfop: {
    print: (f) => prfName(f.t) ?? `#0x${f.t.toString(16).padStart(2, "0")}`,
    parse(p, f, ctx) {
      const col = p.col;
      const save = p.pos;
      const w = p.word();
      if (w) {
        for (let t = 0; t < 32; t++) {
          if (prfName(t) === w) {
            f.t = t;
            return true;
          }
        }
        p.pos = save;
      }
      const v = p.imm(ctx);
      if (v === null) return ctx.fail("Expected a prefetch operation", col);
      return setField(f, "t", Number(v), 5, ctx, col);
    },
  },
  cbit: {
    print: (f) => `#${(f.z << 5) | f.b}`,
    parse(p, f, ctx) {
      const v = immIn(p, ctx, 0, f.z ? 63 : 31);
      if (v === null) return false;
      f.b = v & 31;
      // GNU as takes an X register with a bit below 32 and encodes b5 = 0 (objdump prints Wt).
      f.z = v >> 5;

      return true;
    },
  },
  barrier: {
    print: (f) => BARRIER[f.m] ?? `#0x${f.m.toString(16).padStart(2, "0")}`,
    parse(p, f, ctx) {
      const col = p.col;
      const save = p.pos;
      const w = p.word();
      if (w) {
        for (const [k, v] of Object.entries(BARRIER)) {
          if (v === w) {
            f.m = +k;
            return true;
          }
        }
        p.pos = save;
      }
      const v = p.imm(ctx);
      if (v === null) return ctx.fail("Expected a barrier option", col);
      return setField(f, "m", Number(v), 4, ctx, col);
    },
  },
  opt15: {
    print: (f) => (f.m === 15 ? "" : ` #${hex(f.m)}`),
    parse(p, f, ctx) {
      if (p.eof()) {
        f.m = 15;
        return true;
      }
      const col = p.col;
      const v = p.imm(ctx);
      if (v === null) return ctx.fail("Expected an immediate", col);
      return setField(f, "m", Number(v), 4, ctx, col);
    },
  },
  pstate: {
    print: (f) => PSTATE_FIELDS[(f.o << 3) | f.p] ?? `#${f.o}`,
    parse(p, f, ctx) {
      const col = p.col;
      const w = p.word();
      for (const [k, v] of Object.entries(PSTATE_FIELDS)) {
        if (v === w) {
          f.o = +k >> 3;
          f.p = +k & 7;
          return true;
        }
      }
      return ctx.fail("Expected a PSTATE field", col);
    },
  },
  sysreg: {
    print(f) {
      const key = ((2 + f.P) << 14) | (f.o << 11) | (f.n << 7) | (f.m << 3) | f.p;
      return (sysregByKey(key)?.name ?? sysregGenericName(key)).toLowerCase();
    },
    parse(p, f, ctx) {
      const col = p.col;
      const w = p.word();
      if (!w) return ctx.fail("Expected a system register", col);
      let key: number;
      const g = /^s([23])_([0-7])_c(\d+)_c(\d+)_([0-7])$/.exec(w);
      if (g && +g[3] < 16 && +g[4] < 16) {
        key = (+g[1] << 14) | (+g[2] << 11) | (+g[3] << 7) | (+g[4] << 3) | +g[5];
      } else {
        const d = sysregByName(w);
        if (!d || d.op0 < 2) return ctx.fail(`Unknown system register: ${w}`, col);
        key = d.key;
      }
      f.P = (key >> 14) & 1;
      f.o = (key >> 11) & 7;
      f.n = (key >> 7) & 15;
      f.m = (key >> 3) & 15;
      f.p = key & 7;
      return true;
    },
  },
  sysop: {
    print(f, _c, a) {
      const o = findSysOp(a, f)!;
      return o.reg ? `${o.name}, ${regName("x", f.t, false)}` : o.name;
    },
    parse(p, f, ctx, a) {
      const col = p.col;
      const w = p.word();
      const o = SYSOPS[a].find((x) => x.name === w);
      if (!o) return ctx.fail(`Unknown ${a} operation: ${w}`, col);
      f.o = o.op1;
      f.n = o.crn;
      f.m = o.crm;
      f.p = o.op2;
      if (!o.reg) {
        f.t = 31;
        return true;
      }
      if (!p.lit(",")) return ctx.fail("Expected ', Xt'", p.col);
      const c2 = p.col;
      const r = p.reg();
      if (!r || r.w !== "x" || r.sp) return ctx.fail("Expected an X register", c2);
      f.t = r.n;
      return true;
    },
  },
  optxt: {
    print: (f) => (f.t === 31 ? "" : `, ${regName("x", f.t, false)}`),
    parse(p, f, ctx) {
      f.t = 31;
      if (!p.lit(",")) return true;
      const col = p.col;
      const r = p.reg();
      if (!r || r.w !== "x" || r.sp) return ctx.fail("Expected an X register", col);
      f.t = r.n;
      return true;
    },
  },
  lslsh: {
    print: (f) => `#${width(f) - 1 - f.S}`,
    parse(p, f, ctx) {
      const n = immIn(p, ctx, 0, width(f) - 1);
      if (n === null) return false;
      f.r = (width(f) - n) % width(f);
      f.S = width(f) - 1 - n;
      return true;
    },
  },
  lsrsh: {
    print: (f) => `#${f.r}`,
    parse(p, f, ctx) {
      const n = immIn(p, ctx, 0, width(f) - 1);
      if (n === null) return false;
      f.r = n;
      f.S = width(f) - 1;
      return true;
    },
  },
  bfiz: {
    print: (f) => `#${(width(f) - f.r) % width(f)}, #${f.S + 1}`,
    parse(p, f, ctx) {
      const lsb = immIn(p, ctx, 0, width(f) - 1);
      if (lsb === null || !p.lit(",")) return ctx.fail("Expected '#lsb, #width'", p.col);
      const col = p.col;
      const w = immIn(p, ctx, 1, width(f) - lsb);
      if (w === null) return ctx.fail("Bitfield width out of range", col);
      f.r = (width(f) - lsb) % width(f);
      f.S = w - 1;
      return true;
    },
  },
  bfx: {
    print: (f) => `#${f.r}, #${f.S - f.r + 1}`,
    parse(p, f, ctx) {
      const lsb = immIn(p, ctx, 0, width(f) - 1);
      if (lsb === null || !p.lit(",")) return ctx.fail("Expected '#lsb, #width'", p.col);
      const col = p.col;
      const w = immIn(p, ctx, 1, width(f) - lsb);
      if (w === null) return ctx.fail("Bitfield width out of range", col);
      f.r = lsb;
      f.S = lsb + w - 1;
      return true;
    },
  },
  retreg: {
    print: (f) => (f.n === 30 ? "" : ` ${regName("x", f.n, false)}`),
    parse(p, f, ctx) {
      f.n = 30;
      if (p.eof()) return true;
      const col = p.col;
      const r = p.reg();
      if (!r || r.w !== "x" || r.sp) return ctx.fail("Expected an X register", col);
      f.n = r.n;
      return true;
    },
  },
};

/** Look up an operand kind by its placeholder name (`Rd`, `Xns`, `aimm`, ...). */
export function operandKind(name: string): OperandKind | undefined {
  const k = KINDS[name];
  if (k) return k;
  const m = /^([WXR])([a-zA-Z])(s?)$/.exec(name);
  if (m) {
    const kind = regKind(m[1], m[2], m[3] === "s");
    KINDS[name] = kind;
    return kind;
  }
  for (const f of EXTRA_KINDS) {
    const kind = f(name);
    if (kind) return (KINDS[name] = kind);
  }
  return undefined;
}

/** Operand-kind factories of other modules (operands_simd.ts), consulted after the built-in kinds. */
const EXTRA_KINDS: ((name: string) => OperandKind | undefined)[] = [];

/** Register a factory of operand kinds by placeholder name (SIMD&FP operands). */
export function registerKinds(factory: (name: string) => OperandKind | undefined): void {
  EXTRA_KINDS.push(factory);
}

/**
 * A logical (bitmask) immediate into N/immr/imms for the width in `f.z`;
 * `invert` complements it first (GNU as's BIC immediate, which is AND with
 * the inverted mask).
 */
function parseLogicalImm(p: OpParser, f: Fields, ctx: AsmCtx, invert: boolean): boolean {
  const col = p.col;
  const v0 = p.imm(ctx);
  if (v0 === null) return ctx.fail("Expected an immediate", col);
  const is64 = f.z === 1;
  const lim = is64 ? 64n : 32n;
  if (v0 >= 1n << lim || v0 < -(1n << (lim - 1n))) {
    return ctx.fail(`Immediate out of range: ${v0}`, col);
  }
  const v = invert ? ~v0 : v0;
  const e = encodeLogicalImm(BigInt.asUintN(Number(lim), v), is64);
  if (e < 0) {
    return ctx.fail(
      `Not a valid bitmask immediate${invert ? " when inverted" : ""}: ${
        hex(BigInt.asUintN(64, v0))
      }`,
      col,
    );
  }
  f.N = e >> 12;
  f.r = (e >> 6) & 63;
  f.S = e & 63;
  return true;
}
