/** Small helpers every VEX format reader and writer uses. */
import type { Problem } from "../../errors.js";
import { throwProblems, type PathSegment, Problems } from "../../vuln/json.js";
import type { VexComponent, VexStatement } from "../model.js";
import { normalizePurl } from "../purl.js";

export { Problems, type PathSegment };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A non-empty trimmed string, or undefined. */
export function text(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** Other ids of a vulnerability: unique, sorted, without the primary id. */
export function aliasList(primary: string, ids: Iterable<string | undefined>): string[] {
  const set = new Set<string>();
  for (const id of ids) if (id && id.trim() && id.trim().toUpperCase() !== primary.toUpperCase()) set.add(id.trim());
  return [...set].sort();
}

/**
 * A component from an identifier that may be a PURL. Text that starts with `pkg:` but does not
 * parse is a problem (a typo there would silently make the statement match nothing).
 */
export function componentFromId(id: string, problems: Problems, path: readonly PathSegment[], extra: Partial<VexComponent> = {}): VexComponent {
  if (id.startsWith("pkg:")) {
    const purl = normalizePurl(id);
    if (!purl) problems.add(path, "is not a valid package URL (see https://github.com/package-url/purl-spec)", id);
    return { id, ...(purl ? { purl } : {}), ...extra };
  }
  return { id, ...extra };
}

/** Latest RFC 3339 timestamp among statements (the deterministic document time), if any. */
export function latestTimestamp(statements: readonly VexStatement[]): string | undefined {
  let best: string | undefined;
  let bestMs = -Infinity;
  for (const s of statements) {
    const ms = s.timestamp ? Date.parse(s.timestamp) : NaN;
    if (!Number.isNaN(ms) && ms > bestMs) {
      bestMs = ms;
      best = s.timestamp;
    }
  }
  return best;
}

export const EPOCH = "1970-01-01T00:00:00Z";

export function failOnProblems(what: string, problems: Problems | Problem[], hint?: string): void {
  const list = Array.isArray(problems) ? problems : problems.list;
  const dropped = Array.isArray(problems) ? 0 : problems.dropped;
  if (list.length + dropped > 0) throwProblems(what, list, dropped, hint);
}

/** Sort key for deterministic output. */
export function statementSortKey(s: VexStatement): string {
  const products = s.products.map((p) => `${p.purl ?? p.id}[${p.subcomponents.map((c) => c.purl ?? c.id).join(",")}]`).join(";");
  return `${s.vulnerability}\0${products}\0${s.timestamp ?? ""}\0${s.status}`;
}

export function byKey<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}
