/**
 * Image references (`[registry/]repository[:tag][@digest]`) parsed with Docker's defaults, so a
 * name means here what it means to `docker pull`: no registry → docker.io, a one-component name
 * on docker.io → `library/<name>`, neither tag nor digest → `latest`.
 */
import { MkError } from "../../errors.js";

export const DOCKER_HUB = "docker.io";
/** Where docker.io's API actually lives. */
export const DOCKER_HUB_API = "registry-1.docker.io";

export interface ImageReference {
  /** Registry host[:port] as written (docker.io for the default). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

// Grammar from distribution/reference (reference.go).
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REPO_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DOMAIN_RE = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export function isValidRepository(repo: string): boolean {
  return REPO_RE.test(repo) && repo.length <= 255;
}

function invalid(ref: string, what: string): MkError {
  return new MkError("E_USAGE", `image reference "${ref}" is invalid: ${what}`, {
    hint: "write references as [registry/]repository[:tag][@sha256:<64 hex>], e.g. registry.example.com/team/app:1.2.3@sha256:…",
  });
}

/** Parses a reference; throws E_USAGE naming the part that is wrong. Does not add `latest`. */
export function parseReference(ref: string): ImageReference {
  let rest = ref.trim();
  if (rest === "" || rest !== ref) throw invalid(ref, "it is empty or has surrounding spaces");
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw invalid(ref, `digest "${digest}" is not sha256:<64 lowercase hex> (or sha512:<128 hex>)`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw invalid(ref, `tag "${tag}" must be 1-128 of [A-Za-z0-9_.-], not starting with . or -`);
  }
  let registry = DOCKER_HUB;
  let repository = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    // Docker's rule: the first component is a registry when it looks like a host.
    if (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("[")) {
      if (!DOMAIN_RE.test(first)) throw invalid(ref, `registry "${first}" is not a host name or address with an optional port`);
      registry = first === "index.docker.io" ? DOCKER_HUB : first;
      repository = rest.slice(slash + 1);
    }
  }
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  if (!isValidRepository(repository)) {
    throw invalid(ref, `repository "${repository}" must be lowercase components of [a-z0-9] joined by . _ __ or -, separated by /`);
  }
  return { registry, repository, tag, digest };
}

/** Parses and fills in `latest` when neither tag nor digest is given (what `docker pull` does). */
export function parseReferenceWithDefaults(ref: string): ImageReference & { tag?: string } {
  const r = parseReference(ref);
  return r.tag === undefined && r.digest === undefined ? { ...r, tag: "latest" } : r;
}

/** `registry/repository[:tag][@digest]`, fully qualified. */
export function formatReference(r: ImageReference): string {
  return `${r.registry}/${r.repository}${r.tag !== undefined ? `:${r.tag}` : ""}${r.digest !== undefined ? `@${r.digest}` : ""}`;
}

/** The host to talk HTTP to for a registry name. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** Loopback registries may use plain HTTP; everything else needs TLS unless marked insecure. */
export function isLoopbackHost(registry: string): boolean {
  const host = registry.startsWith("[") ? registry.slice(1, registry.indexOf("]")) : registry.replace(/:\d+$/, "");
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}
