#!/usr/bin/env bash
# hub kafka console-consumer: see `hub kafka console-consumer --help` (hub/cli/kafka_commands.py).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec "$REPO/.venv/bin/python" -m hub kafka console-consumer "$@"
