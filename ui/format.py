"""How values read on screen: money (cents for monthly amounts, three significant digits for tiny per-use
costs) and user text (names, file names, messages that quote a scenario) shown literally, never as markup."""

from __future__ import annotations

import html
import math
import re
from decimal import Decimal
from functools import partial

from models.report import finite, percent, quantity, unit_price, usd, users

__all__ = ["finite", "percent", "quantity", "unit_price", "usd", "users"]  # the CLI's rules, shared


def money(x: float | None) -> str:
    """$1,234.56; below a cent, three significant figures in plain decimals: $0.00767, $0.000028,
    $0.0000002 (never scientific notation); None, NaN and Inf read "-"."""
    return usd(x, small=True)


# Streamlit renders Markdown in st.markdown, st.caption, st.success/error/..., headers, and in every label
# and help text. Backslash escapes stop the parser (links, images, emphasis, code, raw HTML, $math$,
# :directives[], entities). Some rules run later on the parsed text, where escapes are already gone: emoji
# and icon shortcodes (:smile:, :material_home:), and GFM's bare links (http://..., www...., a@b.c). An
# invisible word joiner (U+2060) inside ":x", "www." and "@x" keeps those from matching.
_SPECIAL = re.compile(r"([\\`*_\[\]<>&$:~|#])")
_JOINER = "\u2060"
_TEXT_RULES = re.compile(r"(?<=\\:)(?=\S)|(?<=@)(?=\S)|(?i:(?<=www)(?=\.))")
_LIST_START = re.compile(r"^([-+])|^(\d+)([.)])")  # "- x", "1. x" at the start would be a list


def sentence(text: object) -> str:
    """`text` as a sentence of its own: an error message written to follow "error: ", first letter capitalised."""
    s = str(text)
    return s[:1].upper() + s[1:]


def md(text: object) -> str:
    """Markdown that Streamlit shows as exactly `text`, on one line (runs of whitespace read as one space,
    as in any Markdown)."""
    s = " ".join(str(text).split())
    s = _SPECIAL.sub(r"\\\1", s)
    s = _LIST_START.sub(lambda m: "\\" + m[1] if m[1] else m[2] + "\\" + m[3], s)
    return _TEXT_RULES.sub(_JOINER, s)


def plot_text(text: object) -> str:
    """Text for a plotly label (trace name, category, title, hover text): plotly reads <b>, <a href> and
    entities in these; escaped, they show as typed (plotly turns &lt; &gt; &amp; back into characters)."""
    return html.escape(str(text), quote=False)


# ---------------------------------------------------------------- table columns
# Every table (ui/tables.py, ui/review_report.py) declares the kind of its number columns with `declare`;
# the app, the HTML reports and nothing else read those kinds, so no format is guessed from a column's
# name (a variant or tier may be called "x (%)"). The CSV downloads hold the raw numbers.

USD = "usd"  # a monthly or total amount: cents
USD_PER_USER = "usd per user"  # cents, and 3 significant figures below a cent
USD_PER_USE = "usd per use"  # per use and unit prices: the small digits kept, in plain decimals
PERCENT = "percent"  # 0..100, one decimal ("<0.1%" for a non-zero value that would round to 0)
PERCENT_FINE = "percent fine"  # 0..100, two decimals (capacity utilization)
COUNT = "count"  # uses, quantities: thousands separators
USERS = "users"  # whole people
RATE = "rate"  # capacity peaks and rates: four significant digits


def _rate(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else quantity(float(f"{x:.4g}"))


_BY_KIND = {
    USD: usd,
    USD_PER_USER: money,
    USD_PER_USE: money,
    PERCENT: percent,
    PERCENT_FINE: lambda p: percent(p, 2),
    COUNT: quantity,
    USERS: users,
    RATE: _rate,
}


def declare(df, kinds: dict[str, str]):
    """`df` with the kinds of its number columns (column -> kind) attached; returns `df`."""
    unknown = set(kinds) - set(df.columns)
    if unknown:  # a renamed column would silently lose its format
        raise ValueError(f"kinds for columns the table lacks: {sorted(unknown)}")
    bad = set(kinds.values()) - set(_BY_KIND)
    if bad:
        raise ValueError(f"unknown column kinds: {sorted(bad)}")
    df.attrs["kinds"] = dict(kinds)
    return df


def kinds(df) -> dict[str, str]:
    """The kinds a table declared (an empty dict for a table that declared none)."""
    return df.attrs.get("kinds", {})


def cell(kind: str | None, value) -> str:
    """One value as a person reads it, in the app's tables and the HTML reports alike: by its column's kind,
    a plain quantity for a number of no declared kind; None, NaN and Inf read "-"."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "-" if value is None else str(value)
    if not finite(value):
        return "-"
    return _BY_KIND.get(kind, quantity)(value)


def styled(df):
    """A pandas Styler of `df` (or of a Styler's frame, keeping its styles) whose shown text follows the
    declared kinds; the numbers beneath stay numbers, so a table still sorts by value."""
    styler = df if hasattr(df, "data") else df.style
    frame = styler.data
    numeric = [c for c in frame.columns if c in kinds(frame) or frame[c].dtype.kind in "fiu"]
    declared = kinds(frame)
    return styler.format({c: partial(cell, declared.get(c)) for c in numeric})


def csv_text(df) -> str:
    """A table's raw numbers as CSV (a Styler's frame for a Styler), every digit kept, in plain decimals
    (0.000000250001854729843, not 2.5e-07); a missing or non-finite figure is an empty cell, never "nan",
    "None" or "inf"."""
    frame = getattr(df, "data", df)
    frame = frame.replace([math.inf, -math.inf], math.nan)  # float columns stay float: na_rep writes ""
    return frame.to_csv(index=False, float_format=lambda x: format(Decimal(repr(float(x))), "f"))
