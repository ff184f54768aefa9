/**
 * What a language-package parser returns: packages found in one file (a Go binary, a lockfile,
 * a METADATA file, a jar), in ecosystem terms. Catalogers turn these into SBOM components with
 * PURLs and locations. Parsers are pure: bytes in, result out, never a throw on bad input (a
 * warning instead), never any I/O beyond what they are given.
 */
export type LanguageEcosystem = "golang" | "npm" | "pypi" | "maven";

export interface ParsedPackage {
  ecosystem: LanguageEcosystem;
  /** Unique within one ParseResult (e.g. `node_modules/@a/b`, a Go module path, `group:artifact`). */
  key: string;
  /** npm scope (`@babel`), Maven groupId, Go module path prefix — whatever the PURL namespace is. */
  namespace?: string;
  name: string;
  version: string;
  /** SPDX expressions where the source gives one, else the license text/name as written. */
  licenses?: string[];
  hashes?: { alg: "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512" | "MD5"; content: string }[];
  /** Keys of other packages in the same result that this one depends on. */
  dependsOn?: string[];
  /** Extra PURL qualifiers, e.g. maven `type=jar`. */
  purlQualifiers?: Record<string, string>;
  /** Free-form facts worth keeping, e.g. `go:sum` (h1 hash), `npm:dev=true`, `npm:resolved`. */
  properties?: Record<string, string>;
  /** The main module of a Go binary, the root package of a lockfile, the jar itself. */
  isRoot?: boolean;
}

export interface ParseResult {
  packages: ParsedPackage[];
  /** Problems that did not stop parsing, each naming the file and what was wrong. */
  warnings: string[];
  /** Facts about the file as a whole, e.g. `go:version`, `go:GOEXPERIMENT`, `go:CGO_ENABLED`, `go:-trimpath`. */
  metadata?: Record<string, string>;
}
