/**
 * Writing recipes: `project add` creates one, `project pin` records the commit a tag resolves
 * to. Edits go through the YAML document model so comments and layout survive.
 */
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { Document, parseDocument, YAMLMap, YAMLSeq } from "yaml";
import { MkError } from "../errors.js";
import { resolveGitRef } from "../fetch/index.js";
import { pathExists, writeFileAtomic } from "../util/fs.js";
import { SCHEMA_FILES } from "./json-schema.js";
import { parseYamlWithSchema } from "./load.js";
import { projectSchema } from "./schema.js";
import { paths, upstreamGitUrl } from "./workspace.js";

export interface AddProjectInput {
  name: string;
  git?: string;
  github?: string;
  tag?: string;
  version?: string;
  tarball?: string;
  sha256?: string;
  toolchain?: "c" | "go" | "custom";
}

export async function addProject(root: string, input: AddProjectInput): Promise<{ file: string; commit?: string }> {
  const file = paths.projectFile(root, input.name);
  if (await pathExists(file)) throw new MkError("E_USAGE", `project ${input.name} already exists (${relative(root, file)})`);
  if (!input.git && !input.github && !input.tarball) {
    throw new MkError("E_USAGE", "say where the upstream is: --git <url>, --github <owner/repo> or --tarball <url> --sha256 <hex>");
  }
  const upstream: Record<string, unknown> = input.github ? { github: input.github } : { git: input.git ?? input.tarball };
  let source: Record<string, unknown>;
  let commit: string | undefined;
  const version = input.version ?? input.tag;
  if (!version) throw new MkError("E_USAGE", "give the upstream version to carry with --tag <tag> (or --version with --tarball)");
  if (input.tarball) {
    if (!input.sha256) throw new MkError("E_PIN_MISSING", "a tarball source needs --sha256 <hex> (Mailknight never trusts an unpinned download)");
    source = { version, tarball: { url: input.tarball, sha256: input.sha256 } };
  } else {
    const url = input.git ?? `https://github.com/${input.github}.git`;
    commit = await resolveGitRef(url, input.tag!);
    source = { version, git: { tag: input.tag, commit } };
  }
  const recipe = {
    $schema: `../../schemas/${SCHEMA_FILES.project}`,
    name: input.name,
    upstream,
    sources: [source],
    build: {
      toolchain: input.toolchain ?? "c",
      steps: ["make", 'make install DESTDIR="$DESTDIR" PREFIX=/usr'],
    },
    package: { variants: { distroless: {} } },
  };
  const text = `# yaml-language-server: $schema=../../schemas/${SCHEMA_FILES.project}\n` + new Document(recipe).toString();
  // Round-trip through the schema so `add` can never write a recipe that `validate` rejects.
  parseYamlWithSchema(text, relative(root, file), projectSchema);
  await writeFileAtomic(file, text);
  return { file, commit };
}

/** Resolves the tag of every git source (or one version) and records the commit in place. */
export async function pinProject(root: string, name: string, version?: string): Promise<{ version: string; tag: string; commit: string; changed: boolean }[]> {
  const file = paths.projectFile(root, name);
  const text = await readFile(file, "utf8");
  const display = relative(root, file);
  const recipe = parseYamlWithSchema(text, display, projectSchema);
  const doc = parseDocument(text);
  const sources = doc.get("sources") as YAMLSeq<YAMLMap>;
  const results = [];
  for (const [i, src] of recipe.sources.entries()) {
    if (version && src.version !== version) continue;
    if (!src.git?.tag) continue;
    const url = src.git.url ?? upstreamGitUrl(recipe)!;
    const commit = await resolveGitRef(url, src.git.tag);
    const node = sources.items[i]!.get("git") as YAMLMap;
    const changed = node.get("commit") !== commit;
    if (changed) node.set("commit", commit);
    results.push({ version: src.version, tag: src.git.tag, commit, changed });
  }
  if (results.some((r) => r.changed)) await writeFileAtomic(file, doc.toString());
  return results;
}
