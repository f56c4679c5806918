#!/usr/bin/env bash
# Install Debian packages with apt-get (`apt-get update` first), as root or through sudo.
#
#   deploy/apt-install.sh LABEL PACKAGE...
#
# The project's scripts call it only with packages they found missing; LABEL names the
# caller in messages. Fails with a clear message when neither root nor sudo nor apt-get
# is available, naming the packages to install by hand.
set -euo pipefail

label=${1:?usage: apt-install.sh LABEL PACKAGE...}
shift
[[ $# -gt 0 ]] || exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "$label: apt-get is not available; install $* by hand" >&2
  exit 1
fi
sudo=()
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "$label: run as root (or install sudo) to install $*" >&2
    exit 1
  }
  sudo=(sudo)
fi
echo "$label: installing $* from Debian's packages"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
