/**
 * Hardening and FIPS properties of one ELF file, judged from its headers and (for Go) its
 * embedded build info, never by running it. The verdicts for C-style binaries follow devscripts'
 * `hardening-check` (the tests compare against it):
 *
 *  - pie: an executable must be ET_DYN with PT_PHDR (or DF_1_PIE: static-pie, which
 *    hardening-check misses); a plain shared library is not applicable; ET_EXEC fails; any other
 *    ELF type (REL, CORE, ...) fails, as hardening-check's "not a known ELF type" does.
 *  - stack-protector: `__stack_chk_fail` imported passes; no imported symbols at all is
 *    "unknown" (hardening-check: "unknown, no symbols found"), which does not fail; else fails.
 *  - fortify: some `__<f>_chk` of glibc's fortifiable functions imported passes; none of them
 *    and none of the plain functions either is not applicable ("no protectable libc functions
 *    used"); only unprotected ones fails.
 *  - relro / bindnow: PT_GNU_RELRO / DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW; not applicable to
 *    ELF types other than EXEC and DYN (hardening-check: "non-ELF (ignored)").
 *
 * Go binaries (build info present) are judged by Go's rules: pie means `-buildmode=pie`
 * (ET_DYN); stack-protector and fortify are not applicable (Go checks stack bounds and slice
 * bounds itself; there is no C stack canary or `_FORTIFY_SOURCE`); bindnow is not applicable when
 * the binary imports no dynamic symbols (nothing is bound lazily), else it is required as for C.
 *
 * FIPS (only when the recipe says `build.fips: true`): a Go binary must be built with
 * boringcrypto (`go1.x X:boringcrypto` / `GOEXPERIMENT=boringcrypto`). For other binaries
 * Mailknight cannot prove which crypto module runs, so one that imports libcrypto/OpenSSL
 * functions, or imports nothing at all (static: crypto inside cannot be ruled out), is
 * `not-checked` — which blocks like a failure unless the policy exempts it with a reason; one
 * that imports symbols but no crypto function is not applicable.
 */
import { messageOf } from "../sbom/parsers/common/warnings.js";
import { parseGoBinary } from "../sbom/parsers/go-buildinfo.js";
import { isMkError } from "../errors.js";
import { readElfInfo, type ElfInfo } from "./elf.js";

export const HARDENING_PROPERTIES = ["pie", "relro", "bindnow", "stack-protector", "fortify"] as const;
export type HardeningProperty = (typeof HARDENING_PROPERTIES)[number];
export const BINARY_PROPERTIES = [...HARDENING_PROPERTIES, "fips"] as const;
export type BinaryProperty = (typeof BINARY_PROPERTIES)[number];

/**
 * pass / fail; not-applicable: the property has no meaning for this file; unknown: cannot be
 * told and hardening-check does not fail it either (no symbols); not-checked: Mailknight has no
 * sound way to verify it (blocks when the property is required, unless exempted).
 */
export type PropertyStatus = "pass" | "fail" | "not-applicable" | "unknown" | "not-checked";

export interface PropertyResult {
  status: PropertyStatus;
  detail: string;
}

export type BinaryKind = "executable" | "shared-library" | "go-executable" | "go-shared-library" | "other-elf" | "invalid";

export interface BinaryAssessment {
  /** In-image path. */
  path: string;
  kind: BinaryKind;
  elf?: { type: ElfInfo["type"]; machine: string; interpreter?: string; importedSymbols: number };
  go?: { version: string; settings: Record<string, string> };
  properties: Record<BinaryProperty, PropertyResult>;
  /** Why the file could not be read as ELF (kind `invalid`). */
  error?: string;
}

export interface AssessOptions {
  /** The recipe's `build.fips`: judge the fips property (else it is not applicable). */
  fips: boolean;
}

/** Go build facts, from the embedded build info. */
export interface GoFacts {
  /** `go1.19.8`, `go1.19.8 X:boringcrypto`. */
  version: string;
  /** Build settings (`-buildmode`, `CGO_ENABLED`, `GOEXPERIMENT`, ...). */
  settings: Record<string, string>;
}

