/**
 * parseGoBinary against Go's own reader: real binaries built here with Debian's Go (oracle:
 * `go version -m`) and hand-built images in the formats and byte orders that toolchain cannot
 * produce (oracle: the same command, which accepts them as Go binaries).
 */
import assert from "node:assert/strict";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { peekElf } from "../../inspect/index.js";
import { parseGoBinary, type ParsedPackage, type ParseResult } from "./index.js";
import { parseModInfo } from "./go/modinfo.js";
import { unquote } from "./go/quote.js";
import { Warnings } from "./common/warnings.js";
import { hasTool, sh } from "./testing/cache.js";
import { goFixtures, goVersionM, type GoFixtures, type GoVersionM } from "./testing/go-fixtures.js";
import { syntheticGoElf, type SyntheticGoOptions } from "./testing/go-synthetic.js";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";

const noGo = !(await hasTool("go", ["version"])) && "Debian's golang-go is not installed (scripts/install-deps.sh installs it)";

function pathOf(p: ParsedPackage): string {
  return p.namespace ? `${p.namespace}/${p.name}` : p.name;
}

/** Every fact `go version -m` states must be in our result, and we must state nothing else. */
function assertMatchesOracle(file: string, r: ParseResult | undefined, o: GoVersionM): void {
  assert.ok(r, `${file}: go version -m reads it as a Go binary, we returned undefined`);
  assert.deepEqual(r.warnings, [], `${file}: no warnings expected`);
  const meta = r.metadata ?? {};
  assert.equal(meta["go:version"], o.goVersion, `${file}: go version`);
  assert.equal(meta["go:path"], o.path, `${file}: main package path`);
  const settings = Object.fromEntries(Object.entries(meta).filter(([k]) => !["go:version", "go:path", "go:buildinfo-format"].includes(k)));
  assert.deepEqual(settings, Object.fromEntries(Object.entries(o.settings).map(([k, v]) => [`go:${k}`, v])), `${file}: build settings`);

  const byKey = new Map(r.packages.map((p) => [p.key, p]));
  assert.equal(byKey.size, r.packages.length, `${file}: keys are unique`);
  assert.equal(r.packages.length, o.deps.length + (o.main ? 1 : 0), `${file}: package count`);
  if (o.main) {
    const main = byKey.get(o.main.path);
    assert.ok(main?.isRoot, `${file}: main module ${o.main.path} is the root`);
    assert.equal(main.version, o.main.version);
    assert.deepEqual([...(main.dependsOn ?? [])].sort(), o.deps.map((d) => d.path).sort(), `${file}: the main module depends on every linked module`);
  }
  for (const d of o.deps) {
    const p = byKey.get(d.path);
    assert.ok(p, `${file}: dependency ${d.path} missing`);
    const eff = d.replace ?? d;
    assert.equal(p.ecosystem, "golang");
    assert.equal(pathOf(p), eff.path, `${file}: ${d.path} path`);
    assert.equal(p.version, eff.version, `${file}: ${d.path} version`);
    assert.equal(p.properties?.["go:sum"], eff.sum || undefined, `${file}: ${d.path} sum`);
    assert.equal(p.properties?.["go:replaces"], d.replace ? `${d.path}@${d.version}` : undefined, `${file}: ${d.path} replacement record`);
    assert.ok(!p.isRoot);
  }
}

