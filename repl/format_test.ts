import { assertEquals, assertStringIncludes } from "@std/assert";
import {
  describeFwReg,
  errorLine,
  formatCall,
  hex,
  hex64,
  Progress,
  setColour,
  traceLine,
} from "./format.ts";
import { createVm, KvmError, PSCI, TRNG } from "../mod.ts";

setColour(false);

Deno.test("hex64() and hex() print 64-bit values", () => {
  assertEquals(hex64(0x10003n), "0x0000000000010003");
  assertEquals(hex64(-1n), "0xffffffffffffffff");
  assertEquals(hex(0x84000000), "0x84000000");
});

Deno.test("formatCall() prints x0 decoded, and x1..x3 only when set", () => {
  const vm = createVm({ memoryMiB: 1 });
  assertEquals(formatCall(vm.cpu(0).hvc(PSCI.VERSION)), "x0 = 0x0000000000010003  PSCI 1.3");
  assertEquals(formatCall(vm.cpu(0).hvc(0x8200_0001)), "x0 = 0xffffffffffffffff  NOT_SUPPORTED");
  const uuid = formatCall(vm.cpu(0).hvc(TRNG.GET_UUID)).split("\n");
  assertEquals(uuid.length, 4);
  assertEquals(uuid[1].slice(0, 5), "x1 = ");
});

Deno.test("formatCall() shows exits and blocked vCPUs", () => {
  const vm = createVm({ memoryMiB: 1, cpus: 2 });
  assertEquals(
    formatCall(vm.cpu(1).hvc(PSCI.CPU_OFF)).split("\n")[1],
    "vCPU blocked: stopped (off until PSCI CPU_ON)",
  );
  assertStringIncludes(formatCall(vm.cpu(0).hvc(PSCI.SYSTEM_OFF)), "exit: system_event SHUTDOWN");
});

Deno.test("describeFwReg() decodes firmware register values", () => {
  assertEquals(describeFwReg("KVM_REG_ARM_PSCI_VERSION", 0x10001n), "PSCI 1.1");
  assertEquals(describeFwReg("KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1", 2n), "NOT_REQUIRED");
  assertEquals(describeFwReg("SMCCC_ARCH_WORKAROUND_2", 0x12n), "AVAIL | ENABLED");
  assertEquals(describeFwReg("VENDOR_HYP_BMAP", 3n), "FUNC_FEAT | PTP");
  assertEquals(describeFwReg("STD_BMAP", 0n), "none");
  assertEquals(describeFwReg("X0", 5n), "");
});

Deno.test("errorLine() gives one line with the error's class", () => {
  assertEquals(
    errorLine(new KvmError("EBUSY", "KVM_SET_ONE_REG", "the VM has run")),
    "KvmError: KVM_SET_ONE_REG failed with EBUSY: the VM has run",
  );
  assertEquals(errorLine(new Error("first\nsecond")), "first");
  assertEquals(errorLine("boom"), "Uncaught boom");
});

Deno.test("traceLine() names the call, arguments, result and route", () => {
  const vm = createVm({ memoryMiB: 1 });
  vm.cpu(0).hvc(PSCI.FEATURES, PSCI.CPU_ON64);
  assertEquals(
    traceLine(vm.trace.last()[0]),
    "#0 cpu0 EL1 hvc PSCI_FEATURES(0xc4000003, 0x0, 0x0) → x0 = 0x0000000000000000 (SUCCESS) [psci]",
  );
});

Deno.test("Progress draws one erasable line on a terminal only, after its delay", () => {
  const dec = new TextDecoder();
  const seen: string[] = [];
  const write = (b: Uint8Array) => void seen.push(dec.decode(b));
  const piped = new Progress(0, false, write);
  piped.update("[1/3] a");
  piped.clear();
  assertEquals(seen, []);
  const late = new Progress(60_000, true, write);
  late.update("[1/3] a");
  assertEquals(seen, []);
  const tty = new Progress(0, true, write);
  tty.update("[2/3] b");
  tty.update("[3/3] c"); // throttled: within 100 ms of the last update
  tty.clear();
  assertEquals(seen, ["\r\x1b[2K[2/3] b", "\r\x1b[2K"]);
});
