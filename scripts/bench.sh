#!/usr/bin/env bash
# Benchmarks (issue: ingestion speed, revocation, memory, each against a baseline in the same run).
# Starts the infrastructure and the service in Release on a fresh database (tracktrace_bench,
# ports 9443/9080 so a running dev service is left alone), runs bench/TrackTrace.Bench, writes
# bench/results/*.json and the results table of BENCHMARKS.md. Not a test; CI does not run it.
# Usage: scripts/bench.sh [--quick] [--epcis | --overdue | --enrollment | --monitoring | --telemetry]
#   --quick       a smoke run of every scenario, under 3 minutes
#   --epcis       the EPCIS repository's scenarios instead (capture throughput, MATCH_anyEPC over 1M stored events)
#   --overdue     only the overdue monitor's cost with 100,000 open shipments (about 4 minutes; with
#                 --quick 20,000): its own table in BENCHMARKS.md
#   --enrollment  only the EST enrollment scenarios (enrollments/s, a fleet of 10,000 at once), about 2 minutes;
#                 their own table in BENCHMARKS.md
#   --monitoring  scans with detection on against a second service (ports 9445/9081, same database)
#                 with it off, in alternating windows, and how fast a clone is suspended under load
#   --telemetry   scans against a second service (ports 9445/9081, same database) that exports traces and
#                 metrics over OTLP/HTTP to a sink in the load generator (127.0.0.1:4320), against this one
#                 with export off, in alternating windows
#   --cluster     scan ingestion through scripts/cluster.sh's HAProxy (127.0.0.1:7443) with two instances,
#                 then with one (the second killed), on a fresh database tracktrace_bench_cluster; the
#                 cluster is stopped afterwards. Its own table in BENCHMARKS.md
#   --compare DLL with --telemetry: the second service is another build's TrackTrace.Api.dll (no export):
#                 before/after a change in alternating windows of one run, printed, not written to BENCHMARKS.md.
#                 The second service's windows run slower even for two copies of one build (BENCHMARKS.md,
#                 "Cost of a scan"): run it both ways round and take the geometric mean of the two ratios
# With TRACKTRACE_BENCH_PORT_OFFSET=N every port above is N higher (two checkouts benchmarking at once).
# With TRACKTRACE_ENV_FILE set (a sourced .tracktrace/env of servers already running, e.g. another
# checkout's), those servers are used and scripts/infra.sh is not started.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
QUICK=()
OVERDUE=()
ENROLLMENT=()
MONITORING=0
TELEMETRY=0
CLUSTER=0
COMPARE=''
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  arg=${args[i]}
  case $arg in
    --compare) i=$((i + 1)); COMPARE=${args[i]:-}; [ -f "$COMPARE" ] || { echo "bench: --compare needs a TrackTrace.Api.dll" >&2; exit 2; } ;;
    --quick | --epcis) QUICK+=("$arg") ;;
    --overdue) OVERDUE=(--overdue) ;;
    --enrollment) ENROLLMENT=(--enrollment) ;;
    --monitoring) QUICK+=("$arg"); MONITORING=1 ;;
    --telemetry) QUICK+=("$arg"); TELEMETRY=1 ;;
    --cluster) CLUSTER=1 ;;
    *) echo "bench: unknown argument $arg (use --quick, --epcis, --overdue, --enrollment, --monitoring, --telemetry, --cluster)" >&2; exit 2 ;;
  esac
done

OFFSET=${TRACKTRACE_BENCH_PORT_OFFSET:-0}
[[ $OFFSET =~ ^[0-9]+$ ]] || { echo "bench: TRACKTRACE_BENCH_PORT_OFFSET must be a number" >&2; exit 2; }
HTTPS=$((9443 + OFFSET)) ENROLL=$((9444 + OFFSET)) HEALTH=$((9080 + OFFSET))
HTTPS2=$((9445 + OFFSET)) ENROLL2=$((9446 + OFFSET)) HEALTH2=$((9081 + OFFSET)) SINK=$((4320 + OFFSET))
PORTS=("$HTTPS" "$ENROLL" "$HEALTH")
[ "$MONITORING" = 1 ] && PORTS+=("$HTTPS2" "$ENROLL2" "$HEALTH2")
[ "$TELEMETRY" = 1 ] && PORTS+=("$HTTPS2" "$ENROLL2" "$HEALTH2" "$SINK")
for port in "${PORTS[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "bench: port $port is in use (another benchmark still running?); stop it first" >&2
    exit 1
  fi
