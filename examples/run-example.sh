#!/usr/bin/env bash
# The README's main job: builds the bundled example end to end with the embedded defaults
# (OCI layout on disk, local data, no registry, no daemon).
#   1. makes the example upstream git repository (two release tags) under examples/work/
#   2. makes the busybox base image for the standard and dev variants (offline, Debian's busybox-static)
#   3. makes the workspace's local signing key (once, never committed)
#   4. runs `mailknight run greeter` in examples/workspace:
#      fetch -> patch -> build -> package -> sbom -> scan -> gate -> sign -> attest
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
work="$here/work"
mkdir -p "$work"

"$here/make-upstream.sh" "$work/upstream/greeter.git"
"$here/bases/make-busybox-base.sh" "$work/bases" busybox
"$here/make-example-key.sh" "$here/workspace"
"$repo/bin/mailknight.js" -C "$here/workspace" validate
"$repo/bin/mailknight.js" -C "$here/workspace" run greeter "$@"

layout="$here/workspace/out/layout"
echo
echo "Inspect the result with:"
echo "  skopeo inspect oci:$layout:greeter:v1.1.0-distroless"
echo "  umoci unpack --image $layout:greeter:v1.1.0 /tmp/greeter-bundle"
echo "and check its signature and attestations with:"
echo "  $repo/bin/mailknight.js verify oci:$layout:greeter:v1.1.0-distroless --key $here/workspace/.mailknight/keys/example.pub --require provenance,sbom,vuln,gate"
