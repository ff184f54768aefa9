/**
 * Debian package versions: `[epoch:]upstream_version[-debian_revision]` (Debian Policy §5.6.12),
 * ordered exactly as dpkg orders them (lib/dpkg/version.c `verrevcmp`), written by hand because
 * no maintained JS library implements it; checked against `dpkg --compare-versions`.
 * Also used for Ubuntu.
 */
import { basicProblem, invalidVersion, type VersionScheme } from "../scheme.js";

export const id = "deb";

interface DebVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const UPSTREAM_EXTRA = new Set([".", "+", "~", "-", ":"].map((c) => c.charCodeAt(0)));
const REVISION_EXTRA = new Set([".", "+", "~"].map((c) => c.charCodeAt(0)));
/** dpkg stores the epoch in an int and rejects anything larger. */
const MAX_EPOCH = 2147483647;

/**
 * Parses like dpkg's `parseversion`, but treats dpkg's warnings (upstream not starting with a
 * digit, characters outside the allowed sets) as errors, as Debian Policy does. Stricter than dpkg
 * in two places, both deliberate: surrounding whitespace (dpkg trims it) and a signed epoch
 * (`+1:` or `-0:`, which dpkg's strtol accepts) are rejected; Policy says neither can occur.
 */
function parse(version: unknown): DebVersion | string {
  const basic = basicProblem(version);
  if (basic) return basic;
  const v = version as string;
  let rest = v;
  let epoch = 0;
  const colon = v.indexOf(":");
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (e.length === 0) return "epoch is empty";
    if (!/^[0-9]+$/.test(e)) return "epoch is not a number";
    const n = Number(e);
    if (n > MAX_EPOCH) return "epoch is too big";
    epoch = n;
    rest = v.slice(colon + 1);
    if (rest.length === 0) return "nothing after the epoch colon";
  }
  let upstream = rest;
  let revision = "";
  const hyphen = rest.lastIndexOf("-");
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision.length === 0) return "revision is empty";
  }
  if (upstream.length === 0) return "upstream version is empty";
  if (!isDigit(upstream.charCodeAt(0))) return "upstream version does not start with a digit";
  for (let i = 0; i < upstream.length; i++) {
    const c = upstream.charCodeAt(i);
    if (!isDigit(c) && !isAlpha(c) && !UPSTREAM_EXTRA.has(c)) return `invalid character ${JSON.stringify(upstream[i])} in upstream version`;
  }
  for (let i = 0; i < revision.length; i++) {
    const c = revision.charCodeAt(i);
    if (!isDigit(c) && !isAlpha(c) && !REVISION_EXTRA.has(c)) return `invalid character ${JSON.stringify(revision[i])} in revision`;
  }
  return { epoch, upstream, revision };
}

/** dpkg's `order`: `~` sorts before everything, even the end of the string; letters before other symbols. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigit(c)) return 0; // NaN: past the end of the string
  if (isAlpha(c)) return c;
  if (c === 126) return -1; // ~
  return c + 256;
}

/** dpkg's `verrevcmp`: alternating non-digit and digit runs; digit runs compare numerically. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a.charCodeAt(i));
      const bc = order(b.charCodeAt(j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

function parsed(v: string): DebVersion {
  const p = parse(v);
  if (typeof p === "string") throw invalidVersion(id, v, p);
  return p;
}

export const deb: VersionScheme = {
  id,
  description: "Debian/Ubuntu package version, ordered like dpkg (epoch, upstream, revision; `~` sorts first)",
  isValid: (v) => typeof parse(v) !== "string",
  compare(a, b) {
    const x = parsed(a);
    const y = parsed(b);
    if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
    const r = verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision);
    return r < 0 ? -1 : r > 0 ? 1 : 0;
  },
};
