/** Keys, signers, image signatures and attestations in OCI stores, and verification. */
export { generateKeyPair, loadPrivateKey, loadPublicKey, readPassphrase, keyHint, PASSWORD_ENV, type GeneratedKeyPair } from "./keys.js";
export { keySigner, keylessSigner, identityTokenFromEnv, type MkSigner, type KeylessOptions } from "./signer.js";
export { signImage, attestImage, type LayoutSwitches, type Attached } from "./image-sign.js";
export { attachReferrer, attachLegacy, listReferrers, referrersTag, legacyTag, BUNDLE_MEDIA_TYPE } from "./attach.js";
export { simpleSigningPayload, parseSimpleSigning, cosignAnnotations, SIMPLE_SIGNING_MEDIA_TYPE, CosignAnnotation } from "./cosign.js";
export { verifyBundle, type TrustPolicy, type VerifiedBundle } from "./bundle-verify.js";
export { verifyImage, REQUIREMENT_TYPES, type Requirement, type VerifyOptions, type VerifyReport } from "./verify-image.js";
export { VerifyError, isVerifyError, type CheckName } from "./checks.js";
export { signRelease, attestRelease, type ReleaseOptions, type ReleaseResult } from "./release.js";
export { signBlobs, type SignBlobResult } from "./blob.js";
export { kyvernoPolicy, sigstorePolicy, type AdmissionPolicyInput } from "./admission.js";
export { collectEvidence, type EvidenceRow } from "./evidence.js";
export { registerSignCommands } from "./cli.js";
