/**
 * Real Go binaries built here with Debian's Go, offline: one using only the standard library,
 * one with a directory replacement, one with dependencies (with real h1 sums) served by a
 * file:// module proxy that this fixture writes, one module replacement, a git checkout for the
 * vcs.* settings, and the build-mode variants (trimpath, cgo, boringcrypto, PIE, stripped,
 * cross-compiled big-endian 32/64-bit). Cached under .mailknight/test-cache/.
 */
import { chmod, copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { cached, cacheKey, sh } from "./cache.js";

const FIXTURE_VERSION = 3;

const SOURCES: Record<string, string> = {
  "hello/go.mod": "module example.com/hello\n\ngo 1.19\n",
  "hello/main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n',
  "dep/go.mod": "module example.com/dep\n\ngo 1.19\n",
  "dep/dep.go": 'package dep\n\nfunc Hello() string { return "dep" }\n',
  "local/go.mod": "module example.com/local\n\ngo 1.19\n\nrequire example.com/dep v1.2.3\n\nreplace example.com/dep => ../dep\n",
  "local/main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/dep"\n)\n\nfunc main() { fmt.Println(dep.Hello()) }\n',
  "modsrc/lib/go.mod": "module example.com/lib\n\ngo 1.19\n",
  "modsrc/lib/lib.go": 'package lib\n\nfunc Name() string { return "lib" }\n',
  "modsrc/newlib/go.mod": "module example.com/newlib\n\ngo 1.19\n",
  "modsrc/newlib/lib.go": 'package old\n\nfunc Name() string { return "newlib" }\n',
  "deps/go.mod":
    "module example.com/deps\n\ngo 1.19\n\nrequire (\n\texample.com/lib v1.0.0\n\texample.com/old v0.9.0\n)\n\nreplace example.com/old => example.com/newlib v1.1.0\n",
  "deps/main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/lib"\n\t"example.com/old"\n)\n\nvar v string\n\nfunc main() { fmt.Println(lib.Name(), old.Name(), v) }\n',
};

/** Modules the file:// proxy serves: module path, version, source dir under modsrc/. */
const PROXY_MODULES: [string, string, string][] = [
  ["example.com/lib", "v1.0.0", "lib"],
  ["example.com/newlib", "v1.1.0", "newlib"],
];

export interface GoFixtures {
  dir: string;
  /** name → absolute path of the binary. */
  bin: Record<GoBinaryName, string>;
}

export type GoBinaryName =
  | "hello-nocgo"
  | "local-trimpath-cgo"
  | "deps-ldflags-vcs"
  | "deps-boringcrypto"
  | "deps-pie"
  | "deps-stripped"
  | "deps-no-section-headers"
  | "hello-mips"
  | "hello-s390x";

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
}

/** A GOPROXY directory: <module>/@v/{list,<v>.info,<v>.mod,<v>.zip}; zips made with the zip CLI. */
async function writeProxy(src: string, proxy: string): Promise<void> {
  for (const [path, version, dir] of PROXY_MODULES) {
    const at = join(proxy, path, "@v");
    await mkdir(at, { recursive: true });
    const stage = join(src, "stage", `${path}@${version}`);
    await mkdir(stage, { recursive: true });
    for (const name of await readdir(join(src, "modsrc", dir))) await copyFile(join(src, "modsrc", dir, name), join(stage, name));
    await sh("zip", ["-qrX", join(at, `${version}.zip`), `${path}@${version}`], { cwd: join(src, "stage") });
    await copyFile(join(stage, "go.mod"), join(at, `${version}.mod`));
    await writeFile(join(at, `${version}.info`), JSON.stringify({ Version: version, Time: "2024-01-01T00:00:00Z" }));
    await writeFile(join(at, "list"), `${version}\n`);
  }
}

/** Zeroes e_shoff/e_shnum/e_shstrndx, like sstrip: only program headers remain. */
export function dropSectionHeaders(elf: Buffer): Buffer {
  const out = Buffer.from(elf);
  if (out[4] === 2) {
    out.writeBigUInt64LE(0n, 40);
    out.writeUInt16LE(0, 60);
    out.writeUInt16LE(0, 62);
  } else {
    out.writeUInt32LE(0, 32);
    out.writeUInt16LE(0, 48);
    out.writeUInt16LE(0, 50);
  }
  return out;
}

