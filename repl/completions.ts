/**
 * Shell completion scripts generated from the command table: commands,
 * options (with their choices), and word lists for call names, register
 * names and files. The same word lists drive the REPL's tab completion.
 * The scripts are static (no process is started on Tab) and need nothing
 * beyond the shell itself (bash's script does not need bash-completion).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { completionScript } from "./completions.ts";
 * const bash = await completionScript("bash");
 * assert(bash.includes("complete -F _hvsh hvsh"));
 * ```
 *
 * @module
 */

import type { Command } from "commander";
import { FW_REGS, knownCalls, KVM_CAP } from "../hyp/mod.ts";
import { SYSREGS } from "../machine/mod.ts";
import { buildProgram, type Completion, completionOf, type Mode } from "./commands.ts";
import { HYP_STUB_CALLS } from "./values.ts";

const CORE_REGS = [
  ...Array.from({ length: 31 }, (_, n) => `X${n}`),
  "SP",
  "PC",
  "PSTATE",
  "SP_EL1",
  "ELR_EL1",
  "SPSR_EL1",
];

/** The words a completion kind stands for ([] for files, which the shell completes itself). */
export function completionWords(kind: Completion, mode: Mode = "cli"): string[] {
  switch (kind) {
    case "calls": {
      // Full names, the short aliases parseCall accepts (CPU_ON64 for PSCI_CPU_ON64), stub calls.
      const names = knownCalls().map((c) => c.name);
      const short = names.map((n) => n.replace(/^(PSCI|SMCCC|KVM)_/, "")).filter((n) =>
        !names.includes(n)
      );
      return [...new Set([...names, ...short, ...HYP_STUB_CALLS.keys()])];
    }
    case "fwregs":
      return FW_REGS.flatMap((r) => [r.short, r.name]);
    case "regs":
      return [
        ...CORE_REGS,
        ...FW_REGS.flatMap((r) => [r.short, r.name]),
        ...SYSREGS.filter((d) => d.slot >= 0).map((d) => d.name),
      ];
    case "assign":
      return completionWords("regs").map((r) => `${r}=`);
    case "commands":
      return buildProgram(mode, { mode, io: { out() {}, err() {} }, exit() {} }).commands.map((c) =>
        c.name()
      );
    case "caps":
      return Object.keys(KVM_CAP).map((k) => `KVM_CAP_${k}`);
    case "mpstates":
      return ["RUNNABLE", "STOPPED", "SUSPENDED"];
    case "actions":
      return ["handle", "deny", "fwd_to_user"];
    default:
      return [];
  }
}

/** What a generator needs to know about one command. */
interface CmdInfo {
  name: string;
  summary: string;
  /** Every flag (long and short). */
  flags: { names: string[]; description: string; takesValue: boolean; words: string[] | "files" }[];
  /** Completion per positional; `variadic` repeats the last. */
  args: (string[] | "files")[];
  variadic: boolean;
}

function words(kind: Completion | undefined): string[] | "files" {
  if (kind === "files" || kind === "dirs") return "files";
  return kind ? completionWords(kind) : [];
}

