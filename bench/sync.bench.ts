// `mailknight sync` over 100 GitHub-tracked projects with nothing new upstream: after one warm-up
// poll fills the ETag cache, a sync must cost exactly 100 conditional requests, all answered 304,
// in under 5 s. Runs against the local fake GitHub (127.0.0.1). Usage: npm run bench:sync
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../src/upstream/check.js";
import { sync } from "../src/upstream/sync.js";
import { ghRelease, startFakeForge } from "../src/upstream/testing/fake-forge.js";
import { initWorkspace, openWorkspace } from "../src/workspace/index.js";

const PROJECTS = 100;
const LIMIT_MS = 5000;

const dir = await mkdtemp(join(tmpdir(), "mk-bench-sync-"));
const forge = await startFakeForge();
try {
  const root = join(dir, "ws");
  await initWorkspace(root);
  for (let i = 0; i < PROJECTS; i++) {
    const name = `p${String(i).padStart(3, "0")}`;
    forge.github.set(`acme/${name}`, { releases: [ghRelease("v1.2.1", "2026-01-03T00:00:00Z"), ghRelease("v1.2.0", "2026-01-02T00:00:00Z"), ghRelease("v1.1.9", "2026-01-01T00:00:00Z")], tags: [] });
    await mkdir(join(root, "projects", name), { recursive: true });
    await writeFile(
      join(root, "projects", name, "project.yaml"),
      `name: ${name}\nupstream:\n  github: acme/${name}\n  apiUrl: ${forge.url}\n  track: ["1.2.x"]\nsources:\n  - version: v1.2.1\n    git: { tag: v1.2.1, commit: ${"a".repeat(40)} }\nbuild:\n  steps: [make]\n`,
    );
  }
  const ws = await openWorkspace(root);
  const warm = { requests: 0, notModified: 0 };
  await sync(ws, { env: {}, clock: systemClock, stats: warm });
  forge.log.length = 0;
  const stats = { requests: 0, notModified: 0 };
  const t0 = process.hrtime.bigint();
  const items = await sync(ws, { env: {}, clock: systemClock, stats });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const answered304 = forge.log.filter((l) => l.status === 304 && l.ifNoneMatch).length;
  console.log(`sync of ${PROJECTS} projects, nothing new: ${forge.log.length} requests (${answered304} conditional, answered 304), ${items.length} to sync, ${ms.toFixed(0)} ms (warm-up: ${warm.requests} requests)`);
  const ok = forge.log.length === PROJECTS && answered304 === PROJECTS && stats.notModified === PROJECTS && items.length === 0 && ms < LIMIT_MS;
  if (!ok) {
    console.error(`FAIL: expected ${PROJECTS} requests all answered 304, nothing to sync, under ${LIMIT_MS} ms`);
    process.exitCode = 1;
  }
} finally {
  await forge.close();
  await rm(dir, { recursive: true, force: true });
}
