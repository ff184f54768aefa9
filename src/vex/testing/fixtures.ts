/** Test helpers: the shared third-party fixtures (../shared/fixtures beside the repository) and statement builders. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { VexProduct, VexStatement } from "../model.js";
import type { Finding, Severity } from "../../vuln/model.js";

export const FIXTURES = fileURLToPath(new URL("../../../../shared/fixtures/", import.meta.url));

export function fixturePath(rel: string): string {
  return `${FIXTURES}${rel}`;
}

export function fixtureJson(rel: string): unknown {
  return JSON.parse(readFileSync(fixturePath(rel), "utf8"));
}

export type ProductInit = (string | VexProduct)[];
export type StmtInit = Omit<Partial<VexStatement>, "products"> & { products?: ProductInit };

/** A statement with sensible defaults; `products` are PURLs or full products. */
export function stmt(over: StmtInit = {}): VexStatement {
  const { products, ...rest } = over;
  return {
    vulnerability: "CVE-2024-0001",
    aliases: [],
    status: "not_affected",
    justification: "vulnerable_code_not_present",
    timestamp: "2024-01-01T00:00:00Z",
    author: "tester",
    ...rest,
    source: rest.source ?? { format: "openvex", file: "test.json", documentId: `urn:test:${rest.vulnerability ?? "CVE-2024-0001"}:${rest.status ?? "not_affected"}`, path: "statements[0]" },
    products: (products ?? ["pkg:deb/debian/openssl"]).map((p) => (typeof p === "string" ? { id: p, purl: p, subcomponents: [] } : p)),
  };
}

export function finding(over: Omit<Partial<Finding>, "package"> & { purl?: string; package?: Partial<Finding["package"]> } = {}): Finding {
  const { purl = "pkg:deb/debian/openssl@3.0.11-1?arch=amd64", package: pkg, ...rest } = over;
  return {
    id: "CVE-2024-0001",
    aliases: [],
    severity: "HIGH" as Severity,
    cvss: [],
    fixedVersions: [],
    source: { kind: "trivy" },
    ...rest,
    package: { purl, ecosystem: "Debian:12", name: "openssl", version: "3.0.11-1", ...pkg },
  };
}
