/**
 * SIMD&FP operand kinds of the encoding table (registered with
 * operands.ts): vector registers with arrangements, scalar B/H/S/D/Q
 * registers, elements, register lists, structure post-index offsets,
 * modified and floating-point immediates, shift amounts. Spellings are GNU
 * objdump's (`v0.16b`, `{v0.4s-v2.4s}`, `v1.s[1]`, `#1.000000000000000000e+00`).
 *
 * | kind | operand | fields |
 * |------|---------|--------|
 * | `V<r>:<arr>` | `v<n>.<T>` with arrangement spec `arr` (below) | r + spec fields |
 * | `B<r>` `H<r>` `S<r>` `D<r>` `Q<r>` | scalar register of that size | r |
 * | `F<r>:<f>` | scalar FP register, size from FP type field f (00 S, 01 D, 11 H) | r, f |
 * | `Z<r>:<spec>` | scalar register sized by `s` (b h s d), `s1` (size + 1), `i5` (imm5), `z` (FP sz: s d) | r, s / i / z |
 * | `E<r>:<spec>` | element `v<n>.<T>[i]`: `i5` (imm5), `i4` (imm5 size, imm4 index), `x`/`xz` (by element) | r, i, j / s, z, H, L, M |
 * | `L<r>:<arr>_<k>` | list of k (digit, or field letter: value + 1) vector registers | r |
 * | `K<r>:<B|H|S|D>` | single-structure lane list `{v<n>.<T>}[i]`, index from Q:S:size | r, q, S, s |
 * | `spost:<spec>` | `[Xn|SP]` plus `, #imm` / `, Xm` post-index (Rm = 31: immediate) | n, m (+q, s) |
 * | `imm8` `imm64` | modified immediate a:h as a byte / as a 64-bit byte mask | a, h |
 * | `lsl32` `lsl16` `msl` | optional modified-immediate shift from cmode bits c | c |
 * | `fimm` | FP immediate (VFPExpandImm of imm8: field i, or a:h) | i / a, h |
 * | `shr` `shl` | shift by immediate from immh:immb (h, b); arg `64` for scalar D forms | h, b |
 * | `fbits` | fixed-point fraction bits, 64 - scale | S |
 * | `G<r>:i5` / `G<r>:q` | general register, X for a doubleword element (imm5) / when Q = 1 | r, i / q |
 *
 * Arrangement specs: `qs` (size, Q), `qz` (FP: sz, Q), `q8` `q16` `q32` `q64`
 * (element size fixed, Q), `ws` (double-width of size: 8h 4s 2d), `hq`
 * (element size from immh, Q), `hw` (double-width of immh's), `i5q` (imm5's
 * lowest set bit, Q), `zq` (FP by element: sz, Q), literal (`16b`, `2d`, ...);
 * a trailing `0`/`1` (`qs1`, `hq0`) fixes Q for rows whose pattern fixes it.
 *
 * @module
 */

import {
  type AsmCtx,
  FIELD_BITS,
  type Fields,
  type OperandKind,
  type OpParser,
  registerKinds,
} from "./operands.ts";

const ARR_QS = ["8b", "16b", "4h", "8h", "2s", "4s", "1d", "2d"];
const ELT = ["b", "h", "s", "d"];

function hsb(v: number): number {
  return 31 - Math.clz32(v);
}
function lsb(v: number): number {
  return v ? 31 - Math.clz32(v & -v) : -1;
}

/** Arrangement printing and parsing for one spec. */
interface Arr {
  print(f: Fields): string | undefined;
  /** Set the fields implied by arrangement text `t` (lower case), or false. */
  parse(f: Fields, t: string): boolean;
}

function qsArr(sizeOf: (f: Fields) => number, setSize: (f: Fields, s: number) => void): Arr {
  return {
    print: (f) => ARR_QS[sizeOf(f) * 2 + f.q],
    parse(f, t) {
      const k = ARR_QS.indexOf(t);
      if (k < 0 || (f.q !== undefined && f.q !== (k & 1))) return false;
      if (f.s !== undefined && setSize === setS && f.s !== k >> 1) return false;
      f.q = k & 1;
      setSize(f, k >> 1);
      return true;
    },
  };
}

