/**
 * Image and chart references in YAML files: Kubernetes manifests (every pod spec's containers,
 * initContainers and ephemeralContainers, whatever the workload kind, multi-document), Helm
 * values (`image: repo:tag` and the `registry/repository/tag/digest` map), .gitlab-ci.yml
 * (`image`, `services`, string and `name:` forms), docker-compose, Mailknight recipes, and chart
 * versions in Chart.yaml, helmfile and Argo CD Applications.
 *
 * Works on the YAML syntax tree (not plain objects) so every value keeps its byte range: the
 * report gets exact lines, and `fix` can replace just those bytes.
 */
import { LineCounter, Scalar, YAMLMap, isMap, isScalar, isSeq, parseAllDocuments, type Node } from "yaml";
import { MkError } from "../errors.js";
import type { FoundRef, ValueSpan } from "./model.js";
import { isExactChartVersion, isPinnedImage, isTemplated, looksLikeImage } from "./image-ref.js";

export type YamlKind = "gitlab-ci" | "compose" | "chart" | "helmfile" | "helm-values" | "recipe" | "generic";

export function yamlKindOf(path: string): YamlKind {
  const name = path.split("/").pop() ?? path;
  if (/(^|\.)gitlab-ci\.ya?ml$/.test(name)) return "gitlab-ci";
  if (/^(?:docker-)?compose(?:\..+)?\.ya?ml$/.test(name)) return "compose";
  if (name === "Chart.yaml") return "chart";
  if (/^helmfile(?:\..+)?\.ya?ml$/.test(name) || /\/helmfile\.d\/[^/]+\.ya?ml$/.test(path)) return "helmfile";
  if (/^values(?:[.-].+)?\.ya?ml$/.test(name) || /-values\.ya?ml$/.test(name)) return "helm-values";
  if (/(?:^|\/)projects\/[^/]+\/project\.ya?ml$/.test(path)) return "recipe";
  return "generic";
}

interface Ctx {
  file: string;
  text: string;
  lc: LineCounter;
  out: FoundRef[];
}

function spanOf(ctx: Ctx, node: Scalar): ValueSpan | undefined {
  if (!node.range) return undefined;
  const quote = node.type === Scalar.QUOTE_DOUBLE ? '"' : node.type === Scalar.QUOTE_SINGLE ? "'" : node.type === Scalar.PLAIN ? "" : undefined;
  if (quote === undefined) return undefined; // block scalars: report, do not rewrite
  return { start: node.range[0] + quote.length, end: node.range[1] - quote.length, quote };
}

function pos(ctx: Ctx, node: Node): { line: number; column: number } {
  const p = ctx.lc.linePos(node.range?.[0] ?? 0);
  return { line: p.line, column: p.col };
}

function str(node: unknown): string | undefined {
  if (isScalar(node) && node.value !== null && node.value !== undefined && typeof node.value !== "object") return String(node.value);
  return undefined;
}

function get(map: unknown, key: string): unknown {
  return isMap(map) ? map.get(key, true) : undefined;
}

function imageRef(ctx: Ctx, node: unknown, context: string): void {
  const value = str(node);
  if (value === undefined || !looksLikeImage(value)) return;
  const pinned = isPinnedImage(value);
  ctx.out.push({ kind: "image", file: ctx.file, ...pos(ctx, node as Node), context, ref: value, pinned, reason: pinned ? undefined : "no @sha256 digest", span: spanOf(ctx, node as Scalar) });
}

function chartRef(ctx: Ctx, at: unknown, context: string, name: string, version: unknown): void {
  const v = str(version);
  const pinned = isExactChartVersion(v);
  ctx.out.push({
    kind: "chart",
    file: ctx.file,
    ...pos(ctx, (isScalar(version) ? version : at) as Node),
    context,
    ref: `${name}@${v ?? ""}`,
    pinned,
    reason: pinned ? undefined : v === undefined || v === "" ? "no chart version" : `"${v}" is not an exact version`,
  });
}

