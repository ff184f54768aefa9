/**
 * Scan benchmark: a 5,000-component SBOM against an index of ≥ 200,000 OSV-shaped records.
 * Target: matching takes < 2 s once the index is loaded. Exits 1 when the target is missed.
 *
 *   npm run bench:scan            (MK_BENCH_RECORDS=<n>, default 210000; MK_BENCH_RUNS=<n>, default 5)
 *
 * The records are generated deterministically (seeded), written as one osv.dev-style zip export
 * per ecosystem (`zip` when installed, else plain directories) into .mailknight/bench/, and
 * imported through the real `db import` path, so "index build" is what a user would wait for.
 * Generated data is cached between runs; delete .mailknight/bench/osv-* to regenerate.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { formatError } from "../src/errors.js";
import { run } from "../src/util/exec.js";
import { importOsv, matchComponents, openVulnDb, scanSbom, type SbomComponent } from "../src/vuln/index.js";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const TOTAL = Number(process.env.MK_BENCH_RECORDS ?? 210_000);
const RUNS = Number(process.env.MK_BENCH_RUNS ?? 5);
const COMPONENTS = 5_000;
const TARGET_MS = 2_000;
const CACHE = join(ROOT, ".mailknight", "bench", `osv-${TOTAL}`);

/** mulberry32: small, fast, seeded; the same data on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Eco {
  ecosystem: string;
  share: number;
  prefix: string;
  purlType: string;
  rangeType: "ECOSYSTEM" | "SEMVER";
  name: (i: number) => string;
  purlName: (i: number) => string;
  version: (maj: number, min: number, pat: number) => string;
  purlQualifiers?: string;
}

const ECOSYSTEMS: Eco[] = [
  { ecosystem: "npm", share: 0.25, prefix: "GHSA-npm", purlType: "npm", rangeType: "ECOSYSTEM", name: (i) => `pkg-${i}`, purlName: (i) => `pkg-${i}`, version: (a, b, c) => `${a}.${b}.${c}` },
  { ecosystem: "PyPI", share: 0.15, prefix: "PYSEC", purlType: "pypi", rangeType: "ECOSYSTEM", name: (i) => `py_pkg.${i}`, purlName: (i) => `py-pkg-${i}`, version: (a, b, c) => `${a}.${b}.${c}` },
  { ecosystem: "Go", share: 0.1, prefix: "GO", purlType: "golang", rangeType: "SEMVER", name: (i) => `github.com/org${i % 97}/mod${i}`, purlName: (i) => `github.com/org${i % 97}/mod${i}`, version: (a, b, c) => `${a}.${b}.${c}` },
  { ecosystem: "Maven", share: 0.15, prefix: "GHSA-mvn", purlType: "maven", rangeType: "ECOSYSTEM", name: (i) => `org.example${i % 89}:artifact${i}`, purlName: (i) => `org.example${i % 89}/artifact${i}`, version: (a, b, c) => `${a}.${b}.${c}` },
  { ecosystem: "crates.io", share: 0.05, prefix: "RUSTSEC", purlType: "cargo", rangeType: "ECOSYSTEM", name: (i) => `crate${i}`, purlName: (i) => `crate${i}`, version: (a, b, c) => `${a}.${b}.${c}` },
  { ecosystem: "Debian:12", share: 0.12, prefix: "DLA", purlType: "deb", rangeType: "ECOSYSTEM", name: (i) => `src${i}`, purlName: (i) => `debian/lib${i}`, version: (a, b, c) => `${a}.${b}.${c}-1+deb12u1`, purlQualifiers: "distro=debian-12.5&upstream=" },
  { ecosystem: "Alpine:v3.19", share: 0.08, prefix: "ALPINE", purlType: "apk", rangeType: "ECOSYSTEM", name: (i) => `apk${i}`, purlName: (i) => `alpine/apk${i}`, version: (a, b, c) => `${a}.${b}.${c}-r0`, purlQualifiers: "distro=3.19.1&upstream=" },
  { ecosystem: "Rocky Linux:9", share: 0.04, prefix: "RLSA", purlType: "rpm", rangeType: "ECOSYSTEM", name: (i) => `rpm${i}`, purlName: (i) => `rocky/rpm${i}`, version: (a, b, c) => `${a}.${b}.${c}-1.el9`, purlQualifiers: "distro=rocky-9.3" },
  { ecosystem: "Wolfi", share: 0.06, prefix: "CGA", purlType: "apk", rangeType: "ECOSYSTEM", name: (i) => `wolfi${i}`, purlName: (i) => `wolfi/wolfi${i}`, version: (a, b, c) => `${a}.${b}.${c}-r0`, purlQualifiers: "upstream=" },
];

const VECTORS = [
  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
  "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
  "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N",
  "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
  "AV:N/AC:L/Au:N/C:P/I:P/A:P",
];
const SEVERITY_TYPE: Record<string, string> = { "CVSS:3": "CVSS_V3", "CVSS:4": "CVSS_V4" };

/** Packages per ecosystem: three records per package on average, like a mature feed. */
function packageCount(eco: Eco): number {
  return Math.max(1, Math.round((TOTAL * eco.share) / 3));
}

