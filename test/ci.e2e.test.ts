/**
 * The example workspace's generated child pipeline, run end to end by gitlab-ci-local
 * (`--shell-isolation`: each job in its own copy of the repository, artifacts copied between
 * jobs; `--force-shell-executor`: jobs run on this host and `image:` is not pulled, the override
 * the issue allows). The image it produces must have the same digests as `mailknight run`.
 * Needs what the example needs (git, bubblewrap, busybox-static, skopeo) plus rsync.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { gitlabCiValidator } from "../src/ci/testing/gitlab-schema.js";
import { STAGE_ORDER } from "../src/pipeline/index.js";

const repo = new URL("..", import.meta.url).pathname;
const cli = join(repo, "bin/mailknight.js");
const gcl = join(repo, "node_modules/.bin/gitlab-ci-local");
const DATE = "20260101";

function sh(cmd: string, args: string[], cwd?: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, CI: "1", ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}
function ok(cmd: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): string {
  const r = sh(cmd, args, cwd, env);
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")} failed:\n${r.out}`);
  return r.stdout;
}

let work: string; // upstream repo + bases, like examples/work

/**
 * A copy of the example workspace whose mirror and base point at `work` by absolute path: under
 * --shell-isolation jobs run in .gitlab-ci-local/builds/<job>/, where the example's `../work`
 * would not resolve.
 */
async function workspaceCopy(): Promise<string> {
  const ws = join(await mkdtemp(join(tmpdir(), "mk-ci-e2e-")), "workspace");
  await cp(join(repo, "examples/workspace"), ws, { recursive: true, filter: (src) => !/\/(\.mailknight|out)(\/|$)/.test(src) });
  const config = join(ws, "mailknight.yaml");
  await writeFile(config, (await readFile(config, "utf8")).replace('"../work/upstream/"', `"${work}/upstream/"`));
  const recipe = join(ws, "projects/greeter/project.yaml");
  await writeFile(recipe, (await readFile(recipe, "utf8")).replace("oci:../work/bases:busybox", `oci:${work}/bases:busybox`));
  const key = spawnSync("bash", [join(repo, "examples/make-example-key.sh"), ws], { encoding: "utf8" });
  assert.equal(key.status, 0, key.stderr);
  return ws;
}

before(() => {
  work = join(spawnSync("mktemp", ["-d"], { encoding: "utf8" }).stdout.trim(), "work");
  ok("bash", [join(repo, "examples/make-upstream.sh"), join(work, "upstream/greeter.git")]);
  ok("bash", [join(repo, "examples/bases/make-busybox-base.sh"), join(work, "bases"), "busybox"]);
});

interface PackageRecord {
  outputs: { images: { variant: string; digest: string }[] };
}

