#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through playwright-core: no browser is ever downloaded.
# Installs it when missing (as root, on Debian), else says what to do. The same cases run in
# Debian's Firefox ESR too, so this ends with scripts/ensure-firefox.sh (`npm run test:browser`
# calls this script only).
set -euo pipefail
# The page server's throw-away certificate comes from the openssl CLI.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing: ${missing[*]}. Install Debian's packages (sudo apt-get install ${missing[*]})." >&2
    exit 1
  fi
fi
exec bash "$(dirname "$0")/ensure-firefox.sh"
