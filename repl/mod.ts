/**
 * The shell: CLI, interactive REPL and scenario runner (issue 5). For now it
 * re-exports the public API so `@hvsh/hvsh/repl` resolves.
 *
 * @example
 * ```ts
 * import { createVm } from "./mod.ts";
 * console.assert(createVm().cpu(0).el === 1);
 * ```
 *
 * @module
 */
export { createVm } from "../mod.ts";