/** Every pod spec's containers, wherever the workload kind nests it. */
function walkPodSpecs(ctx: Ctx, node: unknown, path: string): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = str(pair.key);
      if (key === undefined) continue;
      const p = path ? `${path}.${key}` : key;
      if ((key === "containers" || key === "initContainers" || key === "ephemeralContainers") && isSeq(pair.value)) {
        pair.value.items.forEach((c, i) => imageRef(ctx, get(c, "image"), `${p}[${i}].image`));
      } else walkPodSpecs(ctx, pair.value, p);
    }
  } else if (isSeq(node)) node.items.forEach((n, i) => walkPodSpecs(ctx, n, `${path}[${i}]`));
}

function argoApplication(ctx: Ctx, doc: unknown): void {
  const spec = get(doc, "spec");
  const sources: [unknown, string][] = [];
  if (get(spec, "source")) sources.push([get(spec, "source"), "spec.source"]);
  const many = get(spec, "sources");
  if (isSeq(many)) many.items.forEach((s, i) => sources.push([s, `spec.sources[${i}]`]));
  const template = get(get(spec, "template"), "spec"); // ApplicationSet
  if (get(template, "source")) sources.push([get(template, "source"), "spec.template.spec.source"]);
  for (const [s, p] of sources) {
    const chart = str(get(s, "chart"));
    if (chart) chartRef(ctx, s, `${p}.targetRevision`, chart, get(s, "targetRevision"));
  }
}

/** Helm values: `image: repo:tag` strings and `{registry?, repository, tag?, digest?}` maps. */
function walkHelmValues(ctx: Ctx, node: unknown, path: string): void {
  if (isMap(node)) {
    const repository = get(node, "repository");
    const repo = str(repository);
    if (repo !== undefined && (node.has("tag") || node.has("digest")) && !isTemplated(repo) && looksLikeImage(repo)) {
      helmSplit(ctx, node, path, repo);
      return;
    }
    for (const pair of node.items) {
      const key = str(pair.key);
      if (key === undefined) continue;
      const p = path ? `${path}.${key}` : key;
      if (/^image$/i.test(key) && isScalar(pair.value)) imageRef(ctx, pair.value, p);
      else walkHelmValues(ctx, pair.value, p);
    }
  } else if (isSeq(node)) node.items.forEach((n, i) => walkHelmValues(ctx, n, `${path}[${i}]`));
}

function helmSplit(ctx: Ctx, map: YAMLMap, path: string, repo: string): void {
  const registry = str(get(map, "registry"));
  const tagNode = get(map, "tag");
  const digestNode = get(map, "digest");
  const tag = str(tagNode);
  const digest = str(digestNode);
  const pinned = digest !== undefined && /^sha256:[a-f0-9]{64}$/.test(digest);
  const ref = `${registry ? `${registry}/` : ""}${repo}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`;
  const anchor = get(map, "repository") as Node;
  // Where a digest goes: replace an empty `digest:` value, or add a line after tag (or repository).
  const after = (isScalar(tagNode) ? tagNode : anchor) as Node;
  const lineEnd = ctx.text.indexOf("\n", after.range?.[1] ?? 0);
  const keyPos = ctx.lc.linePos(anchor.range?.[0] ?? 0);
  const lineStartOffset = ctx.lc.lineStarts[keyPos.line - 1] ?? 0;
  const indent = /^\s*/.exec(ctx.text.slice(lineStartOffset))?.[0].replace(/\n/g, "") ?? "";
  ctx.out.push({
    kind: "image",
    file: ctx.file,
    ...pos(ctx, anchor),
    context: `${path ? `${path}.` : ""}repository/tag/digest`,
    ref,
    pinned,
    reason: pinned ? undefined : tag ? "no digest next to the tag" : "no tag or digest (the chart's appVersion decides)",
    helmDigest: isScalar(digestNode) && digestNode.range ? { span: spanOf(ctx, digestNode), indent } : { insertAfter: lineEnd < 0 ? ctx.text.length : lineEnd, indent },
  });
}

function gitlabImage(ctx: Ctx, node: unknown, context: string): void {
  if (isMap(node)) imageRef(ctx, get(node, "name"), `${context}.name`);
  else imageRef(ctx, node, context);
}

