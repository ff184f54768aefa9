/** A committed workspace tracking a local upstream with a carried patchset, for sync tests and the bench. */
import { writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { initWorkspace, openWorkspace, type Workspace } from "../../workspace/index.js";
import { git, lines, UpstreamRepo } from "./repos.js";

export interface SyncFixture {
  ws: Workspace;
  upstream: UpstreamRepo;
  bare: string;
  commits: Record<string, string>;
}

/**
 * Upstream widget: v1.0.0, v1.0.1 (inserts lines above the patched one: the patch moves),
 * v1.1.0 (another line). The workspace carries v1.0.0 with two patches, tracks 1.0.x and 1.1.x
 * (1.1.x carried from nothing, so it is reported as not carried).
 * With `conflict`, v1.0.1 also rewrites the README line that the second patch changes.
 */
export async function syncFixture(dir: string, project = "widget", opts: { conflict?: boolean } = {}): Promise<SyncFixture> {
  const upstream = await UpstreamRepo.create(join(dir, "upstream-work"));
  const commits: Record<string, string> = {};
  commits["v1.0.0"] = await upstream.commit("v1.0.0", { "src/main.c": lines(40), "README": "widget\n" });
  await upstream.tag("v1.0.0");
  await git(upstream.dir, ["checkout", "--quiet", "-b", "carry"]);
  await upstream.commit("harden: line 20", { "src/main.c": lines(40, { 20: "hardened 20" }) });
  await upstream.commit("docs: mention LTS", { "README": "widget (LTS)\n" });
  const patchOut = join(dir, "patches-out");
  await git(upstream.dir, ["format-patch", "--quiet", "-o", patchOut, "v1.0.0..carry"]);
  await git(upstream.dir, ["checkout", "--quiet", "main"]);
  commits["v1.0.1"] = await upstream.commit("v1.0.1", { "src/main.c": "// 1\n// 2\n" + lines(40), ...(opts.conflict ? { "README": "widget 2\n" } : {}) });
  await upstream.tag("v1.0.1");
  commits["v1.1.0"] = await upstream.commit("v1.1.0", { "NEWS": "1.1\n" });
  await upstream.tag("v1.1.0");
  const bare = await upstream.publish(join(dir, "widget.git"));

  const root = join(dir, "ws");
  await initWorkspace(root);
  await mkdir(join(root, "projects", project), { recursive: true });
  await writeFile(
    join(root, "projects", project, "project.yaml"),
    `# yaml-language-server: $schema=../../schemas/project.schema.json
name: ${project}
upstream:
  git: file://${bare} # local stand-in for the forge
  tagPattern: '^v(\\d+\\.\\d+\\.\\d+)$'
  track: ["1.0.x", "1.1.x"]
# the carried LTS version
sources:
  - version: v1.0.0
    git:
      tag: v1.0.0
      commit: ${commits["v1.0.0"]}
build:
  steps: [make]
`,
  );
  const patchDir = join(root, "patches", project, "v1.0.0");
  await mkdir(patchDir, { recursive: true });
  for (const name of ["0001-harden-line-20.patch", "0002-docs-mention-LTS.patch"]) {
    const { readFile } = await import("node:fs/promises");
    await writeFile(join(patchDir, name), await readFile(join(patchOut, name)));
  }
  await git(root, ["add", "-A"]);
  await git(root, ["commit", "--quiet", "-m", "workspace"]);
  return { ws: await openWorkspace(root), upstream, bare, commits };
}