test("the generated child pipeline runs under gitlab-ci-local, passes artifacts, and builds the digests `mailknight run` builds", async () => {
  const ws = await workspaceCopy();
  ok(process.execPath, [cli, "-C", ws, "ci", "generate"]);
  ok("git", ["init", "-q", "-b", "main"], ws);
  ok("git", ["add", "-A"], ws);
  ok("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "workspace"], ws);
  ok("git", ["remote", "add", "origin", "https://gitlab.example.org/factory/workspace.git"], ws);
  // gitlab-ci-local evaluates rules:changes against origin/<default branch>.
  ok("git", ["update-ref", "refs/remotes/origin/main", "HEAD"], ws);
  ok("git", ["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main"], ws);

  // MK_CLI is the template's own knob for where mailknight is; the builder image has it on PATH.
  const gclArgs = ["--shell-isolation", "--force-shell-executor", "--no-color", "--variable", `MK_CLI=${process.execPath} ${cli}`, "--variable", `MK_RELEASE_DATE=${DATE}`];

  // The root pipeline's generator job checks the committed files and writes the child pipeline
  // as its artifact (gitlab-ci-local copies artifacts back into the workspace).
  const gen = sh(gcl, [...gclArgs, "mk-generate"], ws);
  assert.equal(gen.code, 0, `mk-generate failed:\n${gen.out}`);
  assert.match(gen.out, /ok: \.gitlab-ci\.yml, \.mailknight\.yml up to date/);
  const childPath = ".mailknight/ci/greeter.yml";
  const validate = gitlabCiValidator();
  for (const f of [".gitlab-ci.yml", ".mailknight.yml", childPath]) assert.deepEqual(validate(parse(await readFile(join(ws, f), "utf8"))), [], f);
  const run = sh(gcl, ["--file", childPath, ...gclArgs], ws);
  assert.equal(run.code, 0, `gitlab-ci-local failed:\n${run.out}`);
  const jobs = ["v1.1.0", "v1.0.0"].flatMap((v) => STAGE_ORDER.map((s) => `greeter@${v}:${s}`));
  for (const job of jobs) assert.match(run.out, new RegExp(`PASS\\s+${job.replaceAll(".", "\\.")}`), `${job} did not pass`);
  for (const job of jobs.filter((j) => !j.endsWith(":fetch"))) {
    assert.match(run.out, new RegExp(`${job.replaceAll(".", "\\.")}\\s+imported artifacts`), `${job} got no artifacts`);
  }

  // Artifacts really passed: the package job's isolated copy holds the build job's record,
  // byte for byte (its own artifacts do not include the build directory).
  const builds = join(ws, ".gitlab-ci-local/builds");
  const stageRecord = (root: string, stage: string) => readFile(join(root, ".mailknight/work/greeter/v1.1.0", stage, "stage.json"), "utf8").catch(() => undefined);
  let packageDir: string | undefined;
  for (const d of await readdir(builds)) if ((await stageRecord(join(builds, d), "package")) !== undefined) packageDir = join(builds, d);
  assert.ok(packageDir, "no isolated build directory of the package job");
  for (const stage of ["fetch", "patch", "build"]) {
    const copied = await stageRecord(packageDir, stage);
    assert.ok(copied, `${stage} record missing in the package job`);
    assert.equal(copied, await stageRecord(ws, stage), `${stage} record in the package job is not the ${stage} job's artifact`);
  }

  // The CI-built images equal the locally built ones, digest for digest.
  const ciImages = (JSON.parse((await stageRecord(ws, "package"))!) as PackageRecord).outputs.images.map((i) => `${i.variant}=${i.digest}`);
  const local = await workspaceCopy();
  const localRun = JSON.parse(ok(process.execPath, [cli, "-C", local, "--json", "run", "greeter@v1.1.0", "--release-date", DATE])) as { results: { images: { variant: string; digest: string }[] }[] };
  assert.deepEqual(ciImages, localRun.results[0]!.images.map((i) => `${i.variant}=${i.digest}`));
  assert.equal(ciImages.length, 3);
  // And the layout the package job exported carries them under the release tags. (The copy in the
  // workspace itself is not used: gitlab-ci-local copies every job's artifacts there, and the two
  // versions' layouts overwrite each other's index.json; in GitLab each job gets only its needs.)
  for (const [tag, variant] of [[`greeter:v1.1.0-lts.${DATE}-distroless`, "distroless"], [`greeter:v1.1.0-lts.${DATE}`, "standard"]] as const) {
    const inspected = JSON.parse(ok("skopeo", ["inspect", `oci:${join(packageDir, "out/layout")}:${tag}`])) as { Digest: string };
    assert.ok(ciImages.includes(`${variant}=${inspected.Digest}`), `${tag} -> ${inspected.Digest}`);
  }

  // Without its needs the same job has nothing to start from: the artifacts are what made it work.
  // (Run last: it reuses, and empties, the package job's build directory.)
  const child = parse(await readFile(join(ws, childPath), "utf8")) as Record<string, { needs?: unknown[] }>;
  child["greeter@v1.1.0:package"]!.needs = [];
  await writeFile(join(ws, "no-needs.yml"), stringify(child));
  const alone = sh(gcl, ["--file", "no-needs.yml", ...gclArgs, "greeter@v1.1.0:package"], ws);
  assert.notEqual(alone.code, 0);
  assert.match(alone.out, /E_NOT_FOUND|has no record/);
});
