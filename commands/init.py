"""`init`: a scenario skeleton from a SAM, CloudFormation or CDK template.

    init --template PATH [--param KEY=VALUE ...] [--region R] -o FILE

PATH is a template file (YAML with short-form tags, or JSON), a `cdk.out` folder or one of its
`*.template.json` files. Writes the format-1 scenario models/template.py builds, every value with the
template line it came from, whole or not at all; prints a short summary. A bad template exits 2 with one
line naming the file, the line and what is wrong.
"""

from __future__ import annotations

from pathlib import Path

from models.cfn import TemplateError


def params(pairs: list[str] | None) -> dict[str, str]:
    """`--param KEY=VALUE` pairs as a mapping; a pair without `=` is an error."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise TemplateError(f"--param needs KEY=VALUE, got {pair!r}")
        out[key.strip()] = value
    return out


def init(args) -> int:
    from commands.import_usage import write_atomic
    from models.template import read

    reading = read(args.template, params(args.param), args.region)
    write_atomic(Path(args.output), reading.yaml)
    sections: dict[str, set[str]] = {}
    for row in reading.rows:
        section, name = (row.key.split(".") + [""])[:2]
        sections.setdefault(section, set()).add(name)
    features = sections.pop("features", set())
    counts = ", ".join(f"{len(n)} {s.replace('_', ' ')}" for s, n in sections.items())
    print(f"wrote {args.output}: {counts or 'no resources'}, {len(features)} features")
    for note in reading.notes:
        print(f"note: {note}")
    return 0
