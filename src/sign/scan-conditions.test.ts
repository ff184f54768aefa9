/**
 * Scan conditions end to end: real keys, real attestations attached to an image in a layout, real
 * verification. Only verified attestations count: VEX signed by another key, or an unsigned
 * `.att` layer, mitigates nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PredicateType } from "../attest/statement.js";
import { gateDecisionPredicate, vulnScanPredicate, type VulnScanInput } from "../attest/predicates.js";
import { DSSE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE } from "../attest/dsse.js";
import { attachLegacy } from "./attach.js";
import { CosignAnnotation } from "./cosign.js";
import { attestImage, signImage } from "./image-sign.js";
import { keySigner } from "./signer.js";
import { verifyImage, type VerifyOptions } from "./verify-image.js";
import { isVerifyError } from "./checks.js";
import { checkScanConditions } from "./scan-conditions.js";
import { testImage, testKeys, type TestImage } from "./testing.js";
import { expectVerifyFail as expectFail } from "./testing.js";

const keys = testKeys();
const signer = keySigner(keys.privateKey);
const attacker = keySigner(testKeys().privateKey);
const policy = { kind: "key" as const, publicKey: keys.publicKey };
const NOW = new Date("2026-06-01T12:00:00Z");
const daysAgo = (d: number): string => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const REF = "registry.local/greeter";

function scan(finishedDaysAgo: number, results: VulnScanInput["results"]): [string, unknown] {
  return vulnScanPredicate({ scanner: { uri: "pkg:npm/mailknight", version: "0.1.0" }, startedOn: daysAgo(finishedDaysAgo + 0.01), finishedOn: daysAgo(finishedDaysAgo), results });
}

function openvex(img: TestImage, vuln: string, status: string, extra: Record<string, unknown> = {}): unknown {
  const hex = img.manifest.digest.slice("sha256:".length);
  return {
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": `https://mailknight.dev/vex/greeter/${vuln}-${status}`,
    author: "security@example.com",
    timestamp: daysAgo(2),
    version: 1,
    statements: [{ vulnerability: { name: vuln }, products: [{ "@id": `pkg:oci/greeter@sha256%3A${hex}` }], status, ...(status === "not_affected" ? { justification: "vulnerable_code_not_in_execute_path" } : {}), ...extra }],
  };
}

const HIGH = { id: "CVE-2026-1111", severity: "HIGH", package: "pkg:deb/debian/openssl@3.0.11-1" };
const CRITICAL = { id: "CVE-2026-2222", severity: "CRITICAL", package: "pkg:deb/debian/zlib@1.2.13" };
const LOW = { id: "CVE-2026-3333", severity: "LOW", package: "pkg:deb/debian/tar@1.34" };

async function image(...attestations: [string, unknown][]): Promise<TestImage> {
  const img = await testImage();
  await signImage(img.store, img.manifest, REF, signer);
  for (const [type, predicate] of attestations) await attestImage(img.store, img.manifest, REF, signer, type, predicate);
  return img;
}

async function check(img: TestImage, scan: VerifyOptions["scan"] = { maxAgeDays: 7 }) {
  return verifyImage({ store: img.store, ref: "greeter:v1", policy, scan, now: NOW });
}


async function using(img: TestImage, fn: (img: TestImage) => Promise<void>): Promise<void> {
  try {
    await fn(img);
  } finally {
    img.cleanup();
  }
}

test("scan: a fresh scan without HIGH/CRITICAL passes; the report says how old it is", async () => {
  await using(await image(scan(1, [LOW])), async (img) => {
    const r = await check(img);
    const c = r.checks.find((x) => x.check === "attestation.condition");
    assert.match(c?.detail ?? "", /1\.0 days old\) within 7 days; no unmitigated HIGH\/CRITICAL/);
    assert.ok(r.checks.some((x) => x.check === "attestation.present" && /^vuln:/.test(x.detail)));
  });
});

test("scan: a stale scan fails on attestation.condition, naming its date", async () => {
  await using(await image(scan(10, [])), async (img) => {
    await expectFail(check(img), "attestation.condition", new RegExp(`finished at ${daysAgo(10).replace(/\./g, "\\.")}, 10\\.0 days ago; policy allows at most 7 days`));
    // Age alone is not checked without --scan-max-age.
    await check(img, { failOn: ["HIGH", "CRITICAL"] });
  });
});

test("scan: the newest verified scan counts", async () => {
  await using(await image(scan(30, [HIGH]), scan(1, [])), async (img) => void (await check(img)));
  await using(await image(scan(1, [HIGH]), scan(30, [])), async (img) => {
    await expectFail(check(img, { failOn: ["HIGH"] }), "attestation.condition", /CVE-2026-1111/);
  });
});

test("scan: no vulnerability attestation fails on attestation.present", async () => {
  await using(await image(), async (img) => void (await expectFail(check(img), "attestation.present", /vuln/)));
});

test("scan: a HIGH finding without VEX fails, naming the finding", async () => {
  await using(await image(scan(1, [HIGH, LOW])), async (img) => {
    await expectFail(check(img), "attestation.condition", /1 unmitigated HIGH\/CRITICAL finding\(s\): CVE-2026-1111 \(HIGH, pkg:deb\/debian\/openssl@3\.0\.11-1\)/);
    // --scan-fail-on none: the age only.
    await check(img, { maxAgeDays: 7, failOn: [] });
    // --scan-fail-on CRITICAL: HIGH is let through.
    await check(img, { failOn: ["CRITICAL"] });
  });
});

test("scan: a verified OpenVEX not_affected attestation for this image mitigates the finding", async () => {
  const img = await image(scan(1, [HIGH]));
  await using(img, async () => {
    await attestImage(img.store, img.manifest, REF, signer, PredicateType.openvex, openvex(img, HIGH.id, "not_affected"));
    const r = await check(img);
    assert.match(r.checks.find((x) => x.check === "attestation.condition")?.detail ?? "", /1 mitigated/);
  });
});

test("scan: VEX that is affected, expired, for another vulnerability or another image mitigates nothing", async () => {
  const other = await testImage("greeter:v1", "other");
  try {
    for (const [i, vex] of [
      (img: TestImage) => openvex(img, HIGH.id, "affected", { action_statement: "upgrade" }),
      (img: TestImage) => openvex(img, HIGH.id, "under_investigation"),
      (img: TestImage) => openvex(img, "CVE-2026-9999", "not_affected"),
      () => openvex(other, HIGH.id, "not_affected"),
      // Mailknight's expiry token in status_notes (src/vex/formats/openvex/expiry.ts), past.
      (img: TestImage) => openvex(img, HIGH.id, "not_affected", { status_notes: `mailknight:expires=${daysAgo(1)}` }),
    ].entries()) {
      const img = await image(scan(1, [HIGH]));
      await using(img, async () => {
        await attestImage(img.store, img.manifest, REF, signer, PredicateType.openvex, vex(img));
        await expectFail(check(img), "attestation.condition", /CVE-2026-1111/).catch((e: unknown) => {
          throw new Error(`case ${i}: ${String(e)}`);
        });
      });
    }
  } finally {
    other.cleanup();
  }
});

test("scan: a newer affected statement overrides an older not_affected one", async () => {
  const img = await image(scan(1, [HIGH]));
  await using(img, async () => {
    await attestImage(img.store, img.manifest, REF, signer, PredicateType.openvex, openvex(img, HIGH.id, "not_affected"));
    await attestImage(img.store, img.manifest, REF, signer, PredicateType.openvex, { ...(openvex(img, HIGH.id, "affected", { action_statement: "upgrade" }) as object), "@id": "https://mailknight.dev/vex/newer", timestamp: daysAgo(1) });
    await expectFail(check(img), "attestation.condition", /CVE-2026-1111/);
  });
});

test("scan: VEX signed by another key, or an unsigned VEX layer, does not count", async () => {
  const img = await image(scan(1, [HIGH]));
  await using(img, async () => {
    // Signed by a key the policy does not trust, in both layouts.
    await attestImage(img.store, img.manifest, REF, attacker, PredicateType.openvex, openvex(img, HIGH.id, "not_affected"));
    await expectFail(check(img), "attestation.condition", /CVE-2026-1111/);
    // An unsigned DSSE envelope pushed under the .att tag, announcing itself as OpenVEX.
    const statement = { _type: "https://in-toto.io/Statement/v1", subject: [{ name: REF, digest: { sha256: img.manifest.digest.slice(7) } }], predicateType: PredicateType.openvex, predicate: openvex(img, HIGH.id, "not_affected") };
    const envelope = { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: Buffer.from(JSON.stringify(statement)).toString("base64"), signatures: [] };
    await attachLegacy(img.store, img.manifest.digest, "att", { payload: Buffer.from(JSON.stringify(envelope)), mediaType: DSSE_MEDIA_TYPE, annotations: { [CosignAnnotation.signature]: "", [CosignAnnotation.predicateType]: PredicateType.openvex } });
    await expectFail(check(img), "attestation.condition", /CVE-2026-1111/);
    // The same statement signed with the trusted key is what makes it pass.
    await attestImage(img.store, img.manifest, REF, signer, PredicateType.openvex, openvex(img, HIGH.id, "not_affected"));
    await check(img);
  });
});

test("scan: a CRITICAL finding waived in a verified gate decision passes; a failing or forged decision does not count", async () => {
  const decision = (verdict: "pass" | "fail") =>
    gateDecisionPredicate({ verdict, policy: { digest: `sha256:${"0".repeat(64)}` }, decidedOn: daysAgo(1), blocking: [], waived: [{ ...CRITICAL, vex: "https://mailknight.dev/vex/greeter/zlib" }] });
  await using(await image(scan(1, [CRITICAL]), decision("pass")), async (img) => void (await check(img)));
  await using(await image(scan(1, [CRITICAL]), decision("fail")), async (img) => void (await expectFail(check(img), "attestation.condition", /CVE-2026-2222 \(CRITICAL/)));
  const img = await image(scan(1, [CRITICAL]));
  await using(img, async () => {
    const [type, predicate] = decision("pass");
    await attestImage(img.store, img.manifest, REF, attacker, type, predicate);
    await expectFail(check(img), "attestation.condition", /CVE-2026-2222/);
  });
  // A waiver for the same id in another package does not cover this finding.
  const elsewhere = gateDecisionPredicate({ verdict: "pass", policy: { digest: `sha256:${"0".repeat(64)}` }, decidedOn: daysAgo(1), blocking: [], waived: [{ ...CRITICAL, package: "pkg:deb/debian/other@1", vex: "x" }] });
  await using(await image(scan(1, [CRITICAL]), elsewhere), async (img) => void (await expectFail(check(img), "attestation.condition", /CVE-2026-2222/)));
});

test("scan conditions (pure): CVSS scores map to severities; a scan from the future or without a date fails", () => {
  const st = (predicate: unknown) => ({ _type: "https://in-toto.io/Statement/v1" as const, subject: [{ name: REF, digest: { sha256: "a".repeat(64) } }], predicateType: PredicateType.vulnScan, predicate });
  const base = { digest: `sha256:${"a".repeat(64)}`, vex: [], gates: [], now: NOW };
  const withScore = (score: string) => st({ scanner: { uri: "x", result: [{ id: "CVE-1", severity: [{ method: "CVSS_V3", score }] }] }, metadata: { scanFinishedOn: daysAgo(1) } });
  assert.throws(() => checkScanConditions({ ...base, scans: [withScore("9.8")], conditions: {} }), /CVE-1 \(CRITICAL\)/);
  assert.throws(() => checkScanConditions({ ...base, scans: [withScore("7.0")], conditions: {} }), /CVE-1 \(HIGH\)/);
  checkScanConditions({ ...base, scans: [withScore("6.9")], conditions: {} });
  assert.throws(() => checkScanConditions({ ...base, scans: [st({ scanner: { result: [] }, metadata: { scanFinishedOn: "2099-01-01T00:00:00Z" } })], conditions: {} }), (e) => isVerifyError(e) && e.check === "attestation.condition" && /after now/.test(e.message));
  assert.throws(() => checkScanConditions({ ...base, scans: [st({ scanner: { result: [] }, metadata: {} })], conditions: {} }), (e) => isVerifyError(e) && e.check === "attestation.condition");
});
