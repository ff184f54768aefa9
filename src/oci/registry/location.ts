/**
 * Image locations as skopeo writes them: `oci:<dir>[:<tag>]` (an image layout on disk) and
 * `docker://<reference>` (a registry). Opens the matching ImageStore.
 */
import { MkError } from "../../errors.js";
import { OciLayout } from "../layout.js";
import { RegistryClient, type RegistryClientOptions } from "./client.js";
import { parseReferenceWithDefaults } from "./reference.js";
import { RegistryRepository } from "./repository.js";
import { LayoutStore, RegistryStore, type ImageStore } from "./store.js";

export interface OpenedLocation {
  store: ImageStore;
  /** Tag or digest inside the store. */
  ref: string;
  /** Tag to write when this is a destination (undefined for digest-only references). */
  tag?: string;
}

export interface LocationOptions {
  /** Registries allowed over plain HTTP although not on loopback. */
  insecure?: string[];
  client?: Partial<RegistryClientOptions>;
  /** Create the layout when a destination `oci:` directory does not exist. */
  create?: boolean;
}

export async function openLocation(location: string, opts: LocationOptions = {}): Promise<OpenedLocation> {
  if (location.startsWith("oci:")) {
    const rest = location.slice(4);
    // The tag is after the last colon, unless that colon is part of the path (no tag given).
    const m = /^(.+?)(?::([A-Za-z0-9][A-Za-z0-9._:/@+-]*))?$/.exec(rest);
    const dir = m?.[1];
    const tag = m?.[2];
    if (!dir || !tag) throw new MkError("E_USAGE", `"${location}" needs a tag: oci:<dir>:<tag>`, { hint: "e.g. oci:./out/layout:greeter:v1.1.0" });
    const layout = opts.create ? await OciLayout.create(dir) : await OciLayout.open(dir);
    return { store: new LayoutStore(layout), ref: tag, tag };
  }
  if (location.startsWith("docker://")) {
    const ref = parseReferenceWithDefaults(location.slice("docker://".length));
    const client = new RegistryClient({ ...opts.client, registry: ref.registry, insecure: opts.insecure?.includes(ref.registry) });
    const store = new RegistryStore(new RegistryRepository(client, ref.repository));
    return { store, ref: ref.digest ?? (ref.tag as string), tag: ref.tag };
  }
  throw new MkError("E_USAGE", `"${location}" is not an image location`, { hint: "use oci:<dir>:<tag> or docker://<registry>/<repository>:<tag>" });
}
