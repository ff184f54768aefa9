/**
 * npm parsers on a real tree installed from the registry, with three independent views of it
 * compared: the lockfile (v3, and npm's own v1/v2 rewrites), the installed package.json files,
 * and `npm ls --all --json --long` (the oracle for the tree and its dependency edges).
 */
import assert from "node:assert/strict";
import { lstat, readdir, readFile, realpath } from "node:fs/promises";
import { join, relative } from "node:path";
import { before, describe, test } from "node:test";
import { parseInstalledPackageJson, parsePackageLock, type ParsedPackage, type ParseResult } from "./index.js";
import { sriToHashes } from "./npm/sri.js";
import { hasTool } from "./testing/cache.js";
import { npmFixture, npmLs, type NpmFixture, type NpmLsNode } from "./testing/npm-fixtures.js";

const noNpm = !(await hasTool("npm", ["--version"])) && "npm is not installed";

const fullName = (p: ParsedPackage): string => (p.namespace ? `${p.namespace}/${p.name}` : p.name);

/** Every package.json of an installed package under `dir`, by path relative to the project. */
async function installedPackages(project: string): Promise<Map<string, ParsedPackage>> {
  const out = new Map<string, ParsedPackage>();
  async function visitNodeModules(nm: string): Promise<void> {
    for (const name of await readdir(nm).catch(() => [] as string[])) {
      if (name.startsWith(".")) continue;
      const dirs = name.startsWith("@") ? (await readdir(join(nm, name))).map((n) => join(nm, name, n)) : [join(nm, name)];
      for (const d of dirs) {
        if ((await lstat(d)).isSymbolicLink()) continue; // a workspace link: the folder itself is visited below
        await visitPackage(d);
      }
    }
  }
  async function visitPackage(d: string): Promise<void> {
    const file = join(d, "package.json");
    const r = parseInstalledPackageJson(await readFile(file, "utf8"), file);
    assert.deepEqual(r.warnings, [], file);
    assert.equal(r.packages.length, 1, file);
    out.set(relative(project, d), r.packages[0]!);
    await visitNodeModules(join(d, "node_modules"));
  }
  await visitNodeModules(join(project, "node_modules"));
  for (const ws of await readdir(join(project, "packages"))) await visitPackage(join(project, "packages", ws));
  return out;
}

