"""`reclaim ops`: network operations from the command line (alert rules, alerts, metered bills).

Every command imports what it needs when it runs, so `reclaim --help` stays light.
"""

from __future__ import annotations

import json

import typer

from reclaim.cli.common import JsonOpt, LangOpt, console, reports_input_errors
from reclaim.cli.tables import Column, echo, render

ops_app = typer.Typer(
    help="Network operations: meters and sensors, alerts, metered bills.",
    short_help="Meters, alerts, metered bills.",
    no_args_is_help=True,
)


@ops_app.command("rules", short_help="A region's alert rules and where each number comes from.")
@reports_input_errors
def rules(
    region: str = typer.Argument(
        ..., metavar="REGION", help="Region code, e.g. shuozhou (its overrides apply)."
    ),
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
) -> None:
    """List the alert rules of REGION: the shipped defaults with the region's overrides, each
    number with its source or the reason it is a local choice."""
    from reclaim.io.operations_files import load_alert_rules
    from reclaim.reports.labels import Labels

    labels = Labels.load(lang)  # an unknown language is refused before any work
    loaded = load_alert_rules(region)
    if as_json:
        payload = [
            {
                "id": rule.id,
                "kind": rule.kind.value,
                "severity": rule.severity.value,
                "acknowledge_within_s": rule.acknowledge_within_s,
                "parameters": {
                    name: {
                        "value": parameter.value,
                        ("local_choice" if parameter.local_choice else "source"): parameter.source,
                    }
                    for name, parameter in rule.parameters.items()
                },
            }
            for rule in loaded
        ]
        console.print_json(json.dumps(payload, ensure_ascii=False))
        return
    columns = [
        Column(labels("ops_rule"), "id"),
        Column(labels("ops_kind"), "id"),
        Column(labels("ops_severity"), "id"),
        Column(labels("ops_acknowledge"), "number"),
        Column(labels("ops_parameters"), "note"),
    ]
    rows = [
        [
            rule.id,
            rule.kind.value,
            rule.severity.value,
            f"{rule.acknowledge_within_s:g}",
            ", ".join(f"{name}={p.value:g}" for name, p in rule.parameters.items()),
        ]
        for rule in loaded
    ]
    echo(render(None, columns, rows))
