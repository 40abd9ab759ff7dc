"""User text is shown as text: names, file names and messages that quote a scenario reach Streamlit's
Markdown (bodies, labels, help) and plotly's labels escaped, so a name made of markup shows as typed and
loads nothing. The browser side (no request reaches a URL in a name) is in tests/test_browser.py."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st_

from models.engine import estimate
from models.scenario import loads
from tests.conftest import shown
from tests.hostile_names import hostile, scenario_yaml
from ui import charts, report
from ui import review_report as rr
from ui.format import md, plot_text

BASE = "http://127.0.0.1:1"  # AppTest draws nothing; a browser would find nothing listening here
JOINER = "\u2060"
SPECIAL = "\\`*_[]<>&$:~|#"


# What the hostile names would turn into if they reached Markdown unescaped. Parse-level constructs are
# looked for with the escaped characters taken out; the rules Streamlit runs on the parsed text (emoji,
# bare links) on the text with the escapes resolved.
KINDS = "scenario|fn|api|poll|table|svc|unit|chat|job|free|pro|design|region|ghost|f"
PARSED = re.compile(
    rf"\]\(|<img|<a |<b>|<script|\*\*({KINDS})\*\*|\$m\^2\$|:red\[|`({KINDS})`|:smile:|!\[",
    re.IGNORECASE,
)
TEXT_RULES = re.compile(r"https?://|www\.|\w@\w|:smile:|:material_")


def markup(markdown: str) -> list[str]:
    parsed = re.sub(r"\\.", "", markdown)
    text = re.sub(r"\\(.)", r"\1", markdown)
    return [m[0] for m in PARSED.finditer(parsed)] + [m[0] for m in TEXT_RULES.finditer(text)]


# ---------------------------------------------------------------- the helpers


@pytest.mark.parametrize(
    "text",
    [
        hostile("scenario", "http://127.0.0.1:8999"),
        "![t](http://127.0.0.1:8999/x)",
        "<img src=http://127.0.0.1:8999/x>",
        "- a list? 1. no",
        "12. not a list",
        "# not a heading",
        "> not a quote",
        "\\*still\\* literal\\",
        ":material/home: :material_home: :streamlit: :+1:",
        "line 4: tiers.a.users: must not be negative",
        "R&D &amp; &#60;",
        "WWW.Example.com",
    ],
)
def test_md_shows_the_text_as_typed(text):
    out = md(text)
    assert shown(out) == text
    assert not markup(out), out
    assert "\n" not in out


def test_md_keeps_a_leading_dash_or_number_from_making_a_list():
    assert md("- x") == "\\- x" and md("+ x") == "\\+ x" and md("12. x") == "12\\. x" and md("3) x") == "3\\) x"


@given(st_.text().map(lambda s: s.replace(JOINER, "")))
def test_md_escapes_every_special_character(text):
    out = md(text)
    assert shown(out) == " ".join(text.split())
    bare = re.sub(r"\\.", "", out)  # what the parser sees unescaped
    assert not any(c in bare for c in SPECIAL), out
    resolved = re.sub(r"\\(.)", r"\1", out)  # what the emoji, icon and bare-link rules see
    assert not re.search(r":[^\s\u2060]|@[^\s\u2060]|(?i:www\.)", resolved), out


def test_plot_text_escapes_the_tags_plotly_reads():
    assert (
        plot_text("<b>x</b> <a href='http://h/'>l</a> R&D")
        == "&lt;b&gt;x&lt;/b&gt; &lt;a href='http://h/'&gt;l&lt;/a&gt; R&amp;D"
    )


# ---------------------------------------------------------------- charts and reports


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


TAG = re.compile(r"<(img|b|a|script)\b", re.IGNORECASE)


def tags_in_figure(spec: dict) -> list[str]:
    return [s for s in _strings(spec) if TAG.search(s)]


@pytest.fixture(scope="module")
def hostile_scenario():
    return loads(scenario_yaml(BASE), "hostile.yaml")


def test_charts_escape_every_name(hostile_scenario):
    from models.bom import bill_of_materials
    from models.designs import compare
    from models.tiers import cost_curve, tier_economics

    s = hostile_scenario
    e = estimate(s)
    bom = bill_of_materials(s)
    cmp = compare({"current": s, hostile("design", BASE): s}, 100, 1e6)
    feature = next(iter(s.features))
    figures = [
        charts.by_service(e),
        charts.by_feature(e),
        charts.by_tier(e),
        charts.tier_share(tier_economics(e)),
        charts.cost_curve(cost_curve(s, e, 100, 1e6)),
        charts.bom_by_feature(bom),
        charts.bom_components(bom, feature),
        charts.design_curves(cmp),
        charts.design_differences(cmp),
        charts.design_services(cmp),
    ]
    for fig in figures:
        spec = fig.to_plotly_json()
        assert not tags_in_figure(spec), tags_in_figure(spec)[:3]
    # the names are still there, as plotly will show them (it turns the entities back into characters)
    assert plot_text(feature) in charts.by_feature(e).data[0].x
    assert plot_text(hostile("svc", BASE)) in [t.name for t in charts.bom_components(bom, feature).data]


def test_the_html_reports_show_names_as_text(hostile_scenario):
    e = estimate(hostile_scenario)
    figures = [charts.by_service(e), charts.by_feature(e), charts.by_tier(e)]
    from ui import tables

    page = report.html_report(e, figures, [("By feature", tables.features_frame(e))], source="<b>source</b>")
    name = hostile("scenario", BASE)
    assert "<b>scenario</b>" not in page and "<script>alert(" not in page and f"<img src={BASE}" not in page
    assert f"<h1>{_html(name)}</h1>" in page and "&lt;b&gt;source&lt;/b&gt;" in page

    from usage.review_run import run_review

    review = run_review(hostile_scenario, "2026-10", demo=True).review
    notes = "<img src=http://127.0.0.1:1/note.png> **note**"
    page = rr.review_html(review, notes=notes)
    assert "<b>scenario</b>" not in page and "<img src=http://127.0.0.1:1/note.png>" not in page
    assert _html(notes) in page
    for fig in (rr.waterfall_figure(review), rr.variance_figure(review)):
        assert not tags_in_figure(fig.to_plotly_json())


def _html(text: str) -> str:
    import html

    return html.escape(text)


# ---------------------------------------------------------------- every page, under AppTest


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


MARKDOWN_FIELDS = {"body", "label", "help", "text", "content"}  # what Streamlit renders as Markdown


def _markdown_fields(msg, path="", out=None):
    """(field path, text) of every Markdown string in a proto; a table's column help, inside its JSON."""
    from google.protobuf.message import Message

    out = [] if out is None else out
    for fd, value in msg.ListFields():
        values = value if fd.is_repeated else [value]
        if fd.type == fd.TYPE_MESSAGE:
            if fd.message_type.GetOptions().map_entry:
                values = [v for v in value.values() if isinstance(v, Message)]
            for v in values:
                _markdown_fields(v, f"{path}.{fd.name}", out)
        elif fd.type == fd.TYPE_STRING:
            for v in values:
                if fd.name in MARKDOWN_FIELDS:
                    out.append((f"{path}.{fd.name}", v))
                elif fd.name == "columns" and v.startswith("{"):  # st.dataframe's column config
                    out += [(f"{path}.columns.help", c["help"]) for c in json.loads(v).values() if c.get("help")]
                elif fd.name == "spec" and v.startswith("{"):  # a plotly figure
                    out += [(f"{path}.spec", f"<{t}>") for t in tags_in_figure(json.loads(v))]
    return out


