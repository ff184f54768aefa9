/**
 * Git sources: a bare mirror per upstream URL in the cache, then a plain work tree at exactly the
 * pinned commit (detached HEAD) in the destination, ready for `git am -3`.
 *
 * Trust comes from the commit id. A tag in the pin is a cross-check that notices upstream moving
 * the tag; when the commit is already cached it is checked against the tag as cached, so that a
 * cached build never touches the network (tracking upstream tag moves belongs to `sync`).
 */
import { rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { MkError } from "../errors.js";
import { discardEvents, type EventSink } from "../pipeline/events.js";
import { sha256Hex } from "../util/digest.js";
import { ensureDir, isDirectory, tempSibling, writeFileAtomic } from "../util/fs.js";
import { emptyDir, prepareEmptyDir } from "./dest.js";
import { COMMIT_RE, git, gitOk, keyLines } from "../util/git.js";
import { resolveGitRef } from "./git-ref.js";
import { applyMirrors } from "./mirrors.js";
import type { FetchResult, FetchSourceOptions, GitPin } from "./types.js";

/** Ref namespace in the cache that keeps fetched commits reachable, so `git gc` never prunes them. */
const PIN_REFS = "refs/mailknight/pins";

export async function fetchGit(pin: GitPin, opts: FetchSourceOptions): Promise<FetchResult> {
  const emit = opts.onEvent ?? discardEvents;
  const { url, effectiveUrl } = applyMirrors(pin.url, opts.mirrors);
  const pinned = pinnedCommit(pin);
  if (pin.tag !== undefined) await checkTagName(pin);

  let commit: string;
  let unpinned = false;
  if (pinned) commit = pinned;
  else if (opts.insecure) {
    const ref = pin.tag ?? "HEAD";
    commit = await resolveGitRef(effectiveUrl, ref);
    unpinned = true;
    emit({ type: "log", stage: "fetch", level: "warn", message: `${url}: no commit pinned (insecure: true); using ${ref} = ${commit} as upstream has it now` });
  } else throw await pinMissing(pin, effectiveUrl);

  const mirror = await ensureMirror(opts.cacheDir, url);
  const checkTag = pin.tag !== undefined && !unpinned;
  let fromCache = await hasCommit(mirror, commit);
  if (fromCache && checkTag && pin.tag) fromCache = (await cachedTagCommit(mirror, pin.tag)) === commit;

  if (!fromCache) {
    if (checkTag && pin.tag) {
      const now = await resolveGitRef(effectiveUrl, pin.tag);
      if (now !== commit) throw tagMoved(url, pin.tag, now, commit);
    }
    await fetchIntoMirror(mirror, effectiveUrl, commit, pin.tag, emit);
    // The tag may have moved between ls-remote and fetch; check what we actually stored.
    if (checkTag && pin.tag) {
      const fetched = await cachedTagCommit(mirror, pin.tag);
      if (fetched !== commit) throw tagMoved(url, pin.tag, fetched ?? "nothing", commit);
    }
  }
  await gitOk(["update-ref", `${PIN_REFS}/${commit}`, commit], { cwd: mirror, isolated: true }, { code: "E_IO", what: `recording ${commit} in the cache ${mirror}` });

  await checkoutCommit(mirror, opts.destDir, commit);
  const sourceDateEpoch = await committerTime(opts.destDir, commit);
  return { kind: "git", url, effectiveUrl, commit, tag: pin.tag, sourceDateEpoch, fromCache, unpinned };
}

function pinnedCommit(pin: GitPin): string | undefined {
  if (pin.commit === undefined) return undefined;
  const commit = pin.commit.trim().toLowerCase();
  if (!COMMIT_RE.test(commit)) {
    throw new MkError("E_PIN_MISSING", `git source ${pin.url}: commit "${pin.commit}" is not a full 40-hex commit id`, {
      hint: "pin the full commit id (git rev-parse <tag>^{commit}); abbreviated ids are not pins",
    });
  }
  return commit;
}

/** A tag goes into refspecs; one that is not a valid ref name (e.g. with ":") must not get there. */
async function checkTagName(pin: GitPin): Promise<void> {
  const r = await git(["check-ref-format", `refs/tags/${pin.tag}`], { isolated: true });
  if (r.code !== 0 || pin.tag?.startsWith("-")) {
    throw new MkError("E_CONFIG_INVALID", `git source ${pin.url}: "${pin.tag}" is not a valid tag name`, { hint: "write the tag exactly as upstream names it, e.g. v1.2.3" });
  }
}

async function pinMissing(pin: GitPin, effectiveUrl: string): Promise<MkError> {
  let now: string | undefined;
  if (pin.tag) {
    try {
      now = await resolveGitRef(effectiveUrl, pin.tag);
    } catch {
      // Unreachable or no such tag: the hint below still says what to add.
    }
  }
  const hint = now
    ? `add \`commit: ${now}\` (what tag ${pin.tag} resolves to now; check it is the release you expect), or set insecure: true to build unpinned`
    : `add \`commit: <40-hex commit id>\`${pin.tag ? ` of tag ${pin.tag}` : ""}, or set insecure: true to build unpinned`;
  return new MkError("E_PIN_MISSING", `git source ${pin.url} has no pinned commit`, {
    hint,
    details: { url: pin.url, tag: pin.tag, tagResolvesTo: now },
  });
}

function tagMoved(url: string, tag: string, now: string, pinned: string): MkError {
  return new MkError("E_INTEGRITY", `tag ${tag} of ${url} now points at ${now}, the recipe pins ${pinned}; upstream moved the tag`, {
    hint: `find out why the tag moved (re-release or compromise?) before pinning ${now}; until then the pinned commit stays authoritative`,
    details: { url, tag, tagCommit: now, pinnedCommit: pinned },
  });
}

async function ensureMirror(cacheDir: string, url: string): Promise<string> {
  const path = join(cacheDir, "git", `${sha256Hex(url)}.git`);
  if (await isDirectory(path)) return path;
  await ensureDir(dirname(path));
  // Initialise beside the final name and rename, so a concurrent or interrupted run never sees a
  // half-made mirror.
  const tmp = tempSibling(path);
  try {
    await gitOk(["init", "--bare", "--quiet", "--template=", tmp], { isolated: true }, { code: "E_IO", what: `creating the git cache ${path}` });
    await writeFileAtomic(join(tmp, "mailknight-url"), `${url}\n`);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (!(await isDirectory(path))) throw e;
  }
  return path;
}

async function hasCommit(repo: string, commit: string): Promise<boolean> {
  return (await git(["cat-file", "-e", `${commit}^{commit}`], { cwd: repo, isolated: true })).code === 0;
}

async function cachedTagCommit(repo: string, tag: string): Promise<string | undefined> {
  const r = await git(["rev-parse", "--verify", "--quiet", `refs/tags/${tag}^{commit}`], { cwd: repo, isolated: true });
  const out = r.stdout.trim();
  return r.code === 0 && COMMIT_RE.test(out) ? out : undefined;
}

/** Fetches the least that brings `commit` into the mirror: the tag, else the commit by id, else all refs. */
async function fetchIntoMirror(mirror: string, url: string, commit: string, tag: string | undefined, emit: EventSink): Promise<void> {
  emit({ type: "log", stage: "fetch", level: "info", message: `fetching ${commit}${tag ? ` (tag ${tag})` : ""} from ${url}` });
  const attempts: string[][] = [];
  if (tag) attempts.push([`+refs/tags/${tag}:refs/tags/${tag}`]);
  // Servers that do not allow fetching by id (uploadpack.allowReachableSHA1InWant) refuse this one.
  attempts.push([`+${commit}:${PIN_REFS}/${commit}`]);
  attempts.push(["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]);
  const failures: string[] = [];
  for (const refspecs of attempts) {
    const r = await git(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", url, ...refspecs], { cwd: mirror });
    if (r.code !== 0) failures.push(`git fetch ${refspecs.join(" ")}: ${keyLines(r, 3).join(" / ")}`);
    if (await hasCommit(mirror, commit)) return;
  }
  throw new MkError("E_FETCH", `commit ${commit} could not be fetched from ${url}${failures.length ? `:\n  ${failures.join("\n  ")}` : " (it is in none of its branches and tags)"}`, {
    hint: "check the URL and the commit id in the recipe; if upstream force-pushed the commit away, point a mirror at a copy that still has it",
    details: { url, commit, failures },
  });
}

async function checkoutCommit(mirror: string, destDir: string, commit: string): Promise<void> {
  await prepareEmptyDir(destDir);
  const local = { cwd: destDir, isolated: true };
  try {
    // A local clone hardlinks (or copies) the whole object store, so the pinned commit is there
    // even though only the pin ref points at it; the work tree does not depend on the cache later.
    await gitOk(["clone", "--quiet", "--no-checkout", "--template=", "--", mirror, destDir], { isolated: true }, { code: "E_FETCH", what: `copying the git cache ${mirror} to ${destDir}` });
    await gitOk(["remote", "remove", "origin"], local, { code: "E_FETCH", what: `detaching ${destDir} from the cache` });
    await gitOk(["checkout", "--quiet", "--detach", commit], local, { code: "E_FETCH", what: `checking out ${commit} in ${destDir}` });
    const head = (await gitOk(["rev-parse", "HEAD"], local, { code: "E_FETCH", what: `reading HEAD of ${destDir}` })).stdout.trim();
    if (head !== commit) throw new MkError("E_INTEGRITY", `${destDir} is at ${head} after checkout, expected the pinned ${commit}`);
  } catch (e) {
    await emptyDir(destDir);
    throw e;
  }
}

/** The committer time: the moment the pinned commit was made, independent of when we build. */
async function committerTime(repo: string, commit: string): Promise<number> {
  const out = (await gitOk(["show", "-s", "--format=%ct", commit], { cwd: repo, isolated: true }, { code: "E_FETCH", what: `reading the commit time of ${commit}` })).stdout.trim();
  const t = Number(out);
  if (!Number.isSafeInteger(t)) throw new MkError("E_INTERNAL", `git show printed "${out}" as the commit time of ${commit}`);
  return t;
}
