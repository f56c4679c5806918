#!/usr/bin/env bash
# The demo: generate a synthetic population, start a local Kafka broker, publish
# the baseline and the first day of all four agencies' feeds, run the hub until
# idle, then show per-topic counts, a few chronologies and the identity queue.
set -euo pipefail
cd "$(dirname "$0")/.."
HUB=.venv/bin/hub
OUT=${DEMO_DIR:-.data/demo}
CHILDREN=${DEMO_CHILDREN:-2000}
SEED=${DEMO_SEED:-7}

# The most recent weekday before today, so the schools' registers have marks in them.
DAY=$(.venv/bin/python -c 'import datetime as d; t=d.date.today()-d.timedelta(days=1)
while t.weekday() > 4: t -= d.timedelta(days=1)
print(t)')

echo "== generating $CHILDREN synthetic children (seed $SEED) into $OUT, one day: $DAY"
$HUB generate --children "$CHILDREN" --days 1 --start-date "$DAY" --seed "$SEED" --out "$OUT" --overwrite

echo "== starting Kafka"
$HUB kafka start

echo "== publishing the agencies' native exports"
$HUB publish csc "$OUT/baseline/cp-plans.csv" "$OUT/day-001/cp-plans.csv"
$HUB publish ae "$OUT/day-001/ae.hl7"
$HUB publish police "$OUT/day-001/police.json"
$HUB publish school "$OUT/day-001/school-attendance.csv"

echo "== messages per topic"
$HUB topics

echo "== Kafka's own console consumer reads a police message (first 10 bytes: C3 01 + fingerprint)"
{ deploy/kafka/console-consumer.sh --topic agency.police.domestic-abuse --from-beginning \
    --max-messages 1 --timeout-ms 15000 2>/dev/null || true; } | head -c 10 | od -An -tx1

echo "== loading the schools directory (designated safeguarding leads)"
$HUB reference schools "$OUT/reference/schools.csv"

echo "== running the hub until it has caught up"
HUB_LOG_LEVEL=WARNING $HUB run --until-idle

echo "== children on a child protection plan"
$HUB children --on-plan | tail -n 4

echo "== the three busiest chronologies"
for child in $($HUB children --busiest 3 --json | .venv/bin/python -c \
    'import json, sys; print(" ".join(row["child_id"] for row in json.load(sys.stdin)))'); do
  echo
  $HUB chronology "$child"
done

echo
echo "== identity resolution queue"
$HUB identity queue | tail -n 1

echo
echo "Kafka is still running (hub kafka status / hub kafka stop)."
echo "Read a topic with Kafka's own console consumer:"
echo "  deploy/kafka/console-consumer.sh --topic agency.police.domestic-abuse --from-beginning"
