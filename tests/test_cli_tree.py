"""The argument tree built for one command (what `cli.py COMMAND ...` builds, for start-up) parses, and refuses,
every command line exactly as the whole tree does; -h and a line without a known command get every command."""

import re

import pytest

import cli
from commands.tree import COMMANDS, parser

LINES = [
    ["estimate", "s.yaml"],
    ["estimate", "s.yaml", "--json"],
    ["sweep", "s.yaml", "--users-from", "0", "--users-to", "1e6", "--points", "10", "--json"],
    ["designs", "s.yaml", "--variant", "arm:functions.chat.architecture=arm64", "--users-from", "1", "--users-to", "9"],
    ["diff", "a.yaml", "b.yaml", "--markdown"],
    ["check", "s.yaml", "--policy", "p.yaml"],
    ["simulate", "s.yaml", "--samples", "100", "--seed", "3"],
    ["forecast", "s.yaml", "--months", "12", "--growth", "pro=5", "--churn", "pro=1"],
    ["prices", "--region", "us-east-1"],
    ["prices", "refresh", "--region", "eu-west-1", "--allow-missing"],
    ["prices", "diff", "--scenarios", "examples"],
    ["import", "--demo", "-o", "out.yaml"],
    ["init", "--template", "t.yaml", "-o", "out.yaml"],
    ["review", "--month", "2026-10", "--demo", "--no-save"],
    ["review", "show", "3", "--json"],
    ["actuals", "--cur", "bills", "--month", "2026-10"],
]


@pytest.mark.parametrize("argv", LINES, ids=[" ".join(a[:2]) for a in LINES])
def test_one_branch_parses_as_the_whole_tree(argv):
    assert vars(parser(argv).parse_args(argv)) == vars(parser().parse_args(argv))


BAD = [
    ["estimate"],
    ["estimate", "s.yaml", "--bogus"],
    ["sweep", "s.yaml", "--users-from", "-1", "--users-to", "2", "--points", "3"],
    ["prices", "bogus"],
    ["review", "show", "x"],
]


def _refusal(tree, argv, capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        tree.parse_args(argv)
    assert exit_.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a) for a in BAD])
def test_one_branch_refuses_as_the_whole_tree(argv, capsys):
    one = _refusal(parser(argv), argv, capsys)
    assert one.startswith("cli.py") and " error: " in one
    assert one == _refusal(parser(), argv, capsys)


def test_help_lists_every_command_in_order(capsys):
    with pytest.raises(SystemExit):
        cli.main(["-h"])
    listed = re.findall(r"^    (\w+) ", capsys.readouterr().out, flags=re.M)
    assert listed == list(COMMANDS)


@pytest.mark.parametrize("argv", [[], ["estimat", "s.yaml"], ["--json", "estimate"]], ids=["none", "typo", "option"])
def test_a_line_without_a_known_command_names_them_all(argv, capsys):
    err = _refusal(parser(argv), argv, capsys)
    assert err == _refusal(parser(), argv, capsys)
    if argv[:1] == ["estimat"]:
        assert all(repr(name) in err for name in COMMANDS)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["review", "--history", "h.db", "list"], {"history": "h.db", "json": False}),
        (["review", "list", "--history", "h.db", "--json"], {"history": "h.db", "json": True}),
        (["review", "--json", "--history", "a.db", "show", "3"], {"history": "a.db", "json": True}),
        (["review", "--history", "a.db", "export", "-o", "x.csv"], {"history": "a.db"}),
        (["review", "list"], {"history": None, "json": False}),
        (["prices", "--json", "diff"], {"json": True}),
        (["prices", "diff", "--json"], {"json": True}),
        (["prices", "coverage"], {"json": False}),
        (["prices", "--region", "eu-west-1", "refresh"], {"book_region": "eu-west-1", "region": None}),
        (["prices", "--region", "eu-west-1"], {"book_region": "eu-west-1"}),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_a_flag_given_before_the_action_still_counts(argv, expected):
    """argparse resets a flag an action also takes to the action's default: `review --history H list` read the
    default history instead of H, and `prices --json diff` printed text."""
    args = vars(parser(argv).parse_args(argv))
    assert {k: args[k] for k in expected} == expected
