/**
 * `.mailknight.yml`: the reusable template. One hidden job per stage that `mailknight stage` runs
 * (taken from the stage list at generation time, so a stage added to STAGE_ORDER gets its job on
 * the next `mailknight ci generate`), plus `.mk-sign` when the `sign` command exists and
 * `.mk-release` when `publish` does. Jobs are parameterised by variables (MK_PROJECT,
 * MK_VERSION, ...) so other repositories can `include:` this file and `extends:` its jobs.
 */
import { has, type CiDocument, type CiInput } from "./model.js";
import { hiddenJob } from "./names.js";

/** Runner-side failures only: a failing build must not be retried into a pass. */
export const RETRY = { max: 2, when: ["runner_system_failure", "stuck_or_timeout_failure", "scheduler_failure"] };

/**
 * The builder image is a required CI/CD variable rather than a default in this file: a default
 * digest here would be either fake or stale, and an unpinned tag would let a registry swap the
 * toolchain under a release. On GitLab (GITLAB_CI=true) the job fails unless MK_BUILDER_IMAGE is
 * set and pinned by digest. gitlab-ci-local sets GITLAB_CI=false and, with
 * --force-shell-executor, pulls no image, so local runs use the host's tools instead.
 */
export const IMAGE_CHECK = [
  'if [ "${GITLAB_CI:-}" = "true" ] && ! printf \'%s\' "${MK_BUILDER_IMAGE:-}" | grep -Eq \'@sha256:[0-9a-f]{64}$\'; then',
  '  echo "MK_BUILDER_IMAGE must be set as a CI/CD variable to the builder image pinned by digest (<registry>/<repo>@sha256:<64 hex>); found: \'${MK_BUILDER_IMAGE:-}\'" >&2',
  "  exit 1",
  "fi",
].join("\n");

const STAGE_DIR = "$MK_WORK/$MK_PROJECT/$MK_VERSION";
/** The package job hands its release date to the release job, so both agree across midnight. */
export const RELEASE_ENV_FILE = "mk-release.env";
export const RELEASE_NOTES_FILE = "mk-release.md";

function stageJobTemplate(stage: string): CiDocument {
  const job: CiDocument = {
    extends: ".mk-job",
    script: [`$MK_CLI stage ${stage} "$MK_PROJECT@$MK_VERSION"`],
    artifacts: { paths: [`${STAGE_DIR}/${stage}/`], expire_in: "1 week" },
  };
  if (stage === "package") {
    // The release date is fixed once, here, and the images land in the output layout.
    job.script = [
      'export MK_RELEASE_DATE="${MK_RELEASE_DATE:-$(date -u +%Y%m%d)}"',
      `$MK_CLI stage package "$MK_PROJECT@$MK_VERSION"`,
      `echo "MK_RELEASE_DATE=$MK_RELEASE_DATE" > ${RELEASE_ENV_FILE}`,
    ];
    job.artifacts = { paths: [`${STAGE_DIR}/package/`, "$MK_LAYOUT/"], reports: { dotenv: RELEASE_ENV_FILE }, expire_in: "1 week" };
  }
  if (stage === "sbom") {
    // sbom writes <variant>.cdx.json per image (src/sbom/stage.ts): GitLab lists them as dependencies.
    job.artifacts = { paths: [`${STAGE_DIR}/sbom/`], reports: { cyclonedx: [`${STAGE_DIR}/sbom/*.cdx.json`] }, expire_in: "1 week" };
  }
  if (stage === "gate") {
    // gate writes <variant>.gl-container-scanning-report.json and <variant>.gate-junit.xml
    // (src/policy/stage.ts): merge requests show the findings and the blocking ones as failed tests.
    // `when: always` keeps the reports of a failed gate, which is when they matter most.
    job.artifacts = {
      when: "always",
      paths: [`${STAGE_DIR}/gate/`],
      reports: { container_scanning: [`${STAGE_DIR}/gate/*.gl-container-scanning-report.json`], junit: [`${STAGE_DIR}/gate/*.gate-junit.xml`] },
      expire_in: "1 week",
    };
  }
  return job;
}

