#!/usr/bin/env bash
# A private PostgreSQL cluster for the hub (local development and tests).
#
#   deploy/postgres/postgres.sh install   # Debian's postgresql package, if missing
#   deploy/postgres/postgres.sh start     # init once, start, wait, ensure role+db, print the URL
#   deploy/postgres/postgres.sh status    # exit 0 when running, 3 when not
#   deploy/postgres/postgres.sh url       # the HUB_DATABASE_URL to use
#   deploy/postgres/postgres.sh stop
#
# Environment (safe defaults, no secrets):
#   HUB_POSTGRES_PORT      TCP port (default 5433, beside a system cluster on 5432)
#   HUB_POSTGRES_HOST      the address it listens on (default 127.0.0.1); another host's
#                          address to serve hub processes on other machines
#   HUB_POSTGRES_CLIENTS   a network (CIDR, e.g. 10.77.0.0/24) whose hosts may connect with
#                          the password, besides 127.0.0.1 (default: none)
#   HUB_POSTGRES_DATA_DIR  where the cluster lives: cluster/ (PGDATA), server.log, hub.password.
#                          Default .data/postgres in the repository; as root, when the
#                          `postgres` user cannot reach the repository (a checkout under
#                          /root, say), /var/lib/postgresql/hub/<12 hex digits of the
#                          checkout path's SHA-256> instead, one per checkout.
#   HUB_POSTGRES_PASSWORD  password of the `hub` role (default: generated once into hub.password)
#   HUB_POSTGRES_BIN       directory holding initdb and pg_ctl (default: newest Debian install)
#
# The server listens on HUB_POSTGRES_HOST only; role `hub` (LOGIN CREATEDB, so tests can create
# databases) owns database `hub`. PostgreSQL refuses to run as root, so as root every
# server command runs as the `postgres` OS user, which owns the data directory. The
# superuser is reached only through a Unix socket inside that directory (mode 0700, peer
# authentication); TCP connections need a password (scram-sha-256).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PORT=${HUB_POSTGRES_PORT:-5433}
HOST=${HUB_POSTGRES_HOST:-127.0.0.1}
CLIENTS=${HUB_POSTGRES_CLIENTS:-}
ROLE=hub
DATABASE=hub
START_TIMEOUT=${HUB_POSTGRES_START_TIMEOUT:-60}

if [[ $EUID -eq 0 ]]; then
  OWNER=postgres
else
  OWNER=$(id -un)
fi

# The data directory: HUB_POSTGRES_DATA_DIR, else inside the repository when the cluster's
# owner can reach it, else (root, checkout the `postgres` user cannot enter) one directory
# per checkout under PostgreSQL's own /var/lib/postgresql. Decided again after an install,
# which creates the `postgres` user.
set_paths() {
  local dir=${HUB_POSTGRES_DATA_DIR:-$REPO/.data/postgres}
  if [[ -z ${HUB_POSTGRES_DATA_DIR:-} && $EUID -eq 0 ]] && id -u "$OWNER" >/dev/null 2>&1 &&
    ! (cd / && runuser -u "$OWNER" -- test -x "$REPO"); then
    dir=/var/lib/postgresql/hub/$(printf %s "$REPO" | sha256sum | cut -c1-12)
  fi
  DATA_DIR=$(realpath -m "$dir")
  PGDATA_DIR=$DATA_DIR/cluster
  SOCKET_DIR=$DATA_DIR/run
  LOG_FILE=$DATA_DIR/server.log
  PASSWORD_FILE=$DATA_DIR/hub.password
}

die() {
  echo "postgres: $*" >&2
  exit 1
}

# Run a command as the cluster's owner (root cannot run PostgreSQL).
as_owner() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u "$OWNER" -- "$@")
  else
    "$@"
  fi
}

