/**
 * Version generators for the property tests: realistic versions (what Debian, Fedora, PyPI,
 * npm, Go, Maven Central and Alpine actually publish) mixed with adversarial ones (epochs,
 * tildes, carets, long and zero-padded numbers, odd separators, mixed case), and pairs that are
 * usually close to each other, because comparators go wrong where two versions share a prefix.
 * Some generated strings are invalid on purpose: they exercise validity and the error path.
 */
import type { SchemeId } from "../index.js";
import { Rng } from "./random.js";

export interface VersionGenerator {
  /** One version, valid most of the time. */
  version(r: Rng): string;
  /** Characters a random edit may insert. */
  alphabet: string;
  /** Fragments worth appending: where ordering rules have special cases. */
  tails: readonly string[];
}

const LOWER = "abcdefghijklmnopqrstuvwxyz";

function join(r: Rng, pieces: string[], seps: readonly string[]): string {
  return pieces.map((p, i) => (i === 0 ? p : r.pick(seps) + p)).join("");
}

// ---- Debian ---------------------------------------------------------------------------------

const DEB_REVISIONS = ["1", "2", "0ubuntu1", "1ubuntu0.22.04.1", "1+deb12u1", "2~bpo11+1", "1.1", "0+b1", "1~exp1", "3build2", "0.1", "10"];
const DEB_UPSTREAM_TAILS = ["~rc1", "~beta2", "+dfsg", "+dfsg1", "+really1.0", "~", "~~", "+git20240102.abcdef0", "a", "b", ".0", "+ds", "~pre", "+1"];

function debUpstream(r: Rng, allowHyphen: boolean, allowColon: boolean): string {
  const pieces = [r.digits({ leadingZero: true })];
  const n = r.int(0, 5);
  for (let i = 0; i < n; i++) {
    pieces.push(
      r.weighted([
        [5, r.digits({ leadingZero: true })],
        [2, r.letters("abcxyzABXZ", 1, 3)],
        [2, r.letters("abcrpz", 1, 3) + r.digits()],
      ]),
    );
  }
  const seps = [".", ".", ".", "+", "~", "", ...(allowHyphen ? ["-"] : []), ...(allowColon ? [":"] : [])];
  let s = join(r, pieces, seps);
  if (r.chance(0.3)) s += r.pick(DEB_UPSTREAM_TAILS);
  return s;
}

const deb: VersionGenerator = {
  version(r) {
    const epoch = r.chance(0.25) ? `${r.weighted([[6, String(r.int(0, 3))], [1, r.digits({ leadingZero: true, long: false })]])}:` : "";
    const hasRevision = r.chance(0.65);
    const upstream = debUpstream(r, hasRevision && r.chance(0.1), epoch !== "" && r.chance(0.1));
    const revision = hasRevision
      ? `-${r.weighted([
          [3, r.pick(DEB_REVISIONS)],
          [2, join(r, [r.digits(), ...Array.from({ length: r.int(0, 2) }, () => r.weighted([[1, r.digits()], [1, r.letters("abuntdeb", 1, 6)]]))], [".", "+", "~", ""])],
        ])}`
      : "";
    return epoch + upstream + revision;
  },
  alphabet: "0123456789aAzZ.+~-:_ !",
  tails: ["~", "~~", "~a", "a", "+", ".", "-1", "-0", "0", "1", "-1~", ".~", "+~"],
};

// ---- RPM ------------------------------------------------------------------------------------

const RPM_RELEASE_TAILS = [".el9", ".el8_9", ".fc39", ".el7", ".amzn2", ".mga9", ".oe2203", "", ""];

function rpmSegments(r: Rng, max: number): string {
  const pieces = [r.digits({ leadingZero: true })];
  const n = r.int(0, max);
  for (let i = 0; i < n; i++) {
    pieces.push(
      r.weighted([
        [5, r.digits({ leadingZero: true })],
        [2, r.letters("abcgitrcABZ", 1, 4)],
        [1, ""],
      ]),
    );
  }
  return join(r, pieces, [".", ".", ".", "", "_", "+", "~", "^", "~", "^", "..", "%", "#"]);
}

