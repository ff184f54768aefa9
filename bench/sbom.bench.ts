/**
 * SBOM benchmark: Mailknight vs trivy on the same inputs, in one run, interleaved.
 * Targets: Mailknight's wall time ≤ 0.5 × trivy's; Mailknight's peak RSS < 500 MB on the big
 * (~1.3 GB) Debian rootfs.
 *
 *   npm run bench:sbom                     (MK_BENCH_RUNS=<n>, default 3; MK_BENCH_INPUTS=big,image:big,...)
 *
 * Inputs (built once with mmdebstrap and cached under .mailknight/test-cache/sbom/): Debian
 * bookworm minbase and "big" (JDK, Go, GCC, Python: ~1.3 GB, 27k files) as directories, and
 * the same trees as one-layer OCI images. Each Mailknight run is a fresh process (this file
 * with --child, bundled once with esbuild so that, as with the compiled CLI, no TypeScript is
 * transpiled at start-up; tsx when esbuild is absent) that catalogs the target and writes
 * CycloneDX to a file, reporting its own wall time and peak RSS; trivy writes CycloneDX too, with a fresh cache directory per run so
 * neither side reuses earlier work. trivy skips jars (offline it cannot load its Java index;
 * see testing/peers.ts). Exits 1 when a target is missed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatError } from "../src/errors.js";
import { generateSbom, openTarget, writeSbom } from "../src/sbom/index.js";
import { debianImage, debianRootfs, TRIVY, type RootfsName } from "../src/sbom/testing/peers.js";

const MB = 1024 * 1024;
const ROOT = new URL("..", import.meta.url).pathname;

interface ChildResult {
  workMs: number;
  processMs: number;
  maxRssBytes: number;
  components: number;
}

/** In the child: one SBOM, then the numbers on stdout. */
async function child(target: string, out: string): Promise<void> {
  const started = performance.now();
  const opened = await openTarget(target);
  const doc = await generateSbom(opened.source, { created: new Date(0) });
  await opened.close();
  await writeSbom(out, doc, "cyclonedx-json");
  const workMs = performance.now() - started;
  process.stdout.write(JSON.stringify({ workMs, maxRssBytes: process.resourceUsage().maxRSS * 1024, components: doc.components.length }) + "\n");
}

