#!/usr/bin/env node
// Entry point. In a source checkout the TypeScript is run through tsx; an installed package
// runs the compiled dist/.
import { existsSync } from "node:fs";

const src = new URL("../src/cli/main.ts", import.meta.url);
let main;
if (existsSync(src)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(src.href));
} else {
  ({ main } = await import(new URL("../dist/cli/main.js", import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
