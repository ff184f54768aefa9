/**
 * RPM versions: `[epoch:]version[-release]`, ordered exactly like rpm 4.18's `rpmverCmp`
 * (rpmio/rpmver.c) over `rpmvercmp` (rpmio/rpmvercmp.c), written by hand and checked against
 * `rpm.vercmp` in rpm's embedded Lua. Used for Red Hat, Rocky Linux, AlmaLinux, SUSE, openSUSE,
 * Fedora-likes and the other rpm distributions OSV knows.
 *
 * rpm's rules, which this follows to the letter:
 * - a missing epoch is 0; epochs compare with rpmvercmp (so `01:` equals `1:`);
 * - a missing release sorts before any release (`1.0` < `1.0-0`), as in rpmverCmp;
 * - rpmvercmp splits into maximal runs of ASCII digits or ASCII letters; everything else except
 *   `~` and `^` only separates runs, so `1.0` and `1_0` compare equal;
 * - `~` sorts before anything, even the end of the string (`1.0~rc1` < `1.0`);
 * - `^` sorts after the end of the string but before any further segment
 *   (`1.0` < `1.0^git1` < `1.0.1`);
 * - a digit run beats a letter run; digit runs compare numerically at any length; letter runs
 *   compare bytewise (so `B` < `a`).
 */
import { basicProblem, invalidVersion, type VersionScheme } from "../scheme.js";

export const id = "rpm";

interface Evr {
  epoch: string;
  version: string;
  /** undefined when the string has no `-release`. */
  release: string | undefined;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);
const TILDE = 126;
const CARET = 94;

/**
 * Splits like rpm's `parseEVR`: the epoch is a leading digit run followed by `:`, the release is
 * whatever follows the last `-`. rpm itself accepts any non-empty string; we additionally reject
 * what rpmbuild would never put in a header: whitespace, control and non-ASCII characters, an
 * empty epoch, version or release, and `:` anywhere but after the epoch.
 */
function parse(v: unknown): Evr | string {
  const basic = basicProblem(v);
  if (basic) return basic;
  const s = v as string;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127) return `character ${JSON.stringify(s[i])} is not printable ASCII`;
  }
  let k = 0;
  while (k < s.length && isDigit(s.charCodeAt(k))) k++;
  let epoch = "0";
  let rest = s;
  if (s[k] === ":") {
    if (k === 0) return "epoch is empty";
    epoch = s.slice(0, k);
    rest = s.slice(k + 1);
  }
  if (rest.includes(":")) return "`:` may only follow the epoch";
  const hyphen = rest.lastIndexOf("-");
  const version = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const release = hyphen >= 0 ? rest.slice(hyphen + 1) : undefined;
  if (version.length === 0) return "version is empty";
  if (release !== undefined && release.length === 0) return "release is empty";
  return { epoch, version, release };
}

/** rpmvercmp, transcribed: returns -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a.charCodeAt(i)) && a.charCodeAt(i) !== TILDE && a.charCodeAt(i) !== CARET) i++;
    while (j < b.length && !isAlnum(b.charCodeAt(j)) && b.charCodeAt(j) !== TILDE && b.charCodeAt(j) !== CARET) j++;

    // Tilde: sorts before everything else, including the end of the string.
    const ta = a.charCodeAt(i) === TILDE;
    const tb = b.charCodeAt(j) === TILDE;
    if (ta || tb) {
      if (!ta) return 1;
      if (!tb) return -1;
      i++;
      j++;
      continue;
    }
    // Caret: like tilde, except that the end of the string sorts before it.
    const ca = a.charCodeAt(i) === CARET;
    const cb = b.charCodeAt(j) === CARET;
    if (ca || cb) {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (!ca) return 1;
      if (!cb) return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;

    // One maximal run of digits or of letters, typed by the first string's run.
    const si = i;
    const sj = j;
    const numeric = isDigit(a.charCodeAt(i));
    const inRun = numeric ? isDigit : isAlpha;
    while (i < a.length && inRun(a.charCodeAt(i))) i++;
    while (j < b.length && inRun(b.charCodeAt(j))) j++;
    // b has no run of that type here: a digit run beats a letter run.
    if (sj === j) return numeric ? 1 : -1;

    let x = a.slice(si, i);
    let y = b.slice(sj, j);
    if (numeric) {
      x = x.replace(/^0+/, "");
      y = y.replace(/^0+/, "");
      if (x.length !== y.length) return x.length > y.length ? 1 : -1;
    }
    if (x !== y) return x < y ? -1 : 1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function parsed(v: string): Evr {
  const p = parse(v);
  if (typeof p === "string") throw invalidVersion(id, v, p);
  return p;
}

export const rpm: VersionScheme = {
  id,
  description: "RPM epoch:version-release, ordered like rpm 4.18 (rpmvercmp with `~` and `^`; missing epoch = 0)",
  isValid: (v) => typeof parse(v) !== "string",
  compare(a, b) {
    const x = parsed(a);
    const y = parsed(b);
    const e = rpmvercmp(x.epoch, y.epoch);
    if (e !== 0) return e;
    const v = rpmvercmp(x.version, y.version);
    if (v !== 0) return v;
    // rpmverCmp's compare_values: a missing release sorts before any release.
    if (x.release === undefined || y.release === undefined) {
      return x.release === y.release ? 0 : x.release === undefined ? -1 : 1;
    }
    return rpmvercmp(x.release, y.release);
  },
};
