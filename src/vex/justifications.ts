/**
 * Vocabulary mapping between CycloneDX VEX (`analysis.state` / `analysis.justification`) and
 * the OpenVEX statuses and justifications the model uses. CSAF flag labels are OpenVEX's labels
 * verbatim, so CSAF needs no table.
 *
 * The CycloneDX → OpenVEX direction follows CISA's "Vulnerability Exploitability eXchange (VEX) –
 * Status Justifications" (2022) groupings; CycloneDX is finer-grained, so the reverse direction
 * picks the closest CycloneDX label and writers also keep the exact OpenVEX label in a property
 * (`mailknight:vex:justification`) so a round trip through CycloneDX loses nothing.
 */
import type { Justification, VexStatus } from "./model.js";

export const CDX_STATES = ["resolved", "resolved_with_pedigree", "exploitable", "in_triage", "false_positive", "not_affected"] as const;
export type CdxState = (typeof CDX_STATES)[number];

export const CDX_JUSTIFICATIONS = [
  "code_not_present",
  "code_not_reachable",
  "requires_configuration",
  "requires_dependency",
  "requires_environment",
  "protected_by_compiler",
  "protected_at_runtime",
  "protected_at_perimeter",
  "protected_by_mitigating_control",
] as const;
export type CdxJustification = (typeof CDX_JUSTIFICATIONS)[number];

export const statusFromCdxState: Record<CdxState, VexStatus> = {
  resolved: "fixed",
  resolved_with_pedigree: "fixed",
  exploitable: "affected",
  in_triage: "under_investigation",
  // A false positive means the finding does not apply; it carries no justification label, so a
  // policy that requires one will not let it suppress on its own.
  false_positive: "not_affected",
  not_affected: "not_affected",
};

export const cdxStateFromStatus: Record<VexStatus, CdxState> = {
  not_affected: "not_affected",
  affected: "exploitable",
  fixed: "resolved",
  under_investigation: "in_triage",
};

export const justificationFromCdx: Record<CdxJustification, Justification> = {
  code_not_present: "vulnerable_code_not_present",
  code_not_reachable: "vulnerable_code_not_in_execute_path",
  requires_configuration: "vulnerable_code_cannot_be_controlled_by_adversary",
  requires_dependency: "component_not_present",
  requires_environment: "vulnerable_code_cannot_be_controlled_by_adversary",
  protected_by_compiler: "inline_mitigations_already_exist",
  protected_at_runtime: "inline_mitigations_already_exist",
  protected_at_perimeter: "inline_mitigations_already_exist",
  protected_by_mitigating_control: "inline_mitigations_already_exist",
};

export const cdxFromJustification: Record<Justification, CdxJustification> = {
  component_not_present: "requires_dependency",
  vulnerable_code_not_present: "code_not_present",
  vulnerable_code_not_in_execute_path: "code_not_reachable",
  vulnerable_code_cannot_be_controlled_by_adversary: "requires_environment",
  inline_mitigations_already_exist: "protected_by_mitigating_control",
};
