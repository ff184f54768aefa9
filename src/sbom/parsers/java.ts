/**
 * Java archives (jar, war, ear, Spring Boot fat jars), read from memory without extracting:
 *
 *  - every `META-INF/maven/<group>/<artifact>/pom.properties` is one Maven package
 *    (groupId, artifactId, version);
 *  - without pom.properties, the manifest's main section names the jar (Bundle-SymbolicName /
 *    Implementation-Title, Bundle-Version / Implementation-Version), and without that, its file
 *    name (`artifact-1.2.3.jar`), with a warning;
 *  - nested archives (`BOOT-INF/lib/*.jar`, `WEB-INF/lib/*.jar`, a war inside an ear, ...)
 *    are read recursively up to a depth and size budget.
 *
 * Each archive has one root package (the archive itself: the pom.properties matching its file
 * name, or the only one, else the manifest/file-name identity) carrying the archive's SHA-1,
 * which is how Maven Central identifies jars; it depends on the other packages found in it.
 * Locations use the jar URL form `outer.jar!/BOOT-INF/lib/inner.jar`.
 */
import { createHash } from "node:crypto";
import type { ZipFile } from "yauzl";
import { coordinatesFromFileName } from "./java/filename.js";
import { parseManifest } from "./java/manifest.js";
import { parseProperties } from "./java/properties.js";
import { listZip, readEntry, type ZipEntryRef } from "./java/zip.js";
import { messageOf, show, Warnings } from "./common/warnings.js";
import type { ParsedPackage, ParseResult } from "./types.js";

export interface JarParseOptions {
  /** How many archives deep to read nested archives (the outer one is depth 0). Default 4. */
  maxDepth?: number;
  /** Entries listed per archive. Default 200 000 (large fat jars have ~50 000). */
  maxEntries?: number;
  /** Largest nested archive read into memory. Default 256 MiB. */
  maxNestedBytes?: number;
  /** Largest pom.properties / MANIFEST.MF read. Default 1 MiB. */
  maxMetadataBytes?: number;
  /** Bytes inflated across the whole parse, nested archives included. Default 1 GiB. */
  maxTotalBytes?: number;
  /** Archives opened across the whole parse, nested ones included. Default 10 000 (fat jars have hundreds). */
  maxArchives?: number;
}

const DEFAULTS: Required<JarParseOptions> = {
  maxDepth: 4,
  maxEntries: 200_000,
  maxNestedBytes: 256 * 1024 * 1024,
  maxMetadataBytes: 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxArchives: 10_000,
};

const POM_PROPERTIES = /^META-INF\/maven\/([^/]+)\/([^/]+)\/pom\.properties$/;
const ARCHIVE = /\.(jar|war|ear|par|sar|jpi|hpi|lpkg)$/i;
// Maven coordinates are identifiers; anything else in pom.properties is not one.
const COORDINATE = /^[A-Za-z0-9_.\-+]{1,256}$/;
const VERSION = /^[^\s/\\]{1,256}$/;

interface Context {
  opts: Required<JarParseOptions>;
  /** The outer archive's location, which every warning already starts with. */
  location: string;
  archives: number;
  budget: { remaining: number };
  warnings: Warnings;
  packages: ParsedPackage[];
  keys: Set<string>;
}

/** Warning prefix naming a nested archive; empty for the outer one. */
function inArchive(ctx: Context, jarLocation: string): string {
  return jarLocation === ctx.location ? "" : `in ${jarLocation}: `;
}

