export { runPipeline, runStage, gateVerdict, STAGES, type RunResult, type ImageSummary, type StageOutcome } from "./executor.js";
export type { RunOptions } from "./context.js";
export type { PipelineEvent, EventSink } from "./events.js";
export { STAGE_ORDER, type StageName, type StageRecord } from "./record.js";
