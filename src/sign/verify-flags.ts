/**
 * Parsing of the `verify` / `policy` flags that pin certificate extensions and set scan
 * conditions: flag values in, policy data out, usage errors naming the flag.
 */
import { MkError } from "../errors.js";
import { SEVERITIES, type Severity } from "../vuln/model.js";
import type { CertificateExtensionPolicy } from "./fulcio-extensions.js";
import { DEFAULT_SCAN_FAIL_ON, type ScanConditions } from "./scan-conditions.js";

export interface PinFlags {
  certificateBuildConfig?: string;
  certificateBuildConfigRegexp?: string;
  certificateSourceRef?: string;
}

export interface ScanFlags {
  scanMaxAge?: string;
  scanFailOn?: string;
}

function regexp(flag: string, value: string): RegExp {
  try {
    return new RegExp(value);
  } catch (e) {
    throw new MkError("E_USAGE", `${flag} is not a valid regular expression: ${(e as Error).message}`);
  }
}

/** `--certificate-build-config(-regexp)`, `--certificate-source-ref` → pins; undefined when none. */
export function certificatePins(o: PinFlags): CertificateExtensionPolicy | undefined {
  if (o.certificateBuildConfig && o.certificateBuildConfigRegexp) throw new MkError("E_USAGE", "--certificate-build-config and --certificate-build-config-regexp are exclusive");
  const pins: CertificateExtensionPolicy = {};
  if (o.certificateBuildConfig) pins.buildConfigUri = o.certificateBuildConfig;
  if (o.certificateBuildConfigRegexp) pins.buildConfigUri = regexp("--certificate-build-config-regexp", o.certificateBuildConfigRegexp);
  if (o.certificateSourceRef) {
    if (!/^refs\//.test(o.certificateSourceRef)) throw new MkError("E_USAGE", `--certificate-source-ref ${o.certificateSourceRef}: give the full ref`, { hint: "e.g. refs/heads/main or refs/tags/v1.2.0" });
    pins.sourceRepositoryRef = o.certificateSourceRef;
  }
  return Object.keys(pins).length > 0 ? pins : undefined;
}

/**
 * `--scan-max-age <days>`, `--scan-fail-on <severities|none>` → conditions; undefined when neither
 * is given. Either flag turns the scan conditions on (and requires a vulnerability attestation);
 * `--scan-fail-on` defaults to HIGH,CRITICAL, and `none` checks the age only.
 */
export function scanConditions(o: ScanFlags): ScanConditions | undefined {
  if (o.scanMaxAge === undefined && o.scanFailOn === undefined) return undefined;
  const out: ScanConditions = {};
  if (o.scanMaxAge !== undefined) {
    const days = Number(o.scanMaxAge);
    if (!/^\d+(\.\d+)?$/.test(o.scanMaxAge.trim()) || !Number.isFinite(days)) throw new MkError("E_USAGE", `--scan-max-age ${o.scanMaxAge}: not a number of days`, { hint: "e.g. --scan-max-age 7" });
    out.maxAgeDays = days;
  }
  if (o.scanFailOn === undefined) out.failOn = [...DEFAULT_SCAN_FAIL_ON];
  else if (o.scanFailOn.trim().toLowerCase() === "none") out.failOn = [];
  else {
    const list = o.scanFailOn.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);
    for (const s of list) {
      if (!(SEVERITIES as readonly string[]).includes(s)) throw new MkError("E_USAGE", `--scan-fail-on ${s}: unknown severity`, { hint: `one or more of ${SEVERITIES.join(",")}, or none` });
    }
    if (list.length === 0) throw new MkError("E_USAGE", "--scan-fail-on is empty", { hint: "give severities, or none to check the age only" });
    out.failOn = [...new Set(list)] as Severity[];
  }
  return out;
}
