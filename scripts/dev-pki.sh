#!/usr/bin/env bash
# Creates the development PKI in .tracktrace/pki the first time (CA, server certificate for
# localhost/127.0.0.1, admin client certificate) with the tracktrace CLI; a no-op afterwards.
# Used by run.sh and bench.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
PKI="$ROOT/.tracktrace/pki"
if [ ! -f "$PKI/ca.key" ]; then
  echo "pki: creating a development CA, server and admin certificates in $PKI"
  "$ROOT/scripts/tracktrace" ca init --out "$PKI" --name "TrackTrace Dev CA"
fi
[ -f "$PKI/server.key" ] || "$ROOT/scripts/tracktrace" cert server --ca "$PKI" --dns localhost --ip 127.0.0.1 --out "$PKI"
[ -f "$PKI/admin.key" ] || "$ROOT/scripts/tracktrace" cert issue --ca "$PKI" --device admin --out "$PKI"
