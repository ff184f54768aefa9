/**
 * Parsers of language-package metadata: pure functions from the bytes of one file to the
 * packages it names (see types.ts). Catalogers wrap them with file discovery and PURLs.
 */
export type { LanguageEcosystem, ParsedPackage, ParseResult } from "./types.js";
export { parseGoBinary } from "./go-buildinfo.js";
export { toSpdxExpression, normaliseLicense } from "./common/spdx.js";
export { parsePackageLock, parseInstalledPackageJson, ROOT_KEY as NPM_ROOT_KEY } from "./npm.js";
export { parseDistInfoMetadata, parseRecord, normalisePythonName, type RecordEntry } from "./python.js";
export { parseJar, type JarParseOptions } from "./java.js";
