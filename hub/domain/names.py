"""Normalising and comparing names as agencies record them (case, accents, typos, variants).

``likeness`` says *how* two names relate (the same, a letter apart, a spelling variant, a
short form, sharing part of a double-barrelled name), so that a person reviewing a
possible match is told why it is only possible. Only ``Likeness.SAME`` may ever support
an automatic link; every other likeness sends a record to review.
"""

from __future__ import annotations

import unicodedata
from enum import Enum
from functools import lru_cache

# Spelling variants that are the same name as far as matching goes. Illustrative, not exhaustive.
_VARIANT_GROUPS = (
    {"MOHAMMED", "MOHAMMAD", "MUHAMMAD", "MOHAMED", "MUHAMMED"},
    {"JAYDEN", "JADEN", "JAIDEN", "JAYDON"},
    {"SOPHIE", "SOPHIA", "SOFIA", "SOPHY"},
    {"ISABELLE", "ISABEL", "ISABELLA", "ISOBEL"},
    {"LEWIS", "LOUIS"},
    {"KATIE", "KATY", "KATHERINE", "CATHERINE", "KATHRYN"},
    {"ALEXANDER", "ALEKSANDER"},
    {"REECE", "RHYS", "REESE"},
    {"LAYLA", "LEILA", "LAILA", "LAILAH"},
    {"KAYLEIGH", "KAYLEY", "KAYLEE", "CALEIGH"},
    {"MARYAM", "MARIAM", "MIRIAM"},
    {"YUSUF", "YOUSEF", "YUSEF"},
    {"IBRAHIM", "EBRAHIM"},
    {"ZACHARY", "ZACKARY", "ZACHERY"},
    {"CHAUDHRY", "CHOUDHURY", "CHAUDHARY"},
    {"STEPHENSON", "STEVENSON"},
    {"MACDONALD", "MCDONALD"},
    {"REID", "READ", "REED"},
    {"HUSSAIN", "HUSSEIN", "HUSAIN"},
    {"MAHMOOD", "MAHMUD"},
    {"KAYDEN", "CADEN", "KADEN"},
    {"ZOE", "ZOEY", "ZOIE"},
    {"LEAH", "LEA", "LEIA"},
    {"LUCY", "LUCIE"},
    {"ELLIE", "ELLY"},
    {"FREYA", "FREJA"},
    {"KIERA", "KEIRA", "KIRA"},
    {"HOLLIE", "HOLLY"},
    {"AISHA", "AYESHA", "AYSHA"},
    {"THOMPSON", "THOMSON", "TOMPSON"},
    {"DAVIES", "DAVIS"},
    {"CLARKE", "CLARK"},
    {"JOHNSTON", "JOHNSTONE"},
    {"GRAY", "GREY"},
    {"NOWAK", "NOVAK"},
)
# Short forms and nicknames: the name a child is known by rather than their legal name.
_NICKNAME_GROUPS = (
    {"ALEXANDER", "ALEX", "XANDER"},
    {"ALEXANDRA", "ALEX", "LEXI", "LEXIE"},
    {"THOMAS", "TOM", "TOMMY"},
    {"WILLIAM", "WILL", "BILLY", "BILL"},
    {"JONATHAN", "JON", "JONNY", "JONTY"},
    {"JOHN", "JOHNNY", "JACK"},
    {"JOSEPH", "JOE", "JOEY"},
    {"SAMUEL", "SAM", "SAMMY"},
    {"SAMANTHA", "SAM", "SAMMY"},
    {"DANIEL", "DAN", "DANNY"},
    {"MATTHEW", "MATT", "MATTY"},
    {"CHRISTOPHER", "CHRIS"},
    {"BENJAMIN", "BEN", "BENNY"},
    {"ALFRED", "ALFIE", "ALF"},
    {"EDWARD", "EDDIE", "TED", "TEDDY", "ED"},
    {"FREDERICK", "FREDDIE", "FRED", "FREDDY"},
    {"HENRY", "HARRY", "HAL"},
    {"ROBERT", "ROB", "ROBBIE", "BOBBY", "BOB"},
    {"ZACHARY", "ZAC", "ZACK", "ZAK"},
    {"OLIVER", "OLLIE", "OLLY"},
    {"THEODORE", "THEO", "TEDDY"},
    {"ANTHONY", "TONY"},
    {"NATHAN", "NATE"},
    {"NATHANIEL", "NATE", "NAT"},
    {"ELIZABETH", "LIZZIE", "LIZZY", "BETH", "ELIZA", "LIBBY"},
    {"ELEANOR", "ELLIE", "NELL", "NELLIE"},
    {"KATHERINE", "KATE", "KAT", "KATIE"},
    {"CATHERINE", "CATH", "CATE", "KATIE"},
    {"ISABELLA", "ISABEL", "IZZY", "ISSY", "BELLA"},
    {"JESSICA", "JESS", "JESSIE"},
    {"ABIGAIL", "ABBIE", "ABBY"},
    {"MATILDA", "TILLY", "TILDA"},
    {"CHARLOTTE", "LOTTIE", "CHARLIE"},
    {"CHARLES", "CHARLIE", "CHARLEY"},
    {"FLORENCE", "FLO", "FLOSSIE"},
    {"MARGARET", "MAGGIE", "PEGGY"},
    {"VICTORIA", "VICKY", "TORI"},
    {"REBECCA", "BECKY", "BEX"},
    {"JOANNA", "JO", "JOJO"},
    {"JOSEPHINE", "JO", "JOSIE"},
    {"GABRIELLA", "GABBY", "ELLA"},
    {"JOSHUA", "JOSH"},
    {"SEBASTIAN", "SEB"},
    {"TOBIAS", "TOBY"},
    {"DOMINIC", "DOM"},
    {"GABRIEL", "GABE"},
    {"ELIJAH", "ELI"},
    {"EVELYN", "EVIE", "EVE"},
    {"AMELIA", "MILLIE", "AMY"},
    {"IMOGEN", "IMMY"},
    {"GEORGIA", "GEORGIE"},
    {"GEORGINA", "GEORGIE", "GINA"},
)


