/** `mailknight image from-rootfs`: argument checking around oci.imageFromRootfs. */
import { resolve } from "node:path";
import { MkError } from "../errors.js";
import { isDirectory } from "../util/fs.js";
import { OciLayout, imageFromRootfs } from "../oci/index.js";

function jsonArray(name: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(String(value));
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return parsed;
  } catch {
    // fall through to the error below
  }
  throw new MkError("E_USAGE", `--${name} must be a JSON array of strings, e.g. '["/bin/sh"]' (got ${String(value)})`);
}

export async function imageFromRootfsCommand(dir: string, target: string, o: Record<string, unknown>) {
  const m = /^oci:([^:]+):(.+)$/.exec(target);
  if (!m) throw new MkError("E_USAGE", `target "${target}" is not oci:<layout-dir>:<tag>`);
  if (!(await isDirectory(dir))) throw new MkError("E_NOT_FOUND", `${dir} is not a directory`);
  const epochText = (o.sourceDateEpoch as string | undefined) ?? process.env.SOURCE_DATE_EPOCH ?? "0";
  const sourceDateEpoch = Number(epochText);
  if (!Number.isInteger(sourceDateEpoch) || sourceDateEpoch < 0) throw new MkError("E_USAGE", `source date epoch "${epochText}" is not a whole number of seconds`);
  const env: Record<string, string> = {};
  for (const kv of (o.env as string[] | undefined) ?? []) {
    const i = kv.indexOf("=");
    if (i <= 0) throw new MkError("E_USAGE", `--env ${kv} is not KEY=VALUE`);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const layoutDir = resolve(m[1]!);
  const layout = await OciLayout.create(layoutDir);
  const result = await imageFromRootfs(layout, resolve(dir), m[2]!, {
    sourceDateEpoch,
    config: { entrypoint: jsonArray("entrypoint", o.entrypoint), cmd: jsonArray("cmd", o.cmd), user: o.user as string | undefined, env },
  });
  return { layout: layoutDir, tag: m[2]!, digest: result.manifestDescriptor.digest };
}
