#!/usr/bin/env bash
# The system packages the app itself needs (not only its tests): npm for the front-end libraries,
# a Unicode TrueType font for stamping PDFs, Pango for WeasyPrint (the minutes' serif font is in static/fonts). Installs what is missing when run as root (or with sudo).
set -euo pipefail
need=()
command -v npm >/dev/null || need+=(npm)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "== apt-get install ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
