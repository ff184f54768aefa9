/**
 * Maven versions, ordered like Maven 3.8.7's `org.apache.maven.artifact.versioning.ComparableVersion`
 * (the class OSV names for the Maven ecosystem), transcribed by hand and checked against that
 * class itself (its `main` prints comparisons), run from /usr/share/java/maven3-artifact.jar.
 *
 * How ComparableVersion reads a version (lower-cased first):
 * - it splits into items at `.` and `-`, and at every switch between digits and non-digits;
 *   an empty item is 0 (`1..1` = `1.0.1`);
 * - `-` and a digit/letter switch open a nested list, so `1-1` and `1.1` differ and
 *   `1.0.0.x1` sorts like `1.0.0-x1`;
 * - numbers compare numerically at any length; a number beats a qualifier or a list;
 * - known qualifiers order alpha < beta < milestone < rc = cr < snapshot < "" = ga = final =
 *   release < sp; `a1`, `b1`, `m1` mean alpha-1, beta-1, milestone-1; unknown qualifiers sort
 *   after sp, alphabetically;
 * - trailing "null" items (0, "", ga, final, release, empty lists) are dropped, so `1.0.0` = `1`
 *   and `1-ga` = `1`.
 * Maven itself accepts any string; we reject whitespace, control and non-ASCII characters, because
 * ComparableVersion treats Unicode digits (`Character.isDigit`) and case (`toLowerCase`) in ways
 * no real version relies on.
 */
import { basicProblem, compareDigits, compareStrings, invalidVersion, type VersionScheme } from "../scheme.js";

export const id = "maven";

/**
 * `size` is which Java class holds the number (IntItem ≤ 9 digits, LongItem ≤ 18, BigIntegerItem):
 * Maven orders numbers of different classes by class, not value. That only differs from numeric
 * order for a run of 10+ zeros, which stays a LongItem(0) (stripLeadingZeroes keeps all-zero
 * input whole) and so sorts above, say, IntItem(5).
 */
type Item = { kind: "int"; digits: string; size: 0 | 1 | 2 } | { kind: "string"; value: string } | { kind: "list"; items: Item[] };

const QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const ALIASES: Record<string, string> = { ga: "", final: "", release: "", cr: "rc" };
/** String form of the index of "" in QUALIFIERS: Maven compares these keys as strings. */
const RELEASE_VERSION_INDEX = "5";

const isDigit = (c: string) => c >= "0" && c <= "9";

function intItem(buf: string): Item {
  const stripped = buf.replace(/^0+/, "");
  const javaLength = stripped === "" ? buf.length : stripped.length;
  return { kind: "int", digits: stripped === "" ? "0" : stripped, size: javaLength <= 9 ? 0 : javaLength <= 18 ? 1 : 2 };
}

function stringItem(value: string, followedByDigit: boolean): Item {
  let v = value;
  if (followedByDigit && v.length === 1) v = v === "a" ? "alpha" : v === "b" ? "beta" : v === "m" ? "milestone" : v;
  return { kind: "string", value: ALIASES[v] ?? v };
}

function parseItem(isDigitRun: boolean, buf: string): Item {
  return isDigitRun ? intItem(buf) : stringItem(buf, false);
}

function isNull(item: Item): boolean {
  switch (item.kind) {
    case "int":
      return item.digits === "0";
    case "string":
      return comparableQualifier(item.value) === RELEASE_VERSION_INDEX;
    case "list":
      return item.items.length === 0;
  }
}

/** Drops trailing null items, looking through (but not into) trailing nested lists. */
function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i]!;
    if (isNull(last)) list.splice(i, 1);
    else if (last.kind !== "list") break;
  }
}

/** ComparableVersion.parseVersion, step for step. */
function parseMaven(version: string): Item {
  const v = version.toLowerCase();
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  const open = () => {
    const child: Item[] = [];
    list.push({ kind: "list", items: child });
    list = child;
    stack.push(child);
  };
  let isDigitRun = false;
  let start = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === "." || c === "-") {
      list.push(i === start ? intItem("0") : parseItem(isDigitRun, v.slice(start, i)));
      start = i + 1;
      if (c === "-") open();
    } else if (isDigit(c)) {
      if (!isDigitRun && i > start) {
        // "1.0.0.X1 < 1.0.0-X2": a qualifier after a dot is treated as if after a hyphen.
        if (list.length > 0) open();
        list.push(stringItem(v.slice(start, i), true));
        start = i;
        open();
      }
      isDigitRun = true;
    } else {
      if (isDigitRun && i > start) {
        list.push(parseItem(true, v.slice(start, i)));
        start = i;
        open();
      }
      isDigitRun = false;
    }
  }
  if (v.length > start) {
    if (!isDigitRun && list.length > 0) open();
    list.push(parseItem(isDigitRun, v.slice(start)));
  }
  while (stack.length > 0) normalize(stack.pop()!);
  return { kind: "list", items: root };
}

function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

/** Item.compareTo(other), with `undefined` for Java's null (the other side ran out). */
function compareItem(a: Item, b: Item | undefined): -1 | 0 | 1 {
  switch (a.kind) {
    case "int":
      if (b === undefined) return a.digits === "0" ? 0 : 1;
      if (b.kind !== "int") return 1;
      return a.size !== b.size ? (a.size < b.size ? -1 : 1) : compareDigits(a.digits, b.digits);
    case "string":
      if (b === undefined) return compareStrings(comparableQualifier(a.value), RELEASE_VERSION_INDEX);
      if (b.kind === "string") return compareStrings(comparableQualifier(a.value), comparableQualifier(b.value));
      return -1;
    case "list": {
      if (b === undefined) {
        for (const item of a.items) {
          const r = compareItem(item, undefined);
          if (r !== 0) return r;
        }
        return 0;
      }
      if (b.kind === "int") return -1;
      if (b.kind === "string") return 1;
      const n = Math.max(a.items.length, b.items.length);
      for (let i = 0; i < n; i++) {
        const l = a.items[i];
        const r = b.items[i];
        const result = l === undefined ? (r === undefined ? 0 : (-compareItem(r, undefined) as -1 | 0 | 1)) : compareItem(l, r);
        if (result !== 0) return result;
      }
      return 0;
    }
  }
}

function problem(v: unknown): string | undefined {
  const basic = basicProblem(v);
  if (basic) return basic;
  if (!/^[\x21-\x7e]+$/.test(v as string)) return "only printable ASCII without spaces is allowed";
  return undefined;
}

function parsed(v: string): Item {
  const p = problem(v);
  if (p) throw invalidVersion(id, v, p);
  return parseMaven(v);
}

export const maven: VersionScheme = {
  id,
  description: "Maven version, ordered like Maven 3.8.7 ComparableVersion",
  isValid: (v) => problem(v) === undefined,
  compare: (a, b) => compareItem(parsed(a), parsed(b)),
};
