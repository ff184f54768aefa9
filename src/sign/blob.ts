/**
 * `sign-blob`: a `checksums.txt` (sha256sum format) over the given files, its Sigstore bundle,
 * and for archives a SLSA provenance statement (subject = each archive's digest) in a DSSE bundle.
 * One signature covers many files, as goreleaser does: consumers check the bundle once and the
 * file hashes with `sha256sum -c`.
 */
import { basename, join } from "node:path";
import { bundleToJSON } from "@sigstore/bundle";
import { MkError } from "../errors.js";
import { sha256File } from "../util/digest.js";
import { writeFileAtomic } from "../util/fs.js";
import { IN_TOTO_PAYLOAD_TYPE } from "../attest/dsse.js";
import { builderOf } from "../attest/provenance.js";
import { PredicateType, statement, type Subject } from "../attest/statement.js";
import type { MkSigner } from "./signer.js";

const ARCHIVE_RE = /\.(tar\.gz|tgz|tar\.xz|tar\.zst|tar|zip)$/;
export const BLOB_BUILD_TYPE = "https://mailknight.dev/buildtypes/blob/v1";

export interface SignBlobResult {
  checksums: string;
  checksumsBundle: string;
  provenanceBundle?: string;
  files: { name: string; sha256: string }[];
}

export async function signBlobs(files: string[], signer: MkSigner, outDir: string, env: Record<string, string | undefined>, mailknightVersion: string): Promise<SignBlobResult> {
  if (files.length === 0) throw new MkError("E_USAGE", "sign-blob needs at least one file");
  const entries: { name: string; sha256: string }[] = [];
  for (const f of files) {
    const digest = await sha256File(f).catch((e: unknown) => {
      throw new MkError("E_NOT_FOUND", `cannot read ${f}`, { cause: e });
    });
    entries.push({ name: basename(f), sha256: digest.slice(7) });
  }
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name)) throw new MkError("E_USAGE", `two files are named ${e.name}; checksums.txt lists base names`, { hint: "sign files with distinct names" });
    names.add(e.name);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const checksums = Buffer.from(entries.map((e) => `${e.sha256}  ${e.name}\n`).join(""));
  const checksumsPath = join(outDir, "checksums.txt");
  const bundlePath = join(outDir, "checksums.txt.sigstore.json");
  const bundle = await signer.signMessage(checksums);
  await writeFileAtomic(checksumsPath, checksums);
  await writeFileAtomic(bundlePath, JSON.stringify(bundleToJSON(bundle)) + "\n");
  const result: SignBlobResult = { checksums: checksumsPath, checksumsBundle: bundlePath, files: entries };

  const archives: Subject[] = entries.filter((e) => ARCHIVE_RE.test(e.name)).map((e) => ({ name: e.name, digest: { sha256: e.sha256 } }));
  if (archives.length > 0) {
    const builder = builderOf(env, `urn:mailknight:sign-blob:${entries.map((e) => e.sha256.slice(0, 12)).join("-")}`);
    const st = statement(archives, PredicateType.slsaProvenance, {
      buildDefinition: { buildType: BLOB_BUILD_TYPE, externalParameters: { files: archives.map((a) => a.name) }, resolvedDependencies: [] },
      runDetails: { builder: { id: builder.id, version: { mailknight: mailknightVersion } }, metadata: { invocationId: builder.invocationId }, byproducts: [] },
    });
    const prov = await signer.signDsse(Buffer.from(JSON.stringify(st)), IN_TOTO_PAYLOAD_TYPE);
    const provPath = join(outDir, "provenance.intoto.sigstore.json");
    await writeFileAtomic(provPath, JSON.stringify(bundleToJSON(prov)) + "\n");
    result.provenanceBundle = provPath;
  }
  return result;
}