function generate(dir: string): number {
  const r = rng(20250101);
  let written = 0;
  let n = 0;
  for (const eco of ECOSYSTEMS) {
    const ecoDir = join(dir, eco.ecosystem.replace(/[^A-Za-z0-9.]+/g, "-"));
    mkdirSync(ecoDir, { recursive: true });
    const count = Math.ceil(TOTAL * eco.share);
    const packages = packageCount(eco);
    for (let i = 0; i < count; i++) {
      const pkg = Math.floor(r() * packages);
      const maj = Math.floor(r() * 5);
      const min = Math.floor(r() * 10);
      const id = `${eco.prefix}-${String(n++).padStart(7, "0")}`;
      const introduced = r() < 0.3 ? "0" : eco.version(maj, min, 0);
      const events: Record<string, string>[] = [{ introduced }];
      if (r() < 0.85) events.push({ fixed: eco.version(maj, min, 1 + Math.floor(r() * 9)) });
      else events.push({ last_affected: eco.version(maj, min + 1, 0) });
      const ranges: unknown[] = [{ type: eco.rangeType, events }];
      if (r() < 0.2) ranges.push({ type: eco.rangeType, events: [{ introduced: eco.version(maj + 1, 0, 0) }, { fixed: eco.version(maj + 1, 0, 5) }] });
      const affected: Record<string, unknown> = { package: { ecosystem: eco.ecosystem, name: eco.name(pkg) }, ranges };
      if (r() < 0.2) affected.versions = [0, 1, 2, 3, 4].map((k) => eco.version(maj, min, k));
      const vector = VECTORS[Math.floor(r() * VECTORS.length)] as string;
      const record = {
        schema_version: "1.6.0",
        id,
        modified: `2025-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 9)}T12:00:00Z`,
        published: "2024-06-01T00:00:00Z",
        aliases: [`CVE-2024-${String(100000 + n)}`],
        summary: `Synthetic vulnerability ${n} in ${eco.name(pkg)}`,
        severity: r() < 0.6 ? [{ type: SEVERITY_TYPE[vector.slice(0, 6)] ?? "CVSS_V2", score: vector }] : [],
        affected: [affected],
        references: [{ type: "ADVISORY", url: `https://example.org/advisories/${id}` }],
        database_specific: { severity: ["LOW", "MODERATE", "HIGH", "CRITICAL"][Math.floor(r() * 4)] },
      };
      writeFileSync(join(ecoDir, `${id}.json`), JSON.stringify(record));
      written++;
    }
  }
  return written;
}

