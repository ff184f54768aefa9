/**
 * Test helpers for the vuln tests: where the shared third-party fixtures are, temp directories,
 * asserting MkError codes, and a builder for synthetic OSV records. Not used by production code.
 */
import assert from "node:assert/strict";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { MkError, type ErrorCode } from "../errors.js";

/** The shared fixtures (`../shared/fixtures` next to the checkout; MK_FIXTURES overrides). */
export const FIXTURES = process.env.MK_FIXTURES ?? resolve(new URL("../../..", import.meta.url).pathname, "shared", "fixtures");

export function fixture(rel: string): string {
  return join(FIXTURES, rel);
}

export async function tempDir(prefix = "mk-vuln-"): Promise<string> {
  return await mkdtemp(join(tmpdir(), prefix));
}

/** Runs `fn`, which must throw an MkError with `code`; returns it for more assertions. */
export async function expectMkError(fn: () => unknown, code: ErrorCode): Promise<MkError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof MkError, `expected MkError ${code}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected MkError ${code}, but nothing was thrown`);
}

export interface RecordSpec {
  id: string;
  modified?: string;
  aliases?: string[];
  withdrawn?: string;
  summary?: string;
  severity?: { type: string; score: string }[];
  databaseSeverity?: string;
  affected: Record<string, unknown>[];
}

/** A minimal valid OSV record. */
export function osv(spec: RecordSpec): Record<string, unknown> {
  const r: Record<string, unknown> = { schema_version: "1.6.0", id: spec.id, modified: spec.modified ?? "2025-01-01T00:00:00Z", affected: spec.affected };
  if (spec.aliases) r.aliases = spec.aliases;
  if (spec.withdrawn) r.withdrawn = spec.withdrawn;
  if (spec.summary) r.summary = spec.summary;
  if (spec.severity) r.severity = spec.severity;
  if (spec.databaseSeverity) r.database_specific = { severity: spec.databaseSeverity };
  return r;
}

/** One affected entry with one range. */
export function affected(ecosystem: string, name: string, events: Record<string, string>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { package: { ecosystem, name }, ranges: [{ type: "ECOSYSTEM", events }], ...extra };
}

/** Writes records as `<dir>/<id>.json`; returns the directory. */
export async function writeRecords(dir: string, records: Record<string, unknown>[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const r of records) await writeFile(join(dir, `${String(r.id)}.json`), JSON.stringify(r, null, 2));
  return dir;
}

/** Writes a CycloneDX 1.6 SBOM of the given PURLs; returns its path. */
export async function writeSbom(path: string, purls: string[], extra: Record<string, unknown>[] = []): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const components = [...purls.map((purl, i) => ({ type: "library", "bom-ref": `ref-${i}`, name: purl, purl })), ...extra];
  await writeFile(path, JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.6", components }));
  return path;
}

export const NOW = new Date("2025-06-01T00:00:00Z");