/** glibc's fortifiable functions: the list hardening-check (devscripts 2.23) carries. */
const FORTIFIABLE = new Set(
  (
    "asprintf confstr dprintf fdelt fgets fgets_unlocked fgetws fgetws_unlocked fprintf fread fread_unlocked fwprintf getcwd " +
    "getdomainname getgroups gethostname getlogin_r gets getwd longjmp mbsnrtowcs mbsrtowcs mbstowcs memcpy memmove mempcpy " +
    "memset obstack_printf obstack_vprintf poll ppoll pread64 pread printf ptsname_r read readlink readlinkat realpath recv " +
    "recvfrom snprintf sprintf stpcpy stpncpy strcat strcpy strncat strncpy swprintf syslog ttyname_r vasprintf vdprintf " +
    "vfprintf vfwprintf vprintf vsnprintf vsprintf vswprintf vsyslog vwprintf wcpcpy wcpncpy wcrtomb wcscat wcscpy wcsncat " +
    "wcsncpy wcsnrtombs wcsrtombs wcstombs wctomb wmemcpy wmemmove wmempcpy wmemset wprintf"
  ).split(" "),
);

/** Functions of OpenSSL's libcrypto/libssl (and BoringSSL/LibreSSL, which keep the names). */
const CRYPTO_IMPORT = /^(EVP_|OPENSSL_|SSL_|SSL_CTX_|CRYPTO_|RAND_|HMAC|CMAC_|AES_|DES_|RSA_|DSA_|DH_|EC_|ECDSA_|ECDH_|BN_|SHA\d|MD5_|PKCS\d|X509_|OSSL_|ERR_get_error)/;

const r = (status: PropertyStatus, detail: string): PropertyResult => ({ status, detail });

/** True when a Go build used boringcrypto: `X:boringcrypto` in the version, or GOEXPERIMENT. */
export function goUsesBoringCrypto(go: GoFacts): boolean {
  const x = /\sX:(\S+)/.exec(go.version)?.[1];
  if (x?.split(",").includes("boringcrypto")) return true;
  return (go.settings.GOEXPERIMENT ?? "").split(",").includes("boringcrypto");
}