function sbomComponents(): SbomComponent[] {
  const r = rng(7);
  const out: SbomComponent[] = [];
  for (let i = 0; i < COMPONENTS; i++) {
    const eco = ECOSYSTEMS[i % ECOSYSTEMS.length] as Eco;
    // Half of the components name packages the index has; the rest miss, as most real ones do.
    const pkg = r() < 0.5 ? Math.floor(r() * packageCount(eco)) : packageCount(eco) + i;
    const v = eco.version(Math.floor(r() * 5), Math.floor(r() * 10), Math.floor(r() * 6));
    const q = eco.purlQualifiers ? `?${eco.purlQualifiers}${eco.purlQualifiers.endsWith("upstream=") ? encodeURIComponent(eco.name(pkg)) : ""}` : "";
    const version = eco.purlType === "golang" ? `v${v}` : v;
    const purl = `pkg:${eco.purlType}/${eco.purlName(pkg)}@${encodeURIComponent(version)}${q}`;
    out.push({ bomRef: `c${i}`, purl, path: `components[${i}]` });
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const ms = (x: number) => `${x.toFixed(0)} ms`;
// A full collection before each reading, so "heap used" is live data, not garbage awaiting GC.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
function memory(label: string): NodeJS.MemoryUsage {
  gc();
  const m = process.memoryUsage();
  console.log(`  memory ${label}: rss ${mb(m.rss)}, heap used ${mb(m.heapUsed)} / total ${mb(m.heapTotal)}`);
  return m;
}

async function sources(): Promise<string[]> {
  const data = join(CACHE, "data");
  if (!existsSync(data)) {
    const partial = join(CACHE, "data.partial");
    rmSync(partial, { recursive: true, force: true });
    const t = performance.now();
    const n = generate(partial);
    console.log(`generated ${n} OSV records in ${ms(performance.now() - t)} (cached in ${data})`);
    renameSync(partial, data);
  }
  const dirs = ECOSYSTEMS.map((e) => join(data, e.ecosystem.replace(/[^A-Za-z0-9.]+/g, "-")));
  const haveZip = (await run("zip", ["-v"]).catch(() => ({ code: 1 }))).code === 0;
  if (!haveZip) return dirs;
  const zips: string[] = [];
  for (const dir of dirs) {
    const zip = `${dir}.all.zip`;
    if (!existsSync(zip)) await run("bash", ["-c", 'cd "$1" && zip -q -r "$2.partial" . && mv "$2.partial" "$2"', "zip", dir, zip], { failWith: "E_TOOL_MISSING" });
    rmSync(dir, { recursive: true, force: true }); // the zip is the input from now on; 210,000 small files are not worth keeping
    zips.push(zip);
  }
  return zips;
}

async function main(): Promise<void> {
  const inputs = await sources();
  const dbDir = join(CACHE, "vulndb");
  rmSync(dbDir, { recursive: true, force: true });
  console.log(`records: ${TOTAL} across ${ECOSYSTEMS.length} ecosystems; SBOM: ${COMPONENTS} components; ${inputs[0]?.endsWith(".zip") ? "zip exports" : "directories"}`);

  let t = performance.now();
  const imported = await importOsv(dbDir, inputs, { now: () => new Date("2025-10-01T00:00:00Z") });
  const buildMs = performance.now() - t;
  const stored = imported.manifest.ecosystems.reduce((n, e) => n + e.records, 0);
  console.log(`index build (db import: read, validate, write): ${ms(buildMs)} for ${stored} records`);
  memory("after import");

  const components = sbomComponents();
  const sbomPath = join(CACHE, "sbom.cdx.json");
  writeFileSync(sbomPath, JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.6", components: components.map((c) => ({ type: "library", "bom-ref": c.bomRef, purl: c.purl })) }));

  const beforeLoad = memory("before load");
  t = performance.now();
  const db = await openVulnDb(dbDir);
  for (const e of imported.manifest.ecosystems) await db.ecosystem(e.name);
  const loadMs = performance.now() - t;
  console.log(`index load (all ${imported.manifest.ecosystems.length} ecosystems into memory): ${ms(loadMs)}`);
  const afterLoad = memory("after load");
  console.log(`  index in memory: ${mb(afterLoad.heapUsed - beforeLoad.heapUsed)} of heap`);

  // Wall time decides; CPU time is printed too because on a shared machine wall time also
  // measures everyone else's load.
  const times: number[] = [];
  const cpu: number[] = [];
  let findings = 0;
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    t = performance.now();
    const out = await matchComponents(db, components);
    times.push(performance.now() - t);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    findings = out.findings.length;
  }
  const matchMs = median(times);
  console.log(`match (${COMPONENTS} components, index loaded): median ${ms(matchMs)} wall, ${ms(median(cpu))} CPU, of ${RUNS} runs [${times.map(ms).join(", ")}], ${findings} findings`);
  memory("after match");

  t = performance.now();
  const cold = await scanSbom(sbomPath, { db: dbDir });
  console.log(`scanSbom end to end (read SBOM, load the ecosystems it uses, match): ${ms(performance.now() - t)}, ${cold.findings.length} findings`);

  const ok = matchMs < TARGET_MS && stored >= 200_000;
  console.log(`${ok ? "PASS" : "FAIL"}: match ${ms(matchMs)} (target < ${TARGET_MS} ms), ${stored} records (target ≥ 200000)`);
  if (!ok) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(formatError(e));
  process.exit(1);
});
