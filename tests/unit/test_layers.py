"""The hub's layers: the import contracts in pyproject.toml hold, and the domain stands alone."""

from __future__ import annotations

from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    """No hub package imports upward, none imports the consumers or the tooling."""
    exit_code = lint_imports(
        config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True
    )
    assert 0 == exit_code


def test_domain_imports_nothing_of_the_hub_outside_itself() -> None:
    """hub.domain imports only the standard library, eventsourcing and itself."""
    graph = grimp.build_graph("hub", cache_dir=None)
    outside = sorted(
        f"{importer} -> {imported}"
        for importer in graph.find_descendants("hub.domain") | {"hub.domain"}
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported != "hub.domain" and not imported.startswith("hub.domain.")
    )
    assert [] == outside
