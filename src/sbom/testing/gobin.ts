/** Test helper: a small Go binary built by the machine's Go toolchain (cached), with build info. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cached, sh } from "./cache.js";

/** Path of an executable built from module `example.com/hello` (version `(devel)`), `-trimpath`, CGO off. */
export async function goBinary(): Promise<string> {
  const dir = await cached("gobin", async (tmp) => {
    const src = join(tmp, "src");
    await mkdir(src, { recursive: true });
    await writeFile(join(src, "go.mod"), "module example.com/hello\n\ngo 1.19\n");
    await writeFile(join(src, "main.go"), 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n');
    sh("go", ["build", "-trimpath", "-o", join(tmp, "hello"), "."], {
      cwd: src,
      env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod", GOPROXY: "off", GOCACHE: join(tmp, "gocache"), GOPATH: join(tmp, "gopath"), HOME: tmp },
    });
  });
  return join(dir, "hello");
}

export function goVersionOf(binary: string): string {
  return sh("go", ["version", binary]).trim().split(" ").pop()!;
}
