/**
 * Test helper: validates SBOM output against the official schemas, offline. CycloneDX 1.6 comes
 * from @cyclonedx/cyclonedx-library's bundled copy (with the SPDX id, JSF and crypto-defs
 * schemas it references); SPDX 2.3 is vendored in src/sbom/schemas. The library's own validator
 * needs `ajv-formats-draft2019`, which is not installed; Ajv is driven directly instead, with
 * the same options the library uses.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv | Ajv2019) => void;

const require = createRequire(import.meta.url);
const cdxSchemaDir = join(dirname(require.resolve("@cyclonedx/cyclonedx-library/package.json")), "res", "schema");

function load(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).slice(0, 20).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

let cdx: ((data: unknown) => string[]) | undefined;
let spdx: ((data: unknown) => string[]) | undefined;

/** [] when `data` is valid CycloneDX 1.6, else the problems. */
export function validateCycloneDx16(data: unknown): string[] {
  if (!cdx) {
    const ajv = new Ajv({ strict: false, useDefaults: false, addUsedSchema: false });
    addFormats(ajv);
    ajv.addFormat("idn-email", true);
    ajv.addFormat("iri-reference", true);
    ajv.addSchema(load(join(cdxSchemaDir, "spdx.SNAPSHOT.schema.json")), "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json");
    ajv.addSchema(load(join(cdxSchemaDir, "jsf-0.82.SNAPSHOT.schema.json")), "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json");
    ajv.addSchema(load(join(cdxSchemaDir, "cryptography-defs.SNAPSHOT.schema.json")), "http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json");
    const validate = ajv.compile(load(join(cdxSchemaDir, "bom-1.6.SNAPSHOT.schema.json")));
    cdx = (d) => (validate(d) ? [] : describe(validate.errors));
  }
  return cdx(data);
}

/** [] when `data` is valid SPDX 2.3 JSON, else the problems. */
export function validateSpdx23(data: unknown): string[] {
  if (!spdx) {
    const ajv = new Ajv2019({ strict: false });
    addFormats(ajv);
    const validate = ajv.compile(load(new URL("../schemas/spdx-2.3.schema.json", import.meta.url).pathname));
    spdx = (d) => (validate(d) ? [] : describe(validate.errors));
  }
  return spdx(data);
}
