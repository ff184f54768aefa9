/**
 * `pin fix`: resolves every unpinned image tag to its manifest digest through the registry
 * client and rewrites the reference in place as `repo:tag@sha256:…`, touching only the bytes of
 * the reference (quotes, comments and layout stay as they were). Helm values maps get a
 * `digest:` value instead. Files are rewritten atomically. Chart versions are reported, not fixed.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve as resolvePath } from "node:path";
import { MkError } from "../errors.js";
import { OciLayout } from "../oci/layout.js";
import { RegistryClient, type RegistryClientOptions } from "../oci/registry/client.js";
import { parseReference } from "../oci/registry/reference.js";
import { RegistryRepository } from "../oci/registry/repository.js";
import { writeFileAtomic } from "../util/fs.js";
import type { FoundRef } from "./model.js";
import { listFiles, scanText } from "./scan.js";

/** Returns the manifest digest a reference's tag points at now. */
export type DigestResolver = (ref: string, file: string) => Promise<string>;

interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface FixResult {
  files: string[];
  pinned: { file: string; line: number; from: string; to: string }[];
  skipped: { file: string; line: number; ref: string; reason: string }[];
}

/** Resolves through registries (credentials as usual) and, for recipe `oci:` bases, the layout. */
export function registryResolver(opts: { insecure?: string[]; client?: Partial<RegistryClientOptions> } = {}): DigestResolver {
  const clients = new Map<string, RegistryClient>();
  return async (ref, file) => {
    if (ref.startsWith("oci:")) {
      const m = /^oci:([^:@]+):([^@]+)$/.exec(ref);
      if (!m) throw new MkError("E_USAGE", `${file}: "${ref}" is not oci:<dir>:<tag>`);
      // Recipe layout paths are relative to the workspace root (projects/<p>/project.yaml).
      const layout = await OciLayout.open(resolvePath(dirname(file), "../..", m[1] as string));
      const d = await layout.resolve(m[2] as string);
      if (!d) throw new MkError("E_NOT_FOUND", `${file}: ${ref} is not tagged in its layout`, { hint: "build the base first" });
      return d.digest;
    }
    const r = parseReference(ref);
    let client = clients.get(r.registry);
    if (!client) clients.set(r.registry, (client = new RegistryClient({ ...opts.client, registry: r.registry, insecure: opts.insecure?.includes(r.registry) })));
    const d = await new RegistryRepository(client, r.repository).headManifest(r.tag ?? "latest");
    if (!d) throw new MkError("E_NOT_FOUND", `${file}: ${ref} does not exist in ${r.registry}`, { hint: "check the image name and tag" });
    return d.digest;
  };
}

function withTag(ref: string): string {
  if (ref.startsWith("oci:")) return ref;
  const r = parseReference(ref);
  return r.tag === undefined ? `${ref}:latest` : ref;
}

async function editsFor(ref: FoundRef, resolver: DigestResolver, file: string, result: FixResult): Promise<Edit | undefined> {
  if (ref.kind !== "image" || ref.pinned) return undefined;
  if (ref.span) {
    const tagged = withTag(ref.ref.replace(/@.*$/, ""));
    const digest = await resolver(tagged, file);
    const to = `${tagged}@${digest}`;
    result.pinned.push({ file, line: ref.line, from: ref.ref, to });
    return { start: ref.span.start, end: ref.span.end, text: to };
  }
  if (ref.helmDigest) {
    if (!/:[^/]+$/.test(ref.ref)) {
      result.skipped.push({ file, line: ref.line, ref: ref.ref, reason: "no tag to resolve (set image.tag, or a digest by hand)" });
      return undefined;
    }
    const digest = await resolver(ref.ref.replace(/@.*$/, ""), file);
    result.pinned.push({ file, line: ref.line, from: ref.ref, to: `${ref.ref}@${digest}` });
    const h = ref.helmDigest;
    if (h.span) return { start: h.span.start, end: h.span.end, text: digest };
    if (h.insertAfter !== undefined) return { start: h.insertAfter, end: h.insertAfter, text: `\n${h.indent}digest: ${digest}` };
  }
  result.skipped.push({ file, line: ref.line, ref: ref.ref, reason: "cannot be rewritten in place (block scalar)" });
  return undefined;
}

/** Pure: applies non-overlapping edits to a text. */
export function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

export async function fixPaths(paths: string[], resolver: DigestResolver, opts: { dryRun?: boolean } = {}): Promise<FixResult> {
  const result: FixResult = { files: [], pinned: [], skipped: [] };
  for (const file of await listFiles(paths)) {
    const text = await readFile(file, "utf8");
    const edits: Edit[] = [];
    for (const ref of scanText(file, text)) {
      if (ref.kind === "chart" && !ref.pinned) result.skipped.push({ file, line: ref.line, ref: ref.ref, reason: `chart version must be set by hand (${ref.reason})` });
      const e = await editsFor(ref, resolver, file, result);
      if (e) edits.push(e);
    }
    if (edits.length === 0) continue;
    if (!opts.dryRun) await writeFileAtomic(file, applyEdits(text, edits));
    result.files.push(file);
  }
  return result;
}
