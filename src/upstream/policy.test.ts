import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MkError } from "../errors.js";
import { upstreamSchema } from "../workspace/schema.js";
import { evaluatePolicy, onLine } from "./policy.js";
import type { Release } from "./sources/types.js";

const NOW = Date.parse("2026-03-10T00:00:00Z");
const up = (o: Record<string, unknown>) => upstreamSchema.parse({ github: "a/b", ...o });
const rel = (tag: string, daysAgo = 30, extra: Partial<Release> = {}): Release => ({ tag, publishedAt: new Date(NOW - daysAgo * 86_400_000).toISOString(), ...extra });

describe("tracking policy", () => {
  const releases = [rel("v2.10.9"), rel("v2.11.0"), rel("v2.11.1"), rel("v2.11.2", 1), rel("v2.12.0"), rel("v2.12.1"), rel("v2.13.0-rc.1"), rel("v2.12.2", 10, { prerelease: true }), rel("v2.11.3", 20), rel("docs-1"), rel("v3.0.0", 5, { draft: true })];

  test("two LTS lines side by side, each with its newest eligible release", () => {
    const r = evaluatePolicy(up({ track: ["2.11.x", "2.12.x"], tagPattern: "^v(.+)$" }), releases, ["v2.11.1", "v2.12.1"], NOW);
    assert.deepEqual(r.lines.map((l) => [l.line, l.latest?.tag, l.ours, l.newer.map((c) => c.tag)]), [
      ["2.11.x", "v2.11.3", "2.11.1", ["v2.11.3", "v2.11.2"]],
      ["2.12.x", "v2.12.1", "2.12.1", []],
    ]);
    const reasons = Object.fromEntries(r.rejected.map((x) => [x.tag, x.reason]));
    assert.equal(reasons["v2.13.0-rc.1"], "pre-release");
    assert.equal(reasons["v2.12.2"], "pre-release", "the forge's flag counts even when the version looks final");
    assert.equal(reasons["v3.0.0"], "draft release");
    assert.match(reasons["docs-1"]!, /tagPattern/);
  });

  test("minimum age and ignore list", () => {
    const r = evaluatePolicy(up({ track: ["2.11.x"], tagPattern: "^v(.+)$", minAge: "3d", ignore: ["v2.11.3"] }), releases, ["2.11.1"], NOW);
    assert.deepEqual(r.lines[0]!.newer, []);
    const reasons = Object.fromEntries(r.rejected.map((x) => [x.tag, x.reason]));
    assert.match(reasons["v2.11.2"]!, /younger than minAge 3d/);
    assert.equal(reasons["v2.11.3"], "on the ignore list");
  });

  test("minAge without a publication date is not eligible (fails closed)", () => {
    const r = evaluatePolicy(up({ minAge: "1h" }), [{ tag: "v1.0.0" }], [], NOW);
    assert.equal(r.lines[0]!.latest, undefined);
    assert.match(r.rejected[0]!.reason, /no publication date/);
  });

  test("pre-releases when asked; prefix stripping; no track = everything", () => {
    const r = evaluatePolicy(up({ tagPattern: "^release-", stripPrefix: "release-", prereleases: true }), [rel("release-1.2.0"), rel("release-1.3.0-beta.1"), rel("v9.9.9")], ["release-1.2.0"], NOW);
    assert.equal(r.lines[0]!.line, "*");
    assert.equal(r.lines[0]!.latest?.version, "1.3.0-beta.1");
    assert.equal(r.lines[0]!.ours, "1.2.0");
    assert.equal(r.lines[0]!.newer.length, 1);
  });

  test("version scheme decides the order (pep440: 1.10 > 1.9, rc < final)", () => {
    const r = evaluatePolicy(up({ scheme: "pep440", tagPattern: "^v(.+)$", prereleases: true }), [rel("v1.9"), rel("v1.10rc1"), rel("v1.10")], ["1.9"], NOW);
    assert.deepEqual(r.lines[0]!.newer.map((c) => c.tag), ["v1.10", "v1.10rc1"]);
  });

  test("a line we do not carry yet: every eligible release is newer", () => {
    const r = evaluatePolicy(up({ track: ["2.12.x"], tagPattern: "^v(.+)$" }), releases, ["v2.11.1"], NOW);
    assert.equal(r.lines[0]!.ours, undefined);
    assert.equal(r.lines[0]!.newer.length, 2);
  });

  test("onLine", () => {
    assert.ok(onLine("2.11.x", "2.11.7"));
    assert.ok(!onLine("2.11.x", "2.1.1"));
    assert.ok(!onLine("2.1.x", "2.11.1"));
    assert.ok(onLine("2", "2.0.1"));
    assert.ok(onLine("*", "9"));
  });

  test("a broken tagPattern is E_CONFIG_INVALID", () => {
    assert.throws(() => evaluatePolicy(up({ tagPattern: "(" }), [], [], NOW), (e: unknown) => e instanceof MkError && e.code === "E_CONFIG_INVALID");
  });
});
