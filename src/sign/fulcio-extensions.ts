/**
 * Fulcio certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md):
 * what the CI platform vouched for when the certificate was issued — which pipeline file ran
 * (Build Config URI), at which ref (Source Repository Ref), in which repository, on which runner.
 * The v2 extensions (1.3.6.1.4.1.57264.1.8 and up) hold a DER UTF8String.
 *
 * A keyless policy may pin some of them; every keyless signature and attestation is then checked
 * against the pins after its certificate chain, SCT, tlog entry and signature verified. A pinned
 * extension that the certificate lacks, or that holds another value, fails with `identity`.
 */
import { X509Certificate } from "@sigstore/core";
import { VerifyError } from "./checks.js";

/** The v2 extensions a policy can pin, by the name used in policies and reports. */
export const FULCIO_EXTENSIONS = {
  buildSignerUri: { oid: "1.3.6.1.4.1.57264.1.9", title: "Build Signer URI" },
  runnerEnvironment: { oid: "1.3.6.1.4.1.57264.1.11", title: "Runner Environment" },
  sourceRepositoryUri: { oid: "1.3.6.1.4.1.57264.1.12", title: "Source Repository URI" },
  sourceRepositoryRef: { oid: "1.3.6.1.4.1.57264.1.14", title: "Source Repository Ref" },
  buildConfigUri: { oid: "1.3.6.1.4.1.57264.1.18", title: "Build Config URI" },
} as const;

export type FulcioExtension = keyof typeof FULCIO_EXTENSIONS;

/** Per extension: an exact value, or a regular expression the value must match. */
export type CertificateExtensionPolicy = Partial<Record<FulcioExtension, string | RegExp>>;

/** The pinnable extensions present in a certificate (DER), decoded. Malformed ones are left out. */
export function readFulcioExtensions(der: Buffer | Uint8Array): Partial<Record<FulcioExtension, string>> {
  const cert = X509Certificate.parse(Buffer.from(der));
  const out: Partial<Record<FulcioExtension, string>> = {};
  for (const [name, { oid }] of Object.entries(FULCIO_EXTENSIONS) as [FulcioExtension, { oid: string }][]) {
    const value = utf8StringExtension(cert, oid);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** A v2 extension's value: the extnValue OCTET STRING must hold exactly one DER UTF8String. */
function utf8StringExtension(cert: X509Certificate, oid: string): string | undefined {
  const ext = cert.extension(oid);
  if (!ext) return undefined;
  const inner = ext.valueObj.subs;
  const str = inner[0];
  if (inner.length !== 1 || !str || !str.tag.isUniversal() || str.tag.number !== 0x0c || str.tag.constructed) return undefined;
  return str.value.toString("utf8");
}

function describe(want: string | RegExp): string {
  return typeof want === "string" ? JSON.stringify(want) : `a match for ${String(want)}`;
}

/**
 * Throws `identity` unless the certificate carries every pinned extension with the pinned value.
 * `where` names the signature or attestation for the message.
 */
export function checkCertificateExtensions(der: Buffer | Uint8Array, policy: CertificateExtensionPolicy, where = "the signing certificate"): Partial<Record<FulcioExtension, string>> {
  let found: Partial<Record<FulcioExtension, string>>;
  try {
    found = readFulcioExtensions(der);
  } catch (e) {
    throw new VerifyError("certificate", `${where} does not parse: ${(e as Error).message}`, undefined, e);
  }
  for (const [name, want] of Object.entries(policy) as [FulcioExtension, string | RegExp | undefined][]) {
    if (want === undefined) continue;
    const { oid, title } = FULCIO_EXTENSIONS[name];
    const got = found[name];
    if (got === undefined) {
      throw new VerifyError("identity", `${where} has no ${title} extension (${oid}); policy requires ${describe(want)}`, "the certificate was issued for another CI platform or an older Fulcio; sign in the pipeline the policy names");
    }
    const ok = typeof want === "string" ? got === want : want.test(got);
    if (!ok) throw new VerifyError("identity", `${where}: ${title} (${oid}) is ${JSON.stringify(got)}, policy requires ${describe(want)}`);
  }
  return found;
}