describe("npm parsers on a real installed tree (oracles: installed package.json files, npm ls)", { skip: noNpm }, () => {
  let fx: NpmFixture;
  let v3: ParseResult;
  let byKey: Map<string, ParsedPackage>;
  before(async () => {
    fx = await npmFixture();
    const lock = join(fx.project, "package-lock.json");
    v3 = parsePackageLock(await readFile(lock, "utf8"), lock);
    byKey = new Map(v3.packages.map((p) => [p.key, p]));
  });

  test("v3 lockfile: no warnings, the features of the fixture are all there", () => {
    assert.deepEqual(v3.warnings, []);
    assert.equal(v3.metadata?.["npm:lockfileVersion"], "3");
    assert.ok(v3.packages.length > 100, `${v3.packages.length} packages`);
    const root = byKey.get(".")!;
    assert.deepEqual([root.isRoot, root.name, root.version], [true, "fixture-app", "1.0.0"]);
    const alias = byKey.get("node_modules/lodash-alias")!;
    assert.deepEqual([alias.name, alias.version, alias.properties?.["npm:alias"]], ["lodash", "4.17.21", "lodash-alias"]);
    const babel = byKey.get("node_modules/@babel/core")!;
    assert.deepEqual([babel.namespace, babel.name, babel.licenses], ["@babel", "core", ["MIT"]]);
    assert.equal(byKey.get("node_modules/semver")!.properties?.["npm:dev"], "true");
    assert.equal(byKey.get("node_modules/is-number")!.properties?.["npm:optional"], "true");
    assert.match(byKey.get("node_modules/express")!.properties?.["npm:resolved"] ?? "", /^https:\/\/registry\.npmjs\.org\/express\/-\/express-4\./);
    const ws = byKey.get("packages/ws-a")!;
    assert.deepEqual([ws.name, ws.version, ws.properties?.["npm:link"]], ["ws-a", "0.1.0", "node_modules/ws-a"]);
    assert.equal(byKey.has("node_modules/ws-a"), false, "a link is an edge, not a package");
    assert.ok(byKey.get("node_modules/@babel/core/node_modules/semver"), "nested node_modules");
  });

  test("integrity → SHA-512 hex that matches the SRI string", () => {
    const express = byKey.get("node_modules/express")!;
    assert.equal(express.hashes?.length, 1);
    assert.equal(express.hashes![0]!.alg, "SHA-512");
    assert.match(express.hashes![0]!.content, /^[0-9a-f]{128}$/);
  });

  test("lockfile packages = installed package.json files, path by path (name, version, license)", async () => {
    const installed = await installedPackages(fx.project);
    const fromLock = new Map(v3.packages.filter((p) => !p.isRoot).map((p) => [p.key, p]));
    assert.deepEqual([...fromLock.keys()].sort(), [...installed.keys()].sort());
    for (const [path, inst] of installed) {
      const l = fromLock.get(path)!;
      assert.deepEqual([fullName(l), l.version], [fullName(inst), inst.version], path);
      if (l.licenses) assert.deepEqual(l.licenses, inst.licenses, `${path} license`);
    }
  });

  test("lockfile tree and dependency edges = npm ls --all", async () => {
    const ls = await npmLs(fx.project);
    const real = await realpath(fx.project);
    const keyOf = async (abs: string): Promise<string> => relative(real, await realpath(abs));
    const nodes = new Map<string, { name: string; version: string }>();
    const edges = new Set<string>();
    // npm prints a package's dependencies at one of its occurrences only ("deduped" elsewhere),
    // so expand each package at the occurrence that lists them.
    const expanded = new Set<string>();
    const visit = async (node: NpmLsNode, from: string): Promise<void> => {
      for (const child of Object.values(node.dependencies ?? {})) {
        if (!child.path) continue; // an unmet optional dependency
        const key = await keyOf(child.path);
        edges.add(`${from} -> ${key}`);
        if (!nodes.has(key)) nodes.set(key, { name: child.name!, version: child.version! });
        if (child.dependencies && !expanded.has(key)) {
          expanded.add(key);
          await visit(child, key);
        }
      }
    };
    await visit(ls, ".");
    const ours = new Set<string>();
    for (const p of v3.packages) for (const d of p.dependsOn ?? []) ours.add(`${p.key} -> ${d}`);
    assert.deepEqual([...nodes.keys()].sort(), v3.packages.filter((p) => !p.isRoot).map((p) => p.key).sort(), "the same installed folders");
    for (const [key, n] of nodes) assert.deepEqual([fullName(byKey.get(key)!), byKey.get(key)!.version], [n.name, n.version], key);
    assert.deepEqual([...ours].sort(), [...edges].sort(), "the same dependency edges");
    assert.ok(edges.size > 150);
  });

  test("v2 lockfile (npm's rewrite) gives exactly the v3 result; v1 the same packages", async () => {
    const v2 = parsePackageLock(await readFile(fx.lockV2, "utf8"), fx.lockV2);
    assert.deepEqual(v2.warnings, []);
    assert.deepEqual(v2.packages, v3.packages);
    const v1 = parsePackageLock(await readFile(fx.lockV1, "utf8"), fx.lockV1);
    assert.deepEqual(v1.warnings, []);
    assert.equal(v1.metadata?.["npm:lockfileVersion"], "1");
    // v1 nests a workspace's dependencies under its link name and records no workspace version.
    const ident = (p: ParsedPackage): string => `${fullName(p)}@${p.name === "ws-a" ? "" : p.version} ${p.properties?.["npm:alias"] ?? ""}`;
    assert.deepEqual(v1.packages.map(ident).sort(), v3.packages.map(ident).sort());
    // v1's `requires` leaves out peer dependencies: its edges are v3's minus declared peers.
    const raw = JSON.parse(await readFile(join(fx.project, "package-lock.json"), "utf8")) as { packages: Record<string, { peerDependencies?: object }> };
    const v1Keys = new Map(v1.packages.map((p) => [p.key, p]));
    let peersLeftOut = 0;
    for (const p of v3.packages) {
      if (p.key.startsWith("packages/") || p.isRoot) continue;
      const q = v1Keys.get(p.key)!;
      assert.ok(q, p.key);
      const peers = Object.keys(raw.packages[p.key]?.peerDependencies ?? {});
      const expected = (p.dependsOn ?? []).filter((d) => !peers.some((n) => d.endsWith(`node_modules/${n}`)));
      peersLeftOut += (p.dependsOn ?? []).length - expected.length;
      assert.deepEqual(q.dependsOn ?? [], expected, `${p.key} edges`);
      assert.deepEqual(q.hashes, p.hashes);
      assert.equal(q.properties?.["npm:dev"], p.properties?.["npm:dev"]);
    }
    assert.ok(peersLeftOut > 0, "the fixture has peer dependencies (@babel/* on @babel/core)");
  });
});

