/**
 * Verification failures name the check that failed. Checks form a closed set so that callers
 * (and tests) match on `check`, not on message text.
 */
import { MkError } from "../errors.js";

export type CheckName =
  | "reference" // the tag or digest could not be resolved
  | "image.manifest" // manifest bytes do not hash to the digest
  | "image.config"
  | "image.layers"
  | "signature.present" // no signature found at all
  | "signature" // the cryptographic signature does not verify
  | "certificate" // the certificate does not chain to the trusted root / is malformed
  | "identity" // certificate identity or issuer does not match the policy
  | "tlog" // transparency log entry missing or invalid
  | "subject" // the signed statement/payload is for another digest
  | "attestation.present" // a required attestation is missing
  | "attestation.condition"; // a required attestation exists but its content fails the policy

export class VerifyError extends MkError {
  readonly check: CheckName;

  constructor(check: CheckName, message: string, hint?: string, cause?: unknown) {
    super("E_INTEGRITY", `verification failed [${check}]: ${message}`, { hint, cause, details: { check } });
    this.check = check;
  }
}

export function isVerifyError(e: unknown): e is VerifyError {
  return e instanceof VerifyError;
}
