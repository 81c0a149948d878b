#!/usr/bin/env bash
# Dependency audit of requirements.txt (runtime dependencies and what they pull in).
# Fails on a known vulnerability. When the vulnerability database cannot be reached (every dependency comes back
# "not found", a network error, or no answer within the time limit), says so in one line and does not fail:
# an offline build has not been audited, which is not the same as a vulnerable one.
set -uo pipefail
cd "$(dirname "$0")/.."

PIP_AUDIT="${PIP_AUDIT:-.venv/bin/pip-audit}"
LIMIT="${PIP_AUDIT_TIMEOUT:-300}"
UNREACHABLE="pip-audit: vulnerability database unreachable — dependencies not audited"

report="$(mktemp)"
errors="$(mktemp)"
trap 'rm -f "$report" "$errors"' EXIT

timeout --kill-after=10 "$LIMIT" "$PIP_AUDIT" -r requirements.txt --progress-spinner off --format json >"$report" 2>"$errors"
rc=$?
if [ "$rc" -eq 124 ]; then
  echo "$UNREACHABLE"
  exit 0
fi

.venv/bin/python - "$report" "$errors" "$rc" "$UNREACHABLE" <<'PY'
import json
import re
import sys

report, errors, rc, unreachable = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
stderr = open(errors, encoding="utf-8", errors="replace").read()
network = re.compile(r"ConnectionError|Max retries|NameResolution|Temporary failure in name resolution|timed out"
                     r"|Network is unreachable|ProxyError|SSLError|ServiceError", re.IGNORECASE)
try:
    dependencies = json.load(open(report, encoding="utf-8"))["dependencies"]
except (ValueError, KeyError, TypeError):
    if network.search(stderr):
        print(unreachable)
        sys.exit(0)
    sys.stderr.write(stderr)
    print(f"pip-audit failed (exit {rc}) without a report")
    sys.exit(rc or 1)

vulnerable = [d for d in dependencies if d.get("vulns")]
skipped = [d for d in dependencies if "skip_reason" in d]
audited = len(dependencies) - len(skipped)
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
        print(f"VULNERABLE {dep['name']} {dep.get('version', '?')}: {vuln['id']} (fixed in: {fixes})")
if vulnerable:
    print(f"pip-audit: {len(vulnerable)} of {audited} audited dependencies have known vulnerabilities")
    sys.exit(1)
if dependencies and audited == 0:
    print(unreachable)
    sys.exit(0)
if rc != 0:
    sys.stderr.write(stderr)
    print(f"pip-audit failed (exit {rc})")
    sys.exit(rc)
missing = f"; {len(skipped)} not found: " + ", ".join(d["name"] for d in skipped) if skipped else ""
print(f"pip-audit: {audited} dependencies audited, no known vulnerabilities{missing}")
PY
