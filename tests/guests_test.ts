/**
 * The test guests on hvsh: every entry of tests/guests/guests.json boots on
 * the emulated machine with its `hvsh` options and must print exactly the
 * UART transcript QEMU printed (the committed golden). Needs nothing but Deno;
 * tests/guests/qemu_test.ts keeps the goldens honest when QEMU is installed.
 */
import { assertEquals } from "@std/assert";
import { createVm } from "../mod.ts";
import type { GuestEntry } from "./guests/qemu_test.ts";

const ROOT = new URL("../", import.meta.url);
const MANIFEST: GuestEntry[] = JSON.parse(
  await Deno.readTextFile(new URL("tests/guests/guests.json", ROOT)),
);

for (const g of MANIFEST) {
  Deno.test(`guest ${g.name} prints QEMU's transcript on hvsh (${g.hvsh.hyp}, ${g.hvsh.cpus} vCPU)`, async () => {
    const vm = createVm({ ...g.hvsh });
    await vm.load(new URL(g.image, ROOT).pathname);
    const r = vm.run({ maxInstructions: 10_000_000 });
    const golden = await Deno.readTextFile(new URL(g.golden, ROOT));
    assertEquals(
      vm.uart.text(),
      golden,
      `${g.name}: ${r.reason}${r.error ? ` (${r.error.message})` : ""}`,
    );
    assertEquals(r.reason, "system_off", r.error?.message);
  });
}
