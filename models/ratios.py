"""Quotients the models report: finite or None, never inf or nan."""

from __future__ import annotations

import math


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by or the quotient has no finite value
    (a cost over 1e-300 users, a load over a quota of 1e-300): every figure reported is finite or None."""
    if not denominator:
        return None
    q = float(numerator) / float(denominator)  # Python floats: an overflow is inf, with no warning to silence
    return q if math.isfinite(q) else None
