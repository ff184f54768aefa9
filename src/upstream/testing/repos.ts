/** Local git repositories standing in for upstreams in tests (fixed identities and dates). */
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { run } from "../../util/exec.js";

export async function tempDir(prefix = "mk-upstream-"): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export async function git(cwd: string, args: string[], date = 1_700_000_000): Promise<string> {
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "Upstream Dev",
    GIT_AUTHOR_EMAIL: "dev@upstream.example",
    GIT_COMMITTER_NAME: "Upstream Dev",
    GIT_COMMITTER_EMAIL: "dev@upstream.example",
    GIT_AUTHOR_DATE: `@${date} +0000`,
    GIT_COMMITTER_DATE: `@${date} +0000`,
  };
  const r = await run("git", ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", ...args], { cwd, env });
  if (r.code !== 0) throw new Error(`fixture: git ${args.join(" ")} in ${cwd} failed: ${r.stderr}`);
  return r.stdout.trim();
}

export const lines = (n: number, edit: Record<number, string> = {}) => Array.from({ length: n }, (_, i) => edit[i + 1] ?? `line ${i + 1}`).join("\n") + "\n";

/** A work repository that commits whole-file states and tags them; `bare()` publishes it. */
export class UpstreamRepo {
  private date = 1_700_000_000;
  constructor(readonly dir: string) {}

  static async create(dir: string): Promise<UpstreamRepo> {
    await mkdir(dir, { recursive: true });
    await git(dir, ["init", "--quiet"]);
    return new UpstreamRepo(dir);
  }

  /** Writes files (path → content) and commits; returns the commit id. */
  async commit(message: string, files: Record<string, string>): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(this.dir, path)), { recursive: true });
      await writeFile(join(this.dir, path), content);
    }
    this.date += 86_400;
    await git(this.dir, ["add", "-A"], this.date);
    await git(this.dir, ["commit", "--quiet", "-m", message], this.date);
    return await git(this.dir, ["rev-parse", "HEAD"]);
  }

  async tag(name: string, annotated = true): Promise<void> {
    await git(this.dir, annotated ? ["tag", "-a", "-m", `release ${name}`, name] : ["tag", name], this.date);
  }

  async rev(ref: string): Promise<string> {
    return await git(this.dir, ["rev-parse", `${ref}^{commit}`]);
  }

  /** A bare clone (what a forge serves), refreshed on every call. */
  async publish(bareDir: string): Promise<string> {
    await rm(bareDir, { recursive: true, force: true });
    await git(dirname(bareDir), ["clone", "--quiet", "--bare", this.dir, bareDir]);
    return bareDir;
  }
}