describe("lockfile edge cases", () => {
  const lock = (doc: unknown): ParseResult => parsePackageLock(JSON.stringify(doc), "package-lock.json");

  test("resolution walks up node_modules and prefers the nearest copy; a missing required dependency is a warning", () => {
    const r = lock({
      name: "app",
      lockfileVersion: 3,
      packages: {
        "": { name: "app", dependencies: { a: "1", b: "1" } },
        "node_modules/a": { version: "1.0.0", dependencies: { b: "2", c: "1" } },
        "node_modules/a/node_modules/b": { version: "2.0.0", dependencies: { c: "1", gone: "1" }, peerDependencies: { p: "1" } },
        "node_modules/b": { version: "1.0.0" },
        "node_modules/c": { version: "1.0.0" },
      },
    });
    const deps = Object.fromEntries(r.packages.map((p) => [p.key, p.dependsOn ?? []]));
    assert.deepEqual(deps["."], ["node_modules/a", "node_modules/b"]);
    assert.deepEqual(deps["node_modules/a"], ["node_modules/a/node_modules/b", "node_modules/c"]);
    assert.deepEqual(deps["node_modules/a/node_modules/b"], ["node_modules/c"]);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /^package-lock\.json: node_modules\/a\/node_modules\/b requires gone/);
  });

  test("wrong types, bad names, bad integrity: warnings, the rest is read", () => {
    const r = lock({
      lockfileVersion: 3,
      packages: {
        "": { name: "app" },
        "node_modules/ok": { version: "1.0.0", integrity: "sha512-short sha1-AAAA", license: { type: "mit" } },
        "node_modules/num": { version: 5 },
        "node_modules/arr": [],
        "node_modules/deps": { version: "1.0.0", dependencies: ["x"], optionalDependencies: { "../evil": "1", "": "1" } },
        "node_modules/@s/legacy": { version: "2.0.0", licenses: [{ type: "MIT" }, { type: "Apache 2.0" }] },
      },
    });
    const ok = r.packages.find((p) => p.key === "node_modules/ok")!;
    assert.equal(ok.hashes, undefined);
    assert.deepEqual(ok.licenses, ["MIT"]);
    assert.deepEqual(r.packages.find((p) => p.key === "node_modules/@s/legacy")!.licenses, ["MIT OR Apache-2.0"]);
    assert.equal(r.packages.find((p) => p.key === "node_modules/num")!.version, "");
    assert.equal(r.packages.some((p) => p.key === "node_modules/arr"), false);
    assert.equal(r.warnings.length, 6, r.warnings.join("\n"));
  });

  test("garbage: not JSON, not an object, nesting 100 000 deep, a v1 tree nested past the cap", () => {
    assert.match(parsePackageLock("{", "x").warnings[0]!, /not valid JSON/);
    assert.match(parsePackageLock("[1,2]", "x").warnings[0]!, /top level/);
    assert.match(parsePackageLock("null", "x").warnings[0]!, /top level/);
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const t0 = performance.now();
    const r = parsePackageLock(`{"lockfileVersion":3,"packages":{"": {"x": ${deep}}}}`, "x");
    assert.ok(performance.now() - t0 < 10_000);
    assert.equal(r.packages.length <= 1, true);
    let nested: Record<string, unknown> = { version: "1.0.0" };
    for (let i = 0; i < 500; i++) nested = { version: "1.0.0", dependencies: { a: nested } };
    const v1 = lock({ lockfileVersion: 1, dependencies: { a: nested } });
    assert.equal(v1.packages.length, 1 + 128);
    assert.ok(v1.warnings.some((w) => /nested deeper than 128/.test(w)));
    // A v3 path of 100 000 segments is refused before resolution would walk it.
    const deepPath = "node_modules/a/".repeat(50_000) + "node_modules/b";
    const v3 = parsePackageLock(JSON.stringify({ lockfileVersion: 3, packages: { "": { dependencies: { a: "1" } }, [deepPath]: { version: "1.0.0", dependencies: { a: "1" } } } }), "x");
    assert.ok(v3.warnings.some((w) => /path segments; skipped/.test(w)));
  });

  test("100 001 entries are capped with a warning, in bounded time", () => {
    const parts = ['{"lockfileVersion":3,"packages":{"":{"name":"big"}'];
    for (let i = 0; i < 100_001; i++) parts.push(`,"node_modules/p${i}":{"version":"1.0.0"}`);
    const text = parts.join("") + "}}";
    const t0 = performance.now();
    const r = parsePackageLock(text, "x");
    assert.ok(performance.now() - t0 < 10_000);
    assert.equal(r.packages.length, 100_000);
    assert.ok(r.warnings.some((w) => /more than 100000 entries/.test(w)));
  });

  test("__proto__ and constructor as package names are plain names", () => {
    const r = parsePackageLock(
      '{"name":"app","lockfileVersion":3,"packages":{"":{"dependencies":{"__proto__":"1"}},"node_modules/__proto__":{"version":"1.0.0"},"node_modules/constructor":{"version":"2.0.0"}}}',
      "x",
    );
    assert.deepEqual(r.packages.map((p) => `${p.name}@${p.version}`), ["app@", "__proto__@1.0.0", "constructor@2.0.0"]);
    const unnamed = parsePackageLock('{"lockfileVersion":3,"packages":{"":{}}}', "/src/my-app/package-lock.json");
    assert.equal(unnamed.packages[0]!.name, "my-app", "an unnamed root is named after its folder, as npm does");
    assert.deepEqual(r.packages.find((p) => p.isRoot)!.dependsOn, ["node_modules/__proto__"]);
    assert.deepEqual(r.warnings, []);
  });
});

