"""What every command shares: one-line errors with exit status 2, and the consoles."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from reclaim.errors import InputError

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

EXIT_BAD_INPUT = 2


def reports_input_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn an `InputError` (or a missing file) into one line on stderr and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InputError as error:
            err_console.print(f"error: {error}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except FileNotFoundError as error:
            err_console.print(
                f"error: file: got {error.filename!r}; no such file",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper
