/**
 * Maven coordinates implied by a jar's file name, `artifactId-version.jar`, the last resort
 * when the jar carries no metadata. The version is the part from the first `-` followed by a
 * digit (`commons-lang3-3.12.0.jar` → `commons-lang3` + `3.12.0`, `guice-4.2.3-no_aop.jar` →
 * `guice` + `4.2.3-no_aop`).
 */
export function coordinatesFromFileName(path: string): { artifactId: string; version?: string } | undefined {
  const base = path.slice(path.lastIndexOf("/") + 1).replace(/\.(jar|war|ear|par|sar|jpi|hpi|lpkg)$/i, "");
  if (base === "" || base.length > 256) return undefined;
  const m = /^(.+?)-(\d[^/]*)$/.exec(base);
  return m ? { artifactId: m[1]!, version: m[2]! } : { artifactId: base };
}
