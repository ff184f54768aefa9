/**
 * `mailknight patch new <project> --from <commit|file>`: adds a patch (typically a CVE backport)
 * to the carried patchset of one version. The patch is proven on the real tree first: the source
 * is fetched, the existing patchset applied, then the new patch (three-way when its context
 * differs); it is stored regenerated with `git format-patch` against that tree, numbered after
 * the existing ones, so it applies cleanly in the pipeline.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { MkError } from "../errors.js";
import { applyMirrors, fetchSource } from "../fetch/index.js";
import { applyPatches, listPatches, parsePatch } from "../patches/index.js";
import { identityEnv } from "../patches/git.js";
import { resolveMirrors } from "../pipeline/stages/fetch.js";
import { sha256Digest } from "../util/digest.js";
import { pathExists, writeFileAtomic } from "../util/fs.js";
import { COMMIT_RE, git, gitOk } from "../util/git.js";
import { loadProject, paths, selectSource, upstreamGitUrl, type Workspace } from "../workspace/index.js";

export interface NewPatchOptions {
  /** A commit id (full, or abbreviated when the upstream history already has it) or a patch file. */
  from: string;
  /** Source version to add it to (default: the recipe's first). */
  version?: string;
}

export interface NewPatchResult {
  project: string;
  version: string;
  /** Workspace-relative path of the written patch. */
  file: string;
  subject?: string;
  /** How it applied on top of the existing patchset. */
  applied: "clean" | "three-way";
}

export async function newPatch(ws: Workspace, project: string, opts: NewPatchOptions): Promise<NewPatchResult> {
  const recipe = await loadProject(ws.root, project);
  const source = selectSource(recipe, opts.version);
  const url = source.git?.url ?? upstreamGitUrl(recipe);
  if (!source.git || !url) throw new MkError("E_USAGE", `${project}@${source.version} is not a git source; patch new needs the upstream tree`);
  const mirrors = resolveMirrors(ws.root, ws.config.mirrors);
  const scratch = await mkdtemp(join(tmpdir(), "mk-patch-new-"));
  try {
    const tree = join(scratch, "tree");
    const fetched = await fetchSource({ pin: { type: "git", url, ...(source.git.tag ? { tag: source.git.tag } : {}), ...(source.git.commit ? { commit: source.git.commit } : {}) }, destDir: tree, cacheDir: ws.cacheDir, mirrors, insecure: recipe.insecure });
    const dir = paths.patchDir(ws.root, project, source.version);
    const existing = await listPatches(dir);
    await applyPatches(tree, existing, { sourceDateEpoch: fetched.sourceDateEpoch });

    const bytes = (await pathExists(opts.from)) ? await readFile(opts.from) : await patchFromCommit(tree, applyMirrors(url, mirrors).effectiveUrl, opts.from);
    const parsed = parsePatch(bytes.toString("utf8"));
    if (parsed.files.length === 0) throw new MkError("E_PATCH_FAILED", `${opts.from} contains no diff`, { hint: "give a git format-patch file, a unified diff, or a commit id" });
    const input = join(scratch, basename(opts.from).replace(/[^A-Za-z0-9._-]/g, "_") + (/\.(patch|diff)$/.test(opts.from) ? "" : ".patch"));
    await writeFile(input, bytes, { mode: 0o600 });
    const strict = await git(["apply", "--check", input], { cwd: tree, isolated: true });
    await applyPatches(tree, [{ name: basename(input), path: input, digest: sha256Digest(bytes) }], { sourceDateEpoch: fetched.sourceDateEpoch });

    const out = join(scratch, "out");
    await gitOk(["format-patch", "--quiet", "-1", "--zero-commit", "--no-signature", "--no-numbered", "--start-number", String(existing.length + 1), "-o", out, "HEAD"], { cwd: tree, isolated: true, env: identityEnv(fetched.sourceDateEpoch, false) }, { code: "E_PATCH_FAILED", what: "regenerating the new patch" });
    const [name] = await readdir(out);
    if (!name) throw new MkError("E_INTERNAL", "git format-patch wrote no file");
    const target = join(dir, name);
    if (await pathExists(target)) throw new MkError("E_USAGE", `${relative(ws.root, target)} already exists`, { hint: "rename or remove the existing patch first" });
    await writeFileAtomic(target, await readFile(join(out, name)));
    const series = join(dir, "series");
    if (await pathExists(series)) {
      const text = await readFile(series, "utf8");
      await writeFileAtomic(series, `${text}${text === "" || text.endsWith("\n") ? "" : "\n"}${name}\n`);
    }
    return { project, version: source.version, file: relative(ws.root, target), ...(parsed.subject ? { subject: parsed.subject } : {}), applied: strict.code === 0 ? "clean" : "three-way" };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The commit as a mail patch; fetched from upstream when the tree does not have it yet. */
async function patchFromCommit(tree: string, url: string, ref: string): Promise<Buffer> {
  if (!/^[0-9a-f]{7,40}$/.test(ref)) {
    throw new MkError("E_USAGE", `--from ${ref} is neither an existing file nor a commit id`, { hint: "give a path to a .patch file or a (full) upstream commit id" });
  }
  const has = async () => (await git(["cat-file", "-e", `${ref}^{commit}`], { cwd: tree, isolated: true })).code === 0;
  if (!(await has())) {
    if (!COMMIT_RE.test(ref)) throw new MkError("E_USAGE", `commit ${ref} is not in the carried history; give the full 40-character id so it can be fetched from upstream`);
    // Network: keeps the user's git configuration (proxies, credentials).
    await gitOk(["fetch", "--quiet", "--no-tags", "--", url, ref], { cwd: tree }, { code: "E_FETCH", what: `fetching commit ${ref} from ${url}`, hint: "check the commit id; it must exist upstream" });
  }
  const parents = (await gitOk(["rev-list", "--parents", "-n", "1", ref], { cwd: tree, isolated: true }, { code: "E_FETCH", what: `reading commit ${ref}` })).stdout.trim().split(" ");
  if (parents.length !== 2) throw new MkError("E_USAGE", `commit ${ref} is ${parents.length > 2 ? "a merge" : "a root commit"}; pick the single commit that carries the fix`);
  const r = await gitOk(["format-patch", "-1", "--stdout", "--no-signature", ref], { cwd: tree, isolated: true }, { code: "E_FETCH", what: `exporting commit ${ref}` });
  return Buffer.from(r.stdout);
}