describe("parseGoBinary on real Go 1.19 binaries (oracle: go version -m)", { skip: noGo }, () => {
  let fx: GoFixtures;
  const parsed = new Map<string, ParseResult | undefined>();
  before(async () => {
    fx = await goFixtures();
    for (const [name, file] of Object.entries(fx.bin)) parsed.set(name, parseGoBinary(await readFile(file), file));
  });

  test("every fixture binary agrees with go version -m", async () => {
    for (const [name, file] of Object.entries(fx.bin)) {
      const oracle = await goVersionM(file);
      assert.ok(oracle, `go version -m cannot read ${name}`);
      assertMatchesOracle(name, parsed.get(name), oracle);
    }
  });

  test("standard library only, CGO_ENABLED=0: just the main module, (devel) kept", () => {
    const r = parsed.get("hello-nocgo")!;
    assert.deepEqual(
      r.packages.map((p) => [p.key, p.namespace, p.name, p.version, p.isRoot]),
      [["example.com/hello", "example.com", "hello", "(devel)", true]],
    );
    assert.equal(r.metadata?.["go:CGO_ENABLED"], "0");
    assert.match(r.metadata?.["go:version"] ?? "", /^go1\.19\./);
    assert.equal(r.metadata?.["go:buildinfo-format"], "inline");
  });

  test("-trimpath and cgo; a dependency replaced by a directory keeps the replacement's path and the original as a property", () => {
    const r = parsed.get("local-trimpath-cgo")!;
    assert.equal(r.metadata?.["go:-trimpath"], "true");
    assert.equal(r.metadata?.["go:CGO_ENABLED"], "1");
    const dep = r.packages.find((p) => p.key === "example.com/dep")!;
    assert.deepEqual([dep.name, dep.namespace, dep.version], ["../dep", undefined, "(devel)"]);
    assert.deepEqual(dep.properties, { "go:replaces": "example.com/dep@v1.2.3", "go:replacement-directory": "true" });
  });

  test("dependencies from a module proxy carry h1 sums; a module replacement takes the new path and version; quoted -ldflags and vcs settings", () => {
    const r = parsed.get("deps-ldflags-vcs")!;
    const lib = r.packages.find((p) => p.key === "example.com/lib")!;
    assert.equal(lib.version, "v1.0.0");
    assert.match(lib.properties?.["go:sum"] ?? "", /^h1:[A-Za-z0-9+/]{43}=$/);
    const old = r.packages.find((p) => p.key === "example.com/old")!;
    assert.deepEqual([old.namespace, old.name, old.version, old.properties?.["go:replaces"]], ["example.com", "newlib", "v1.1.0", "example.com/old@v0.9.0"]);
    assert.equal(r.metadata?.["go:-ldflags"], '-X "main.v=a b" -s');
    assert.equal(r.metadata?.["go:vcs"], "git");
    assert.match(r.metadata?.["go:vcs.revision"] ?? "", /^[0-9a-f]{40}$/);
    assert.equal(r.metadata?.["go:vcs.time"], "2024-01-02T03:04:05Z");
    assert.equal(r.metadata?.["go:vcs.modified"], "false");
  });

  test("GOEXPERIMENT=boringcrypto is a build setting and part of the Go version", () => {
    const r = parsed.get("deps-boringcrypto")!;
    assert.equal(r.metadata?.["go:GOEXPERIMENT"], "boringcrypto");
    assert.match(r.metadata?.["go:version"] ?? "", / X:boringcrypto$/);
  });

  test("PIE, stripped, section headers removed, big-endian 32- and 64-bit: same modules", async () => {
    assert.equal(peekElf(await readFile(fx.bin["deps-pie"]))?.type, "DYN");
    const reference = parsed.get("deps-stripped")!.packages;
    for (const name of ["deps-pie", "deps-no-section-headers"]) assert.deepEqual(parsed.get(name)!.packages, reference, name);
    assert.equal((await sh("readelf", ["-S", fx.bin["deps-no-section-headers"]])).includes(".go.buildinfo"), false, "the fallback path was exercised");
    assert.deepEqual(peekElf(await readFile(fx.bin["hello-mips"])), { class: "ELF32", endianness: "big", type: "EXEC" });
    assert.deepEqual(peekElf(await readFile(fx.bin["hello-s390x"])), { class: "ELF64", endianness: "big", type: "EXEC" });
    for (const name of ["hello-mips", "hello-s390x"]) {
      assert.deepEqual(parsed.get(name)!.packages, parsed.get("hello-nocgo")!.packages, name);
    }
    assert.equal(parsed.get("hello-mips")!.metadata?.["go:GOARCH"], "mips");
  });

  test("a Debian Go binary built in GOPATH mode: Go version and settings, no modules, a warning saying why", async () => {
    const vet = join((await sh("go", ["env", "GOTOOLDIR"])).trim(), "vet");
    const r = parseGoBinary(await readFile(vet), vet)!;
    const o = (await goVersionM(vet))!;
    assert.equal(o.main, undefined);
    assert.equal(r.packages.length, 0);
    assert.equal(r.metadata?.["go:version"], o.goVersion);
    assert.equal(r.metadata?.["go:path"], "cmd/vet");
    assert.match(r.warnings.join("\n"), /without module information/);
  });

  test("not Go binaries: a C program, empty input, random bytes, a Go source file → undefined", async () => {
    assert.equal(parseGoBinary(await readFile("/bin/ls"), "/bin/ls"), undefined);
    assert.equal(parseGoBinary(new Uint8Array(0), "empty"), undefined);
    assert.equal(parseGoBinary(Buffer.from("\xff Go buildinf:\x08\x02 not an ELF file", "latin1"), "text"), undefined);
    assert.equal(parseGoBinary(Buffer.alloc(4096, 0x41), "AAAA"), undefined);
  });
});

