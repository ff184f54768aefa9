/**
 * Adapters to the real programs our version schemes are checked against. Each batches a whole
 * list of questions into as few processes as the tool allows: rpm answers from one Lua script,
 * Python and Go from one process reading JSON lines, Maven from one JVM per 1,000 pairs. dpkg has
 * no batch mode, so its questions go through a shell loop (one dpkg run per question, in a few
 * parallel workers) instead of one Node spawn each.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile, cp, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import semverLib from "semver";
import { run } from "../../../util/exec.js";
import type { SchemeId } from "../index.js";

/** -1, 0, 1, or why the oracle could not answer (it rejected an input, it crashed). */
export type Answer = -1 | 0 | 1 | { error: string };

export interface Oracle {
  /** Short name for reports. */
  name: string;
  /** Why this oracle cannot run on this machine, or undefined when it can. */
  unavailable(): Promise<string | undefined>;
  /** The program and version answering, for reports. */
  describe(): Promise<string>;
  compare(pairs: readonly (readonly [string, string])[]): Promise<Answer[]>;
  /** The oracle's own validity verdicts (true/false), or an error string per version. */
  valid?(versions: readonly string[]): Promise<(boolean | string)[]>;
  /**
   * A documented reason why our validity verdict may differ from the oracle's for `v`
   * (e.g. "dpkg trims surrounding whitespace"), or undefined. Such cases are counted apart.
   */
  validityException?(v: string): string | undefined;
  /** A documented reason not to ask this oracle about a pair at all, or undefined. */
  skip?(a: string, b: string): string | undefined;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const PYTHON = "/usr/bin/python3";
const MAVEN_JAR = "/usr/share/java/maven3-artifact.jar";
const MAVEN_CLASS = "org.apache.maven.artifact.versioning.ComparableVersion";

function toAnswer(n: number): Answer {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function lines(text: string): string[] {
  const out = text.split("\n");
  if (out[out.length - 1] === "") out.pop();
  return out;
}

async function which(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const r = await run(cmd, args);
    return r.code === 0 ? undefined : `${cmd} ${args.join(" ")} exited with ${r.code}: ${(r.stderr || r.stdout).trim().split("\n")[0]}`;
  } catch (e) {
    return `${cmd} is not available (${e instanceof Error ? e.message : String(e)})`;
  }
}

function chunks<T>(items: readonly T[], n: number): T[][] {
  const size = Math.ceil(items.length / Math.max(1, n));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs a JSON-lines oracle process once for all requests. */
async function jsonLines(cmd: string, args: string[], requests: unknown[][], env?: NodeJS.ProcessEnv): Promise<unknown[]> {
  const r = await run(cmd, args, { input: requests.map((q) => JSON.stringify(q)).join("\n") + "\n", failWith: "E_INTERNAL", env });
  const out = lines(r.stdout).map((l) => JSON.parse(l) as unknown);
  if (out.length !== requests.length) throw new Error(`${cmd}: ${requests.length} questions but ${out.length} answers`);
  return out;
}

function jsonAnswer(x: unknown): Answer {
  return typeof x === "number" ? toAnswer(x) : { error: String(x) };
}

// ---- dpkg -----------------------------------------------------------------------------------

// One line per question, tab-separated. "c a b" → -1/0/1 (or E<rc>); "v a" → ok / bad (dpkg
// printed a warning or an error, i.e. the version has bad syntax).
const DPKG_DRIVER = `
tab=$(printf '\\t')
while IFS="$tab" read -r op a b; do
  if [ "$op" = c ]; then
    dpkg --compare-versions "$a" lt "$b" 2>/dev/null; rc=$?
    if [ $rc -eq 0 ]; then echo -1
    elif [ $rc -ne 1 ]; then echo "E$rc"
    elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0
    else echo 1; fi
  else
    msg=$(dpkg --compare-versions "$a" eq "$a" 2>&1); rc=$?
    if [ $rc -eq 0 ] && [ -z "$msg" ]; then echo ok; else echo bad; fi
  fi
done
`;

async function dpkgAsk(questions: string[][]): Promise<string[]> {
  const workers = chunks(questions, Math.min(4, availableParallelism()));
  const results = await Promise.all(
    workers.map(async (qs) => {
      const r = await run("sh", ["-c", DPKG_DRIVER], { input: qs.map((q) => q.join("\t")).join("\n") + "\n", failWith: "E_INTERNAL" });
      const out = lines(r.stdout);
      if (out.length !== qs.length) throw new Error(`dpkg driver: ${qs.length} questions but ${out.length} answers`);
      return out;
    }),
  );
  return results.flat();
}

export const dpkgOracle: Oracle = {
  name: "dpkg --compare-versions",
  unavailable: () => which("dpkg", ["--version"]),
  describe: async () => (await run("dpkg", ["--version"])).stdout.split("\n")[0]!.trim(),
  async compare(pairs) {
    const out = await dpkgAsk(pairs.map(([a, b]) => ["c", a, b]));
    return out.map((s) => (s === "-1" || s === "0" || s === "1" ? toAnswer(Number(s)) : { error: `dpkg exit ${s}` }));
  },
  async valid(versions) {
    const out = await dpkgAsk(versions.map((v) => ["v", v]));
    return out.map((s) => s === "ok");
  },
  validityException(v) {
    if (v === "") return "dpkg reads an empty argument as \"no version\"; we reject it";
    if (/^\s|\s$/.test(v)) return "dpkg trims surrounding whitespace; we reject it";
    if (/^[+-][0-9]+:/.test(v)) return "dpkg's strtol accepts a signed epoch; we reject it (Policy: unsigned)";
    return undefined;
  },
};

// ---- rpm ------------------------------------------------------------------------------------

export const rpmOracle: Oracle = {
  name: "rpm.vercmp (rpm --eval %{lua:...})",
  unavailable: () => which("rpm", ["--eval", "%{lua: print(rpm.vercmp('1', '2'))}"]),
  describe: async () => (await run("rpm", ["--version"])).stdout.trim(),
  async compare(pairs) {
    const dir = await mkdtemp(join(tmpdir(), "mk-rpm-oracle-"));
    try {
      const data = join(dir, "pairs.tsv");
      await writeFile(data, pairs.map(([a, b]) => `${a}\t${b}`).join("\n") + "\n");
      // All pairs in one Lua script: rpm.vercmp parses each side as [epoch:]version[-release].
      const lua = `%{lua:
local out = {}
for line in io.lines(${JSON.stringify(data)}) do
  local a, b = line:match("^([^\\t]*)\\t([^\\t]*)$")
  local ok, r = pcall(rpm.vercmp, a, b)
  out[#out + 1] = ok and tostring(r) or ("E " .. tostring(r):gsub("\\n", " "))
end
print(table.concat(out, "\\n"))
}`;
      const r = await run("rpm", ["--eval", lua], { failWith: "E_INTERNAL" });
      const out = lines(r.stdout);
      if (out.length !== pairs.length) throw new Error(`rpm: ${pairs.length} questions but ${out.length} answers`);
      return out.map((s) => (/^-?[0-9]+$/.test(s) ? toAnswer(Number(s)) : { error: s }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

// ---- Python packaging -----------------------------------------------------------------------

const PEP440_SCRIPT = join(here, "pep440_oracle.py");

export const pep440Oracle: Oracle = {
  name: "packaging.version.Version",
  unavailable: () => which(PYTHON, ["-c", "import packaging.version"]),
  describe: async () => `python3-packaging ${(await run(PYTHON, ["-c", "import packaging; print(packaging.__version__)"])).stdout.trim()}`,
  async compare(pairs) {
    return (await jsonLines(PYTHON, [PEP440_SCRIPT], pairs.map(([a, b]) => ["c", a, b]))).map(jsonAnswer);
  },
  async valid(versions) {
    return (await jsonLines(PYTHON, [PEP440_SCRIPT], versions.map((v) => ["v", v]))).map((x) => (typeof x === "boolean" ? x : String(x)));
  },
  validityException(v) {
    if ([...v].some((c) => c >= "\x1c" && c <= "\x1f")) return "Python's \\s also matches \\x1c-\\x1f; we accept ASCII whitespace only";
    return undefined;
  },
};

// ---- Maven ----------------------------------------------------------------------------------

export const mavenOracle: Oracle = {
  name: "Maven ComparableVersion",
  unavailable: () => which("java", ["-cp", MAVEN_JAR, MAVEN_CLASS, "1"]),
  describe: async () => {
    const r = await run("unzip", ["-p", MAVEN_JAR, "META-INF/MANIFEST.MF"]).catch(() => undefined);
    const version = r?.stdout.match(/Implementation-Version:\s*(\S+)/)?.[1] ?? "unknown version";
    return `maven-artifact ${version} (${MAVEN_JAR})`;
  },
  async compare(pairs) {
    const answers: Answer[] = [];
    // One JVM per 1,000 pairs keeps the argument list far below the kernel's limit.
    for (const batch of chunks(pairs, Math.ceil(pairs.length / 1000))) {
      // ComparableVersion.main compares each argument with the one before it, so the pair
      // (a, b) is answered by the comparison line that introduces b.
      const r = await run("java", ["-cp", MAVEN_JAR, MAVEN_CLASS, ...batch.flat()], { failWith: "E_INTERNAL" });
      const comparisons = lines(r.stdout).filter((l) => l.startsWith("   "));
      if (comparisons.length !== batch.length * 2 - 1) throw new Error(`maven: ${batch.length * 2 - 1} comparisons expected, ${comparisons.length} printed`);
      for (let i = 0; i < batch.length; i++) {
        const op = comparisons[2 * i]!.trim().split(" ")[1];
        answers.push(op === "<" ? -1 : op === ">" ? 1 : op === "==" ? 0 : { error: `unparsed: ${comparisons[2 * i]}` });
      }
    }
    return answers;
  },
};

// ---- Go (x/mod) -----------------------------------------------------------------------------

let goBinary: Promise<string> | undefined;

/** Builds go-oracle/main.go against GOROOT's vendored golang.org/x/mod, once per process. */
async function buildGoOracle(): Promise<string> {
  const goroot = (await run("go", ["env", "GOROOT"], { failWith: "E_TOOL_MISSING" })).stdout.trim();
  const vendored = join(goroot, "src/cmd/vendor/golang.org/x/mod");
  const dir = await mkdtemp(join(tmpdir(), "mk-go-oracle-"));
  // A throwaway module that *is* golang.org/x/mod, so the vendored packages import each other as usual.
  for (const pkg of ["semver", "module", "internal/lazyregexp"]) await cp(join(vendored, pkg), join(dir, pkg), { recursive: true });
  await writeFile(join(dir, "go.mod"), "module golang.org/x/mod\n\ngo 1.17\n");
  await mkdir(join(dir, "cmd/oracle"), { recursive: true });
  await cp(join(here, "go-oracle/main.go"), join(dir, "cmd/oracle/main.go"));
  const bin = join(dir, "oracle");
  const env = { ...process.env, GOFLAGS: "-mod=mod", GOPROXY: "off", GOTOOLCHAIN: "local", GOCACHE: process.env.GOCACHE ?? join(tmpdir(), "mk-go-oracle-cache") };
  await run("go", ["build", "-o", bin, "./cmd/oracle"], { cwd: dir, env, failWith: "E_TOOL_MISSING" });
  // Exit handlers must be synchronous; the temp module is small, but do not leave one per run.
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return bin;
}

function goOracleBinary(): Promise<string> {
  goBinary ??= buildGoOracle();
  return goBinary;
}

async function goAsk(requests: string[][]): Promise<unknown[]> {
  return await jsonLines(await goOracleBinary(), [], requests);
}

const withV = (v: string) => (v.startsWith("v") ? v : `v${v}`);

async function goUnavailable(): Promise<string | undefined> {
  const missing = await which("go", ["version"]);
  if (missing) return missing;
  try {
    await goOracleBinary();
    return undefined;
  } catch (e) {
    return `cannot build the x/mod oracle: ${e instanceof Error ? e.message : String(e)}`;
  }
}

export const goOracle: Oracle & { isPseudo(versions: readonly string[]): Promise<boolean[]> } = {
  name: "golang.org/x/mod/semver (GOROOT vendor)",
  unavailable: goUnavailable,
  describe: async () => `x/mod/semver from ${(await run("go", ["version"])).stdout.trim()}`,
  async compare(pairs) {
    return (await goAsk(pairs.map(([a, b]) => ["c", withV(a), withV(b)]))).map(jsonAnswer);
  },
  async valid(versions) {
    return (await goAsk(versions.map((v) => ["v", withV(v)]))).map((x) => (typeof x === "boolean" ? x : String(x)));
  },
  async isPseudo(versions) {
    return (await goAsk(versions.map((v) => ["p", withV(v)]))).map((x) => x === true);
  },
};

/**
 * The SemVer scheme checked by Go's independent SemVer implementation: each side is first put in
 * canonical form by the `semver` package (which is how our scheme parses; loose forms such as
 * `v1.2.3` or `1.2.3beta` become `1.2.3` and `1.2.3-beta`), then compared by x/mod/semver.
 */
export const semverViaGoOracle: Oracle = {
  name: "golang.org/x/mod/semver on the canonical form",
  unavailable: goUnavailable,
  describe: async () => `x/mod/semver from ${(await run("go", ["version"])).stdout.trim()}`,
  async compare(pairs) {
    // Loose parsing strips leading zeros from numeric identifiers only below 2^53; strip the
    // rest too, since loose mode reads them as numbers (and x/mod rejects leading zeros).
    const canonical = (v: string) => {
      const p = semverLib.parse(v, { loose: true });
      if (!p) return v;
      const pre = p.prerelease.map(String).map((id) => (/^[0-9]+$/.test(id) ? id.replace(/^0+(?=[0-9])/, "") : id));
      return `v${p.major}.${p.minor}.${p.patch}${pre.length ? `-${pre.join(".")}` : ""}`;
    };
    return (await goAsk(pairs.map(([a, b]) => ["c", canonical(a), canonical(b)]))).map(jsonAnswer);
  },
};

/**
 * The `semver` package's own `compare` (npm's reference implementation). It converts numeric
 * pre-release identifiers to JS numbers, so pairs with one above 2^53 are not asked (see
 * semver/index.ts); x/mod/semver covers those.
 */
export const semverPackageOracle: Oracle = {
  name: "semver package compare (loose)",
  unavailable: async () => undefined,
  describe: async () => `semver package ${(createRequire(import.meta.url)("semver/package.json") as { version: string }).version}`,
  async compare(pairs) {
    return pairs.map(([a, b]) => toAnswer(semverLib.compare(a, b, { loose: true })));
  },
  skip(a, b) {
    const huge = (v: string) => (semverLib.parse(v, { loose: true })?.prerelease ?? []).some((id) => typeof id === "string" && /^[0-9]{16,}$/.test(id));
    return huge(a) || huge(b) ? "numeric pre-release identifier above 2^53 (the package loses precision)" : undefined;
  },
};

/** The oracles each scheme is checked against; empty for schemes with none on this machine. */
export const oracles: Record<SchemeId, Oracle[]> = {
  deb: [dpkgOracle],
  rpm: [rpmOracle],
  pep440: [pep440Oracle],
  maven: [mavenOracle],
  go: [goOracle],
  semver: [semverViaGoOracle, semverPackageOracle],
  apk: [],
};
