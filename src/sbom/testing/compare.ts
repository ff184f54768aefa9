/**
 * Comparing our package set with a peer's (trivy's CycloneDX output): both reduced to
 * `type/namespace/name@version` from their PURLs, with the epoch put back into the version
 * (trivy keeps it in a qualifier) and Go's `v` prefix dropped (trivy strips it, Go and we keep it).
 */
import { parsePurl } from "../purl.js";

export function purlKey(purl: string): string | undefined {
  const p = parsePurl(purl);
  if (!p) return undefined;
  let version = p.version ?? "";
  const epoch = p.qualifiers?.epoch;
  if (epoch && epoch !== "0") version = `${epoch}:${version}`;
  if (p.type === "golang") version = version.replace(/^v/, "");
  const ns = p.namespace ? `${p.namespace}/` : "";
  return `${p.type}/${ns}${p.name}@${version}`;
}

export function keysOfCycloneDx(doc: { components?: { purl?: string }[] }): Set<string> {
  const out = new Set<string>();
  for (const c of doc.components ?? []) {
    const k = c.purl ? purlKey(c.purl) : undefined;
    if (k) out.add(k);
  }
  return out;
}

export interface Comparison {
  ours: number;
  theirs: number;
  common: number;
  onlyOurs: string[];
  onlyTheirs: string[];
  /** |common| / |theirs| and |common| / |ours|. */
  recall: number;
  precision: number;
}

export function compareSets(ours: Set<string>, theirs: Set<string>): Comparison {
  const onlyOurs = [...ours].filter((k) => !theirs.has(k)).sort();
  const onlyTheirs = [...theirs].filter((k) => !ours.has(k)).sort();
  const common = ours.size - onlyOurs.length;
  return {
    ours: ours.size,
    theirs: theirs.size,
    common,
    onlyOurs,
    onlyTheirs,
    recall: theirs.size ? common / theirs.size : 1,
    precision: ours.size ? common / ours.size : 1,
  };
}
