#!/usr/bin/env bash
# Creates the development PKI in .tracktrace/pki the first time, with the tracktrace CLI, and
# completes what is missing afterwards (an older checkout has no issuing CA yet):
#   ca.crt, ca.key                  the root; clients verify the server against ca.crt
#   issuing/issuing.crt, .key       the issuing CA the service signs device certificates with
#                                   (Api:IssuingCertificate, Api:IssuingKey)
#   server.crt, server.key          the service's certificate for localhost/127.0.0.1 (from the root)
#   admin.crt, admin.key            the bootstrap admin's client certificate (from the root)
# In production the root's key stays offline once the issuing CA exists; here it stays for the
# demo and the development commands. Used by run.sh and bench.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
PKI="$ROOT/.tracktrace/pki"
if [ ! -f "$PKI/ca.key" ]; then
  echo "pki: creating a development root CA, issuing CA, server and admin certificates in $PKI"
  "$ROOT/scripts/tracktrace" ca init --out "$PKI" --name "TrackTrace Dev CA"
fi
[ -f "$PKI/issuing/issuing.key" ] || "$ROOT/scripts/tracktrace" ca intermediate --ca "$PKI" --out "$PKI/issuing" --name "TrackTrace Dev Issuing CA"
[ -f "$PKI/server.key" ] || "$ROOT/scripts/tracktrace" cert server --ca "$PKI" --dns localhost --ip 127.0.0.1 --out "$PKI"
[ -f "$PKI/admin.key" ] || "$ROOT/scripts/tracktrace" cert issue --ca "$PKI" --device admin --out "$PKI"
