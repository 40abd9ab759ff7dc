"""Issue 13, numbers as people read them: money to the cent from a cent up and in significant figures below
(never scientific notation), "<0.1%" rather than "0.0%", whole users, unit prices as published; and no raw
None, nan or Inf on any page, in a report or in a CSV."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pytest

from models.report import percent, quantity, unit_price, usd, users
from tests.test_app import PAGES, click, no_problems
from ui.format import (
    COUNT,
    PERCENT,
    PERCENT_FINE,
    RATE,
    USD,
    USD_PER_USE,
    USD_PER_USER,
    USERS,
    cell,
    csv_text,
    declare,
    money,
    styled,
)

RAW = re.compile(r"\b(None|nan|NaN|inf|Inf|Infinity)\b|\b\d(\.\d+)?[eE][-+]\d+\b")


@pytest.mark.parametrize(
    "x, text",
    [
        (1234.5, "$1,234.50"),
        (0.01, "$0.01"),
        (0.0076744, "$0.00767"),  # three significant figures under a cent
        (0.000028, "$0.000028"),  # no trailing zero
        (3.71e-6, "$0.00000371"),  # not 3.71e-06
        (2e-7, "$0.0000002"),
        (-0.004, "-$0.004"),
        (0, "$0.00"),
        (None, "-"),
        (math.nan, "-"),
        (math.inf, "-"),
    ],
)
def test_money(x, text):
    assert money(x) == text


def test_monthly_amounts_are_to_the_cent():
    assert [usd(x) for x in (0.004, 0.005, 67395.755, -48139.828)] == ["$0.00", "$0.01", "$67,395.76", "-$48,139.83"]
    # A loss that rounds to nothing, and IEEE's negative zero, read as nothing: never "$-0.00" or "-$0.00".
    assert [usd(x) for x in (-0.0, -0.004)] + [money(-0.0)] == ["$0.00", "$0.00", "$0.00"]


@pytest.mark.parametrize(
    "price, text",
    [
        (2e-7, "$0.0000002"),  # Lambda requests: $0.20 per million
        (0.0000166667, "$0.0000166667"),  # Lambda x86 duration per GB-s, every published digit
        (3.3334e-06, "$0.0000033334"),
        (1.25e-07, "$0.000000125"),
        (0.25, "$0.25"),
        (0.5, "$0.50"),
        (0.0, "$0.00"),
    ],
)
def test_unit_prices_as_published(price, text):
    assert unit_price(price) == text


@pytest.mark.parametrize(
    "p, text",
    [(0.006, "<0.1%"), (-0.006, ">-0.1%"), (0.05, "0.1%"), (0, "0%"), (3.6239, "3.6%"), (-237.3, "-237.3%")],
)
def test_percent(p, text):
    assert percent(p) == text


def test_users_and_quantities():
    assert [users(x) for x in (2499.6, 52000.0, None)] == ["2,500", "52,000", "-"]
    assert [quantity(x) for x in (8.3514404296875, 0.00001234, 1.5e9)] == ["8.351", "0.00001234", "1,500,000,000"]


def test_cells_by_kind():
    # one value per kind, as the app's tables and the HTML report show it
    assert cell(USD, 1.5) == "$1.50"
    assert cell(USD_PER_USE, 2.5e-7) == "$0.00000025"
    assert cell(USD_PER_USER, 0.9627965) == "$0.96"
    assert cell(PERCENT, 0.006) == "<0.1%"
    assert cell(PERCENT_FINE, 0.2) == "0.20%"
    assert cell(COUNT, 1e6) == "1,000,000"
    assert cell(USERS, 8134285.7) == "8,134,286"
    assert cell(RATE, 63.93) == "63.93" and cell(RATE, 12345.6) == "12,346"
    assert [cell(USD, v) for v in (None, math.nan, math.inf)] == ["-", "-", "-"]


def test_styled_tables_show_the_kinds_and_keep_the_numbers():
    df = declare(
        pd.DataFrame({"x": ["a", "b"], "cost": [0.000028, 12.0], "share": [0.004, None], "users": [2.6, 3.0]}),
        {"cost": USD_PER_USE, "share": PERCENT, "users": USERS},
    )
    shown = styled(df)
    assert shown.data["cost"].tolist() == [0.000028, 12.0]  # sorts by value
    html = shown.to_html()
    for text in ("$0.000028", "$12.00", "<0.1%", ">-<", ">3<"):
        assert text in html, text
    assert "nan" not in html.lower()


def test_csv_has_no_raw_missing_figures():
    df = pd.DataFrame({"a": [1.5, math.nan, math.inf], "b": ["x", None, "z"]})
    assert csv_text(df) == "a,b\n1.5,x\n,\n,z\n"


def test_cli_estimate_prints_unit_prices_in_plain_decimals(repo_root):
    out = subprocess.run(
        [sys.executable, "cli.py", "estimate", "examples/positive-chat.yaml"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests = next(line for line in out.splitlines() if "Requests arm64 " in line and "free" not in line)
    # 13,000,000 requests at $0.20 per million = $2.60
    assert requests.split()[-3:] == ["request", "$0.0000002", "$2.60"]
    assert "stay_connected  21,000,000       $5.25   $0.00000025" in out  # 1 minute at $0.25 per million
    # 10.7 RRU/s at peak against 40,000: 0.027%, which would round to 0.0%
    read = next(line for line in out.splitlines() if "dynamodb_read_units_per_second" in line)
    assert read.split()[-4:-1] == ["40,000", "<0.1%", "195,222,857"]
    assert not RAW.search(out), RAW.search(out)


# ---------------------------------------------------------------- every page, no raw figure


def _page_texts(at) -> list[str]:
    texts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        texts += [str(x.value) for x in at.get(kind)]
    for m in at.metric:
        texts += [m.label, m.value, m.proto.delta]
    for d in at.dataframe:
        arrow = d.proto.arrow_data
        if arrow.HasField("styler"):
            frame = pa.ipc.open_stream(arrow.styler.display_values).read_all().to_pandas()
            texts += [str(v) for v in frame.to_numpy().ravel()]
        elif d.editing_mode == "read_only":
            # the price book's "source" quotes the Price List verbatim ("Requests-Tier1 0-Inf"): a citation
            frame = d.value.drop(columns=["source"], errors="ignore")
            texts += [str(v) for v in frame.to_numpy().ravel() if not isinstance(v, float) or math.isfinite(v)]
            assert not frame.isna().to_numpy().any(), f"a raw table with missing cells: {list(frame.columns)}"
    return texts


@pytest.mark.usefixtures("fresh_streamlit")
@pytest.mark.parametrize("which", ["demo", "example"])
def test_no_page_shows_a_raw_none_nan_or_inf(app, repo_root, which):
    if which == "example":
        app.switch_page("pages/scenario.py").run()
        app.text_area(key="yaml_text").input((repo_root / "examples" / "positive-chat.yaml").read_text())
        click(app, "Apply")
    for page in PAGES:
        app.switch_page(page).run()
        no_problems(app)
        bad = [t for t in _page_texts(app) if RAW.search(t)]
        assert not bad, (page, bad[:5])


def test_the_report_and_csvs_of_the_overview_have_no_raw_figures(repo_root):
    from models.engine import estimate
    from models.scenario import load
    from models.tiers import tier_economics
    from ui import report, tables

    e = estimate(load(repo_root / "examples" / "positive-chat.yaml"))
    frames = [tables.services_frame(e), tables.features_frame(e), tables.tiers_frame(tier_economics(e))]
    frames.append(tables.lines_frame(e))
    html = report.html_report(e, [], [(str(i), f) for i, f in enumerate(frames)])
    assert not RAW.search(html), RAW.search(html)
    # the free tier's margin % is missing (no revenue): "-" in the report, an empty cell in the CSV
    assert "<td>-</td>" in html.replace(" ", "")
    assert ",free,50000,0.0,0.0," in "," + csv_text(frames[2]).replace("\n", "\n,")
    for f in frames:
        assert not RAW.search(csv_text(f)), csv_text(f)
