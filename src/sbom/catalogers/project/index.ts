/**
 * project: the software Mailknight built, from the recipe and the stage records rather than
 * from files: name, upstream version, a PURL that names the upstream (`pkg:github/…` or
 * `pkg:generic/…?vcs_url=…` / `?download_url=…&checksum=…`), and a CycloneDX pedigree saying it is
 * a patched downstream of that upstream: the upstream as ancestor (commit or tarball digest) and
 * every applied patch with its digest.
 */
import type { CatalogResult, ComponentHash, SbomComponent } from "../../model.js";
import { normaliseLicense } from "../../licenses.js";
import { purlString } from "../../purl.js";
import type { Cataloger, CatalogInput, ProjectFacts } from "../types.js";

export const id = "project";

/** The upstream's PURL: what a scanner or VEX statement about upstream X would name. */
export function upstreamPurl(p: ProjectFacts): string | undefined {
  if (p.github) {
    const [owner, repo] = p.github.split("/");
    if (owner && repo) return purlString("github", owner.toLowerCase(), repo.toLowerCase(), p.version);
  }
  if (p.gitUrl) return purlString("generic", undefined, p.name, p.version, { vcs_url: p.upstreamCommit ? `git+${p.gitUrl}@${p.upstreamCommit}` : `git+${p.gitUrl}` });
  if (p.tarballUrl) return purlString("generic", undefined, p.name, p.version, { download_url: p.tarballUrl, checksum: p.tarballDigest });
  return purlString("generic", undefined, p.name, p.version);
}

export const cataloger: Cataloger = {
  id,
  version: "1",
  description: "the built project itself: upstream identity and applied patches (pedigree), from the recipe and stage records",
  wants: [],
  catalog({ project }: CatalogInput): CatalogResult {
    if (!project) return { components: [], warnings: [] };
    const purl = upstreamPurl(project);
    const hashes: ComponentHash[] = [];
    const tarHex = project.tarballDigest?.replace(/^sha256:/, "");
    if (tarHex && /^[a-f0-9]{64}$/.test(tarHex)) hashes.push({ alg: "SHA-256", content: tarHex });
    const license = project.license ? normaliseLicense(project.license) : undefined;
    const properties: Record<string, string> = { "mailknight:project": project.name, "mailknight:patches": String(project.patches.length) };
    if (project.builtCommit) properties["mailknight:builtCommit"] = project.builtCommit;
    if (project.upstreamCommit) properties["mailknight:upstreamCommit"] = project.upstreamCommit;
    for (const patch of project.patches) properties[`mailknight:patch:${patch.name}`] = patch.digest;
    const vcs = project.gitUrl ?? (project.github ? `https://github.com/${project.github}` : undefined);
    const component: SbomComponent = {
      ref: purl ?? `project:${project.name}@${project.version}`,
      type: "application",
      name: project.name,
      version: project.version,
      licenses: license ? [license] : [],
      hashes: [],
      locations: [...(project.installedPaths ?? [])].sort(),
      dependsOn: [],
      properties,
      cataloger: id,
      ...(purl ? { purl } : {}),
      ...(project.description ? { description: project.description } : {}),
      externalReferences: [
        ...(vcs ? [{ type: "vcs" as const, url: vcs }] : []),
        ...(project.tarballUrl ? [{ type: "distribution" as const, url: project.tarballUrl }] : []),
      ],
      pedigree: {
        ancestor: {
          name: project.name,
          version: project.version,
          ...(purl ? { purl } : {}),
          ...(project.upstreamCommit ? { commit: project.upstreamCommit } : {}),
          hashes,
        },
        patches: project.patches,
      },
    };
    return { components: [component], warnings: [] };
  },
};
