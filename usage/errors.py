"""The import's error type and its one-line text helper, apart from usage/aws.py: that module imports botocore
(about 90 ms), which the demo account, the app's first page and reading local files do not need."""

from __future__ import annotations

from errors import UnitcostError


class UsageError(UnitcostError):
    """An import problem worth one clear sentence to a person (the CLI exits 2 with it)."""

    def __init__(self, message: str, permission: str | None = None):
        super().__init__(message)
        self.permission = permission  # the IAM action that was denied, when that is the problem


def one_line(text: str, limit: int = 300) -> str:
    """Text from AWS or a proxy, safe on one line of a terminal: control characters shown as escapes."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."
