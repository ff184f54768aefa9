/**
 * The cataloger registry: a plain map from id to cataloger, one folder per member. The
 * registry test checks that this map and the folders agree and runs the shared conformance
 * tests on every member.
 */
import type { Cataloger } from "./types.js";
import { cataloger as apk } from "./apk/index.js";
import { cataloger as dpkg } from "./dpkg/index.js";
import { cataloger as goBinary } from "./go-binary/index.js";
import { cataloger as goMod } from "./go-mod/index.js";
import { cataloger as java } from "./java/index.js";
import { cataloger as npm } from "./npm/index.js";
import { cataloger as osRelease } from "./os-release/index.js";
import { cataloger as project } from "./project/index.js";
import { cataloger as python } from "./python/index.js";
import { cataloger as rpm } from "./rpm/index.js";

export const CATALOGERS: Readonly<Record<string, Cataloger>> = {
  apk,
  dpkg,
  "go-binary": goBinary,
  "go-mod": goMod,
  java,
  npm,
  "os-release": osRelease,
  project,
  python,
  rpm,
};

/** Runs first: the others read the distro it finds. */
export const OS_CATALOGER = "os-release";
