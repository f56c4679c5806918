"""Seeded random streams: one ``random.Random`` per purpose, all derived from the run's seed.

Separate streams keep parts independent: adding a police rule does not reshuffle the
population. Seeding with a string is stable across Python runs (it does not use ``hash``).
"""

from __future__ import annotations

import math
import random


def stream(seed: int, purpose: str) -> random.Random:
    """A generator for one purpose (``"population"``, ``"ae"``...) of the run with ``seed``."""
    return random.Random(f"hub-generator/{seed}/{purpose}")


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count with the given mean (normal approximation above 50)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count = 0
    product = rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def chance(rng: random.Random, probability: float) -> bool:
    """True with the given probability."""
    return rng.random() < probability


def weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    """Pick a value from ``((value, weight), ...)``."""
    values = [value for value, _ in table]
    weights = [weight for _, weight in table]
    return rng.choices(values, weights)[0]
