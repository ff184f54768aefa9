/**
 * The finding model shared by the OSV matcher, the scanner-report importers (Trivy, Grype), VEX
 * application and the gate. One finding = one vulnerability (aliases merged) in one package at
 * one version.
 */
export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE", "UNKNOWN"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface CvssScore {
  version: "2.0" | "3.0" | "3.1" | "4.0";
  vector: string;
  /** Base score computed from the vector (ae-cvss-calculator), not trusted from the source. */
  score: number;
  /** Who published the vector: nvd, ghsa, redhat, the OSV record's database... */
  source?: string;
}

export interface AffectedPackage {
  /** Package URL as found in the SBOM / report. */
  purl?: string;
  /** OSV ecosystem name: npm, PyPI, Go, Maven, crates.io, Debian:12, Alpine:v3.19, Red Hat, Rocky Linux, AlmaLinux, Wolfi, Chainguard. */
  ecosystem: string;
  name: string;
  version: string;
  /** bom-ref of the SBOM component, when the finding came from an SBOM. */
  bomRef?: string;
  /** Where in the image the package was found (file paths, layer digest). */
  locations?: string[];
}

export interface Finding {
  /** Primary id: the CVE when one of the ids is a CVE, else the record's own id. */
  id: string;
  /** Every other id of the same vulnerability (GHSA-, GO-, DSA-, DLA-, RHSA-, PYSEC-, ...), sorted. */
  aliases: string[];
  package: AffectedPackage;
  severity: Severity;
  cvss: CvssScore[];
  /** Fixed versions, nearest above the installed version first; empty when no fix exists. */
  fixedVersions: string[];
  summary?: string;
  references?: string[];
  published?: string;
  modified?: string;
  /** Where the finding came from. */
  source: { kind: "osv" | "trivy" | "grype"; name?: string; file?: string };
}
