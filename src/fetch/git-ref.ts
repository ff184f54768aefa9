/** Resolves a tag (or a full ref name, or HEAD) of a remote repository to a commit id. */
import { MkError } from "../errors.js";
import { COMMIT_RE, git, keyLines } from "../util/git.js";

/** Parses `git ls-remote` output into ref name → object id. */
export function parseLsRemote(output: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of output.split("\n")) {
    const m = /^([0-9a-f]{40})\t(.+)$/.exec(line.trim());
    if (m?.[1] && m[2]) refs.set(m[2], m[1]);
  }
  return refs;
}

async function lsRemote(url: string, options: string[], patterns: string[]): Promise<Map<string, string>> {
  // `--` keeps a URL that starts with a dash from being read as an option.
  const r = await git(["ls-remote", ...options, "--", url, ...patterns]);
  if (r.code !== 0) {
    throw new MkError("E_FETCH", `cannot list the refs of ${url}:\n  ${keyLines(r).join("\n  ")}`, {
      hint: "check the URL and the network; on an air-gapped machine map the URL to a local copy with a mirror",
    });
  }
  return parseLsRemote(r.stdout);
}

/** A few existing tag names, newest-looking first, for error messages. */
export function sampleTags(refs: Map<string, string>, wanted: string, max = 8): string[] {
  const names = [...refs.keys()]
    .filter((r) => r.startsWith("refs/tags/") && !r.endsWith("^{}"))
    .map((r) => r.slice("refs/tags/".length));
  const close = names.filter((n) => n === `v${wanted}` || `v${n}` === wanted || n.toLowerCase() === wanted.toLowerCase());
  const sorted = names.sort((a, b) => b.localeCompare(a, "en", { numeric: true }));
  return [...new Set([...close, ...sorted])].slice(0, max);
}

/**
 * `ref` is a tag name (`v1.2.0`), a full ref name (`refs/heads/main`) or `HEAD`. Annotated tags
 * are peeled to the commit they point at. A bare name is only looked up as a tag: a pin that says
 * `tag: main` must not silently follow a branch.
 */
export async function resolveGitRef(url: string, ref: string): Promise<string> {
  if (COMMIT_RE.test(ref)) return ref;
  const isTagName = ref !== "HEAD" && !ref.startsWith("refs/");
  // Tag lookups list all tags (for the error message); others ask only for the ref, because a full
  // listing of a forge repository includes every pull-request ref.
  const refs = isTagName ? await lsRemote(url, ["--tags"], []) : await lsRemote(url, [], [ref, `${ref}^{}`]);
  const full = isTagName ? `refs/tags/${ref}` : ref;
  const commit = refs.get(`${full}^{}`) ?? refs.get(full);
  if (commit) return commit;
  if (isTagName) {
    const existing = sampleTags(refs, ref);
    throw new MkError("E_FETCH", `tag ${ref} does not exist in ${url}`, {
      hint: existing.length
        ? `existing tags include: ${existing.join(", ")}; fix the tag in the recipe`
        : "the repository has no tags; pin a commit instead",
      details: { url, ref, existingTags: existing },
    });
  }
  throw new MkError("E_FETCH", `ref ${ref} does not exist in ${url}`, {
    hint: "use a tag name, a full ref name like refs/heads/main, or HEAD",
    details: { url, ref },
  });
}
