/**
 * `mailknight key generate | sign | attest | verify | sign-blob`: argument parsing and output only.
 * Secrets (passphrases, OIDC tokens, private keys) are read here and passed on, never printed.
 */
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { formatTable } from "../util/text-table.js";
import { MkError } from "../errors.js";
import { writeFileAtomic, pathExists } from "../util/fs.js";
import { OciLayout } from "../oci/layout.js";
import { LayoutStore } from "../oci/registry/store.js";
import { openLocation } from "../oci/registry/location.js";
import { MAILKNIGHT_VERSION } from "../pipeline/version.js";
import { findWorkspaceRoot, openWorkspace, parseProjectRef } from "../workspace/workspace.js";
import { signBlobs } from "./blob.js";
import { configuredSigner } from "./configured-signer.js";
import { generateKeyPair, loadPrivateKey, loadPublicKey, readPassphrase } from "./keys.js";
import { attestRelease, signRelease, type ReleaseResult } from "./release.js";
import { attestImage, signImage, type LayoutSwitches } from "./image-sign.js";
import { PredicateType } from "../attest/statement.js";
import { identityTokenFromEnv, keySigner, keylessSigner, type MkSigner } from "./signer.js";
import { REQUIREMENT_TYPES, verifyImage, type Requirement } from "./verify-image.js";
import type { TrustPolicy } from "./bundle-verify.js";
import { collectEvidenceAll, type EvidenceOptions, type EvidenceRow } from "./evidence.js";
import { bomEvidence, evidenceTableRows, scanEvidence } from "./evidence-matrix.js";
import { defaultBomOptions } from "../pin/bom.js";
import { kyvernoPolicy, sigstorePolicy, type AdmissionPolicyInput } from "./admission.js";
import { certificatePins, scanConditions } from "./verify-flags.js";

interface Globals {
  workspace?: string;
  json?: boolean;
  quiet?: boolean;
}

interface SignerOpts {
  key?: string;
  passwordFile?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
  tlog?: boolean;
}

async function signerFrom(o: SignerOpts): Promise<MkSigner> {
  if (o.key) {
    const pem = await readFile(o.key, "utf8").catch((e: unknown) => {
      throw new MkError("E_NOT_FOUND", `cannot read private key ${o.key}`, { cause: e });
    });
    return keySigner(loadPrivateKey(pem, await readPassphrase({ passwordFile: o.passwordFile }), o.key));
  }
  const token = identityTokenFromEnv(process.env);
  if (!token) {
    throw new MkError("E_USAGE", "no signing identity: pass --key <file>, or set SIGSTORE_ID_TOKEN for keyless signing", {
      hint: "in GitLab CI: id_tokens: { SIGSTORE_ID_TOKEN: { aud: sigstore } }",
    });
  }
  return keylessSigner({ identityToken: token, fulcioURL: o.fulcioUrl, rekorURL: o.rekorUrl, tsaURL: o.tsaUrl, tlogUpload: o.tlog });
}

function signerOptions(cmd: Command): Command {
  return cmd
    .option("--key <file>", "encrypted PKCS#8 private key (default: mailknight.yaml's signing:, else keyless with SIGSTORE_ID_TOKEN)")
    .option("--password-file <file>", "key passphrase file (default: $MK_KEY_PASSWORD)")
    .option("--fulcio-url <url>", "Fulcio for keyless signing (default: public-good instance)")
    .option("--rekor-url <url>", "Rekor transparency log (default: public-good instance)")
    .option("--tsa-url <url>", "RFC 3161 timestamp authority (default: none)")
    .option("--no-tlog", "do not upload to Rekor (private deployments with a TSA)");
}

async function workspace(cmd: Command) {
  const g = cmd.optsWithGlobals() as Globals;
  return await openWorkspace(await findWorkspaceRoot(process.cwd(), g.workspace));
}

interface ReleaseCliOpts extends SignerOpts {
  referrers: boolean;
  legacy: boolean;
  allowUngated?: boolean;
}

/** `oci:<dir>@sha256:<hex>` (by digest) or whatever openLocation understands. */
async function openVerifyTarget(target: string): Promise<{ store: LayoutStore | Awaited<ReturnType<typeof openLocation>>["store"]; ref: string }> {
  const m = /^oci:(.+)@(sha256:[a-f0-9]{64})$/.exec(target);
  if (m) return { store: new LayoutStore(await OciLayout.open(m[1] as string)), ref: m[2] as string };
  const loc = await openLocation(target);
  return { store: loc.store, ref: loc.ref };
}

