#!/bin/sh
# Install the front-end libraries from the npm registry (package-lock.json pins them) and copy the
# files the pages load into static/vendor/ (gitignored). Run from anywhere: sh static/install-vendor.sh
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# Optional dependencies are pdfjs-dist's native canvas for Node.js: the browser build does not use it.
npm ci --no-audit --no-fund --loglevel=error --omit=optional
VENDOR="$ROOT/static/vendor"
rm -rf "$VENDOR"
mkdir -p "$VENDOR/sortablejs" "$VENDOR/pdfjs" "$VENDOR/socket.io"
cp node_modules/sortablejs/modular/sortable.esm.js "$VENDOR/sortablejs/sortable.esm.js"
cp node_modules/sortablejs/LICENSE "$VENDOR/sortablejs/LICENSE"
# PDF.js: the library and its worker, the CMaps (Asian and other non-embedded encodings), the 14 standard
# fonts, the ICC profile and the WebAssembly decoders (JPEG 2000, JBIG2, colour; each has a JS fallback).
# The "legacy" build, minified: the modern build needs this year's JavaScript (Map.getOrInsertComputed,
# Uint8Array.fromBase64 …) that the tablets in council rooms (older iPadOS and Android WebViews) lack.
PDFJS=node_modules/pdfjs-dist
cp "$PDFJS/legacy/build/pdf.min.mjs" "$VENDOR/pdfjs/pdf.mjs"
cp "$PDFJS/legacy/build/pdf.worker.min.mjs" "$VENDOR/pdfjs/pdf.worker.mjs"
cp "$PDFJS/LICENSE" "$VENDOR/pdfjs/LICENSE"
cp -R "$PDFJS/cmaps" "$PDFJS/standard_fonts" "$PDFJS/iccs" "$PDFJS/wasm" "$VENDOR/pdfjs/"
# Socket.IO client (the live session pages): its ES module build, with the licence.
cp node_modules/socket.io-client/dist/socket.io.esm.min.js "$VENDOR/socket.io/socket.io.esm.min.js"
cp node_modules/socket.io-client/dist/socket.io.esm.min.js.map "$VENDOR/socket.io/socket.io.esm.min.js.map"
cp node_modules/socket.io-client/LICENSE "$VENDOR/socket.io/LICENSE"
echo "vendor libraries installed in $VENDOR"
