/**
 * DSSE (Dead Simple Signing Envelope) v1: the pre-authentication encoding and envelope shape.
 * Spec: https://github.com/secure-systems-lab/dsse/blob/master/protocol.md
 */

export const DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

export interface DsseSignature {
  keyid: string;
  /** base64 */
  sig: string;
}

export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the payload bytes */
  payload: string;
  signatures: DsseSignature[];
}

/**
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths as ASCII decimal
 * byte counts. Lengths are of the UTF-8 bytes, not of JS string length, or non-ASCII types break.
 */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  const header = Buffer.from(`DSSEv1 ${type.byteLength} ${payloadType} ${payload.byteLength} `, "utf8");
  return Buffer.concat([header, payload]);
}
