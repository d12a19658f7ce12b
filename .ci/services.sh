#!/usr/bin/env bash
# Install (if missing) and start what the test suite needs: Chromium, PostgreSQL, Redis, qpdf/poppler.
# Idempotent; prints nothing but progress. Leaves the PostgreSQL URL in $CABINET_STATE/postgres_url.
set -euo pipefail

STATE=${CABINET_STATE:-/tmp/cabinet-test-services}
mkdir -p "$STATE"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

bash "$(dirname "$0")/system.sh"
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pg_ctlcluster >/dev/null || need+=(postgresql)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
command -v qpdf >/dev/null || need+=(qpdf)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  echo "== apt-get install ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# PostgreSQL: Debian's cluster if there is one, else a fresh one; a role and database for the tests.
if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  $SUDO pg_createcluster "$version" main >/dev/null
fi
read -r version cluster port status _rest < <(pg_lsclusters -h | head -1)
if [ "$status" != "online" ]; then
  echo "== starting PostgreSQL $version/$cluster on port $port"
  $SUDO pg_ctlcluster "$version" "$cluster" start
fi
for _ in $(seq 1 30); do
  $SUDO runuser -u postgres -- pg_isready -q -p "$port" && break
  sleep 1
done
psql_admin() { $SUDO runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -qtAc "$1"; }
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='cabinet_test'")" != "1" ]; then
  psql_admin "CREATE ROLE cabinet_test LOGIN PASSWORD 'cabinet_test' CREATEDB"
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname='cabinet_test'")" != "1" ]; then
  psql_admin "CREATE DATABASE cabinet_test OWNER cabinet_test"
fi
echo "postgresql+psycopg2://cabinet_test:cabinet_test@127.0.0.1:$port/cabinet_test" > "$STATE/postgres_url"
echo "== PostgreSQL ready: $(cat "$STATE/postgres_url")"
