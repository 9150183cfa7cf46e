import { assert, assertEquals } from "@std/assert";
import { cliSpec, completionScript, completionWords } from "./completions.ts";
import { have } from "../tests/_cli.ts";

Deno.test("completionWords() lists calls with their short aliases, registers and assignments", () => {
  const calls = completionWords("calls");
  for (const c of ["PSCI_VERSION", "CPU_ON64", "TRNG_RND64", "HVC_SOFT_RESTART"]) {
    assert(calls.includes(c), c);
  }
  const regs = completionWords("regs");
  for (const r of ["X0", "PC", "STD_BMAP", "KVM_REG_ARM_STD_BMAP", "MPIDR_EL1", "VBAR_EL2"]) {
    assert(regs.includes(r), r);
  }
  assert(completionWords("assign").includes("STD_BMAP="));
});

Deno.test("cliSpec() derives the commands, option values and argument kinds from the table", () => {
  const spec = cliSpec();
  const call = spec.find((c) => c.name === "call")!;
  assert(
    call.flags.some((f) =>
      f.names.includes("--kernel") && Array.isArray(f.words) && f.words.includes("6.16")
    ),
  );
  assertEquals(spec.find((c) => c.name === "run")!.args, ["files"]);
  assertEquals(spec.find((c) => c.name === "completions")!.args, [["bash", "zsh", "fish"]]);
});

/** Run bash completion for `words` (the last is the word being completed). */
function bashComplete(script: string, words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(" ");
  const r = new Deno.Command("bash", {
    args: [
      "-c",
      `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${
        words.length - 1
      }; _hvsh; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  assert(r.success, new TextDecoder().decode(r.stderr));
  return new TextDecoder().decode(r.stdout).split("\n").filter(Boolean);
}

Deno.test({
  name:
    "completionScript('bash') completes commands, call names, option values and registers in bash",
  ignore: !have("bash"),
  async fn() {
    const s = await completionScript("bash");
    assertEquals(bashComplete(s, ["hvsh", "ca"]), ["call", "calls"]);
    assertEquals(bashComplete(s, ["hvsh", "call", "PSCI_VER"]), ["PSCI_VERSION"]);
    assertEquals(bashComplete(s, ["hvsh", "call", "PSCI_FEATURES", "CPU_ON6"]), ["CPU_ON64"]);
    assertEquals(bashComplete(s, ["hvsh", "call", "--kernel", "5"]), ["5.10", "5.15"]);
    assertEquals(bashComplete(s, ["hvsh", "call", "--kernel", "6.1", "PSCI_VERS"]), [
      "PSCI_VERSION",
    ]);
    assertEquals(bashComplete(s, ["hvsh", "call", "--set", "STD_B"]), ["STD_BMAP="]);
    assertEquals(bashComplete(s, ["hvsh", "test", "--reporter", ""]), ["pretty", "tap", "junit"]);
    assertEquals(bashComplete(s, ["hvsh", "regs", "MPIDR"]), ["MPIDR_EL1"]);
    assertEquals(bashComplete(s, ["hvsh", "boot", "--g"]), ["--gic"]);
    assertEquals(bashComplete(s, ["hvsh", "completions", "z"]), ["zsh"]);
    assertEquals(bashComplete(s, ["hvsh", "run", "scripts/psci"]).sort(), [
      "scripts/psci.yaml",
      "scripts/psci_smp.ts",
    ]);
  },
});

Deno.test({
  name: "completionScript('fish') completes in fish",
  ignore: !have("fish"),
  async fn() {
    const tmp = await Deno.makeTempFile({ suffix: ".fish" });
    try {
      await Deno.writeTextFile(tmp, await completionScript("fish"));
      const complete = (line: string) => {
        const r = new Deno.Command("fish", {
          args: ["--no-config", "-c", `source ${tmp}; complete -C '${line}'`],
          stdout: "piped",
          stderr: "piped",
        }).outputSync();
        assert(r.success, new TextDecoder().decode(r.stderr));
        return new TextDecoder().decode(r.stdout).split("\n").filter(Boolean).map((l) =>
          l.split("\t")[0]
        );
      };
      assertEquals(complete("hvsh ca"), ["call", "calls"]);
      assert(complete("hvsh call PSCI_VER").includes("PSCI_VERSION"));
      assertEquals(complete("hvsh call --kernel 5"), ["5.10", "5.15"]);
      assert(complete("hvsh test --rep").includes("--reporter"));
    } finally {
      await Deno.remove(tmp);
    }
  },
});

Deno.test({
  name: "completionScript('zsh') completes in zsh",
  ignore: !have("zsh"),
  async fn() {
    const tmp = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${tmp}/_hvsh`, await completionScript("zsh"));
      // Drive zsh's completion system without a terminal: zpty runs an interactive zsh.
      const driver = `
        zmodload zsh/zpty
        zpty -b z zsh -f -i
        zpty -w z 'PS1="> "; fpath=(${tmp} $fpath); autoload -Uz compinit; compinit -u -D; zstyle ":completion:*" list-rows-first true'
        zpty -w z 'LISTMAX=1000; setopt nolistbeep'
        zpty -w -n z $'hvsh call PSCI_VER\\t'
        sleep 1
        zpty -r z out '*PSCI_VERSION*' || true
        print -r -- "$out"
        zpty -d z`;
      const r = new Deno.Command("zsh", {
        args: ["-f", "-c", driver],
        stdout: "piped",
        stderr: "piped",
      }).outputSync();
      const out = new TextDecoder().decode(r.stdout);
      assert(out.includes("PSCI_VERSION"), out + new TextDecoder().decode(r.stderr));
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
