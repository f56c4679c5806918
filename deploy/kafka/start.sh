#!/usr/bin/env bash
# hub kafka start: see `hub kafka start --help` (hub/cli/kafka_commands.py).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec "$REPO/.venv/bin/python" -m hub kafka start "$@"
