"""GOV.UK Frontend's ``govukAttributes`` macro in Python: the same markup, a tenth of the time.

Every ``govuk-frontend-jinja`` component renders its ``attributes`` parameter through
the library's ``macros/attributes.html``, a Jinja loop with a namespace, a string
``format`` per attribute and several tests per value: a desk answer calls it about
twenty times, and it was the largest single cost of rendering the page. The console's
template folder holds a ``govuk_frontend_jinja/macros/attributes.html`` of its own
(found before the library's) whose macro calls ``govuk_attributes`` below, which
follows the library macro rule by rule (GOV.UK Frontend 6.3's ``attributes.njk``):

* a string is output as it is (already rendered attributes);
* a mapping gives `` name="value"`` for each item, both escaped; a boolean value
  becomes ``true``/``false``;
* an item given as ``{"value": ..., "optional": true}`` is left out when its value is
  missing, ``None`` or ``False``, and is output as the bare `` name`` when it is ``True``;
* an item given as ``{"val": ...}`` (a value marked safe upstream) is unwrapped first.

``tests/unit/test_web_govuk_attributes.py`` checks it against the library's macro.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Undefined
from markupsafe import Markup, escape

_MISSING = object()


def _missing(value: Any) -> bool:
    return value is _MISSING or isinstance(value, Undefined)


def govuk_attributes(attributes: Any) -> Markup:
    """`` name="value"`` pairs for a component's ``attributes`` parameter (see the module)."""
    if isinstance(attributes, str):
        return Markup(attributes)
    if not isinstance(attributes, Mapping) or not attributes:
        return Markup("")
    html = ""
    for name, given in attributes.items():
        value = given
        if isinstance(value, Mapping) and len(value) and not _missing(value.get("val", _MISSING)):
            value = value["val"]
        if isinstance(value, Mapping):
            shown, optional = value.get("value", _MISSING), value.get("optional", _MISSING)
        else:
            shown, optional = (str(value).lower() if isinstance(value, bool) else value), False
        if optional is True and shown is True:
            html = f"{html} {escape(name)}"
        elif optional is not True or not (_missing(shown) or shown is None or shown is False):
            text = "" if _missing(shown) else shown
            html = f'{html} {escape(name)}="{escape(text)}"'
    return Markup(html)
