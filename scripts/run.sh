#!/usr/bin/env bash
# Runs the TrackTrace API against the local infrastructure (started when needed).
# Usage: scripts/run.sh [arguments for the API...]
# Ctrl-C stops the service; PostgreSQL and RabbitMQ keep running (scripts/infra.sh stop
# stops them).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
scripts/infra.sh start
set -a
# shellcheck source=/dev/null
. .tracktrace/env
set +a

export ConnectionStrings__Postgres="${TRACKTRACE_POSTGRES/Database=postgres/Database=tracktrace}"
export RabbitMq__Uri="$TRACKTRACE_RABBITMQ"
echo "run: PostgreSQL and RabbitMQ stay running after the service stops; scripts/infra.sh stop stops them"
# exec: Ctrl-C and SIGTERM go straight to dotnet, which stops the service cleanly. The
# servers run in sessions of their own, so the terminal's Ctrl-C does not reach them.
exec dotnet run --project src/TrackTrace.Api -c Release -- "$@"
