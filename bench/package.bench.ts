/**
 * Packaging benchmark: writeLayerFromDir vs `tar --sort=name ... | gzip -n` on the same tree.
 * Target: ours/theirs ≤ 1.0 (median of several runs, interleaved so machine drift hits both).
 *
 *   npm run bench:package [-- <tree-dir>]     (or MK_BENCH_TREE=<dir>; MK_BENCH_RUNS=<n>, default 3)
 *
 * Without a tree, a Debian bookworm rootfs (minbase + perl, python3, gcc: ~380 MB) is built once
 * with mmdebstrap into .mailknight/bench/ and reused. Exits 1 when the target is missed.
 */
import { mkdirSync, rmSync, statSync, renameSync, existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { formatError, MkError } from "../src/errors.js";
import { run } from "../src/util/exec.js";
import { OciLayout, writeLayerFromDir } from "../src/oci/index.js";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const CACHE = join(ROOT, ".mailknight", "bench");
const DEBIAN_TREE = join(CACHE, "debian-bookworm-rootfs");
const DEBIAN_INCLUDE = "perl,python3,gcc";

async function debianTree(): Promise<string> {
  if (existsSync(DEBIAN_TREE)) return DEBIAN_TREE;
  const partial = join(CACHE, ".debian-bookworm-rootfs.partial");
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(CACHE, { recursive: true });
  console.log(`building the benchmark tree with mmdebstrap into ${DEBIAN_TREE} (once; takes a minute) ...`);
  await run("mmdebstrap", ["--variant=minbase", `--include=${DEBIAN_INCLUDE}`, "bookworm", partial], { failWith: "E_TOOL_MISSING" });
  // Renamed only when complete, so an interrupted build is never mistaken for a tree.
  renameSync(partial, DEBIAN_TREE);
  return DEBIAN_TREE;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const arg = process.argv[2] ?? process.env.MK_BENCH_TREE;
  const tree = arg ? resolve(arg) : await debianTree();
  if (!existsSync(tree) || !statSync(tree).isDirectory()) {
    throw new MkError("E_NOT_FOUND", `benchmark tree ${tree} is not a directory`, { hint: "pass an existing directory, or no argument to use the Debian rootfs" });
  }
  const runs = Number(process.env.MK_BENCH_RUNS ?? 3);
  const work = join(CACHE, "work");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const theirsOut = join(work, "theirs.tar.gz");
  const pipeline = `set -o pipefail; tar --sort=name --owner=0 --group=0 --mtime=@0 -c -C "$1" . | gzip -n > "$2"`;

  // Warm the page cache so neither side pays for the first cold read.
  await run("bash", ["-c", 'tar -c -C "$1" . > /dev/null', "warm", tree], { failWith: "E_IO" });

  const ours: number[] = [];
  const theirs: number[] = [];
  const digests = new Set<string>();
  let oursSize = 0;
  let tarSize = 0;
  let entries = 0;
  for (let i = 0; i < runs; i++) {
    const layoutDir = join(work, `layout-${i}`);
    const t0 = performance.now();
    const layout = await OciLayout.create(layoutDir);
    const r = await writeLayerFromDir(layout, tree, { sourceDateEpoch: 0, devices: "store" });
    ours.push(performance.now() - t0);
    digests.add(r.descriptor.digest);
    oursSize = r.descriptor.size;
    tarSize = r.uncompressedSize;
    entries = r.entries.length;
    if (i === 0) await run("gzip", ["-t", layout.blobPath(r.descriptor.digest)], { failWith: "E_INTEGRITY" });
    rmSync(layoutDir, { recursive: true, force: true });

    const t1 = performance.now();
    await run("bash", ["-c", pipeline, "bench", tree, theirsOut], { failWith: "E_IO" });
    theirs.push(performance.now() - t1);
    console.log(`run ${i + 1}/${runs}: ours ${sec(ours[i] as number)}, tar|gzip ${sec(theirs[i] as number)}`);
  }
  const theirsSize = statSync(theirsOut).size;
  rmSync(work, { recursive: true, force: true });

  const ratio = median(ours) / median(theirs);
  console.log("");
  console.log(`tree:               ${tree}`);
  console.log(`tree size:          ${mb(tarSize)} as tar, ${entries} entries`);
  console.log(`cores:              ${availableParallelism()}`);
  console.log(`ours (median):      ${sec(median(ours))}  → ${mb(oursSize)} gzip`);
  console.log(`tar|gzip (median):  ${sec(median(theirs))}  → ${mb(theirsSize)} gzip`);
  console.log(`ratio ours/theirs:  ${ratio.toFixed(2)} (target ≤ 1.00) ${ratio <= 1 ? "PASS" : "FAIL"}`);
  console.log(`deterministic:      ${digests.size === 1 ? "yes" : "NO"} (${[...digests].join(", ")})`);
  if (ratio > 1 || digests.size !== 1) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(formatError(e));
  process.exitCode = 1;
});
