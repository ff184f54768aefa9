#!/usr/bin/env bash
# Installs the Debian packages Mailknight needs, only when something is missing.
# Runs `apt-get update` at most once per invocation. Safe to call repeatedly.
set -euo pipefail

# package -> a command (or file) that proves it is installed
declare -A PROBES=(
  [git]=git
  [bubblewrap]=bwrap
  [skopeo]=skopeo
  [umoci]=umoci
  [devscripts]=hardening-check
  [mmdebstrap]=mmdebstrap
  [busybox-static]=/bin/busybox
  [binutils]=strip
  [gcc]=gcc
  [make]=make
  [libc6-dev]=/usr/include/stdio.h
  [rsync]=rsync
  [docker-registry]=docker-registry
  [ca-certificates]=/etc/ssl/certs/ca-certificates.crt
  [file]=file
  [xz-utils]=xz
  [rpm]=rpm
  [python3-packaging]=/usr/lib/python3/dist-packages/packaging/version.py
  [golang-go]=go
  [sqlite3]=sqlite3
  [maven]=mvn
  [zip]=zip
  # Real inputs for the SBOM parser tests (Python dist-info, jars).
  [python3-yaml]=/usr/lib/python3/dist-packages/yaml/__init__.py
  [python3-requests]=/usr/lib/python3/dist-packages/requests/__init__.py
  [libcommons-lang3-java]=/usr/share/java/commons-lang3.jar
  [libjackson2-core-java]=/usr/share/java/jackson-core.jar
  [libatinject-jsr330-api-java]=/usr/share/java/atinject-jsr330-api.jar
  [libcommons-io-java]=/usr/share/java/commons-io.jar
)

missing=()
for pkg in "${!PROBES[@]}"; do
  probe=${PROBES[$pkg]}
  if [[ $probe == /* ]]; then
    [[ -e $probe ]] || missing+=("$pkg")
  else
    command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps devscripts from pulling in a mail server and friends.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# docker-registry starts a system service on install; tests run their own instances.
if [[ " ${missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null 2>&1; then
  $SUDO systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
