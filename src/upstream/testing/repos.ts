/** Local git repositories standing in for upstreams in tests (fixed identities and dates). */
import { rm, writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fixtureGit, tempDir as sharedTempDir } from "../../util/testing/git.js";

export const tempDir = (prefix = "mk-upstream-") => sharedTempDir(prefix);

export const git = (cwd: string, args: string[], date?: number): Promise<string> => fixtureGit(cwd, args, date);

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
