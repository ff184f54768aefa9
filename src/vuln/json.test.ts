import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { formatPath, lineColumn, parseJson, Problems, syntaxErrorOffset } from "./json.js";
import { fixture } from "./testing.js";

test("the syntax-error locator agrees with JSON.parse on 5,000 mutated real documents", () => {
  const sources = ["trivy/npm-repo.json", "grype/grype-snapshot-image.json", "osv/GO-2020-0001.go-module.json"].map((f) => readFileSync(fixture(f), "utf8"));
  const alphabet = ['"', ",", ":", "[", "]", "{", "}", "\\", "0", "-", "e", ".", "t", "n", " ", "\n", "u", "x"];
  let seed = 99;
  const rnd = (n: number) => (seed = (seed * 48271) % 0x7fffffff) % n;
  let invalid = 0;
  for (let k = 0; k < 5000; k++) {
    const src = sources[k % sources.length] as string;
    let text = src.slice(0, 400 + rnd(400));
    if (rnd(3) === 0) text = src; // some untouched, some truncated
    const edits = rnd(3);
    for (let e = 0; e < edits; e++) {
      const at = rnd(text.length);
      const ch = alphabet[rnd(alphabet.length)] as string;
      text = rnd(2) ? text.slice(0, at) + ch + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
    }
    let ok = true;
    try {
      JSON.parse(text);
    } catch {
      ok = false;
    }
    const offset = syntaxErrorOffset(text);
    assert.equal(offset === -1, ok, `disagreement on ${JSON.stringify(text.slice(0, 200))}`);
    if (!ok) invalid++;
  }
  assert.ok(invalid > 1000, `the corpus must contain many invalid documents (${invalid})`);
});

test("parse problems carry line and column; a BOM is accepted", () => {
  const p = parseJson('{\n  "a": 1,\n  "b": [1,,2]\n}', "f.json");
  assert.ok("problem" in p);
  if ("problem" in p) assert.deepEqual([p.problem.file, p.problem.line, p.problem.column], ["f.json", 3, 11]);
  const bom = parseJson('\ufeff{"a":1}', "bom.json");
  assert.deepEqual("value" in bom ? bom.value : undefined, { a: 1 });
  assert.deepEqual(lineColumn("ab\ncd", 4), { line: 2, column: 2 });
});

test("paths render like the rest of Mailknight; the collector caps and counts", () => {
  assert.equal(formatPath(["affected", 0, "package", "name"]), "affected[0].package.name");
  assert.equal(formatPath(["CVSS", "nvd v2"]), 'CVSS["nvd v2"]');
  assert.equal(formatPath([]), "(top level)");
  const p = new Problems("f", 2);
  p.add(["a"], "x", { big: "y".repeat(500) });
  p.add(["b"], "y");
  p.add(["c"], "z");
  assert.equal(p.list.length, 2);
  assert.equal(p.count, 3);
  assert.ok((p.list[0]?.value ?? "").length <= 60);
  assert.equal(p.list[1]?.value, undefined);
});
