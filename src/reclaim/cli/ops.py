"""`reclaim ops`: network operations from the command line (alert rules, alerts, metered bills).

Every command imports what it needs when it runs, so `reclaim --help` stays light.
"""

from __future__ import annotations

import json

import typer
from rich.table import Table

from reclaim.cli.common import JsonOpt, LangOpt, console, reports_input_errors
from reclaim.errors import InputError

ops_app = typer.Typer(
    help="Network operations: meters and sensors, alerts, metered bills.",
    short_help="Meters, alerts, metered bills.",
    no_args_is_help=True,
)

RULE_HEADINGS = {
    "zh": ("规则", "类型", "优先级", "确认时限 (s)", "参数"),
    "en": ("rule", "kind", "severity", "acknowledge within (s)", "parameters"),
}


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

    if lang not in RULE_HEADINGS:
        raise InputError("--lang", lang, "zh or en")
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
    table = Table(*RULE_HEADINGS[lang])
    for rule in loaded:
        numbers = ", ".join(f"{name}={p.value:g}" for name, p in rule.parameters.items())
        table.add_row(
            rule.id, rule.kind.value, rule.severity.value, f"{rule.acknowledge_within_s:g}", numbers
        )
    console.print(table)