/** `sign|attest oci:...|docker://...`: one image, resolved to its digest first, in its own store. */
async function signOneImage(which: "sign" | "attest", target: string, signer: MkSigner, switches: LayoutSwitches, o: { predicate?: string; type?: string; identity?: string }): Promise<ReleaseResult> {
  const { store, ref } = await openVerifyTarget(target);
  const desc = await store.resolve(ref);
  if (!desc) throw new MkError("E_NOT_FOUND", `${ref} is not in ${store.description}`, { hint: "check the tag or digest" });
  const subject = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
  const identity = o.identity ?? (target.startsWith("docker://") ? target.slice("docker://".length).replace(/[:@][^/]*$/, "") : ref.replace(/:[^:]*$/, ""));
  if (which === "sign") {
    const a = await signImage(store, subject, identity, signer, switches);
    return { ref: target, images: [{ variant: "-", digest: desc.digest, reference: identity, attached: [{ predicateType: PredicateType.cosignSign, referrer: a.referrer?.digest, legacy: a.legacy?.digest }] }] };
  }
  if (!o.predicate || !o.type) throw new MkError("E_USAGE", "attesting one image needs --predicate <file> and --type <uri>");
  let predicate: unknown;
  try {
    predicate = JSON.parse(await readFile(o.predicate, "utf8"));
  } catch (e) {
    throw new MkError("E_USAGE", `--predicate ${o.predicate} is not a readable JSON file`, { cause: e });
  }
  const a = await attestImage(store, subject, identity, signer, o.type, predicate, switches);
  return { ref: target, images: [{ variant: "-", digest: desc.digest, reference: identity, attached: [{ predicateType: o.type, referrer: a.referrer?.digest, legacy: a.legacy?.digest }] }] };
}

