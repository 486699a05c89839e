"""Refusals of the exchange besides bad input: unknown ids, conflicts with the state, permissions.

Each names the field, the value and the reason, like `reclaim.errors.InputError`, so the HTTP
edge answers 404 / 409 / 403 with the same three parts.
"""

from __future__ import annotations


class MarketRefusal(Exception):
    """Base of the exchange's refusals: a field, its value and why the request cannot proceed."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: got {value!r}; {reason}")


class NotFoundError(MarketRefusal):
    """An id that names nothing the caller may see."""

    def __init__(self, field: str, value: object) -> None:
        super().__init__(field, value, "no such record")


class ConflictError(MarketRefusal):
    """A request that the current state forbids (capacity used up, listing closed, sold already)."""


class ForbiddenError(MarketRefusal):
    """A request the caller's role or ownership does not allow."""
