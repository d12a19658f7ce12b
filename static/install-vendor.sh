#!/bin/sh
# Install the front-end libraries from the npm registry (package-lock.json pins them) and copy the
# files the pages load into static/vendor/ (gitignored). Run from anywhere: sh static/install-vendor.sh
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
npm ci --no-audit --no-fund --loglevel=error
VENDOR="$ROOT/static/vendor"
rm -rf "$VENDOR"
mkdir -p "$VENDOR/sortablejs"
cp node_modules/sortablejs/modular/sortable.esm.js "$VENDOR/sortablejs/sortable.esm.js"
cp node_modules/sortablejs/LICENSE "$VENDOR/sortablejs/LICENSE"
echo "vendor libraries installed in $VENDOR"