function fixedSize(e: number): Arr {
  return {
    print: (f) => ARR_QS[e * 2 + f.q],
    parse(f, t) {
      const k = ARR_QS.indexOf(t);
      if (k < 0 || k >> 1 !== e) return false;
      f.q = k & 1;
      return true;
    },
  };
}

const WIDE = ["8h", "4s", "2d"];
const setS = (f: Fields, s: number) => void (f.s = s);

function arrangement(spec: string): Arr {
  const fixedQ = /^(qs|hq|i5q|q8|q16|q32|q64|qz|zn)([01])$/.exec(spec);
  if (fixedQ) {
    // The row fixes Q (e.g. XTN vs XTN2): print with it, accept only it.
    const base = arrangement(fixedQ[1]), q = +fixedQ[2];
    return {
      print(f) {
        const save = f.q;
        f.q = q;
        const t = base.print(f);
        f.q = save;
        return t;
      },
      parse(f, t) {
        const save = f.q;
        const ok = base.parse(f, t) && f.q === q;
        f.q = save;
        return ok;
      },
    };
  }
  switch (spec) {
    case "qs":
      return qsArr((f) => f.s, setS);
    case "qt": // double-width elements of size, same Q (SADDLP/UADDLP destination)
      return {
        print: (f) => ARR_QS[(f.s + 1) * 2 + f.q],
        parse(f, t) {
          const k = ARR_QS.indexOf(t);
          if (k < 2) return false;
          f.s = (k >> 1) - 1, f.q = k & 1;
          return true;
        },
      };
    case "qz":
    case "zq":
      return {
        print: (f) => (f.z ? (f.q ? "2d" : "1d") : f.q ? "4s" : "2s"),
        parse(f, t) {
          const k = ["2s", "4s", "1d", "2d"].indexOf(t);
          if (k < 0) return false;
          f.z = k >> 1, f.q = k & 1;
          return true;
        },
      };
    case "z2": // FP pairwise scalar source: 2s / 2d by sz
      return {
        print: (f) => (f.z ? "2d" : "2s"),
        parse(f, t) {
          const k = ["2s", "2d"].indexOf(t);
          if (k < 0 || (f.z !== undefined && f.z !== k)) return false;
          f.z = k;
          return true;
        },
      };
    case "zw": // FCVTL destination / FCVTN source: 4s (sz 0) or 2d (sz 1)
      return {
        print: (f) => (f.z ? "2d" : "4s"),
        parse(f, t) {
          const k = ["4s", "2d"].indexOf(t);
          if (k < 0 || (f.z !== undefined && f.z !== k)) return false;
          f.z = k;
          return true;
        },
      };
    case "zn": // FCVTL source / FCVTN destination: 4h 8h (sz 0), 2s 4s (sz 1)
      return {
        print: (f) => ["4h", "8h", "2s", "4s"][f.z * 2 + f.q],
        parse(f, t) {
          const k = ["4h", "8h", "2s", "4s"].indexOf(t);
          if (k < 0 || (f.z !== undefined && f.z !== k >> 1)) return false;
          f.z = k >> 1, f.q = k & 1;
          return true;
        },
      };
    case "q8":
      return fixedSize(0);
    case "q16":
      return fixedSize(1);
    case "q32":
      return fixedSize(2);
    case "q64":
      return fixedSize(3);
    case "ws":
      return {
        print: (f) => WIDE[f.s],
        parse(f, t) {
          const k = WIDE.indexOf(t);
          if (k < 0) return false;
          if (f.s !== undefined && f.s !== k) return false;
          f.s = k;
          return true;
        },
      };
    case "hq":
      return qsArr((f) => hsb(f.h), (f, s) => void (f._e = s));
    case "hw":
      return {
        print: (f) => WIDE[hsb(f.h)],
        parse(f, t) {
          const k = WIDE.indexOf(t);
          if (k < 0) return false;
          if (f._e !== undefined && f._e !== k) return false;
          f._e = k;
          return true;
        },
      };
    case "i5q":
      return qsArr((f) => lsb(f.i), (f, s) => void (f._e = s));
  }
  return {
    print: () => spec,
    parse: (_f, t) => t === spec,
  };
}

/** `v<n>` or `v<n>.<T>`: returns [n, T] or null. */
function vreg(p: OpParser): [number, string] | null {
  p.ws();
  const m = /^v(\d{1,2})(?:\.(\d*[bhsdq]))?(?![\w])/i.exec(p.s.slice(p.pos));
  if (!m || +m[1] > 31) return null;
  p.pos += m[0].length;
  return [+m[1], (m[2] ?? "").toLowerCase()];
}

