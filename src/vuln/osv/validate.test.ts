/* eslint-disable @typescript-eslint/no-explicit-any -- these tests reach into third-party JSON fixtures and mutate them field by field */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Problems } from "../json.js";
import { fixture } from "../testing.js";
import { validateOsvRecord } from "./validate.js";

// ajv ships CommonJS; the 2020-12 dialect is what the official OSV schema declares.
const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js").default;
const addFormats = require("ajv-formats") as typeof import("ajv-formats").default;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const officialSchema = ajv.compile(JSON.parse(readFileSync(fixture("osv/schema/osv-schema.json"), "utf8")));

const RECORD_FILES = readdirSync(fixture("osv")).filter((f) => f.endsWith(".json")).sort();

function load(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(fixture(`osv/${name}`), "utf8")) as Record<string, unknown>;
}

test("every real OSV record in the fixtures is valid, here and for the official schema", () => {
  assert.ok(RECORD_FILES.length >= 12);
  for (const f of RECORD_FILES) {
    const doc = load(f);
    assert.ok(officialSchema(doc), `${f}: official schema says ${JSON.stringify(officialSchema.errors)}`);
    const p = new Problems(f);
    const r = validateOsvRecord(doc, p);
    assert.deepEqual(p.list, [], f);
    assert.ok(r, f);
    assert.equal(r.id, doc.id);
  }
});

test("validated records keep what matching needs, in one shape", () => {
  const r = validateOsvRecord(load("GO-2024-2963.go-stdlib.json"), new Problems("x"));
  assert.ok(r);
  assert.deepEqual(r.affected[0]?.ranges[0], {
    type: "SEMVER",
    events: [
      ["introduced", "0"],
      ["fixed", "1.21.12"],
      ["introduced", "1.22.0-0"],
      ["fixed", "1.22.5"],
    ],
  });
  assert.deepEqual(r.aliases, ["CVE-2024-24791"]);
  const ghsa = validateOsvRecord(load("GHSA-6c3j-c64m-qhgq.npm-jquery.json"), new Problems("x"));
  assert.equal(ghsa?.databaseSeverity, "MODERATE");
  assert.equal(ghsa?.severity[0]?.type, "CVSS_V3");
  const withdrawn = validateOsvRecord(load("GHSA-35c4-f3rq-f9g3.rubygems-withdrawn.json"), new Problems("x"));
  assert.equal(withdrawn?.withdrawn, "2020-06-16T20:54:03Z");
});

/** Mutations of a real record; each must be rejected by us AND by the official schema, at the path given. */
const BASE = "GHSA-6c3j-c64m-qhgq.npm-jquery.json";
const MUTATIONS: [string, (r: Record<string, any>) => void, string][] = [
  ["id missing", (r) => delete r.id, "id"],
  ["modified missing", (r) => delete r.modified, "modified"],
  ["modified not a timestamp", (r) => (r.modified = "yesterday"), "modified"],
  ["aliases not an array", (r) => (r.aliases = "CVE-2019-11358"), "aliases"],
  ["alias not a string", (r) => (r.aliases = [42]), "aliases[0]"],
  ["affected not an array", (r) => (r.affected = {}), "affected"],
  ["package without ecosystem", (r) => delete r.affected[0].package.ecosystem, "affected[0].package.ecosystem"],
  ["package name a number", (r) => (r.affected[0].package.name = 1), "affected[0].package.name"],
  ["unknown range type", (r) => (r.affected[0].ranges[0].type = "RANGE"), "affected[0].ranges[0].type"],
  ["no events", (r) => (r.affected[0].ranges[0].events = []), "affected[0].ranges[0].events"],
  ["no introduced event", (r) => (r.affected[0].ranges[0].events = [{ fixed: "3.4.0" }]), "affected[0].ranges[0].events"],
  ["event with two kinds", (r) => (r.affected[0].ranges[0].events[1] = { fixed: "3.4.0", last_affected: "3.3.9" }), "affected[0].ranges[0].events[1]"],
  ["event version a number", (r) => (r.affected[0].ranges[0].events[1] = { fixed: 3.4 }), "affected[0].ranges[0].events[1].fixed"],
  ["fixed and last_affected together", (r) => r.affected[0].ranges[0].events.push({ last_affected: "3.5.0" }), "affected[0].ranges[0].events"],
  ["GIT range without repo", (r) => (r.affected[0].ranges[0] = { type: "GIT", events: [{ introduced: "0" }] }), "affected[0].ranges[0].repo"],
  ["GIT event not a commit", (r) => (r.affected[0].ranges[0] = { type: "GIT", repo: "https://x", events: [{ introduced: "0" }, { fixed: "v1.2" }] }), "affected[0].ranges[0].events[1].fixed"],
  ["versions not strings", (r) => (r.affected[0].versions = [1, 2]), "affected[0].versions[0]"],
  ["severity type unknown", (r) => (r.severity[0].type = "CVSS_V9"), "severity[0].type"],
  ["CVSS_V3 with a v2 vector", (r) => (r.severity[0].score = "AV:N/AC:L/Au:N/C:P/I:P/A:P"), "severity[0].score"],
  ["reference without url", (r) => delete r.references[0].url, "references[0].url"],
  ["database_specific not an object", (r) => (r.database_specific = "x"), "database_specific"],
  ["withdrawn not a timestamp", (r) => (r.withdrawn = "soon"), "withdrawn"],
];

test("malformed records are rejected with the JSON path of the problem; the official schema agrees", () => {
  for (const [what, mutate, path] of MUTATIONS) {
    const doc = structuredClone(load(BASE)) as Record<string, any>;
    mutate(doc);
    assert.equal(officialSchema(doc), false, `${what}: the official schema accepts it, so we must not reject it`);
    const p = new Problems("bad.json");
    assert.equal(validateOsvRecord(doc, p), undefined, what);
    assert.ok(p.list.some((x) => x.path === path && x.file === "bad.json"), `${what}: expected a problem at ${path}, got ${JSON.stringify(p.list)}`);
  }
});

test("all problems of a record are collected, not just the first", () => {
  const doc = structuredClone(load(BASE)) as Record<string, any>;
  delete doc.modified;
  doc.aliases = [1];
  doc.affected[0].ranges[0].type = "NOPE";
  const p = new Problems("bad.json");
  validateOsvRecord(doc, p);
  assert.deepEqual(p.list.map((x) => x.path).sort(), ["affected[0].ranges[0].type", "aliases[0]", "modified"]);
});

test("garbage never throws: it becomes problems", () => {
  const deep: unknown[] = [];
  let cur = deep;
  for (let i = 0; i < 10_000; i++) {
    const next: unknown[] = [];
    cur.push(next);
    cur = next;
  }
  for (const g of [null, 42, "x", [], deep, { id: {} }, { affected: [null, 1, "x"] }, { __proto__: { id: "x" } }, Object.create(null)]) {
    const p = new Problems("garbage.json");
    assert.equal(validateOsvRecord(g, p), undefined);
    assert.ok(p.list.length > 0);
  }
});

test("unknown fields and unknown ecosystems are accepted (new OSV versions, new databases)", () => {
  const doc = structuredClone(load(BASE)) as Record<string, any>;
  doc.x_future_field = { anything: true };
  doc.affected[0].package.ecosystem = "NewEcosystem:1";
  const p = new Problems("x");
  const r = validateOsvRecord(doc, p);
  assert.deepEqual(p.list, []);
  assert.equal(r?.affected[0]?.package?.ecosystem, "NewEcosystem:1");
});
