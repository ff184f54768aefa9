/**
 * Test-only: a local HTTP server (127.0.0.1, random port) answering as Fulcio, Rekor and a TSA,
 * with @sigstore/mock's handlers, plus the matching TrustedRoot JSON. Keyless signing is thus
 * exercised over real HTTP, offline. Not exported from index.ts.
 */
import { createServer, type Server } from "node:http";
import { createHash, generateKeyPairSync } from "node:crypto";
import type { AddressInfo } from "node:net";
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler, type HandlerFn } from "@sigstore/mock";

type MockCA = Awaited<ReturnType<typeof initializeCA>>;
type ExtensionValue = NonNullable<Parameters<MockCA["issueCertificate"]>[0]["extensions"]>[number];

/**
 * The Fulcio extensions real Fulcio derives from a GitLab CI token (its `gitlab-pipeline` claim
 * mapping): Build Config URI and Build Signer URI from `ci_config_ref_uri`, Source Repository Ref
 * from `ref_type` + `ref`, Source Repository URI from the issuer + `project_path`, Runner
 * Environment. @sigstore/mock only knows GitHub's claims, so these are added here.
 */
function gitlabExtensions(body: string): ExtensionValue[] {
  let claims: Record<string, unknown>;
  try {
    const token = (JSON.parse(body) as { credentials?: { oidcIdentityToken?: string } }).credentials?.oidcIdentityToken ?? "";
    claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return [];
  }
  const str = (k: string): string | undefined => (typeof claims[k] === "string" ? (claims[k] as string) : undefined);
  const out: ExtensionValue[] = [];
  const config = str("ci_config_ref_uri");
  if (config) out.push({ oid: "1.3.6.1.4.1.57264.1.18", value: `https://${config}` }, { oid: "1.3.6.1.4.1.57264.1.9", value: `https://${config}` });
  const ref = str("ref");
  const refType = str("ref_type");
  if (ref && refType) out.push({ oid: "1.3.6.1.4.1.57264.1.14", value: `refs/${refType === "branch" ? "heads" : "tags"}/${ref}` });
  const project = str("project_path");
  if (project && str("iss")) out.push({ oid: "1.3.6.1.4.1.57264.1.12", value: `${str("iss")}/${project}` });
  const runner = str("runner_environment");
  if (runner) out.push({ oid: "1.3.6.1.4.1.57264.1.11", value: runner });
  return out;
}

/** The CA, adding `extra` extensions (replacing any the mock derived for the same OID). */
function withGitLabExtensions(ca: MockCA, extra: ExtensionValue[]): MockCA {
  return {
    rootCertificate: ca.rootCertificate,
    issueCertificate: (o) => ca.issueCertificate({ ...o, extensions: [...(o.extensions ?? []).filter((e) => !extra.some((x) => x.oid === e.oid)), ...extra] }),
  };
}

export interface MockSigstore {
  url: string;
  trustedRoot: unknown;
  close: () => Promise<void>;
}

function p256(): { publicKey: import("node:crypto").KeyObject; privateKey: import("node:crypto").KeyObject } {
  return generateKeyPairSync("ec", { namedCurve: "prime256v1" });
}

const b64 = (v: ArrayBufferView | Buffer): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");

export async function startMockSigstore(): Promise<MockSigstore> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The services' clock must be a whole second (the mock TSA writes fractional seconds into
  // GeneralizedTime otherwise, which @sigstore/core rejects: "invalid time") and must not precede
  // the mock's root/intermediate certificates, which it creates with the real time during init
  // (a timestamp older than its TSA certificate does not verify). A whole second 5 s ahead is both.
  const clock = new Date(Math.ceil(Date.now() / 1000) * 1000 + 5000);
  const ctlog = await initializeCTLog(p256(), clock);
  const ca = await initializeCA(p256(), ctlog, clock);
  const tlog = await initializeTLog(url, p256(), clock);
  const tsa = await initializeTSA(p256(), clock);
  const routes = new Map<string, HandlerFn>();
  for (const h of [rekorHandler(tlog), tsaHandler(tsa)]) routes.set(h.path, h.fn);
  // Fulcio: per request, the GitLab claims of the token become certificate extensions.
  const fulcio = fulcioHandler(ca);
  routes.set(fulcio.path, (body) => fulcioHandler(withGitLabExtensions(ca, gitlabExtensions(body))).fn(body));
  server.on("request", (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const fn = routes.get((req.url ?? "").split("?")[0] ?? "");
      if (!fn || req.method !== "POST") {
        res.writeHead(404).end();
        return;
      }
      fn(Buffer.concat(chunks).toString("utf8")).then(
        (r) => {
          res.writeHead(r.statusCode, { "Content-Type": r.contentType ?? "text/plain" });
          res.end(typeof r.response === "string" ? r.response : Buffer.from(r.response.buffer, r.response.byteOffset, r.response.byteLength));
        },
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    });
  });
  const start = new Date(Date.now() - 60_000).toISOString();
  const logKey = (publicKey: Buffer, keyId: Buffer) => ({
    baseUrl: url,
    hashAlgorithm: "SHA2_256",
    publicKey: { rawBytes: publicKey.toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start } },
    logId: { keyId: keyId.toString("base64") },
  });
  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [logKey(tlog.publicKey, createHash("sha256").update(tlog.publicKey).digest())],
    ctlogs: [logKey(ctlog.publicKey, Buffer.from(ctlog.logID.buffer, ctlog.logID.byteOffset, ctlog.logID.byteLength))],
    certificateAuthorities: [{ subject: { organization: "sigstore.mock", commonName: "sigstore" }, uri: url, certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] }, validFor: { start } }],
    timestampAuthorities: [{ subject: { organization: "sigstore.mock", commonName: "tsa" }, uri: url, certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] }, validFor: { start } }],
  };
  return { url, trustedRoot, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * An unsigned JWT with the claims Fulcio reads (the mock does not check signatures). GitLab claims
 * (`ci_config_ref_uri`, `ref`, `ref_type`, `project_path`, `runner_environment`) become
 * certificate extensions.
 */
export function fakeIdToken(claims: { iss: string; sub: string } & Record<string, string>): string {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: "none", typ: "JWT" })}.${enc({ ...claims, aud: "sigstore", iat: now, exp: now + 600 })}.`;
}
