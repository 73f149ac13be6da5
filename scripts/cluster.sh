#!/usr/bin/env bash
# The scale-out shape on this machine, from Debian packages and scripts/infra.sh's PostgreSQL:
#
#   devices ──TLS──▶ HAProxy 127.0.0.1:7443 (mTLS API)  ──TCP + PROXY v2──▶ instance i: 127.0.0.1:(7443+i)
#                    HAProxy 127.0.0.1:7442 (EST enroll) ──TCP────────────▶ instance i: 127.0.0.1:(7543+i)
#   instances ──▶ one PostgreSQL (scripts/infra.sh, database tracktrace_cluster)
#             ──▶ a three-node RabbitMQ cluster on 127.0.0.1:5682-5684 (suspend-device a quorum queue)
#
# TLS ends at the instances (HAProxy passes bytes through, so the client certificate reaches them);
# HAProxy connects from 127.0.0.2 and prefixes each API connection with a PROXY v2 header, which
# the instances read because they trust exactly 127.0.0.2 (Api:ProxyProtocol:TrustedProxies), so
# their monitoring rules see the device's address. Anyone else (127.0.0.1 included) reaches an
# instance directly, without a header. The enrollment port reads no PROXY header: through 7442 an
# instance sees HAProxy's address; it judges enrollments by token, not by address.
# Instance i has /health and /metrics on 127.0.0.1:(7080+i); HAProxy's statistics are on
# http://127.0.0.1:7404/ (CSV: /;csv). For production start from deploy/ instead.
#
# Usage: scripts/cluster.sh start [--instances N] | stop | status
#   start   PostgreSQL through scripts/infra.sh start (or the servers of TRACKTRACE_ENV_FILE, as
#           bench.sh), the dev PKI, the service built in Release, the RabbitMQ nodes (joined into a
#           cluster the first time), N instances (default 2) and HAProxy; waits until all answer.
#           As root, installs haproxy with apt-get when missing.
#   stop    stops HAProxy, the instances and the RabbitMQ nodes (PostgreSQL keeps running:
#           scripts/infra.sh stop stops it); state stays in .tracktrace/cluster
#   status  what runs where: HAProxy and its view of each instance, each instance's ports and
#           health, which one runs publishing (holds the async daemon's lock), the RabbitMQ nodes
#           and the quorum queue's leader; exit 0 when everything runs, 3 otherwise
#
# Credentials: the RabbitMQ cluster's user tracktrace has a generated password in
# .tracktrace/cluster/rabbitmq.password (mode 600); .tracktrace/cluster/env (mode 600, to source)
# holds TRACKTRACE_CLUSTER_RABBITMQ (the URI), TRACKTRACE_CLUSTER_RABBITMQ_NODES and
# TRACKTRACE_CLUSTER_POSTGRES.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
STATE=$ROOT/.tracktrace/cluster
R=$STATE/rabbit
RMQ_BIN=/usr/lib/rabbitmq/bin
NODES=(1 2 3)
AMQP_BASE=5681 DIST_BASE=25681 MGMT_BASE=15681 # node n: base + n
API_BASE=7443 ENROLL_BASE=7543 HEALTH_BASE=7080 # instance i: base + i
FRONT_API=7443 FRONT_ENROLL=7442 STATS_PORT=7404
BALANCER_SOURCE=127.0.0.2
DATABASE=${TRACKTRACE_CLUSTER_DATABASE:-tracktrace_cluster}
TIMEOUT=${TRACKTRACE_START_TIMEOUT:-120}
DLL=$ROOT/src/TrackTrace.Api/bin/Release/net10.0/TrackTrace.Api.dll

log() { printf 'cluster: %s\n' "$*"; }
die() {
  printf 'cluster: error: %s\n' "$*" >&2
  exit 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }
read_pid() {
  local p
  [[ -s $1 ]] && p=$(<"$1") && [[ $p =~ ^[0-9]+$ ]] && pid_alive "$p" && echo "$p"
}
node_name() { echo "tracktrace-c$1@localhost"; }

