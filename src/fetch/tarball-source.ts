/**
 * Tarball sources: verified download into the content-addressed cache, safe extraction, then a
 * git repository with one deterministic import commit, so that the patch step can use
 * `git am -3` exactly as for git sources.
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { discardEvents, type EventSink } from "../pipeline/events.js";
import { writeFileAtomic } from "../util/fs.js";
import { openTarStream } from "./decompress.js";
import { emptyDir, prepareEmptyDir } from "./dest.js";
import { extractTar, type ExtractStats } from "./extract.js";
import { gitOk } from "../util/git.js";
import { applyMirrors } from "./mirrors.js";
import { obtainTarball, type ExpectedHash } from "./tarball-cache.js";
import { DEFAULT_LIMITS, type FetchLimits, type FetchResult, type FetchSourceOptions, type TarballPin } from "./types.js";

/** Identity of the import commit: fixed, so the commit id depends only on the archive and its URL. */
const IMPORT_IDENTITY = { name: "Mailknight", email: "import@mailknight.invalid" };

/**
 * Attributes that make git store the archive's bytes exactly: no end-of-line conversion, no
 * filters, no `$Id$` expansion, whatever the archive's own .gitattributes say. (`info/attributes`
 * outranks in-tree files; `!attr` means "unspecified", which with core.autocrlf=false is "as is".)
 */
const BYTE_EXACT_ATTRIBUTES = "* !text !eol !filter !ident !working-tree-encoding\n";

export async function fetchTarball(pin: TarballPin, opts: FetchSourceOptions): Promise<FetchResult> {
  const emit = opts.onEvent ?? discardEvents;
  const limits: FetchLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const { url, effectiveUrl } = applyMirrors(pin.url, opts.mirrors);
  const expected = expectedHashes(pin);
  const strip = pin.stripComponents;
  if (strip !== undefined && !(Number.isInteger(strip) && strip >= 0)) {
    throw new MkError("E_CONFIG_INVALID", `tarball source ${url}: stripComponents must be a whole number ≥ 0, found ${strip}`);
  }
  const unpinned = expected.length === 0;
  if (unpinned && !opts.insecure) {
    throw new MkError("E_PIN_MISSING", `tarball source ${url} has no pinned hash`, {
      hint: "add `sha256: <hex>` (or sha512) of the archive you verified, or set insecure: true to fetch it unverified (the fetch record then shows its digest)",
    });
  }
  if (unpinned) emit({ type: "log", stage: "fetch", level: "warn", message: `${url}: no hash pinned (insecure: true); the archive is not verified` });

  await prepareEmptyDir(opts.destDir);
  const cached = await obtainTarball({
    url,
    effectiveUrl,
    expected,
    cacheDir: opts.cacheDir,
    maxBytes: limits.maxDownloadBytes,
    onProgress: (done, total) => emit({ type: "progress", stage: "fetch", label: url, done, total, unit: "bytes" }),
  });

  const staging = join(opts.destDir, `.mk-extract-${randomBytes(6).toString("hex")}`);
  try {
    await mkdir(staging);
    const stats = await unpack(cached.path, staging, strip ?? 0, limits, url, emit);
    await hoist(staging, opts.destDir, strip === undefined, url);
    // The newest mtime in the archive is the closest thing a tarball has to a release time: it is
    // part of the pinned bytes (so reproducible) and, unlike the download time, means something.
    const sourceDateEpoch = stats.newestMtime;
    const commit = await importCommit(opts.destDir, url, cached.sha256, sourceDateEpoch);
    return {
      kind: "tarball",
      url,
      effectiveUrl,
      commit,
      tarballDigest: `sha256:${cached.sha256}`,
      sourceDateEpoch,
      fromCache: cached.fromCache,
      unpinned,
    };
  } catch (e) {
    await emptyDir(opts.destDir);
    throw e;
  }
}

