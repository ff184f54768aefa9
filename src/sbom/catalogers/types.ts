/**
 * The cataloger family: each member says which files it wants (globs, caps, magic) and turns
 * the collected files into components. `catalog` is pure: no I/O, no clock, no throw on bad input
 * (a warning instead), and the same input gives the same output.
 */
import type { CatalogResult, Distro, PatchInfo } from "../model.js";
import type { FileView, FileWant } from "../source/types.js";

/** The built project, from the recipe and the stage records (see catalogers/project). */
export interface ProjectFacts {
  name: string;
  /** Upstream version as the recipe names it (`v1.1.0`). */
  version: string;
  license?: string;
  description?: string;
  /** Upstream git URL (after `github:` expansion), when the source is git. */
  gitUrl?: string;
  /** `owner/repo` when the upstream is on GitHub. */
  github?: string;
  /** The upstream commit the source was pinned to. */
  upstreamCommit?: string;
  /** Tarball URL and its sha256 (`sha256:<hex>`) for tarball sources. */
  tarballUrl?: string;
  tarballDigest?: string;
  /** The commit that was built (upstream + patches). */
  builtCommit?: string;
  patches: PatchInfo[];
  /** In-image paths of what the build installed, for locations (optional). */
  installedPaths?: string[];
}

export interface CatalogInput {
  files: FileView;
  /** From the os-release cataloger, which runs first. */
  distro?: Distro;
  /** Set when cataloging a pipeline build; the project cataloger reads it. */
  project?: ProjectFacts;
}

export interface Cataloger {
  readonly id: string;
  /** Bump when the output for the same input changes: it is part of the sbom stage's cache key. */
  readonly version: string;
  readonly description: string;
  readonly wants: readonly FileWant[];
  /**
   * Language catalogers of installed packages: a component whose every evidence file an OS
   * package installed (Debian's python3-pip ships pip's dist-info) is that OS package seen
   * again, and is dropped — as trivy does — so one piece of software is not listed twice under
   * two versions (the distro's patched one and the upstream one, which would mis-match CVEs).
   */
  readonly dropWhenOwnedByOs?: boolean;
  catalog(input: CatalogInput): CatalogResult;
}

/** Keeps at most `max` warnings per file, then one that says how many more there were. */
export class WarningList {
  private readonly perFile = new Map<string, number>();
  readonly items: string[] = [];
  constructor(private readonly max = 20) {}

  add(file: string, message: string): void {
    const n = (this.perFile.get(file) ?? 0) + 1;
    this.perFile.set(file, n);
    if (n <= this.max) this.items.push(`${file}: ${message}`);
  }

  done(): string[] {
    const out = [...this.items];
    for (const [file, n] of this.perFile) if (n > this.max) out.push(`${file}: ${n - this.max} more warning(s) not shown`);
    return out;
  }
}
