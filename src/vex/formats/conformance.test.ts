/**
 * The VEX format family's shared conformance tests: the registry matches the folders, and every
 * member detects its own documents and no one else's, writes documents that pass its official
 * schema, reads them back to the same decisions, writes deterministically, and rejects garbage
 * with E_CONFIG_INVALID (never a crash).
 */
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isMkError } from "../../errors.js";
import { VEX_FORMAT_IDS, type VexStatement } from "../model.js";
import { stmt } from "../testing/fixtures.js";
import { VEX_FORMATS, detectFormat } from "./registry.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const IMG = "pkg:oci/app@sha256:" + "1".repeat(64);

test("the registry lists exactly the format folders, each exporting its id", async () => {
  const folders = readdirSync(here).filter((n) => statSync(join(here, n)).isDirectory()).sort();
  assert.deepEqual(Object.keys(VEX_FORMATS).sort(), folders);
  assert.deepEqual([...VEX_FORMAT_IDS].sort(), folders);
  for (const folder of folders) {
    const mod = (await import(`./${folder}/index.js`)) as { id: string; format: { id: string } };
    assert.equal(mod.id, folder);
    assert.equal(mod.format.id, folder);
    assert.equal(VEX_FORMATS[folder as keyof typeof VEX_FORMATS], mod.format);
  }
});

function sample(): VexStatement[] {
  return [
    stmt({
      vulnerability: "CVE-2024-1111",
      aliases: ["GHSA-1111-2222-3333"],
      justification: "vulnerable_code_not_in_execute_path",
      impactStatement: "the parser is never called",
      expires: "2027-01-01T00:00:00Z",
      products: [{ id: IMG, purl: IMG, subcomponents: [{ id: "s", purl: "pkg:deb/debian/libxml2@2.9.14-1" }] }],
      timestamp: "2024-05-01T10:00:00Z",
    }),
    stmt({ vulnerability: "CVE-2024-2222", status: "fixed", justification: undefined, products: [IMG], timestamp: "2024-05-02T10:00:00Z" }),
    stmt({ vulnerability: "CVE-2024-3333", status: "affected", justification: undefined, actionStatement: "upgrade openssl to 3.0.13", products: [IMG], timestamp: "2024-05-03T10:00:00Z" }),
    stmt({ vulnerability: "CVE-2024-4444", status: "under_investigation", justification: undefined, products: [IMG], timestamp: "2024-05-04T10:00:00Z" }),
  ];
}

/** What every format must carry through a round trip. */
function essence(list: readonly VexStatement[]): string[] {
  return list
    .map((s) =>
      [
        [s.vulnerability, ...s.aliases].map((x) => x.toUpperCase()).sort().join("|"),
        s.status,
        s.justification ?? "-",
        s.products.map((p) => `${p.purl}[${p.subcomponents.map((c) => c.purl).join(",")}]`).join(","),
      ].join(" "),
    )
    .sort();
}

for (const format of Object.values(VEX_FORMATS)) {
  test(`${format.id}: writes schema-valid documents that read back to the same decisions`, () => {
    const { document, warnings } = format.write(sample(), { author: "Sec <sec@example.com>", documentId: "urn:mailknight:test:1", toolVersion: "0.0.0", subject: IMG });
    assert.deepEqual(warnings, []);
    assert.deepEqual(format.validate(document, "out.json"), [], JSON.stringify(document, null, 2));
    const back = format.read(document, "out.json");
    assert.equal(back.format, format.id);
    assert.deepEqual(essence(back.statements), essence(sample()));
    if (format.id !== "csaf") {
      // CSAF has no place for an expiry; the other two carry it.
      assert.equal(back.statements.find((s) => s.vulnerability === "CVE-2024-1111")!.expires, "2027-01-01T00:00:00Z");
    }
  });

  test(`${format.id}: detection is unambiguous and writing is deterministic`, () => {
    const opts = { author: "Sec", documentId: "urn:x", toolVersion: "0.0.0", subject: IMG };
    const a = JSON.stringify(format.write(sample(), opts).document);
    const b = JSON.stringify(format.write([...sample()].reverse(), opts).document);
    assert.equal(a, b, "input order must not change the output");
    const doc = JSON.parse(a) as unknown;
    assert.equal(detectFormat(doc), format);
    for (const other of Object.values(VEX_FORMATS)) if (other !== format) assert.ok(!other.detect(doc), `${other.id} claims a ${format.id} document`);
  });

  test(`${format.id}: garbage is E_CONFIG_INVALID, not a crash`, () => {
    for (const garbage of [null, [], "x", 42, {}, { statements: "no" }, { vulnerabilities: 3, bomFormat: "CycloneDX" }, { document: { csaf_version: "2.0" }, vulnerabilities: [{}] }]) {
      try {
        format.read(garbage, "g.json");
        // Some shapes are legitimately empty documents of this format; they must then yield nothing.
        assert.deepEqual(format.read(garbage, "g.json").statements, []);
      } catch (e) {
        assert.ok(isMkError(e), `${format.id} threw ${String(e)} for ${JSON.stringify(garbage)}`);
        assert.equal(e.code, "E_CONFIG_INVALID");
        assert.ok(e.problems.length > 0 && e.problems.every((p) => p.file === "g.json"));
      }
    }
  });
}
