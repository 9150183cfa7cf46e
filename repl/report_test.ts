import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { discover, type RunReport, runScenarios } from "./runner.ts";
import { junit, pretty, summaryLine, tap } from "./report.ts";
import { setColour } from "./format.ts";
import { parseTap, parseXml, type XmlElement } from "../tests/_report_parsers.ts";
import { parse as parseYaml } from "yaml";
import { MALFORMED_YAML, tempDir } from "../tests/_cli.ts";

setColour(false);
const FIXTURES = new URL("../tests/fixtures/", import.meta.url).pathname;

async function report(dir: string, opts = {}): Promise<RunReport> {
  return await runScenarios(await discover([FIXTURES + dir]), opts);
}

const find = (el: XmlElement, name: string): XmlElement[] =>
  el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...find(c, name)]);

Deno.test("tap() writes TAP 14 a strict parser accepts: plan, subtests, SKIP, diagnostics", async () => {
  const rep = await report("scenarios");
  const doc = parseTap(tap(rep));
  assertEquals(doc.version, 14);
  assertEquals(doc.points.map((p) => [p.ok, p.description]), [
    [true, "trng is there"],
    [false, "psci is 1.1 (wrong on 6.16)"],
    [true, 'versions <&> "quoted" # hash'],
    [true, "not yet"],
  ]);
  assertEquals(doc.points[3].directive, { kind: "SKIP", reason: "waiting for something" });
  const failed = doc.points[1];
  assertEquals(failed.subtests?.points.map((p) => p.ok), [true, false]);
  assertEquals(failed.subtests?.subtestName, "psci is 1.1 (wrong on 6.16)");
  // The diagnostic block is YAML.
  const diag = parseYaml(failed.diagnostic!.join("\n"));
  assertEquals(diag.file, FIXTURES + "scenarios/fail.yaml");
  assertStringIncludes(diag.message, "expected 0x0000000000010001 (PSCI 1.1)");
  assertEquals(diag.trace.length, 2);
  assertStringIncludes(diag.trace[1], "#1 cpu0 EL1 hvc PSCI_VERSION");
});

Deno.test("junit() writes well-formed XML with suites per file and failures with the trace", async () => {
  const rep = await report("scenarios");
  const root = parseXml(junit(rep));
  assertEquals(root.name, "testsuites");
  assertEquals([root.attrs.tests, root.attrs.failures, root.attrs.skipped], ["4", "1", "1"]);
  const suites = find(root, "testsuite");
  assertEquals(
    suites.map((s) => [s.attrs.name.replace(FIXTURES, ""), s.attrs.tests, s.attrs.failures]),
    [
      ["scenarios/fail.yaml", "2", "1"],
      ["scenarios/ok.ts", "2", "0"],
    ],
  );
  const cases = find(root, "testcase");
  assertEquals(cases[2].attrs.name, 'versions <&> "quoted" # hash');
  const failure = find(cases[1], "failure")[0];
  assertEquals(failure.attrs.type, "ScenarioError");
  assertStringIncludes(failure.text, "calls before the failure:\n#0 cpu0 EL1 hvc SMCCC_VERSION");
  assertEquals(find(cases[3], "skipped")[0].attrs.message, "waiting for something");
  assertEquals(
    find(cases[1], "system-out")[0].text,
    "ok call SMCCC_VERSION → SMCCC 1.1\nFAILED call PSCI_VERSION → PSCI 1.1",
  );
  for (const c of cases) assert(Number(c.attrs.time) >= 0);
});

Deno.test("tap() and junit() report files that cannot be loaded", async () => {
  const tmp = await tempDir({
    "bad.yaml": MALFORMED_YAML,
    "unknown.yaml": await Deno.readTextFile(FIXTURES + "broken/unknown.yaml"),
  });
  const rep = await runScenarios(await discover([tmp.dir]));
  await tmp.remove();
  assertEquals(rep.results.map((r) => r.loadError), [true, true]);
  const doc = parseTap(tap(rep));
  assertEquals(doc.points.map((p) => p.ok), [false, false]);
  assertStringIncludes(doc.points[0].diagnostic!.join("\n"), "bad.yaml:5:22: YAML syntax error");
  const root = parseXml(junit(rep));
  assertEquals(root.attrs.failures, "2");
});

Deno.test("runScenarios() filters by name, tag or /regex/, and shards deterministically", async () => {
  const names = async (opts: object) =>
    (await report("scenarios", opts)).results.map((r) => r.name);
  assertEquals(await names({ filter: "smoke" }), ["trng is there", 'versions <&> "quoted" # hash']);
  assertEquals(await names({ filter: "/^psci|^not/" }), ["psci is 1.1 (wrong on 6.16)", "not yet"]);
  const shards = [
    await names({ shard: { index: 1, count: 2 } }),
    await names({ shard: { index: 2, count: 2 } }),
  ];
  assertEquals(shards, [["trng is there", 'versions <&> "quoted" # hash'], [
    "psci is 1.1 (wrong on 6.16)",
    "not yet",
  ]]);
  assertEquals(await names({ bail: true }), ["trng is there", "psci is 1.1 (wrong on 6.16)"]);
});

Deno.test("pretty() groups by file and ends with the summary line", async () => {
  const rep = await report("scenarios");
  const text = pretty(rep);
  assertStringIncludes(text, "calls before the failure:");
  assertStringIncludes(text, "∼ not yet (0.0 ms) skipped: waiting for something");
  assert(
    /^2 passed, 1 failed, 1 skipped \(\d+(\.\d)? ms\)$/.test(summaryLine(rep)),
    summaryLine(rep),
  );
});