const rpm: VersionGenerator = {
  version(r) {
    const epoch = r.chance(0.25) ? `${r.weighted([[6, String(r.int(0, 3))], [1, r.digits({ leadingZero: true })]])}:` : "";
    let version = rpmSegments(r, 4);
    if (r.chance(0.15)) version += r.pick(["~rc1", "^git20240101.abc", "^", "~", "~~", "^~", "~^1", "^post1"]);
    const release = r.chance(0.7) ? `-${rpmSegments(r, 2)}${r.pick(RPM_RELEASE_TAILS)}` : "";
    return epoch + version + release;
  },
  alphabet: "0123456789aAzZ._+~^-:% ",
  tails: ["~", "^", "~1", "^1", ".1", "a", "A", "1", ".", "_", "-1", "-0", "~~", "^^", "^~", "~^"],
};

// ---- PEP 440 --------------------------------------------------------------------------------

function randomCase(r: Rng, s: string): string {
  return r.chance(0.8) ? s : [...s].map((c) => (r.chance(0.5) ? c.toUpperCase() : c)).join("");
}

function pepSep(r: Rng): string {
  return r.weighted([
    [4, ""],
    [2, "."],
    [1, "-"],
    [1, "_"],
  ]);
}

const pep440: VersionGenerator = {
  version(r) {
    let s = "";
    if (r.chance(0.05)) s += r.pick(["v", "V"]);
    if (r.chance(0.15)) s += `${r.digits({ leadingZero: true })}!`;
    s += Array.from({ length: r.int(1, 5) }, () => r.digits({ leadingZero: true })).join(".");
    if (r.chance(0.35)) {
      s += pepSep(r) + randomCase(r, r.pick(["a", "b", "c", "rc", "alpha", "beta", "pre", "preview"]));
      if (r.chance(0.8)) s += pepSep(r) + r.digits({ leadingZero: true });
    }
    if (r.chance(0.3)) {
      s += r.chance(0.2) ? `-${r.digits({ leadingZero: true })}` : pepSep(r) + randomCase(r, r.pick(["post", "rev", "r"])) + (r.chance(0.8) ? pepSep(r) + r.digits({ leadingZero: true }) : "");
    }
    if (r.chance(0.25)) s += pepSep(r) + randomCase(r, "dev") + (r.chance(0.8) ? pepSep(r) + r.digits({ leadingZero: true }) : "");
    if (r.chance(0.2)) {
      const parts = Array.from({ length: r.int(1, 4) }, () =>
        r.weighted([
          [3, r.digits({ leadingZero: true })],
          [3, randomCase(r, r.letters("abcdeflmnuxz", 1, 5))],
          [1, r.pick(["1e5", "0x1", "ubuntu1", "g1234abc", "inf", "nan", "00"])],
        ]),
      );
      s += `+${parts.map((p, i) => (i === 0 ? p : r.pick([".", "-", "_"]) + p)).join("")}`;
    }
    if (r.chance(0.03)) s = r.pick([" ", "\t", "\n", "  "]) + s + r.pick(["", " ", "\n"]);
    return s;
  },
  alphabet: "0123456789abcdeprvAB.-_+! ",
  tails: [".0", "a0", "a1", "b1", "rc1", ".post0", ".post1", "-1", ".dev0", ".dev1", "+local", "+1", "+a.1", "+1e5", ".0.0", "post", "dev"],
};

// ---- SemVer (npm) ---------------------------------------------------------------------------

function semverIdentifiers(r: Rng, numericLeadingZero: boolean): string {
  return Array.from({ length: r.int(1, 4) }, () =>
    r.weighted([
      [4, r.digits({ leadingZero: numericLeadingZero })],
      [3, r.pick(["alpha", "beta", "rc", "pre", "next", "canary", "dev", "SNAPSHOT", "Alpha"])],
      [2, r.letters("abcxyzABZ-", 1, 4) + (r.chance(0.5) ? r.digits() : "")],
      [1, r.pick(["-", "0a", "a0", "--", "x-1", "1-x", "9007199254740993", "9007199254740992", "18446744073709551616"])],
    ]),
  ).join(".");
}

