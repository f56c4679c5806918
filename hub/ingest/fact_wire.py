"""Agency facts as nested tuples of plain values, to hand them cheaply between processes.

The ingestion worker decodes Avro in a helper process (``hub.ingest.decoder_process``)
and receives the facts back. Pickling the frozen dataclasses cost the worker almost
half of what decoding them itself did; ``marshal`` of plain tuples, rebuilt here
without re-running the dataclasses' ``__init__``, costs about a quarter
(docs/benchmarks.md). Every value in a fact is already a ``str``, ``int``, ``bool``,
``None``, a tuple or a dict of those, which is exactly what ``marshal`` carries.
"""

from __future__ import annotations

import marshal
from dataclasses import fields
from typing import Any

from hub.application.facts import AgencyFact, PlanChange, RollChange, SubjectRef
from hub.domain.chronology import ChronologyEntry
from hub.domain.identity import Demographics
from hub.domain.withdrawal import Update, Withdrawal

Flat = tuple[Any, ...]

_ENTRY_FIELDS = tuple(f.name for f in fields(ChronologyEntry))
_DEMOGRAPHIC_FIELDS = tuple(f.name for f in fields(Demographics))
_PLAN_FIELDS = tuple(f.name for f in fields(PlanChange))
_ROLL_FIELDS = tuple(f.name for f in fields(RollChange))
_SUBJECT_FIELDS = tuple(f.name for f in fields(SubjectRef))
_FACT_FIELDS = tuple(f.name for f in fields(AgencyFact))
_UPDATE_FIELDS = tuple(f.name for f in fields(Update))
_WITHDRAWAL_FIELDS = tuple(f.name for f in fields(Withdrawal))

_new = object.__new__


def flatten(fact: AgencyFact) -> Flat:
    """The fact as nested tuples (field order as the dataclasses declare them)."""
    return (
        fact.event_id,
        fact.agency,
        tuple(
            (
                subject.keys,
                tuple(getattr(subject.demographics, name) for name in _DEMOGRAPHIC_FIELDS),
                subject.index,
                subject.entry_details,
                subject.former_keys,
            )
            for subject in fact.subjects
        ),
        None if fact.entry is None else tuple(getattr(fact.entry, name) for name in _ENTRY_FIELDS),
        fact.household_fanout,
        None
        if fact.plan_change is None
        else tuple(getattr(fact.plan_change, name) for name in _PLAN_FIELDS),
        fact.professionals,
        None
        if fact.update is None
        else tuple(getattr(fact.update, name) for name in _UPDATE_FIELDS),
        None
        if fact.withdrawal is None
        else tuple(getattr(fact.withdrawal, name) for name in _WITHDRAWAL_FIELDS),
        None if fact.roll is None else tuple(getattr(fact.roll, name) for name in _ROLL_FIELDS),
        None
        if fact.replaces is None
        else tuple(getattr(fact.replaces, name) for name in _WITHDRAWAL_FIELDS),
    )


def _build(cls: type[Any], names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    # Frozen dataclasses: filling __dict__ directly skips one object.__setattr__ per field.
    instance = _new(cls)
    instance.__dict__.update(zip(names, values, strict=True))
    return instance


def unflatten(flat: Flat) -> AgencyFact:
    """The fact ``flatten`` was given (equal to it, field for field)."""
    (
        event_id,
        agency,
        subjects,
        entry,
        household_fanout,
        plan_change,
        professionals,
        update,
        withdrawal,
        roll,
        replaces,
    ) = flat
    return _build(  # type: ignore[no-any-return]
        AgencyFact,
        _FACT_FIELDS,
        (
            event_id,
            agency,
            tuple(
                _build(
                    SubjectRef,
                    _SUBJECT_FIELDS,
                    (
                        keys,
                        _build(Demographics, _DEMOGRAPHIC_FIELDS, demographics),
                        index,
                        details,
                        former_keys,
                    ),
                )
                for keys, demographics, index, details, former_keys in subjects
            ),
            None if entry is None else _build(ChronologyEntry, _ENTRY_FIELDS, entry),
            household_fanout,
            None if plan_change is None else _build(PlanChange, _PLAN_FIELDS, plan_change),
            professionals,
            None if update is None else _build(Update, _UPDATE_FIELDS, update),
            None if withdrawal is None else _build(Withdrawal, _WITHDRAWAL_FIELDS, withdrawal),
            None if roll is None else _build(RollChange, _ROLL_FIELDS, roll),
            None if replaces is None else _build(Withdrawal, _WITHDRAWAL_FIELDS, replaces),
        ),
    )


def dumps(items: list[Any]) -> bytes:
    """A list of flattened facts (or other plain values) as bytes; ``ValueError`` otherwise."""
    return marshal.dumps(items)


def loads(data: bytes) -> list[Any]:
    items = marshal.loads(data)
    if not isinstance(items, list):
        raise ValueError("decoded facts must be a list")
    return items
