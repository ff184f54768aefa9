/**
 * A read-only file tree as catalogers see it. Sources (a rootfs directory, an OCI image read
 * layer by layer) visit every entry once and keep only the files some cataloger asked for, so a
 * multi-gigabyte image costs the memory of the few files that say what is installed.
 */
import type { CollectedTree } from "./tree.js";

export interface FileWant {
  /** In-image glob, e.g. `/var/lib/dpkg/status.d/*` (syntax in glob.ts). */
  glob: string;
  /** Larger files are not read; the cataloger gets a warning naming the file instead. */
  maxBytes: number;
  /** The file must start with these bytes (e.g. ELF's `\x7fELF`); others are skipped silently. */
  magic?: Uint8Array;
  /** Read only the first `maxBytes` of larger files instead of skipping them (to identify a format). */
  truncate?: boolean;
  /** Only files with an execute bit (binaries, the way trivy and syft pick Go binaries). */
  executable?: boolean;
  /**
   * A cheap look before the whole file is read, where the source can read at random (a
   * directory; an image stream has the bytes anyway): false skips the file. Must answer true
   * whenever unsure.
   */
  probe?: (read: (offset: number, length: number) => Promise<Uint8Array>, size: number) => Promise<boolean>;
  /**
   * Turns the bytes into what the cataloger needs right away, so the bytes can be dropped
   * (binaries and jars: the tree would otherwise hold every one of them at once). Returning
   * undefined drops the file (e.g. an ELF file that is not a Go binary). May return a promise
   * (archive readers are asynchronous). Must not throw or reject.
   */
  extract?: (bytes: Uint8Array, path: string) => unknown;
}

export interface CollectedFile {
  /** Absolute in-image path. */
  path: string;
  /** The file's size; `bytes` may be shorter when a want truncates. */
  size: number;
  /** Permission bits (0o7777). */
  mode: number;
  /** Digest of the image layer the file came from (images only). */
  layer?: string;
  /** The file's bytes, unless every cataloger that wanted it used `extract`. */
  bytes?: Uint8Array;
  /** `extract` results, by cataloger id. */
  extracted: Map<string, unknown>;
  /** sha256 hex of the bytes, for the evidence digest. */
  sha256: string;
  /** Ids of the catalogers whose wants selected this file. */
  wantedBy: Set<string>;
}

/** What one cataloger sees of a collected tree: only the files its wants selected. */
export interface FileView {
  /** Its files, sorted by path. */
  list(): CollectedFile[];
  /** A file by in-image path, following in-image symlinks (confined to the root). */
  get(path: string): CollectedFile | undefined;
}

/** Wants of every cataloger of one run, keyed by cataloger id. */
export type WantsById = ReadonlyMap<string, readonly FileWant[]>;

export interface SourceInfo {
  kind: "image" | "directory";
  /** `oci:<layout>:<ref>` or the directory path, for messages and the SBOM subject. */
  name: string;
  /** Image manifest digest; undefined for a directory. */
  digest?: string;
  properties: Record<string, string>;
  /** Image config `created`, when the source is an image. */
  created?: string;
}

/** A tree catalogers can be run on. */
export interface FileSource {
  readonly info: SourceInfo;
  /** Visits the whole tree once and returns what `wants` selected, plus the tree's symlinks. */
  collect(wants: WantsById, onProgress?: (files: number) => void): Promise<CollectedTree>;
}