export async function goFixtures(): Promise<GoFixtures> {
  const goVersion = (await sh("go", ["version"])).trim();
  const key = cacheKey([FIXTURE_VERSION, goVersion, SOURCES, PROXY_MODULES]);
  const dir = await cached("go", key, async (work) => {
    const src = join(work, "src");
    await writeTree(src, SOURCES);
    await writeProxy(src, join(work, "proxy"));
    const env = {
      GOFLAGS: "-mod=mod -modcacherw",
      GOPROXY: `file://${join(work, "proxy")}`,
      GOSUMDB: "off",
      GONOSUMDB: "*",
      GOPATH: join(work, "gopath"),
      GOCACHE: join(dirname(work), "gocache"),
      CGO_ENABLED: "0",
      GIT_AUTHOR_DATE: "2024-01-02T03:04:05Z",
      GIT_COMMITTER_DATE: "2024-01-02T03:04:05Z",
      GIT_AUTHOR_NAME: "fixture",
      GIT_AUTHOR_EMAIL: "fixture@example.com",
      GIT_COMMITTER_NAME: "fixture",
      GIT_COMMITTER_EMAIL: "fixture@example.com",
    };
    const out = join(work, "bin");
    await mkdir(out);
    const build = (name: string, pkgDir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> =>
      sh("go", ["build", ...args, "-o", join(out, name), "."], { cwd: join(src, pkgDir), env: { ...env, ...extraEnv } });

    await build("hello-nocgo", "hello", []);
    await build("local-trimpath-cgo", "local", ["-trimpath"], { CGO_ENABLED: "1" });
    await build("deps-ldflags-vcs", "deps", ["-buildvcs=false"]); // writes go.sum, to be committed
    // A git checkout, so that cmd/go stamps vcs=git, vcs.revision, vcs.time and vcs.modified.
    await sh("git", ["init", "-q"], { cwd: join(src, "deps"), env });
    await sh("git", ["add", "-A"], { cwd: join(src, "deps"), env });
    await sh("git", ["commit", "-qm", "fixture"], { cwd: join(src, "deps"), env });
    await build("deps-ldflags-vcs", "deps", [`-ldflags=-X "main.v=a b" -s`]);
    await build("deps-boringcrypto", "deps", ["-buildvcs=false"], { CGO_ENABLED: "1", GOEXPERIMENT: "boringcrypto" });
    await build("deps-pie", "deps", ["-buildvcs=false", "-buildmode=pie"], { CGO_ENABLED: "1" });
    await build("deps-stripped", "deps", ["-buildvcs=false", "-ldflags=-s -w"]);
    await sh("strip", [join(out, "deps-stripped")]);
    const noSections = join(out, "deps-no-section-headers");
    await writeFile(noSections, dropSectionHeaders(await readFile(join(out, "deps-stripped"))));
    await chmod(noSections, 0o755);
    await build("hello-mips", "hello", [], { GOARCH: "mips" });
    await build("hello-s390x", "hello", [], { GOARCH: "s390x" });
  });
  const names: GoBinaryName[] = [
    "hello-nocgo",
    "local-trimpath-cgo",
    "deps-ldflags-vcs",
    "deps-boringcrypto",
    "deps-pie",
    "deps-stripped",
    "deps-no-section-headers",
    "hello-mips",
    "hello-s390x",
  ];
  return { dir, bin: Object.fromEntries(names.map((n) => [n, join(dir, "bin", n)])) as Record<GoBinaryName, string> };
}

/** What `go version -m` says about a file, parsed from its output (the oracle). */
export interface GoVersionM {
  goVersion: string;
  path?: string;
  main?: { path: string; version: string; sum: string };
  deps: { path: string; version: string; sum: string; replace?: { path: string; version: string; sum: string } }[];
  settings: Record<string, string>;
}

/**
 * Parses `go version -m` output independently of the code under test. Build setting values
 * that cmd/go quoted are unquoted with JSON.parse, which agrees with Go's quoting for the
 * ASCII values the fixtures use.
 */
export async function goVersionM(file: string): Promise<GoVersionM | undefined> {
  const r = await sh("go", ["version", "-m", file]).catch(() => undefined);
  if (r === undefined) return undefined;
  const lines = r.split("\n");
  const head = /^.*?: (go.*)$/.exec(lines[0] ?? "");
  if (!head) return undefined;
  const out: GoVersionM = { goVersion: head[1]!, deps: [], settings: {} };
  let last: GoVersionM["deps"][number] | undefined;
  for (const line of lines.slice(1)) {
    const f = line.split("\t").slice(1);
    const mod = (): { path: string; version: string; sum: string } => ({ path: f[1]!, version: f[2] ?? "", sum: f[3] ?? "" });
    if (f[0] === "path") out.path = f[1];
    else if (f[0] === "mod") out.main = mod();
    else if (f[0] === "dep") out.deps.push((last = mod()));
    else if (f[0] === "=>" && last) last.replace = mod();
    else if (f[0] === "build") {
      const kv = f.slice(1).join("\t");
      const quotedKey = /^("(?:[^"\\]|\\.)*")=(.*)$/.exec(kv);
      const eq = kv.indexOf("=");
      const [key, raw] = quotedKey ? [JSON.parse(quotedKey[1]!) as string, quotedKey[2]!] : [kv.slice(0, eq), kv.slice(eq + 1)];
      out.settings[key] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    }
  }
  return out;
}
