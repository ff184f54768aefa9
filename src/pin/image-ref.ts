/** Small predicates on image reference strings as they appear in files. */
import { parseReference } from "../oci/registry/reference.js";

const PINNED_RE = /@sha256:[a-f0-9]{64}$/;

export function isPinnedImage(ref: string): boolean {
  return PINNED_RE.test(ref);
}

/** `$VAR`, `${VAR}`, `{{ .Values.x }}`: resolved at deploy time, so not ours to check. */
export function isTemplated(ref: string): boolean {
  return /\$|\{\{|\}\}/.test(ref);
}

/** A syntactically valid image reference (Docker's grammar), not a templated one. */
export function looksLikeImage(ref: string): boolean {
  if (ref === "" || isTemplated(ref) || /\s/.test(ref)) return false;
  try {
    parseReference(ref);
    return true;
  } catch {
    return false;
  }
}

/** Exact chart versions only: `1.2.3`, `v1.2.3`, `1.2.3-rc.1`; not ranges, wildcards or empty. */
export function isExactChartVersion(v: unknown): boolean {
  return typeof v === "string" && /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(v);
}
