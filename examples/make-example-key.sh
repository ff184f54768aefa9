#!/usr/bin/env bash
# Makes the example workspace's local signing key (once): an encrypted P-256 key pair under
# <workspace>/.mailknight/keys/ with a random passphrase in a 0600 file next to it. A real
# factory keeps its key and passphrase in a secret store (CI/CD variables) or signs keyless.
set -euo pipefail
ws=$(cd "${1:?usage: make-example-key.sh <workspace>}" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
keys="$ws/.mailknight/keys"
[ -f "$keys/example.key" ] && exit 0
mkdir -p "$keys"
umask 077
head -c 24 /dev/urandom | base64 > "$keys/example.password"
"$repo/bin/mailknight.js" key generate --output-prefix "$keys/example" --password-file "$keys/example.password" --quiet
