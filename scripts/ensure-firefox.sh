#!/usr/bin/env bash
# Browser tests drive Debian's Firefox ESR through puppeteer-core (WebDriver BiDi): no browser is
# ever downloaded (puppeteer-core has no install script). Installs it when missing (as root, on
# Debian), else says what to do.
set -euo pipefail
# The page server's throw-away certificate comes from the openssl CLI.
missing=()
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Missing: ${missing[*]}. Install Debian's packages (sudo apt-get install ${missing[*]})." >&2
  exit 1
fi
