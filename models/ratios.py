"""Quotients the models report: finite or None, never inf or nan."""

from __future__ import annotations

import math

import numpy as np


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by or the quotient has no finite value
    (a cost over 1e-300 users, a load over a quota of 1e-300): every figure reported is finite or None."""
    if not denominator:
        return None
    with np.errstate(over="ignore"):
        q = float(np.float64(numerator) / denominator)
    return q if math.isfinite(q) else None
