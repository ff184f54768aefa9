/**
 * `npm run bench:pin`: scans 10,000 generated files (Dockerfiles, Kubernetes manifests, Helm
 * values, .gitlab-ci.yml, compose, Chart.yaml) and prints files/s. Target: under 10 s.
 * Every generated file holds known references, and the count is checked, so a fast scan that
 * finds nothing does not pass.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scanPaths } from "../src/pin/scan.js";

const FILES = Number(process.env.MK_BENCH_FILES ?? 10_000);
const D = `sha256:${"ab".repeat(32)}`;

const templates: [string, (i: number) => string, number][] = [
  ["Dockerfile", (i) => `FROM registry.example.com/base/debian:12 AS build\nRUN make -j${i % 8}\nFROM gcr.io/distroless/static@${D}\nCOPY --from=build /out /app\n`, 2],
  [
    "deploy.yaml",
    (i) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  replicas: 2\n  template:\n    spec:\n      initContainers:\n        - name: init\n          image: busybox:1.36\n      containers:\n        - name: app\n          image: registry.example.com/team/app-${i}:1.${i % 50}.0 # app\n          ports: [{containerPort: 8080}]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app-${i}\nspec:\n  ports: [{port: 80}]\n`,
    2,
  ],
  ["values.yaml", (i) => `image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: "7.${i % 4}"\nmetrics:\n  image: quay.io/prometheus/exporter:v0.${i % 30}.0\nresources: {}\n`, 2],
  [".gitlab-ci.yml", (i) => `image: node:20\nstages: [test]\nservices:\n  - postgres:16\ntest-${i}:\n  image: { name: "python:3.12", entrypoint: [""] }\n  script: [pytest]\n`, 3],
  ["docker-compose.yml", (i) => `services:\n  web:\n    image: nginx:1.27\n    ports: ["${8000 + (i % 1000)}:80"]\n  db:\n    image: postgres:16@${D}\n`, 2],
  ["Chart.yaml", (i) => `apiVersion: v2\nname: c${i}\nversion: 1.0.${i}\ndependencies:\n  - name: redis\n    version: "~17.${i % 9}.0"\n    repository: https://charts.bitnami.com/bitnami\n`, 1],
];

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "mk-pin-bench-"));
  try {
    let expected = 0;
    for (let i = 0; i < FILES; i++) {
      const [name, make, refs] = templates[i % templates.length]!;
      const dir = join(root, `d${Math.floor(i / 100)}`, `f${i}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, name), make(i));
      expected += refs;
    }
    const start = process.hrtime.bigint();
    const r = await scanPaths([root]);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.files !== FILES || r.refs.length !== expected) {
      throw new Error(`scanned ${r.files} files / ${r.refs.length} refs, expected ${FILES} / ${expected}`);
    }
    const verdict = seconds < 10 ? "ok (target < 10 s)" : "SLOWER than the 10 s target";
    console.log(`pin scan: ${r.files} files, ${r.refs.length} references (${r.violations.length} unpinned) in ${seconds.toFixed(2)} s = ${Math.round(r.files / seconds)} files/s — ${verdict}`);
    if (seconds >= 10) process.exitCode = 1;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
