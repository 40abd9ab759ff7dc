"""Money as people read it: cents for monthly amounts, three significant digits for tiny per-use costs."""

from __future__ import annotations

import math

from models.report import usd


def money(x: float | None) -> str:
    """$1,234.56; below a cent, three significant digits in plain decimals: $0.00767, $0.00000371."""
    if x is None:
        return "-"
    if x == 0 or abs(x) >= 0.01:
        return usd(x)
    decimals = min(12, 2 - math.floor(math.log10(abs(x))))
    text = f"${abs(x):.{decimals}f}"
    return f"-{text}" if x < 0 else text