function vecKind(letter: string): OperandKind {
  return {
    print: (f, _c, a) => `v${f[letter]}.${arrangement(a).print(f)}`,
    parse(p, f, ctx, a) {
      const col = p.col;
      const r = vreg(p);
      if (!r || !r[1]) return ctx.fail("Expected a vector register v<n>.<T>", col);
      if (!arrangement(a).parse(f, r[1])) return ctx.fail(`Invalid arrangement: ${r[1]}`, col);
      f[letter] = r[0];
      return true;
    },
  };
}

/** Parse a scalar SIMD&FP register name of one of `sizes` (e.g. "bhsdq"): [n, size letter]. */
function sreg(p: OpParser, sizes: string): [number, string] | null {
  p.ws();
  const m = /^([bhsdq])(\d{1,2})(?![\w])/i.exec(p.s.slice(p.pos));
  if (!m || +m[2] > 31 || !sizes.includes(m[1].toLowerCase())) return null;
  p.pos += m[0].length;
  return [+m[2], m[1].toLowerCase()];
}

function scalarKind(size: string, letter: string): OperandKind {
  return {
    print: (f) => `${size}${f[letter]}`,
    parse(p, f, ctx) {
      const col = p.col;
      const r = sreg(p, size);
      if (!r) return ctx.fail(`Expected a register ${size}<n>`, col);
      f[letter] = r[0];
      return true;
    },
  };
}

/** FP type field -> register letter (Arm ARM: ftype 00 single, 01 double, 11 half). */
const FTYPE = ["s", "d", "", "h"];

function fpKind(letter: string): OperandKind {
  return {
    print: (f, _c, a) => `${FTYPE[f[a]]}${f[letter]}`,
    parse(p, f, ctx, a) {
      const col = p.col;
      const r = sreg(p, "hsd");
      if (!r) return ctx.fail("Expected a register h<n>, s<n> or d<n>", col);
      const t = FTYPE.indexOf(r[1]);
      if (f[a] !== undefined && f[a] !== t) return ctx.fail("Register size mismatch", col);
      f[a] = t;
      f[letter] = r[0];
      return true;
    },
  };
}

function sizedKind(letter: string): OperandKind {
  const sizeOf = (f: Fields, a: string) =>
    a === "i5"
      ? lsb(f.i)
      : a === "s1"
      ? f.s + 1
      : a === "h"
      ? hsb(f.h)
      : a === "h1"
      ? hsb(f.h) + 1
      : a === "z"
      ? 2 + f.z
      : f.s;
  return {
    print: (f, _c, a) => `${ELT[sizeOf(f, a)]}${f[letter]}`,
    parse(p, f, ctx, a) {
      const col = p.col;
      const r = sreg(p, "bhsd");
      if (!r) return ctx.fail("Expected a scalar register", col);
      const e = ELT.indexOf(r[1]), one = a === "s1" || a === "h1" ? 1 : 0;
      if (e < one) return ctx.fail("Invalid register size", col);
      const key = a === "s" || a === "s1" ? "s" : a === "z" ? "z" : "_e";
      const v = a === "z" ? e - 2 : e - one;
      if (a === "z" && e < 2) return ctx.fail("Expected an S or D register", col);
      if (a !== "i5" && f[key] !== undefined && f[key] !== v) {
        return ctx.fail("Register size mismatch", col);
      }
      if (a === "s" || a === "s1") f.s = v;
      else if (a === "z") f.z = v;
      else f._e = v;
      f[letter] = r[0];
      return true;
    },
  };
}

/** Parse `[<index>]`. */
function index(p: OpParser, ctx: AsmCtx): number | null {
  if (!p.lit("[")) return ctx.fail("Expected '['", p.col) || null;
  p.ws();
  const m = /^\d+/.exec(p.s.slice(p.pos));
  if (!m) return ctx.fail("Expected an index", p.col) || null;
  p.pos += m[0].length;
  if (!p.lit("]")) return ctx.fail("Expected ']'", p.col) || null;
  return +m[0];
}