# Directory with initdb, pg_ctl and postgres: the version the cluster was made with, else the
# newest Debian install, else whatever is on PATH. Empty when PostgreSQL is not installed.
find_bindir() {
  local candidates=()
  [[ -n ${HUB_POSTGRES_BIN:-} ]] && candidates+=("$HUB_POSTGRES_BIN")
  if [[ -f $PGDATA_DIR/PG_VERSION ]]; then
    candidates+=("/usr/lib/postgresql/$(cat "$PGDATA_DIR/PG_VERSION")/bin")
  fi
  local dir
  while IFS= read -r dir; do
    candidates+=("$dir")
  done < <(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -Vr)
  if command -v pg_ctl >/dev/null 2>&1; then
    candidates+=("$(dirname "$(command -v pg_ctl)")")
  fi
  for dir in "${candidates[@]}"; do
    if [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/postgres && -x $dir/psql ]]; then
      echo "$dir"
      return
    fi
  done
}

cmd_install() {
  local bindir
  bindir=$(find_bindir)
  if [[ -n $bindir ]]; then
    echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') is installed ($bindir)"
    return
  fi
  bash "$REPO/deploy/apt-install.sh" postgres postgresql
  bindir=$(find_bindir)
  [[ -n $bindir ]] || die "apt-get installed postgresql but initdb/pg_ctl were not found"
  echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') installed ($bindir)"
}

is_running() {
  local bindir=$1
  [[ -f $PGDATA_DIR/PG_VERSION ]] && as_owner "$bindir/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1
}

# True once a server of this cluster accepts connections; false when there is none. Waits while
# one exists but does not answer yet (still starting, or just killed and not yet reaped).
await_running_server() {
  local bindir=$1 waited=0
  while is_running "$bindir"; do
    "$bindir/pg_isready" -q -h "$HOST" -p "$(current_port)" && return 0
    ((waited++ < START_TIMEOUT * 10)) ||
      die "a server owns $PGDATA_DIR but does not accept connections on $HOST:$(current_port)"
    sleep 0.1
  done
  return 1
}

