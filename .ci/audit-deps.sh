#!/usr/bin/env bash
# Audit the pinned dependencies (requirements-dev.lock: what `make setup` and CI install; it holds the
# server's requirements.lock) against the published advisories, with pip-audit. A known advisory fails
# the run. Where the advisory data cannot be reached (a network that only reaches a package mirror), it
# says so and why, and does not fail the run: the audit is then for a machine that can reach it.
set -uo pipefail
cd "$(dirname "$0")/.."
TOOLS=${TOOLS:-.venv-tools}
LOCK=${1:-requirements-dev.lock}
PIP_AUDIT=pip-audit==2.10.1

if [ ! -x "$TOOLS/bin/pip-audit" ]; then
  python3 -m venv "$TOOLS" && "$TOOLS/bin/pip" install -q "$PIP_AUDIT" \
    || { echo "audit-deps: cannot install $PIP_AUDIT"; exit 1; }
fi

# The probe: a release with a published advisory (Jinja2 3.1.4: CVE-2024-56201, GHSA-gmj6-6f8f-6699). A
# service that does not report it cannot be trusted to report ours either.
probe=$(mktemp)
trap 'rm -f "$probe"' EXIT
echo "jinja2==3.1.4" > "$probe"
service=""
why=()
for candidate in pypi osv; do
  answer=$("$TOOLS/bin/pip-audit" --vulnerability-service "$candidate" --no-deps --disable-pip \
           --progress-spinner off --timeout 30 -r "$probe" 2>&1)
  if grep -qE "CVE-2024-56201|GHSA-gmj6-6f8f-6699|PYSEC-" <<<"$answer"; then service=$candidate; break; fi
  why+=("$candidate: $(grep -E 'could not be audited|Error|error' <<<"$answer" | tail -n 1 | cut -c1-240)")
done
if [ -z "$service" ]; then
  echo "audit-deps: SKIPPED — no advisory service answered from this machine, so $LOCK was not audited."
  echo "audit-deps: a release with a known advisory (jinja2 3.1.4) was not reported:"
  printf '  %s\n' "${why[@]}"
  exit 0
fi

echo "audit-deps: auditing $LOCK against the '$service' advisory service"
"$TOOLS/bin/pip-audit" --vulnerability-service "$service" --require-hashes --disable-pip \
  --progress-spinner off --timeout 30 -r "$LOCK"
