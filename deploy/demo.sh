#!/usr/bin/env bash
# The demo: generate a synthetic population, start a local Kafka broker, publish
# the baseline and the first day of all four agencies' feeds, run the hub until
# idle, then show per-topic counts, a few chronologies and the identity queue, a
# lookup, alerts, management information (the completeness report first), the signed
# documents (court chronology, subject-access response, case-review bundle) and the
# audit log.
set -euo pipefail
cd "$(dirname "$0")/.."
HUB=.venv/bin/hub
OUT=${DEMO_DIR:-.data/demo}
CHILDREN=${DEMO_CHILDREN:-2000}
SEED=${DEMO_SEED:-7}
# Each long-running process serves Prometheus metrics on this base port plus its offset.
export HUB_METRICS_ADDRESS=${DEMO_METRICS_ADDRESS:-${HUB_METRICS_ADDRESS:-127.0.0.1:9464}}

# The most recent weekday before today, so the schools' registers have marks in them.
DAY=$(.venv/bin/python -c 'import datetime as d; t=d.date.today()-d.timedelta(days=1)
while t.weekday() > 4: t -= d.timedelta(days=1)
print(t)')

echo "== generating $CHILDREN synthetic children (seed $SEED) into $OUT, one day: $DAY"
$HUB generate --children "$CHILDREN" --days 1 --start-date "$DAY" --seed "$SEED" --out "$OUT" --overwrite

echo "== metrics: while each runs, http://$HUB_METRICS_ADDRESS/metrics is hub run's (ports +1 hub serve,"
echo "   +2 hub alerts run, +3 hub alerts deliver, +4 hub listen ae), with /livez and /readyz"

echo "== starting Kafka"
$HUB kafka start

echo "== loading the schools directory (designated safeguarding leads) and the organisations"
$HUB reference schools "$OUT/reference/schools.csv"
$HUB reference organisations "$OUT/reference/organisations.csv"
$HUB reference postcodes "$OUT/reference/postcode-areas.csv"

echo "== the baseline: children's social care's current plans and the schools' rolls, loaded before the day's feeds"
$HUB publish csc "$OUT/baseline/cp-plans.csv"
$HUB publish school-roll "$OUT/baseline/school-roll.csv"
HUB_LOG_LEVEL=WARNING $HUB run --until-idle

echo "== publishing the day's native exports from all four agencies"
$HUB publish csc "$OUT/day-001/cp-plans.csv"

# A&E departments send HL7 v2 over MLLP: the day's messages go to `hub listen ae` through
# a third-party MLLP client (python-hl7's mllp_send), each answered by an HL7 ACK only
# once Kafka has the event (AA), or AE/AR with an ERR naming the field.
MLLP_PORT=${DEMO_MLLP_PORT:-2575}
HUB_LOG_LEVEL=WARNING $HUB listen ae --address "127.0.0.1:$MLLP_PORT" > "$OUT/listen.log" 2>&1 &
LISTEN_PID=$!
trap 'kill $LISTEN_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "MLLP listener" "$OUT/listen.log" && break; sleep 0.2; done
echo "-- $(grep -m 1 "MLLP listener" "$OUT/listen.log")"
ACKS=$(.venv/bin/mllp_send --loose --file "$OUT/day-001/ae.hl7" --port "$MLLP_PORT" 127.0.0.1 \
    | tr '\r' '\n' | grep '^MSA|' | cut -d'|' -f2 | sort | uniq -c | xargs)
echo "-- A&E over MLLP: $(grep -c '^MSH' <(tr '\r' '\n' < "$OUT/day-001/ae.hl7")) messages sent, ACKs: $ACKS"
kill $LISTEN_PID; wait $LISTEN_PID 2>/dev/null || true
echo "-- the listener's counts: $(grep '"connections"' "$OUT/listen.log")"
echo "-- the same file again with hub publish ae: every message already published"
$HUB publish ae "$OUT/day-001/ae.hl7"
$HUB publish police "$OUT/day-001/police.json"
$HUB publish school "$OUT/day-001/school-attendance.csv"
$HUB publish school-roll "$OUT/day-001/school-roll.csv"

echo "== messages per topic"
$HUB topics

echo "== Kafka's own console consumer reads a police message (first 10 bytes: C3 01 + fingerprint)"
{ deploy/kafka/console-consumer.sh --topic agency.police.domestic-abuse --from-beginning \
    --max-messages 1 --timeout-ms 15000 2>/dev/null || true; } | head -c 10 | od -An -tx1

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
echo "== the sharing policy at work: a school with no link to that child asks, and is refused"
$HUB chronology "$child" --as-role school-dsl --relationship none --purpose safeguarding \
    --recipient dsl-demo --organisation 100000 --organisation-type school | tail -n 1
echo "-- every decision is a disclosure record: some that let entries out, then the refusals"
$HUB disclosures --decision full | tail -n 3
$HUB disclosures --decision refuse | tail -n 3

echo
echo "== identity resolution queue"
$HUB identity queue | tail -n 1

echo
echo "== the A&E lookup service (gRPC, mutual TLS): certificates made here, never committed"
CERTS=${HUB_CERTS_DIR:-${HUB_DATA_DIR:-.data}/certs}
[ -f "$CERTS/ca.pem" ] || $HUB certs init
$HUB certs client ae-desk --organisation RZB01 --role unscheduled-care-clinician
LOOKUP_PORT=${DEMO_LOOKUP_PORT:-50051}
export HUB_LOOKUP_ADDRESS=127.0.0.1:$LOOKUP_PORT
HUB_LOG_LEVEL=WARNING $HUB serve --no-web --address "$HUB_LOOKUP_ADDRESS" > "$OUT/serve.log" 2>&1 &
SERVE_PID=$!
trap 'kill $SERVE_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q "lookup service on" "$OUT/serve.log" && break; sleep 0.2; done

# A generated child on a plan who was seen at two different sites (A1, A4); if the
# day's data has none, any child seen at two sites.
PICK='import json, sys; rows = json.load(sys.stdin); print(rows[0]["nhs_number"] if rows else "")'
NHS=$($HUB children --on-plan --seen-at-sites 2 --json | .venv/bin/python -c "$PICK")
[ -n "$NHS" ] || NHS=$($HUB children --seen-at-sites 2 --json | .venv/bin/python -c "$PICK")
echo "== A&E desk at Ashbury Royal Infirmary looks up NHS number $NHS"
$HUB lookup --nhs "$NHS"
echo
echo "== the responsible authority is told of the access (topic hub.access-to-service)"
sleep 2
{ deploy/kafka/console-consumer.sh --topic hub.access-to-service --from-beginning \
    --max-messages 1 --timeout-ms 15000 2>/dev/null || true; } | head -c 10 | od -An -tx1
kill $SERVE_PID; wait $SERVE_PID 2>/dev/null || true

echo
echo "== alerts: rules applied to the chronologies, delivered to a local mailbox"
SMTP_PORT=${DEMO_SMTP_PORT:-8025}
MAILDIR="$OUT/mailbox"
rm -rf "$MAILDIR"
.venv/bin/python -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MAILDIR" &
SMTP_PID=$!
trap 'kill $SERVE_PID $SMTP_PID 2>/dev/null || true' EXIT
export HUB_SMTP_HOST=127.0.0.1 HUB_SMTP_PORT=$SMTP_PORT HUB_SMTP_STARTTLS=0
# Event time: deadlines are judged by the data's own clock (the day generated), not by
# today's wall clock, which would find every urgent alert of that day overdue at once.
HUB_LOG_LEVEL=WARNING $HUB alerts run --until-idle --clock event
HUB_LOG_LEVEL=WARNING $HUB alerts deliver --until-idle
echo "-- alerts by rule"
$HUB alerts counts --by rule
SHOW_MAIL='import email, pathlib, sys
box = pathlib.Path(sys.argv[1]) / "new"
mails = sorted(box.iterdir(), key=lambda p: p.stat().st_mtime) if box.exists() else []
pick = [m for m in mails if sys.argv[2] in email.message_from_bytes(m.read_bytes())["Subject"]]
print(f"{len(mails)} emails in {box.parent}")
for path in pick[:1]:
    message = email.message_from_bytes(path.read_bytes())
    print("To:", message["To"]); print("Subject:", " ".join(message["Subject"].split()))
    print(message.get_payload(decode=True).decode())'
.venv/bin/python -c "$SHOW_MAIL" "$MAILDIR" "["

echo "-- escalations: alerts nobody acknowledged by their deadline (in event time)"
if ! $HUB alerts list | grep -c "(escalation" > /dev/null; then  # reads everything: no SIGPIPE
  # None due yet on this day's clock: judge the deadlines just after the first one passes.
  DUE=$($HUB alerts list --unacknowledged --json | .venv/bin/python -c 'import json, sys
from datetime import datetime, timedelta
rows = [r for r in json.load(sys.stdin)
        if not r["escalation_level"] and r["recipient"]["escalation_email"]]
first = min(datetime.fromisoformat(r["ack_deadline"]) for r in rows)
print((first + timedelta(minutes=1)).isoformat())')
  HUB_LOG_LEVEL=WARNING $HUB alerts run --until-idle --now "$DUE"
  HUB_LOG_LEVEL=WARNING $HUB alerts deliver --until-idle
fi
$HUB alerts list | awk '/[(]escalation/ && shown++ < 4'  # reads everything: no SIGPIPE
.venv/bin/python -c "$SHOW_MAIL" "$MAILDIR" "Not acknowledged in time"
kill $SMTP_PID; wait $SMTP_PID 2>/dev/null || true

echo
echo "== management information for $DAY: first, which agencies' data is late or silent"
$HUB mi completeness --from "$DAY" --to "$DAY"
echo "-- contacts, referrals and re-referrals by source agency (the same head, then the counts)"
$HUB mi referrals --from "$DAY" --to "$DAY" | awk 'NR == 1 || /^Contacts/ { on = 1 } on'
echo "-- each report run is an audit record"
$HUB disclosures --kind mi-report | tail -n 2

echo
echo "== documents for a court, a family and an inspector: signed PDFs in $OUT/documents"
DOCS="$OUT/documents"
mkdir -p "$DOCS"
AUTHORITY=$($HUB chronology "$NHS" --json | .venv/bin/python -c \
    'import json, sys; print((json.load(sys.stdin).get("responsible_authority") or {}).get("code", ""))')
AUTHORITY=${AUTHORITY:-$(head -n 2 "$OUT/reference/organisations.csv" | tail -n 1 | cut -d, -f1)}
echo "-- the court chronology of NHS number $NHS for its lead social worker (authority $AUTHORITY)"
$HUB export chronology "$NHS" --as-role social-worker --relationship lead-social-worker \
    --recipient sw-demo --organisation "$AUTHORITY" --organisation-type local-authority \
    --all -o "$DOCS/court-chronology.pdf"
echo "-- the same child's subject-access response (UK GDPR Article 15)"
$HUB sar "$NHS" --format pdf -o "$DOCS/subject-access-response.pdf"
echo "-- every open case of authority $AUTHORITY: chronologies, disclosure logs and an index"
$HUB export bundle --authority "$AUTHORITY" --open-cases -o "$DOCS/case-review-bundle.zip"
echo "-- each is signed and in the audit log; one byte changed is caught"
$HUB export verify "$DOCS/court-chronology.pdf" | cut -c1-120
.venv/bin/python -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 1
open(sys.argv[2], "wb").write(b)' "$DOCS/court-chronology.pdf" "$DOCS/court-chronology-altered.pdf"
$HUB export verify "$DOCS/court-chronology-altered.pdf" | head -n 2 || true

echo
echo "== audit log: every append group signed a Merkle tree head; heads witnessed on Kafka"
$HUB audit publish-heads
$HUB audit verify --witness topic | tail -n 2
echo "-- an inclusion proof for the first record, checked with the public key alone"
$HUB audit key | tail -n +2 > "$OUT/audit-public-key.pem"
$HUB audit prove 1 > "$OUT/audit-proof-1.json"
$HUB audit check-proof "$OUT/audit-proof-1.json" --public-key "$OUT/audit-public-key.pem"

echo
echo "== the practitioners' web console (hub web), left running on the demo data"
# A lead social worker some alert is addressed to, and an IG lead at the same authority.
LEAD=$($HUB alerts list --json | .venv/bin/python -c 'import json, sys
leads = [r["recipient"] for r in json.load(sys.stdin) if r["recipient"]["kind"] == "lead-social-worker"]
print(leads[0]["email"], leads[0]["organisation"]) if leads else print()')
WEB_PORT=${DEMO_WEB_PORT:-8443}
WEB_USERS="ae-desk"
if [ -n "$LEAD" ]; then
  read -r LEAD_EMAIL LEAD_LA <<< "$LEAD"
  $HUB certs client "$LEAD_EMAIL" --organisation "$LEAD_LA" --role social-worker
  $HUB certs client ig-lead --organisation "$LEAD_LA" --role ig-lead
  $HUB certs client safeguarding-manager --organisation "$LEAD_LA" --role safeguarding-manager
  WEB_USERS="ae-desk $LEAD_EMAIL ig-lead safeguarding-manager"
fi
HUB_LOG_LEVEL=WARNING nohup $HUB web --address "127.0.0.1:$WEB_PORT" > "$OUT/web.log" 2>&1 &
echo $! > "$OUT/web.pid"
for _ in $(seq 100); do grep -q "web console on" "$OUT/web.log" && break; sleep 0.2; done
echo "-- $(grep -m 1 "web console on" "$OUT/web.log" || cat "$OUT/web.log")"
echo "-- import a certificate bundle into your browser (each one's password is in the .password file beside it):"
for user in $WEB_USERS; do echo "     $CERTS/client-$user.p12"; done
echo "-- the desk can look up NHS number $NHS; the manager opens /mi?from=$DAY&to=$DAY"
echo "-- stop the console with: kill \$(cat $OUT/web.pid)"

echo
echo "Kafka is still running (hub kafka status / hub kafka stop)."
echo "Read a topic with Kafka's own console consumer:"
echo "  deploy/kafka/console-consumer.sh --topic agency.police.domestic-abuse --from-beginning"
