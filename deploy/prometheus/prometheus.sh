#!/usr/bin/env bash
# Prometheus for the hub's tests and for a laptop: Debian's package, a private server.
#
#   deploy/prometheus/prometheus.sh install        # Debian's prometheus package, if missing
#   deploy/prometheus/prometheus.sh start [CONFIG] # a server on 127.0.0.1, waits until ready
#   deploy/prometheus/prometheus.sh status         # exit 0 when running, 3 when not
#   deploy/prometheus/prometheus.sh stop
#   deploy/prometheus/prometheus.sh check-rules    # promtool check rules on rules/*.yml
#
# Environment (safe defaults, no secrets):
#   PROMETHEUS_PORT      the server's port on 127.0.0.1 (default 9690)
#   PROMETHEUS_DATA_DIR  its TSDB, log and pid file (default .data/prometheus in the repository)
#   PROMETHEUS_BIN       directory holding prometheus and promtool (default: on PATH)
# CONFIG defaults to deploy/prometheus/prometheus.yml (scrapes the hub's default ports).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PORT=${PROMETHEUS_PORT:-9690}
DATA_DIR=${PROMETHEUS_DATA_DIR:-$ROOT/.data/prometheus}
PID_FILE=$DATA_DIR/prometheus.pid
LOG_FILE=$DATA_DIR/prometheus.log
START_TIMEOUT=60

die() {
  echo "prometheus.sh: $*" >&2
  exit 1
}

find_bin() {
  if [[ -n ${PROMETHEUS_BIN:-} ]]; then
    echo "$PROMETHEUS_BIN/$1"
  elif command -v "$1" >/dev/null 2>&1; then
    command -v "$1"
  elif [[ -x /usr/bin/$1 ]]; then
    echo "/usr/bin/$1"
  fi
}

cmd_install() {
  if [[ -n $(find_bin prometheus) && -n $(find_bin promtool) ]]; then
    echo "Prometheus is installed ($(find_bin prometheus))"
    return
  fi
  # The package's own service is not used (no systemd is needed): this script runs the server.
  bash "$ROOT/deploy/apt-install.sh" prometheus prometheus
  [[ -n $(find_bin prometheus) && -n $(find_bin promtool) ]] || die "apt-get installed prometheus but prometheus/promtool were not found"
  echo "Prometheus installed ($(find_bin prometheus))"
}

is_running() {
  [[ -f $PID_FILE ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

cmd_start() {
  local config=${1:-$HERE/prometheus.yml} prometheus
  [[ -f $config ]] || die "no configuration file $config"
  prometheus=$(find_bin prometheus)
  if [[ -z $prometheus ]]; then
    cmd_install
    prometheus=$(find_bin prometheus)
  fi
  if is_running; then
    echo "Prometheus is already running (pid $(cat "$PID_FILE"), data $DATA_DIR)"
    return
  fi
  mkdir -p "$DATA_DIR/tsdb"
  "$prometheus" --config.file="$config" --storage.tsdb.path="$DATA_DIR/tsdb" \
    --web.listen-address="127.0.0.1:$PORT" --web.enable-lifecycle \
    >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  local waited=0
  until curl -fsS "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1; do
    if ! is_running; then
      tail -n 20 "$LOG_FILE" >&2 || true
      die "Prometheus did not start on 127.0.0.1:$PORT (log: $LOG_FILE)"
    fi
    ((waited++ < START_TIMEOUT * 10)) || die "Prometheus is not ready on 127.0.0.1:$PORT"
    sleep 0.1
  done
  echo "Prometheus is running on 127.0.0.1:$PORT (pid $(cat "$PID_FILE"), data $DATA_DIR)"
}

cmd_stop() {
  if ! is_running; then
    echo "Prometheus is not running (data $DATA_DIR)"
    rm -f "$PID_FILE"
    return
  fi
  local pid waited=0
  pid=$(cat "$PID_FILE")
  kill "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    ((waited++ < START_TIMEOUT * 10)) || { kill -9 "$pid" 2>/dev/null || true; break; }
    sleep 0.1
  done
  rm -f "$PID_FILE"
  echo "Prometheus stopped (data $DATA_DIR)"
}

cmd_status() {
  if is_running; then
    echo "Prometheus is running on 127.0.0.1:$PORT (pid $(cat "$PID_FILE"))"
    return 0
  fi
  echo "Prometheus is not running (data $DATA_DIR)"
  return 3
}

cmd_check_rules() {
  local promtool
  promtool=$(find_bin promtool)
  [[ -n $promtool ]] || die "promtool is missing: run '$0 install'"
  "$promtool" check rules "$HERE"/rules/*.yml
}

case ${1:-} in
install) cmd_install ;;
start) cmd_start "${2:-}" ;;
stop) cmd_stop ;;
status) cmd_status ;;
check-rules) cmd_check_rules ;;
*)
  echo "usage: $0 install|start [CONFIG]|stop|status|check-rules" >&2
  exit 2
  ;;
esac
