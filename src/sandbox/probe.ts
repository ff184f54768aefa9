/**
 * Can bubblewrap build a sandbox on this machine? Asked once per process by running the real
 * sandbox layout (as the build user when we are root) around `exit 0`. Some CI runners forbid
 * unprivileged user namespaces; there builds still run, recorded as `hermetic: false`.
 */
import { isMkError } from "../errors.js";
import { run } from "../util/exec.js";
import { bwrapArgs, hostLayout } from "./layout.js";
import { dropPrivilegesPrefix } from "./privileges.js";
import { SANDBOX_PATH } from "./profile.js";
import { findTool } from "./tools.js";

export interface SandboxProbe {
  available: boolean;
  /** Why not, when unavailable. */
  reason?: string;
  /** Absolute path of the bwrap that worked. */
  bwrap?: string;
}

let cached: Promise<SandboxProbe> | undefined;

export function probeSandbox(): Promise<SandboxProbe> {
  cached ??= probeOnce();
  return cached;
}

async function probeOnce(): Promise<SandboxProbe> {
  const bwrap = await findTool("bwrap");
  if (!bwrap) return { available: false, reason: "bubblewrap (bwrap) is not installed" };
  let prefix: string[];
  try {
    prefix = dropPrivilegesPrefix(await findTool("setpriv"));
  } catch (e) {
    if (isMkError(e)) return { available: false, reason: e.message };
    throw e;
  }
  const argv = [...prefix, bwrap, ...bwrapArgs(await hostLayout(), undefined, { PATH: SANDBOX_PATH }), "/bin/sh", "-c", "exit 0"];
  const r = await run(argv[0]!, argv.slice(1), { env: {}, cwd: "/", timeoutMs: 30_000 });
  if (r.code === 0) return { available: true, bwrap };
  const why = (r.stderr || r.stdout).trim().split("\n")[0] || `exit code ${r.code}`;
  return { available: false, reason: `bwrap cannot create a sandbox here (${why}); unprivileged user namespaces are probably disabled` };
}
