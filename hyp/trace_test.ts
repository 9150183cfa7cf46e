import { assertEquals } from "@std/assert";
import { R, ROUTES } from "./trace.ts";

Deno.test("R numbers every route by its index in ROUTES", () => {
  assertEquals(ROUTES.map((r) => R[r]), ROUTES.map((_, i) => i));
});
