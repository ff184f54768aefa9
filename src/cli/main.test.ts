import { test } from "node:test";
import assert from "node:assert/strict";
import { buildProgram, commandGroupsFor } from "./main.js";

const names = async (argv: string[]) => buildProgram(await commandGroupsFor(argv)).commands.map((c) => c.name());

test("only the command group a command line needs is loaded; help and ci see every command", async () => {
  const all = await names(["--help"]);
  for (const c of ["run", "sbom", "scan", "gate", "vex", "publish", "pin", "sign", "verify", "sync", "patch", "ci"]) assert.ok(all.includes(c), c);
  assert.deepEqual(await names(["ci", "generate"]), all);
  assert.deepEqual(await names(["-C", "ws", "run", "greeter"]), ["init", "schemas", "validate", "project", "run", "stage", "image"]);
  assert.deepEqual(await names(["--version"]), ["init", "schemas", "validate", "project", "run", "stage", "image"]);
  const sign = await names(["--workspace", "ws", "--json", "verify", "x"]);
  assert.ok(sign.includes("verify") && sign.includes("key") && !sign.includes("sync"));
  // Every command of every group is reachable from its own command word.
  for (const c of all) assert.ok((await names([c])).includes(c), `${c} must load its own group`);
});
