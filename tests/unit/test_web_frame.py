"""The frame's fixed parts: rendered once and kept, except what was typed, never kept."""

from __future__ import annotations

from pathlib import Path

from hub.web.frame import Once
from tests.fixtures.console import ConsoleWorld, client, console_world


def test_a_fixed_fragment_is_rendered_once_and_kept() -> None:
    """The second use of a fixed fragment returns the first rendering without rendering again."""
    once, calls = Once(), []

    def fragment() -> str:
        calls.append(1)
        return "<p>fixed</p>"

    first = once.fixed("form", caller=fragment)
    second = once.fixed("form", caller=fragment)
    assert ("<p>fixed</p>", "<p>fixed</p>", 1) == (str(first), str(second), len(calls))


def test_a_fragment_shown_with_what_was_typed_is_never_kept() -> None:
    """``when`` false (a form shown again with its errors): rendered each time, nothing kept."""
    once = Once()
    typed = iter(["943 476 5918", "943 476 5917"])
    shown = [str(once.fixed("form", when=False, caller=lambda: next(typed))) for _ in range(2)]
    after = str(once.fixed("form", caller=lambda: "<p>empty form</p>"))
    assert (["943 476 5918", "943 476 5917"], "<p>empty form</p>") == (shown, after)


def test_the_desk_form_shown_again_keeps_each_callers_own_input(tmp_path: Path) -> None:
    """Two bad searches in turn: each page shows its own typed number, the empty form none."""
    with console_world(tmp_path) as world:
        pages = [_bad_search(world, number) for number in ("98765 4321X", "98765 4321Y")]
        empty = client(world, "desk").get("/desk").text
    assert 'value="98765 4321X"' in pages[0] and 'value="98765 4321Y"' in pages[1]
    assert "98765 4321" not in empty


def _bad_search(world: ConsoleWorld, number: str) -> str:
    browser = client(world, "desk")
    form = browser.get("/desk").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    page = browser.post("/desk", data={"csrf_token": token, "search": "nhs", "nhs_number": number})
    assert 400 == page.status_code
    return page.text
