/**
 * Upstream tracking: release sources (github, gitlab, git tags), the tracking policy, status,
 * sync (mirror → rebase patchset → branch + report → hand-off), `patch new`, and the webhook
 * server. The CLI wiring is in cli.ts.
 */
export { releaseSources, sourceFor, sourceIdFor, type Release, type ReleaseSource, type ReleaseSourceId, type RequestStats, type SourceContext } from "./sources/index.js";
export { evaluatePolicy, onLine, TagReader, type Candidate, type LineStatus, type PolicyResult, type Rejected } from "./policy.js";
export { checkProject, systemClock, upstreamCacheDir, DEFAULT_MAX_WAIT_MS, type CheckDeps, type ProjectCheck } from "./check.js";
export { fileHttpCache, memoryHttpCache, type HttpCache } from "./http-cache.js";
export { projectStatus, type StatusRow } from "./status.js";
export { sync, branchName, type SyncItem, type SyncOptions, type SyncPhase, type SyncStatus } from "./sync.js";
export { buildReport, renderMarkdown, outcomeOf, type SyncOutcome, type SyncReport } from "./report.js";
export { handoffFromEnv, pushAndOpenMergeRequest, type GitlabHandoff } from "./handoff.js";
export { newPatch, type NewPatchOptions, type NewPatchResult } from "./patch-new.js";
export { startWebhookServer, type ServeOptions, type WebhookServer } from "./serve.js";
export { SyncQueue, type Job } from "./queue.js";
export { registerPatchCommands, registerUpstreamCommands } from "./cli.js";