# The RabbitMQ tools for node $1, as root from the unwrapped scripts (INFRA.md): one HOME, hence
# one Erlang cookie, for all nodes; each its own ports, mnesia, logs and config.
rmq_env() {
  local n=$1
  export HOME=$R RABBITMQ_NODENAME=$(node_name "$n") RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT=$((AMQP_BASE + n)) RABBITMQ_DIST_PORT=$((DIST_BASE + n)) ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_MNESIA_BASE=$R/mnesia RABBITMQ_LOG_BASE=$R/log/c$n RABBITMQ_PID_FILE=$R/c$n.pid \
    RABBITMQ_CONFIG_FILE=$R/c$n.conf RABBITMQ_ENABLED_PLUGINS_FILE=$R/enabled_plugins \
    RABBITMQ_CONF_ENV_FILE=$R/rabbitmq-env.conf RABBITMQ_ADVANCED_CONFIG_FILE=$R/advanced.config \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    PATH=$RMQ_BIN:$PATH
}
rmq() { (rmq_env "$1" && cd "$R" && "$RMQ_BIN/$2" "${@:3}"); }

secret() {
  local file=$1
  if [[ ! -s $file ]]; then
    (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$file" && echo >>"$file")
  fi
  chmod 600 "$file"
  head -n 1 "$file"
}

# ------------------------------------------------------------------------------- servers ----

load_infra() {
  if [[ -n ${TRACKTRACE_ENV_FILE:-} && -r $TRACKTRACE_ENV_FILE ]]; then
    ENV_FILE=$TRACKTRACE_ENV_FILE
    log "using the PostgreSQL of $ENV_FILE"
  else
    scripts/infra.sh start
    ENV_FILE=$ROOT/.tracktrace/env
  fi
  set -a
  # shellcheck source=/dev/null
  . "$ENV_FILE"
  set +a
  PGPASS_FILE=$(dirname "$ENV_FILE")/pgpass
  PG_PORT=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$TRACKTRACE_POSTGRES")
  PSQL=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -n 1)
}

psql_db() { PGPASSFILE="$PGPASS_FILE" "$PSQL" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" "${@:2}"; }

install_haproxy() {
  command -v haproxy >/dev/null && return 0
  [[ $(id -u) == 0 ]] || die "haproxy is missing; install it: sudo apt-get install haproxy"
  log "installing haproxy"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; } ||
    die "apt-get could not install haproxy"
}

