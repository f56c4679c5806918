"""Synthetic data for the hub: a population of children and each agency's native exports.

Use :func:`generate` (or ``hub generate``); the same arguments always give byte-identical files.
"""

from __future__ import annotations

from synthetic.config import ConfigError, GeneratorConfig, default_start_date
from synthetic.writer import DayCounts, Summary, generate

__all__ = [
    "ConfigError",
    "DayCounts",
    "GeneratorConfig",
    "Summary",
    "default_start_date",
    "generate",
]
