/**
 * Reporters for scenario runs: a readable "pretty" report, TAP version 14
 * (with subtests for steps) and JUnit XML for CI systems.
 *
 * @module
 */

import type { RunReport, ScenarioResult } from "./runner.ts";
import { style } from "./format.ts";

const ms = (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;

/** One scenario as the pretty reporter prints it (used for streaming progress). */
export function prettyScenario(r: ScenarioResult): string {
  const lines: string[] = [];
  const mark = r.status === "passed"
    ? style.green("✔")
    : r.status === "failed"
    ? style.red("✘")
    : style.yellow("∼");
  const skip = r.status === "skipped"
    ? style.yellow(` skipped${r.skipReason ? `: ${r.skipReason}` : ""}`)
    : "";
  lines.push(`  ${mark} ${r.name} ${style.dim(`(${ms(r.ms)})`)}${skip}`);
  for (const s of r.steps) {
    lines.push(`      ${s.status === "passed" ? style.green("✔") : style.red("✘")} ${s.name}`);
  }
  for (const n of r.notes) lines.push(style.dim(`      · ${n}`));
  if (r.status === "failed" && r.error) {
    const msg = (r.error.message || String(r.error)).split("\n");
    lines.push(`      ${style.red(`${r.error.name}: ${msg[0]}`)}`);
    for (const m of msg.slice(1)) lines.push(`        ${m}`);
    if (r.trace.length) {
      lines.push(style.dim("      calls before the failure:"));
      for (const t of r.trace) lines.push(style.dim(`        ${t}`));
    }
  }
  return lines.join("\n");
}

/** The summary line. */
export function summaryLine(rep: RunReport): string {
  const parts = [`${rep.passed} passed`, `${rep.failed} failed`];
  if (rep.skipped) parts.push(`${rep.skipped} skipped`);
  const text = `${parts.join(", ")} (${ms(rep.ms)})`;
  return rep.failed ? style.red(style.bold(text)) : style.green(style.bold(text));
}

/** The whole pretty report, grouped by file. */
export function pretty(rep: RunReport): string {
  const out: string[] = [];
  let file = "";
  for (const r of rep.results) {
    if (r.file !== file) {
      file = r.file;
      out.push(style.bold(file));
    }
    out.push(prettyScenario(r));
  }
  out.push("", summaryLine(rep));
  return out.join("\n");
}

const yamlStr = (s: string) => JSON.stringify(s);

/** A TAP description: one line, `\` and `#` escaped (TAP 14 "Test Point"). */
function tapText(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").replace(/\\/g, "\\\\").replace(/#/g, "\\#");
}

/** TAP version 14, steps as subtests. */
export function tap(rep: RunReport): string {
  const out = ["TAP version 14", `1..${rep.results.length}`];
  rep.results.forEach((r, i) => {
    if (r.steps.length) {
      out.push(`# Subtest: ${r.name.replace(/\s*\n\s*/g, " ")}`);
      out.push(`    1..${r.steps.length}`);
      r.steps.forEach((s, j) =>
        out.push(`    ${s.status === "passed" ? "ok" : "not ok"} ${j + 1} - ${tapText(s.name)}`)
      );
    }
    const name = tapText(r.name);
    if (r.status === "skipped") {
      out.push(`ok ${i + 1} - ${name} # SKIP${r.skipReason ? ` ${r.skipReason}` : ""}`);
    } else if (r.status === "passed") {
      out.push(`ok ${i + 1} - ${name}`);
    } else {
      out.push(`not ok ${i + 1} - ${name}`);
      out.push("  ---");
      out.push(`  file: ${yamlStr(r.file)}`);
      out.push(`  message: ${yamlStr(r.error?.message ?? "failed")}`);
      if (r.trace.length) {
        out.push("  trace:");
        for (const t of r.trace) out.push(`    - ${yamlStr(t)}`);
      }
      out.push("  ...");
    }
  });
  return out.join("\n") + "\n";
}

const xml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
    // deno-lint-ignore no-control-regex
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "");

/** JUnit XML: one testsuite per file, one testcase per scenario. */
export function junit(rep: RunReport): string {
  const files = [...new Set(rep.results.map((r) => r.file))];
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="hvsh" tests="${rep.results.length}" failures="${rep.failed}" skipped="${rep.skipped}" time="${
      (rep.ms / 1000).toFixed(3)
    }">`,
  );
  for (const f of files) {
    const rs = rep.results.filter((r) => r.file === f);
    const fail = rs.filter((r) => r.status === "failed").length,
      skip = rs.filter((r) => r.status === "skipped").length;
    const time = rs.reduce((a, r) => a + r.ms, 0) / 1000;
    out.push(
      `  <testsuite name="${
        xml(f)
      }" tests="${rs.length}" failures="${fail}" skipped="${skip}" time="${time.toFixed(3)}">`,
    );
    for (const r of rs) {
      out.push(
        `    <testcase classname="${xml(f)}" name="${xml(r.name)}" time="${
          (r.ms / 1000).toFixed(3)
        }">`,
      );
      if (r.status === "skipped") out.push(`      <skipped message="${xml(r.skipReason ?? "")}"/>`);
      if (r.status === "failed") {
        const body = [
          r.error?.stack ?? r.error?.message ?? "",
          ...(r.trace.length ? ["calls before the failure:", ...r.trace] : []),
        ].join("\n");
        out.push(
          `      <failure message="${xml(r.error?.message ?? "failed")}" type="${
            xml(r.error?.name ?? "Error")
          }">${xml(body)}</failure>`,
        );
      }
      if (r.steps.length) {
        out.push(
          `      <system-out>${
            xml(
              r.steps.map((s) => `${s.status === "passed" ? "ok" : "FAILED"} ${s.name}`).join("\n"),
            )
          }</system-out>`,
        );
      }
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n") + "\n";
}