rabbit_start() {
  local n pid password joined=1 started=()
  [[ -x $RMQ_BIN/rabbitmq-server ]] || die "rabbitmq-server is missing: run scripts/infra.sh start once (it installs it), or apt-get install rabbitmq-server"
  install -d -m 700 "$R" "$R/mnesia" "$R/log"
  password=$(secret "$STATE/rabbitmq.password")
  # Written before any node boots: nodes starting together would otherwise each make their own.
  if [[ ! -s $R/.erlang.cookie ]]; then
    (umask 077 && od -An -tx1 -N20 /dev/urandom | tr -d ' \n' >"$R/.erlang.cookie")
  fi
  chmod 400 "$R/.erlang.cookie"
  echo '[rabbitmq_management].' >"$R/enabled_plugins"
  : >"$R/rabbitmq-env.conf"
  echo '[].' >"$R/advanced.config"
  for n in "${NODES[@]}"; do
    if pid=$(read_pid "$R/c$n.pid"); then
      log "rabbitmq $(node_name "$n"): already running (pid $pid)"
      continue
    fi
    port_open $((AMQP_BASE + n)) && die "port $((AMQP_BASE + n)) is taken by something else"
    # default_user only applies to a node's first boot; joined nodes take the cluster's users.
    umask 077
    {
      printf 'listeners.tcp.default = 127.0.0.1:%d\nmanagement.tcp.ip = 127.0.0.1\nmanagement.tcp.port = %d\n' \
        $((AMQP_BASE + n)) $((MGMT_BASE + n))
      printf 'loopback_users = none\ndefault_user = tracktrace\ndefault_pass = %s\ndefault_user_tags.administrator = true\n' "$password"
      printf 'default_permissions.configure = .*\ndefault_permissions.read = .*\ndefault_permissions.write = .*\n'
    } >"$R/c$n.conf"
    umask 022
    mkdir -p "$R/log/c$n"
    # All at once: a node that was clustered waits at boot for the others.
    rmq "$n" rabbitmq-server -detached </dev/null >>"$R/log/c$n/startup.log" 2>&1 || die "rabbitmq node $n did not start; see $R/log/c$n"
    started+=("$n")
  done
  for n in "${started[@]}"; do
    local deadline=$((SECONDS + TIMEOUT))
    until rmq "$n" rabbitmq-diagnostics -q ping >/dev/null 2>&1; do
      ((SECONDS < deadline)) || die "rabbitmq node $n did not answer within ${TIMEOUT}s; see $R/log/c$n"
      sleep 0.5
    done
    rmq "$n" rabbitmqctl -q await_startup --timeout "$TIMEOUT" >/dev/null || die "rabbitmq node $n did not boot; see $R/log/c$n"
    log "rabbitmq $(node_name "$n"): started (amqp $((AMQP_BASE + n)), management $((MGMT_BASE + n)))"
  done
  for n in "${NODES[@]:1}"; do
    if ! rmq "$n" rabbitmqctl -q cluster_status 2>/dev/null | grep -q "$(node_name 1)"; then
      log "rabbitmq $(node_name "$n"): joining $(node_name 1)"
      rmq "$n" rabbitmqctl -q stop_app >/dev/null 2>&1
      rmq "$n" rabbitmqctl -q join_cluster "$(node_name 1)" >/dev/null 2>&1 || die "node $n could not join the cluster; see $R/log/c$n"
      rmq "$n" rabbitmqctl -q start_app >/dev/null 2>&1
      rmq "$n" rabbitmqctl -q await_startup --timeout "$TIMEOUT" >/dev/null
      joined=0
    fi
  done
  ((joined)) || log "rabbitmq: cluster of ${#NODES[@]} nodes formed"
  RABBIT_URI="amqp://tracktrace:$password@127.0.0.1:$((AMQP_BASE + 1))/"
}

rabbit_stop() {
  local n pid pids=()
  for n in "${NODES[@]}"; do
    if pid=$(read_pid "$R/c$n.pid"); then
      rmq "$n" rabbitmqctl -q shutdown --timeout 60 >/dev/null 2>&1 &
      pids+=($!)
      log "rabbitmq $(node_name "$n"): stopping (pid $pid)"
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  # epmd stays: the broker of scripts/infra.sh registers with the same one.
}

write_env() {
  local nodes="" n
  for n in "${NODES[@]}"; do nodes+="${nodes:+,}127.0.0.1:$((AMQP_BASE + n))"; done
  CLUSTER_DB="${TRACKTRACE_POSTGRES/Database=postgres/Database=$DATABASE}"
  umask 077
  {
    echo "# Written by scripts/cluster.sh start (mode 600: it holds the passwords); source it."
    echo "TRACKTRACE_CLUSTER_POSTGRES=\"$CLUSTER_DB\""
    echo "TRACKTRACE_CLUSTER_RABBITMQ=\"$RABBIT_URI\""
    echo "TRACKTRACE_CLUSTER_RABBITMQ_NODES=\"$nodes\""
    echo "TRACKTRACE_CLUSTER_API=\"https://localhost:$FRONT_API/\""
    echo "TRACKTRACE_CLUSTER_ENROLLMENT=\"https://localhost:$FRONT_ENROLL/\""
  } >"$STATE/env"
  umask 022
  RABBIT_NODES=$nodes
}

# ----------------------------------------------------------------------------- instances ----