def page_problems(at) -> list[tuple[str, str]]:
    """Markup built from the hostile names anywhere on the page drawn last (sidebar included)."""
    problems = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        for path, text in _markdown_fields(proto, type(node).__name__):
            if markup(text):
                problems.append((path, text[:160]))
    return problems


def bodies(at) -> str:
    return "\n".join(
        text for n in _nodes(at._tree) if getattr(n, "proto", None) for _, text in _markdown_fields(n.proto)
    )


PAGES = [
    "pages/overview.py",
    "pages/tiers.py",
    "pages/features.py",
    "pages/designs.py",
    "pages/plan.py",
    "pages/capacity.py",
    "pages/prices.py",
    "pages/review.py",
    "pages/scenario.py",
]
FILE_NAME = "**f** <b>f <img src=f.png> ![f](f.png) $m^2$ :smile: `f`.yaml"  # a file name holds no /


@pytest.mark.usefixtures("fresh_streamlit")
def test_every_page_shows_hostile_names_as_text(app, tmp_path, monkeypatch):
    monkeypatch.setenv("UNITCOST_HISTORY", str(tmp_path / "reviews.sqlite3"))
    text = scenario_yaml(BASE)
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / FILE_NAME).write_text(text)
    name = hostile("scenario", BASE)

    # loaded from the scenarios folder, through app.py: the sidebar, the message and the Overview
    app.session_state["ov_load"] = True  # the loader is drawn when opened
    app.run()
    app.radio(key="ov_source").set_value("Scenarios folder").run()
    app.button(key="ov_load_file").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert app.session_state["scenario"].name == name
    assert not page_problems(app), page_problems(app)
    assert md(f"Loaded {name} (file {FILE_NAME}).") in [s.value for s in app.success]
    assert f"**{md(name)}**" in [m.value for m in app.sidebar.markdown]
    assert md(FILE_NAME) in app.sidebar.caption[0].value
    assert f"Margin: {md(hostile('pro', BASE))}" in [m.label for m in app.metric]

    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, (page, [e.value for e in app.exception])
        if page == "pages/designs.py":
            app.text_input(key="des0_name").input(f"![d]({BASE}/d)").run()  # 30 characters at most
            app.selectbox(key="des0_fn").set_value(hostile("fn", BASE)).run()
            app.selectbox(key="des0_arch").set_value("arm64").run()
            assert any(md(hostile("fn", BASE)) in c.value for c in app.caption)
            assert f"{md(f'![d]({BASE}/d)')}: monthly total" in [m.label for m in app.metric]
        if page == "pages/review.py":
            app.button(key="rv_run").click().run()
            assert any(md(name) in h.value for h in app.subheader)
        assert not app.error, (page, [e.value for e in app.error])
        assert not page_problems(app), (page, page_problems(app))
        if page in ("pages/overview.py", "pages/review.py", "pages/scenario.py"):
            assert md(name) in bodies(app), page
        if page == "pages/features.py":
            assert any(md(hostile("table", BASE)) in w.value for w in app.warning)  # its GSI writes
        if page == "pages/capacity.py":
            assert md(hostile("fn", BASE)) in app.metric[0].label  # its reserved concurrency
            assert md(hostile("chat", BASE)) in app.warning[0].value  # its long sessions

    # messages that quote the file: an unknown region and an unknown feature in a tier
    doc = yaml.safe_load(text)
    for bad in ({**doc, "region": hostile("region", BASE)}, {**doc, "baseline": {hostile("ghost", BASE): 1}}):
        app.text_area(key="yaml_text").input(yaml.safe_dump(bad, sort_keys=False, width=1000))
        next(b for b in app.button if b.label == "Apply").click().run()
        assert not app.exception
        assert app.error, "the bad file was accepted"
        assert not page_problems(app), page_problems(app)
        assert app.session_state["scenario"].name == name
