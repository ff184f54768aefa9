/**
 * `mailknight copy`, `mailknight publish` and `mailknight index show|verify|push`: parsing and
 * rendering only; the work is in oci/registry (copy), publish.ts and release-index.ts.
 */
import type { Command } from "commander";
import { MkError } from "../errors.js";
import { OciLayout } from "../oci/layout.js";
import { Annotation } from "../oci/spec.js";
import { copyImage } from "../oci/registry/copy.js";
import { openLocation } from "../oci/registry/location.js";
import { findWorkspaceRoot, openWorkspace, parseProjectRef } from "../workspace/index.js";
import { publish } from "./publish.js";
import { ReleaseAnnotation, readReleaseIndex, releaseIndexPath } from "./release-index.js";
import { pushReleaseIndex, verifyReleaseIndex } from "./verify.js";

interface Globals {
  workspace?: string;
  json?: boolean;
  quiet?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function out(cmd: Command, value: unknown, text: () => string): void {
  if ((cmd.optsWithGlobals() as Globals).json) process.stdout.write(JSON.stringify(value, null, 2) + "\n");
  else process.stdout.write(text() + "\n");
}

async function workspace(cmd: Command) {
  return await openWorkspace(await findWorkspaceRoot(process.cwd(), (cmd.optsWithGlobals() as Globals).workspace));
}

export function registerReleaseCommands(program: Command): void {
  program
    .command("copy")
    .argument("<src>", "oci:<dir>:<tag> or docker://<registry>/<repo>:<tag>")
    .argument("<dst>", "oci:<dir>:<tag> or docker://<registry>/<repo>:<tag>")
    .option("--insecure <registry>", "allow plain HTTP to this non-loopback registry (repeatable)", collect, [])
    .option("--platform <os/arch>", "copy only this platform out of an index")
    .option("--concurrency <n>", "blob transfers in flight", "4")
    .description("copy an image between an OCI layout and a registry, either direction, verifying every blob")
    .action(async (srcLoc: string, dstLoc: string, o: { insecure: string[]; platform?: string; concurrency: string }, cmd: Command) => {
      const src = await openLocation(srcLoc, { insecure: o.insecure });
      const dst = await openLocation(dstLoc, { insecure: o.insecure, create: true });
      let platform;
      if (o.platform) {
        const [os, architecture, variant] = o.platform.split("/");
        if (!os || !architecture) throw new MkError("E_USAGE", `--platform ${o.platform} is not <os>/<arch>[/<variant>]`, { hint: "e.g. linux/amd64" });
        platform = { os, architecture, variant };
      }
      const r = await copyImage(src.store, src.ref, dst.store, { tags: dst.tag ? [dst.tag] : [], platform, concurrency: Number(o.concurrency) || 4 });
      out(cmd, r, () => `${dstLoc} -> ${r.descriptor.digest} (blobs: ${r.blobs.uploaded} copied, ${r.blobs.mounted} mounted, ${r.blobs.existing} already there)`);
    });

  program
    .command("publish")
    .argument("<project>", "<project>[@<version>]")
    .option("--chunk-size <bytes>", "upload blobs in PATCH chunks of this size")
    .description("push every packaged variant to the registry in mailknight.yaml and record it in mailknight-index.json")
    .action(async (ref: string, o: { chunkSize?: string }, cmd: Command) => {
      const ws = await workspace(cmd);
      const { project, version } = parseProjectRef(ref);
      const quiet = (cmd.optsWithGlobals() as Globals).quiet;
      const r = await publish(ws, {
        project,
        version,
        chunkSize: o.chunkSize ? Number(o.chunkSize) : undefined,
        // One line per blob on stderr: shows progress, and lets a caller see how far it got.
        onBlob: quiet ? undefined : (variant, digest, result) => process.stderr.write(`blob ${variant} ${digest} ${result}\n`),
      });
      out(cmd, r, () =>
        r.images
          .map((i) => {
            const evidence = i.signatures.referrers.length + i.signatures.legacy.length > 0 ? `; ${i.signatures.referrers.length} referrer(s)${i.signatures.legacy.length ? `, ${i.signatures.legacy.join(", ")}` : ""}` : "; unsigned";
            return `${i.repository}@${i.digest} ${i.variant}: ${i.tags.join(", ")} (${i.blobs.uploaded} uploaded, ${i.blobs.existing} already there${evidence})`;
          })
          .join("\n"),
      );
    });

  const index = program.command("index").description("the release index mailknight-index.json");
  index
    .command("show")
    .description("list released images with their digests and evidence")
    .action(async (_o, cmd: Command) => {
      const ws = await workspace(cmd);
      const idx = await readReleaseIndex(ws.root);
      out(cmd, idx, () =>
        idx.manifests.length === 0
          ? `no releases in ${releaseIndexPath(ws.root)}`
          : idx.manifests
              .map((d) => {
                const a = d.annotations ?? {};
                const ev = [ReleaseAnnotation.gate, ReleaseAnnotation.sbomDigest, ReleaseAnnotation.signatureDigest, ReleaseAnnotation.provenanceDigest]
                  .filter((k) => a[k])
                  .map((k) => `${k.replace("dev.mailknight.", "")}=${a[k]}`);
                return `${a[Annotation.refName]}  ${d.digest}  ${a[ReleaseAnnotation.repository] ?? ""}${ev.length ? `  ${ev.join(" ")}` : ""}`;
              })
              .join("\n"),
      );
    });
  index
    .command("verify")
    .option("--registry", "check each entry in its registry repository instead of the workspace layout")
    .option("--insecure <registry>", "allow plain HTTP to this non-loopback registry (repeatable)", collect, [])
    .description("check that every listed manifest exists with that digest")
    .action(async (o: { registry?: boolean; insecure: string[] }, cmd: Command) => {
      const ws = await workspace(cmd);
      const file = releaseIndexPath(ws.root);
      const idx = await readReleaseIndex(ws.root);
      const problems = await verifyReleaseIndex(idx, file, { registry: o.registry, insecure: o.insecure, layout: o.registry ? undefined : await OciLayout.open(ws.layoutDir) });
      if (problems.length > 0) throw new MkError("E_INTEGRITY", `${problems.length} of ${idx.manifests.length} release(s) in ${file} do not verify`, { problems, hint: "publish the missing releases again, or remove stale entries" });
      out(cmd, { ok: true, verified: idx.manifests.length }, () => `ok: ${idx.manifests.length} release(s) verified`);
    });
  index
    .command("push")
    .argument("[target]", "registry/repo:tag (default: <registry>/<namespace>/mailknight-index:latest from mailknight.yaml)")
    .description("publish mailknight-index.json to a registry as an OCI artifact")
    .action(async (target: string | undefined, _o, cmd: Command) => {
      const ws = await workspace(cmd);
      const reg = ws.config.registry;
      const dest = target ?? (reg ? `${reg.host}/${reg.namespace ? `${reg.namespace}/` : ""}mailknight-index:latest` : undefined);
      if (!dest) throw new MkError("E_USAGE", "no target given and mailknight.yaml has no registry", { hint: "pass <registry>/<repo>:<tag> or configure `registry:`" });
      const desc = await pushReleaseIndex(await readReleaseIndex(ws.root), dest, { insecure: reg?.insecure && dest.startsWith(`${reg.host}/`) });
      out(cmd, desc, () => `${dest} -> ${desc.digest}`);
    });
}