instance_start() {
  local i=$1 pid n=0 node
  local api=$((API_BASE + i)) health=$((HEALTH_BASE + i)) enroll=$((ENROLL_BASE + i))
  if pid=$(read_pid "$STATE/instance-$i.pid"); then
    log "instance $i: already running (pid $pid)"
    return 0
  fi
  for port in $api $health $enroll; do
    port_open "$port" && die "port $port (instance $i) is taken by something else"
  done
  local -a env=(
    "ConnectionStrings__Postgres=$CLUSTER_DB;No Reset On Close=true;Application Name=tracktrace-instance-$i"
    "RabbitMq__Uri=$RABBIT_URI" "RabbitMq__QuorumQueues=true"
    # A shipment's check-ins reach different instances here: read its state before each decision.
    "Shipments__CacheStates=false"
    "Api__ListenAddress=127.0.0.1" "Api__HttpsPort=$api" "Api__HealthPort=$health" "Api__EnrollmentPort=$enroll"
    "Api__ProxyProtocol__TrustedProxies__0=$BALANCER_SOURCE"
    "Api__ServerCertificate=$PKI/server.crt" "Api__ServerKey=$PKI/server.key"
    "Api__ClientCertificateAuthorities__0=$PKI/ca.crt"
    "Api__IssuingCertificate=$PKI/issuing/issuing.crt" "Api__IssuingKey=$PKI/issuing/issuing.key"
    "Devices__BootstrapAdminCertificate=$PKI/admin.crt"
    "MALLOC_ARENA_MAX=2" "Logging__Console__FormatterName=json"
  )
  IFS=, read -ra node_list <<<"$RABBIT_NODES"
  for node in "${node_list[@]}"; do
    env+=("RabbitMq__Nodes__$n=$node")
    n=$((n + 1))
  done
  # A session of its own: it outlives this script and the terminal's Ctrl-C.
  env "${env[@]}" setsid dotnet "$DLL" </dev/null >>"$STATE/instance-$i.log" 2>&1 &
  echo $! >"$STATE/instance-$i.pid"
  log "instance $i: starting (pid $!, api $api, enrollment $enroll, health $health)"
}

instance_wait() {
  local i=$1 pid deadline=$((SECONDS + TIMEOUT))
  until curl -fs "http://127.0.0.1:$((HEALTH_BASE + i))/health" >/dev/null 2>&1; do
    pid=$(read_pid "$STATE/instance-$i.pid") || die "instance $i died while starting; see $STATE/instance-$i.log"
    ((SECONDS < deadline)) || die "instance $i did not answer /health within ${TIMEOUT}s; see $STATE/instance-$i.log"
    sleep 0.2
  done
  log "instance $i: healthy"
}

instance_stop() {
  local f=$1 pid
  if pid=$(read_pid "$f"); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 150); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && kill -9 "$pid" 2>/dev/null
    log "instance $(basename "$f" .pid | sed 's/instance-//'): stopped (pid $pid)"
  fi
  rm -f "$f"
}

# ------------------------------------------------------------------------------- HAProxy ----

haproxy_config() {
  local count=$1 i
  cat <<CFG
# Made by scripts/cluster.sh for $count instance(s); deploy/haproxy.cfg is the production starting point.
global
    # Two descriptors per connection; stays under the usual open-file limit of 20,000.
    maxconn 9000

defaults
    mode tcp
    timeout connect 2s
    # Scanners keep connections open and the alert stream lasts: idle limits, not request limits.
    timeout client 1h
    timeout server 1h
    # A connection refused by a dead instance is tried again on another one.
    retries 3
    option redispatch

frontend stats
    mode http
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /
    stats refresh 5s

frontend api
    bind 127.0.0.1:$FRONT_API
    default_backend instances-api

frontend enrollment
    bind 127.0.0.1:$FRONT_ENROLL
    default_backend instances-enrollment
CFG
  # The API backend speaks PROXY v2 (the instances trust $BALANCER_SOURCE); enrollment gets none.
  haproxy_backend instances-api "$count" "$API_BASE" " send-proxy-v2"
  haproxy_backend instances-enrollment "$count" "$ENROLL_BASE" ""
}

