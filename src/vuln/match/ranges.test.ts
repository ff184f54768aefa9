import { test } from "node:test";
import assert from "node:assert/strict";
import type { EventKind, OsvRange } from "../osv/types.js";
import { SEMVER_ORDER } from "../versions.js";
import { evaluateRange } from "./ranges.js";

function range(...events: [EventKind, string][]): OsvRange {
  return { type: "SEMVER", events };
}

function affected(v: string, r: OsvRange): boolean {
  const verdict = evaluateRange(v, r, SEMVER_ORDER);
  assert.ok(verdict.ok, verdict.ok ? "" : verdict.reason);
  return verdict.affected;
}

function check(r: OsvRange, yes: string[], no: string[]): void {
  for (const v of yes) assert.equal(affected(v, r), true, `${v} should be affected by ${JSON.stringify(r.events)}`);
  for (const v of no) assert.equal(affected(v, r), false, `${v} should not be affected by ${JSON.stringify(r.events)}`);
}

test('introduced "0" covers everything below the fix, pre-releases included', () => {
  check(range(["introduced", "0"], ["fixed", "1.0.0"]), ["0.0.0", "0.0.0-alpha", "0.9.9", "1.0.0-rc.1"], ["1.0.0", "1.0.1", "2.0.0"]);
});

test("last_affected includes its own version and nothing above", () => {
  check(range(["introduced", "1.0.0"], ["last_affected", "1.2.0"]), ["1.0.0", "1.1.9", "1.2.0"], ["0.9.0", "1.2.1", "1.3.0-alpha"]);
});

test("introduced alone: affected from there on", () => {
  check(range(["introduced", "2.0.0"]), ["2.0.0", "99.0.0"], ["1.9.9"]);
});

test("several introduced/fixed pairs, events given out of order, are sorted before evaluation", () => {
  const r = range(["fixed", "2.0.0"], ["introduced", "3.0.0"], ["introduced", "1.0.0"], ["fixed", "4.0.0"]);
  check(r, ["1.0.0", "1.5.0", "3.0.0", "3.9.9"], ["0.5.0", "2.0.0", "2.5.0", "4.0.0", "5.0.0"]);
});

test("limit: nothing at or above the limit is affected, whatever the other events say", () => {
  check(range(["introduced", "0"], ["limit", "2.0.0"]), ["0.1.0", "1.9.9"], ["2.0.0", "3.0.0"]);
  check(range(["introduced", "0"], ["fixed", "1.5.0"], ["limit", "2.0.0"]), ["1.0.0"], ["1.5.0", "1.9.0", "2.5.0"]);
  check(range(["introduced", "0"], ["limit", "*"]), ["100.0.0"], []);
  // v < ANY limit suffices (two release branches).
  check(range(["introduced", "0"], ["limit", "1.0.0"], ["limit", "3.0.0"]), ["2.0.0"], ["3.0.0"]);
});

test("an empty range (introduced X, fixed X) affects nothing; (introduced X, last_affected X) affects exactly X", () => {
  check(range(["introduced", "1.0.0"], ["fixed", "1.0.0"]), [], ["0.9.0", "1.0.0", "1.0.1"]);
  check(range(["introduced", "1.0.0"], ["last_affected", "1.0.0"]), ["1.0.0"], ["0.9.0", "1.0.1"]);
});

test("fixed versions above the installed one are reported, for the nearest-fix rule", () => {
  const r = range(["introduced", "0"], ["fixed", "1.21.12"], ["introduced", "1.22.0-0"], ["fixed", "1.22.5"]);
  const v = evaluateRange("1.21.5", r, SEMVER_ORDER);
  assert.ok(v.ok);
  assert.equal(v.affected, true);
  assert.deepEqual(v.fixedAbove, ["1.21.12", "1.22.5"]);
  const pre = evaluateRange("1.22.0-rc.1", r, SEMVER_ORDER);
  assert.ok(pre.ok && pre.affected, "1.22.0-rc.1 ≥ 1.22.0-0");
  const between = evaluateRange("1.21.13", r, SEMVER_ORDER);
  assert.ok(between.ok && !between.affected);
  assert.deepEqual(between.ok ? between.fixedAbove : [], ["1.22.5"]);
});

test("versions the ordering cannot parse make the range undecidable, with the reason", () => {
  const r = range(["introduced", "0"], ["fixed", "1.0.0"]);
  const bad = evaluateRange("v1", r, SEMVER_ORDER);
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.reason, /installed version "v1" is not a valid semver version/);
  const badEvent = evaluateRange("1.0.0", range(["introduced", "0"], ["fixed", "one"]), SEMVER_ORDER);
  assert.equal(badEvent.ok, false);
  if (!badEvent.ok) assert.match(badEvent.reason, /fixed "one"/);
});
