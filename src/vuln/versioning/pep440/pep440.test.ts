import { test } from "node:test";
import assert from "node:assert/strict";
import { assertAscending, assertEquivalent, assertInvalid, assertRelations } from "../testing/assertions.js";
import { pep440 } from "./index.js";

test("PEP 440 'Summary of permitted suffixes and relative ordering' example", () => {
  assertAscending(pep440, [
    "1.dev0",
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0+abc.5",
    "1.0+abc.7",
    "1.0+5",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.15",
    "1.1.dev1",
  ]);
});

test("normalisation: spellings, separators, case, implicit numbers, v prefix, trailing zeros", () => {
  assertEquivalent(pep440, [
    ["1.0a", "1.0a0"],
    ["1.0-alpha1", "1.0a1"],
    ["1.0.ALPHA.1", "1.0a1"],
    ["1.0c1", "1.0rc1"],
    ["1.0pre1", "1.0rc1"],
    ["1.0preview1", "1.0rc1"],
    ["1.0-1", "1.0.post1"],
    ["1.0.rev1", "1.0.post1"],
    ["1.0r", "1.0.post0"],
    ["1.0-dev", "1.0.dev0"],
    ["v1.0", "1.0"],
    ["1.0.0", "1"],
    ["01.002", "1.2"],
    ["0!1.0", "1.0"],
    ["1.0+ubuntu-1", "1.0+ubuntu.1"],
    ["1.0+Ubuntu_1", "1.0+ubuntu.1"],
    [" 1.0\n", "1.0"],
  ]);
});

test("epochs, local versions and numbers beyond 2^53", () => {
  assertRelations(pep440, [
    "1!1.0 > 2.0",
    "1.0+local > 1.0",
    "1.0+abc < 1.0+1",
    "1.0+1.abc > 1.0+1",
    // Where @renovatebot/pep440's compare is wrong (it answers 0 and 1): packaging says < and >.
    "1.9007199254740993 > 1.9007199254740992",
    "1.0+1e5 < 1.0+99",
  ]);
});

test("isPrerelease follows packaging: pre-releases and dev releases", () => {
  assert.equal(pep440.isPrerelease!("1.0rc1"), true);
  assert.equal(pep440.isPrerelease!("1.0.dev1"), true);
  assert.equal(pep440.isPrerelease!("1.0.post1"), false);
  assert.equal(pep440.isPrerelease!("1.0+local"), false);
});

test("invalid versions are refused with E_USAGE", () => {
  assertInvalid(pep440, ["", "french toast", "1.0+", "1.0+-1", "1.0.", ".1", "1..0", "1.0a1b1", "1.0 .post1", "1.0\u00a0", "１.0", {}, 3], "1.0");
});
