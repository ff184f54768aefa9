/**
 * Test-only: a local HTTP server (127.0.0.1, random port) answering as Fulcio, Rekor and a TSA,
 * with @sigstore/mock's handlers, plus the matching TrustedRoot JSON. Keyless signing is thus
 * exercised over real HTTP, offline. Not exported from index.ts.
 */
import { createServer, type Server } from "node:http";
import { createHash, generateKeyPairSync } from "node:crypto";
import type { AddressInfo } from "node:net";
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler, type HandlerFn } from "@sigstore/mock";

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
  for (const h of [fulcioHandler(ca), rekorHandler(tlog), tsaHandler(tsa)]) routes.set(h.path, h.fn);
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

/** An unsigned JWT with the claims Fulcio reads (the mock does not check signatures). */
export function fakeIdToken(claims: { iss: string; sub: string }): string {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: "none", typ: "JWT" })}.${enc({ ...claims, aud: "sigstore", iat: now, exp: now + 600 })}.`;
}
