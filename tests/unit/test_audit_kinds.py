"""Every kind of audit record is catalogued, so the IG lead can select it; no other is written."""

from __future__ import annotations

import argparse
import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.delivery_audit import DELIVERED, FAILED
from hub.application.break_glass import GRANT, REVIEW
from hub.audit.chain import AuditLog
from hub.audit.heads import ROTATION_KIND
from hub.audit.kinds import GROUPS, KINDS, UnknownRecordKindError
from hub.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("hub", "consumers", "adapters")


@pytest.fixture
def audit_log(tmp_path: Path) -> Iterator[AuditLog]:
    log = AuditLog(tmp_path / "audit.sqlite", Ed25519PrivateKey.generate())
    yield log
    log.close()


def _disclosures_parser() -> argparse.ArgumentParser:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert isinstance(subparsers.choices, dict)
    found: argparse.ArgumentParser = subparsers.choices["disclosures"]
    return found


def test_every_kind_and_group_is_a_choice_of_disclosures_kind() -> None:
    """`hub disclosures --kind` accepts each catalogued kind and group, and nothing else."""
    parser = _disclosures_parser()
    action = next(a for a in parser._actions if a.dest == "kind")
    assert set(KINDS) | set(GROUPS) == set(action.choices or ())


def test_every_kind_is_named_in_the_help_of_disclosures() -> None:
    """`hub disclosures --help` lists every kind, by group."""
    text = "".join(_disclosures_parser().format_help().split())
    assert [] == [kind for kind in [*KINDS, *GROUPS] if kind not in text]


def test_no_group_shares_a_kinds_name() -> None:
    """A name given to --kind means one thing: a kind or a group."""
    assert set() == set(KINDS) & set(GROUPS)
    assert set(GROUPS) == {kind.group for kind in KINDS.values()}


def test_the_log_refuses_a_kind_not_in_the_catalogue(audit_log: AuditLog) -> None:
    """A record of a new kind cannot be written until it is catalogued (and so selectable)."""
    with pytest.raises(UnknownRecordKindError):
        audit_log.append("alert-forwarded", [{"alert_id": "a"}])
    assert [] == audit_log.records()


def test_the_kind_constants_of_the_code_are_catalogued() -> None:
    """Kinds the code names by constant (break glass, key rotation, deliveries) are catalogued."""
    assert set() == {GRANT, GRANT + "-refused", REVIEW, ROTATION_KIND, DELIVERED, FAILED} - set(
        KINDS
    )


class _KindFinder:
    """The kinds a module passes to an audit log's ``append`` or ``append_batch``."""

    def __init__(self, path: Path) -> None:
        self.module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.constants = {
            target.id: node.value
            for node in self.tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        self.imported = {
            alias.asname or alias.name: node.module
            for node in ast.walk(self.tree)
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names
        }
        self.kinds: set[str] = set()
        self.unresolved: list[str] = []

    def resolve(self, node: ast.AST, scope: ast.AST, strict: bool = True) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self.resolve(node.body, scope) | self.resolve(node.orelse, scope)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.resolve(node.left, scope), self.resolve(node.right, scope)
            return {a + b for a in left for b in right}
        if isinstance(node, ast.Name):
            assigned = [
                n.value
                for n in ast.walk(scope)
                if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)
            ]
            if assigned:
                return set().union(*(self.resolve(v, scope, strict) for v in assigned))
            if node.id in self.constants:
                return self.resolve(self.constants[node.id], self.tree)
            if node.id in self.imported:
                value = getattr(importlib.import_module(self.imported[node.id]), node.id)
                return {value} if isinstance(value, str) else set()
        if strict:
            self.unresolved.append(f"{self.module}:{getattr(node, 'lineno', '?')}")
        return set()

    def find(self) -> _KindFinder:
        scopes = [n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)]
        for scope in scopes:
            for call in ast.walk(scope):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                    continue
                receiver = ast.unparse(call.func.value).rsplit(".", 1)[-1]
                if receiver not in ("audit", "_audit") or not call.args:
                    continue
                if call.func.attr == "append":
                    self.kinds |= self.resolve(call.args[0], scope)
                elif call.func.attr == "append_batch":
                    self.kinds |= self._batch_kinds(call.args[0], scope)
        return self

    def _batch_kinds(self, items: ast.expr, scope: ast.AST) -> set[str]:
        """Kinds of ``(kind, payload)`` pairs given inline, or built up in a named list."""
        if isinstance(items, ast.List):
            pairs = items.elts
        elif isinstance(items, ast.ListComp | ast.GeneratorExp):
            pairs = [items.elt]
        else:  # a list built in the function: every (constant kind, payload) pair in it
            found: set[str] = set()
            for pair in ast.walk(scope):
                if isinstance(pair, ast.Tuple) and isinstance(pair.ctx, ast.Load):
                    first = pair.elts[0] if len(pair.elts) == 2 else None
                    if isinstance(first, ast.Constant | ast.Name):
                        found |= self.resolve(first, scope, strict=False)
            return found
        kinds: set[str] = set()
        for pair in pairs:
            if isinstance(pair, ast.Tuple) and len(pair.elts) == 2:
                kinds |= self.resolve(pair.elts[0], scope)
            else:
                self.unresolved.append(f"{self.module}:{pair.lineno}")
        return kinds
        return self


def test_every_kind_the_code_writes_is_catalogued() -> None:
    """Read from the source: each kind passed to an audit log's append is in the catalogue."""
    finders = [
        _KindFinder(path).find()
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
    ]
    written = set().union(*(finder.kinds for finder in finders))
    assert {"disclosure", "access-refused", "alert-raised", "alert-delivered"} <= written
    assert set() == written - set(KINDS)
    assert [] == [site for finder in finders for site in finder.unresolved]
