"""The one error base: bad input or an unusable outside resource, told to a person in one line.

Every package raises a subclass (ScenarioError, PriceError, UsageError, HistoryError, ReviewError,
FolderError); the CLI, app.py and the pages catch `UnitcostError` once each. Anything else is a bug.
"""

from __future__ import annotations


class UnitcostError(Exception):
    """One line naming what is wrong and where: `file, line N: field: message`, each part when known."""

    def __init__(self, message: str, *, source: str = "", line: int | None = None, field: str = ""):
        # One line always: YAML's, AWS's and the OS's messages can span several.
        self.message, self.source, self.line, self.field = " ".join(str(message).split()), source, line, field
        super().__init__(self.message)

    def __str__(self) -> str:
        where = self.source
        if where and self.line:
            where += f", line {self.line}"
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.field + ': ' if self.field else ''}{self.message}"
