/**
 * A child pipeline for one project: per carried version, one job per stage chained with `needs`
 * (no stage barriers, so versions and projects never wait on each other), then the release job
 * on tags. Each job needs every earlier stage of its version, not just the previous one: a GitLab
 * job only receives the artifacts of the jobs it needs, and `mailknight stage` requires the
 * records of all stages before it.
 */
import { has, type CiDocument, type CiInput, type CiProject, type TemplateSource } from "./model.js";
import { hiddenJob, releaseJob, signJob, stageJob } from "./names.js";

export function includeOf(template: TemplateSource): CiDocument[] {
  if (template.kind === "local") return [{ local: template.file }];
  return [{ project: template.project, file: template.file, ref: template.ref }];
}

export function childDocument(input: CiInput, project: CiProject): CiDocument {
  const doc: CiDocument = { include: includeOf(input.template) };
  for (const v of project.versions) {
    const vars = { MK_PROJECT: project.name, MK_VERSION: v.version };
    const done: string[] = [];
    for (const stage of input.stages) {
      const name = stageJob(project.name, v.version, stage);
      const job: CiDocument = { extends: hiddenJob(stage), variables: vars, needs: done.map((job) => ({ job, artifacts: true })) };
      if (stage === "fetch") {
        // The cache holds fetched sources (.mailknight/cache), which depend on the recipe's pins
        // only: keyed on the recipe's content. Patches are not in it (the patch stage's output is
        // an artifact), so a patch change keeps a valid source cache instead of dropping it.
        job.cache = {
          key: { prefix: `${project.name}-${v.version}`, files: [`projects/${project.name}/project.yaml`] },
          paths: [".mailknight/cache/"],
        };
      }
      doc[name] = job;
      done.push(name);
    }
    // `mailknight sign` refuses a release without a passed gate record, so signing is planned only
    // once the gate is a stage; it runs on tags, like the release it feeds.
    if (has(input, "sign") && input.stages.includes("gate")) {
      const name = signJob(project.name, v.version);
      doc[name] = { extends: ".mk-sign", variables: vars, needs: done.map((job) => ({ job, artifacts: true })), rules: [{ if: "$CI_COMMIT_TAG" }] };
      done.push(name);
    }
    // The release needs the sign job last: its signed layout (a superset of the package job's)
    // is extracted after, and so over, the unsigned one.
    if (has(input, "publish") && input.registry && done.length > 0) {
      doc[releaseJob(project.name, v.version)] = {
        extends: ".mk-release",
        variables: { ...vars, MK_REGISTRY: input.registry, // Sorted so the empty suffix (standard) comes first: bash keeps a leading empty field, drops a trailing one.
        MK_TAG_SUFFIXES: Object.values(v.variants).sort().join(",") },
        needs: done.map((job) => ({ job, artifacts: true })),
        // Releases come from tags of the workspace only; branches and merge requests build and check.
        rules: [{ if: "$CI_COMMIT_TAG" }],
      };
    }
  }
  return doc;
}
