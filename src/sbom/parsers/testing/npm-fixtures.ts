/**
 * A real node_modules tree installed from the npm registry (express 4, @babel/core, an `npm:`
 * alias, a dev, an optional and a peer dependency, a workspace linked into node_modules), plus
 * the same lockfile rewritten by npm as lockfile versions 1 and 2. Cached under
 * .mailknight/test-cache/ (the install is the slow part; scripts are never run).
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cached, cacheKey, sh } from "./cache.js";

const FIXTURE_VERSION = 1;

const ROOT_PACKAGE = {
  name: "fixture-app",
  version: "1.0.0",
  private: true,
  workspaces: ["packages/*"],
  dependencies: { express: "^4.19.0", "@babel/core": "^7.24.0", "lodash-alias": "npm:lodash@4.17.21" },
  devDependencies: { semver: "7.6.0" },
  optionalDependencies: { "is-number": "7.0.0" },
  peerDependencies: { ms: "^2.1.3" },
};
const WORKSPACE_PACKAGE = { name: "ws-a", version: "0.1.0", license: "MIT", dependencies: { debug: "2.6.9" } };

// Lockfiles here must carry `resolved` even where the user's npm config omits it.
const NPM_FLAGS = ["--no-audit", "--no-fund", "--ignore-scripts", "--no-omit-lockfile-registry-resolved", "--no-update-notifier"];

export interface NpmFixture {
  /** The project: package.json, package-lock.json (v3), node_modules, packages/ws-a. */
  project: string;
  lockV1: string;
  lockV2: string;
}

export async function npmFixture(): Promise<NpmFixture> {
  const npmVersion = (await sh("npm", ["--version"])).trim();
  const key = cacheKey([FIXTURE_VERSION, npmVersion, ROOT_PACKAGE, WORKSPACE_PACKAGE]);
  const dir = await cached("npm", key, async (work) => {
    const project = join(work, "project");
    await mkdir(join(project, "packages", "ws-a"), { recursive: true });
    await writeFile(join(project, "package.json"), JSON.stringify(ROOT_PACKAGE, null, 2));
    await writeFile(join(project, "packages", "ws-a", "package.json"), JSON.stringify(WORKSPACE_PACKAGE, null, 2));
    await sh("npm", ["install", ...NPM_FLAGS], { cwd: project, timeoutMs: 300_000 });
    // npm converts an existing lockfile without re-resolving: same tree, older format.
    for (const v of [1, 2]) {
      const alt = join(work, `v${v}`);
      await mkdir(join(alt, "packages", "ws-a"), { recursive: true });
      for (const f of ["package.json", "package-lock.json", "packages/ws-a/package.json"]) await copyFile(join(project, f), join(alt, f));
      await sh("npm", ["install", "--package-lock-only", `--lockfile-version=${v}`, ...NPM_FLAGS], { cwd: alt, timeoutMs: 300_000 });
    }
  });
  return { project: join(dir, "project"), lockV1: join(dir, "v1", "package-lock.json"), lockV2: join(dir, "v2", "package-lock.json") };
}

/** A node of `npm ls --all --json --long`: each installed package with its absolute path. */
export interface NpmLsNode {
  name?: string;
  version?: string;
  path?: string;
  dependencies?: Record<string, NpmLsNode>;
}

export async function npmLs(project: string): Promise<NpmLsNode> {
  // npm ls exits non-zero for problems such as a missing peer; the JSON is still the answer.
  const { run } = await import("../../../util/exec.js");
  const r = await run("npm", ["ls", "--all", "--json", "--long"], { cwd: project, env: { ...process.env, LC_ALL: "C" } });
  return JSON.parse(r.stdout) as NpmLsNode;
}