function uniqueKey(ctx: Context, base: string): string {
  let key = base;
  for (let n = 2; ctx.keys.has(key); n++) key = `${base}#${n}`;
  ctx.keys.add(key);
  return key;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

function pomPackage(props: Map<string, string>, entryName: string, dirGroup: string, dirArtifact: string, jarLocation: string, ctx: Context): Omit<ParsedPackage, "key"> | undefined {
  const groupId = props.get("groupId")?.trim() || dirGroup;
  const artifactId = props.get("artifactId")?.trim() || dirArtifact;
  const version = props.get("version")?.trim() ?? "";
  if (!COORDINATE.test(groupId) || !COORDINATE.test(artifactId)) {
    ctx.warnings.add(`${inArchive(ctx, jarLocation)}${entryName} has unusable coordinates ${show(`${groupId}:${artifactId}`)}; skipped`);
    return undefined;
  }
  if (!VERSION.test(version)) {
    ctx.warnings.add(`${inArchive(ctx, jarLocation)}${entryName} has ${version ? `an unusable version ${show(version)}` : "no version"}; skipped`);
    return undefined;
  }
  if (groupId !== dirGroup || artifactId !== dirArtifact) {
    ctx.warnings.add(`${inArchive(ctx, jarLocation)}${entryName} declares ${groupId}:${artifactId}, not the coordinates of its directory; the file's own values are used`);
  }
  return {
    ecosystem: "maven",
    namespace: groupId,
    name: artifactId,
    version,
    properties: { "java:location": jarLocation, "java:evidence": entryName },
  };
}

/** The archive's identity from its manifest, else its file name. */
function identityPackage(manifest: Map<string, string> | undefined, jarPath: string, jarLocation: string, ctx: Context): Omit<ParsedPackage, "key"> {
  const fromFile = coordinatesFromFileName(jarPath);
  const symbolic = manifest?.get("Bundle-SymbolicName")?.split(";")[0]?.trim();
  const title = manifest?.get("Implementation-Title")?.trim();
  const version = (manifest?.get("Implementation-Version") ?? manifest?.get("Bundle-Version"))?.trim();
  const vendorId = manifest?.get("Implementation-Vendor-Id")?.trim();
  const properties: Record<string, string> = { "java:location": jarLocation };
  let name: string | undefined;
  let chosenVersion = version;
  // A file name that agrees with the manifest's version names the artifact better than an
  // OSGi symbolic name (`guice-servlet-4.2.3.jar` vs `com.google.inject.servlet`).
  if (fromFile?.version && version && fromFile.version === version) name = fromFile.artifactId;
  else name = [symbolic, title].find((n) => n !== undefined && COORDINATE.test(n));
  if (name !== undefined && chosenVersion && VERSION.test(chosenVersion)) {
    properties["java:evidence"] = "META-INF/MANIFEST.MF";
  } else {
    name = fromFile && COORDINATE.test(fromFile.artifactId) ? fromFile.artifactId : "unknown";
    chosenVersion = fromFile?.version && VERSION.test(fromFile.version) ? fromFile.version : "";
    properties["java:evidence"] = "file name";
    ctx.warnings.add(`${inArchive(ctx, jarLocation)}no pom.properties and no usable manifest identity; named after its file (${name}${chosenVersion ? `@${chosenVersion}` : ", version unknown"})`);
  }
  return {
    ecosystem: "maven",
    ...(vendorId && COORDINATE.test(vendorId) ? { namespace: vendorId } : {}),
    name,
    version: chosenVersion ?? "",
    properties,
  };
}

/** Reads one archive, adds its packages, and returns the key of its root package. */
async function parseArchive(bytes: Uint8Array, jarPath: string, jarLocation: string, keyPrefix: string, depth: number, ctx: Context): Promise<string | undefined> {
  if (++ctx.archives > ctx.opts.maxArchives) {
    if (ctx.archives === ctx.opts.maxArchives + 1) ctx.warnings.add(`more than ${ctx.opts.maxArchives} nested archives; the rest are not read`);
    return undefined;
  }
  const listing = await listZip(bytes, ctx.opts.maxEntries, ctx.warnings, inArchive(ctx, jarLocation));
  if (!listing) return undefined;
  const { zip, entries } = listing;
  try {
    const pomRefs = entries.filter((e) => POM_PROPERTIES.test(e.name));
    const manifestRef = entries.find((e) => e.name === "META-INF/MANIFEST.MF");
    const nestedRefs = entries.filter((e) => ARCHIVE.test(e.name));

    const found: Omit<ParsedPackage, "key">[] = [];
    for (const ref of pomRefs) {
      const data = await readEntry(zip, ref, ctx.opts.maxMetadataBytes, ctx.budget, ctx.warnings, inArchive(ctx, jarLocation));
      if (!data) continue;
      const [, g, a] = POM_PROPERTIES.exec(ref.name)!;
      const p = pomPackage(parseProperties(decoder.decode(data)), ref.name, g!, a!, jarLocation, ctx);
      if (p) found.push(p);
    }

    // The archive itself: the pom.properties its file name names, or the only one.
    const fromFile = coordinatesFromFileName(jarPath);
    let rootIndex = found.findIndex((p) => p.name === fromFile?.artifactId && (!fromFile.version || p.version === fromFile.version));
    if (rootIndex === -1 && found.length === 1) rootIndex = 0;
    if (rootIndex === -1) {
      const manifestData = manifestRef ? await readEntry(zip, manifestRef, ctx.opts.maxMetadataBytes, ctx.budget, ctx.warnings, inArchive(ctx, jarLocation)) : undefined;
      const identity = identityPackage(manifestData ? parseManifest(decoder.decode(manifestData)) : undefined, jarPath, jarLocation, ctx);
      rootIndex = found.findIndex((p) => p.name === identity.name && p.version === identity.version);
      if (rootIndex === -1) {
        found.unshift(identity);
        rootIndex = 0;
      }
    }

    const keys = found.map((p) => uniqueKey(ctx, `${keyPrefix}${p.namespace ? `${p.namespace}:` : ""}${p.name}`));
    const root: ParsedPackage = { ...found[rootIndex]!, key: keys[rootIndex]!, isRoot: depth === 0, hashes: [{ alg: "SHA-1", content: createHash("sha1").update(bytes).digest("hex") }] };
    const dependsOn = keys.filter((_, i) => i !== rootIndex);
    ctx.packages.push(root);
    found.forEach((p, i) => {
      if (i !== rootIndex) ctx.packages.push({ ...p, key: keys[i]! });
    });

    if (nestedRefs.length > 0 && depth >= ctx.opts.maxDepth) {
      ctx.warnings.add(`${inArchive(ctx, jarLocation)}${nestedRefs.length} nested archive(s) not read: deeper than ${ctx.opts.maxDepth} levels`);
    } else {
      for (const ref of nestedRefs) {
        const nestedKey = await parseNested(zip, ref, jarLocation, keyPrefix, depth, ctx);
        if (nestedKey !== undefined) dependsOn.push(nestedKey);
      }
    }
    if (dependsOn.length > 0) root.dependsOn = dependsOn;
    return root.key;
  } finally {
    zip.close();
  }
}

async function parseNested(zip: ZipFile, ref: ZipEntryRef, jarLocation: string, keyPrefix: string, depth: number, ctx: Context): Promise<string | undefined> {
  const data = await readEntry(zip, ref, ctx.opts.maxNestedBytes, ctx.budget, ctx.warnings, inArchive(ctx, jarLocation));
  if (!data) return undefined;
  const location = `${jarLocation}!/${ref.name}`;
  return parseArchive(data, ref.name, location, `${keyPrefix}${ref.name}!/`, depth + 1, ctx);
}

/** The Maven packages in a jar/war/ear. Never rejects: problems come back as warnings. */
export async function parseJar(bytes: Uint8Array, location: string, opts: JarParseOptions = {}): Promise<ParseResult> {
  const options = { ...DEFAULTS, ...opts };
  const warnings = new Warnings(location);
  const ctx: Context = { opts: options, location, archives: 0, budget: { remaining: options.maxTotalBytes }, warnings, packages: [], keys: new Set() };
  try {
    await parseArchive(bytes, location, location, "", 0, ctx);
  } catch (e) {
    warnings.add(`internal error while reading the archive: ${messageOf(e)}`);
  }
  return { packages: ctx.packages, warnings: warnings.toArray() };
}
