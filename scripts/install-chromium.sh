#!/usr/bin/env bash
# Installs Debian's Chromium for the console's end-to-end tests (test/console/), which drive it with
# playwright-core. Debian's package rather than a browser download: CI machines and supervision
# centres reach only the Debian mirror and the npm registry. Idempotent: does nothing when present.
set -euo pipefail

# CJK fonts too: the console is Chinese by default, and without them screenshots show empty boxes.
PACKAGES=(chromium fonts-noto-cjk)

if dpkg -s "${PACKAGES[@]}" >/dev/null 2>&1; then
  echo "already installed: $(chromium --version 2>/dev/null || echo chromium)"
  exit 0
fi

SUDO=''
if [ "$(id -u)" -ne 0 ]; then SUDO='sudo'; fi
export DEBIAN_FRONTEND=noninteractive

# Refresh the package lists only when the package is unknown, so a warm machine makes no network call.
if ! apt-cache show "${PACKAGES[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update
fi
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}"
echo "installed: $(chromium --version)"
