/**
 * Small strict parsers for the reports hvsh emits, so tests check them the
 * way a CI system reads them: TAP version 14 (test points, plans, subtests,
 * YAML diagnostics, SKIP) and XML (for JUnit).
 *
 * @module
 */

/** One TAP test point. */
export interface TapPoint {
  ok: boolean;
  id: number;
  description: string;
  directive?: { kind: "SKIP" | "TODO"; reason: string };
  /** The YAML diagnostic block's lines, without the indentation and markers. */
  diagnostic?: string[];
  /** Subtest points that came before this point (`# Subtest:` blocks). */
  subtests?: TapDocument;
}

/** A parsed TAP stream. */
export interface TapDocument {
  version?: number;
  plan: { start: number; end: number };
  points: TapPoint[];
  subtestName?: string;
}

/** Parse TAP 14; throws on anything a strict consumer would reject (bad plan, ids out of order). */
export function parseTap(text: string): TapDocument {
  const lines = text.replace(/\n$/, "").split("\n");
  let i = 0;
  const doc = parseBlock(lines, () => i, (n) => (i = n), 0, true);
  if (i !== lines.length) throw new Error(`TAP: unexpected line ${i + 1}: ${lines[i]}`);
  return doc;
}

function parseBlock(
  lines: string[],
  get: () => number,
  set: (n: number) => void,
  indent: number,
  top: boolean,
): TapDocument {
  const pad = " ".repeat(indent);
  const doc: TapDocument = { plan: { start: 1, end: -1 }, points: [] };
  let pending: TapDocument | undefined;
  let i = get();
  if (top) {
    const m = /^TAP version (\d+)$/.exec(lines[i] ?? "");
    if (!m) throw new Error(`TAP: expected "TAP version 14", got ${lines[i]}`);
    doc.version = Number(m[1]);
    i++;
  }
  while (i < lines.length) {
    const line = lines[i];
    if (!line.startsWith(pad)) break;
    const body = line.slice(indent);
    let m: RegExpExecArray | null;
    if ((m = /^1\.\.(\d+)$/.exec(body))) {
      doc.plan = { start: 1, end: Number(m[1]) };
      i++;
    } else if ((m = /^# Subtest: (.*)$/.exec(body))) {
      set(i + 1);
      pending = parseBlock(lines, get, set, indent + 4, false);
      pending.subtestName = m[1];
      i = get();
    } else if (
      (m = /^(not ok|ok) (\d+)(?: - ((?:[^#\\]|\\.)*?))?\s*(?:# (SKIP|TODO)\S*\s*(.*))?$/.exec(
        body,
      ))
    ) {
      const description = (m[3] ?? "").replace(/\\(.)/g, "$1");
      const p: TapPoint = { ok: m[1] === "ok", id: Number(m[2]), description };
      if (m[4]) p.directive = { kind: m[4] as "SKIP" | "TODO", reason: m[5] ?? "" };
      if (pending) {
        p.subtests = pending;
        pending = undefined;
      }
      i++;
      if (lines[i] === `${pad}  ---`) {
        const diag: string[] = [];
        i++;
        while (i < lines.length && lines[i] !== `${pad}  ...`) {
          if (!lines[i].startsWith(`${pad}  `)) {
            throw new Error(`TAP: unterminated YAML block at line ${i + 1}`);
          }
          diag.push(lines[i].slice(indent + 2));
          i++;
        }
        if (i >= lines.length) throw new Error("TAP: unterminated YAML block");
        i++;
        p.diagnostic = diag;
      }
      doc.points.push(p);
    } else if (body.startsWith("#") || body.trim() === "") {
      i++;
    } else {
      throw new Error(`TAP: unexpected line ${i + 1}: ${line}`);
    }
  }
  set(i);
  if (doc.plan.end < 0) throw new Error("TAP: no plan");
  if (doc.points.length !== doc.plan.end) {
    throw new Error(`TAP: plan 1..${doc.plan.end} but ${doc.points.length} test points`);
  }
  doc.points.forEach((p, k) => {
    if (p.id !== k + 1) throw new Error(`TAP: test point ${p.id} out of order (expected ${k + 1})`);
  });
  return doc;
}

/** An XML element. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, e: string) => {
    if (e[0] === "#") {
      return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    }
    if (!(e in ENTITIES)) throw new Error(`XML: unknown entity ${all}`);
    return ENTITIES[e];
  });

/** Parse an XML document (declaration, elements, attributes, text); throws on malformed input. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  ws();
  if (text.startsWith("<?xml", i)) {
    const end = text.indexOf("?>", i);
    if (end < 0) throw new Error("XML: bad declaration");
    i = end + 2;
  }
  ws();
  const element = (): XmlElement => {
    const m = /^<([A-Za-z_][\w.-]*)/.exec(text.slice(i));
    if (!m) throw new Error(`XML: expected an element at ${i}: ${text.slice(i, i + 20)}`);
    i += m[0].length;
    const el: XmlElement = { name: m[1], attrs: {}, children: [], text: "" };
    for (;;) {
      ws();
      if (text.startsWith("/>", i)) {
        i += 2;
        return el;
      }
      if (text[i] === ">") {
        i++;
        break;
      }
      const a = /^([A-Za-z_][\w.:-]*)="([^"<]*)"/.exec(text.slice(i));
      if (!a) {
        throw new Error(`XML: bad attribute in <${el.name}> at ${i}: ${text.slice(i, i + 30)}`);
      }
      if (a[1] in el.attrs) throw new Error(`XML: duplicate attribute ${a[1]}`);
      el.attrs[a[1]] = decode(a[2]);
      i += a[0].length;
    }
    for (;;) {
      const lt = text.indexOf("<", i);
      if (lt < 0) throw new Error(`XML: <${el.name}> is not closed`);
      el.text += decode(text.slice(i, lt));
      i = lt;
      if (text.startsWith(`</${el.name}>`, i)) {
        i += el.name.length + 3;
        return el;
      }
      if (text.startsWith("</", i)) {
        throw new Error(`XML: mismatched close tag at ${i}: expected </${el.name}>`);
      }
      el.children.push(element());
    }
  };
  const root = element();
  ws();
  if (i !== text.length) throw new Error(`XML: trailing content at ${i}`);
  return root;
}
