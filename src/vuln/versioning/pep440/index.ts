/**
 * Python package versions (PEP 440, as in the packaging specifications' "Version specifiers"),
 * ordered like `packaging.version.Version` and checked against it.
 *
 * Parsing uses @renovatebot/pep440's VERSION_PATTERN, which is packaging's own regular
 * expression, wrapped the way packaging wraps it (case-insensitive, surrounding whitespace
 * allowed). The sort key is ours, a transcription of packaging's `_cmpkey`, because the library's
 * `compare` gets two things wrong that the oracle test found:
 * - it converts numbers with `Number`, so `1.9007199254740993` equals `1.9007199254740992`;
 * - it decides whether a local-version part is numeric with `Number`, so `+1e5` counts as the
 *   number 100000 instead of the string "1e5".
 *
 * Non-ASCII input is invalid: packaging matches `[a-z]` case-insensitively under Unicode rules
 * (the Kelvin sign matches `k`), which is not worth reproducing.
 */
import { VERSION_PATTERN } from "@renovatebot/pep440/lib/version.js";
import { basicProblem, compareDigits, compareStrings, invalidVersion, type VersionScheme } from "../scheme.js";

export const id = "pep440";

// packaging: re.compile(r"^\s*" + VERSION_PATTERN + r"\s*$", re.VERBOSE | re.IGNORECASE).
// \s here is ASCII whitespace; the ASCII check below removes the rest of Unicode's.
const VERSION = new RegExp(`^\\s*${VERSION_PATTERN}\\s*$`, "i");

type Local = { numeric: true; digits: string } | { numeric: false; text: string };

interface Pep440Version {
  epoch: string;
  /** Release numbers with trailing zeros dropped (1.0.0 sorts as 1). */
  release: string[];
  pre?: { rank: number; n: string };
  post?: string;
  dev?: string;
  local?: Local[];
}

/** Pre-release labels in order, with their alternate spellings (PEP 440 "Pre-release spelling"). */
const PRE_RANK: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };

function parse(input: unknown): Pep440Version | string {
  const basic = basicProblem(input);
  if (basic) return basic;
  const v = input as string;
  if (!/^[\x20-\x7e\t\n\v\f\r]*$/.test(v)) return "only ASCII characters are allowed";
  const g = VERSION.exec(v)?.groups;
  if (!g) return "not a PEP 440 version (N[.N]...[{a|b|rc}N][.postN][.devN][+local])";
  const release = g.release!.split(".");
  while (release.length > 0 && /^0+$/.test(release[release.length - 1]!)) release.pop();
  const out: Pep440Version = { epoch: g.epoch ?? "0", release };
  if (g.pre_l) out.pre = { rank: PRE_RANK[g.pre_l.toLowerCase()]!, n: g.pre_n ?? "0" };
  // `1.0-1` is an implicit post-release; `1.0.post` is post 0.
  if (g.post_n1 !== undefined) out.post = g.post_n1;
  else if (g.post_l) out.post = g.post_n2 ?? "0";
  if (g.dev_l) out.dev = g.dev_n ?? "0";
  if (g.local) {
    // packaging: part.isdigit() → int, else lower-cased text.
    out.local = g.local.split(/[-_.]/).map((p) => (/^[0-9]+$/.test(p) ? { numeric: true, digits: p } : { numeric: false, text: p.toLowerCase() }));
  }
  return out;
}

function parsed(v: string): Pep440Version {
  const p = parse(v);
  if (typeof p === "string") throw invalidVersion(id, v, p);
  return p;
}

/** Release tuples compare like Python tuples of ints (after trailing zeros were dropped). */
function compareRelease(a: string[], b: string[]): -1 | 0 | 1 {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareDigits(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * packaging's `_cmpkey` pre slot: a dev release with neither pre nor post sorts before every
 * pre-release of the same release (`1.0.dev0` < `1.0a0`); otherwise no pre-release sorts after all.
 */
function preKey(v: Pep440Version): { rank: number; n: string } {
  if (v.pre) return v.pre;
  if (v.post === undefined && v.dev !== undefined) return { rank: -Infinity, n: "0" };
  return { rank: Infinity, n: "0" };
}

/** Missing (-inf or +inf, by slot) or a number. */
function compareOptional(a: string | undefined, b: string | undefined, missing: -1 | 1): -1 | 0 | 1 {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? missing : (-missing as -1 | 1);
  return compareDigits(a, b);
}

/** Local segments: text parts before numeric parts; text lexicographic; a longer segment wins a tie. */
function compareLocal(a: Local[] | undefined, b: Local[] | undefined): -1 | 0 | 1 {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    const c = x.numeric ? (y.numeric ? compareDigits(x.digits, y.digits) : 1) : y.numeric ? -1 : compareStrings(x.text, y.text);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareVersions(a: Pep440Version, b: Pep440Version): -1 | 0 | 1 {
  const epoch = compareDigits(a.epoch, b.epoch);
  if (epoch !== 0) return epoch;
  const release = compareRelease(a.release, b.release);
  if (release !== 0) return release;
  const pa = preKey(a);
  const pb = preKey(b);
  if (pa.rank !== pb.rank) return pa.rank < pb.rank ? -1 : 1;
  const preN = compareDigits(pa.n, pb.n);
  if (preN !== 0) return preN;
  return compareOptional(a.post, b.post, -1) || compareOptional(a.dev, b.dev, 1) || compareLocal(a.local, b.local);
}

export const pep440: VersionScheme = {
  id,
  description: "Python PEP 440 version, ordered like packaging.version.Version",
  isValid: (v) => typeof parse(v) !== "string",
  compare: (a, b) => compareVersions(parsed(a), parsed(b)),
  /** packaging's is_prerelease: a pre-release or a dev release. */
  isPrerelease(v) {
    const p = parsed(v);
    return p.pre !== undefined || p.dev !== undefined;
  },
};
