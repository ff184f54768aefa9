import { test } from "node:test";
import assert from "node:assert/strict";
import { assertAscending, assertInvalid, assertRelations } from "../testing/assertions.js";
import { apk } from "./index.js";

// No apk binary exists for Debian, so APK ordering is tested against published examples only.
// These lines are a selection from apk-tools' own test vectors (test/version.data in
// alpinelinux/apk-tools, as of the version.c rewrite this scheme follows), chosen to cover each rule.
const APK_TOOLS_VECTORS = [
  // plain numbers and revisions
  "2.34 > 0.1.0_alpha",
  "1.0.4-r3 < 1.0.4-r4",
  "1.2.1 > 1.2",
  "1.2.2-r1 > 1.2.2",
  "2.8.9-r1 > 2.8.9",
  "22.7-r1 < 22.7.3-r1",
  "22.7.3-r1 > 22.7",
  "1.3.5-r10 > 1.3.5-r8",
  "104-r11 > 104-r9",
  "1.3-r0 < 1.3.1-r0",
  "20060720 > 3.0.20060720",
  "2.6.15.20060110 < 2.6.16.20060323",
  "2.1.9.200602141850 > 1.6",
  "7.0.17 < 7.0.174",
  // leading zeros
  "1.06-r6 < 006",
  "006 > 1.0.0",
  "1.02 < 1.03-r1",
  "02.08.01b < 4.77",
  "1.2.07.8 < 1.2.12.04",
  "1.2.12.04 < 1.2.12.05",
  "013 < 014-r1",
  "087-r1 < 103",
  "0.01 < 0.06",
  "2.01.01_alpha10 > 0.94",
  "1.00_beta2 > 0.9.2",
  "4.09-r1 > 1.3.1",
  // letters
  "2.3.0b-r1 < 2.3.0b-r2",
  "2.5.1-r8 < 2.5.1a-r1",
  "0.9.8c-r1 < 0.9.8d",
  "1.7 < 1.7b",
  "1.6d > 1.2.07.8",
  "1.1a < 1.3a",
  "2.12r-r4 < 2.12r-r5",
  "0.59s-r11 < 0.65",
  "0.15.1b-r2 > 0.15.1b",
  // suffixes: _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p
  "1.1 > 1.1_alpha1",
  "0.1.0_alpha2 > 0.1.0_alpha",
  "1.3_alpha2 < 1.3_alpha3",
  "0.8_beta1 < 0.8_beta2",
  "0.12 < 0.13_beta1",
  "0.10.0 < 0.10.1_rc1",
  "2.0.0_rc3-r1 > 1.5",
  "0.1.0_alpha_pre2 < 0.1.0_alpha",
  "3.1_p16 < 3.1_p17",
  "1.0_p10-r0 > 1.0_p9-r0",
  "1.8.5 < 1.8.5_p2",
  "4.5_p1-r1 > 4.5_p1",
  "1.6.8_p12-r1 > 1.6.8_p9-r2",
  "3.9_pre20060124 > 0.01",
  "0.1_pre20060810 < 0.1_pre20060817",
  "2.9.11_pre20051101-r3 > 2.9.11_pre20051101",
  "0.20070118 < 0.20070207_rc1",
  "1.3_pre1-r1 < 1.3.2",
  // the four vectors apk-tools 2.x fails (it orders 6.0_pre1 above 6.0)
  "6.0_pre1 < 6.0",
  "6.1_pre1 < 6.1",
  "6.0_p1 > 6.0",
  "6.1_p1 > 6.1",
  // numbers past a C int (apk-tools 2.x overflowed here)
  "1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0",
  // equal
  "0.2.0-r1 = 0.2.0-r1",
  "1.0.0 = 1.0.0",
];

test("apk-tools test vectors", () => {
  assertRelations(apk, APK_TOOLS_VECTORS);
});

test("suffix order from the Alpine package format docs", () => {
  assertAscending(apk, ["1.0_alpha", "1.0_alpha1", "1.0_beta", "1.0_pre1", "1.0_rc1", "1.0", "1.0-r1", "1.0_cvs", "1.0_svn", "1.0_git20240101", "1.0_hg", "1.0_p1", "1.0_p2-r3", "1.0.1"]);
  // Wolfi/Chainguard versions are the same format: a -rN "epoch" per rebuild.
  assertAscending(apk, ["3.0.13-r0", "3.0.13-r1", "3.0.14-r0", "3.1.0_alpha1-r0", "3.1.0-r0"]);
});

test("leading zeros compare as strings, other numbers numerically at any length; ~hash sorts after the release", () => {
  assertRelations(apk, [
    "1.02 < 1.1",
    "1.01 < 1.1",
    "1.0 < 1.00",
    "1.001 < 1.01",
    "1.10 > 1.9",
    "1.18446744073709551616 > 1.18446744073709551615",
    "1.0~abc123 > 1.0",
    "1.0~abc123 < 1.0~abc124",
    "1.0_git20240101~abcdef-r0 < 1.0_git20240101~abcdf0-r0",
  ]);
});

test("isPrerelease: the four pre-release suffixes", () => {
  assert.equal(apk.isPrerelease!("1.0_rc1-r0"), true);
  assert.equal(apk.isPrerelease!("1.0_p1-r0"), false);
});

test("invalid versions are refused with E_USAGE (the two invalid apk-tools vectors among them)", () => {
  assertInvalid(apk, ["23_foo", "1.0bc", "", "a", "_alpha", "1.0-", "1.0-1", "1.0_beta-r", "1.0-r1x", "1.0.-r1", "v1.0", "1.0 ", "1.0_Alpha", "1.0A", "1a1", "1.0a.1", "1.0_rc.1", "1.0~", "1.0~xyz", "1.0-r1-r2", "1.0_alphabeta", null], "1.0");
});
