#!/usr/bin/env bash
# Debian packages the hub's PDF documents need, installed if missing (make setup runs this).
#
#   libpango-1.0-0, libpangoft2-1.0-0  text layout for WeasyPrint (it loads them at run time)
#   fonts-dejavu-core, fonts-liberation the fonts the documents embed
#   poppler-utils                      pdftotext and pdftoppm: the tests read the documents'
#                                      text, and docs/documents/ holds PNG renders of them
#
# Needs root (or sudo) only when something is missing; `apt-get update` runs first.
set -euo pipefail

PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-liberation poppler-utils)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

bash "$(dirname "${BASH_SOURCE[0]}")/../apt-install.sh" documents "${missing[@]}"