# One backend over the instances' ports BASE+1..BASE+COUNT, ready by each instance's /health
# (200 also when RabbitMQ is down: scans still work).
haproxy_backend() {
  local name=$1 count=$2 base=$3 extra=$4 i
  cat <<CFG

backend $name
    balance leastconn
    option httpchk
    http-check send meth GET uri /health
    default-server inter 500ms fall 2 rise 2 source $BALANCER_SOURCE
CFG
  for ((i = 1; i <= count; i++)); do
    echo "    server instance-$i 127.0.0.1:$((base + i))$extra check port $((HEALTH_BASE + i))"
  done
}

haproxy_start() {
  local count=$1 pid
  haproxy_config "$count" >"$STATE/haproxy.cfg"
  haproxy -c -q -f "$STATE/haproxy.cfg" || die "haproxy refuses $STATE/haproxy.cfg"
  if pid=$(read_pid "$STATE/haproxy.pid"); then
    # Soft reload: the new process takes over the ports, the old one finishes its connections.
    haproxy -D -p "$STATE/haproxy.pid" -f "$STATE/haproxy.cfg" -sf "$pid" 2>>"$STATE/haproxy.log"
    log "haproxy: reloaded for $count instance(s)"
    return 0
  fi
  for port in $FRONT_API $FRONT_ENROLL $STATS_PORT; do
    port_open "$port" && die "port $port (haproxy) is taken by something else"
  done
  haproxy -D -p "$STATE/haproxy.pid" -f "$STATE/haproxy.cfg" 2>>"$STATE/haproxy.log" || die "haproxy did not start; see $STATE/haproxy.log"
  log "haproxy: started (pid $(cat "$STATE/haproxy.pid"), api $FRONT_API, enrollment $FRONT_ENROLL, statistics http://127.0.0.1:$STATS_PORT/)"
}

haproxy_stop() {
  local pid
  if pid=$(read_pid "$STATE/haproxy.pid"); then
    kill "$pid" 2>/dev/null || true
    log "haproxy: stopped (pid $pid)"
  fi
  rm -f "$STATE/haproxy.pid"
}

# -------------------------------------------------------------------------------- status ----

status() {
  local ok=0 pid i n line name state
  printf '%-22s %-8s %s\n' WHAT PID WHERE
  if pid=$(read_pid "$STATE/haproxy.pid"); then
    printf '%-22s %-8s %s\n' haproxy "$pid" "api 127.0.0.1:$FRONT_API (PROXY v2 from $BALANCER_SOURCE), enrollment 127.0.0.1:$FRONT_ENROLL, statistics http://127.0.0.1:$STATS_PORT/"
  else
    printf '%-22s %-8s %s\n' haproxy - "not running"
    ok=3
  fi
  local -A view=()
  if [[ -n ${pid:-} ]] && csv=$(curl -fs "http://127.0.0.1:$STATS_PORT/;csv" 2>/dev/null); then
    while IFS=, read -r px sv _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ st _; do
      [[ $px == instances-api && $sv == instance-* ]] && view[$sv]=$st
    done <<<"$csv"
  fi
  local leader=""
  if [[ -r $STATE/env ]]; then
    # shellcheck source=/dev/null
    . "$STATE/env"
    leader=$(psql_status "select string_agg(distinct a.application_name, ',') from pg_locks l join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' and a.datname = current_database()" || true)
  fi
  for f in "$STATE"/instance-*.pid; do
    [[ -e $f ]] || continue
    i=${f##*instance-}
    i=${i%.pid}
    if pid=$(read_pid "$f"); then
      state=$(curl -fs "http://127.0.0.1:$((HEALTH_BASE + i))/health" 2>/dev/null | grep -o '"status": *"[A-Za-z]*"' | head -n 1 | cut -d'"' -f4 || true)
      line="api 127.0.0.1:$((API_BASE + i)), enrollment $((ENROLL_BASE + i)), health http://127.0.0.1:$((HEALTH_BASE + i))/health: ${state:-no answer}; haproxy: ${view[instance-$i]:-?}"
      [[ ,$leader, == *",tracktrace-instance-$i,"* ]] && line+="; runs publishing (async daemon lock)"
      printf '%-22s %-8s %s\n' "instance $i" "$pid" "$line"
    else
      printf '%-22s %-8s %s\n' "instance $i" - "not running (log $STATE/instance-$i.log)"
      ok=3
    fi
  done
  for n in "${NODES[@]}"; do
    name=$(node_name "$n")
    if pid=$(read_pid "$R/c$n.pid") && port_open $((AMQP_BASE + n)); then
      printf '%-22s %-8s %s\n' "$name" "$pid" "amqp 127.0.0.1:$((AMQP_BASE + n)), management http://127.0.0.1:$((MGMT_BASE + n))/, dist $((DIST_BASE + n))"
    else
      printf '%-22s %-8s %s\n' "$name" - "not running"
      ok=3
    fi
  done
  for n in "${NODES[@]}"; do
    if read_pid "$R/c$n.pid" >/dev/null; then
      line=$(rmq "$n" rabbitmqctl -q list_queues name type leader members 2>/dev/null | awk '$1 == "suspend-device" { $1 = ""; print }' || true)
      [[ -n $line ]] && printf '%-22s %-8s %s\n' "queue suspend-device" - "${line# }"
      break
    fi
  done
  [[ -n ${TRACKTRACE_CLUSTER_POSTGRES:-} ]] && PG_PORT=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$TRACKTRACE_CLUSTER_POSTGRES")
  printf '%-22s %-8s %s\n' postgresql - "127.0.0.1:${PG_PORT:-?} database $DATABASE (scripts/infra.sh)"
  return $ok
}

psql_status() {
  [[ -n ${TRACKTRACE_CLUSTER_POSTGRES:-} ]] || return 1
  local env_file=${TRACKTRACE_ENV_FILE:-$ROOT/.tracktrace/env}
  PGPASS_FILE=$(dirname "$env_file")/pgpass
  PG_PORT=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$TRACKTRACE_CLUSTER_POSTGRES")
  PSQL=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -n 1)
  psql_db "$DATABASE" -c "$1" 2>/dev/null
}

