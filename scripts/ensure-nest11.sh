#!/usr/bin/env bash
# Installs the Nest 11 packages that `npm run test:e2e:nest11` maps @nestjs/* to, once.
set -euo pipefail
cd "$(dirname "$0")/../compat/nest11"
if [ ! -d node_modules/@nestjs/core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
