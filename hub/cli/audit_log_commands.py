"""``hub audit``: verify the log, prove a record is in it, check a proof, keys, witnesses.

``verify`` trusts one key, never the public key file beside the log on its own: the key
the IG lead supplies (``--public-key`` or ``--fingerprint``, or ``HUB_AUDIT_KEY_FINGERPRINT``),
else the public half of the configured signing key. The log's first head must pin that
key (or rotations signed by it must lead to it); a public key file that is not one of the
log's keys is reported, as it means someone replaced it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hub.audit.heads import TreeHead, key_fingerprint
from hub.audit.keys import configured_signing_key, load_public_key, load_signing_key, public_pem
from hub.audit.proofs import check_inclusion_proof, inclusion_proof
from hub.audit.witness_file import read_witness_file
from hub.audit.witness_topic import HeadsRelay, heads_relay_path, read_witness_topic
from hub.bootstrap import System
from hub.cli.signals import stop_event_on_signals
from hub.config import Settings


def register(which: Any) -> None:
    verify = which.add_parser(
        "verify", help="check the chain, every signed tree head, the time bound, the witnesses"
    )
    trust = verify.add_mutually_exclusive_group()
    trust.add_argument("--public-key", help="the IG lead's copy of the audit public key (PEM)")
    trust.add_argument("--fingerprint", help="the audit key's SHA-256 fingerprint (hub audit key)")
    verify.add_argument(
        "--witness",
        action="append",
        metavar="topic|FILE",
        help="compare with the heads witnessed on Kafka (topic) or in a witness file",
    )
    verify.add_argument("--bound", type=float, help="seconds a record may wait for its head")
    verify.set_defaults(func=run_verify)

    prove = which.add_parser("prove", help="an inclusion proof for one record (JSON)")
    prove.add_argument("record", type=int, help="the record's sequence number")
    prove.set_defaults(func=run_prove)

    check = which.add_parser(
        "check-proof", help="check an inclusion proof with the public key alone"
    )
    check.add_argument("proof", help="the proof file (hub audit prove), or - for stdin")
    check.add_argument("--public-key", required=True, help="the audit public key (PEM)")
    check.set_defaults(func=run_check_proof)

    key = which.add_parser("key", help="the audit public key and its fingerprint, to keep a copy")
    key.set_defaults(func=run_key)

    rotate = which.add_parser(
        "rotate-key", help="hand the log to a new signing key (the current key signs the handover)"
    )
    rotate.add_argument("new_key", help="the new Ed25519 private key (PEM)")
    rotate.set_defaults(func=run_rotate)

    publish = which.add_parser("publish-heads", help="publish signed heads to hub.audit.heads")
    publish.add_argument("--follow", action="store_true", help="keep publishing until stopped")
    publish.set_defaults(func=run_publish_heads)


def _trusted(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    if args.public_key:
        return load_public_key(Path(args.public_key)), f"the key in {args.public_key}"
    fingerprint = args.fingerprint or settings.audit_key_fingerprint
    if fingerprint:
        return fingerprint, f"fingerprint {fingerprint[:16]}"
    key = configured_signing_key(settings.audit_signing_key, settings.data_dir).public_key()
    return key, "the configured signing key"


def _witnessed(names: list[str], settings: Settings) -> list[TreeHead]:
    heads: list[TreeHead] = []
    for name in names:
        if name == "topic":
            heads.extend(read_witness_topic(settings.kafka_bootstrap, settings.topics.audit_heads))
        else:
            heads.extend(read_witness_file(Path(name)))
    return heads


def run_verify(args: argparse.Namespace, system: System) -> int:
    settings = system.settings
    trusted, described = _trusted(args, settings)
    witnessed = _witnessed(args.witness, settings) if args.witness else None
    log = system.audit()
    try:
        result = log.verify(
            trusted,
            bound_s=settings.audit_head_bound_s if args.bound is None else args.bound,
            witnessed=witnessed,
        )
    finally:
        log.close()
    problems = list(result.problems)
    key_file = settings.audit_public_key_path
    if (
        key_file.exists()
        and result.key_ids
        and key_fingerprint(load_public_key(key_file)) not in result.key_ids
    ):
        problems.append(f"{key_file} is not one of the log's keys (public key file replaced?)")
    for note in result.notes:
        print(f"note: {note}")
    if not problems:
        print(
            f"audit log intact: {result.records} records, {result.heads} signed tree heads,"
            f" checked against {described}"
        )
        return 0
    for problem in problems:
        print(f"TAMPERED: {problem}")
    return 1


def run_prove(args: argparse.Namespace, system: System) -> int:
    log = system.audit()
    try:
        heads = log.heads()
        if not heads:
            print("the audit log has no signed head yet", file=sys.stderr)
            return 2
        newest = max(heads, key=lambda head: head.size)
        try:
            proof = inclusion_proof(log.stored_records(), newest, args.record)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
    finally:
        log.close()
    print(json.dumps(proof, indent=2))
    return 0


def run_check_proof(args: argparse.Namespace, system: System) -> int:
    text = sys.stdin.read() if args.proof == "-" else Path(args.proof).read_text(encoding="utf-8")
    proof = json.loads(text)
    problems = check_inclusion_proof(proof, load_public_key(Path(args.public_key)))
    if problems:
        for problem in problems:
            print(f"INVALID: {problem}")
        return 1
    record, head = proof["record"], proof["tree_head"]
    print(
        f"valid: record {record['seq']} ({record['kind']}, {record['recorded_at'][:19]}) is in"
        f" the audit log of {head['size']} records signed {head['signed_at'][:19]}"
        f" by key {head['key_id'][:16]}"
    )
    return 0


def run_key(args: argparse.Namespace, system: System) -> int:
    settings = system.settings
    key = configured_signing_key(settings.audit_signing_key, settings.data_dir).public_key()
    print(f"fingerprint {key_fingerprint(key)}")
    print(public_pem(key).decode(), end="")
    return 0


def run_rotate(args: argparse.Namespace, system: System) -> int:
    new_key = load_signing_key(Path(args.new_key))
    log = system.audit()
    try:
        record = log.rotate_key(new_key)
    finally:
        log.close()
    print(
        f"record {record.seq}: the audit log is now signed by key"
        f" {key_fingerprint(new_key.public_key())}; set HUB_AUDIT_SIGNING_KEY={args.new_key}"
        " and restart every process that appends"
    )
    return 0


def run_publish_heads(args: argparse.Namespace, system: System) -> int:
    settings = system.settings
    log = system.audit()
    relay = HeadsRelay(
        log, settings.kafka_bootstrap, heads_relay_path(settings), settings.topics.audit_heads
    )
    try:
        if args.follow:
            relay.run(stop_event_on_signals())
        else:
            print(f"{relay.relay_pending()} heads published")
    finally:
        relay.close()
        log.close()
    return 0
