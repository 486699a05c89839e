"""Refusals of the exchange besides bad input: unknown ids, conflicts with the state, permissions.

Each names the field, the value, the reason and a code of `reclaim.errors.ErrorCode`, like
`reclaim.errors.InputError`, so the HTTP edge answers 404 / 409 / 403 with the same parts.
"""

from __future__ import annotations

from reclaim.errors import ErrorCode


class MarketRefusal(Exception):
    """Base of the exchange's refusals: a field, its value and why the request cannot proceed."""

    default_code = ErrorCode.CONFLICT

    def __init__(
        self, field: str, value: object, reason: str, code: ErrorCode | None = None
    ) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.error_code = code or self.default_code
        super().__init__(f"{field}: got {value!r}; {reason}")


class NotFoundError(MarketRefusal):
    """An id that names nothing the caller may see."""

    def __init__(self, field: str, value: object) -> None:
        super().__init__(field, value, "no such record", ErrorCode.NOT_FOUND)


class ConflictError(MarketRefusal):
    """A request that the current state forbids (capacity used up, listing closed, sold already)."""


class ForbiddenError(MarketRefusal):
    """A request the caller's role or ownership does not allow."""

    default_code = ErrorCode.NOT_YOURS