/** By-element index and Rm: [size, index, rm] from the fields. */
function byElt(f: Fields, a: string): [number, number, number] {
  const size = a === "xz" ? 2 + f.z : f.s;
  if (size === 1) return [1, (f.H << 2) | (f.L << 1) | f.M, f.m];
  if (size === 2) return [2, (f.H << 1) | f.L, (f.M << 4) | f.m];
  return [3, f.H, (f.M << 4) | f.m];
}

function eltKind(letter: string): OperandKind {
  return {
    print(f, _c, a) {
      if (a === "x" || a === "xz") {
        const [size, i, rm] = byElt(f, a);
        return `v${rm}.${ELT[size]}[${i}]`;
      }
      const e = lsb(f.i);
      const i = a === "i4" ? f.j >> e : f.i >> (e + 1);
      return `v${f[letter]}.${ELT[e]}[${i}]`;
    },
    parse(p, f, ctx, a) {
      const col = p.col;
      const r = vreg(p);
      if (!r || !/^[bhsd]$/.test(r[1])) return ctx.fail("Expected an element v<n>.<T>[i]", col);
      const e = ELT.indexOf(r[1]);
      const i = index(p, ctx);
      if (i === null) return false;
      if (a === "x" || a === "xz") {
        const size = a === "xz" ? 2 + (f.z ?? e - 2) : (f.s ?? e);
        if (size !== e) return ctx.fail("Element size mismatch", col);
        if (a === "xz") f.z = e - 2;
        else f.s = e;
        const rm = r[0];
        if (e === 1) {
          if (rm > 15 || i > 7) return ctx.fail("Element out of range", col);
          f.m = rm, f.H = i >> 2, f.L = (i >> 1) & 1, f.M = i & 1;
        } else if (e === 2) {
          if (i > 3) return ctx.fail("Index out of range", col);
          f.m = rm & 15, f.M = rm >> 4, f.H = i >> 1, f.L = i & 1;
        } else {
          if (i > 1) return ctx.fail("Index out of range", col);
          f.m = rm & 15, f.M = rm >> 4, f.H = i, f.L = 0;
        }
        return true;
      }
      if (i >= 16 >> e) return ctx.fail("Index out of range", col);
      if (a === "i4") {
        if (f.i === undefined) return ctx.fail("Missing destination element", col);
        if (lsb(f.i) !== e) return ctx.fail("Element size mismatch", col);
        f.j = i << e;
      } else {
        if (f._e !== undefined && f._e !== e) return ctx.fail("Element size mismatch", col);
        if (f._gx !== undefined && (f._gx === 1) !== (e === 3)) {
          return ctx.fail("Register width mismatch", col);
        }
        f.i = ((i << 1) | 1) << e;
      }
      f[letter] = r[0];
      return true;
    },
  };
}

/** objdump's register list: `{v0.4s, v1.4s}`, a range from three registers unless it wraps. */
function listText(r0: number, n: number, t: string): string {
  if (n >= 3 && r0 + n - 1 <= 31) return `{v${r0}.${t}-v${r0 + n - 1}.${t}}`;
  return `{${Array.from({ length: n }, (_, k) => `v${(r0 + k) & 31}.${t}`).join(", ")}}`;
}

/** Parse `{v<a>.<T>, ...}` or `{v<a>.<T>-v<b>.<T>}` of consecutive registers: [regs, T]. */
function parseList(p: OpParser, ctx: AsmCtx): [number[], string] | null {
  const col = p.col;
  if (!p.lit("{")) return ctx.fail("Expected '{'", col) || null;
  const regs: number[] = [];
  let t = "";
  for (;;) {
    const c2 = p.col;
    const r = vreg(p);
    if (!r || !r[1]) return ctx.fail("Expected a vector register", c2) || null;
    if (t && r[1] !== t) return ctx.fail("Arrangements differ in the list", c2) || null;
    t = r[1];
    if (p.lit("-")) {
      const r2 = vreg(p);
      if (!r2 || r2[1] !== t || r2[0] < r[0]) return ctx.fail("Bad register range", c2) || null;
      for (let k = r[0]; k <= r2[0]; k++) regs.push(k);
    } else regs.push(r[0]);
    if (!p.lit(",")) break;
  }
  if (!p.lit("}")) return ctx.fail("Expected '}'", p.col) || null;
  if (!regs.every((v, k) => v === ((regs[0] + k) & 31))) {
    return ctx.fail("Registers must be consecutive", col) || null;
  }
  return [regs, t];
}