/** The child as one JS file (dependencies stay external), or undefined to run it through tsx. */
async function bundleChild(): Promise<string | undefined> {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    return undefined;
  }
  // Two levels under the repository, like dist/src/...: relative reads of package.json still resolve.
  const out = join(ROOT, ".mailknight", "bench", "sbom-child.mjs");
  await esbuild.build({ entryPoints: [new URL(import.meta.url).pathname], bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", outfile: out, logLevel: "error" });
  return out;
}

let childEntry: string[] = ["--import", "tsx", new URL(import.meta.url).pathname];

function runMailknight(target: string): ChildResult {
  const dir = mkdtempSync(join(tmpdir(), "mk-bench-sbom-"));
  const started = performance.now();
  const r = spawnSync(process.execPath, [...childEntry, "--child", target, join(dir, "bom.json")], { encoding: "utf8", maxBuffer: 1 << 26 });
  const processMs = performance.now() - started;
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`mailknight child failed on ${target}: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout.trim().split("\n").pop()!) as Omit<ChildResult, "processMs">), processMs };
}

function runTrivy(kind: "rootfs" | "image", target: string): { ms: number; maxRssBytes?: number; components: number } {
  const dir = mkdtempSync(join(tmpdir(), "mk-bench-trivy-"));
  const out = join(dir, "bom.json");
  const args = [kind, ...(kind === "image" ? ["--input", target] : [target]), "--format", "cyclonedx", "--offline-scan", "--skip-db-update", "--skip-files", "**/*.jar", "--scanners", "license", "--cache-dir", join(dir, "cache"), "--quiet", "-o", out];
  // GNU time reports the peak RSS of trivy itself; without it, only the wall time is shown.
  const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
  const started = performance.now();
  const r = timeBin ? spawnSync(timeBin, ["-f", "MAXRSS_KB=%M", TRIVY, ...args], { encoding: "utf8" }) : spawnSync(TRIVY, args, { encoding: "utf8" });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`trivy failed on ${target}: ${r.stderr}`);
  const rss = /MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1];
  const components = ((JSON.parse(readFileSync(out, "utf8")) as { components?: unknown[] }).components ?? []).length;
  rmSync(dir, { recursive: true, force: true });
  return { ms, components, ...(rss ? { maxRssBytes: Number(rss) * 1024 } : {}) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function duSize(dir: string): number {
  const r = spawnSync("du", ["-sb", dir], { encoding: "utf8" });
  return Number(r.stdout.split(/\s+/)[0] ?? 0);
}

async function main(): Promise<void> {
  const runs = Number(process.env.MK_BENCH_RUNS ?? 3);
  const bundled = await bundleChild();
  if (bundled) childEntry = [bundled];
  console.log(`mailknight runs as ${bundled ? `a bundled JS file (${bundled})` : "TypeScript through tsx (esbuild not found): start-up included"}`);
  const wanted = (process.env.MK_BENCH_INPUTS ?? "minbase,big,image:minbase,image:big").split(",");
  let failed = false;
  const rows: string[][] = [];
  for (const input of wanted) {
    const isImage = input.startsWith("image:");
    const name = (isImage ? input.slice(6) : input) as RootfsName;
    const rootfs = await debianRootfs(name);
    const target = isImage ? `oci:${await debianImage(name)}:img:1` : rootfs;
    const trivyTarget = isImage ? target.slice(4, -":img:1".length) : rootfs;
    // Warm the page cache for both sides alike.
    spawnSync("bash", ["-c", `tar -c -C "$1" . > /dev/null`, "warm", isImage ? trivyTarget : rootfs]);
    const ours: ChildResult[] = [];
    const theirs: ReturnType<typeof runTrivy>[] = [];
    for (let i = 0; i < runs; i++) {
      ours.push(runMailknight(target));
      theirs.push(runTrivy(isImage ? "image" : "rootfs", trivyTarget));
    }
    const mkMs = median(ours.map((o) => o.processMs));
    const mkWork = median(ours.map((o) => o.workMs));
    const tvMs = median(theirs.map((t) => t.ms));
    const rss = Math.max(...ours.map((o) => o.maxRssBytes));
    const tvRss = theirs[0]!.maxRssBytes;
    const ratio = mkMs / tvMs;
    const size = duSize(isImage ? trivyTarget : rootfs);
    rows.push([input, `${(size / MB).toFixed(0)} MB`, `${(mkMs / 1000).toFixed(2)} s (work ${(mkWork / 1000).toFixed(2)} s)`, `${(tvMs / 1000).toFixed(2)} s`, ratio.toFixed(2), `${(rss / MB).toFixed(0)} MB`, tvRss ? `${(tvRss / MB).toFixed(0)} MB` : "?", `${ours[0]!.components}/${theirs[0]!.components}`]);
    if (ratio > 0.5) failed = true;
    if (name === "big" && rss >= 500 * 1e6) failed = true;
  }
  const header = ["input", "size", "mailknight (process)", "trivy", "ratio", "mk peak RSS", "trivy peak RSS", "components mk/trivy"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
  console.log(`\nmedian of ${runs} interleaved runs; targets: ratio ≤ 0.50, peak RSS < 500 MB on big. ${failed ? "MISSED" : "met"}`);
  if (failed) process.exitCode = 1;
}

if (process.argv[2] === "--child") {
  child(process.argv[3]!, process.argv[4]!).catch((e: unknown) => {
    process.stderr.write(formatError(e) + "\n");
    process.exit(1);
  });
} else {
  main().catch((e: unknown) => {
    process.stderr.write(formatError(e) + "\n");
    process.exit(1);
  });
}
