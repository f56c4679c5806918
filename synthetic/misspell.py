"""Misspellings as agency staff make them: known spelling variants, swapped or slipped letters."""

from __future__ import annotations

import random

# Each group is a set of spellings people use interchangeably for the same name.
_VARIANT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("Jayden", "Jaden", "Jaiden", "Jaydon"),
    ("Mohammed", "Mohammad", "Muhammad", "Mohamed"),
    ("Aiden", "Aidan", "Ayden"),
    ("Kayden", "Caden", "Kaden"),
    ("Reece", "Rhys", "Reese"),
    ("Connor", "Conor"),
    ("Callum", "Calum"),
    ("Zachary", "Zackary", "Zachery"),
    ("Isabel", "Isobel", "Isabelle"),
    ("Sophie", "Sophy"),
    ("Zoe", "Zoey", "Zoie"),
    ("Leah", "Lea", "Leia"),
    ("Layla", "Leila", "Laila", "Lailah"),
    ("Kayleigh", "Kayley", "Kaylee", "Caleigh"),
    ("Aisha", "Ayesha", "Aysha"),
    ("Fatima", "Fatimah"),
    ("Hannah", "Hanna"),
    ("Lucy", "Lucie"),
    ("Ellie", "Elly"),
    ("Freya", "Freja"),
    ("Sara", "Sarah"),
    ("Maryam", "Mariam", "Miriam"),
    ("Kiera", "Keira", "Kira"),
    ("Hollie", "Holly"),
    ("Yusuf", "Yousef", "Yusef"),
    ("Ibrahim", "Ebrahim"),
    ("Thompson", "Thomson", "Tompson"),
    ("Davies", "Davis"),
    ("Phillips", "Philips"),
    ("Matthews", "Mathews"),
    ("Macdonald", "McDonald", "MacDonald"),
    ("Reid", "Read", "Reed"),
    ("Clarke", "Clark"),
    ("Hussain", "Hussein", "Husain"),
    ("Ahmed", "Ahmad"),
    ("Stephenson", "Stevenson"),
    ("Johnston", "Johnstone"),
    ("Gray", "Grey"),
    ("Nowak", "Novak"),
    ("Kowalski", "Kowalsky"),
    ("Chaudhry", "Choudhury", "Chaudhary"),
    ("Mahmood", "Mahmud"),
)

_VARIANTS: dict[str, tuple[str, ...]] = {
    name: tuple(other for other in group if other != name)
    for group in _VARIANT_GROUPS
    for name in group
}

# Keys next to each other on a UK keyboard: the typing slips a receptionist makes.
_NEIGHBOURS: dict[str, str] = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}  # fmt: skip


def misspell(name: str, rng: random.Random) -> str:
    """Return a plausible misspelling of ``name``, always different from it."""
    variants = _VARIANTS.get(name)
    if variants and rng.random() < 0.7:
        return rng.choice(variants)
    for _ in range(8):
        candidate = _typo(name, rng)
        if candidate != name and len(candidate) >= 2:
            return candidate
    return name + name[-1]


def _typo(name: str, rng: random.Random) -> str:
    """One slip: swap two adjacent letters, hit a neighbouring key, drop or double a letter."""
    if len(name) < 3:
        return name + name[-1]
    kind = rng.randrange(4)
    i = rng.randrange(1, len(name) - 1)
    if kind == 0:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == 1:
        neighbours = _NEIGHBOURS.get(name[i].lower(), "")
        if not neighbours:
            return name[:i] + name[i + 1 :]
        return name[:i] + rng.choice(neighbours) + name[i + 1 :]
    if kind == 2:
        return name[:i] + name[i + 1 :]
    return name[: i + 1] + name[i] + name[i + 1 :]


def known_variants(name: str) -> tuple[str, ...]:
    """The other accepted spellings of ``name`` (empty if none are known)."""
    return _VARIANTS.get(name, ())
