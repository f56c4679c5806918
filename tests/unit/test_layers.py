"""The hub's layers: the import contracts in pyproject.toml hold, and the domain stands alone."""

from __future__ import annotations

import tomllib
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


def test_every_hub_package_has_a_layer() -> None:
    """A new package under hub/ cannot escape the layers contract by not being named in it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    layered = {name.strip() for layer in layers for name in layer.split("|")}
    packages = {
        f"hub.{path.name}" for path in (ROOT / "hub").iterdir() if (path / "__init__.py").is_file()
    }
    assert set() == packages - layered


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