function listKind(letter: string): OperandKind {
  const split = (a: string): [Arr, string] => {
    const k = a.lastIndexOf("_");
    return [arrangement(a.slice(0, k)), a.slice(k + 1)];
  };
  const count = (f: Fields, c: string) => (/\d/.test(c) ? +c : f[c] + 1);
  return {
    print(f, _c, a) {
      const [arr, c] = split(a);
      return listText(f[letter], count(f, c), arr.print(f)!);
    },
    parse(p, f, ctx, a) {
      const [arr, c] = split(a);
      const col = p.col;
      const l = parseList(p, ctx);
      if (!l) return false;
      const [regs, t] = l;
      if (!arr.parse(f, t)) return ctx.fail(`Invalid arrangement: ${t}`, col);
      if (/\d/.test(c)) {
        if (regs.length !== +c) return ctx.fail(`Expected ${c} registers`, col);
      } else {
        if (regs.length > 4) return ctx.fail("Too many registers", col);
        f[c] = regs.length - 1;
      }
      f[letter] = regs[0];
      return true;
    },
  };
}

/** Lane index of a single-structure access from Q:S:size. */
function laneIndex(f: Fields, e: string): number {
  switch (e) {
    case "B":
      return (f.q << 3) | (f.S << 2) | f.s;
    case "H":
      return (f.q << 2) | (f.S << 1) | f.s;
    case "S":
      return (f.q << 1) | f.S;
  }
  return f.q;
}

/** Lane list spec `<B|H|S|D>[k]`: element letter and register count (default 1). */
function laneSpec(a: string): [string, number] {
  return [a[0], a.length > 1 ? +a.slice(1) : 1];
}

function laneKind(letter: string): OperandKind {
  return {
    print(f, _c, a) {
      const [e, k] = laneSpec(a);
      return `${listText(f[letter], k, e.toLowerCase())}[${laneIndex(f, e)}]`;
    },
    parse(p, f, ctx, spec) {
      const [a, k] = laneSpec(spec);
      const col = p.col;
      const l = parseList(p, ctx);
      if (!l) return false;
      const [regs, t] = l;
      if (t !== a.toLowerCase()) return ctx.fail(`Expected v<n>.${a.toLowerCase()}`, col);
      if (regs.length !== k) return ctx.fail(`Expected ${k} registers`, col);
      const r = [regs[0]];
      const i = index(p, ctx);
      if (i === null) return false;
      const bits = { B: 4, H: 3, S: 2, D: 1 }[a]!;
      if (i >= 1 << bits) return ctx.fail("Index out of range", col);
      if (a === "B") f.q = i >> 3, f.S = (i >> 2) & 1, f.s = i & 3;
      else if (a === "H") f.q = i >> 2, f.S = (i >> 1) & 1, f.s = i & 1;
      else if (a === "S") f.q = i >> 1, f.S = i & 1;
      else f.q = i;
      f[letter] = r[0];
      return true;
    },
  };
}

/** Bytes a structure load/store moves: the post-index immediate. */
function structBytes(f: Fields, a: string): number {
  if (a[0] === "L") return +a[1] * (f.q ? 16 : 8);
  const k = a.length > 1 ? +a.slice(1) : 1;
  if (a[0] === "R") return k << f.s;
  return k * { B: 1, H: 2, S: 4, D: 8 }[a[0]]!;
}

const spost: OperandKind = {
  print(f, _c, a) {
    const base = f.n === 31 ? "sp" : `x${f.n}`;
    if (a === "") return `[${base}]`;
    return f.m === 31 ? `[${base}], #${structBytes(f, a)}` : `[${base}], x${f.m}`;
  },
  parse(p, f, ctx, a) {
    if (!p.lit("[")) return ctx.fail("Expected '['", p.col);
    const col = p.col;
    const r = p.reg();
    if (!r || r.w !== "x" || r.zr) return ctx.fail("Expected a base register Xn|SP", col);
    f.n = r.n;
    if (!p.lit("]")) return ctx.fail("Expected ']'", p.col);
    if (a === "") return true;
    if (!p.lit(",")) return ctx.fail("Expected a post-index", p.col);
    const c2 = p.col;
    const save = p.pos;
    const m = p.reg();
    if (m) {
      if (m.w !== "x" || m.sp || m.zr) return ctx.fail("Expected an X register", c2);
      f.m = m.n;
      return true;
    }
    p.pos = save;
    const v = p.imm(ctx);
    if (v === null) return ctx.fail("Expected a post-index", c2);
    if (Number(v) !== structBytes(f, a)) {
      return ctx.fail(`Post-index must be #${structBytes(f, a)}`, c2);
    }
    f.m = 31;
    return true;
  },
};

