/**
 * parseJar against real archives — every jar Debian installed in /usr/share/java, a Spring
 * Boot-style fat jar, a war inside an ear, all assembled with the zip CLI — with Python's
 * zipfile module as the independent oracle (coordinates, nesting, SHA-1); then hostile zips.
 */
import assert from "node:assert/strict";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { deflateRawSync } from "node:zlib";
import { prng } from "../../inspect/testing/elf-fixtures.js";
import { parseJar, type ParsedPackage, type ParseResult } from "./index.js";
import { hasTool } from "./testing/cache.js";
import { DEBIAN_JARS, javaFixture, zipfileOracle, type JavaFixture, type OracleArchive } from "./testing/java-fixtures.js";
import { pomProperties, writeZip } from "./testing/zip-writer.js";

const missingJars = (await Promise.all(DEBIAN_JARS.map((j) => stat(join("/usr/share/java", j)).catch(() => undefined)))).some((s) => !s);
const noJava =
  (missingJars && "Debian's Java libraries are not installed (apt-get install libcommons-lang3-java libjackson2-core-java libatinject-jsr330-api-java libcommons-io-java)") ||
  (!(await hasTool("zip", ["-v"])) && "the zip CLI is not installed");

const gav = (p: ParsedPackage): string => `${p.namespace}:${p.name}:${p.version}`;

function noInternalErrors(r: ParseResult): void {
  assert.ok(!r.warnings.some((w) => w.includes("internal error")), r.warnings.join("\n"));
}

/** Our result agrees with the oracle on every archive in the tree. */
function assertMatchesOracle(r: ParseResult, archive: OracleArchive): void {
  const here = r.packages.filter((p) => p.properties?.["java:location"] === archive.location);
  const fromPoms = here.filter((p) => p.properties?.["java:evidence"]?.endsWith("pom.properties"));
  assert.deepEqual(fromPoms.map(gav).sort(), archive.poms, `${archive.location}: pom.properties coordinates`);
  const roots = here.filter((p) => p.hashes);
  assert.equal(roots.length, 1, `${archive.location}: one package stands for the archive`);
  assert.deepEqual(roots[0]!.hashes, [{ alg: "SHA-1", content: archive.sha1 }], `${archive.location}: SHA-1`);
  const nestedRoots = r.packages.filter((p) => p.hashes && archive.nested.some((n) => n.location === p.properties?.["java:location"])).map((p) => p.key);
  assert.deepEqual(
    [...(roots[0]!.dependsOn ?? [])].filter((k) => nestedRoots.includes(k)).sort(),
    nestedRoots.sort(),
    `${archive.location}: depends on its nested archives`,
  );
  for (const n of archive.nested) assertMatchesOracle(r, n);
}

describe("parseJar on real archives (oracle: Python's zipfile)", { skip: noJava }, () => {
  let fx: JavaFixture;
  before(async () => {
    fx = await javaFixture();
  });

  test("every jar in /usr/share/java", async () => {
    const files = new Set<string>();
    for (const name of await readdir("/usr/share/java")) if (name.endsWith(".jar")) files.add(await realpath(join("/usr/share/java", name)));
    const list = [...files].sort();
    assert.ok(list.length >= 10, `${list.length} jars`);
    const oracle = await zipfileOracle(list);
    let withPom = 0;
    for (const [i, file] of list.entries()) {
      const r = await parseJar(await readFile(file), file);
      noInternalErrors(r);
      assertMatchesOracle(r, oracle[i]!);
      const root = r.packages.find((p) => p.isRoot)!;
      if (oracle[i]!.poms.length > 0) withPom++;
      else assert.ok(["META-INF/MANIFEST.MF", "file name"].includes(root.properties?.["java:evidence"] ?? ""), file);
    }
    assert.ok(withPom >= 4);
  });

  test("known jars: coordinates from pom.properties, manifest fallback", async () => {
    const lang = await parseJar(await readFile("/usr/share/java/commons-lang3.jar"), "commons-lang3.jar");
    assert.deepEqual(
      lang.packages.map((p) => [p.key, gav(p), p.isRoot]),
      [["org.apache.commons:commons-lang3", "org.apache.commons:commons-lang3:3.12.0", true]],
    );
    assert.deepEqual(lang.warnings, []);
    const inject = await parseJar(await readFile("/usr/share/java/atinject-jsr330-api.jar"), "atinject-jsr330-api.jar");
    assert.deepEqual(
      inject.packages.map((p) => [p.name, p.version, p.properties?.["java:evidence"]]),
      [["javax.inject", "1.0.0", "META-INF/MANIFEST.MF"]],
    );
  });

  test("Spring Boot fat jar: the application, its BOOT-INF/lib jars with their own SHA-1s", async () => {
    const [oracle] = await zipfileOracle([fx.fatJar]);
    const r = await parseJar(await readFile(fx.fatJar), fx.fatJar);
    assert.deepEqual(r.warnings, []);
    assertMatchesOracle(r, oracle!);
    const root = r.packages.find((p) => p.isRoot)!;
    assert.equal(gav(root), "com.example:demo:0.0.1-SNAPSHOT");
    assert.equal(r.packages.filter((p) => p.isRoot).length, 1);
    const lang = r.packages.find((p) => p.name === "commons-lang3")!;
    assert.equal(lang.properties?.["java:location"], `${fx.fatJar}!/BOOT-INF/lib/commons-lang3.jar`);
    assert.equal(lang.key, "BOOT-INF/lib/commons-lang3.jar!/org.apache.commons:commons-lang3");
    assert.ok(root.dependsOn?.includes(lang.key));
    assert.ok(r.packages.some((p) => p.name === "javax.inject" && p.properties?.["java:evidence"] === "META-INF/MANIFEST.MF"));
    assert.equal(r.packages.length, 1 + DEBIAN_JARS.length);
  });

  test("an ear holding a war holding jars: three levels; the depth cap stops early with a warning", async () => {
    const [oracle] = await zipfileOracle([fx.ear]);
    const r = await parseJar(await readFile(fx.ear), fx.ear);
    noInternalErrors(r);
    assertMatchesOracle(r, oracle!);
    const war = r.packages.find((p) => p.name === "webapp")!;
    assert.deepEqual([war.namespace, war.version, war.properties?.["java:evidence"]], ["com.example", "2.0", "META-INF/MANIFEST.MF"]);
    assert.ok(r.packages.some((p) => p.properties?.["java:location"] === `${fx.ear}!/webapp-2.0.war!/WEB-INF/lib/jackson-core.jar`));
    // The ear has no metadata at all: named after its file, with a warning saying so.
    assert.match(r.warnings.join("\n"), /named after its file \(app, version unknown\)/);
    const shallow = await parseJar(await readFile(fx.ear), fx.ear, { maxDepth: 1 });
    assert.match(shallow.warnings.join("\n"), /2 nested archive\(s\) not read: deeper than 1 levels/);
    assert.equal(shallow.packages.some((p) => p.name === "jackson-core"), false);
  });
});

