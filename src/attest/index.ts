/** in-toto statements, DSSE, and the predicates Mailknight attests. */
export { pae, DSSE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE, type DsseEnvelope, type DsseSignature } from "./dsse.js";
export { statement, parseStatement, digestSet, PredicateType, STATEMENT_TYPE, type Statement, type Subject, type ResourceDescriptor } from "./statement.js";
export { buildProvenance, builderOf, readStageRecords, BUILD_TYPE, LOCAL_BUILDER_ID, type SlsaProvenance, type ProvenanceInput, type RecordFile } from "./provenance.js";
export { sbomPredicate, openvexPredicate, vulnScanPredicate, gateDecisionPredicate, type GateDecision, type Predicate, type VulnScanInput } from "./predicates.js";
export { releasePredicates, type ReleaseImageInput } from "./release.js";
