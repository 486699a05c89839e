"""The one error type that user input raises, so every edge can report it the same way."""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: names the field path, the value given and what is allowed.

    The command line prints ``str(error)`` on one line and exits with status 2; the
    HTTP service answers 422 with the same three parts.
    """

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}: got {value!r}; {allowed}")