const GITLAB_RESERVED = new Set(["variables", "stages", "include", "workflow", "cache", "before_script", "after_script"]);

function gitlabCi(ctx: Ctx, doc: unknown): void {
  if (!isMap(doc)) return;
  for (const pair of doc.items) {
    const key = str(pair.key);
    if (key === undefined || GITLAB_RESERVED.has(key)) continue;
    if (key === "image") gitlabImage(ctx, pair.value, "image");
    else if (key === "services" && isSeq(pair.value)) pair.value.items.forEach((s, i) => gitlabImage(ctx, s, `services[${i}]`));
    else if (isMap(pair.value)) {
      if (pair.value.has("image")) gitlabImage(ctx, get(pair.value, "image"), `${key}.image`);
      const services = get(pair.value, "services");
      if (isSeq(services)) services.items.forEach((s, i) => gitlabImage(ctx, s, `${key}.services[${i}]`));
    }
  }
}

function compose(ctx: Ctx, doc: unknown): void {
  const services = get(doc, "services");
  if (!isMap(services)) return;
  for (const pair of services.items) imageRef(ctx, get(pair.value, "image"), `services.${str(pair.key)}.image`);
}

function recipe(ctx: Ctx, doc: unknown): void {
  const pkg = get(doc, "package");
  const bases: [unknown, string][] = [[get(pkg, "base"), "package.base"]];
  const variants = get(pkg, "variants");
  if (isMap(variants)) for (const pair of variants.items) bases.push([get(pair.value, "base"), `package.variants.${str(pair.key)}.base`]);
  for (const [node, context] of bases) {
    const value = str(node);
    if (value === undefined || value === "scratch") continue;
    if (value.startsWith("oci:")) {
      const pinned = /@sha256:[a-f0-9]{64}$/.test(value);
      ctx.out.push({ kind: "image", file: ctx.file, ...pos(ctx, node as Node), context, ref: value, pinned, reason: pinned ? undefined : "no @sha256 digest", span: spanOf(ctx, node as Scalar) });
    } else imageRef(ctx, node, context);
  }
}

function chartYaml(ctx: Ctx, doc: unknown): void {
  const deps = get(doc, "dependencies");
  if (isSeq(deps)) deps.items.forEach((d, i) => chartRef(ctx, d, `dependencies[${i}].version`, str(get(d, "name")) ?? "?", get(d, "version")));
}

function helmfile(ctx: Ctx, doc: unknown): void {
  const releases = get(doc, "releases");
  if (isSeq(releases)) {
    releases.items.forEach((r, i) => {
      const chart = str(get(r, "chart"));
      // Local chart directories are versioned by the repository they live in.
      if (chart && !chart.startsWith(".") && !chart.startsWith("/")) chartRef(ctx, r, `releases[${i}].version`, chart, get(r, "version"));
    });
  }
}

export function scanYaml(file: string, text: string, kind: YamlKind = yamlKindOf(file)): FoundRef[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, keepSourceTokens: false });
  const ctx: Ctx = { file, text, lc, out: [] };
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new MkError("E_CONFIG_INVALID", `${file}:${e.linePos?.[0]?.line ?? "?"}: not valid YAML: ${e.message.split("\n")[0]}`, { hint: "fix the YAML syntax, or exclude the file from the scan" });
    }
    const root = doc.contents;
    if (kind === "gitlab-ci") gitlabCi(ctx, root);
    else if (kind === "compose") compose(ctx, root);
    else if (kind === "chart") chartYaml(ctx, root);
    else if (kind === "helmfile") helmfile(ctx, root);
    else if (kind === "helm-values") walkHelmValues(ctx, root, "");
    else if (kind === "recipe") recipe(ctx, root);
    else if (isMap(root) && root.has("apiVersion") && root.has("kind")) {
      const k = str(get(root, "kind"));
      if ((k === "Application" || k === "ApplicationSet") && str(get(root, "apiVersion"))?.startsWith("argoproj.io/")) argoApplication(ctx, root);
      else walkPodSpecs(ctx, root, "");
    }
  }
  return ctx.out;
}

