/**
 * Full property run of the version schemes against their real oracles (dpkg, rpm, Python
 * packaging, Maven's ComparableVersion, Go's x/mod/semver, the semver package): at least 10,000
 * generated pairs per scheme and oracle. Prints, per scheme and oracle: pairs, disagreements,
 * validity checks, time; exits 1 on any disagreement or when an oracle is missing.
 *
 *   npm run test:versions-full [-- --count 20000 --seed 42 --scheme deb,rpm]
 *
 * The default suite runs the same test with 1,000 pairs (src/vuln/versioning/oracle.test.ts).
 */
import { parseArgs } from "node:util";
import { isPseudoVersion, schemes, type SchemeId } from "../src/vuln/versioning/index.js";
import { generators } from "../src/vuln/versioning/testing/generators.js";
import { goOracle, oracles } from "../src/vuln/versioning/testing/oracles.js";
import { Rng } from "../src/vuln/versioning/testing/random.js";
import { describeProblems, runProperty, type PropertyReport } from "../src/vuln/versioning/testing/property.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "10000" },
    seed: { type: "string" },
    scheme: { type: "string" },
  },
});
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1) {
  console.error(`--count must be a positive integer, got ${values.count}`);
  process.exit(2);
}
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const wanted = values.scheme ? values.scheme.split(",") : Object.keys(schemes);
const unknown = wanted.filter((s) => !(s in schemes));
if (unknown.length > 0) {
  console.error(`unknown scheme(s): ${unknown.join(", ")}; known: ${Object.keys(schemes).join(", ")}`);
  process.exit(2);
}

console.log(`version-order property run: ${count} pairs per scheme and oracle, seed ${seed}`);
let failed = false;
const rows: string[][] = [["scheme", "oracle", "pairs", "disagreements", "validity checked", "validity disagreements", "invalid inputs", "time"]];
for (const id of wanted as SchemeId[]) {
  const list = oracles[id];
  if (list.length === 0) {
    rows.push([id, "(none: tested against published examples only, see README)", "-", "-", "-", "-", "-", "-"]);
    continue;
  }
  for (const oracle of list) {
    const missing = await oracle.unavailable();
    if (missing) {
      failed = true;
      rows.push([id, `${oracle.name}: UNAVAILABLE (${missing})`, "-", "-", "-", "-", "-", "-"]);
      continue;
    }
    const rep: PropertyReport = await runProperty(id, oracle, { count, seed, validityCount: Math.min(2000, Math.ceil(count / 5)) });
    const bad = rep.disagreements.length + rep.validityDisagreements.length + rep.invalidInputFailures.length;
    if (bad > 0) failed = true;
    rows.push([
      id,
      `${oracle.name} [${await oracle.describe()}]`,
      String(rep.pairs),
      String(rep.disagreements.length),
      String(rep.validityChecked || "-"),
      rep.validityChecked ? String(rep.validityDisagreements.length) : "-",
      `${rep.invalidInputs} (${rep.invalidInputFailures.length} not E_USAGE)`,
      `${(rep.ms / 1000).toFixed(1)} s`,
    ]);
    for (const [why, n] of Object.entries(rep.skipped)) console.log(`  ${id}/${oracle.name}: ${n} pairs not asked: ${why}`);
    for (const [why, n] of Object.entries(rep.validityDocumented)) console.log(`  ${id}/${oracle.name}: ${n} documented validity differences: ${why}`);
    for (const line of describeProblems(rep)) console.log(`  ${id}: ${line}`);
  }
}

if (wanted.includes("go")) {
  // Go's pseudo-version recogniser against x/mod/module.IsPseudoVersion, on generated versions.
  const started = performance.now();
  const missing = await goOracle.unavailable();
  if (missing) {
    failed = true;
    rows.push(["go", `module.IsPseudoVersion: UNAVAILABLE (${missing})`, "-", "-", "-", "-", "-", "-"]);
  } else {
    const r = new Rng(seed);
    const versions = Array.from({ length: count }, () => generators.go.version(r));
    const theirs = await goOracle.isPseudo(versions);
    const wrong = versions.filter((v, i) => isPseudoVersion(v) !== theirs[i]);
    if (wrong.length > 0) failed = true;
    for (const v of wrong.slice(0, 10)) console.log(`  go: isPseudoVersion(${JSON.stringify(v)}) disagrees with module.IsPseudoVersion`);
    const pseudo = theirs.filter(Boolean).length;
    rows.push(["go", `isPseudoVersion vs x/mod/module.IsPseudoVersion (${pseudo} pseudo)`, `${count} versions`, String(wrong.length), "-", "-", "-", `${((performance.now() - started) / 1000).toFixed(1)} s`]);
  }
}

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd());
console.log(failed ? "FAILED" : "OK: zero disagreements");
process.exit(failed ? 1 : 0);