def _related(groups: tuple[set[str], ...]) -> dict[str, frozenset[str]]:
    related: dict[str, set[str]] = {}
    for group in groups:
        for name in group:
            related.setdefault(name, set()).update(group - {name})
    return {name: frozenset(others) for name, others in related.items()}


_VARIANTS = _related(_VARIANT_GROUPS)
_NICKNAMES = _related(_NICKNAME_GROUPS)


class Likeness(Enum):
    """How two recorded names relate."""

    SAME = "same"
    ONE_LETTER = "one letter different"
    TWO_LETTERS = "two letters different"
    VARIANT = "a spelling variant"
    NICKNAME = "a short form or nickname"
    PART = "shares only part of a double-barrelled name"
    MISSING = "missing"
    DIFFERENT = "different"

    @property
    def near(self) -> bool:
        """Not the same name, but plausibly the same person's (a person must decide)."""
        return self in _NEAR


_NEAR = frozenset(
    {
        Likeness.ONE_LETTER,
        Likeness.TWO_LETTERS,
        Likeness.VARIANT,
        Likeness.NICKNAME,
        Likeness.PART,
    }
)


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


def name_key(name: str | None) -> str:
    """The letters of a name only: "Mary-Ann", "Mary Ann" and "MARY - ANN" are one key."""
    return normalise(name).replace(" ", "")


def likeness(left: str | None, right: str | None) -> Likeness:
    """How two names relate; only ``SAME`` (equal letters after normalising) is exact."""
    a, b = normalise(left), normalise(right)
    if not a or not b:
        return Likeness.MISSING
    if a.replace(" ", "") == b.replace(" ", ""):
        return Likeness.SAME
    return _likeness_of_normalised(a, b)


@lru_cache(maxsize=65536)
def _likeness_of_normalised(a: str, b: str) -> Likeness:
    if b in _VARIANTS.get(a, frozenset()):
        return Likeness.VARIANT
    if b in _NICKNAMES.get(a, frozenset()):
        return Likeness.NICKNAME
    letters_a, letters_b = a.replace(" ", ""), b.replace(" ", "")
    if _within_one_edit(letters_a, letters_b) or _one_letter_dropped(letters_a, letters_b):
        return Likeness.ONE_LETTER
    if min(len(letters_a), len(letters_b)) >= 4 and _within_two_edits(letters_a, letters_b):
        return Likeness.TWO_LETTERS
    words_a, words_b = set(a.split()), set(b.split())
    if (len(words_a) > 1 or len(words_b) > 1) and any(len(w) >= 2 for w in words_a & words_b):
        return Likeness.PART
    return Likeness.DIFFERENT


def similarity(left: str, right: str) -> float:
    """1.0 the same normalised name; 0.6 a likely misspelling, variant or short form; else 0."""
    found = likeness(left, right)
    if found is Likeness.SAME:
        return 1.0
    return 0.6 if found.near else 0.0


def _one_letter_dropped(a: str, b: str) -> bool:
    """A two-letter name that is a three-letter name less one letter ("MA" for "MIA")."""
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    if (len(shorter), len(longer)) != (2, 3):
        return False
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(3))


def _within_two_edits(a: str, b: str) -> bool:
    """Optimal-string-alignment distance at most 2 (two slips: "NIVO" and "NUCO")."""
    if abs(len(a) - len(b)) > 2:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > 2:
            return False
        previous2, previous = previous, current
    return previous[len(b)] <= 2


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
