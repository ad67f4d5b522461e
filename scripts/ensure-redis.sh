#!/usr/bin/env bash
# The fleet e2e suite (test/e2e/fleet.e2e-spec.ts) starts Debian's redis-server itself, on a free
# port, keeping nothing on disk: no Redis service needs to run. Installs the package when missing
# (as root, on Debian), else says what to do.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Debian starts the packaged service on install where an init system runs; the suite does not use it.
    apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  else
    echo "Missing: redis-server. Install Debian's package (sudo apt-get install redis-server)." >&2
    exit 1
  fi
fi
