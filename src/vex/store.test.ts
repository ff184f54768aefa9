/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are handled as untyped JSON so tests can break them on purpose */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { isMkError } from "../errors.js";
import { effectiveStatements, exportVex } from "./export.js";
import { VEX_FORMATS } from "./formats/registry.js";
import { loadVex } from "./read.js";
import { addDecision, listDecisions, projectStatements, type NewDecision } from "./store.js";
import { fixturePath } from "./testing/fixtures.js";

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "mk-vex-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const t0 = new Date("2025-03-01T12:00:00Z");
const base: NewDecision = {
  project: "argocd",
  vulnerability: "CVE-2024-1234",
  status: "not_affected",
  justification: "vulnerable_code_not_in_execute_path",
  note: "the git code path is never reached",
  expires: "2026-01-01",
  author: "Ada <ada@example.com>",
  now: t0,
  toolVersion: "0.1.0",
};

async function usageCode(d: Partial<NewDecision>): Promise<string> {
  try {
    await addDecision(root, { ...base, ...d });
  } catch (e) {
    assert.ok(isMkError(e));
    return e.code;
  }
  return "no error";
}

test("vex add writes one schema-valid OpenVEX document per decision and never overwrites", async () => {
  const a = await addDecision(root, base);
  const b = await addDecision(root, base); // same second: a second file, not an overwrite
  assert.equal(a.file, "vex/argocd/CVE-2024-1234-20250301T120000Z.json");
  assert.equal(b.file, "vex/argocd/CVE-2024-1234-20250301T120000Z-2.json");
  const doc = JSON.parse(await readFile(join(root, a.file), "utf8")) as Record<string, any>;
  assert.deepEqual(VEX_FORMATS.openvex.validate(doc, a.file), []);
  assert.equal(doc.author, "Ada <ada@example.com>");
  assert.equal(doc["@id"], "urn:mailknight:vex:argocd:CVE-2024-1234-20250301T120000Z");
  const st = doc.statements[0];
  assert.equal(st.justification, "vulnerable_code_not_in_execute_path");
  assert.equal(st.impact_statement, "the git code path is never reached");
  assert.deepEqual(st.products, [{ "@id": "pkg:oci/argocd" }]);
  assert.equal(st.status_notes, "mailknight:expires=2026-01-01T00:00:00Z");
  const back = (await loadVex([join(root, a.file)], root)).statements[0]!;
  assert.equal(back.expires, "2026-01-01T00:00:00Z");
  assert.equal(back.source.file, a.file);
});

test("vex add refuses decisions the gate could not rely on", async () => {
  assert.equal(await usageCode({ justification: undefined }), "E_USAGE", "not_affected needs a justification");
  assert.equal(await usageCode({ justification: "because" }), "E_USAGE");
  assert.equal(await usageCode({ status: "fixed" }), "E_USAGE", "justification only with not_affected");
  assert.equal(await usageCode({ status: "affected", justification: undefined, note: undefined }), "E_USAGE", "affected needs an action statement");
  assert.equal(await usageCode({ status: "maybe" }), "E_USAGE");
  assert.equal(await usageCode({ expires: "2025-02-30" }), "E_USAGE", "not a date");
  assert.equal(await usageCode({ expires: "2025-03-01" }), "E_USAGE", "not in the future");
  assert.equal(await usageCode({ project: "../etc" }), "E_USAGE");
  assert.equal(await usageCode({ vulnerability: "../../x" }), "E_USAGE");
  assert.equal(await usageCode({ products: ["not-a-purl"] }), "E_USAGE");
  assert.equal(await usageCode({ author: " " }), "E_USAGE");
  const files = await readdir(join(root, "vex", "argocd"));
  assert.equal(files.length, 2, "nothing was written by the refused ones");
});

