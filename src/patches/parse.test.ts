import assert from "node:assert/strict";
import { test } from "node:test";
import { failedFiles } from "./diagnose.js";
import { parseSeries } from "./list.js";
import { decodeEncodedWords, parsePatch } from "./parse.js";

const MAIL = `From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001
From: Dev <dev@example.org>
Date: Tue, 14 Nov 2023 22:13:20 +0000
Subject: [PATCH 2/3] =?UTF-8?q?Fix=20caf=C3=A9?= handling
 in the parser

Body text.
--- not a file header, just prose
---
 src/a.c | 3 ++-
 2 files changed

diff --git a/src/a.c b/src/a.c
index 1111111..2222222 100644
--- a/src/a.c
+++ b/src/a.c
@@ -1,3 +1,3 @@ int main(void)
 one
--- removed line that looks like a header
+++ added line that looks like a header
 three
@@ -10 +10,2 @@
-x
+y
+z
diff --git "a/dir with space/t\\303\\251st" "b/dir with space/t\\303\\251st"
new file mode 100644
--- /dev/null
+++ "b/dir with space/t\\303\\251st"
@@ -0,0 +1 @@
+new
diff --git a/old.txt b/new.txt
similarity index 100%
rename from old.txt
rename to new.txt
diff --git a/logo.png b/logo.png
Binary files a/logo.png and b/logo.png differ
--
2.39.5
`;

test("parses a format-patch mail: subject, files, hunks (bodies counted, not pattern-matched)", () => {
  const p = parsePatch(MAIL);
  assert.equal(p.format, "mail");
  assert.equal(p.hasDate, true);
  assert.equal(p.subject, "Fix café handling in the parser");
  assert.deepEqual(
    p.files.map((f) => [f.path, f.hunks.map((h) => [h.index, h.oldStart, h.oldLines, h.newStart, h.newLines]), f.binary]),
    [
      ["src/a.c", [[1, 1, 3, 1, 3], [2, 10, 1, 10, 2]], false],
      ["dir with space/tést", [[1, 0, 0, 1, 1]], false],
      ["new.txt", [], false],
      ["logo.png", [], true],
    ],
  );
  assert.equal(p.files[2]?.oldPath, "old.txt");
  assert.equal(p.files[0]?.hunks[0]?.header, "@@ -1,3 +1,3 @@ int main(void)");
});

test("plain unified diffs: diff -u with timestamps, deletions, CRLF", () => {
  const diff = "--- old/a.txt\t2024-01-01 00:00:00.000000000 +0000\r\n+++ new/a.txt\t2024-01-02 00:00:00.000000000 +0000\r\n@@ -1,2 +1,2 @@\r\n-a\r\n+b\r\n c\r\n--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n";
  const p = parsePatch(diff);
  assert.equal(p.format, "diff");
  assert.equal(p.subject, undefined);
  assert.deepEqual(p.files.map((f) => [f.path, f.hunks.length]), [["a.txt", 1], ["gone.txt", 1]]);
  assert.deepEqual(parsePatch("just some text\nwith no diff\n").files, []);
  assert.deepEqual(parsePatch("").files, []);
});

test("encoded words: base64 and adjacent words", () => {
  assert.equal(decodeEncodedWords("=?UTF-8?B?w6k=?= =?UTF-8?q?t=C3=A9?="), "été");
  assert.equal(decodeEncodedWords("plain"), "plain");
});

test("series: comments, -p1, problems collected with line numbers", () => {
  const ok = parseSeries("# head\n0001-a.patch\n\n0002-b.patch -p1 # trailing\n  #0003-off.patch\n", "series");
  assert.deepEqual(ok.entries, [{ name: "0001-a.patch", line: 2 }, { name: "0002-b.patch", line: 4 }]);
  assert.deepEqual(ok.problems, []);
  const bad = parseSeries("a.patch -p0\n../x.patch\n/abs.patch\nb.patch\nb.patch\n", "s");
  assert.deepEqual(bad.problems.map((p) => p.line), [1, 2, 3, 5]);
  assert.deepEqual(bad.entries.map((e) => e.name), ["b.patch"]);
});

test("git apply --reject output maps to files and hunks", () => {
  const parsed = parsePatch(MAIL);
  const output = [
    "Checking patch src/a.c...",
    "error: while searching for:",
    "one",
    "error: patch failed: src/a.c:10",
    'Checking patch "dir with space/t\\303\\251st"...',
    'error: dir with space/tést: already exists in working directory',
    "Applying patch src/a.c with 1 reject...",
    "Hunk #1 applied cleanly.",
    "Rejected hunk #2.",
  ].join("\n");
  const files = failedFiles(output, parsed, []);
  assert.deepEqual(
    files.map((f) => [f.path, f.reason, f.hunks.map((h) => h.index)]),
    [
      ["dir with space/tést", "already exists in working directory", [1]],
      ["src/a.c", undefined, [2]],
    ],
  );
});
