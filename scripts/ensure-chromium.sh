#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through playwright-core: no browser is ever downloaded.
# Installs it when missing (as root, on Debian), else says what to do.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
else
  echo "Chromium is missing: install Debian's package (sudo apt-get install chromium)." >&2
  exit 1
fi
