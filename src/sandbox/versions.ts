/** Versions of the tools a profile builds with, for the stage record (first line of `--version`). */
import { toolVersion } from "../util/exec.js";
import type { ToolchainId } from "./profile.js";
import { findTool } from "./tools.js";

const PROFILE_TOOLS: Record<ToolchainId, string[]> = {
  c: ["gcc", "ld", "make"],
  go: ["go", "gcc", "ld"],
  custom: [],
};

/** Looks the tools up on the profile's PATH (the sandbox shares the host's /usr); absent tools are left out. */
export async function toolVersions(toolchain: ToolchainId, path: string, extra: string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of [...PROFILE_TOOLS[toolchain], ...extra].sort()) {
    const exe = await findTool(name, path);
    if (!exe) continue;
    const v = await toolVersion(exe, name === "go" ? ["version"] : ["--version"]);
    if (v) out[name] = v;
  }
  return out;
}