describe("parseJar on hostile archives", () => {
  const app = pomProperties("com.example", "app", "1.0");

  test("names with .., absolute paths, backslashes: skipped with a warning, the rest read", async () => {
    const evilJar = writeZip([pomProperties("evil", "evil", "6.6.6")]);
    const zip = writeZip([
      app,
      { name: "../../evil.jar", data: evilJar, method: 0 },
      { name: "/abs/evil.jar", data: evilJar, method: 0 },
      { name: "a\\..\\evil.jar", data: evilJar, method: 0 },
      { name: "ok/../../META-INF/maven/evil/evil/pom.properties", data: "groupId=evil\nartifactId=evil\nversion=6\n" },
    ]);
    const r = await parseJar(zip, "app-1.0.jar");
    noInternalErrors(r);
    assert.deepEqual(r.packages.map(gav), ["com.example:app:1.0"]);
    assert.equal(r.warnings.filter((w) => /unsafe path/.test(w)).length, 4);
  });

  test("an encrypted pom.properties and strong encryption", async () => {
    const r = await parseJar(writeZip([app, { ...pomProperties("x", "secret", "1"), flags: 1 }]), "app-1.0.jar");
    assert.deepEqual(r.packages.map(gav), ["com.example:app:1.0"]);
    assert.match(r.warnings.join("\n"), /secret\/pom\.properties" is encrypted/);
    // yauzl stops listing at a strong-encryption entry: what came before is kept.
    const strong = await parseJar(writeZip([app, { name: "x.class", data: "x", flags: 0x40 }]), "app-1.0.jar");
    assert.deepEqual(strong.packages.map(gav), ["com.example:app:1.0"]);
    assert.match(strong.warnings.join("\n"), /central directory is corrupt after 1 entries: strong encryption/);
  });

  test("zip bombs: a lying declared size is caught while inflating; honest huge sizes are refused before", async () => {
    const zeros = Buffer.alloc(50 * 1024 * 1024);
    const nested = writeZip([pomProperties("g", "inner", "1"), { name: "zeros.bin", data: zeros }]);
    const t0 = performance.now();
    // Declares 100 bytes, inflates to 50 MB: validateEntrySizes stops it after the first chunks.
    const lying = await parseJar(writeZip([app, { name: "lib/bomb.jar", data: nested, declaredSize: 100 }]), "app-1.0.jar");
    assert.match(lying.warnings.join("\n"), /bomb\.jar" cannot be read: .*(too many bytes|past its declared size)/);
    // The same, inside pom.properties.
    const lyingPom = await parseJar(writeZip([{ ...pomProperties("g", "a", "1"), data: zeros, declaredSize: 10 }]), "a-1.jar");
    assert.match(lyingPom.warnings.join("\n"), /pom\.properties" cannot be read/);
    // Honest but over the limits: never inflated.
    // A 50 MB nested jar (its zeros stored) that deflates to ~50 KB in the outer one.
    const big = writeZip([app, { name: "lib/big.jar", data: writeZip([{ name: "z", data: zeros, method: 0 }]), method: 8 }]);
    assert.ok(big.length < 1024 * 1024);
    const capped = await parseJar(big, "app-1.0.jar", { maxNestedBytes: 1024 * 1024 });
    assert.match(capped.warnings.join("\n"), /over the 1048576-byte limit/);
    const budget = await parseJar(big, "app-1.0.jar", { maxTotalBytes: 1024 * 1024 });
    assert.match(budget.warnings.join("\n"), /remaining read budget/);
    const declaredHuge = await parseJar(writeZip([{ ...app, declaredSize: 0xfffffff0 }]), "app-1.0.jar");
    assert.match(declaredHuge.warnings.join("\n"), /declares 4294967280 bytes/);
    assert.ok(performance.now() - t0 < 10_000);
  });

  test("nesting bombs: a jar nested 50 deep stops at the depth cap; 20 000 nested jars stop at the archive cap", async () => {
    let jar = writeZip([pomProperties("g", "leaf", "1")]);
    for (let i = 0; i < 50; i++) jar = writeZip([pomProperties("g", `level${i}`, "1"), { name: `l${i}.jar`, data: jar, method: 0 }]);
    const deep = await parseJar(jar, "top.jar");
    noInternalErrors(deep);
    assert.equal(deep.packages.length, 5);
    assert.match(deep.warnings.join("\n"), /not read: deeper than 4 levels/);

    const tiny = writeZip([pomProperties("g", "t", "1")]);
    const many = writeZip([app, ...Array.from({ length: 20_000 }, (_, i) => ({ name: `lib/t${i}.jar`, data: tiny, method: 0 as const }))]);
    const t0 = performance.now();
    const wide = await parseJar(many, "app-1.0.jar", { maxArchives: 500 });
    assert.ok(performance.now() - t0 < 15_000, `${performance.now() - t0} ms`);
    assert.equal(wide.packages.length, 500);
    assert.match(wide.warnings.join("\n"), /more than 500 nested archives/);
  });

  test("bad coordinates and versions in pom.properties; odd properties syntax", async () => {
    const r = await parseJar(
      writeZip([
        { name: "META-INF/maven/g/a/pom.properties", data: "groupId = g\nartifactId:a\nversion \\\n  1.\\u0032\n" },
        { name: "META-INF/maven/g/b/pom.properties", data: "groupId=g\nartifactId=b\n" },
        { name: "META-INF/maven/g/c/pom.properties", data: "groupId=g g\nartifactId=c\nversion=1\n" },
        { name: "META-INF/maven/g/d/pom.properties", data: "groupId=other\nartifactId=d\nversion=1\n" },
      ]),
      "a-1.2.jar",
    );
    assert.deepEqual(r.packages.map(gav).sort(), ["g:a:1.2", "other:d:1"]);
    assert.equal(r.warnings.length, 3, r.warnings.join("\n"));
  });

  test("not a zip, empty, truncated, bogus entry count: warnings only", async () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from("PK\u0003\u0004garbage"), Buffer.alloc(100_000, 0x50)]) {
      const r = await parseJar(bytes, "x.jar");
      assert.deepEqual(r.packages, []);
      assert.match(r.warnings[0]!, /not a readable zip archive/);
    }
    const r = await parseJar(writeZip([app], { declaredCount: 500 }), "app-1.0.jar");
    noInternalErrors(r);
    assert.match(r.warnings.join("\n"), /central directory is corrupt/);
  });

  test("1500 truncations and mutations of a real-shaped jar: no throw, no hang, no internal error", async () => {
    const nested = writeZip([pomProperties("g", "inner", "1"), { name: "a.class", data: "x".repeat(3000) }]);
    const base = writeZip([app, { name: "META-INF/MANIFEST.MF", data: "Manifest-Version: 1.0\n" }, { name: "lib/inner-1.jar", data: nested }, { name: "B.class", data: deflateRawSync("y") }]);
    const rnd = prng(0x1a4);
    const t0 = performance.now();
    for (let i = 0; i < 1500; i++) {
      let buf: Buffer;
      if (i < 500) buf = base.subarray(0, Math.floor((i / 500) * base.length));
      else {
        buf = Buffer.from(base);
        for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
          const off = rnd() < 0.5 ? buf.length - 1 - Math.floor(rnd() * Math.min(buf.length, 200)) : Math.floor(rnd() * buf.length);
          buf[off] = rnd() < 0.5 ? Math.floor(rnd() * 256) : 0xff;
        }
      }
      const r = await parseJar(buf, `m${i}.jar`);
      noInternalErrors(r);
    }
    assert.ok(performance.now() - t0 < 20_000);
  });
});
