#!/usr/bin/env bash
# Turns examples/upstream/greeter into a git repository with two release tags, v1.0.0 and
# v1.1.0, standing in for a real upstream. Authors and dates are fixed, so the commit ids are
# the same on every machine and the example recipe can pin them.
# Usage: make-upstream.sh <dest-dir>   (recreated from scratch each time)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: make-upstream.sh <dest-dir>}

rm -rf "$dest"
mkdir -p "$dest"
cp -r "$here/upstream/greeter/." "$dest/"
cd "$dest"

export GIT_AUTHOR_NAME="Greeter Upstream" GIT_AUTHOR_EMAIL="dev@greeter.invalid"
export GIT_COMMITTER_NAME="Greeter Upstream" GIT_COMMITTER_EMAIL="dev@greeter.invalid"
git_at() { GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" git -c core.autocrlf=false -c commit.gpgsign=false -c tag.gpgsign=false "${@:2}"; }

git init -q -b main
git add -A
git_at "2025-03-01T12:00:00Z" commit -q -m "greeter 1.0.0"
git_at "2025-03-01T12:00:00Z" tag -a v1.0.0 -m "greeter v1.0.0"

git apply "$here/upstream/v1.1.0.diff"
git add -A
git_at "2025-06-01T12:00:00Z" commit -q -m "greeter 1.1.0: add --help"
git_at "2025-06-01T12:00:00Z" tag -a v1.1.0 -m "greeter v1.1.0"

echo "upstream repository at $dest:"
git for-each-ref --format='  %(refname:short) -> %(*objectname)' refs/tags
