"""GitHub-flavoured Markdown for a pull-request comment: `diff --markdown` and `check --markdown`.

Names are user text: every Markdown character is escaped (`|` as `\\|`, so a name never splits a table cell),
runs of whitespace read as one space, and a word joiner keeps `@name` from mentioning anyone (ui.format.md).
"""

from __future__ import annotations

from models.diff import rows
from models.policy import Result
from ui.format import md

SECTIONS = {"total": "Total", "tier": "Tiers", "feature": "Features", "service": "Services"}


def _table(header: list[str], body: list[list[str]], right: set[int]) -> str:
    align = ["---:" if i in right else ":---" for i in range(len(header))]
    return "\n".join("| " + " | ".join(r) + " |" for r in [header, align, *body])


def diff_markdown(d: dict, base: str, head: str) -> str:
    """The diff as one Markdown table per section, under a headline of the monthly total."""
    _, _, base_total, head_total, change = rows(d)[0]
    parts = [
        "### unitcost: cost diff",
        "",
        f"Base: {md(base)}; head: {md(head)}.",
        "",
        f"**Monthly total: {md(base_total)} → {md(head_total)} ({md(change)})**",
    ]
    text = rows(d)
    for section, title in SECTIONS.items():
        body = [[md(name), md(b), md(h), md(c)] for s, name, b, h, c in text if s == section]
        if body and section != "total":
            parts += ["", f"#### {title}", "", _table(["", "base", "head", "change"], body, {1, 2, 3})]
    return "\n".join(parts) + "\n"


def check_markdown(results: list[Result], source: str, policy: str) -> str:
    failed = [r for r in results if not r.holds]
    verdict = f"**{len(failed)} of {len(results)} rules do not hold.**" if failed else f"All {len(results)} rules hold."
    body = [
        [
            md(r.rule),
            md(r.value_text if r.value is not None else f"no value ({r.why})"),
            md(f"{r.kind} {r.limit_text}"),
            "ok" if r.holds else "**FAIL**",
        ]
        for r in results
    ]
    return (
        "\n".join(
            [
                "### unitcost: unit-economics check",
                "",
                f"{md(source)} against {md(policy)}: {verdict}",
                "",
                _table(["rule", "value", "limit", "result"], body, {1}),
            ]
        )
        + "\n"
    )
