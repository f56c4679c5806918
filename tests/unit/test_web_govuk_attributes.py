"""The console's ``govukAttributes`` in Python gives exactly the library macro's markup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, PackageLoader, Undefined, select_autoescape
from markupsafe import Markup

from hub.web import pages
from hub.web.govuk_attributes import govuk_attributes
from hub.web.pages import environment

CASES: list[Any] = [
    None,
    Undefined(),
    {},
    'id="x" data-y="1"',
    Markup(' data-module="govuk-button"'),
    {"id": "plan"},
    {"id": "a&b", "data-note": '<script>"x"</script>'},
    {"aria-hidden": True, "hidden": False, "spellcheck": False},
    {"count": 3, "empty": "", "nothing": None},
    {"hidden": {"value": True, "optional": True}},
    {"hidden": {"value": False, "optional": True}},
    {"hidden": {"value": None, "optional": True}},
    {"hidden": {"optional": True}},
    {"hidden": {"value": "", "optional": True}},
    {"title": {"value": "Safe & sound", "optional": False}},
    {"title": {"value": "kept"}},
    {"title": {}},
    {"data-x": {"val": "unwrapped"}},
    {"data-x": {"val": None}},
    {"data-x": {"val": {"value": True, "optional": True}}},
]


def library_macro() -> Any:
    """GOV.UK Frontend Jinja's own macro, in an environment set up as the console's."""
    env = Environment(
        loader=PackageLoader("govuk_frontend_jinja"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("macros/attributes.html").module.govukAttributes  # type: ignore[attr-defined]


@pytest.mark.parametrize("attributes", CASES)
def test_python_attributes_match_the_library_macro(attributes: Any) -> None:
    """Each kind of value (string, mapping, boolean, optional, safe-wrapped) renders the same."""
    assert str(library_macro()(attributes)) == str(govuk_attributes(attributes))


def test_the_console_uses_its_own_attributes_macro() -> None:
    """Components imported by the console's templates render attributes through the Python one."""
    env = environment()
    template = env.get_template("govuk_frontend_jinja/macros/attributes.html")
    assert Path(pages.__file__).parent / "templates" in Path(template.filename or "").parents
