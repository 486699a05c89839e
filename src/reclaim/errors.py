"""The error types that user input raises, so every edge can report them the same way."""

from __future__ import annotations

from collections.abc import Sequence


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

    @property
    def problems(self) -> tuple[InputError, ...]:
        """Each problem on its own: this one error here, every error of a file in
        `InputErrors`."""
        return (self,)


class InputErrors(InputError):
    """Every problem of one input at once (a scenario with three errors shows three), so a
    user fixes a file in one pass; its field, value and allowed are the first problem's."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        if not errors:
            raise ValueError("InputErrors needs at least one error")
        self.errors = tuple(problem for error in errors for problem in error.problems)
        first = self.errors[0]
        super().__init__(first.field, first.value, first.allowed)

    @property
    def problems(self) -> tuple[InputError, ...]:
        return self.errors

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)
