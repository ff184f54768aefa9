import { readFileSync } from "node:fs";

/** Mailknight's own version, from package.json (recorded in every stage record). */
export const MAILKNIGHT_VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