# The port the running server listens on (line 4 of postmaster.pid), else the configured one.
current_port() {
  local port=""
  if [[ -r $PGDATA_DIR/postmaster.pid ]]; then
    port=$(sed -n 4p "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true)
  fi
  echo "${port:-$PORT}"
}

# The `hub` role's password: HUB_POSTGRES_PASSWORD if set, else the one generated at init.
password() {
  if [[ -n ${HUB_POSTGRES_PASSWORD:-} ]]; then
    [[ $HUB_POSTGRES_PASSWORD =~ ^[A-Za-z0-9._~-]+$ ]] ||
      die "HUB_POSTGRES_PASSWORD may hold only letters, digits and . _ ~ - (it goes into a URL)"
    echo "$HUB_POSTGRES_PASSWORD"
  elif [[ -f $PASSWORD_FILE ]]; then
    cat "$PASSWORD_FILE"
  else
    die "no cluster in $DATA_DIR yet: run '$0 start' first"
  fi
}

init_cluster() {
  local bindir=$1
  mkdir -p "$DATA_DIR"
  # The owner must be able to reach the data directory through every parent.
  if ! as_owner test -x "$(dirname "$DATA_DIR")"; then
    die "user $OWNER cannot reach $(dirname "$DATA_DIR"); set HUB_POSTGRES_DATA_DIR to a directory it can"
  fi
  local socket_path="$SOCKET_DIR/.s.PGSQL.$PORT"
  ((${#socket_path} < 100)) || die "$DATA_DIR is too long a path for a Unix socket; set HUB_POSTGRES_DATA_DIR"
  if [[ ! -f $PASSWORD_FILE ]]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$PASSWORD_FILE")
  fi
  mkdir -p "$PGDATA_DIR" "$SOCKET_DIR"
  chmod 0700 "$DATA_DIR" "$PGDATA_DIR" "$SOCKET_DIR"
  if [[ $EUID -eq 0 ]]; then
    chown "$OWNER:" "$DATA_DIR" "$PGDATA_DIR" "$SOCKET_DIR"
  fi
  echo "initialising a cluster in $PGDATA_DIR"
  as_owner "$bindir/initdb" -D "$PGDATA_DIR" -U "$OWNER" -E UTF8 --no-locale \
    --auth-local=peer --auth-host=scram-sha-256 >"$DATA_DIR/initdb.log" 2>&1 ||
    { cat "$DATA_DIR/initdb.log" >&2; die "initdb failed"; }
  as_owner tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<EOF

# --- the hub's private cluster (deploy/postgres/postgres.sh) ---
listen_addresses = '$HOST'
unix_socket_directories = '$SOCKET_DIR'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
EOF
}

# Role `hub` with the current password, and database `hub` owned by it (every start: cheap).
ensure_role_and_database() {
  local bindir=$1 port=$2 secret
  secret=$(password)
  as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$port" -U "$OWNER" \
    -d postgres >/dev/null <<SQL
SELECT 'CREATE ROLE $ROLE' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE')
\gexec
ALTER ROLE $ROLE WITH LOGIN CREATEDB PASSWORD '$secret';
SELECT 'CREATE DATABASE $DATABASE OWNER $ROLE'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DATABASE')
\gexec
SQL
}

# HUB_POSTGRES_CLIENTS: one password-authenticated line for that network (once).
allow_clients() {
  [[ -n $CLIENTS ]] || return 0
  [[ $CLIENTS =~ ^[0-9a-fA-F.:]+/[0-9]+$ ]] || die "HUB_POSTGRES_CLIENTS must be a network such as 10.77.0.0/24"
  local line="host all all $CLIENTS scram-sha-256"
  as_owner grep -qxF "$line" "$PGDATA_DIR/pg_hba.conf" ||
    echo "$line" | as_owner tee -a "$PGDATA_DIR/pg_hba.conf" >/dev/null
}

cmd_start() {
  local bindir
  bindir=$(find_bindir)
  if [[ -z $bindir ]]; then
    cmd_install
    set_paths
    bindir=$(find_bindir)
  fi
  if await_running_server "$bindir"; then
    echo "PostgreSQL is already running on $HOST:$(current_port) (data $PGDATA_DIR)"
    return
  fi
  [[ -f $PGDATA_DIR/PG_VERSION ]] || init_cluster "$bindir"
  if [[ $EUID -eq 0 ]]; then
    touch "$LOG_FILE" && chown "$OWNER:" "$LOG_FILE"
  fi
  allow_clients
  if ! as_owner "$bindir/pg_ctl" start -D "$PGDATA_DIR" -l "$LOG_FILE" -w -t "$START_TIMEOUT" \
    -o "-p $PORT -c listen_addresses=$HOST" >/dev/null; then
    tail -n 20 "$LOG_FILE" >&2 || true
    die "PostgreSQL did not start on $HOST:$PORT (log: $LOG_FILE)"
  fi
  # pg_ctl -w returns once the postmaster reports ready; confirm TCP clients get in.
  local waited=0
  until "$bindir/pg_isready" -q -h "$HOST" -p "$PORT"; do
    ((waited++ < START_TIMEOUT * 10)) || die "PostgreSQL is not accepting connections on $HOST:$PORT"
    sleep 0.1
  done
  ensure_role_and_database "$bindir" "$PORT"
  if [[ -n ${HUB_POSTGRES_PASSWORD:-} ]]; then
    (umask 077 && echo "$HUB_POSTGRES_PASSWORD" >"$PASSWORD_FILE")  # so `url` agrees later
  fi
  echo "PostgreSQL is running on $HOST:$PORT (data $PGDATA_DIR, log $LOG_FILE)"
}

cmd_stop() {
  local bindir
  bindir=$(find_bindir)
  if [[ -z $bindir ]] || ! is_running "$bindir"; then
    echo "PostgreSQL is not running (data $PGDATA_DIR)"
    return
  fi
  as_owner "$bindir/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -t "$START_TIMEOUT" >/dev/null
  echo "PostgreSQL stopped (data $PGDATA_DIR)"
}

cmd_status() {
  local bindir
  bindir=$(find_bindir)
  if [[ -n $bindir ]] && is_running "$bindir"; then
    echo "PostgreSQL is running on $HOST:$(current_port) (data $PGDATA_DIR)"
    return 0
  fi
  echo "PostgreSQL is not running (data $PGDATA_DIR)"
  return 3
}

cmd_url() {
  local secret
  secret=$(password)
  echo "postgresql://$ROLE:$secret@$HOST:$(current_port)/$DATABASE"
}

set_paths

case ${1:-} in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
url) cmd_url ;;
*)
  echo "usage: $0 install|start|stop|status|url" >&2
  exit 2
  ;;
esac
