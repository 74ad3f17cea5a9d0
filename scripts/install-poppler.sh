#!/usr/bin/env bash
# Installs Debian's poppler-utils (pdftotext, pdftoppm) for the tests that read the sampled-review
# PDF back as text and page images (test/oversight/). Debian's package: CI reaches only the Debian
# mirror and the npm registry. Idempotent: does nothing when present.
set -euo pipefail

PACKAGES=(poppler-utils)

if dpkg -s "${PACKAGES[@]}" >/dev/null 2>&1; then
  echo "already installed: $(pdftoppm -v 2>&1 | head -1)"
  exit 0
fi

SUDO=''
if [ "$(id -u)" -ne 0 ]; then SUDO='sudo'; fi
export DEBIAN_FRONTEND=noninteractive

if ! apt-cache show "${PACKAGES[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update
fi
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}"
echo "installed: $(pdftoppm -v 2>&1 | head -1)"
