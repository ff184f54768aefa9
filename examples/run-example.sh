#!/usr/bin/env bash
# The README's main job: builds the bundled example end to end with the embedded defaults
# (OCI layout on disk, local data, no registry, no daemon).
#   1. makes the example upstream git repository (two release tags) under examples/work/
#   2. makes the busybox base image for the standard and dev variants (offline, Debian's busybox-static)
#   3. runs `mailknight run greeter` in examples/workspace: fetch -> patch -> build -> package
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
work="$here/work"
mkdir -p "$work"

"$here/make-upstream.sh" "$work/upstream/greeter.git"
"$here/bases/make-busybox-base.sh" "$work/bases" busybox
"$repo/bin/mailknight.js" -C "$here/workspace" validate
"$repo/bin/mailknight.js" -C "$here/workspace" run greeter "$@"

layout="$here/workspace/out/layout"
echo
echo "Inspect the result with:"
echo "  skopeo inspect oci:$layout:greeter:v1.1.0-distroless"
echo "  umoci unpack --image $layout:greeter:v1.1.0 /tmp/greeter-bundle"