# ---------------------------------------------------------------------------------- main ----

cmd=${1:-}
shift || true
INSTANCES=2
while (($#)); do
  case $1 in
    --instances)
      INSTANCES=${2:-}
      shift 2 || true
      ;;
    --instances=*)
      INSTANCES=${1#*=}
      shift
      ;;
    *) cmd=usage && break ;;
  esac
done
[[ $INSTANCES =~ ^[1-9][0-9]?$ && $INSTANCES -le 50 ]] || { echo "cluster: --instances takes 1 to 50" >&2; exit 2; }

case $cmd in
  start)
    install -d -m 700 "$STATE"
    install_haproxy
    load_infra
    [[ -n $(psql_db postgres -c "select 1 from pg_database where datname = '$DATABASE'") ]] ||
      psql_db postgres -c "create database $DATABASE"
    dotnet build src/TrackTrace.Api -c Release -v quiet -nologo
    scripts/dev-pki.sh
    PKI=$ROOT/.tracktrace/pki
    rabbit_start
    write_env
    # The first instance applies the schema alone; the others start once it answers.
    instance_start 1
    instance_wait 1
    for ((i = 2; i <= INSTANCES; i++)); do instance_start "$i"; done
    for ((i = 2; i <= INSTANCES; i++)); do instance_wait "$i"; done
    # Fewer instances than last time: stop the extra ones.
    for f in "$STATE"/instance-*.pid; do
      [[ -e $f ]] || continue
      i=${f##*instance-}
      i=${i%.pid}
      ((i <= INSTANCES)) || instance_stop "$f"
    done
    haproxy_start "$INSTANCES"
    log "up: https://localhost:$FRONT_API/ (verify with .tracktrace/pki/ca.crt), EST on https://localhost:$FRONT_ENROLL/; scripts/cluster.sh status"
    ;;
  stop)
    haproxy_stop
    for f in "$STATE"/instance-*.pid; do
      [[ -e $f ]] && instance_stop "$f"
    done
    rabbit_stop
    rm -f "$STATE/env"
    ;;
  status)
    status
    ;;
  *)
    echo "usage: scripts/cluster.sh start [--instances N] | stop | status" >&2
    exit 2
    ;;
esac
