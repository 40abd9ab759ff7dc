"""YAML reading that remembers the line of every value, so errors can point at it."""

from __future__ import annotations

import os
import stat
import unicodedata
from typing import Any

import yaml

from errors import UnitcostError

Path = tuple  # ("functions", "chat", "memory_mb")

# A scenario is a few kilobytes (the examples are under 4 KB; an import of hundreds of functions, some
# hundreds of KB). Larger files are refused before they are read or parsed: parsing is the costly step.
MAX_FILE_BYTES = 1024 * 1024


class ScenarioError(UnitcostError):
    """Bad scenario input: one message naming the file, the line where known, and the field."""

    def __str__(self) -> str:
        where = self.source or "scenario"
        if self.line:
            where += f", line {self.line}"
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


def read_text(path: str | os.PathLike, what: str = "") -> str:
    """A scenario file's text, refused unread when it is not a regular file or above MAX_FILE_BYTES
    (a FIFO or /dev/zero would block or never end)."""
    source = what or str(path)
    try:
        # O_NONBLOCK: opening a FIFO would otherwise wait for a writer before we can see what it is.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise ScenarioError("cannot read the file: not a regular file", source=source)
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError("file not found", source=source) from None
    except IsADirectoryError:
        raise ScenarioError("cannot read the file: it is a folder", source=source) from None
    except OSError as e:
        raise ScenarioError(f"cannot read the file ({e.strerror or e})", source=source) from None
    check_size(len(data), source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ScenarioError(
            f"cannot read the file: not UTF-8 text (byte {data[e.start]:#04x})", source=source, line=line
        ) from None


def check_size(size_bytes: int, source: str = "") -> None:
    if size_bytes > MAX_FILE_BYTES:
        raise ScenarioError(
            f"too large: a scenario may be at most {MAX_FILE_BYTES // 1024:,} KB", source=source or "scenario"
        )


def load_with_lines(text: str, source: str = "") -> tuple[Any, dict[Path, int]]:
    """Parse YAML into plain dicts/lists/scalars plus a map from each path to its 1-based line."""
    check_size(len(text.encode("utf-8", "surrogatepass")), source)
    try:
        loader = _Loader(text)
        loader.source = source
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        lines: dict[Path, int] = {}
        return (None if node is None else _build(node, (), lines, source)), lines
    except yaml.reader.ReaderError:  # a character YAML does not allow: find it, for its line
        bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
        line = text.count("\n", 0, bad.start()) + 1 if bad else None
        what = f"character U+{ord(bad.group()[0]):04X}" if bad else "a character"
        raise ScenarioError(f"invalid YAML: {what} not allowed", source=source, line=line) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        problem = _LIBYAML_WORDS.get(problem, problem)
        raise ScenarioError(f"invalid YAML: {problem}", source=source, line=mark.line + 1 if mark else None) from None
    except RecursionError:
        raise ScenarioError("invalid YAML: nested too deeply", source=source) from None


# libyaml's wording where PyYAML's (or a plainer one) reads better
_LIBYAML_WORDS = {
    "exceeded maximum nesting depth": "nested too deeply",
    "found invalid Unicode character escape code": "an escape that is no Unicode character (such as \\ud800)",
}

# A scenario has hundreds of values; aliases that expand past this are a mistake or an attack
# ("billion laughs"), and would take minutes and gigabytes to expand.
MAX_VALUES = 100_000


try:  # libyaml scans and parses ten times faster than PyYAML's Python; the composer stays Python, to count
    from yaml._yaml import CParser as _Parser

    class _Base(yaml.composer.Composer, _Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        def __init__(self, stream: str):
            _Parser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)

except ImportError:  # PyYAML built without libyaml
    _Base = yaml.SafeLoader


class _Loader(_Base):
    """A safe loader that stops composing once the document has more than MAX_VALUES nodes, so a large
    file costs what its first MAX_VALUES values cost, not all of it (aliases are counted when built)."""

    nodes, source = 0, ""

    def compose_node(self, parent, index):
        self.nodes += 1
        if self.nodes > MAX_VALUES:
            mark = self.peek_event().start_mark
            raise ScenarioError(f"too large: more than {MAX_VALUES:,} values", source=self.source, line=mark.line + 1)
        return super().compose_node(parent, index)


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
    line = node.start_mark.line + 1
    try:
        value = _CONSTRUCTOR.construct_object(node, deep=True)
    except Exception as e:  # a tag that does not fit its text (!!int abc, !!timestamp abc): PyYAML raises anything
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        problem = getattr(e, "problem", None) or f"{node.value[:40]!r} is not a valid {tag}"
        raise ScenarioError(f"invalid value: {problem}", source=source, line=line) from None
    if isinstance(value, str):
        bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs") and c != "\t"), None)
        if bad is not None:  # escapes in quoted text ("\e", "\ud800") reach here; they break terminals and output
            raise ScenarioError(f"text has a control or invalid character (U+{ord(bad):04X})", source=source, line=line)
    return value


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _dotted(path: Path) -> str:
    return ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
