/**
 * GitLab CI generation, fast checks: every generated file validates against GitLab's CI schema
 * (embedded in gitlab-ci-local), the job graph (needs, which change triggers which project),
 * byte-identical regeneration, and `mailknight ci check` failing on a stale file.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, writeFile, mkdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, matchesGlob } from "node:path";
import { parse } from "yaml";
import { collectInput, planChildPipeline, planCiFiles, writeCiFiles, type CiInput } from "../src/ci/index.js";
import { gitlabCiValidator, type CiValidator } from "../src/ci/testing/gitlab-schema.js";
import { STAGE_ORDER } from "../src/pipeline/index.js";

/** The build stages every version of the pipeline has had; later stages are added on top in tests. */
const CORE = ["fetch", "patch", "build", "package"] as const;
import { openWorkspace } from "../src/workspace/index.js";

const repo = new URL("..", import.meta.url).pathname;
const cli = join(repo, "bin/mailknight.js");
/** The commands the workflow relies on; the real list comes from the command tree (see the CLI test). */
const COMMANDS = ["ci", "publish", "copy", "index", "stage", "sync"];

function mk(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

let validate: CiValidator;
let twoProjects: string; // a workspace with greeter and hello

/** The example workspace plus a second project, `hello`, in a temp dir. */
async function makeTwoProjectWorkspace(): Promise<string> {
  const ws = join(await mkdtemp(join(tmpdir(), "mk-ci-")), "workspace");
  await cp(join(repo, "examples/workspace"), ws, { recursive: true, filter: (src) => !/\/(\.mailknight|out)(\/|$)/.test(src) });
  const recipe = await readFile(join(ws, "projects/greeter/project.yaml"), "utf8");
  await mkdir(join(ws, "projects/hello/files"), { recursive: true });
  await writeFile(join(ws, "projects/hello/project.yaml"), recipe.replace("name: greeter", "name: hello"));
  await cp(join(ws, "projects/greeter/files"), join(ws, "projects/hello/files"), { recursive: true });
  return ws;
}

async function inputOf(ws: string, extra: Partial<CiInput> = {}, commands = COMMANDS): Promise<CiInput> {
  return { ...(await collectInput(await openWorkspace(ws), { stages: STAGE_ORDER, commands })), ...extra };
}

before(async () => {
  validate = gitlabCiValidator();
  twoProjects = await makeTwoProjectWorkspace();
});

function assertValid(name: string, text: string): Record<string, unknown> {
  const doc = parse(text) as Record<string, unknown>;
  assert.deepEqual(validate(doc), [], `${name} does not validate against GitLab's CI schema`);
  return doc;
}

test("the schema check rejects what GitLab rejects (so passing means something)", () => {
  assert.notDeepEqual(validate({ job: { script: ["x"], needs: [{ jobb: "a" }] } }), []);
  assert.notDeepEqual(validate({ job: { script: ["x"], retry: { max: 2, when: ["no_such_failure"] } } }), []);
  assert.deepEqual(validate({ job: { script: ["x"], retry: { max: 2, when: ["runner_system_failure"] } } }), []);
});

test("every generated file validates against GitLab's CI schema, with and without releases, local and project templates", async () => {
  const variants: [string, CiInput][] = [
    ["plain", await inputOf(twoProjects)],
    ["release", await inputOf(twoProjects, { registry: "registry.example.com/team" })],
    ["project template", await inputOf(twoProjects, { template: { kind: "project", project: "platform/mailknight", file: ".mailknight.yml", ref: "v1.0.0" }, defaultBranch: "trunk" })],
    ["no commands", await inputOf(twoProjects, {}, [])],
  ];
  for (const [label, input] of variants) {
    for (const [file, text] of Object.entries(planCiFiles(input))) assertValid(`${label}: ${file}`, text);
    for (const p of input.projects) assertValid(`${label}: child ${p.name}`, planChildPipeline(input, p.name));
  }
});

test("the template has one hidden job per stage in STAGE_ORDER, release only when publish exists", async () => {
  const input = await inputOf(twoProjects);
  const tpl = parse(planCiFiles(input)[".mailknight.yml"]!) as Record<string, Record<string, unknown>>;
  const expected = STAGE_ORDER.map((s) => (s === "fetch" ? ".mk-fetch-source" : s === "patch" ? ".mk-apply-patches" : `.mk-${s}`));
  assert.deepEqual(Object.keys(tpl), [".mk-job", ...expected, ".mk-release"]);
  const job = tpl[".mk-job"]!;
  assert.equal(job.image, "$MK_BUILDER_IMAGE");
  assert.equal(job.interruptible, true);
  assert.deepEqual(job.retry, { max: 2, when: ["runner_system_failure", "stuck_or_timeout_failure", "scheduler_failure"] });
  assert.equal(tpl[".mk-release"]!.resource_group, "mailknight-release");
  assert.equal(tpl[".mk-release"]!.interruptible, false);

  const without = parse(planCiFiles(await inputOf(twoProjects, {}, ["stage"]))[".mailknight.yml"]!) as Record<string, unknown>;
  assert.equal(without[".mk-release"], undefined, "no publish command, no release job");
  const root = parse(planCiFiles(await inputOf(twoProjects, {}, ["stage"]))[".gitlab-ci.yml"]!) as Record<string, unknown>;
  assert.equal(root["mk-sync"], undefined, "no sync command, no sync job");
});

test("stages added to STAGE_ORDER get their hidden job and their report: sbom → cyclonedx", async () => {
  const input = await inputOf(twoProjects, { stages: [...CORE, "sbom", "scan"] });
  const tpl = assertValid("template with sbom", planCiFiles(input)[".mailknight.yml"]!) as Record<string, { script: string[]; artifacts: { reports?: Record<string, unknown> } }>;
  assert.deepEqual(tpl[".mk-sbom"]!.script, ['$MK_CLI stage sbom "$MK_PROJECT@$MK_VERSION"']);
  assert.deepEqual(tpl[".mk-sbom"]!.artifacts.reports, { cyclonedx: ["$MK_WORK/$MK_PROJECT/$MK_VERSION/sbom/*.cdx.json"] });
  assert.deepEqual(tpl[".mk-scan"]!.script, ['$MK_CLI stage scan "$MK_PROJECT@$MK_VERSION"']);
  const child = assertValid("child with sbom", planChildPipeline(input, "greeter")) as Record<string, { needs?: { job: string }[] }>;
  assert.deepEqual(child["greeter@v1.1.0:scan"]!.needs!.map((n) => n.job), [...CORE, "sbom"].map((s) => `greeter@v1.1.0:${s}`));
});

test("signing: .mk-sign is keyless through id_tokens; a sign job is planned once the gate is a stage, and the release needs it", async () => {
  const commands = [...COMMANDS, "sign", "attest"];
  const before = { ...(await inputOf(twoProjects, { registry: "registry.example.com/team" }, commands)), stages: [...CORE, "sbom", "scan"] };
  const tpl = assertValid("template with sign", planCiFiles(before)[".mailknight.yml"]!) as Record<string, { id_tokens?: unknown; script: string[] }>;
  assert.deepEqual(tpl[".mk-sign"]!.id_tokens, { SIGSTORE_ID_TOKEN: { aud: "sigstore" } });
  // The example configures `signing:`: the job runs the sign and attest stages and hands on their records.
  assert.deepEqual(before.releaseStages, ["sign", "attest"]);
  assert.deepEqual(tpl[".mk-sign"]!.script, ['$MK_CLI stage sign "$MK_PROJECT@$MK_VERSION"', '$MK_CLI stage attest "$MK_PROJECT@$MK_VERSION"']);
  assert.deepEqual((tpl[".mk-sign"] as unknown as { artifacts: { paths: string[] } }).artifacts.paths, ["$MK_LAYOUT/", "$MK_WORK/$MK_PROJECT/$MK_VERSION/sign/", "$MK_WORK/$MK_PROJECT/$MK_VERSION/attest/"]);
  // Without `signing:` the job signs with the commands (keyless from the job's OIDC token).
  const unconfigured = parse(planCiFiles({ ...before, releaseStages: [] })[".mailknight.yml"]!) as Record<string, { script: string[] }>;
  assert.deepEqual(unconfigured[".mk-sign"]!.script, ['$MK_CLI sign "$MK_PROJECT@$MK_VERSION"', '$MK_CLI attest "$MK_PROJECT@$MK_VERSION"']);
  assert.equal("greeter@v1.1.0:sign" in (parse(planChildPipeline(before, "greeter")) as object), false, "sign refuses without a gate record: no job before the gate stage exists");

  const gated = { ...before, stages: [...CORE, "sbom", "scan", "gate"] };
  const child = assertValid("child with sign", planChildPipeline(gated, "greeter")) as Record<string, { needs: { job: string }[]; rules?: unknown }>;
  assert.deepEqual(child["greeter@v1.1.0:sign"]!.needs.map((n) => n.job), gated.stages.map((s) => `greeter@v1.1.0:${s}`));
  assert.deepEqual(child["greeter@v1.1.0:sign"]!.rules, [{ if: "$CI_COMMIT_TAG" }]);
  assert.deepEqual(child["greeter@v1.1.0:release"]!.needs.map((n) => n.job), [...gated.stages, "sign"].map((s) => `greeter@v1.1.0:${s}`));
});

test("the release script publishes, adds the commit tag per variant, and writes notes with the `git describe` version", async () => {
  const input = await inputOf(twoProjects, { registry: "registry.example.com/team" });
  const tpl = parse(planCiFiles(input)[".mailknight.yml"]!) as Record<string, { script: string[]; release: { description: string } }>;
  const child = parse(planChildPipeline(input, "greeter")) as Record<string, { variables: Record<string, string> }>;
  const dir = await mkdtemp(join(tmpdir(), "mk-ci-release-"));
  // A stand-in for the mailknight binary that records how the script calls it: the commands
  // themselves are tested in their own modules; this checks the shell around them.
  await writeFile(join(dir, "mk"), '#!/bin/sh\necho "$*" >> calls.log\necho "out: $1"\n', { mode: 0o755 });
  const git = (...args: string[]) => assert.equal(spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", ...args], { cwd: dir }).status, 0);
  git("init", "-q");
  git("commit", "-q", "--allow-empty", "-m", "release");
  git("tag", "v2026.1");
  const env = {
    PATH: process.env.PATH ?? "",
    ...child["greeter@v1.1.0:release"]!.variables,
    // A command with an argument, as MK_CLI may be (`node .../mailknight.js`).
    MK_CLI: `sh ${join(dir, "mk")}`,
    MK_LAYOUT: "out/layout",
    MK_RELEASE_DATE: "20260101",
    CI_COMMIT_SHORT_SHA: "abc1234",
    CI_COMMIT_SHA: "abc1234def",
  };
  // POSIX sh (dash here): builder images need not have bash.
  const r = spawnSync("sh", ["-e", "-c", tpl[".mk-release"]!.script.join("\n")], { cwd: dir, env, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual((await readFile(join(dir, "calls.log"), "utf8")).trim().split("\n"), [
    "publish greeter@v1.1.0",
    "copy oci:out/layout:greeter:v1.1.0-lts.20260101 docker://registry.example.com/team/greeter:v1.1.0-abc1234",
    "copy oci:out/layout:greeter:v1.1.0-lts.20260101-dev docker://registry.example.com/team/greeter:v1.1.0-abc1234-dev",
    "copy oci:out/layout:greeter:v1.1.0-lts.20260101-distroless docker://registry.example.com/team/greeter:v1.1.0-abc1234-distroless",
    "index show",
  ]);
  const notes = await readFile(join(dir, tpl[".mk-release"]!.release.description), "utf8");
  assert.match(notes, /^Workspace v2026\.1, commit abc1234def\n/);
  assert.match(notes, /out: publish\nout: index/);
});

test("the committed example pipeline is current (regenerate with `mailknight -C examples/workspace ci generate`)", () => {
  const r = mk(["-C", join(repo, "examples/workspace"), "ci", "check"]);
  assert.equal(r.code, 0, r.stderr);
});

test("the builder-image check fails on GitLab unless MK_BUILDER_IMAGE is pinned by digest", async () => {
  const tpl = parse(planCiFiles(await inputOf(twoProjects))[".mailknight.yml"]!) as Record<string, { before_script: string[] }>;
  const check = tpl[".mk-job"]!.before_script[0]!;
  const runCheck = (env: Record<string, string>) => spawnSync("bash", ["-c", check], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
  const pinned = `registry.example.com/mk/builder@sha256:${"a".repeat(64)}`;
  assert.equal(runCheck({ GITLAB_CI: "true", MK_BUILDER_IMAGE: pinned }).status, 0);
  const unpinned = runCheck({ GITLAB_CI: "true", MK_BUILDER_IMAGE: "registry.example.com/mk/builder:latest" });
  assert.equal(unpinned.status, 1);
  assert.match(unpinned.stderr, /pinned by digest/);
  assert.equal(runCheck({ GITLAB_CI: "true" }).status, 1, "unset fails too");
  assert.equal(runCheck({ GITLAB_CI: "false" }).status, 0, "gitlab-ci-local (GITLAB_CI=false) pulls no image");
});

test("child pipeline: each stage job needs every earlier stage of its own version, nothing else", async () => {
  const input = await inputOf(twoProjects, { registry: "registry.example.com/team" });
  const child = parse(planChildPipeline(input, "greeter")) as Record<string, { extends?: string; needs?: { job: string; artifacts: boolean }[]; rules?: unknown; variables?: Record<string, string> }>;
  const needs = Object.fromEntries(Object.entries(child).filter(([k]) => k !== "include").map(([k, v]) => [k, (v.needs ?? []).map((n) => n.job)]));
  const expected: Record<string, string[]> = {};
  for (const v of ["v1.1.0", "v1.0.0"]) {
    const done: string[] = [];
    for (const s of STAGE_ORDER) {
      expected[`greeter@${v}:${s}`] = [...done];
      done.push(`greeter@${v}:${s}`);
    }
    expected[`greeter@${v}:release`] = [...done];
  }
  assert.deepEqual(needs, expected);
  for (const [, job] of Object.entries(child)) for (const n of job.needs ?? []) assert.equal(n.artifacts, true);
  assert.deepEqual(child["greeter@v1.1.0:release"]!.rules, [{ if: "$CI_COMMIT_TAG" }]);
  assert.equal(child["greeter@v1.1.0:release"]!.variables!.MK_TAG_SUFFIXES, ",-dev,-distroless");
  assert.deepEqual(child.include, [{ local: ".mailknight.yml" }]);
  assert.equal(planChildPipeline(input, "hello").includes("greeter"), false, "a project's child pipeline never mentions another project");
});

// --- which change triggers what: GitLab's rules, evaluated for the expressions we generate ---

interface Event {
  source: "push" | "merge_request_event" | "schedule";
  branch?: string;
  tag?: string;
  changed: string[];
}
type Rule = { if?: string; when?: string; changes?: string[] | { paths: string[]; compare_to: string } };

function condition(expr: string, e: Event): boolean {
  const known: Record<string, boolean> = {
    '$CI_PIPELINE_SOURCE == "schedule"': e.source === "schedule",
    '$CI_PIPELINE_SOURCE == "merge_request_event"': e.source === "merge_request_event",
    $CI_COMMIT_TAG: e.tag !== undefined,
    $CI_COMMIT_BRANCH: e.branch !== undefined && e.source !== "merge_request_event",
    "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH": e.branch === "main" && e.source !== "merge_request_event",
    "$CI_COMMIT_TAG =~ /-lts\\.[0-9]{8}$/": /-lts\.[0-9]{8}$/.test(e.tag ?? ""),
    "$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS": false,
  };
  assert.ok(expr in known, `the test does not know the rule expression ${expr}`);
  return known[expr]!;
}

/** GitLab: the first rule whose `if` and `changes` match decides; no match → the job is out. */
function runs(rules: Rule[] | undefined, e: Event): boolean {
  if (!rules) return true;
  for (const r of rules) {
    if (r.if !== undefined && !condition(r.if, e)) continue;
    if (r.changes) {
      const paths = Array.isArray(r.changes) ? r.changes : r.changes.paths;
      if (!e.changed.some((f) => paths.some((p) => matchesGlob(f, p)))) continue;
    }
    return r.when !== "never";
  }
  return false;
}

test("which jobs each kind of change triggers: one project's patches trigger only that project", async () => {
  const root = parse(planCiFiles(await inputOf(twoProjects))[".gitlab-ci.yml"]!) as Record<string, { rules?: Rule[] }>;
  const triggered = (e: Event) => {
    if (!runs(root.workflow!.rules, e)) return [];
    return Object.keys(root).filter((k) => k !== "include" && k !== "workflow" && runs(root[k]!.rules, e));
  };
  const push = (changed: string[], branch = "main"): Event => ({ source: "push", branch, changed });
  assert.deepEqual(triggered(push(["patches/greeter/v1.1.0/0002-fix.patch"])), ["mk-generate", "mk-greeter"]);
  assert.deepEqual(triggered(push(["patches/hello/v1.1.0/0002-fix.patch"], "fix-hello")), ["mk-generate", "mk-hello"]);
  assert.deepEqual(triggered({ source: "merge_request_event", branch: "x", changed: ["vex/hello/CVE-2024-1.json"] }), ["mk-generate", "mk-hello"]);
  assert.deepEqual(triggered(push(["projects/greeter/project.yaml"])), ["mk-generate", "mk-greeter"]);
  assert.deepEqual(triggered(push(["projects/greeter/files/greeting.txt"])), ["mk-generate", "mk-greeter"]);
  assert.deepEqual(triggered(push(["mailknight.yaml"])), ["mk-generate", "mk-greeter", "mk-hello"]);
  assert.deepEqual(triggered(push(["README.md"])), ["mk-generate"]);
  assert.deepEqual(triggered(push(["projects/greeterx/project.yaml"])), ["mk-generate"], "prefix of another project's name does not match");
  assert.deepEqual(triggered({ source: "schedule", branch: "main", changed: [] }), ["mk-sync"]);
  assert.deepEqual(triggered({ source: "push", tag: "v2026.1", changed: [] }), ["mk-generate", "mk-greeter", "mk-hello"]);
  assert.deepEqual(triggered({ source: "push", tag: "greeter-v1.1.0-lts.20260101", changed: [] }), [], "our own release tags start nothing");

  const branchRule = root["mk-greeter"]!.rules!.find((r) => r.if === "$CI_COMMIT_BRANCH")!;
  assert.deepEqual((branchRule.changes as { compare_to: string }).compare_to, "refs/heads/main");
});

test("gitlab-ci-local, as an oracle, selects the same trigger jobs from a branch's changes", async () => {
  const ws = await makeTwoProjectWorkspace();
  await writeCiFiles(ws, planCiFiles(await inputOf(ws)));
  const git = (...args: string[]) => {
    const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", ...args], { cwd: ws, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  };
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "base");
  git("remote", "add", "origin", "https://gitlab.example.org/factory/workspace.git");
  // gitlab-ci-local diffs against origin/<default branch> for rules:changes.
  git("update-ref", "refs/remotes/origin/main", "HEAD");
  git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");
  const selected = async (file: string) => {
    await mkdir(join(ws, file, ".."), { recursive: true });
    await writeFile(join(ws, file), "change\n");
    git("add", "-A");
    git("commit", "-qm", `change ${file}`);
    const r = spawnSync(join(repo, "node_modules/.bin/gitlab-ci-local"), ["--list-json"], { cwd: ws, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const jobs = JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as { name: string; when: string }[];
    git("reset", "-q", "--hard", "refs/remotes/origin/main");
    return jobs.filter((j) => j.when !== "never").map((j) => j.name);
  };
  assert.deepEqual(await selected("patches/hello/v1.1.0/0002-fix.patch"), ["mk-generate", "mk-hello"]);
  assert.deepEqual(await selected("vex/greeter/CVE-2024-0001.json"), ["mk-generate", "mk-greeter"]);
  assert.deepEqual(await selected("docs/notes.md"), ["mk-generate"]);
});

test("regenerating is byte-identical; unchanged files are not rewritten", async () => {
  const input = await inputOf(twoProjects);
  assert.deepEqual(planCiFiles(await inputOf(twoProjects)), planCiFiles(input));
  assert.equal(planChildPipeline(await inputOf(twoProjects, {}, [...COMMANDS].reverse()), "greeter"), planChildPipeline(input, "greeter"), "command order does not matter");
  const first = await writeCiFiles(twoProjects, planCiFiles(input));
  const bytes = await readFile(join(twoProjects, ".gitlab-ci.yml"));
  const mtime = (await stat(join(twoProjects, ".gitlab-ci.yml"))).mtimeMs;
  const second = await writeCiFiles(twoProjects, planCiFiles(await inputOf(twoProjects)));
  assert.ok(first.some((s) => s.status === "written"));
  assert.deepEqual(second.map((s) => s.status), ["unchanged", "unchanged"]);
  assert.deepEqual(await readFile(join(twoProjects, ".gitlab-ci.yml")), bytes);
  assert.equal((await stat(join(twoProjects, ".gitlab-ci.yml"))).mtimeMs, mtime);
});

test("`mailknight ci check` exits 1 when a committed file is stale or hand-edited, 0 after `ci generate`", async () => {
  const ws = await makeTwoProjectWorkspace();
  assert.equal(mk(["-C", ws, "ci", "check"]).code, 1, "missing files are stale");
  assert.equal(mk(["-C", ws, "ci", "generate"]).code, 0);
  const ok = mk(["-C", ws, "ci", "check"]);
  assert.equal(ok.code, 0, ok.stderr);
  const again = mk(["-C", ws, "--json", "ci", "generate"]);
  assert.deepEqual((JSON.parse(again.stdout) as { status: string }[]).map((s) => s.status), ["unchanged", "unchanged"]);

  // A hand edit.
  const file = join(ws, ".gitlab-ci.yml");
  await writeFile(file, (await readFile(file, "utf8")).replace("strategy: depend", "strategy: mirror"));
  const stale = mk(["-C", ws, "--json", "ci", "check"]);
  assert.equal(stale.code, 1);
  assert.deepEqual((JSON.parse(stale.stdout.slice(0, stale.stdout.indexOf("\n}\n") + 2)) as { files: { status: string }[] }).files.map((f) => f.status), ["stale", "unchanged"]);

  // A recipe change (a new version) makes the committed pipeline stale as well.
  assert.equal(mk(["-C", ws, "ci", "generate"]).code, 0);
  await writeFile(join(ws, "projects/hello/project.yaml"), (await readFile(join(ws, "projects/hello/project.yaml"), "utf8")).replace("description: Prints", "description: Still prints"));
  assert.equal(mk(["-C", ws, "ci", "check"]).code, 0, "a change that does not affect the pipeline keeps it current");
  await cp(join(ws, "projects/hello"), join(ws, "projects/third"), { recursive: true });
  await writeFile(join(ws, "projects/third/project.yaml"), (await readFile(join(ws, "projects/third/project.yaml"), "utf8")).replace("name: hello", "name: third"));
  assert.equal(mk(["-C", ws, "ci", "check"]).code, 1, "a new project makes the root pipeline stale");
});

test("the CLI generates jobs from the commands that exist in this build, and a child per project", async () => {
  const ws = await makeTwoProjectWorkspace();
  assert.equal(mk(["-C", ws, "ci", "generate"]).code, 0);
  const r = mk(["-C", ws, "ci", "generate", "--child", "hello"]);
  assert.equal(r.code, 0, r.stderr);
  const child = assertValid("child hello", await readFile(join(ws, ".mailknight/ci/hello.yml"), "utf8"));
  // With a gate stage in this build, each version also gets its sign job; no registry: no release job.
  const perVersion = (v: string) => [...STAGE_ORDER.map((s) => `hello@${v}:${s}`), ...((STAGE_ORDER as readonly string[]).includes("gate") ? [`hello@${v}:sign`] : [])];
  assert.deepEqual(Object.keys(child).filter((k) => k !== "include"), [...perVersion("v1.1.0"), ...perVersion("v1.0.0")], "no registry in mailknight.yaml: no release job");
  const tpl = parse(await readFile(join(ws, ".mailknight.yml"), "utf8")) as Record<string, unknown>;
  const root = parse(await readFile(join(ws, ".gitlab-ci.yml"), "utf8")) as Record<string, unknown>;
  const help = mk(["--help"]).stdout;
  assert.equal(".mk-release" in tpl, /^\s+publish\b/m.test(help));
  assert.equal("mk-sync" in root, /^\s+sync\b/m.test(help));
  assert.equal(".mk-sign" in tpl, /^\s+sign\b/m.test(help));
  assert.equal(mk(["-C", ws, "ci", "generate", "--child", "nope"]).code, 2);
});
