"""The lookup service's metrics: how long lookups take, by outcome, and refusals by status.

Outcomes are the match outcomes (matched, ambiguous, no-record-held) or
``refused``; a refusal is counted by its gRPC status code name (never its
message, which may name a role or an organisation).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LOOKUP_SECONDS = Histogram(
    "hub_lookup_seconds",
    "Time to answer an A&E lookup in the service (policy, read model and audit), by outcome",
    ["outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
LOOKUP_REFUSALS = Counter(
    "hub_lookup_refusals",
    "Lookups refused before any data was read, by gRPC status code",
    ["reason"],
)
