#!/usr/bin/env bash
# Local infrastructure for TrackTrace: PostgreSQL 15 and RabbitMQ (with management),
# both bound to 127.0.0.1, state kept in .tracktrace/ at the checkout root.
#
# Neither is open to other local users: PostgreSQL's superuser "postgres" and RabbitMQ's
# user "tracktrace" have generated passwords (kept in .tracktrace/postgres.password and
# .tracktrace/rabbitmq.password, mode 600, reused at every start), PostgreSQL takes only
# scram-sha-256 and its unix socket sits in a folder only its server user can enter, and
# RabbitMQ has no guest user. A cluster or broker made by an older infra.sh (trust, guest)
# is converted at the next start, also while it runs (no restart).
#
# Usage: scripts/infra.sh start|stop|status
#   start   start what is not running yet (a no-op when both run and are protected),
#           wait until both answer, create database "tracktrace", write .tracktrace/env
#           (mode 600, to source: connection strings with the passwords) and
#           .tracktrace/pgpass (for psql: PGPASSFILE=.tracktrace/pgpass)
#   stop    stop only what this script started (pid files in .tracktrace/)
#   status  print state, ports, data folders and where the credentials are (never the
#           passwords); exit 0 when both run, 3 otherwise
#
# Environment (all optional):
#   TRACKTRACE_PG_PORT           PostgreSQL port             (default 5433)
#   TRACKTRACE_AMQP_PORT         RabbitMQ AMQP port          (default 5672)
#   TRACKTRACE_RABBIT_MGMT_PORT  RabbitMQ management port    (default 15672)
#   TRACKTRACE_RABBIT_DIST_PORT  Erlang distribution port    (default 25672)
#   TRACKTRACE_RABBIT_NODENAME   Erlang node name            (default rabbit@localhost,
#                                or rabbit-<amqp port>@localhost when the AMQP port is not 5672)
#   TRACKTRACE_EPMD_PORT         epmd port (default $ERL_EPMD_PORT or 4369)
#   TRACKTRACE_START_TIMEOUT     seconds to wait for each server (default 120)
#
# Exit codes: 0 success; 1 failure (message on stderr, with the log to read);
#             2 usage; 3 status: not everything is running.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
STATE=$ROOT/.tracktrace
R=$STATE/rabbit
ENV_FILE=$STATE/env
PG_PASSWORD_FILE=$STATE/postgres.password
RABBIT_PASSWORD_FILE=$STATE/rabbitmq.password
PGPASS_FILE=$STATE/pgpass
RABBIT_USER=tracktrace
RMQ_BIN=/usr/lib/rabbitmq/bin

CFG_PG_PORT=${TRACKTRACE_PG_PORT:-5433}
CFG_AMQP_PORT=${TRACKTRACE_AMQP_PORT:-5672}
CFG_MGMT_PORT=${TRACKTRACE_RABBIT_MGMT_PORT:-15672}
CFG_DIST_PORT=${TRACKTRACE_RABBIT_DIST_PORT:-25672}
CFG_EPMD_PORT=${TRACKTRACE_EPMD_PORT:-${ERL_EPMD_PORT:-4369}}
if [[ $CFG_AMQP_PORT == 5672 ]]; then
  CFG_NODE=${TRACKTRACE_RABBIT_NODENAME:-rabbit@localhost}
else
  CFG_NODE=${TRACKTRACE_RABBIT_NODENAME:-rabbit-$CFG_AMQP_PORT@localhost}
fi
TIMEOUT=${TRACKTRACE_START_TIMEOUT:-120}
RABBIT_T0='' PG_PORT='' COMM='' PG_PASSWORD='' RABBIT_PASSWORD=''

