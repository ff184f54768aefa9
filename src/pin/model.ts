/** What pinning finds: image and chart references with where they are and how to rewrite them. */

export type RefKind = "image" | "chart";

/** A byte range of the file text holding a scalar value, and how it was quoted. */
export interface ValueSpan {
  start: number;
  end: number;
  quote: "" | "'" | '"';
}

export interface FoundRef {
  kind: RefKind;
  file: string;
  line: number;
  column: number;
  /** Where in the file: `FROM`, `spec.template.spec.containers[0].image`, `dependencies[1]`, ... */
  context: string;
  /** Image: the reference as written (split Helm values joined); chart: `<name>@<version or range>`. */
  ref: string;
  pinned: boolean;
  /** Why it is not pinned, for the report. */
  reason?: string;
  /** How `fix` rewrites an image: the span of the whole reference string, or a Helm values map. */
  span?: ValueSpan;
  /** Helm values split form: where to put the digest (replace an empty `digest:` or insert a line). */
  helmDigest?: { span?: ValueSpan; insertAfter?: number; indent: string };
}
