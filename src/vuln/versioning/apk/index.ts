/**
 * Alpine apk versions: `digits{.digits}...{letter}{_suffix{digits}}...{~hash}{-rN}`, ordered like
 * apk-tools' current src/version.c (the rewrite apk-tools 3 ships), written by hand. Used for
 * Alpine, Wolfi, Chainguard and MinimOS.
 *
 * There is no oracle on this machine (apk-tools is not packaged for Debian 12), so this is tested
 * against apk-tools' own published vectors (test/version.data) and Alpine's documented suffix
 * order; see the README. Why the current algorithm and not apk-tools 2.x's: the vectors now
 * include `6.0_pre1 < 6.0`, which 2.x gets backwards (it reads the `0` of `.0` as a leading-zero
 * marker and then lets any longer version win), and for a vulnerability check "a pre-release of
 * the fix is not the fix" is the answer that fails safe. The two agree on ordinary versions.
 *
 * One deliberate departure: numbers compare exactly at any length; apk-tools parses them into a
 * uint64 that wraps past 20 digits.
 */
import { basicProblem, compareDigits, compareStrings, invalidVersion, type VersionScheme } from "../scheme.js";

export const id = "apk";

// Token kinds in apk-tools' order. A version's tokens must come in this order (a `.digits`
// may repeat, suffixes may repeat); when two versions agree until one has a token the other
// lacks, the kinds decide.
const INITIAL_DIGIT = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const COMMIT_HASH = 5;
const REVISION_NO = 6;
const END = 7;
const INVALID = 8;

// apk-tools' suffix enum: pre-release suffixes below NONE (a plain release), post-release above.
const SUFFIXES: Record<string, number> = { alpha: 1, beta: 2, pre: 3, rc: 4, cvs: 6, svn: 7, git: 8, hg: 9, p: 10 };
const SUFFIX_NONE = 5;

interface Token {
  kind: number;
  /** The token's text: digits, the letter, the suffix name or the hash. */
  text: string;
  suffix: number;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLower = (c: number) => c >= 97 && c <= 122;
const isHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/** apk-tools `token_first`/`token_next` as a tokenizer; the last token is END or INVALID. */
function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const span = (pred: (c: number) => boolean) => {
    const start = pos;
    while (pos < s.length && pred(s.charCodeAt(pos))) pos++;
    return s.slice(start, pos);
  };
  const push = (kind: number, text = "", suffix = 0) => {
    tokens.push({ kind, text, suffix });
    return kind;
  };
  let kind = push(INITIAL_DIGIT, span(isDigit));
  if (tokens[0]!.text === "") return [{ kind: INVALID, text: "", suffix: 0 }];
  while (kind < END) {
    if (pos >= s.length) {
      kind = push(END);
      break;
    }
    const c = s[pos]!;
    const code = s.charCodeAt(pos);
    if (isLower(code)) {
      if (kind > DIGIT) break;
      pos++;
      kind = push(LETTER, c);
    } else if (c === "." || isDigit(code)) {
      if (c === ".") {
        if (kind > DIGIT) break;
        pos++;
      }
      if (kind !== INITIAL_DIGIT && kind !== DIGIT && kind !== SUFFIX) break;
      const digits = span(isDigit);
      if (digits === "") break;
      kind = push(kind === SUFFIX ? SUFFIX_NO : DIGIT, digits);
    } else if (c === "_") {
      if (kind > SUFFIX_NO) break;
      pos++;
      const name = span(isLower);
      const suffix = Object.hasOwn(SUFFIXES, name) ? SUFFIXES[name]! : 0;
      if (suffix === 0) break;
      kind = push(SUFFIX, name, suffix);
    } else if (c === "~") {
      if (kind >= COMMIT_HASH) break;
      pos++;
      const hash = span(isHex);
      if (hash === "") break;
      kind = push(COMMIT_HASH, hash);
    } else if (c === "-") {
      if (kind >= REVISION_NO || s[pos + 1] !== "r") break;
      pos += 2;
      const digits = span(isDigit);
      if (digits === "") break;
      kind = push(REVISION_NO, digits);
    } else {
      break;
    }
  }
  if (kind !== END) push(INVALID);
  return tokens;
}

/** apk-tools `token_cmp` for two tokens of the same kind. */
function compareTokens(a: Token, b: Token): -1 | 0 | 1 {
  switch (a.kind) {
    case DIGIT:
      // A component with a leading zero compares as a string (Gentoo's rule): 1.02 < 1.1.
      if (a.text[0] === "0" || b.text[0] === "0") return compareStrings(a.text, b.text);
      return compareDigits(a.text, b.text);
    case INITIAL_DIGIT:
    case SUFFIX_NO:
    case REVISION_NO:
      return compareDigits(a.text, b.text);
    case LETTER:
      return compareStrings(a.text, b.text);
    case SUFFIX:
      return a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0;
    default:
      // COMMIT_HASH: bytewise.
      return compareStrings(a.text, b.text);
  }
}

function parse(v: unknown): Token[] | string {
  const basic = basicProblem(v);
  if (basic) return basic;
  const tokens = tokenize(v as string);
  return tokens[tokens.length - 1]!.kind === END ? tokens : "not of the form digits{.digits}{letter}{_suffix{N}}{~hash}{-rN}";
}

function parsed(v: string): Token[] {
  const p = parse(v);
  if (typeof p === "string") throw invalidVersion(id, v, p);
  return p;
}

/** apk-tools `apk_version_compare` for two valid versions. */
function compareValid(ta: Token[], tb: Token[]): -1 | 0 | 1 {
  let i = 0;
  for (; ta[i]!.kind === tb[i]!.kind && ta[i]!.kind < END; i++) {
    const r = compareTokens(ta[i]!, tb[i]!);
    if (r !== 0) return r;
  }
  const a = ta[i]!;
  const b = tb[i]!;
  if (a.kind === b.kind) return 0;
  // Equal so far and one goes on: a pre-release suffix makes it older (1.0_rc1 < 1.0),
  // otherwise the kinds decide (1.0 < 1.0.1 < 1.0a, 1.0-r1 < 1.0.1).
  if (a.kind === SUFFIX && a.suffix < SUFFIX_NONE) return -1;
  if (b.kind === SUFFIX && b.suffix < SUFFIX_NONE) return 1;
  return a.kind > b.kind ? -1 : a.kind < b.kind ? 1 : 0;
}

export const apk: VersionScheme = {
  id,
  description: "Alpine/Wolfi apk version, ordered like apk-tools (`_alpha` < `_beta` < `_pre` < `_rc` < release < `_cvs` < `_svn` < `_git` < `_hg` < `_p`; `-rN`)",
  isValid: (v) => typeof parse(v) !== "string",
  compare: (a, b) => compareValid(parsed(a), parsed(b)),
  isPrerelease: (v) => parsed(v).some((t) => t.kind === SUFFIX && t.suffix < SUFFIX_NONE),
};
