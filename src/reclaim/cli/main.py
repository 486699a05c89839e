"""Entry point of the `reclaim` command: one sub-command group per domain."""

from __future__ import annotations

import typer

from reclaim.cli.market import app as market_app
from reclaim.cli.network import network_app
from reclaim.cli.plan import plan_app
from reclaim.cli.quality import quality_app

app = typer.Typer(
    name="reclaim",
    help="Plan, check, simulate, trade and operate a reclaimed-water (再生水) system.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(plan_app, name="plan")
app.add_typer(quality_app, name="quality")
app.add_typer(network_app, name="network")
app.add_typer(market_app)  # serve, db, ledger: top-level commands of the exchange


@app.callback()
def main() -> None:
    """reclaim: one platform for the reclaimed-water chain of a water-scarce city."""
