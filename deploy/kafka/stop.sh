#!/usr/bin/env bash
# hub kafka stop: see `hub kafka stop --help` (hub/cli/kafka_commands.py).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec "$REPO/.venv/bin/python" -m hub kafka stop "$@"