export function registerSignCommands(program: Command): void {
  const key = program.command("key").description("manage signing keys");
  key
    .command("generate")
    .option("--output-prefix <path>", "write <path>.key and <path>.pub", "mailknight")
    .option("--password-file <file>", "passphrase file (default: $MK_KEY_PASSWORD)")
    .option("--force", "overwrite existing key files")
    .description("generate an ECDSA P-256 key pair; the private key is encrypted PKCS#8 PEM")
    .action(async (o: { outputPrefix: string; passwordFile?: string; force?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals() as Globals;
      const keyFile = resolve(`${o.outputPrefix}.key`);
      const pubFile = resolve(`${o.outputPrefix}.pub`);
      for (const f of [keyFile, pubFile]) {
        if (!o.force && (await pathExists(f))) throw new MkError("E_USAGE", `${f} exists; refusing to overwrite a key`, { hint: "pass --force or another --output-prefix" });
      }
      const pair = generateKeyPair(await readPassphrase({ passwordFile: o.passwordFile }));
      await writeFileAtomic(keyFile, pair.privateKeyPem, 0o600);
      await writeFileAtomic(pubFile, pair.publicKeyPem, 0o644);
      if (g.json) process.stdout.write(JSON.stringify({ privateKey: keyFile, publicKey: pubFile }, null, 2) + "\n");
      else if (!g.quiet) process.stderr.write(`private key ${keyFile} (encrypted), public key ${pubFile}\n`);
    });

  for (const which of ["sign", "attest"] as const) {
    signerOptions(program.command(which))
      .argument("<target>", "<project>[@<version>] (the release's packaged images), or one image: oci:<dir>:<tag>, oci:<dir>@sha256:<hex>, docker://<reference>")
      .option("--no-referrers", "do not attach Sigstore bundle referrers (OCI 1.1 + sha256-<hex> tag)")
      .option("--no-legacy", "do not write cosign's sha256-<hex>.sig/.att tags")
      .option("--allow-ungated", "sign although no gate record says the release passed")
      .option("--predicate <file>", "attest: the predicate JSON (single-image targets)")
      .option("--type <uri>", "attest: the predicate type URI (single-image targets)")
      .option("--identity <name>", "docker reference recorded in the signature (single-image targets; default: the repository)")
      .description(which === "sign" ? "sign a release's packaged images (after the gate passed), or one image" : "attest a release's images (provenance, SBOM, VEX), or one image with --predicate/--type")
      .action(async (target: string, o: ReleaseCliOpts & { predicate?: string; type?: string; identity?: string }, cmd: Command) => {
        const g = cmd.optsWithGlobals() as Globals;
        const switches = { referrers: o.referrers, legacy: o.legacy };
        let result: ReleaseResult;
        if (/^(oci:|docker:\/\/)/.test(target)) {
          result = await signOneImage(which, target, await signerFrom(o), switches, o);
        } else {
          const { project, version } = parseProjectRef(target);
          const ws = await workspace(cmd);
          // No signer on the command line: the workspace's `signing:` section, when there is one.
          const useConfigured = !o.key && !o.fulcioUrl && !o.rekorUrl && !o.tsaUrl && ws.config.signing !== undefined;
          const signer = useConfigured ? await configuredSigner(ws) : await signerFrom(o);
          const opts = { ws, project, version, signer, switches, allowUngated: o.allowUngated };
          result = which === "sign" ? await signRelease(opts) : await attestRelease(opts);
        }
        if (g.json) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
        else if (!g.quiet) {
          for (const img of result.images) process.stderr.write(`${result.ref} ${img.variant} ${img.digest}: ${img.attached.map((a) => a.predicateType).join(", ")}\n`);
        }
      });
  }

  program
    .command("verify")
    .argument("<image>", "oci:<dir>:<tag>, oci:<dir>@sha256:<hex> or docker://<reference>")
    .option("--key <file>", "trusted public key (PEM)")
    .option("--certificate-identity <san>", "required signer identity (exact)")
    .option("--certificate-identity-regexp <re>", "required signer identity (regular expression)")
    .option("--certificate-oidc-issuer <url>", "required OIDC issuer of the signer")
    .option("--trusted-root <file>", "Sigstore trusted_root.json for keyless verification")
    .option("--require <list>", `required attestations: ${Object.keys(REQUIREMENT_TYPES).join(",")}`)
    .option("--builder-id <id>", "required provenance builder id")
    .option("--source-repo <uri>", "required provenance source repository")
    .option("--certificate-build-config <uri>", "keyless: required pipeline file and ref (Fulcio Build Config URI, exact), e.g. https://gitlab.example.com/group/proj//.gitlab-ci.yml@refs/heads/main")
    .option("--certificate-build-config-regexp <re>", "keyless: required Build Config URI (regular expression)")
    .option("--certificate-source-ref <ref>", "keyless: required Source Repository Ref, e.g. refs/heads/main or refs/tags/v1")
    .option("--scan-max-age <days>", "the newest verified vulnerability scan is at most this old (implies --require vuln)")
    .option("--scan-fail-on <severities>", "no unmitigated scan result of these severities (default with --scan-max-age: HIGH,CRITICAL; none: age only)")
    .description("verify an image's signatures and required attestations (offline, fails closed)")
    .action(async (target: string, o: Record<string, string | undefined>, cmd: Command) => {
      const g = cmd.optsWithGlobals() as Globals;
      let policy: TrustPolicy;
      const pins = certificatePins(o);
      if (o.key) {
        if (o.certificateIdentity || o.certificateIdentityRegexp || pins) throw new MkError("E_USAGE", "--key and --certificate-* are exclusive");
        policy = { kind: "key", publicKey: loadPublicKey(await readFile(o.key, "utf8"), o.key) };
      } else {
        if (!o.certificateOidcIssuer || !(o.certificateIdentity || o.certificateIdentityRegexp)) {
          throw new MkError("E_USAGE", "keyless verification needs --certificate-oidc-issuer and --certificate-identity or --certificate-identity-regexp", { hint: "or pass --key <public key>" });
        }
        if (!o.trustedRoot) throw new MkError("E_USAGE", "keyless verification needs --trusted-root <trusted_root.json> (offline)", { hint: "get it with `cosign trusted-root create` or from your Sigstore deployment's TUF repository" });
        let re: RegExp | undefined;
        try {
          re = o.certificateIdentityRegexp ? new RegExp(o.certificateIdentityRegexp) : undefined;
        } catch (e) {
          throw new MkError("E_USAGE", `--certificate-identity-regexp is not a valid regular expression: ${(e as Error).message}`);
        }
        policy = {
          kind: "keyless",
          trustedRoot: JSON.parse(await readFile(o.trustedRoot, "utf8")) as unknown,
          issuer: o.certificateOidcIssuer,
          ...(o.certificateIdentity ? { identity: o.certificateIdentity } : {}),
          ...(re ? { identityRegexp: re } : {}),
          ...(pins ? { certificateExtensions: pins } : {}),
        };
      }
      const require = (o.require ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      for (const r of require) {
        if (!(r in REQUIREMENT_TYPES)) throw new MkError("E_USAGE", `--require ${r}: unknown attestation kind`, { hint: `one of ${Object.keys(REQUIREMENT_TYPES).join(", ")}` });
      }
      const scan = scanConditions(o);
      const { store, ref } = await openVerifyTarget(target);
      const provenance = o.builderId || o.sourceRepo ? { ...(o.builderId ? { builderId: o.builderId } : {}), ...(o.sourceRepo ? { sourceRepo: o.sourceRepo } : {}) } : undefined;
      const report = await verifyImage({ store, ref, policy, require: require as Requirement[], ...(provenance ? { provenance } : {}), ...(scan ? { scan } : {}) });
      if (g.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      else if (!g.quiet) {
        for (const c of report.checks) process.stderr.write(`ok  ${c.check}: ${c.detail}\n`);
        process.stderr.write(`verified ${report.digest}\n`);
      }
    });

  signerOptions(program.command("sign-blob"))
    .argument("<files...>", "files to sign")
    .option("-o, --output-dir <dir>", "where checksums.txt and the bundles go", ".")
    .description("write checksums.txt + its Sigstore bundle, and SLSA provenance for archives")
    .action(async (files: string[], o: SignerOpts & { outputDir: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals() as Globals;
      const result = await signBlobs(files.map((f) => resolve(f)), await signerFrom(o), resolve(o.outputDir), process.env, MAILKNIGHT_VERSION);
      if (g.json) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
      else if (!g.quiet) process.stderr.write(`signed ${result.files.length} file(s): ${result.checksums}, ${result.checksumsBundle}${result.provenanceBundle ? `, ${result.provenanceBundle}` : ""}\n`);
    });

  program
    .command("policy")
    .argument("<kind>", "kyverno | sigstore")
    .requiredOption("--images <globs>", "comma-separated image globs, e.g. registry.local/team/*")
    .option("--name <name>", "metadata.name of the policy", "mailknight-verify-images")
    .option("--key <file>", "trusted public key (PEM)")
    .option("--certificate-identity <san>", "required signer identity (exact)")
    .option("--certificate-identity-regexp <re>", "required signer identity (regular expression)")
    .option("--certificate-oidc-issuer <url>", "required OIDC issuer")
    .option("--fulcio-url <url>", "Fulcio of a private Sigstore (sigstore policy only)")
    .option("--rekor-url <url>", "Rekor of a private Sigstore")
    .option("--require <list>", `required attestations: ${Object.keys(REQUIREMENT_TYPES).join(",")}`)
    .option("--builder-id <id>", "required provenance builder id")
    .option("--scan-max-age <days>", "the vulnerability scan attestation is at most this old")
    .option("--scan-fail-on <severities>", "no unmitigated findings: requires a passing gate-decision attestation (default with --scan-max-age; none: age only)")
    .description("print a Kyverno ClusterPolicy or sigstore policy-controller ClusterImagePolicy for the released images")
    .action(async (kind: string, o: Record<string, string | undefined>) => {
      if (kind !== "kyverno" && kind !== "sigstore") throw new MkError("E_USAGE", `unknown policy kind ${JSON.stringify(kind)}`, { hint: "kyverno or sigstore" });
      let trust: AdmissionPolicyInput["trust"];
      if (o.key) trust = { kind: "key", publicKeyPem: loadPublicKey(await readFile(o.key, "utf8"), o.key).export({ type: "spki", format: "pem" }).toString() };
      else if (o.certificateOidcIssuer && (o.certificateIdentity || o.certificateIdentityRegexp)) {
        trust = {
          kind: "keyless",
          issuer: o.certificateOidcIssuer,
          ...(o.certificateIdentity ? { identity: o.certificateIdentity } : {}),
          ...(o.certificateIdentityRegexp ? { identityRegexp: o.certificateIdentityRegexp } : {}),
          ...(o.fulcioUrl ? { fulcioURL: o.fulcioUrl } : {}),
          ...(o.rekorUrl ? { rekorURL: o.rekorUrl } : {}),
        };
      } else throw new MkError("E_USAGE", "a policy needs --key, or --certificate-oidc-issuer with --certificate-identity(-regexp)");
      const require = (o.require ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      for (const r of require) if (!(r in REQUIREMENT_TYPES)) throw new MkError("E_USAGE", `--require ${r}: unknown attestation kind`, { hint: `one of ${Object.keys(REQUIREMENT_TYPES).join(", ")}` });
      const input: AdmissionPolicyInput = {
        name: o.name ?? "mailknight-verify-images",
        images: (o.images ?? "").split(",").map((s) => s.trim()).filter(Boolean),
        trust,
        require: require as Requirement[],
        ...(o.builderId ? { builderId: o.builderId } : {}),
      };
      const scan = scanConditions(o);
      if (scan) input.scan = scan;
      process.stdout.write(kind === "kyverno" ? kyvernoPolicy(input) : sigstorePolicy(input));
    });

  program
    .command("evidence")
    .argument("[images...]", "oci:<dir>:<tag>, oci:<dir>@sha256:<hex>, docker://<reference> or a plain reference; with --scan: files or directories")
    .option("--bom <file>", "the images of an image BOM's container components (`mailknight pin bom`)")
    .option("--scan", "the arguments are deployment files or directories: find the images they reference (as `pin bom` does)")
    .option("-o, --output <file>", "with --bom or --scan: write the image BOM with dev.mailknight:evidence:* properties here")
    .option("--concurrency <n>", "images read at once", "8")
    .option("--timeout <seconds>", "per registry request; an unreachable registry gives an error row", "10")
    .option("--insecure <registry>", "allow plain HTTP to this non-loopback registry (repeatable)", (v: string, p: string[]) => [...p, v], [] as string[])
    .description("what is attached to each image: signatures (cosign tags, bundle referrers), claimed signers, SBOM, provenance (not verified)")
    .action(async (images: string[], o: { bom?: string; scan?: boolean; output?: string; concurrency: string; timeout: string; insecure: string[] }, cmd: Command) => {
      const g = cmd.optsWithGlobals() as Globals;
      const concurrency = Number(o.concurrency);
      const timeout = Number(o.timeout);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new MkError("E_USAGE", `--concurrency ${o.concurrency}: not a positive integer`);
      if (!(timeout > 0)) throw new MkError("E_USAGE", `--timeout ${o.timeout}: not a positive number of seconds`);
      if (o.bom && o.scan) throw new MkError("E_USAGE", "--bom and --scan do not go together", { hint: "scan the deployment once: `mailknight pin bom <dirs> -o images.cdx.json`, then `evidence --bom images.cdx.json`" });
      if (o.output && !o.bom && !o.scan) throw new MkError("E_USAGE", "-o writes an image BOM: it needs --bom <file> or --scan <dirs...>");
      if (!o.bom && images.length === 0) throw new MkError("E_USAGE", o.scan ? "--scan needs files or directories" : "name images, or pass --bom <file> or --scan <dirs...>");
      const opts: EvidenceOptions = { concurrency, timeoutMs: timeout * 1000, insecure: o.insecure };
      const rows: EvidenceRow[] = [];
      let bom: unknown;
      if (o.scan) {
        const r = await scanEvidence(images, { ...opts, cwd: process.cwd(), bomOptions: defaultBomOptions(MAILKNIGHT_VERSION) });
        rows.push(...r.rows);
        bom = r.bom;
      } else {
        if (o.bom) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(await readFile(o.bom, "utf8"));
          } catch (e) {
            throw new MkError("E_CONFIG_INVALID", `--bom ${o.bom} is not a readable JSON file`, { cause: e, hint: "write one with `mailknight pin bom <dirs> -o images.cdx.json`" });
          }
          const r = await bomEvidence(parsed, { ...opts, file: o.bom });
          rows.push(...r.rows);
          bom = r.bom;
        }
        const located = images.map((image) => ({ image, location: /^(oci:|docker:\/\/)/.test(image) ? image : `docker://${image}` }));
        rows.push(...(await collectEvidenceAll(located, opts)));
      }
      if (o.output) await writeFileAtomic(o.output, JSON.stringify(bom, null, 2) + "\n");
      if (g.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
        return;
      }
      const t = evidenceTableRows(rows);
      process.stdout.write(formatTable(t.headers, t.rows) + "\n");
    });
}