/**
 * Signing and attestation, keyless by default: GitLab mints an OIDC token for Sigstore's Fulcio
 * (audience "sigstore") into SIGSTORE_ID_TOKEN, which `mailknight sign` reads. The signatures
 * land in the layout, which is handed on to the release job as an artifact.
 */
function signTemplate(input: CiInput): CiDocument {
  const stages = input.releaseStages ?? [];
  // With `signing:` configured, the stages run and their records go on to the release job
  // (publish reads the evidence from the layout they sign into).
  const script = stages.length > 0
    ? stages.map((stage) => `$MK_CLI stage ${stage} "$MK_PROJECT@$MK_VERSION"`)
    : ['$MK_CLI sign "$MK_PROJECT@$MK_VERSION"', ...(has(input, "attest") ? ['$MK_CLI attest "$MK_PROJECT@$MK_VERSION"'] : [])];
  return {
    extends: ".mk-job",
    interruptible: false,
    id_tokens: { SIGSTORE_ID_TOKEN: { aud: "sigstore" } },
    script,
    artifacts: { paths: ["$MK_LAYOUT/", ...stages.map((stage) => `${STAGE_DIR}/${stage}/`)], expire_in: "1 week" },
  };
}

function releaseTemplate(): CiDocument {
  return {
    extends: ".mk-job",
    // A release must not be cancelled half-way by a newer pipeline.
    interruptible: false,
    // Every release rewrites mailknight-index.json and moves tags: one at a time.
    resource_group: "mailknight-release",
    variables: { GIT_DEPTH: "0" },
    script: [
      'MK_WORKSPACE_VERSION="$(git describe --tags)"',
      `$MK_CLI publish "$MK_PROJECT@$MK_VERSION" | tee mk-publish.txt`,
      // The commit tag: the same image under <version>-<short sha>, per variant suffix. POSIX sh
      // (builder images need not have bash); IFS is set only for the split so $MK_CLI, which may
      // hold a command with arguments, still splits on spaces. A leading empty field (the
      // standard variant's "" suffix) survives the split.
      [
        'IFS=,; set -- $MK_TAG_SUFFIXES; unset IFS',
        'for s in "$@"; do',
        '  $MK_CLI copy "oci:$MK_LAYOUT:$MK_PROJECT:$MK_VERSION-lts.$MK_RELEASE_DATE$s" "docker://$MK_REGISTRY/$MK_PROJECT:$MK_VERSION-$CI_COMMIT_SHORT_SHA$s"',
        "done",
      ].join("\n"),
      `{ echo "Workspace $MK_WORKSPACE_VERSION, commit $CI_COMMIT_SHA"; echo; echo '\`\`\`'; cat mk-publish.txt; $MK_CLI index show; echo '\`\`\`'; } > ${RELEASE_NOTES_FILE}`,
    ],
    release: {
      tag_name: "$MK_PROJECT-$MK_VERSION-lts.$MK_RELEASE_DATE",
      name: "$MK_PROJECT $MK_VERSION-lts.$MK_RELEASE_DATE",
      description: `./${RELEASE_NOTES_FILE}`,
      ref: "$CI_COMMIT_SHA",
    },
    artifacts: { paths: [RELEASE_NOTES_FILE, "mk-publish.txt", "mailknight-index.json"], expire_in: "1 year" },
  };
}

export function templateDocument(input: CiInput): CiDocument {
  const doc: CiDocument = {
    ".mk-job": {
      image: "$MK_BUILDER_IMAGE",
      interruptible: true,
      retry: RETRY,
      variables: { MK_CLI: "mailknight", MK_WORK: ".mailknight/work", MK_LAYOUT: input.layout },
      before_script: [IMAGE_CHECK],
    },
  };
  for (const stage of input.stages) doc[hiddenJob(stage)] = stageJobTemplate(stage);
  if (has(input, "sign")) doc[".mk-sign"] = signTemplate(input);
  if (has(input, "publish")) doc[".mk-release"] = releaseTemplate();
  return doc;
}
