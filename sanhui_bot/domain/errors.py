"""Errors raised by domain rules and services.

Each carries a message code and its parameters rather than text: `render/` turns them into the
user's language, so the rules never hold wording.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was broken; `code` names which, `params` fill in the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        details = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{self.code}({details})"


class PermissionDenied(DomainError):
    """The actor's role does not allow the action."""


class NotFound(DomainError):
    """A meeting, task, suggestion, member or request that does not exist."""


class UnknownCalendarYear(DomainError):
    """The working-day calendar has no data for the year asked about."""