/** Commands, options and argument completions of the CLI. */
export function cliSpec(): CmdInfo[] {
  const program = buildProgram("cli", { mode: "cli", io: { out() {}, err() {} }, exit() {} });
  const info = (c: Command): CmdInfo => {
    const table = completionOf(c.name(), "cli");
    const args = c.registeredArguments.map((a, i) =>
      a.argChoices ? [...a.argChoices] : words(table?.args?.[i])
    );
    const flags = c.options.map((o) => ({
      names: [o.long, o.short].filter((n): n is string => !!n),
      description: o.description,
      takesValue: o.required || o.optional,
      words: o.argChoices ? [...o.argChoices] : words(table?.options?.[o.long ?? ""]),
    }));
    flags.push({ names: ["--help", "-h"], description: "show help", takesValue: false, words: [] });
    return {
      name: c.name(),
      summary: c.summary() || c.description(),
      flags,
      args,
      variadic: c.registeredArguments.at(-1)?.variadic ?? false,
    };
  };
  const cmds = program.commands.map((c) => info(c as unknown as Command));
  cmds.push({
    name: "help",
    summary: "display help for a command",
    flags: [],
    args: [cmds.map((c) => c.name)],
    variadic: false,
  });
  return cmds;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(cmds: CmdInfo[]): string {
  const lists = new Map<string, string>();
  const listVar = (w: string[]) => {
    const key = w.join(" ");
    if (!lists.has(key)) lists.set(key, `_hvsh_w${lists.size}`);
    return `$${lists.get(key)}`;
  };
  const complete = (w: string[] | "files") =>
    w === "files"
      ? `COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return`
      : `COMPREPLY=($(compgen -W "${listVar(w)}" -- "$cur")); return`;
  const body: string[] = [];
  for (const c of cmds) {
    const valueFlags = c.flags.filter((f) => f.takesValue);
    body.push(`    ${c.name})`);
    if (valueFlags.length) {
      body.push(`      case "$prev" in`);
      for (const f of valueFlags) {
        const w = f.words;
        const act = w === "files" || w.length
          ? complete(w) + (f.names[0] === "--set" ? "" : "")
          : "return";
        body.push(`        ${f.names.join("|")}) ${act};;`);
      }
      body.push(`      esac`);
    }
    const flagWords = c.flags.flatMap((f) => f.names.filter((n) => n.startsWith("--")));
    body.push(
      `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${
        q(flagWords.join(" "))
      } -- "$cur")); return; fi`,
    );
    body.push(`      valopts=${q(valueFlags.flatMap((f) => f.names).join(" "))}`);
    body.push(`      _hvsh_pos "$valopts"`);
    if (c.args.length) {
      body.push(`      case $pos in`);
      c.args.forEach((a, i) => {
        const last = i === c.args.length - 1 && c.variadic;
        body.push(
          `        ${last ? "*" : i}) ${a === "files" || a.length ? complete(a) : "return"};;`,
        );
      });
      body.push(`      esac`);
    }
    body.push(`      ;;`);
  }
  const vars = [...lists].map(([w, v]) => `${v}=${q(w)}`);
  return `# bash completion for hvsh (generated by \`hvsh completions bash\`)
# Load it with: source <(hvsh completions bash)
${vars.join("\n")}
_hvsh_pos() {
  # Index of the current word among the command's positional arguments.
  local i w skip=0
  pos=0
  for ((i = cmdi + 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    if ((skip)); then skip=0; continue; fi
    if [[ "$w" == -* ]]; then [[ " $1 " == *" $w "* ]] && skip=1; continue; fi
    pos=$((pos + 1))
  done
}
_hvsh() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local cmd="" cmdi=0 i pos valopts
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in -*) ;; *) cmd=\${COMP_WORDS[i]}; cmdi=$i; break;; esac
  done
  COMPREPLY=()
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W ${
    q([...cmds.map((c) => c.name), "--help", "--version"].join(" "))
  } -- "$cur"))
    return
  fi
  case "$cmd" in
${body.join("\n")}
  esac
}
complete -F _hvsh hvsh
`;
}

function zsh(cmds: CmdInfo[]): string {
  const esc = (s: string) =>
    s.replace(/\\/g, "\\\\").replace(/'/g, `'\\''`).replace(/:/g, "\\:").replace(/\[/g, "\\[")
      .replace(/\]/g, "\\]");
  const action = (w: string[] | "files") =>
    w === "files"
      ? "_files"
      : w.length
      ? `(${w.map((x) => x.replace(/[()\s]/g, "\\$&")).join(" ")})`
      : " ";
  const cases = cmds.map((c) => {
    const specs: string[] = [];
    for (const f of c.flags) {
      const excl = f.names.length > 1 ? `(${f.names.join(" ")})` : "";
      const multi = f.names[0] === "--set" ? "*" : "";
      const forms = f.names.length > 1 ? `{${f.names.join(",")}}` : f.names[0];
      const val = f.takesValue ? `:${esc(f.names[0].replace(/^-+/, ""))}:${action(f.words)}` : "";
      specs.push(
        `${multi ? "'*'" : excl ? `'${excl}'` : ""}${forms}'[${esc(f.description)}]${val}'`,
      );
    }
    c.args.forEach((a, i) => {
      const last = i === c.args.length - 1 && c.variadic;
      specs.push(`'${last ? "*" : `${i + 1}`}:arg:${action(a)}'`);
    });
    return `    ${c.name})\n      _arguments -s \\\n        ${
      specs.join(" \\\n        ")
    }\n      ;;`;
  });
  const described = cmds.map((c) => `'${c.name}:${esc(c.summary)}'`).join(" \\\n    ");
  return `#compdef hvsh
# zsh completion for hvsh (generated by \`hvsh completions zsh\`)
# Put it on $fpath as _hvsh, or load it with: source <(hvsh completions zsh)
_hvsh() {
  local -a commands
  commands=(
    ${described}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'hvsh command' commands
    _arguments '(-V --version)'{-V,--version}'[print the version]' '(-h --help)'{-h,--help}'[show help]'
    return
  fi
  local cmd=\${words[2]}
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases.join("\n")}
  esac
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then _hvsh "$@"; else compdef _hvsh hvsh; fi
`;
}

function fish(cmds: CmdInfo[]): string {
  const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
  const out = [
    "# fish completion for hvsh (generated by `hvsh completions fish`)",
    "complete -c hvsh -f",
    "complete -c hvsh -n __fish_use_subcommand -s V -l version -d 'print the version'",
    "complete -c hvsh -n __fish_use_subcommand -s h -l help -d 'show help'",
  ];
  for (const c of cmds) {
    out.push(`complete -c hvsh -n __fish_use_subcommand -a ${c.name} -d '${esc(c.summary)}'`);
    const cond = `-n '__fish_seen_subcommand_from ${c.name}'`;
    for (const f of c.flags) {
      const long = f.names.find((n) => n.startsWith("--"))?.slice(2);
      const short = f.names.find((n) => /^-[^-]/.test(n))?.slice(1);
      let spec = `complete -c hvsh ${cond}${long ? ` -l ${long}` : ""}${
        short ? ` -s ${short}` : ""
      }`;
      if (f.takesValue) {
        spec += f.words === "files"
          ? " -r -F"
          : f.words.length
          ? ` -x -a '${esc(f.words.join(" "))}'`
          : " -x";
      }
      out.push(`${spec} -d '${esc(f.description)}'`);
    }
    const a = c.args[0];
    if (a === "files") out.push(`complete -c hvsh ${cond} -F`);
    else if (a && a.length) {
      const all = [...new Set(c.args.flatMap((x) => (x === "files" ? [] : x)))];
      out.push(`complete -c hvsh ${cond} -a '${esc(all.join(" "))}'`);
    }
  }
  return out.join("\n") + "\n";
}

/** The completion script for `shell`. */
export function completionScript(shell: "bash" | "zsh" | "fish" | string): Promise<string> {
  const cmds = cliSpec();
  switch (shell) {
    case "bash":
      return Promise.resolve(bash(cmds));
    case "zsh":
      return Promise.resolve(zsh(cmds));
    case "fish":
      return Promise.resolve(fish(cmds));
  }
  return Promise.reject(new RangeError(`Unknown shell: ${shell} (bash, zsh or fish)`));
}
