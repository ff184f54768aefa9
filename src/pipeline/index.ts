export { runPipeline, runStage, STAGES, type RunResult, type ImageSummary, type StageOutcome } from "./executor.js";
export type { RunOptions } from "./context.js";
export type { PipelineEvent, EventSink } from "./events.js";
export { ALL_STAGES, RELEASE_STAGES, STAGE_ORDER, gateVerdict, releaseStagesOf, type GateVerdict, type StageName, type StageRecord } from "./record.js";
