"""Normalising and comparing names as agencies record them (case, accents, typos, variants)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Spelling variants that are the same name as far as matching goes. Illustrative, not exhaustive.
_VARIANT_GROUPS = (
    {"MOHAMMED", "MOHAMMAD", "MUHAMMAD", "MOHAMED", "MUHAMMED"},
    {"JAYDEN", "JADEN", "JAIDEN", "JAYDON"},
    {"SOPHIE", "SOPHIA", "SOFIA"},
    {"ISABELLE", "ISABEL", "ISABELLA", "IZZY"},
    {"LEWIS", "LOUIS"},
    {"KATIE", "KATY", "KATHERINE", "CATHERINE"},
    {"ZACHARY", "ZAC", "ZACK", "ZAK"},
    {"ALEXANDER", "ALEX", "ALEKSANDER"},
)
_VARIANTS = {name: frozenset(group) for group in _VARIANT_GROUPS for name in group}


def normalise(name: str | None) -> str:
    """Upper case, no accents or punctuation, single spaces: "O'Brien-Smith" -> "OBRIEN SMITH"."""
    if not name:
        return ""
    return _normalised(name)


@lru_cache(maxsize=65536)
def _normalised(name: str) -> str:
    # Cached: matching normalises both names of every candidate pair, and the same names
    # recur across a birth-date bucket (about 3 us each, uncached; docs/benchmarks.md).
    decomposed = unicodedata.normalize("NFKD", name)
    letters = [c for c in decomposed if not unicodedata.combining(c)]
    cleaned = "".join(c if c.isalpha() else (" " if c in " -" else "") for c in letters)
    return " ".join(cleaned.upper().split())


def similarity(left: str, right: str) -> float:
    """1.0 the same normalised name; 0.6 a likely misspelling or variant; 0.0 different."""
    a, b = normalise(left), normalise(right)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    if b in _VARIANTS.get(a, frozenset()):
        return 0.6
    if _within_one_edit(a, b):
        return 0.6
    return 0.0


def _within_one_edit(a: str, b: str) -> bool:
    """One substitution, insertion, deletion or adjacent transposition (names of 3+ letters)."""
    if min(len(a), len(b)) < 3 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differences = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(differences) == 1:
            return True
        if len(differences) == 2:
            i, j = differences
            return j == i + 1 and a[i] == b[j] and a[j] == b[i]
        return False
    # One letter more: skip the longer name's first differing letter, and the rest must agree.
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    pairs = zip(shorter, longer, strict=False)
    first = next((i for i, (x, y) in enumerate(pairs) if x != y), len(shorter))
    return longer[first + 1 :] == shorter[first:]
