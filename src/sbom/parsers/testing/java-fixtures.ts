/**
 * Jars from Debian's packages (/usr/share/java), a Spring Boot-style fat jar, a war and an ear
 * assembled from them with the zip CLI, and the answers of an independent oracle: Python's
 * zipfile module reading the same archives (pom.properties coordinates, nesting, SHA-1).
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cached, cacheKey, sh } from "./cache.js";

export const DEBIAN_JARS = ["commons-lang3.jar", "jackson-core.jar", "atinject-jsr330-api.jar", "commons-io.jar"];

export interface JavaFixture {
  fatJar: string;
  war: string;
  ear: string;
}

const FIXTURE_VERSION = 1;

export async function javaFixture(): Promise<JavaFixture> {
  const key = cacheKey([FIXTURE_VERSION, DEBIAN_JARS, await sh("sha1sum", DEBIAN_JARS.map((j) => `/usr/share/java/${j}`))]);
  const dir = await cached("java", key, async (work) => {
    // Spring Boot layout: the application's classes and pom.properties, and its dependencies
    // stored (not deflated) under BOOT-INF/lib, as spring-boot-maven-plugin writes them.
    const boot = join(work, "boot");
    await mkdir(join(boot, "META-INF/maven/com.example/demo"), { recursive: true });
    await mkdir(join(boot, "BOOT-INF/lib"), { recursive: true });
    await mkdir(join(boot, "BOOT-INF/classes/com/example"), { recursive: true });
    await writeFile(join(boot, "META-INF/MANIFEST.MF"), "Manifest-Version: 1.0\nMain-Class: org.springframework.boot.loader.JarLauncher\nStart-Class: com.example.Demo\n\n");
    await writeFile(join(boot, "META-INF/maven/com.example/demo/pom.properties"), "groupId=com.example\nartifactId=demo\nversion=0.0.1-SNAPSHOT\n");
    await writeFile(join(boot, "BOOT-INF/classes/com/example/Demo.class"), "not really a class");
    for (const j of DEBIAN_JARS) await copyFile(join("/usr/share/java", j), join(boot, "BOOT-INF/lib", j));
    const fatJar = join(work, "demo-0.0.1-SNAPSHOT.jar");
    await sh("zip", ["-qrX", fatJar, "META-INF", "BOOT-INF/classes"], { cwd: boot });
    await sh("zip", ["-qrX0", fatJar, "BOOT-INF/lib"], { cwd: boot });

    // A war with WEB-INF/lib, inside an ear: three levels.
    const web = join(work, "web");
    await mkdir(join(web, "WEB-INF/lib"), { recursive: true });
    await mkdir(join(web, "META-INF"), { recursive: true });
    await writeFile(join(web, "META-INF/MANIFEST.MF"), "Manifest-Version: 1.0\nImplementation-Title: webapp\nImplementation-Version: 2.0\nImplementation-Vendor-Id: com.example\n\n");
    for (const j of DEBIAN_JARS.slice(0, 2)) await copyFile(join("/usr/share/java", j), join(web, "WEB-INF/lib", j));
    await sh("zip", ["-qrX", join(work, "webapp-2.0.war"), "META-INF", "WEB-INF"], { cwd: web });
    const ear = join(work, "ear");
    await mkdir(join(ear, "lib"), { recursive: true });
    await copyFile(join(work, "webapp-2.0.war"), join(ear, "webapp-2.0.war"));
    await copyFile("/usr/share/java/commons-io.jar", join(ear, "lib", "commons-io.jar"));
    await sh("zip", ["-qrX", join(work, "app.ear"), "webapp-2.0.war", "lib"], { cwd: ear });
  });
  return { fatJar: join(dir, "demo-0.0.1-SNAPSHOT.jar"), war: join(dir, "webapp-2.0.war"), ear: join(dir, "app.ear") };
}

export interface OracleArchive {
  /** `outer!/inner.jar` chain. */
  location: string;
  sha1: string;
  /** group:artifact:version from each pom.properties. */
  poms: string[];
  nested: OracleArchive[];
}

/** What Python's zipfile finds in each archive (recursing into nested archives in memory). */
export async function zipfileOracle(files: string[]): Promise<OracleArchive[]> {
  const script = `
import hashlib, io, json, re, sys, zipfile
POM = re.compile(r"^META-INF/maven/[^/]+/[^/]+/pom\\.properties$")
ARCHIVE = re.compile(r"\\.(jar|war|ear)$", re.I)
def props(text):
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!" or "=" not in line: continue
        k, v = line.split("=", 1); out[k.strip()] = v.strip()
    return out
def walk(data, location):
    z = zipfile.ZipFile(io.BytesIO(data))
    poms, nested = [], []
    for name in z.namelist():
        if POM.match(name):
            p = props(z.read(name).decode("utf-8", "replace"))
            poms.append(f"{p['groupId']}:{p['artifactId']}:{p['version']}")
        elif ARCHIVE.search(name):
            nested.append(walk(z.read(name), f"{location}!/{name}"))
    return {"location": location, "sha1": hashlib.sha1(data).hexdigest(), "poms": sorted(poms), "nested": nested}
print(json.dumps([walk(open(f, "rb").read(), f) for f in sys.argv[1:]]))
`;
  return JSON.parse(await sh("/usr/bin/python3", ["-c", script, ...files])) as OracleArchive[];
}
