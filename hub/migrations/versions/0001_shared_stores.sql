-- The audit log, the alert store (the outbox for hub.alerts) and the adapters' publish
-- ledger, as SQLite holds them (hub/audit/chain.py, hub/alerts/store.py, adapters/ledger.py).
-- Times are ISO 8601 text compared as text, so they sort bytewise (COLLATE "C") whatever
-- the database's locale.

-- The audit log: records hash-chained and leaves of a Merkle tree; the payload is the
-- exact text that was hashed (never jsonb, which would rewrite it).
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    recorded_at TEXT COLLATE "C" NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_kind ON audit (kind, seq);
CREATE TABLE audit_keys (key TEXT PRIMARY KEY, seq BIGINT NOT NULL);
CREATE TABLE tree_heads (
    id BIGSERIAL PRIMARY KEY,
    size BIGINT NOT NULL,
    root TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    public_key TEXT,
    adopted BIGINT NOT NULL DEFAULT 0,
    frontier TEXT NOT NULL
);

-- The alert store: every alert raised, its state, and the raiser's position.
CREATE TABLE alerts (
    alert_id TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    requirements TEXT NOT NULL,
    child_id TEXT NOT NULL,
    nhs_number TEXT,
    recipient TEXT NOT NULL,
    urgency TEXT NOT NULL,
    headline TEXT NOT NULL,
    content TEXT,
    decision TEXT NOT NULL,
    raised_at TEXT COLLATE "C" NOT NULL,
    deliver_by TEXT COLLATE "C",
    ack_deadline TEXT COLLATE "C" NOT NULL,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    escalates TEXT,
    state TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    escalated_to_level INTEGER NOT NULL DEFAULT 0,
    published INTEGER NOT NULL DEFAULT 0,
    audited INTEGER NOT NULL DEFAULT 0,
    seq BIGINT,
    occurrence_id TEXT NOT NULL DEFAULT '',
    slot TEXT NOT NULL DEFAULT '',
    route_rank INTEGER NOT NULL DEFAULT 0,
    superseded_by TEXT,
    routing TEXT NOT NULL DEFAULT '{}',
    superseded_audited INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alerts_unpublished ON alerts (published, seq);
CREATE INDEX alerts_open ON alerts (state, escalation_level, ack_deadline);
CREATE INDEX alerts_occurrence ON alerts (occurrence_id);
CREATE TABLE positions (name TEXT PRIMARY KEY, value BIGINT NOT NULL);

-- SQLite's json_extract(document, '$.field') for the alert store's queries (one level of
-- string fields: the recipient's organisation and role, the content's agency).
CREATE FUNCTION json_extract(document TEXT, path TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT document::jsonb ->> substr(path, 3) $$;

-- The adapters' publish ledger: which event ids each Kafka cluster has acknowledged.
CREATE TABLE published (
    cluster_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    "offset" BIGINT NOT NULL,
    PRIMARY KEY (cluster_id, event_id)
);