// --- Immediates ----------------------------------------------------------

function imm8Of(f: Fields): number {
  return f.a !== undefined ? (f.a << 5) | f.h : f.i;
}

function setImm8(f: Fields, v: number, split: boolean): void {
  if (split) f.a = v >> 5, f.h = v & 31;
  else f.i = v;
}

/** AdvSIMDExpandImm(op = 1, cmode = 1110): each bit of imm8 becomes a byte. */
export function byteMask(imm8: number): bigint {
  let v = 0n;
  for (let k = 0; k < 8; k++) if ((imm8 >> k) & 1) v |= 0xffn << BigInt(8 * k);
  return v;
}

/** VFPExpandImm (Arm ARM J1 shared/functions) as a JS number. */
export function fpImmValue(imm8: number): number {
  // imm8 = a:b:cd:efgh; exponent NOT(b):Replicate(b):cd, unbiased b ? cd - 3 : cd + 1.
  const b = (imm8 >> 6) & 1, cd = (imm8 >> 4) & 3;
  return (imm8 >> 7 ? -1 : 1) * (16 + (imm8 & 15)) / 16 * 2 ** (b ? cd - 3 : cd + 1);
}

/** objdump's `%.18e` spelling of an FP immediate. */
export function fpImmText(v: number): string {
  const s = v.toExponential(18);
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

function parseNumber(p: OpParser): number | null {
  p.ws();
  p.lit("#");
  p.ws();
  const m = /^[+-]?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|0x[0-9a-f]+)/i.exec(
    p.s.slice(p.pos),
  );
  if (!m) return null;
  p.pos += m[0].length;
  return Number(m[0]);
}

const fimm: OperandKind = {
  print: (f) => `#${fpImmText(fpImmValue(imm8Of(f)))}`,
  parse(p, f, ctx) {
    const col = p.col;
    const v = parseNumber(p);
    if (v === null) return ctx.fail("Expected a floating-point immediate", col);
    for (let k = 0; k < 256; k++) {
      if (fpImmValue(k) === v) {
        setImm8(f, k, FIELD_BITS.current.a !== undefined);
        return true;
      }
    }
    return ctx.fail(`Not an encodable floating-point immediate: ${v}`, col);
  },
};

const imm8: OperandKind = {
  print: (f) => `#0x${imm8Of(f).toString(16)}`,
  parse(p, f, ctx) {
    const col = p.col;
    const v = p.imm(ctx);
    if (v === null || v < 0n || v > 255n) return ctx.fail("Expected an 8-bit immediate", col);
    setImm8(f, Number(v), true);
    return true;
  },
};

const imm64: OperandKind = {
  print: (f) => `#0x${byteMask(imm8Of(f)).toString(16)}`,
  parse(p, f, ctx) {
    const col = p.col;
    const v = p.imm(ctx);
    if (v === null) return ctx.fail("Expected an immediate", col);
    const u = BigInt.asUintN(64, v);
    let k = 0;
    for (let b = 0; b < 8; b++) {
      const byte = (u >> BigInt(8 * b)) & 0xffn;
      if (byte === 0xffn) k |= 1 << b;
      else if (byte !== 0n) return ctx.fail("Each byte must be 0x00 or 0xff", col);
    }
    setImm8(f, k, true);
    return true;
  },
};

function shiftOpt(kind: "lsl" | "msl", amounts: number[]): OperandKind {
  return {
    print(f) {
      const s = amounts[f.c];
      return kind === "lsl" && s === 0 ? "" : `, ${kind} #${s}`;
    },
    parse(p, f, ctx) {
      if (!p.lit(",")) {
        if (kind === "msl") return ctx.fail("Expected ', msl #8|#16'", p.col);
        f.c = 0;
        return true;
      }
      const col = p.col;
      if (p.word() !== kind) return ctx.fail(`Expected '${kind}'`, col);
      const v = p.imm(ctx);
      const k = v === null ? -1 : amounts.indexOf(Number(v));
      if (k < 0) return ctx.fail(`Shift must be one of ${amounts.join(", ")}`, col);
      f.c = k;
      return true;
    },
  };
}

