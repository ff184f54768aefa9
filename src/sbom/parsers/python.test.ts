/**
 * Python core metadata against the real distributions Debian installs in
 * /usr/lib/python3/dist-packages (oracle: importlib.metadata of Debian's python3), RECORD files
 * against the installed files' real sha256 digests, and hostile text.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { normalisePythonName, parseDistInfoMetadata, parseRecord, type ParsedPackage, type ParseResult } from "./index.js";
import { sh } from "./testing/cache.js";

const SITE = "/usr/lib/python3/dist-packages";
const PYTHON = "/usr/bin/python3";
const noPython =
  !(await stat(join(SITE, "yaml")).catch(() => undefined)) && `${SITE} has no python3-yaml (apt-get install python3-yaml python3-requests)`;

interface OracleDist {
  name: string;
  version: string;
  path: string;
  requiresDist: string[];
  license: string | null;
}

const ORACLE = `
import importlib.metadata as m, json
print(json.dumps([{"name": d.metadata["Name"], "version": d.version, "path": str(d._path),
  "requiresDist": d.metadata.get_all("Requires-Dist") or [], "license": d.metadata.get("License")}
  for d in m.distributions(path=[${JSON.stringify(SITE)}])]))
`;

describe("core metadata of Debian's Python distributions (oracle: importlib.metadata)", { skip: noPython }, () => {
  let oracle: OracleDist[];
  const ours = new Map<string, ParseResult>();
  before(async () => {
    oracle = JSON.parse(await sh(PYTHON, ["-c", ORACLE])) as OracleDist[];
    for (const d of oracle) {
      const file = (await stat(d.path)).isDirectory() ? join(d.path, d.path.endsWith(".dist-info") ? "METADATA" : "PKG-INFO") : d.path;
      ours.set(d.path, parseDistInfoMetadata(await readFile(file, "utf8"), file));
    }
  });

  test("every distribution: same name and version, Requires-Dist names, no warnings", () => {
    // python3-yaml ships a dist-info, python3-requests an egg-info (and pulls in a few more).
    assert.ok(oracle.length >= 5, `${oracle.length} distributions`);
    assert.ok(oracle.some((d) => d.path.endsWith(".dist-info")) && oracle.some((d) => d.path.endsWith(".egg-info")));
    for (const d of oracle) {
      const r = ours.get(d.path)!;
      assert.deepEqual(r.warnings, [], d.path);
      assert.equal(r.packages.length, 1, d.path);
      const p = r.packages[0]!;
      assert.deepEqual([p.properties?.["python:name"], p.name, p.key, p.version], [d.name, normalisePythonName(d.name), normalisePythonName(d.name), d.version], d.path);
      const names = [...new Set(d.requiresDist.map((req) => normalisePythonName(/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(req)![1]!.replace(/[._-]+$/, ""))))];
      assert.deepEqual(p.dependsOn ?? [], names, `${d.path} Requires-Dist`);
    }
  });

  test("known packages: names normalised, licenses as SPDX, markers kept", () => {
    // Debian ships cryptography twice (a dist-info and a stale egg-info): prefer the dist-info.
    const byName = new Map<string, ParsedPackage>();
    for (const [path, r] of ours) {
      const p = r.packages[0]!;
      if (!byName.has(p.key) || path.endsWith(".dist-info")) byName.set(p.key, p);
    }
    const yaml = byName.get("pyyaml")!;
    assert.deepEqual([yaml.properties?.["python:name"], yaml.licenses], ["PyYAML", ["MIT"]]);
    assert.deepEqual(byName.get("requests")!.licenses, ["Apache-2.0"], "License: Apache 2.0");
    assert.ok(byName.get("charset-normalizer"), "underscores normalised to dashes");
    // Present on machines with python3-cryptography (this one's dev image has it; CI may not).
    const cryptography = byName.get("cryptography");
    if (cryptography) {
      assert.deepEqual(cryptography.licenses, ["BSD-3-Clause OR Apache-2.0"]);
      assert.ok(cryptography.dependsOn?.includes("sphinx-rtd-theme"));
      assert.equal(cryptography.properties?.["python:marker:pytest"], "extra == 'test'");
    }
  });
});

describe("RECORD against the installed files", { skip: noPython }, () => {
  test("every dist-info RECORD reads as importlib.metadata reads it; Python files hash to the recorded sha256", async () => {
    const oracle = JSON.parse(
      await sh(PYTHON, [
        "-c",
        `import importlib.metadata as m, json
print(json.dumps({str(d._path): [[str(f), f.hash and f"{f.hash.mode}={f.hash.value}", f.size] for f in d.files]
  for d in m.distributions(path=[${JSON.stringify(SITE)}]) if str(d._path).endswith(".dist-info")}))`,
      ]),
    ) as Record<string, [string, string | null, number | null][]>;
    assert.ok(Object.keys(oracle).length >= 5);
    let checked = 0;
    for (const [dist, files] of Object.entries(oracle)) {
      const r = parseRecord(await readFile(join(dist, "RECORD"), "utf8"), join(dist, "RECORD"));
      assert.deepEqual(r.warnings, [], dist);
      // importlib hands the recorded text through, in whichever encoding the installer used.
      const recorded = (hex: string, as: string | null): string => (as && /^sha256=[0-9a-f]{64}$/.test(as) ? `sha256=${hex}` : `sha256=${Buffer.from(hex, "hex").toString("base64url")}`);
      const ours = r.files.map((f, i) => [f.path, f.hash ? recorded(f.hash.content, files[i]?.[1] ?? null) : null, f.size ?? null]);
      assert.deepEqual(ours, files, dist);
      // Debian strips shared objects after the wheel is built, so only source files keep the recorded digest.
      for (const f of r.files.filter((x) => x.hash && x.path.endsWith(".py"))) {
        const data = await readFile(join(dirname(dist), f.path));
        assert.equal(createHash("sha256").update(data).digest("hex"), f.hash!.content, f.path);
        assert.equal(data.length, f.size, f.path);
        checked++;
      }
    }
    assert.ok(checked >= 50, `${checked} files checked`);
  });

  test("quoted paths, bad rows, bad hashes", () => {
    const good = Buffer.alloc(32, 9).toString("base64url");
    const r = parseRecord(
      [`"dir/with,comma.py",sha256=${good},12`, `"a ""quoted"" name",,`, "onlyone", `x.py,sha256=short,1`, `y.py,md5=${good},1`, `z.py,,-1`, `"open,,`].join("\n"),
    );
    assert.deepEqual(r.files[0], { path: "dir/with,comma.py", hash: { alg: "SHA-256", content: "09".repeat(32) }, size: 12 });
    assert.deepEqual(r.files[1], { path: 'a "quoted" name' });
    assert.equal(r.warnings.length, 5, r.warnings.join("\n"));
  });
});

describe("core metadata edge cases", () => {
  const meta = (text: string): ParseResult => parseDistInfoMetadata(text, "METADATA");

  test("License-Expression (PEP 639) wins; classifiers map where unambiguous; pasted license texts are not names", () => {
    assert.deepEqual(meta("Name: a\nVersion: 1\nLicense-Expression: mit OR apache-2.0\nLicense: whatever\n").packages[0]!.licenses, ["MIT OR Apache-2.0"]);
    assert.deepEqual(
      meta("Name: a\nVersion: 1\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)\n").packages[0]!.licenses,
      ["MIT", "GPL-2.0-or-later"],
    );
    assert.deepEqual(meta("Name: a\nVersion: 1\nClassifier: License :: OSI Approved :: BSD License\n").packages[0]!.licenses, ["BSD License"]);
    assert.deepEqual(meta("Name: a\nVersion: 1\nLicense: UNKNOWN\n").packages[0]!.licenses, undefined);
    const pasted = "Copyright (c) 2020 Someone\n        \n        Permission is hereby granted, free of charge, to any person obtaining a copy";
    assert.deepEqual(meta(`Name: a\nVersion: 1\nLicense: ${pasted}\nClassifier: License :: OSI Approved :: MIT License\n`).packages[0]!.licenses, ["MIT"]);
  });

  test("headers are case-insensitive, continuation lines fold, the body is ignored, CRLF and BOM accepted", () => {
    const r = meta("\ufeffmetadata-version: 2.1\r\nNAME: Foo.Bar_baz\r\nversion: 2.0\r\nRequires-Dist: Dep_One (>=1) ; python_version < \"3.8\"\r\nRequires-Dist: dep-one[x]>=2; extra == 'x'\r\n\r\nName: not-a-header\r\n");
    const p = r.packages[0]!;
    assert.deepEqual([p.key, p.version, p.properties?.["python:name"], p.dependsOn], ["foo-bar-baz", "2.0", "Foo.Bar_baz", ["dep-one"]]);
    assert.equal(p.properties?.["python:marker:dep-one"], `python_version < "3.8" || extra == 'x'`);
    assert.deepEqual(r.warnings, []);
  });

  test("garbage: no name, bad name, no version, binary noise, 20 000 headers, a 10 MB header", () => {
    assert.equal(meta("").packages.length, 0);
    assert.match(meta("Version: 1\n").warnings[0]!, /no "Name"/);
    assert.match(meta("Name: ../../etc\nVersion: 1\n").warnings[0]!, /not a valid distribution name/);
    assert.match(meta("Name: a\n").warnings[0]!, /no "Version"/);
    const noise = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)).toString("latin1");
    assert.equal(meta(noise).packages.length, 0);
    const many = "Name: a\nVersion: 1\n" + "Classifier: x\n".repeat(20_000);
    const r = meta(many);
    assert.equal(r.packages.length, 1);
    assert.ok(r.warnings.some((w) => /more than 10000 headers/.test(w)));
    const t0 = performance.now();
    const big = meta("Name: a\nVersion: 1\nLicense: " + "x".repeat(10_000_000) + "\n" + " y\n".repeat(100_000));
    assert.ok(performance.now() - t0 < 10_000);
    assert.equal(big.packages[0]!.licenses, undefined, "a 10 MB License field is not a license name");
  });
});
