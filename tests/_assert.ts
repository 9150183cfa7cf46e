/**
 * A small `@std/assert`-compatible shim over `node:assert/strict` (JSR is not
 * reachable here; deno-notes.md §b). Mapped to "@std/assert" in deno.json:
 * switching to `jsr:@std/assert@1` later is a one-line change.
 *
 * @module
 */
import assert from "node:assert/strict";

/** Assert that `expr` is truthy. */
export function assertTrue(expr: unknown, msg?: string): asserts expr {
  assert.ok(expr, msg);
}
export { assertTrue as assert };

/** Assert deep structural equality (bigints compared exactly). */
export function assertEquals<T>(actual: unknown, expected: T, msg?: string): asserts actual is T {
  assert.deepStrictEqual(actual, expected, msg);
}

/** Assert that two values are not deeply equal. */
export function assertNotEquals(actual: unknown, expected: unknown, msg?: string): void {
  assert.notDeepStrictEqual(actual, expected, msg);
}

/** Assert `Object.is` equality. */
export function assertStrictEquals<T>(
  actual: unknown,
  expected: T,
  msg?: string,
): asserts actual is T {
  assert.strictEqual(actual, expected, msg);
}

/** Assert that `actual` contains `expected` (strings) . */
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (!actual.includes(expected)) {
    throw new assert.AssertionError({
      message: msg ?? `Expected actual: "${actual}" to contain: "${expected}".`,
      actual,
      expected,
      operator: "includes",
    });
  }
}

/** Assert that `actual` matches `re`. */
export function assertMatch(actual: string, re: RegExp, msg?: string): void {
  assert.match(actual, re, msg);
}

/** Assert that `fn` throws; optionally of class `cls` with a message containing `includes`. Returns the error. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  cls?: new (...args: any[]) => E,
  includes?: string,
  msg?: string,
): E {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (err === undefined) {
    throw new assert.AssertionError({ message: msg ?? "Expected function to throw." });
  }
  if (cls && !(err instanceof cls)) {
    throw new assert.AssertionError({
      message: msg ??
        `Expected error to be instance of "${cls.name}", but was "${
          (err as Error)?.constructor?.name
        }": ${(err as Error)?.message}`,
    });
  }
  if (includes !== undefined && !String((err as Error).message).includes(includes)) {
    throw new assert.AssertionError({
      message: msg ??
        `Expected error message to include "${includes}", but got "${(err as Error).message}".`,
    });
  }
  return err as E;
}

/** Assert that a promise rejects; returns the error. */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  cls?: new (...args: any[]) => E,
  includes?: string,
): Promise<E> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  if (err === undefined) {
    throw new assert.AssertionError({ message: "Expected promise to reject." });
  }
  if (cls && !(err instanceof cls)) {
    throw new assert.AssertionError({
      message: `Expected ${cls.name}, got ${(err as Error)?.constructor?.name}: ${
        (err as Error)?.message
      }`,
    });
  }
  if (includes !== undefined && !String((err as Error).message).includes(includes)) {
    throw new assert.AssertionError({
      message: `Expected error message to include "${includes}", got "${(err as Error).message}".`,
    });
  }
  return err as E;
}

/** Fail unconditionally. */
export function fail(msg?: string): never {
  throw new assert.AssertionError({ message: msg ?? "Failed assertion." });
}
