#!/usr/bin/env node
// Entry point. Runs the compiled dist/ when it is at least as new as every file under src/
// (`npm run build`, run by `npm ci` through "prepare"); otherwise — a source checkout being
// edited — runs the TypeScript through tsx, so a stale build is never used.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const srcDir = join(root, "src");
const stamp = join(root, "dist", ".build-stamp");

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const useDist = existsSync(stamp) && (!existsSync(srcDir) || statSync(stamp).mtimeMs >= newestMtime(srcDir));
let main;
if (useDist) {
  ({ main } = await import(new URL("../dist/cli/main.js", import.meta.url).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(new URL("../src/cli/main.ts", import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
