/**
 * Runs `sync` in a child process and SIGKILLs itself at the named phase: the kill -9 test.
 * Usage: node --import tsx sync-child.ts <workspace-root> <phase>
 */
import { openWorkspace } from "../../workspace/index.js";
import { systemClock } from "../check.js";
import { sync } from "../sync.js";

const [root, phase] = process.argv.slice(2);
const ws = await openWorkspace(root!);
await sync(ws, {
  env: {},
  clock: systemClock,
  onPhase: (p) => {
    if (p === phase) process.kill(process.pid, "SIGKILL");
  },
});
process.stdout.write("finished without being killed\n");
