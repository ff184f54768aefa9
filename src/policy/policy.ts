/**
 * The gate policy: the `gate:` section of mailknight.yaml (schema in src/workspace/schema.ts, the
 * one place its fields and defaults are defined).
 */
import { workspaceConfigSchema, type WorkspaceConfig } from "../workspace/schema.js";

export type GatePolicy = WorkspaceConfig["gate"];

/** The policy a workspace gets when mailknight.yaml says nothing: fail on HIGH and CRITICAL. */
export function defaultGatePolicy(): GatePolicy {
  return workspaceConfigSchema.shape.gate.parse(undefined);
}

/** A full policy from a partial one (tests, library callers), validated like the YAML would be. */
export function gatePolicy(partial: Partial<GatePolicy> = {}): GatePolicy {
  return workspaceConfigSchema.shape.gate.parse(partial);
}
