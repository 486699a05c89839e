"""Entry point of the `reclaim` command: one sub-command group per domain."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from reclaim.cli.common import EXIT_BAD_INPUT, exit_bad_input, exit_bug, input_error_of, print_error
from reclaim.cli.market import app as market_app
from reclaim.cli.network import network_app
from reclaim.cli.ops import ops_app
from reclaim.cli.plan import plan_app
from reclaim.cli.quality import quality_app
from reclaim.errors import InputError

RETIRED_OPTIONS = {
    "--format": "no longer an option: add --json for JSON (tables are the default)",
    "--count": "renamed --samples (as in `plan sensitivity`)",
    "--inp": "renamed --out (the .inp file `network export` writes)",
}
"""Options that were renamed, and where the user should look instead."""


def _reported_by_typer(error: Exception) -> bool:
    """Usage errors, exits and aborts, which Typer reports itself (from its own copy of Click
    or from Click, depending on its version), and a closed pipe."""
    package = type(error).__module__.partition(".")[0]
    return package in ("click", "typer") or isinstance(error, BrokenPipeError)


class ReclaimGroup(TyperGroup):
    """The root command: refuses a retired option with a pointer to its replacement, before
    the sub-command would call it merely unknown; and no traceback ever reaches a user: bad
    input found anywhere is one line and exit 2, any other error one line and exit 3."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            if _reported_by_typer(error):
                raise
            bad_input = input_error_of(error)
            if bad_input is None:
                exit_bug(error)
            exit_bad_input(bad_input)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for position, arg in enumerate(args):
            if arg == "--":
                break
            name, _, value = arg.partition("=")
            if name in RETIRED_OPTIONS:
                given = value or (args[position + 1] if position + 1 < len(args) else "")
                print_error(InputError(name, given, RETIRED_OPTIONS[name]))
                raise typer.Exit(EXIT_BAD_INPUT)
        return super().parse_args(ctx, args)


app = typer.Typer(
    name="reclaim",
    cls=ReclaimGroup,
    help="Plan, check, simulate, trade and operate a reclaimed-water (再生水) system.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)
app.add_typer(plan_app, name="plan")
app.add_typer(quality_app, name="quality")
app.add_typer(network_app, name="network")
app.add_typer(ops_app, name="ops")
app.add_typer(market_app)  # serve, db, ledger: top-level commands of the exchange


@app.callback()
def main() -> None:
    """reclaim: one platform for the reclaimed-water chain of a water-scarce city."""