done
if [ -n "${TRACKTRACE_ENV_FILE:-}" ] && [ -r "$TRACKTRACE_ENV_FILE" ]; then
  ENV_FILE=$TRACKTRACE_ENV_FILE
  echo "bench: using the servers of $ENV_FILE"
else
  scripts/infra.sh start
  ENV_FILE=$ROOT/.tracktrace/env
fi
PGPASS_FILE=$(dirname "$ENV_FILE")/pgpass
set -a
# shellcheck source=/dev/null
. "$ENV_FILE"
set +a
dotnet build src/TrackTrace.Api -c Release -v quiet -nologo
dotnet build bench/TrackTrace.Bench -c Release -v quiet -nologo
scripts/dev-pki.sh
PKI="$ROOT/.tracktrace/pki"

PSQL=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -n 1)
ADMIN_DB="$TRACKTRACE_POSTGRES"
PG_PORT=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$ADMIN_DB")
# The password from the pgpass file scripts/infra.sh writes (never on a command line).
PGPASSFILE="$PGPASS_FILE" "$PSQL" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
  -c "drop database if exists tracktrace_bench with (force)" -c "create database tracktrace_bench"
BENCH_DB="${ADMIN_DB/Database=postgres/Database=tracktrace_bench};No Reset On Close=true;Maximum Pool Size=200"

if [ "$CLUSTER" = 1 ]; then
  # The cluster's own instances on a fresh database of their own; this script's service is not started.
  PGPASSFILE="$PGPASS_FILE" "$PSQL" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
    -c "drop database if exists tracktrace_bench_cluster with (force)" -c "create database tracktrace_bench_cluster"
  export TRACKTRACE_CLUSTER_DATABASE=tracktrace_bench_cluster TRACKTRACE_ENV_FILE="$ENV_FILE"
  trap 'scripts/cluster.sh stop >/dev/null 2>&1 || true' EXIT
  scripts/cluster.sh start --instances 2
  FIRST=$(<.tracktrace/cluster/instance-1.pid) SECOND=$(<.tracktrace/cluster/instance-2.pid)
  export ConnectionStrings__Postgres="${ADMIN_DB/Database=postgres/Database=tracktrace_bench_cluster}"
  dotnet bench/TrackTrace.Bench/bin/Release/net10.0/TrackTrace.Bench.dll --api https://localhost:7443/ --pki "$PKI" \
    --service-pid "$FIRST" --start-to-healthy-ms 0 --out bench/results --report BENCHMARKS.md "${QUICK[@]}" \
    --cluster --second-instance-pid "$SECOND" --balancer-stats http://127.0.0.1:7404/
  exit 0
fi

