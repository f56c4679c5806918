#!/usr/bin/env bash
# What the web console and its browser tests need besides Python packages.
#
#   deploy/web/web.sh install   # Debian's nodejs, npm and chromium, if missing (apt-get)
#   deploy/web/web.sh assets    # npm ci: GOV.UK Frontend (served) and axe-core (tests)
#
# GOV.UK Frontend's built CSS, JavaScript, fonts and images come from its npm package
# at the version package-lock.json pins (the one govuk-frontend-jinja's macros match),
# installed into node_modules/ rather than committed: they stay byte-for-byte what
# npm publishes, and an upgrade is a one-line change. The browser tests drive Debian's
# Chromium (/usr/bin/chromium) through Playwright; they never download a browser.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

die() {
  echo "web: $*" >&2
  exit 1
}

cmd_install() {
  local missing=()
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "node $(node --version), npm $(npm --version) and $(/usr/bin/chromium --version 2>/dev/null | head -n 1) are installed"
    return
  fi
  bash "$REPO/deploy/apt-install.sh" web "${missing[@]}"
}

cmd_assets() {
  cd "$REPO"
  npm ci --no-audit --no-fund --loglevel=error
}

case ${1:-} in
install) cmd_install ;;
assets) cmd_assets ;;
*)
  echo "usage: $0 install|assets" >&2
  exit 2
  ;;
esac