/** The properties of one parsed ELF file (pure). `go` is its build info when it is a Go binary. */
export function assessElf(path: string, info: ElfInfo, go: GoFacts | undefined, opts: AssessOptions): BinaryAssessment {
  const imports = info.importedSymbols;
  const loadable = info.type === "EXEC" || info.type === "DYN";
  const library = info.type === "DYN" && !info.isPie;
  const kind: BinaryKind = !loadable ? "other-elf" : go ? (library ? "go-shared-library" : "go-executable") : library ? "shared-library" : "executable";

  let pie: PropertyResult;
  if (info.type === "EXEC") pie = r("fail", go ? "normal executable (ET_EXEC): build with -buildmode=pie" : "normal executable (ET_EXEC): build with -fPIE -pie");
  else if (library) pie = r("not-applicable", "regular shared library");
  else if (info.type === "DYN") pie = r("pass", "position-independent executable");
  else pie = r("fail", `not an executable or shared object (ELF type ${info.type})`);

  const relro = !loadable
    ? r("not-applicable", `ELF type ${info.type}`)
    : info.hasGnuRelro
      ? r("pass", "PT_GNU_RELRO present")
      : r("fail", go ? "no PT_GNU_RELRO: build with -buildmode=pie" : "no PT_GNU_RELRO: link with -Wl,-z,relro");

  let bindnow: PropertyResult;
  if (!loadable) bindnow = r("not-applicable", `ELF type ${info.type}`);
  else if (info.bindNow) bindnow = r("pass", "BIND_NOW set");
  else if (go && imports.length === 0) bindnow = r("not-applicable", "Go binary importing no dynamic symbols: nothing is bound lazily");
  else bindnow = r("fail", go ? "lazy binding of imported symbols: link with -ldflags=-extldflags=-Wl,-z,now (external linking)" : "lazy binding: link with -Wl,-z,now");

  let stack: PropertyResult;
  let fortify: PropertyResult;
  if (go) {
    stack = r("not-applicable", "Go binary: the Go runtime checks stack bounds; no C stack protector expected");
    fortify = r("not-applicable", "Go binary: no _FORTIFY_SOURCE expectation");
  } else {
    stack = imports.includes("__stack_chk_fail")
      ? r("pass", "imports __stack_chk_fail")
      : imports.length === 0
        ? r("unknown", "no imported symbols (static, or no dynamic symbol table): cannot tell")
        : r("fail", "does not import __stack_chk_fail: compile with -fstack-protector-strong");
    const names = new Set(imports);
    const protectedFns = [...FORTIFIABLE].filter((f) => names.has(`__${f}_chk`)).sort();
    const unprotected = [...FORTIFIABLE].filter((f) => names.has(f)).sort();
    fortify = protectedFns.length > 0
      ? r("pass", `fortified: ${protectedFns.join(", ")}${unprotected.length ? ` (also unprotected: ${unprotected.join(", ")})` : ""}`)
      : unprotected.length === 0
        ? r("not-applicable", "no protectable libc functions used")
        : r("fail", `only unprotected functions (${unprotected.join(", ")}): compile with -O2 -D_FORTIFY_SOURCE=2`);
  }

  let fips: PropertyResult;
  if (!opts.fips) fips = r("not-applicable", "build.fips is false");
  else if (go) fips = goUsesBoringCrypto(go) ? r("pass", `built with boringcrypto (${go.version})`) : r("fail", `built without boringcrypto (${go.version}): build with GOEXPERIMENT=boringcrypto`);
  else {
    const crypto = imports.filter((s) => CRYPTO_IMPORT.test(s));
    if (crypto.length > 0) {
      const shown = crypto.slice(0, 5).join(", ") + (crypto.length > 5 ? `, ... (${crypto.length})` : "");
      fips = r("not-checked", `imports libcrypto/OpenSSL functions (${shown}); whether they run under a FIPS-validated provider is not checked`);
    } else if (imports.length === 0) {
      fips = r("not-checked", "imports no dynamic symbols: crypto linked in statically cannot be ruled out");
    } else fips = r("not-applicable", "imports no crypto library functions");
  }

  return {
    path,
    kind,
    elf: { type: info.type, machine: info.machine, ...(info.interpreter !== undefined ? { interpreter: info.interpreter } : {}), importedSymbols: imports.length },
    ...(go ? { go } : {}),
    properties: { pie, relro, bindnow, "stack-protector": stack, fortify, fips },
  };
}

/** A file that should have been ELF (magic, or a `.so` name) but could not be read as one. */
export function invalidBinary(path: string, error: string): BinaryAssessment {
  const bad = r("not-checked", `unreadable: ${error}`);
  const properties = Object.fromEntries(BINARY_PROPERTIES.map((p) => [p, bad])) as Record<BinaryProperty, PropertyResult>;
  return { path, kind: "invalid", properties, error };
}

function goFacts(bytes: Uint8Array, path: string): GoFacts | undefined {
  const parsed = parseGoBinary(bytes, path);
  if (!parsed) return undefined;
  const settings: Record<string, string> = {};
  let version = "";
  for (const [k, v] of Object.entries(parsed.metadata ?? {})) {
    if (k === "go:version") version = v;
    else if (k.startsWith("go:") && k !== "go:path" && k !== "go:buildinfo-format") settings[k.slice(3)] = v;
  }
  return { version, settings };
}

/** Reads and judges one file's bytes. Never throws: unreadable input becomes an `invalid` result. */
export async function assessBinary(bytes: Uint8Array, path: string, opts: AssessOptions): Promise<BinaryAssessment> {
  let info: ElfInfo;
  try {
    info = await readElfInfo(bytes);
  } catch (e) {
    // The reader labels buffers `<buffer>`; say which file it was.
    const message = (isMkError(e) ? e.message : messageOf(e)).replace(/^<buffer>:?\s*/, "");
    return invalidBinary(path, message);
  }
  return assessElf(path, info, goFacts(bytes, path), opts);
}