test("list shows expiry state; the effective VEX keeps the latest per product and drops expired ones", async () => {
  const later = new Date("2025-04-01T00:00:00Z");
  await addDecision(root, { ...base, vulnerability: "CVE-2024-5555", status: "affected", justification: undefined, note: "upgrade git", now: later, expires: "2025-05-01" });
  await addDecision(root, {
    ...base,
    vulnerability: "CVE-2024-6666",
    now: later,
    products: ["pkg:oci/argocd@sha256:" + "a".repeat(64)],
    subcomponents: ["pkg:golang/github.com/go-git/go-git/v5@5.11.0"],
  });
  const june = new Date("2025-06-01T00:00:00Z");
  const { entries } = await listDecisions(root, "argocd", june);
  assert.deepEqual(entries.map((e) => [e.statement.vulnerability, e.expired]).sort(), [
    ["CVE-2024-1234", false],
    ["CVE-2024-1234", false],
    ["CVE-2024-5555", true],
    ["CVE-2024-6666", false],
  ]);
  const { statements } = await projectStatements(root, "argocd");
  const eff = effectiveStatements(statements, june, { purls: ["pkg:oci/argocd@sha256:" + "a".repeat(64)] });
  assert.deepEqual(eff.map((s) => s.vulnerability).sort(), ["CVE-2024-1234", "CVE-2024-6666"], "one per (vuln, product); the expired one is gone");
  // another image of the same project: the digest-pinned decision is not part of its VEX
  const other = effectiveStatements(statements, june, { purls: ["pkg:oci/argocd@sha256:" + "b".repeat(64)] });
  assert.deepEqual(other.map((s) => s.vulnerability), ["CVE-2024-1234"]);
  for (const id of ["openvex", "cyclonedx", "csaf"] as const) {
    const r = exportVex(eff, { format: id, author: "Ada", documentId: "urn:mailknight:vex:argocd:effective", toolVersion: "0.1.0", subject: "pkg:oci/argocd@sha256:" + "a".repeat(64) });
    assert.equal(r.statements, 2);
    assert.deepEqual(VEX_FORMATS[id].validate(r.document, id), []);
    const back = VEX_FORMATS[id].read(r.document, id).statements;
    assert.deepEqual(back.map((s) => s.vulnerability).sort(), ["CVE-2024-1234", "CVE-2024-6666"]);
  }
  assert.throws(() => exportVex([], { format: "openvex", author: "a", documentId: "urn:x", toolVersion: "0" }), (e: unknown) => isMkError(e) && e.code === "E_NOT_FOUND");
});

test("loadVex reads every file, then reports all problems at once with file and JSON path", async () => {
  const dir = join(root, "mixed");
  await mkdir(dir);
  await writeFile(join(dir, "a-good.json"), await readFile(fixturePath("openvex/vexctl-document1.vex.json")));
  await writeFile(join(dir, "b-bad-status.json"), JSON.stringify({ ...(JSON.parse(await readFile(fixturePath("openvex/vexctl-document2.vex.json"), "utf8")) as object), version: 0 }));
  await writeFile(join(dir, "c-syntax.json"), '{\n  "@context": "https://openvex.dev/ns/v0.2.0",\n  "statements": [],\n}\n');
  await writeFile(join(dir, "d-unknown.json"), JSON.stringify({ hello: "world" }));
  await writeFile(join(dir, "notes.txt"), "not json, not read");
  try {
    await loadVex([dir], root);
    assert.fail("expected rejection");
  } catch (e) {
    assert.ok(isMkError(e) && e.code === "E_CONFIG_INVALID", String(e));
    const where = e.problems.map((p) => `${p.file}|${p.path}|${p.line ?? ""}`);
    assert.ok(where.includes("mixed/b-bad-status.json|version|"), where.join("\n"));
    assert.ok(where.includes("mixed/c-syntax.json||4"), where.join("\n"));
    assert.ok(where.some((w) => w.startsWith("mixed/d-unknown.json|")), where.join("\n"));
    assert.ok(!where.some((w) => w.startsWith("mixed/a-good.json")));
  }
});
