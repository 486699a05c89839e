"""What every command shares: one-line errors with exit status 2, the consoles, and the options
spelt the same in every command (`--json`, `--lang`, `--seed`, `--no-fail`)."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar, cast

import typer

from reclaim.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from reclaim.planning.scenario import Scenario
    from reclaim.reports.labels import Labels


@functools.cache
def rich_console(stderr: bool = False) -> Console:
    """The rich Console of stdout (or stderr), made on first use: importing rich costs a third
    of `reclaim --help`, which never prints through it."""
    from rich.console import Console

    return Console(stderr=stderr)


class _LazyConsole:
    """Stands for `rich_console(stderr)` until something is printed through it."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr

    def __getattr__(self, name: str) -> Any:
        return getattr(rich_console(self._stderr), name)


console = cast("Console", _LazyConsole(stderr=False))
err_console = cast("Console", _LazyConsole(stderr=True))

P = ParamSpec("P")
R = TypeVar("R")

EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_BUG = 3
"""An error no check expected (a bug in reclaim): one line asking for a report."""

JsonOpt = typer.Option(False, "--json", help="Print JSON on stdout instead of tables.")
LangOpt = typer.Option(
    "zh", "--lang", metavar="zh|en", help="Language of names and labels: zh or en."
)
SeedOpt = typer.Option(
    0, "--seed", metavar="N", help="Random seed: the same seed draws the same samples."
)
ScenarioArg = Annotated[
    Path, typer.Argument(metavar="SCENARIO.yaml", help="Scenario YAML file (see examples/).")
]
RoundingOpt = Annotated[
    str,
    typer.Option(
        "--rounding",
        metavar="full|plan",
        help="full: keep every digit; plan: round each intermediate figure as the plan "
        "document prints it.",
    ),
]
NoFailOpt = typer.Option(
    False,
    "--no-fail",
    help="Exit 0 even when the check fails (the verdict is printed all the same); "
    "by default a failed check exits 1.",
)


def exit_on_failure(passed: bool, no_fail: bool) -> None:
    """A check that fails exits 1, unless the caller asked for 0 (`--no-fail`)."""
    if not passed and not no_fail:
        raise typer.Exit(EXIT_CHECK_FAILED)


def print_error(error: InputError) -> None:
    """One line on stderr per problem, the way every command reports bad input."""
    for problem in error.problems:
        err_console.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)


def input_error_of(error: BaseException) -> InputError | None:
    """The bad input a library's error means (a file that is missing, a folder, unreadable or
    not text), or None when it is not the user's input that is wrong."""
    if isinstance(error, InputError):
        return error
    if isinstance(error, FileNotFoundError):
        folder = Path(str(error.filename or "")).parent
        if not folder.is_dir():
            return InputError(
                "file", error.filename, f"a path in an existing folder (there is no {folder})"
            )
        return InputError("file", error.filename, "no such file")
    if isinstance(error, IsADirectoryError):
        return InputError("file", error.filename, "a file, not a folder")
    if isinstance(error, PermissionError):
        return InputError("file", error.filename, "a file you may read (permission denied)")
    if isinstance(error, UnicodeDecodeError):
        return InputError(
            "file",
            f"byte {error.start}: not UTF-8",
            "a text file saved as UTF-8 (see docs/inputs.md)",
        )
    return None


def exit_bad_input(error: InputError, as_json: bool = False) -> NoReturn:
    """Report bad input (every problem, one line each; also as JSON on stdout with `--json`)
    and exit with status 2."""
    if as_json:
        problems = [
            {"field": p.field, "value": p.value, "allowed": p.allowed} for p in error.problems
        ]
        typer.echo(
            json.dumps(
                {"error": "invalid_input", "errors": problems}, ensure_ascii=False, default=str
            )
        )
    print_error(error)
    raise typer.Exit(EXIT_BAD_INPUT)


def exit_bug(error: BaseException) -> NoReturn:
    """The last resort: an error no check expected is a bug. One line saying so instead of a
    traceback (RECLAIM_DEBUG=1 lets the traceback through), exit status 3."""
    if os.environ.get("RECLAIM_DEBUG"):
        raise error
    detail = (str(error).strip().splitlines() or [""])[0][:200]
    err_console.print(
        f"error: internal error ({type(error).__name__}: {detail}); this is a bug, please report "
        "it with the command you ran (RECLAIM_DEBUG=1 shows the traceback)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_BUG)


def reports_input_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn an `InputError` (or a missing, unreadable file) into one line per problem on stderr
    and exit status 2; with `--json`, the same problems as JSON on stdout too."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (InputError, OSError, UnicodeDecodeError) as error:
            bad_input = input_error_of(error)
            if bad_input is None:
                raise
            exit_bad_input(bad_input, bool(kwargs.get("as_json")))

    return wrapper


def in_existing_folder(param: typer.CallbackParam, path: Path | None) -> Path | None:
    """Option callback for a file a command writes: its folder must exist, checked when the
    options are read (before any work), the refusal naming the option."""
    if path is not None and not path.parent.is_dir():
        raise InputError(param.opts[0], str(path), "a file in an existing folder")
    return path


def load_labels(lang: str) -> Labels:
    """The words of the tables in `lang` (an unknown language is an input error); imported
    here, on first use, so that `--help` does not load the catalogue."""
    from reclaim.reports.labels import Labels

    return Labels.load(lang)


def print_json(payload: Any) -> None:
    """A command's `--json` answer on stdout: indented, non-ASCII as it is."""
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def load_scenario_with_notes(path: Path) -> Scenario:
    """Read a planning scenario, printing its notes on stderr: fields read under an old name,
    rates outside their published range, a population that looks off by 10⁴."""
    from reclaim.io.scenario_file import load_scenario, scenario_notes

    notes: list[str] = []
    loaded = load_scenario(path, notes)
    for note in [*notes, *scenario_notes(loaded)]:
        err_console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    return loaded
