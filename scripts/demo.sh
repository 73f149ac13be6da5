#!/usr/bin/env bash
# Fills the service that scripts/run.sh started with the demo: stations, fresh scanner, sensor and
# staff certificates, and four shipment journeys (see src/TrackTrace.Cli/README.md, "demo").
# Prints one line per step and ends with the shipment ids, the staff PKCS#12 for a browser
# (.tracktrace/pki/demo-staff.p12, no password) and the URLs of the staff page and Swagger.
# Safe to run again: every run uses new ids.
#
# Usage: scripts/demo.sh
# Environment (optional, the same names the service reads, for a service started with other ports):
#   Api__HttpsPort   the mTLS API port          (default 8443)
#   Api__HealthPort  the loopback /health port  (default 8080)
# Exit codes: 0 done; 1 the service is not there or answered something unexpected.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
HTTPS_PORT=${Api__HttpsPort:-8443}
ENROLLMENT_PORT=${Api__EnrollmentPort:-8444}
HEALTH_PORT=${Api__HealthPort:-8080}
HEALTH="http://127.0.0.1:$HEALTH_PORT/health"

status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$HEALTH") || status=000
case $status in
  200) ;;
  000)
    echo "demo: error: the service does not answer $HEALTH; start it with scripts/run.sh first" >&2
    exit 1
    ;;
  *)
    echo "demo: error: the service is unhealthy ($HEALTH answered $status): $(curl -s --max-time 5 "$HEALTH")" >&2
    exit 1
    ;;
esac

exec scripts/tracktrace demo --api "https://localhost:$HTTPS_PORT" --enrollment "https://localhost:$ENROLLMENT_PORT" --pki .tracktrace/pki
