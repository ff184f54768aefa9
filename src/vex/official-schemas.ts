/**
 * The official schemas of the three VEX formats, compiled on first use: OpenVEX 0.2.0 and CSAF
 * 2.0 from the copies vendored in `schemas/` (see its README for sources), CycloneDX from the
 * schema files that ship with @cyclonedx/cyclonedx-library.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { lazyValidator, loadJsonSchema, newAjv, type SchemaIssue } from "./json-schema.js";

const here = (name: string) => new URL(`./schemas/${name}`, import.meta.url);

export const validateOpenVexSchema = lazyValidator(() => newAjv("2020-12").compile(loadJsonSchema(here("openvex_json_schema-0.2.0.json"))));

export const validateCsafSchema = lazyValidator(() => {
  const ajv = newAjv("2020-12");
  // The CSAF schema $refs the CVSS schemas by these URLs (without the `?date` their $id carries).
  for (const v of ["2.0", "3.0", "3.1"]) ajv.addSchema(loadJsonSchema(here(`cvss-v${v}.json`)), `https://www.first.org/cvss/cvss-v${v}.json`);
  return ajv.compile(loadJsonSchema(here("csaf_json_schema-2.0.json")));
});

export const CDX_SCHEMA_VERSIONS = ["1.2", "1.3", "1.4", "1.5", "1.6", "1.7"] as const;

function cdxSchemaDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@cyclonedx/cyclonedx-library/package.json")), "res", "schema");
}

const cdxValidators = new Map<string, (data: unknown, file: string) => SchemaIssue[]>();

/** Validates a CycloneDX document against the schema of its own `specVersion`. */
export function validateCycloneDxSchema(data: unknown, file: string, specVersion: string): SchemaIssue[] {
  if (!(CDX_SCHEMA_VERSIONS as readonly string[]).includes(specVersion)) {
    return [{ file, path: "specVersion", value: JSON.stringify(specVersion), keyword: "enum", message: `must be one of ${CDX_SCHEMA_VERSIONS.join(", ")}` }];
  }
  let v = cdxValidators.get(specVersion);
  if (!v) {
    v = lazyValidator(() => {
      const dir = cdxSchemaDir();
      const ajv = newAjv("draft-07");
      // The bom schemas $ref these by relative name; map them to the files next to them, offline.
      ajv.addSchema(loadJsonSchema(join(dir, "spdx.SNAPSHOT.schema.json")), "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json");
      ajv.addSchema(loadJsonSchema(join(dir, "jsf-0.82.SNAPSHOT.schema.json")), "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json");
      ajv.addSchema(loadJsonSchema(join(dir, "cryptography-defs.SNAPSHOT.schema.json")), "http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json");
      return ajv.compile(loadJsonSchema(join(dir, `bom-${specVersion}.SNAPSHOT.schema.json`)));
    });
    cdxValidators.set(specVersion, v);
  }
  return v(data, file);
}