function semverCore(r: Rng, opts: { leadingZero: boolean; huge: boolean }): string {
  const n = () => (opts.huge && r.chance(0.05) ? r.pick(["9007199254740991", "9007199254740992", "99999999999999999999"]) : r.digits({ leadingZero: opts.leadingZero, long: false }));
  return `${n()}.${n()}.${n()}`;
}

const semver: VersionGenerator = {
  version(r) {
    const loose = r.chance(0.15);
    let s = semverCore(r, { leadingZero: loose, huge: true });
    if (r.chance(0.5)) s += (loose && r.chance(0.3) ? "" : "-") + semverIdentifiers(r, loose);
    if (r.chance(0.2)) s += `+${semverIdentifiers(r, true)}`;
    if (loose) s = r.pick(["v", "=", " ", "", "V"]) + s + r.pick(["", " "]);
    return s;
  },
  alphabet: "0123456789aAzZ.-+v ",
  tails: ["-0", "-1", "-a", "-alpha", "-alpha.1", ".0", "+build", "+1", "-0.0", "-rc.1", "-beta.11", "-beta.2"],
};

// ---- Go -------------------------------------------------------------------------------------

function timestamp(r: Rng): string {
  const p = (n: number, w: number) => String(n).padStart(w, "0");
  return `${r.int(2015, 2030)}${p(r.int(1, 12), 2)}${p(r.int(1, 28), 2)}${p(r.int(0, 23), 2)}${p(r.int(0, 59), 2)}${p(r.int(0, 59), 2)}`;
}

function revision(r: Rng): string {
  return r.letters("0123456789abcdef", 12, 12);
}

const go: VersionGenerator = {
  version(r) {
    const v = r.chance(0.75) ? "v" : "";
    const major = r.weighted([[5, "0"], [5, "1"], [3, String(r.int(2, 5))], [1, r.digits({ long: true })]]);
    const minor = r.digits({ long: r.chance(0.1) });
    const patch = r.digits({ long: r.chance(0.1) });
    const kind = r.weighted([
      [4, "release"],
      [3, "pre"],
      [1, "pseudo-none"],
      [2, "pseudo-pre"],
      [2, "pseudo-release"],
      [1, "short"],
    ] as const);
    let s: string;
    switch (kind) {
      case "release":
        s = `${major}.${minor}.${patch}`;
        break;
      case "pre":
        s = `${major}.${minor}.${patch}-${semverIdentifiers(r, false)}`;
        break;
      case "pseudo-none":
        s = `${major}.0.0-${timestamp(r)}-${revision(r)}`;
        break;
      case "pseudo-pre":
        s = `${major}.${minor}.${patch}-${r.pick(["rc.1", "beta", "alpha.2", "pre"])}.0.${timestamp(r)}-${revision(r)}`;
        break;
      case "pseudo-release":
        s = `${major}.${minor}.${patch}-0.${timestamp(r)}-${revision(r)}`;
        break;
      case "short":
        s = r.chance(0.5) ? major : `${major}.${minor}`;
        return v + s;
    }
    if (r.chance(0.15)) s += "+incompatible";
    else if (r.chance(0.05)) s += `+${semverIdentifiers(r, true)}`;
    return v + s;
  },
  alphabet: "0123456789abcfv.-+",
  tails: ["-0", "-1", ".0", "+incompatible", "-pre", "-0.20240101000000-abcdefabcdef", "-rc.1.0.20240101000000-abcdefabcdef", "+x"],
};

// ---- Maven ----------------------------------------------------------------------------------

const MAVEN_QUALIFIERS = ["alpha", "beta", "milestone", "rc", "cr", "snapshot", "SNAPSHOT", "ga", "final", "Final", "release", "RELEASE", "sp", "a", "b", "m", "RC", "jre", "android", "foo", "x", "z", "M", "GA"];

