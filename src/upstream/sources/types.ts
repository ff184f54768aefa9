/**
 * The release-source plug-in interface: one member per place upstream announces releases
 * (GitHub, GitLab, plain git tags). A source only lists; choosing what to take is the tracking
 * policy's job (policy.ts), so every source returns the same shape and the policy stays pure.
 */
import type { UpstreamConfig } from "../../workspace/schema.js";
import type { HttpCache } from "../http-cache.js";

export interface Release {
  /** The tag name exactly as upstream spells it. */
  tag: string;
  /** The commit the tag points at (peeled), when the source tells; sync resolves it otherwise. */
  commit?: string;
  /** ISO 8601 publication time (release or tag creation), when the source tells. */
  publishedAt?: string;
  /** The forge marked it a pre-release (GitHub flag, GitLab upcoming release). */
  prerelease?: boolean;
  /** A draft release: never taken. */
  draft?: boolean;
}

export interface SourceContext {
  upstream: UpstreamConfig;
  /** Conditional-request cache (ETags + last bodies); sources without HTTP ignore it. */
  cache: HttpCache;
  /** Environment for tokens (GITHUB_TOKEN, GITLAB_TOKEN, ...): injected, never read globally. */
  env: Record<string, string | undefined>;
  /** Injected so rate-limit waits are testable. */
  clock: { now: () => number; sleep: (ms: number) => Promise<void> };
  /** Longest rate-limit wait accepted before failing (ms). */
  maxWaitMs: number;
  /** Mirror rewriting for git URLs (mailknight.yaml `mirrors`). */
  mirrors?: Record<string, string>;
  /** Counts HTTP requests and 304s, for status/bench output. */
  stats?: RequestStats;
}

export interface RequestStats {
  requests: number;
  notModified: number;
}

export interface ReleaseSource {
  readonly id: string;
  readonly description: string;
  /** Whether this source can serve the given upstream configuration. */
  supports(upstream: UpstreamConfig): boolean;
  /** Every release (and release-like tag) upstream has; order is not significant. */
  list(ctx: SourceContext): Promise<Release[]>;
}
