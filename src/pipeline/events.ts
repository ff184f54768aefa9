/**
 * Progress events. The library emits them; the CLI renders them (bars on a TTY, plain lines in
 * CI, JSON lines with --json). Keep them plain data so they serialise as they are.
 */
export type PipelineEvent =
  | { type: "stage-start"; project: string; version: string; stage: string; inputDigest: string }
  | { type: "stage-skip"; project: string; version: string; stage: string; inputDigest: string; reason: "cached" }
  | { type: "stage-done"; project: string; version: string; stage: string; durationMs: number; outputDigest: string }
  | { type: "stage-fail"; project: string; version: string; stage: string; durationMs: number; error: string }
  | { type: "log"; stage: string; level: "info" | "warn"; message: string }
  | { type: "progress"; stage: string; label: string; done: number; total?: number; unit?: "bytes" | "files" | "items" };

export type EventSink = (event: PipelineEvent) => void;

export const discardEvents: EventSink = () => {};
