"""`diff BASE HEAD` and `check FILE --policy POLICY`: what a change does to the unit economics, and whether a
scenario keeps its limits; for pull requests and CI (examples/github-actions.yml).

Both read scenario files or templates (SAM, CloudFormation, a cdk.out folder or one of its *.template.json),
a template being initialised on the fly as `cli.py init --template` would (models/template.py), and price
them with the estimate's own engine, so their figures are `cli.py estimate --json`'s.

`check` exits 0 when every rule holds and 1 when any does not: each rule is one line on stdout
(`ok` or `FAIL`, the rule, the value, the limit) and the last line says `check failed: N of M rules do not
hold`. A failed check prints nothing on stderr; an internal error, cli.py's other exit 1, prints
`error: internal error ...` on stderr and no verdict. Bad input (the scenario, the policy, a rule naming a tier
or feature the scenario lacks) exits 2, one line on stderr.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from commands.estimate import _about
from models.yamlio import ScenarioError, read_text

FAILED = 1  # a rule does not hold

_TEMPLATE_KEY = re.compile(r"^(?:Resources|AWSTemplateFormatVersion|Transform)\s*:", re.M)


def is_template(path: str) -> bool:
    """A SAM/CloudFormation template or CDK output rather than a scenario: a folder (cdk.out), a
    *.template.json, or a file with a top-level Resources, AWSTemplateFormatVersion or Transform (a scenario's
    keys are lower case, so none is ever both)."""
    p = Path(path)
    if p.is_dir() or p.name.endswith(".template.json"):
        return True
    try:
        text = read_text(path)
    except ScenarioError:
        return False  # the scenario loader says what is wrong with it
    if p.suffix == ".json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return False
        return isinstance(data, dict) and bool({"Resources", "AWSTemplateFormatVersion", "Transform"} & set(data))
    return bool(_TEMPLATE_KEY.search(text))


def scenario_text(path: str) -> str:
    """A scenario's text: the file's, or a template's as `init` writes it."""
    if not is_template(path):
        return read_text(path)
    try:
        from models.template import read_template
    except ImportError:
        raise ScenarioError(
            "is a template, and this build reads no templates (models/template.py, `cli.py init`, is missing)",
            source=path,
        ) from None
    return read_template(path)


def priced(path: str):
    """The estimate of a scenario file or template, with the book it was priced with."""
    from models.engine import estimate
    from models.scenario import loads
    from pricing.book import default_book

    with _about(path):
        book = default_book()
        scenario = loads(scenario_text(path), source=path, regions=book.regions)
        return estimate(scenario, book)


def _label(path: str) -> str:
    return os.path.relpath(path) if not os.path.isabs(path) or path.startswith(os.getcwd()) else path


def diff(args) -> int:
    from models.diff import compare, diff_text

    base, head = priced(args.base), priced(args.head)
    d = compare(base, head)
    if args.json:
        json.dump(d, sys.stdout, indent=2, allow_nan=False)
        print()
    elif args.markdown:
        from ui.pr_comment import diff_markdown

        sys.stdout.write(diff_markdown(d, _label(args.base), _label(args.head)))
    else:
        print(diff_text(d, _label(args.base), _label(args.head)))
    return 0


def check(args) -> int:
    from models import policy

    rules = policy.load(args.policy)  # before the estimate: a bad policy is found at once
    e = priced(args.file)
    results = policy.check(rules, e, scenario_source=_label(args.file))
    if args.markdown:
        from ui.pr_comment import check_markdown

        sys.stdout.write(check_markdown(results, _label(args.file), _label(args.policy)))
    else:
        print(policy.check_text(results, _label(args.policy)))
    return FAILED if any(not r.holds for r in results) else 0