export ConnectionStrings__Postgres="$BENCH_DB" RabbitMq__Uri="$TRACKTRACE_RABBITMQ"
export Api__HttpsPort=$HTTPS Api__EnrollmentPort=$ENROLL Api__HealthPort=$HEALTH Api__ListenAddress=127.0.0.1
[ ${#ENROLLMENT[@]} -eq 0 ] || ENROLLMENT=(--enrollment "https://localhost:$ENROLL/")
# Two malloc arenas instead of one per thread: the TLS connections' native buffers otherwise
# fragment into many arenas, and resident memory grows without the service using it.
export MALLOC_ARENA_MAX=2
export Api__ServerCertificate="$PKI/server.crt" Api__ServerKey="$PKI/server.key"
export Api__ClientCertificateAuthorities__0="$PKI/ca.crt" Devices__BootstrapAdminCertificate="$PKI/admin.crt"
export Api__IssuingCertificate="$PKI/issuing/issuing.crt" Api__IssuingKey="$PKI/issuing/issuing.key"
export Logging__LogLevel__Default=Warning
# The overdue scenario runs its own monitor as a second instance would; the service's own sweeps
# (every 30 s) would take a share of the backlog it measures, so they wait an hour there.
[ ${#OVERDUE[@]} -eq 0 ] || export Shipments__OverdueCheckInterval=01:00:00
mkdir -p .tracktrace/bench
START=$(date +%s%N)
dotnet src/TrackTrace.Api/bin/Release/net10.0/TrackTrace.Api.dll >.tracktrace/bench/service.log 2>&1 &
SERVICE=$!
trap 'kill "$SERVICE" 2>/dev/null; wait "$SERVICE" 2>/dev/null || true' EXIT
until curl -fs "http://127.0.0.1:$HEALTH/health" >/dev/null 2>&1; do
  kill -0 "$SERVICE" 2>/dev/null || { echo "bench: the service died, see .tracktrace/bench/service.log" >&2; exit 1; }
  [ $(( ($(date +%s%N) - START) / 1000000000 )) -lt 120 ] || { echo "bench: the service did not get healthy in 120 s" >&2; exit 1; }
  sleep 0.05
done
HEALTHY_MS=$(( ($(date +%s%N) - START) / 1000000 ))
echo "bench: service healthy after ${HEALTHY_MS} ms (pid $SERVICE)"

OFF=()
if [ "$MONITORING" = 1 ]; then
  # The same build on the same database with sightings and every rule off, started after the
  # first has applied the schema.
  dotnet src/TrackTrace.Api/bin/Release/net10.0/TrackTrace.Api.dll --Api:HttpsPort=$HTTPS2 --Api:EnrollmentPort=$ENROLL2 --Api:HealthPort=$HEALTH2 \
    --Devices:Sightings=false --Devices:Monitoring:scan-rate=false --Devices:Monitoring:impossible-travel=false \
    >.tracktrace/bench/service-off.log 2>&1 &
  SERVICE_OFF=$!
  trap 'kill "$SERVICE" "$SERVICE_OFF" 2>/dev/null; wait "$SERVICE" "$SERVICE_OFF" 2>/dev/null || true' EXIT
  until curl -fs "http://127.0.0.1:$HEALTH2/health" >/dev/null 2>&1; do
    kill -0 "$SERVICE_OFF" 2>/dev/null || { echo "bench: the second service died, see .tracktrace/bench/service-off.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "bench: service with detection off healthy (pid $SERVICE_OFF)"
  OFF=(--api-off "https://localhost:$HTTPS2/" --service-off-pid "$SERVICE_OFF")
fi

if [ "$TELEMETRY" = 1 ]; then
  # The same build on the same database exporting over OTLP/HTTP to the load generator's sink,
  # started after the first has applied the schema; export every 5 s, as configured by default.
  SECOND=(env OpenTelemetry__OtlpEndpoint="http://127.0.0.1:$SINK" dotnet src/TrackTrace.Api/bin/Release/net10.0/TrackTrace.Api.dll)
  [ -z "$COMPARE" ] || SECOND=(dotnet "$COMPARE")
  "${SECOND[@]}" --Api:HttpsPort=$HTTPS2 --Api:EnrollmentPort=$ENROLL2 --Api:HealthPort=$HEALTH2 \
    >.tracktrace/bench/service-otlp.log 2>&1 &
  SERVICE_OFF=$!
  trap 'kill "$SERVICE" "$SERVICE_OFF" 2>/dev/null; wait "$SERVICE" "$SERVICE_OFF" 2>/dev/null || true' EXIT
  until curl -fs "http://127.0.0.1:$HEALTH2/health" >/dev/null 2>&1; do
    kill -0 "$SERVICE_OFF" 2>/dev/null || { echo "bench: the exporting service died, see .tracktrace/bench/service-otlp.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "bench: service exporting over OTLP healthy (pid $SERVICE_OFF)"
  OFF=(--api-off "https://localhost:$HTTPS2/" --service-off-pid "$SERVICE_OFF" --otlp-sink "http://127.0.0.1:$SINK/")
  [ -z "$COMPARE" ] || OFF+=(--compare)
fi

# The connection string reaches the load generator as ConnectionStrings__Postgres (exported above).
dotnet bench/TrackTrace.Bench/bin/Release/net10.0/TrackTrace.Bench.dll --api "https://localhost:$HTTPS/" --pki "$PKI" \
  --service-pid "$SERVICE" --metrics "http://127.0.0.1:$HEALTH/metrics" --start-to-healthy-ms "$HEALTHY_MS" \
  --out bench/results --report BENCHMARKS.md "${QUICK[@]}" "${OVERDUE[@]}" "${ENROLLMENT[@]}" "${OFF[@]}"