/** Element size (log2 bytes) of a shift-by-immediate form: from immh when printing. */
function shiftEsize(f: Fields, a: string): number {
  if (a === "64") return 3;
  return f.h !== undefined && f._e === undefined ? hsb(f.h) : f._e;
}

function shiftKind(right: boolean): OperandKind {
  return {
    print(f, _c, a) {
      const esize = 8 << shiftEsize(f, a), v = (f.h << 3) | f.b;
      return `#${right ? 2 * esize - v : v - esize}`;
    },
    parse(p, f, ctx, a) {
      const col = p.col;
      const e = a === "64" ? 3 : f._e;
      if (e === undefined) return ctx.fail("Unknown element size", col);
      const esize = 8 << e;
      const v = p.imm(ctx);
      if (v === null) return ctx.fail("Expected a shift amount", col);
      const n = Number(v);
      if (right ? n < 1 || n > esize : n < 0 || n >= esize) {
        return ctx.fail(`Shift out of range: ${n}`, col);
      }
      const enc = right ? 2 * esize - n : esize + n;
      f.h = enc >> 3, f.b = enc & 7;
      return true;
    },
  };
}

const fbits: OperandKind = {
  print: (f) => `#${64 - f.S}`,
  parse(p, f, ctx) {
    const col = p.col;
    const v = p.imm(ctx);
    const max = f.z === 0 ? 32 : 64;
    if (v === null || v < 1n || v > BigInt(max)) return ctx.fail("Expected #1..#" + max, col);
    f.S = 64 - Number(v);
    return true;
  },
};

/** SHLL's shift, the element size of size `s`: `#8`, `#16`, `#32`. */
const esz: OperandKind = {
  print: (f) => `#${8 << f.s}`,
  parse(p, f, ctx) {
    const col = p.col;
    const v = p.imm(ctx);
    if (v === null || f.s === undefined || Number(v) !== 8 << f.s) {
      return ctx.fail("Shift must be the element size", col);
    }
    return true;
  },
};

const FIXED: Record<string, OperandKind> = {
  esz,
  spost,
  imm8,
  imm64,
  fimm,
  lsl32: shiftOpt("lsl", [0, 8, 16, 24]),
  lsl16: shiftOpt("lsl", [0, 8]),
  msl: shiftOpt("msl", [8, 16]),
  shr: shiftKind(true),
  shl: shiftKind(false),
  fbits,
};

/** General register W/X by imm5 (`i5`: X for a doubleword element) or by Q (`q`). */
function genKind(letter: string): OperandKind {
  const isX = (f: Fields, a: string) => (a === "q" ? f.q === 1 : lsb(f.i) === 3);
  return {
    print(f, _c, a) {
      const n = f[letter];
      return n === 31 ? (isX(f, a) ? "xzr" : "wzr") : `${isX(f, a) ? "x" : "w"}${n}`;
    },
    parse(p, f, ctx, a) {
      const col = p.col;
      const r = p.reg();
      if (!r || r.sp) return ctx.fail("Expected a general register", col);
      if (a === "q") f.q = r.w === "x" ? 1 : 0;
      else {
        const e = f.i !== undefined ? lsb(f.i) : f._e;
        if (e === undefined) f._gx = r.w === "x" ? 1 : 0; // checked by the element (UMOV)
        else if ((r.w === "x") !== (e === 3)) return ctx.fail("Register width mismatch", col);
        if (f.i === undefined && f._e !== undefined) f.i = 1 << f._e; // DUP (general)
      }
      f[letter] = r.n;
      return true;
    },
  };
}

registerKinds((name) => {
  if (FIXED[name]) return FIXED[name];
  const m = /^([VBHSDQFZELKG])([a-z])$/.exec(name);
  if (!m) return undefined;
  const [, k, letter] = m;
  switch (k) {
    case "V":
      return vecKind(letter);
    case "F":
      return fpKind(letter);
    case "Z":
      return sizedKind(letter);
    case "E":
      return eltKind(letter);
    case "L":
      return listKind(letter);
    case "K":
      return laneKind(letter);
    case "G":
      return genKind(letter);
  }
  return scalarKind(k.toLowerCase(), letter);
});