function expectedHashes(pin: TarballPin): ExpectedHash[] {
  const out: ExpectedHash[] = [];
  for (const [algorithm, length] of [["sha256", 64], ["sha512", 128]] as const) {
    const value = pin[algorithm];
    if (value === undefined) continue;
    const hex = value.trim().toLowerCase();
    if (!new RegExp(`^[0-9a-f]{${length}}$`).test(hex)) {
      throw new MkError("E_CONFIG_INVALID", `tarball source ${pin.url}: ${algorithm} "${value}" is not ${length} hex digits`, {
        hint: `write the ${algorithm} as plain hex, as printed by ${algorithm}sum`,
      });
    }
    out.push({ algorithm, hex });
  }
  return out;
}

async function unpack(path: string, root: string, stripComponents: number, limits: FetchLimits, label: string, emit: EventSink): Promise<ExtractStats> {
  const tarStream = await openTarStream(path, label);
  let stats: ExtractStats;
  try {
    stats = await extractTar(tarStream.stream, root, {
      stripComponents,
      maxBytes: limits.maxExtractedBytes,
      maxEntries: limits.maxEntries,
      label,
      onWarning: (message) => emit({ type: "log", stage: "fetch", level: "warn", message }),
    });
  } catch (e) {
    // When the tar data is broken, a failed external decompressor explains why better than the
    // tar parser does; it exits promptly once its input or output ends.
    if (e instanceof MkError && e.details?.reason === "malformed") {
      const decoderError = await Promise.race([
        tarStream.finished().then(() => undefined, (d: unknown) => d),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000)),
      ]);
      tarStream.destroy();
      throw decoderError ?? e;
    }
    tarStream.destroy();
    throw e;
  }
  await tarStream.finished();
  return stats;
}

/** Moves the extracted tree into place, dropping a single top-level directory when asked to. */
async function hoist(staging: string, destDir: string, auto: boolean, label: string): Promise<void> {
  const names = await readdir(staging);
  if (names.length === 0) {
    throw new MkError("E_FETCH", `${label} contains no files`, { hint: "check the URL: an empty archive is not a source release" });
  }
  let from = staging;
  const only = names.length === 1 && names[0] !== undefined ? join(staging, names[0]) : undefined;
  if (auto && only && (await lstat(only)).isDirectory()) from = only;
  for (const name of await readdir(from)) await rename(join(from, name), join(destDir, name));
  await rm(staging, { recursive: true, force: true });
}

async function importCommit(dir: string, url: string, sha256: string, epoch: number): Promise<string> {
  // "@" marks a raw timestamp; without it git rejects small values (an archive with zero mtimes).
  const date = `@${epoch} +0000`;
  const env = {
    GIT_AUTHOR_NAME: IMPORT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: IMPORT_IDENTITY.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: IMPORT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: IMPORT_IDENTITY.email,
    GIT_COMMITTER_DATE: date,
  };
  const opts = { cwd: dir, isolated: true, env };
  const fail = (what: string) => ({ code: "E_FETCH" as const, what: `${what} (importing ${url} into ${dir})` });
  await gitOk(["init", "--quiet", "--template="], opts, fail("git init"));
  await writeFileAtomic(join(dir, ".git", "info", "attributes"), BYTE_EXACT_ATTRIBUTES);
  // --force: the archive's own .gitignore must not drop shipped files (generated configure scripts...).
  await gitOk(["add", "--all", "--force"], opts, fail("git add"));
  // The message names the recipe URL, not the mirror, so the commit id is the same either way.
  await gitOk(["commit", "--quiet", "--no-verify", "--allow-empty", "-m", `Import ${url}`, "-m", `sha256:${sha256}`], opts, fail("git commit"));
  await gitOk(["checkout", "--quiet", "--detach"], opts, fail("git checkout --detach"));
  return (await gitOk(["rev-parse", "HEAD"], opts, fail("git rev-parse"))).stdout.trim();
}
