/** java: a jar with pom.properties (zipped by Python's zipfile, an independent writer) becomes a Maven component. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CollectedFile } from "../../source/types.js";
import { cataloger } from "./index.js";

test("pom.properties inside a jar", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mk-jar-"));
  await mkdir(join(dir, "META-INF/maven/org.example/lib"), { recursive: true });
  await writeFile(join(dir, "META-INF/maven/org.example/lib/pom.properties"), "groupId=org.example\nartifactId=lib\nversion=1.2.3\n");
  await writeFile(join(dir, "META-INF/MANIFEST.MF"), "Manifest-Version: 1.0\r\n\r\n");
  const jar = join(dir, "lib-1.2.3.jar");
  const zip = spawnSync("python3", ["-m", "zipfile", "-c", jar, "META-INF"], { cwd: dir, encoding: "utf8" });
  assert.equal(zip.status, 0, zip.stderr);
  const bytes = await readFile(jar);
  const extracted = await cataloger.wants[0]!.extract!(bytes, "/opt/app/lib-1.2.3.jar");
  const f: CollectedFile = { path: "/opt/app/lib-1.2.3.jar", size: bytes.byteLength, mode: 0o644, extracted: new Map([["java", extracted]]), sha256: createHash("sha256").update(bytes).digest("hex"), wantedBy: new Set(["java"]) };
  const r = cataloger.catalog({ files: { list: () => [f], get: () => f } });
  const c = r.components.find((x) => x.name === "lib")!;
  assert.equal(c.purl, "pkg:maven/org.example/lib@1.2.3");
  assert.equal(c.group, "org.example");
  assert.ok(c.hashes.some((h) => h.alg === "SHA-1" && h.content === createHash("sha1").update(bytes).digest("hex")), "the jar's SHA-1, as Maven Central names it");
});
