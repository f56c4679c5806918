"""The hub's layers: the import contracts in pyproject.toml hold, and the domain stands alone."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    """No hub package imports upward, none imports the consumers or the tooling."""
    exit_code = lint_imports(
        config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True
    )
    assert 0 == exit_code


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _layers() -> list[set[str]]:
    """The layers contract's layers, top first, each as the set of its modules."""
    layers = next(c["layers"] for c in _contracts() if c["type"] == "layers")
    return [{name.strip() for name in layer.split("|")} for layer in layers]


def _hub_modules() -> set[str]:
    """Every package and module directly under hub/ (hub.cli, hub.config, hub.__main__...)."""
    return {
        f"hub.{path.stem}"
        for path in (ROOT / "hub").iterdir()
        if (path.is_dir() and (path / "__init__.py").is_file())
        or (path.suffix == ".py" and path.name != "__init__.py")
    }


def test_every_hub_package_and_module_has_a_layer() -> None:
    """A new package or module under hub/ cannot escape the layers contract by not being named."""
    layered = set().union(*_layers())
    assert set() == _hub_modules() - layered
    assert set() == layered - _hub_modules()


def test_every_layer_below_the_composition_root_is_kept_from_the_consumers() -> None:
    """Each hub module layered below hub.bootstrap is a source of the no-consumers contract."""
    layers = _layers()
    below = set().union(*layers[layers.index({"hub.bootstrap"}) + 1 :])
    forbidden = next(
        c
        for c in _contracts()
        if c["type"] == "forbidden"
        and c["forbidden_modules"] == ["consumers"]
        and "hub.domain" in c["source_modules"]
    )
    assert set() == below - set(forbidden["source_modules"])


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
