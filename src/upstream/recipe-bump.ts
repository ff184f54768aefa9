/**
 * Adds the new upstream release to a recipe as a `sources` entry, through the YAML document model
 * (as workspace/project-edit.ts does) so comments and layout survive. The entry goes right above
 * the version it was carried from: the newest release of a line becomes the one before it, and
 * when that was the recipe's default (first) source, the new release becomes the default.
 */
import { isMap, isSeq, parseDocument, type YAMLMap } from "yaml";
import { MkError } from "../errors.js";
import { parseYamlWithSchema } from "../workspace/load.js";
import { projectSchema } from "../workspace/schema.js";

export interface NewSource {
  version: string;
  tag: string;
  commit: string;
  url?: string;
}

/** Returns the new recipe text; unchanged text when the version is already there. */
export function addSourceToRecipe(text: string, file: string, src: NewSource, carriedFrom: string): string {
  const doc = parseDocument(text);
  const sources = doc.get("sources", true);
  if (!isSeq(sources)) throw new MkError("E_CONFIG_INVALID", `${file}: sources is not a list`);
  const items = sources.items as unknown[];
  const versionOf = (n: unknown) => (isMap(n) ? String((n as YAMLMap).get("version")) : undefined);
  if (items.some((n) => versionOf(n) === src.version)) return text;
  const at = items.findIndex((n) => versionOf(n) === carriedFrom);
  if (at < 0) throw new MkError("E_NOT_FOUND", `${file}: no source with version ${carriedFrom} to carry from`);
  const git: Record<string, string> = { tag: src.tag, commit: src.commit, ...(src.url ? { url: src.url } : {}) };
  const node = doc.createNode({ version: src.version, git });
  items.splice(at, 0, node);
  const out = doc.toString();
  // Never write a recipe that `validate` would reject.
  parseYamlWithSchema(out, file, projectSchema);
  return out;
}
