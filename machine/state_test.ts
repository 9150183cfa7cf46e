import { assertEquals } from "@std/assert";
import { Slot, SYSREG_SLOTS } from "./state.ts";
import { SYSREGS } from "./sysregs.ts";

Deno.test("Slot numbers are unique and below SYSREG0", () => {
  const fixed = Object.entries(Slot).filter(([k]) => k !== "SYSREG0" && k !== "END" && k !== "V0");

  const seen = new Map<number, string>();
  for (const [name, n] of fixed) {
    assertEquals(seen.has(n), false, `${name} and ${seen.get(n)} share slot ${n}`);
    seen.set(n, name);
    assertEquals(n < Slot.V0, true, `${name} = ${n}`);
  }
  assertEquals(Slot.V0 + 64, Slot.SYSREG0);
});

Deno.test("SYSREGS storage slots are unique and inside the block", () => {
  const slots = SYSREGS.filter((d) => d.slot >= 0).map((d) => d.slot);
  assertEquals(new Set(slots).size, slots.length);
  assertEquals(Math.max(...slots) < Slot.SYSREG0 + SYSREG_SLOTS, true);
});