describe("installed package.json", () => {
  const one = (doc: unknown): ParseResult => parseInstalledPackageJson(JSON.stringify(doc), "node_modules/x/package.json");

  test("licenses: SPDX expression, wrong case, legacy object and array, npm's non-SPDX values", () => {
    const cases: [unknown, string[] | undefined][] = [
      [{ license: "(MIT OR Apache-2.0)" }, ["(MIT OR Apache-2.0)"]],
      [{ license: "mit" }, ["MIT"]],
      [{ license: "apache-2.0 WITH llvm-exception" }, ["Apache-2.0 WITH LLVM-exception"]],
      [{ license: { type: "BSD-3-Clause", url: "https://x" } }, ["BSD-3-Clause"]],
      [{ licenses: [{ type: "MIT" }, { type: "GPL-2.0" }] }, ["MIT OR GPL-2.0"]],
      [{ licenses: [{ type: "MIT" }, { type: "Custom thing" }] }, ["MIT", "Custom thing"]],
      [{ license: "SEE LICENSE IN LICENSE.md" }, ["SEE LICENSE IN LICENSE.md"]],
      [{ license: "UNLICENSED" }, ["UNLICENSED"]],
      [{ license: 42 }, undefined],
      [{}, undefined],
    ];
    for (const [fields, expected] of cases) {
      const r = one({ name: "x", version: "1.0.0", ...(fields as object) });
      assert.deepEqual(r.packages[0]!.licenses, expected, JSON.stringify(fields));
    }
  });

  test("scoped name, old npm's _resolved/_integrity, declared dependency names", () => {
    const sri = "sha512-" + Buffer.alloc(64, 7).toString("base64");
    const r = one({ name: "@scope/pkg", version: "2.1.0", _resolved: "https://r/x.tgz", _integrity: sri, dependencies: { a: "1", "@b/c": "2" } });
    const p = r.packages[0]!;
    assert.deepEqual([p.key, p.namespace, p.name, p.version], ["@scope/pkg", "@scope", "pkg", "2.1.0"]);
    assert.deepEqual(p.hashes, [{ alg: "SHA-512", content: "07".repeat(64) }]);
    assert.deepEqual(p.properties, { "npm:resolved": "https://r/x.tgz", "npm:dependencies": "a,@b/c" });
  });

  test("stubs without name or version yield nothing, silently; wrong types warn; garbage does not throw", () => {
    assert.deepEqual(one({ type: "module" }), { packages: [], warnings: [] });
    assert.equal(one({ name: 5, version: "1" }).warnings.length, 1);
    assert.equal(one({ name: "../../etc", version: "1" }).packages.length, 0);
    assert.equal(one({ name: "x", version: { v: 1 } }).warnings.length, 1);
    for (const text of ["", "\u0000", "[]", "1", '"s"', "{\"name\":", "\ufeff{\"name\":\"bom\",\"version\":\"1.0.0\"}"]) {
      const r = parseInstalledPackageJson(text, "p");
      assert.ok(Array.isArray(r.packages));
    }
    assert.equal(parseInstalledPackageJson("\ufeff{\"name\":\"bom\",\"version\":\"1.0.0\"}", "p").packages[0]?.name, "bom");
  });
});

describe("SRI", () => {
  test("several algorithms, wrong lengths, unknown algorithms, options", () => {
    const s512 = Buffer.alloc(64, 1).toString("base64");
    const s1 = Buffer.alloc(20, 2).toString("base64");
    const r = sriToHashes(`sha512-${s512} sha1-${s1}?opt md4-AAAA sha256-${s1} nonsense`);
    assert.deepEqual(r.hashes, [
      { alg: "SHA-512", content: "01".repeat(64) },
      { alg: "SHA-1", content: "02".repeat(20) },
    ]);
    assert.equal(r.invalid, 3);
  });
});