const maven: VersionGenerator = {
  version(r) {
    const pieces: string[] = [];
    const n = r.int(1, 6);
    for (let i = 0; i < n; i++) {
      pieces.push(
        r.weighted([
          [6, r.digits({ leadingZero: true })],
          [3, r.pick(MAVEN_QUALIFIERS)],
          [1, r.pick(["0000000000", "0000000000000000000", "2147483648", "9223372036854775808", "00", ""])],
          [1, r.letters(LOWER, 1, 3)],
        ]),
      );
    }
    let s = join(r, pieces, [".", ".", ".", "-", "-", "", "", "_", "+"]);
    if (r.chance(0.05)) s = r.pick(["-", "."]) + s;
    if (r.chance(0.05)) s += r.pick(["-", ".", "-0", ".0"]);
    return s === "" ? "0" : s;
  },
  alphabet: "0123456789abmrsAB.-_",
  tails: ["-SNAPSHOT", ".0", "-0", "-1", ".1", "-rc1", "rc1", "-ga", "-final", "-sp", "-sp1", "a1", "b1", "m1", ".RELEASE", "-alpha", ".alpha1", "-", ".", "x"],
};

// ---- APK ------------------------------------------------------------------------------------

const apk: VersionGenerator = {
  version(r) {
    let s = r.digits({ leadingZero: r.chance(0.1) });
    const n = r.int(0, 4);
    for (let i = 0; i < n; i++) s += `.${r.digits({ leadingZero: true })}`;
    if (r.chance(0.15)) s += r.letters(LOWER, 1, 1);
    const suffixes = r.weighted([[6, 0], [3, 1], [1, 2]]);
    for (let i = 0; i < suffixes; i++) {
      s += `_${r.pick(["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"])}`;
      if (r.chance(0.7)) s += r.weighted([[4, r.digits()], [1, timestamp(r)]]);
    }
    if (r.chance(0.1)) s += `~${r.letters("0123456789abcdefABCDEF", 1, 12)}`;
    if (r.chance(0.6)) s += `-r${r.digits({ long: false })}`;
    return s;
  },
  alphabet: "0123456789abprz._-~",
  tails: ["_alpha", "_rc1", "_p1", "_git20240101", "-r0", "-r1", ".0", ".01", "a", "_pre", "_p", "~abc", "~0"],
};

export const generators: Record<SchemeId, VersionGenerator> = { apk, deb, go, maven, pep440, rpm, semver };

/** A random edit of `v`: a character inserted, removed or replaced, a tail appended, a number nudged. */
export function mutate(r: Rng, g: VersionGenerator, v: string): string {
  const at = r.int(0, v.length);
  switch (r.int(0, 6)) {
    case 0:
      return v.slice(0, at) + r.pick([...g.alphabet]) + v.slice(at);
    case 1:
      return v.length > 1 ? v.slice(0, at) + v.slice(at + 1) : v;
    case 2:
      return v.slice(0, at) + r.pick([...g.alphabet]) + v.slice(at + 1);
    case 3:
    case 4:
      return v + r.pick(g.tails);
    case 5: {
      // Nudge one digit run: +1 on its last digit, or pad it with a zero.
      const runs = [...v.matchAll(/[0-9]+/g)];
      if (runs.length === 0) return v + r.pick(g.tails);
      const m = r.pick(runs);
      const start = m.index!;
      const run = m[0];
      const changed = r.chance(0.5) ? `0${run}` : run.slice(0, -1) + String((Number(run.at(-1)) + 1) % 10);
      return v.slice(0, start) + changed + v.slice(start + run.length);
    }
    default: {
      // Keep a prefix of v and continue with the tail of another version.
      const other = g.version(r);
      return v.slice(0, at) + other.slice(r.int(0, other.length));
    }
  }
}

/**
 * A pair to compare: two fresh versions, a version and an edit of it (usually sharing a long
 * prefix), or a version and itself.
 */
export function pair(r: Rng, g: VersionGenerator): [string, string] {
  const a = g.version(r);
  const roll = r.next();
  if (roll < 0.3) return [a, g.version(r)];
  if (roll < 0.9) {
    let b = mutate(r, g, a);
    if (r.chance(0.3)) b = mutate(r, g, b);
    return r.chance(0.5) ? [a, b] : [b, a];
  }
  return [a, a];
}