describe("parseGoBinary on hand-built images: pointer (Go < 1.18) and inline formats, 32/64-bit, both byte orders (oracle: go version -m)", { skip: noGo }, () => {
  const modinfo =
    "path\texample.com/old/cmd/tool\n" +
    "mod\texample.com/old\tv1.4.2\th1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" +
    "dep\tgolang.org/x/text\tv0.3.7\th1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=\n" +
    "dep\tgithub.com/pkg/errors\tv0.9.1\n" +
    "=>\tgithub.com/fork/errors\tv0.9.2\th1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=\n" +
    "build\t-compiler=gc\n" +
    'build\t"we=ird"="va\\tlue"\n';
  const cases: SyntheticGoOptions[] = [];
  for (const is64 of [false, true])
    for (const bigEndian of [false, true])
      for (const format of ["pointer", "inline"] as const)
        for (const withSections of [true, false]) cases.push({ is64, bigEndian, format, withSections, goVersion: format === "pointer" ? "go1.16.15" : "go1.21.0", modinfo });

  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mk-go-synth-"));
  });

  for (const c of cases) {
    const name = `${c.is64 ? 64 : 32}-bit ${c.bigEndian ? "big" : "little"}-endian, ${c.format} format, ${c.withSections ? "with" : "without"} section headers`;
    test(name, async () => {
      const img = syntheticGoElf(c);
      const file = join(dir, name.replace(/[^a-z0-9]+/gi, "-"));
      await writeFile(file, img);
      await chmod(file, 0o755);
      const oracle = await goVersionM(file);
      assert.ok(oracle, `go version -m does not read ${name}: the fixture is wrong`);
      const r = parseGoBinary(img, file);
      assertMatchesOracle(name, r, oracle);
      assert.equal(r!.metadata?.["go:buildinfo-format"], c.format);
      assert.equal(r!.metadata?.["go:we=ird"], "va\tlue");
      assert.equal(r!.packages.find((p) => p.isRoot)?.properties?.["go:sum"], "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    });
  }
});

describe("module info text", () => {
  test("bad lines are skipped with a warning; the good ones are kept (Go would drop everything)", () => {
    const w = new Warnings("x");
    const info = parseModInfo(
      [
        "path\tp",
        "mod\tm\tv1.0.0\t",
        "dep\tonly-path",
        "=>\tr\tv2\th1:x", // follows a bad line: nothing to replace
        "dep\ta\tv1\th1:a",
        "=>\tb\tv2", // two columns: invalid
        "build\tnoequals",
        "build\t=v",
        'build\tK="unterminated',
        "build\tGOOS=linux",
        "weird line",
        "dep\tz\tv3",
        "",
      ].join("\n"),
      w,
    );
    assert.deepEqual(info.main, { path: "m", version: "v1.0.0", sum: "" });
    assert.deepEqual(info.deps, [
      { path: "a", version: "v1", sum: "h1:a" },
      { path: "z", version: "v3", sum: "" },
    ]);
    assert.deepEqual(info.settings, [["GOOS", "linux"]]);
    assert.equal(w.count, 7, w.toArray().join("\n"));
  });

  test("a final line without a newline is not part of the info, as in Go", () => {
    const info = parseModInfo("mod\tm\tv1\t\ndep\ta\tv1", new Warnings("x"));
    assert.deepEqual(info.deps, []);
  });

  test("Go unquoting: escapes, raw strings, invalid input", () => {
    assert.equal(unquote('"a\\tb\\"c\\\\\\x41\\101\\u00e9\\U0001F600"'), 'a\tb"c\\AAé😀');
    assert.equal(unquote("`raw \\n`"), "raw \\n");
    for (const bad of ['"', '"a', '"\\q"', '"\\x4"', "`a", '"a"b"', '"\\777"']) assert.equal(unquote(bad), undefined, bad);
  });

  test("many dependencies are capped, warnings too", () => {
    const w = new Warnings("x");
    const lines = Array.from({ length: 100_010 }, (_, i) => `dep\tm${i}\tv1\t`).join("\n") + "\n";
    const info = parseModInfo(lines + "junk\n".repeat(500), w);
    assert.equal(info.deps.length, 100_000);
    const all = w.toArray();
    assert.equal(all.length, 101);
    assert.match(all.at(-1)!, /more warnings not shown/);
  });
});
