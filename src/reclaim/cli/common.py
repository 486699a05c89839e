"""What every command shares: one-line errors with exit status 2, and the consoles."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer
from rich.console import Console

from reclaim.errors import InputError

if TYPE_CHECKING:
    from reclaim.planning.scenario import Scenario

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


def load_scenario_with_notes(path: Path) -> Scenario:
    """Read a planning scenario, printing its notes on stderr: fields read under an old name,
    rates outside their published range, a population that looks off by 10⁴."""
    from reclaim.io.scenario_file import load_scenario, scenario_notes

    notes: list[str] = []
    loaded = load_scenario(path, notes)
    for note in [*notes, *scenario_notes(loaded)]:
        err_console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    return loaded