log() { printf 'infra: %s\n' "$*"; }
warn() { printf 'infra: warning: %s\n' "$*" >&2; }
die() {
  printf 'infra: error: %s\n' "$*" >&2
  exit 1
}
is_root() { [[ $(id -u) -eq 0 ]]; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

for v in CFG_PG_PORT CFG_AMQP_PORT CFG_MGMT_PORT CFG_DIST_PORT CFG_EPMD_PORT TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number, got '${!v}'"
done

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True when the arguments of process $1 contain the words $2... one after the other.
cmdline_has() {
  local pid=$1 cl want
  shift
  cl=$(tr '\0' '\001' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  want=$(printf '%s\001' "$@")
  [[ $'\001'$cl == *$'\001'"$want"* ]]
}

# True when process $1 exists and is not a zombie waiting to be reaped.
alive() {
  local st
  read -r st 2>/dev/null <"/proc/$1/stat" || return 1
  st=${st##*) }
  [[ ${st:0:1} != Z ]]
}

# Sets COMM to the command name of process $1 (no subshell: used in loops over /proc).
comm_of() { COMM=; read -r COMM 2>/dev/null <"/proc/$1/comm"; }

# Reads KEY=VALUE lines of a file we wrote into variables prefixed with $2.
read_kv() {
  local file=$1 prefix=$2 k v
  [[ -f $file ]] || return 1
  while IFS='=' read -r k v; do
    [[ $k =~ ^[A-Z_]+$ ]] && printf -v "$prefix$k" '%s' "$v"
  done <"$file"
}

# Sets the variable $2 to the secret kept in file $1, made the first time: 48 hex digits
# (192 random bits; hex needs no quoting in a connection string, a URI or a config file).
# The file is mode 600 and survives stop/start.
load_secret() {
  local file=$1 var=$2 value=''
  if [[ -s $file ]]; then
    read -r value <"$file" || true
  fi
  if [[ $value =~ ^[A-Za-z0-9]{16,}$ ]]; then
    chmod 600 "$file"
    printf -v "$var" '%s' "$value"
    return 0
  fi
  [[ ! -s $file ]] || die "$file does not hold a password made by this script; delete it to make a new one"
  value=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
  [[ $value =~ ^[0-9a-f]{48}$ ]] || die "could not read random bytes from /dev/urandom"
  printf '%s\n' "$value" | write_private "$file"
  printf -v "$var" '%s' "$value"
}

# Writes file $1 with mode 600 from standard input (replaced at once, never readable by others).
write_private() {
  (umask 077 && cat >"$1.tmp") && chmod 600 "$1.tmp" && mv -f "$1.tmp" "$1"
}

# ---------------------------------------------------------------- PostgreSQL ----

PG_BIN=
find_pg_bin() {
  local p d dirs
  if p=$(command -v initdb 2>/dev/null) && p=$(readlink -f "$p") && [[ -x ${p%/*}/pg_ctl ]]; then
    PG_BIN=${p%/*}
    return 0
  fi
  # PostgreSQL 15 first, else the newest installed.
  mapfile -t dirs < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5 -rn)
  for d in /usr/lib/postgresql/15/bin "${dirs[@]}"; do
    if [[ -x $d/initdb && -x $d/pg_ctl ]]; then
      PG_BIN=$d
      return 0
    fi
  done
  return 1
}

# Where PostgreSQL keeps its files: .tracktrace/pg, unless we are root and the postgres
# user cannot reach the checkout (e.g. a clone under /root): then a folder under
# /var/lib/tracktrace that .tracktrace/pg links to.
PGD=
resolve_pg_dir() {
  if [[ -L $STATE/pg ]]; then
    PGD=$(readlink -f "$STATE/pg")
  elif [[ -e $STATE/pg ]] || ! is_root || runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
    PGD=$STATE/pg
  else
    PGD=/var/lib/tracktrace/pg-$(printf '%s' "$STATE" | cksum | cut -d' ' -f1)
  fi
  PG_DATA=$PGD/data
  PG_LOG=$PGD/log/server.log
}

# Runs a PostgreSQL tool as the postgres user when we are root, directly otherwise.
as_pg() {
  if is_root; then
    (cd "$PGD" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Prints the postmaster pid when a postmaster runs on our data folder.
pg_pid() {
  local pid
  [[ -f $PG_DATA/postmaster.pid ]] || return 1
  read -r pid 2>/dev/null <"$PG_DATA/postmaster.pid" || return 1
  [[ $pid =~ ^[0-9]+$ ]] && cmdline_has "$pid" -D "$PG_DATA" && printf '%s' "$pid"
}

pg_port_used() {
  local RUN_PORT=
  read_kv "$PGD/run.conf" RUN_ || true
  printf '%s' "${RUN_PORT:-$CFG_PG_PORT}"
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -t 2 >/dev/null 2>&1; }

# psql as the superuser over TCP with the password from .tracktrace/pgpass; SQL as $2, or
# from standard input without $2 (how a password travels: never on a command line).
psql_q() {
  local sql=()
  (($# < 2)) || sql=(-c "$2")
  PGPASSFILE=$PGPASS_FILE "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d postgres -tA "${sql[@]}"
}

# True when the server on port $1 lets a client in as postgres without any password.
pg_open_without_password() {
  env -u PGPASSWORD PGPASSFILE=/dev/null "$PG_BIN/psql" -X -q -w -h 127.0.0.1 -p "$1" -U postgres -d postgres \
    -tA -c 'select 1' >/dev/null 2>&1 </dev/null
}

# The superuser's password (made the first time) and the pgpass file psql reads it from.
pg_load_password() {
  load_secret "$PG_PASSWORD_FILE" PG_PASSWORD
  printf '127.0.0.1:*:*:postgres:%s\n' "$PG_PASSWORD" | write_private "$PGPASS_FILE"
}

# $PGD/password-set holds a digest of the password last given to the cluster, so a password
# file made anew (deleted, edited) is noticed before a client is refused.
pg_password_digest() { printf '%s' "$PG_PASSWORD" | sha256sum | cut -d' ' -f1; }
pg_password_applied() { [[ -f $PGD/password-set && $(<"$PGD/password-set") == "$(pg_password_digest)" ]]; }
pg_password_applied_now() { pg_password_digest | write_private "$PGD/password-set"; }

# True when a line of pg_hba.conf lets clients in without a password (older infra.sh: trust).
pg_hba_trusts() { grep -Eq '^[[:space:]]*[^#[:space:]].*[[:space:]]trust([[:space:]]|$)' "$PG_DATA/pg_hba.conf"; }

# Every trust method of pg_hba.conf becomes scram-sha-256. The file is rewritten in place,
# keeping its owner and mode; comments stay as they are.
pg_hba_to_scram() {
  local hba=$PG_DATA/pg_hba.conf text
  text=$(awk '/^[[:space:]]*(#|$)/ { print; next }
    { for (i = 4; i <= NF; i++) if ($i == "trust") { $i = "scram-sha-256"; break } print }' "$hba")
  printf '%s\n' "$text" >"$hba"
}

# Sets the password while the server is stopped (single-user mode): for a cluster whose
# password file was made anew, and for a trust cluster of an older infra.sh before it opens.
pg_set_password_offline() {
  as_pg "$PG_BIN/postgres" --single -D "$PG_DATA" postgres \
    <<<"ALTER ROLE postgres PASSWORD '$PG_PASSWORD'" >>"$PGD/log/single-user.log" 2>&1 9>&- ||
    die "could not set the password of postgres in single-user mode; see $PGD/log/single-user.log"
  pg_password_applied_now
}

# The socket folder admits only the server's user (root passes anyway): a change of mode
# takes effect at once, unlike unix_socket_permissions, which needs a restart.
pg_close_socket() {
  if [[ -d $PGD/sock ]]; then chmod 700 "$PGD/sock"; fi
}

# After the server answers: a running trust cluster of an older infra.sh gets its password
# and scram without a restart; then the password must work and no password must not.
pg_protect() {
  local port=$PG_PORT deadline
  pg_close_socket
  if pg_hba_trusts; then
    log "postgres: giving postgres a password and switching $PG_DATA/pg_hba.conf from trust to scram-sha-256"
    psql_q "$port" <<<"ALTER ROLE postgres PASSWORD '$PG_PASSWORD'" || die "cannot set the password of postgres on port $port"
    pg_hba_to_scram
    pg_password_applied_now
    psql_q "$port" 'select pg_reload_conf()' >/dev/null || die "cannot reload postgres on port $port"
    # The postmaster rereads pg_hba.conf on SIGHUP, shortly after pg_reload_conf returns.
    deadline=$((SECONDS + 10))
    while pg_open_without_password "$port" && ((SECONDS < deadline)); do sleep 0.1; done
  fi
  if ! psql_q "$port" 'select 1' >/dev/null; then
    if ! pg_password_applied; then
      die "postgres on port $port runs with another password than $PG_PASSWORD_FILE (made anew?); run scripts/infra.sh stop, then start: it sets the password while the server is stopped"
    fi
    die "postgres on port $port refuses the password in $PG_PASSWORD_FILE; delete $PGD/password-set and run scripts/infra.sh stop, then start, to set it again"
  fi
  pg_password_applied || pg_password_applied_now
  if pg_open_without_password "$port"; then
    die "postgres on port $port still lets clients in without a password; see $PG_DATA/pg_hba.conf"
  fi
}

# Every process of ours still alive: postgres processes working in our data folder, the
# RabbitMQ VM (its -home is our folder) and its helpers and epmd (started in our folder).
our_pids() {
  local d pid cwd
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    comm_of "$pid" || continue
    case $COMM in
      postgres | beam.smp | erl_child_setup | inet_gethost | epmd) ;;
      *) continue ;;
    esac
    cwd=$(readlink "$d/cwd" 2>/dev/null) || cwd=
    if [[ -n $cwd && ($cwd == "$PG_DATA" || $cwd == "$R") ]] ||
      cmdline_has "$pid" -D "$PG_DATA" || cmdline_has "$pid" -home "$R"; then
      printf '%s\n' "$pid"
    fi
  done
}

our_pg_pids() {
  local pid
  for pid in $(our_pids); do
    if comm_of "$pid" && [[ $COMM == postgres ]]; then printf '%s\n' "$pid"; fi
  done
  return 0
}

# After a crash (kill -9 of the postmaster) the old backends leave on their own; the
# postmaster.pid they leave behind is removed once none of them is left.
pg_clean_stale() {
  local pids i
  [[ -f $PG_DATA/postmaster.pid ]] || return 0
  pids=$(our_pg_pids)
  for ((i = 0; i < 50 && ${#pids} > 0; i++)); do
    sleep 0.2
    pids=$(our_pg_pids)
  done
  if [[ -n $pids ]]; then
    warn "killing leftover postgres processes of a crashed server: $(echo "$pids" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.5
  fi
  log "postgres: removing stale postmaster.pid (server was not shut down cleanly)"
  rm -f "$PG_DATA/postmaster.pid" "$PGD"/sock/.s.PGSQL.*
}

pg_start() {
  local t0 pid port sock pwfile rc mode=warm
  t0=$(now)
  if pid=$(pg_pid); then
    port=$(pg_port_used)
    [[ $port == "$CFG_PG_PORT" ]] || warn "postgres already runs on port $port; stop it to change the port"
    if ! pg_ready "$port"; then
      wait_pg "$port" || die "postgres (pid $pid) runs but does not answer on port $port; see $PG_LOG"
    fi
    PG_PORT=$port
    log "postgres: already running (pid $pid, port $port)"
    return 0
  fi
  port=$CFG_PG_PORT
  pg_clean_stale
  if port_open "$port"; then
    die "port $port on 127.0.0.1 is taken by another process; choose another with TRACKTRACE_PG_PORT"
  fi

  if is_root; then
    if [[ $PGD != "$STATE/pg" && ! -e $STATE/pg ]]; then
      install -d -m 755 /var/lib/tracktrace
      install -d -o postgres -g postgres -m 755 "$PGD"
      ln -s "$PGD" "$STATE/pg"
      log "postgres: the postgres user cannot reach $STATE; data kept in $PGD ($STATE/pg links to it)"
    fi
    install -d -o postgres -g postgres -m 755 "$PGD" "$PGD/log"
    install -d -o postgres -g postgres -m 700 "$PG_DATA" "$PGD/sock"
  else
    install -d -m 755 "$PGD" "$PGD/log"
    install -d -m 700 "$PG_DATA" "$PGD/sock"
  fi
  pg_close_socket

  # The marker says initdb finished. Without it, a folder with PG_VERSION is a cluster
  # made some other way (kept); anything else is debris of a killed initdb (redone).
  if [[ ! -f $PGD/initialized ]]; then
    if [[ -f $PG_DATA/PG_VERSION ]]; then
      log "postgres: using the existing cluster in $PG_DATA"
    else
      mode=cold
      if [[ -n $(ls -A "$PG_DATA") ]]; then
        warn "removing the debris of an interrupted initdb in $PG_DATA"
        find "$PG_DATA" -mindepth 1 -delete
      fi
      log "postgres: initdb $PG_DATA"
      # The password file must be readable by the user initdb runs as (postgres when we are
      # root, whose checkout it may not reach): a copy in $PGD, removed right after.
      pwfile=$PGD/initdb.pw
      printf '%s\n' "$PG_PASSWORD" | write_private "$pwfile"
      if is_root; then chown postgres:postgres "$pwfile"; fi
      rc=0
      as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" \
        -E UTF8 --locale=C.UTF-8 >"$PGD/log/initdb.log" 2>&1 </dev/null 9>&- || rc=$?
      rm -f "$pwfile"
      ((rc == 0)) || die "initdb failed; see $PGD/log/initdb.log"
      pg_password_applied_now
    fi
    touch "$PGD/initialized"
  fi
  if ! grep -q "^include_if_exists = 'tracktrace.conf'" "$PG_DATA/postgresql.conf"; then
    printf '%s\n' "include_if_exists = 'tracktrace.conf'" >>"$PG_DATA/postgresql.conf"
  fi
  if [[ -f $PG_DATA/PG_VERSION && $(<"$PG_DATA/PG_VERSION") != "$("$PG_BIN/pg_ctl" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')" ]]; then
    die "$PG_DATA was made by PostgreSQL $(<"$PG_DATA/PG_VERSION") but $PG_BIN is another version"
  fi

  # Settings of ours, rewritten at every start (ports may change between runs).
  sock=$PGD/sock
  if ((${#sock} + ${#port} + 12 > 107)); then
    warn "path too long for a unix socket: PostgreSQL listens on TCP only"
    sock=
  fi
  {
    echo "# Written by scripts/infra.sh at every start."
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '${sock//\'/\'\'}'"
    # Only the server's user may connect over the socket (its folder is mode 700 too);
    # everyone else comes over TCP with the password.
    echo "unix_socket_permissions = 0700"
    echo "password_encryption = 'scram-sha-256'"
    echo "max_connections = 300"
    # Durable (fsync, synchronous_commit stay on) but sized for a write-heavy event store:
    # fewer, smoother checkpoints and room for the hot indexes in memory.
    echo "shared_buffers = 512MB"
    echo "wal_buffers = 16MB"
    echo "max_wal_size = 4GB"
    echo "checkpoint_timeout = 15min"
    echo "checkpoint_completion_target = 0.9"
    # Statement counts and times for scripts/bench.sh's cost of a scan (takes effect at a restart).
    echo "shared_preload_libraries = 'pg_stat_statements'"
  } >"$PG_DATA/tracktrace.conf"
  if is_root; then chown postgres:postgres "$PG_DATA/tracktrace.conf"; fi

  # A cluster of an older infra.sh (trust) gets scram and its password before it opens; so
  # does a cluster whose password file was made anew.
  if pg_hba_trusts; then
    log "postgres: switching $PG_DATA/pg_hba.conf from trust to scram-sha-256 and giving postgres a password"
    pg_hba_to_scram
    pg_set_password_offline
  elif ! pg_password_applied; then
    log "postgres: setting the password of postgres from $PG_PASSWORD_FILE"
    pg_set_password_offline
  fi

  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$TIMEOUT" start \
    >>"$PGD/log/pg_ctl.log" 2>&1 </dev/null 9>&-; then
    tail -n 20 "$PG_LOG" >&2 || true
    die "postgres did not start; see $PG_LOG"
  fi
  pid=$(pg_pid) || die "postgres started but its postmaster.pid is missing; see $PG_LOG"
  printf 'PORT=%s\n' "$port" >"$PGD/run.conf"
  wait_pg "$port" || die "postgres (pid $pid) does not answer on port $port; see $PG_LOG"
  PG_PORT=$port
  log "postgres: started ($mode) in $(since "$t0") s (pid $pid, port $port)"
}

wait_pg() {
  local deadline=$((SECONDS + TIMEOUT))
  until pg_ready "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

pg_create_db() {
  local have
  have=$(psql_q "$PG_PORT" "select 1 from pg_database where datname = 'tracktrace'") ||
    die "cannot query postgres on port $PG_PORT; see $PG_LOG"
  if [[ $have != 1 ]]; then
    psql_q "$PG_PORT" "create database tracktrace" || die "cannot create database tracktrace"
    log "postgres: created database tracktrace"
  fi
}

pg_stop() {
  local pid pids i
  if pid=$(pg_pid); then
    find_pg_bin || die "PostgreSQL binaries not found"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >>"$PGD/log/pg_ctl.log" 2>&1 </dev/null 9>&- ||
      warn "pg_ctl stop failed; see $PG_LOG"
  fi
  # Whatever is left of ours (a crashed postmaster's backends, a failed stop) ends here.
  pids=$(our_pg_pids)
  for ((i = 0; i < 50 && ${#pids} > 0; i++)); do
    # shellcheck disable=SC2086
    ((i == 10)) && kill -TERM $pids 2>/dev/null
    sleep 0.2
    pids=$(our_pg_pids)
  done
  # shellcheck disable=SC2086
  if [[ -n $pids ]]; then kill -KILL $pids 2>/dev/null || true; fi
  # A crashed server's lock files: nothing of ours runs any more, so they are stale.
  if [[ -z $(our_pg_pids) ]]; then rm -f "$PG_DATA/postmaster.pid" "$PGD"/sock/.s.PGSQL.*; fi
  rm -f "$PGD/run.conf"
}

# ------------------------------------------------------------------ RabbitMQ ----

RUN_NODE=$CFG_NODE RUN_AMQP_PORT=$CFG_AMQP_PORT RUN_MGMT_PORT=$CFG_MGMT_PORT
RUN_DIST_PORT=$CFG_DIST_PORT RUN_EPMD_PORT=$CFG_EPMD_PORT
# The settings of the running broker when there is one, else the configured ones.
load_rabbit_run() { read_kv "$R/run.conf" RUN_ || true; }

# Environment of the unwrapped RabbitMQ scripts (run as the current user, root included).
rabbit_env() {
  export HOME=$R RABBITMQ_NODENAME=$RUN_NODE RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT=$RUN_AMQP_PORT RABBITMQ_DIST_PORT=$RUN_DIST_PORT \
    ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=$RUN_EPMD_PORT \
    RABBITMQ_MNESIA_BASE=$R/mnesia RABBITMQ_LOG_BASE=$R/log RABBITMQ_PID_FILE=$R/rabbit.pid \
    RABBITMQ_CONFIG_FILE=$R/rabbitmq.conf RABBITMQ_ADVANCED_CONFIG_FILE=$R/advanced.config \
    RABBITMQ_CONF_ENV_FILE=$R/rabbitmq-env.conf RABBITMQ_ENABLED_PLUGINS_FILE=$R/enabled_plugins \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    ERL_CRASH_DUMP=$R/log/erl_crash.dump
}
rmq() { (rabbit_env && cd "$R" && "$RMQ_BIN/$1" "${@:2}"); }
epmd_cmd() { ERL_EPMD_PORT=$RUN_EPMD_PORT epmd "$@"; }
rabbit_log() { printf '%s' "$R/log/$RUN_NODE.log"; }

# Prints the pid of our broker's VM.
rabbit_pid() {
  local pid d
  if [[ -f $R/rabbit.pid ]] && read -r pid 2>/dev/null <"$R/rabbit.pid" && [[ $pid =~ ^[0-9]+$ ]] &&
    comm_of "$pid" && [[ $COMM == beam.smp ]] && cmdline_has "$pid" -home "$R"; then
    printf '%s' "$pid"
    return 0
  fi
  # No pid file yet (booting) or a lost one: look for the VM itself.
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    if comm_of "$pid" && [[ $COMM == beam.smp ]] && cmdline_has "$pid" -home "$R"; then
      printf '%s' "$pid"
      return 0
    fi
  done
  return 1
}

# Prints the pid of the epmd this script started, when it still runs.
our_epmd_pid() {
  local pid
  [[ -f $R/epmd.pid ]] && read -r pid 2>/dev/null <"$R/epmd.pid" && [[ $pid =~ ^[0-9]+$ ]] &&
    comm_of "$pid" && [[ $COMM == epmd ]] && [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$R" ]] &&
    printf '%s' "$pid"
}

node_registered() { epmd_cmd -names 2>/dev/null | grep -q "^name ${RUN_NODE%@*} at port "; }

rabbit_answers() { port_open "$RUN_AMQP_PORT" && port_open "$RUN_MGMT_PORT"; }

rabbit_start() {
  local t0 pid deadline p
  t0=$(now)
  load_rabbit_run
  if pid=$(rabbit_pid); then
    [[ $RUN_AMQP_PORT == "$CFG_AMQP_PORT" ]] || warn "rabbitmq already runs on port $RUN_AMQP_PORT; stop it to change ports"
    if rabbit_answers; then
      log "rabbitmq: already running (pid $pid, node $RUN_NODE, amqp $RUN_AMQP_PORT)"
      RABBIT_T0=
      return 0
    fi
    log "rabbitmq: running (pid $pid) but not answering yet; waiting"
    RABBIT_T0=$t0
    return 0
  fi

  RUN_NODE=$CFG_NODE RUN_AMQP_PORT=$CFG_AMQP_PORT RUN_MGMT_PORT=$CFG_MGMT_PORT
  RUN_DIST_PORT=$CFG_DIST_PORT RUN_EPMD_PORT=$CFG_EPMD_PORT
  for p in "$RUN_AMQP_PORT:TRACKTRACE_AMQP_PORT" "$RUN_MGMT_PORT:TRACKTRACE_RABBIT_MGMT_PORT" \
    "$RUN_DIST_PORT:TRACKTRACE_RABBIT_DIST_PORT"; do
    if port_open "${p%%:*}"; then
      die "port ${p%%:*} on 127.0.0.1 is taken by another process; choose another with ${p#*:}"
    fi
  done

  mkdir -p "$R/mnesia" "$R/log"
  chmod 700 "$R"
  rm -f "$R/rabbit.pid"
  # epmd is shared by every Erlang node of the machine: start one only when none answers.
  if ! epmd_cmd -names >/dev/null 2>&1; then
    rm -f "$R/epmd.pid"
    (cd "$R" && exec setsid epmd -address 127.0.0.1 -port "$RUN_EPMD_PORT" \
      </dev/null >>"$R/log/epmd.log" 2>&1 9>&-) &
    printf '%s\n' "$!" >"$R/epmd.pid"
    for ((p = 0; p < 50; p++)); do
      epmd_cmd -names >/dev/null 2>&1 && break
      sleep 0.1
    done
    our_epmd_pid >/dev/null || die "epmd did not start on port $RUN_EPMD_PORT; see $R/log/epmd.log"
  elif node_registered; then
    die "node $RUN_NODE is already registered with epmd (another broker); choose another with TRACKTRACE_RABBIT_NODENAME"
  fi

  # A new node creates this user instead of guest; an existing one is put right by
  # rabbit_protect once it answers.
  {
    printf 'listeners.tcp.default = 127.0.0.1:%s\nmanagement.tcp.ip = 127.0.0.1\nmanagement.tcp.port = %s\n' \
      "$RUN_AMQP_PORT" "$RUN_MGMT_PORT"
    printf 'default_user = %s\ndefault_pass = %s\ndefault_user_tags.administrator = true\n' \
      "$RABBIT_USER" "$RABBIT_PASSWORD"
    printf 'default_permissions.%s = .*\n' configure write read
  } | write_private "$R/rabbitmq.conf"
  echo '[rabbitmq_management].' >"$R/enabled_plugins"
  : >"$R/rabbitmq-env.conf"
  {
    echo "NODE=$RUN_NODE"
    echo "AMQP_PORT=$RUN_AMQP_PORT"
    echo "MGMT_PORT=$RUN_MGMT_PORT"
    echo "DIST_PORT=$RUN_DIST_PORT"
    echo "EPMD_PORT=$RUN_EPMD_PORT"
  } >"$R/run.conf"

  rmq rabbitmq-server -detached </dev/null >>"$R/log/startup.log" 2>&1 9>&- ||
    die "rabbitmq-server did not start; see $R/log/startup.log"
  RABBIT_T0=$t0
}

# Waits until the broker started by rabbit_start has booted (plugins included).
rabbit_wait() {
  local deadline=$((SECONDS + TIMEOUT)) pid seen=0 left
  [[ -n $RABBIT_T0 ]] || return 0
  fail() {
    tail -n 20 "$(rabbit_log)" >&2 2>/dev/null || true
    die "rabbitmq $1; see $(rabbit_log) and $R/log/startup.log"
  }
  # 1. The node registers with epmd (cheap to poll), while its VM stays alive.
  until node_registered; do
    if pid=$(rabbit_pid); then seen=1; elif ((seen || SECONDS > deadline - TIMEOUT + 10)); then
      fail "stopped while starting"
    fi
    ((SECONDS < deadline)) || fail "did not register node $RUN_NODE within ${TIMEOUT}s"
    sleep 0.2
  done
  # 2. ping answers (before the broker has booted), 3. await_startup (booted).
  until rmq rabbitmq-diagnostics -q ping >/dev/null 2>&1; do
    rabbit_pid >/dev/null || fail "stopped while starting"
    ((SECONDS < deadline)) || fail "did not answer ping within ${TIMEOUT}s"
    sleep 0.5
  done
  left=$((deadline - SECONDS))
  ((left > 5)) || left=5
  rmq rabbitmqctl -q await_startup --timeout "$left" >/dev/null 2>&1 || fail "did not boot within ${TIMEOUT}s"
  until rabbit_answers; do
    ((SECONDS < deadline)) || fail "booted but ports $RUN_AMQP_PORT/$RUN_MGMT_PORT do not answer"
    sleep 0.2
  done
  pid=$(rabbit_pid) || fail "stopped while starting"
  log "rabbitmq: started in $(since "$RABBIT_T0") s (pid $pid, node $RUN_NODE, amqp $RUN_AMQP_PORT, management $RUN_MGMT_PORT)"
}

# The management API as $RABBIT_USER: curl reads the credentials from standard input, so
# the password never shows on a command line. Prints the HTTP status; the body goes to $2.
rabbit_api() {
  local method=$1 path=$2 out=${3:-/dev/null}
  printf 'user = "%s:%s"\n' "$RABBIT_USER" "$RABBIT_PASSWORD" |
    curl -sS -K - -o "$out" -w '%{http_code}' -X "$method" --max-time 10 \
      "http://127.0.0.1:$RUN_MGMT_PORT/api/$path" 2>/dev/null || true
}

# rabbitmqctl with the password of $RABBIT_USER on standard input (it reads it from there
# when the argument is left out).
rmq_with_password() { rmq rabbitmqctl -q "$@" <<<"$RABBIT_PASSWORD" >/dev/null 2>&1; }

# Once the broker answers: $RABBIT_USER exists with the password of .tracktrace/rabbitmq.password,
# is an administrator (the management API, which the tests use to make vhosts) and may do
# everything on "/"; guest is gone. A new node is already like that (rabbitmq.conf); a node of
# an older infra.sh, or one whose password file was made anew, is put right with rabbitmqctl.
rabbit_protect() {
  local body=$R/whoami.json code
  # Its database holds the users' password hashes.
  chmod 700 "$R"
  code=$(rabbit_api GET whoami "$body")
  if [[ $code != 200 ]] || ! grep -q '"administrator"' "$body"; then
    log "rabbitmq: setting up user $RABBIT_USER with the password from $RABBIT_PASSWORD_FILE"
    if rmq rabbitmqctl -q list_users 2>/dev/null | grep -q "^$RABBIT_USER[[:space:]]"; then
      rmq_with_password change_password "$RABBIT_USER" || die "rabbitmqctl change_password failed; see $(rabbit_log)"
    else
      rmq_with_password add_user "$RABBIT_USER" || die "rabbitmqctl add_user failed; see $(rabbit_log)"
    fi
    rmq rabbitmqctl -q set_user_tags "$RABBIT_USER" administrator >/dev/null ||
      die "rabbitmqctl set_user_tags failed; see $(rabbit_log)"
    rmq rabbitmqctl -q set_permissions -p / "$RABBIT_USER" '.*' '.*' '.*' >/dev/null ||
      die "rabbitmqctl set_permissions failed; see $(rabbit_log)"
    code=$(rabbit_api GET whoami)
    [[ $code == 200 ]] || die "the management API refuses $RABBIT_USER (HTTP $code); see $(rabbit_log)"
  fi
  rm -f "$body"
  code=$(rabbit_api GET users/guest)
  if [[ $code == 200 ]]; then
    code=$(rabbit_api DELETE users/guest)
    [[ $code == 204 ]] || die "cannot delete the guest user (HTTP $code); see $(rabbit_log)"
    log "rabbitmq: deleted the guest user"
  elif [[ $code != 404 ]]; then
    die "cannot check for the guest user (HTTP $code); see $(rabbit_log)"
  fi
}

rabbit_stop() {
  local pid i epid
  load_rabbit_run
  if pid=$(rabbit_pid); then
    if ! rmq rabbitmqctl -q shutdown --timeout 60 >/dev/null 2>&1; then
      warn "rabbitmqctl shutdown failed; sending SIGTERM to $pid"
      kill -TERM "$pid" 2>/dev/null || true
    fi
    for ((i = 0; i < 300; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      warn "rabbitmq (pid $pid) still running after 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  if epid=$(our_epmd_pid); then
    # epmd -kill refuses while nodes are registered: then someone else uses it, so it stays.
    if epmd_cmd -kill >/dev/null 2>&1; then
      for ((i = 0; i < 50; i++)); do
        alive "$epid" || break
        sleep 0.1
      done
    fi
    if alive "$epid"; then
      warn "leaving epmd (pid $epid, port $RUN_EPMD_PORT) running: other Erlang nodes use it"
    else
      rm -f "$R/epmd.pid"
    fi
  else
    rm -f "$R/epmd.pid"
  fi
  # Helpers of a killed VM (erl_child_setup, inet_gethost) leave with it; make sure.
  for pid in $(our_pids); do
    comm_of "$pid" || continue
    case $COMM in
      beam.smp | erl_child_setup | inet_gethost) kill -KILL "$pid" 2>/dev/null || true ;;
    esac
  done
  rm -f "$R/rabbit.pid" "$R/run.conf"
}

# -------------------------------------------------------------------- install ----

ensure_installed() {
  local missing=() policy=/usr/sbin/policy-rc.d
  find_pg_bin || missing+=(postgresql-15)
  [[ -x $RMQ_BIN/rabbitmq-server ]] || missing+=(rabbitmq-server)
  command -v curl >/dev/null || missing+=(curl)
  ((${#missing[@]})) || return 0
  if ! is_root || ! command -v apt-get >/dev/null; then
    printf 'infra: error: missing %s. Install with:\n  sudo apt-get install rabbitmq-server postgresql-15 curl\n%s\n' \
      "${missing[*]}" "(with systemd the packages start system servers of their own; this script runs its own, so
stop those: sudo systemctl disable --now rabbitmq-server postgresql)" >&2
    exit 1
  fi
  log "installing ${missing[*]} with apt-get"
  # Packages must not start their own servers (they would take our ports).
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null 9>&-
  if [[ $(trap -p EXIT) == *policy-rc.d* ]]; then
    rm -f "$policy"
    trap - EXIT
  fi
  find_pg_bin || die "PostgreSQL binaries still not found after installing"
  [[ -x $RMQ_BIN/rabbitmq-server ]] || die "$RMQ_BIN/rabbitmq-server still missing after installing"
  command -v curl >/dev/null || die "curl still missing after installing"
}

# ------------------------------------------------------------------- commands ----

lock() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock -w 600 9 || die "another scripts/infra.sh holds $STATE/.lock"
}

write_env() {
  {
    echo "# Written by scripts/infra.sh start (mode 600: it holds the passwords); source it."
    echo "# The ports actually used; the passwords of $PG_PASSWORD_FILE and $RABBIT_PASSWORD_FILE."
    echo "TRACKTRACE_POSTGRES=\"Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD;Database=postgres\""
    echo "TRACKTRACE_RABBITMQ=\"amqp://$RABBIT_USER:$RABBIT_PASSWORD@127.0.0.1:$RUN_AMQP_PORT/\""
    echo "TRACKTRACE_RABBITMQ_MANAGEMENT=\"http://127.0.0.1:$RUN_MGMT_PORT/\""
    # Read by the integration tests; the same name infra.sh takes, so re-running it from
    # a shell that sourced this file addresses the same broker.
    echo "TRACKTRACE_RABBIT_MGMT_PORT=\"$RUN_MGMT_PORT\""
    # Lets whoever sourced it (tests included) find this file and the passwords beside it.
    echo "TRACKTRACE_ENV_FILE=\"$ENV_FILE\""
  } | write_private "$ENV_FILE"
}

cmd_start() {
  local t0
  t0=$(now)
  lock
  ensure_installed
  resolve_pg_dir
  # Fail on a taken port before starting anything.
  if ! pg_pid >/dev/null && port_open "$CFG_PG_PORT"; then
    die "port $CFG_PG_PORT on 127.0.0.1 is taken by another process; choose another with TRACKTRACE_PG_PORT"
  fi
  pg_load_password
  load_secret "$RABBIT_PASSWORD_FILE" RABBIT_PASSWORD
  # The broker boots in the background (about 8 s) while PostgreSQL starts.
  rabbit_start
  pg_start
  pg_protect
  pg_create_db
  rabbit_wait
  rabbit_protect
  write_env
  log "ready in $(since "$t0") s; environment in $ENV_FILE"
}

cmd_stop() {
  local t0 left kept was=stopped
  t0=$(now)
  lock
  resolve_pg_dir
  rm -f "$ENV_FILE"
  if pg_pid >/dev/null || rabbit_pid >/dev/null || our_epmd_pid >/dev/null || [[ -n $(our_pids) ]]; then
    was=running
  fi
  pg_stop
  rabbit_stop
  # An epmd of ours that other nodes still use stays (rabbit_stop said so); nothing else may.
  kept=$(our_epmd_pid) || kept=
  left=$(our_pids | grep -vx "${kept:-none}" | tr '\n' ' ') || true
  [[ -z $left ]] || die "processes of ours still running after stop: $left"
  if [[ $was == running ]]; then log "stopped in $(since "$t0") s"; else log "nothing was running"; fi
}

cmd_status() {
  local pid ok=0 port
  resolve_pg_dir
  find_pg_bin || true
  if pid=$(pg_pid); then
    port=$(pg_port_used)
    if [[ -n $PG_BIN ]] && pg_ready "$port"; then
      echo "postgres: running (pid $pid), port $port, data $PG_DATA"
    else
      echo "postgres: not answering (pid $pid), port $port, data $PG_DATA, log $PG_LOG"
      ok=1
    fi
  else
    echo "postgres: stopped, port $CFG_PG_PORT, data $PG_DATA"
    ok=1
  fi
  load_rabbit_run
  if pid=$(rabbit_pid); then
    if rabbit_answers; then
      echo "rabbitmq: running (pid $pid, node $RUN_NODE), port $RUN_AMQP_PORT, management $RUN_MGMT_PORT, data $R"
    else
      echo "rabbitmq: not answering (pid $pid, node $RUN_NODE), port $RUN_AMQP_PORT, management $RUN_MGMT_PORT, data $R, log $(rabbit_log)"
      ok=1
    fi
  else
    echo "rabbitmq: stopped, port $CFG_AMQP_PORT, management $CFG_MGMT_PORT, data $R"
    ok=1
  fi
  if [[ -f $ENV_FILE ]]; then
    echo "credentials: $ENV_FILE (mode 600, to source); passwords in $PG_PASSWORD_FILE, $RABBIT_PASSWORD_FILE; psql: PGPASSFILE=$PGPASS_FILE"
  else
    echo "credentials: $ENV_FILE is written by scripts/infra.sh start"
  fi
  ((ok == 0)) || return 3
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
