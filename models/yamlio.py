"""YAML reading that remembers the line of every value, so errors can point at it."""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple  # ("functions", "chat", "memory_mb")


class ScenarioError(Exception):
    """Bad scenario input: one message naming the file, the line where known, and the field."""

    def __init__(self, message: str, *, source: str = "", line: int | None = None, field: str = ""):
        self.message, self.source, self.line, self.field = message, source, line, field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source or "scenario"
        if self.line:
            where += f", line {self.line}"
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


def load_with_lines(text: str, source: str = "") -> tuple[Any, dict[Path, int]]:
    """Parse YAML into plain dicts/lists/scalars plus a map from each path to its 1-based line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        lines: dict[Path, int] = {}
        return (None if node is None else _build(node, (), lines, source)), lines
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        raise ScenarioError(f"invalid YAML: {problem}", source=source, line=mark.line + 1 if mark else None) from None
    except RecursionError:
        raise ScenarioError("invalid YAML: nested too deeply", source=source) from None


# A scenario has hundreds of values; aliases that expand past this are a mistake or an attack
# ("billion laughs"), and would take minutes and gigabytes to expand.
MAX_VALUES = 100_000


def _build(node: yaml.Node, path: Path, lines: dict[Path, int], source: str) -> Any:
    if len(lines) >= MAX_VALUES:
        raise ScenarioError(
            f"too large: more than {MAX_VALUES:,} values (check YAML aliases: *name)",
            source=source,
            line=node.start_mark.line + 1,
        )
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, source)
            if key in out:
                raise ScenarioError(
                    f"duplicate key {key!r}", source=source, line=key_node.start_mark.line + 1, field=_dotted(path)
                )
            out[key] = _build(value_node, path + (key,), lines, source)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), lines, source) for i, item in enumerate(node.value)]
    return _scalar(node, source)


def _scalar(node: yaml.Node, source: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise ScenarioError("a key must be a plain name", source=source, line=node.start_mark.line + 1)
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError) as e:  # a tag that does not fit: !!int abc
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ScenarioError(f"invalid value: {problem}", source=source, line=node.start_mark.line + 1) from None


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _dotted(path: Path) -> str:
    return ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
