/**
 * Release sources: a plain registry keyed by id (= folder name). `sourceFor` picks the one a
 * recipe's upstream section asks for.
 */
import { MkError } from "../../errors.js";
import type { UpstreamConfig } from "../../workspace/schema.js";
import { gitTags } from "./git/index.js";
import { github } from "./github/index.js";
import { gitlab } from "./gitlab/index.js";
import type { ReleaseSource } from "./types.js";

export type { Release, ReleaseSource, RequestStats, SourceContext } from "./types.js";

export const releaseSources = { git: gitTags, github, gitlab } as const satisfies Record<string, ReleaseSource>;
export type ReleaseSourceId = keyof typeof releaseSources;

export function sourceIdFor(u: UpstreamConfig): ReleaseSourceId {
  return u.releases ?? (u.github ? "github" : u.gitlab ? "gitlab" : "git");
}

export function sourceFor(u: UpstreamConfig): ReleaseSource {
  const source = releaseSources[sourceIdFor(u)];
  if (!source.supports(u)) {
    throw new MkError("E_CONFIG_INVALID", `upstream.releases is ${source.id}, but the upstream section lacks what it needs`, {
      hint: source.id === "github" ? "add github: owner/repo" : source.id === "gitlab" ? "add gitlab: group/project" : "add git: <url>",
    });
  }
  return source;
}
