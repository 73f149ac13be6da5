#!/usr/bin/env bash
# Runs the TrackTrace service: infrastructure up (scripts/infra.sh), a development PKI in
# .tracktrace/pki the first time, the service built in Release and started with its mTLS API on
# https://localhost:8443 and /health + /metrics on http://127.0.0.1:8080. The database schema is
# applied at start-up. Ctrl-C stops the service; PostgreSQL and RabbitMQ keep running
# (scripts/infra.sh stop stops them).
# Usage: scripts/run.sh [arguments for the service, e.g. --Api:HttpsPort=9443]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
scripts/infra.sh start
set -a
# shellcheck source=/dev/null
. .tracktrace/env
set +a

dotnet build src/TrackTrace.Api -c Release -v quiet -nologo
scripts/dev-pki.sh
PKI="$ROOT/.tracktrace/pki"

export ConnectionStrings__Postgres="${TRACKTRACE_POSTGRES/Database=postgres/Database=tracktrace};No Reset On Close=true"
export RabbitMq__Uri="$TRACKTRACE_RABBITMQ"
# Two malloc arenas instead of one per thread: the TLS connections' native buffers otherwise
# fragment into many arenas, and resident memory grows without the service using it.
export MALLOC_ARENA_MAX=2
export Api__ServerCertificate="$PKI/server.crt" Api__ServerKey="$PKI/server.key"
export Api__ClientCertificateAuthorities__0="$PKI/ca.crt"
export Api__IssuingCertificate="$PKI/issuing/issuing.crt" Api__IssuingKey="$PKI/issuing/issuing.key"
export Devices__BootstrapAdminCertificate="$PKI/admin.crt"

cat <<MSG
run: root CA     $PKI/ca.crt (clients verify the server against it)
run: issuing CA  $PKI/issuing/issuing.crt, issuing.key (signs device certificates: tracktrace cert issue --csr FILE --ca $PKI/issuing ...)
run: server      $PKI/server.crt, $PKI/server.key
run: admin       $PKI/admin.crt, $PKI/admin.key (enrolled as device "admin" at start-up)
run: try         curl --cacert $PKI/ca.crt --cert $PKI/admin.crt --key $PKI/admin.key https://localhost:8443/api/workflows
run: health      curl http://127.0.0.1:8080/health
run: Swagger UI  https://localhost:8443/swagger (import $PKI/admin.crt + admin.key into the browser)
run: PostgreSQL and RabbitMQ keep running after Ctrl-C; scripts/infra.sh stop stops them
MSG
# exec: Ctrl-C and SIGTERM go straight to the service, which stops cleanly. The servers run in
# sessions of their own, so the terminal's Ctrl-C does not reach them.
exec dotnet src/TrackTrace.Api/bin/Release/net10.0/TrackTrace.Api.dll "$@"
