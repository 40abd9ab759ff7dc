"""How values read on screen: money (cents for monthly amounts, three significant digits for tiny per-use
costs) and user text (names, file names, messages that quote a scenario) shown literally, never as markup."""

from __future__ import annotations

import html
import math
import re

from models.report import quantity, usd


def money(x: float | None) -> str:
    """$1,234.56; below a cent, three significant digits in plain decimals: $0.00767, $0.00000371."""
    if x is None:
        return "-"
    if x == 0 or abs(x) >= 0.01:
        return usd(x)
    decimals = min(12, 2 - math.floor(math.log10(abs(x))))
    text = f"${abs(x):.{decimals}f}"
    return f"-{text}" if x < 0 else text


# Streamlit renders Markdown in st.markdown, st.caption, st.success/error/..., headers, and in every label
# and help text. Backslash escapes stop the parser (links, images, emphasis, code, raw HTML, $math$,
# :directives[], entities). Some rules run later on the parsed text, where escapes are already gone: emoji
# and icon shortcodes (:smile:, :material_home:), and GFM's bare links (http://..., www...., a@b.c). An
# invisible word joiner (U+2060) inside ":x", "www." and "@x" keeps those from matching.
_SPECIAL = re.compile(r"([\\`*_\[\]<>&$:~|#])")
_JOINER = "\u2060"
_TEXT_RULES = re.compile(r"(?<=\\:)(?=\S)|(?<=@)(?=\S)|(?i:(?<=www)(?=\.))")
_LIST_START = re.compile(r"^([-+])|^(\d+)([.)])")  # "- x", "1. x" at the start would be a list


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
USD_PER_USER = "usd per user"  # four decimals in the app
USD_PER_USE = "usd per use"  # per use and unit prices: the small digits kept
PERCENT = "percent"  # 0..100, one decimal
PERCENT_FINE = "percent fine"  # 0..100, two decimals (capacity utilization)
COUNT = "count"  # users, uses, quantities: thousands separators
RATE = "rate"  # capacity peaks and rates: four significant digits

APP_FORMAT = {  # Streamlit NumberColumn formats (pages/tables.py turns them into column configs)
    USD: "dollar",
    USD_PER_USER: "$%.4f",
    USD_PER_USE: "$%.8f",
    PERCENT: "%.1f%%",
    PERCENT_FINE: "%.2f",
    COUNT: "localized",
    RATE: "%.4g",
}


def declare(df, kinds: dict[str, str]):
    """`df` with the kinds of its number columns (column -> kind) attached; returns `df`."""
    unknown = set(kinds) - set(df.columns)
    if unknown:  # a renamed column would silently lose its format
        raise ValueError(f"kinds for columns the table lacks: {sorted(unknown)}")
    df.attrs["kinds"] = dict(kinds)
    return df


def kinds(df) -> dict[str, str]:
    """The kinds a table declared (an empty dict for a table that declared none)."""
    return df.attrs.get("kinds", {})


def cell(kind: str | None, value) -> str:
    """One value as a person reads it in an HTML report: dollars, or a plain quantity."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if kind == USD:
            return usd(value)
        if kind in (USD_PER_USER, USD_PER_USE):
            return money(value)
        return quantity(value)
    return str(value)
