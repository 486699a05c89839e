"""`reclaim ops`: network operations from the command line (alert rules, alerts, metered bills).

Every command imports what it needs when it runs, so `reclaim --help` stays light.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from reclaim.cli.common import (
    JsonOpt,
    LangOpt,
    NoFailOpt,
    console,
    exit_on_failure,
    reports_input_errors,
)
from reclaim.cli.market import DbOption, open_existing
from reclaim.cli.ops_stream import broker_config, ingest_mqtt, simulate
from reclaim.cli.tables import Column, echo, render
from reclaim.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from reclaim.store.models import AlertRecord, MonthlyBill
    from reclaim.store.registry import Actor

ops_app = typer.Typer(
    help="Network operations: meters and sensors, alerts, metered bills.",
    short_help="Meters, alerts, metered bills.",
    no_args_is_help=True,
)
ops_app.command("ingest-mqtt", short_help="MQTT readings into the database (QoS 1).")(ingest_mqtt)
ops_app.command("broker-config", short_help="Mosquitto logins, ACL and persistence.")(broker_config)
ops_app.command("simulate", short_help="A region's digital twin, publishing readings.")(simulate)

RULE_HEADINGS = ("ops_rule", "ops_kind", "ops_severity", "ops_acknowledge", "ops_parameters")
"""Label keys of the columns, in data/reports/labels.yaml (so are the others below)."""


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

    headings = _headings(RULE_HEADINGS, lang)
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
    rule_h, kind_h, severity_h, within_h, numbers_h = headings
    columns = [
        Column(rule_h, "id"),
        Column(kind_h, "id"),
        Column(severity_h, "id"),
        Column(within_h, "number"),
        Column(numbers_h, "note"),
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


ALERT_HEADINGS = (
    *("ops_id", "ops_rule", "ops_severity", "ops_subject"),
    *("ops_state", "ops_level", "ops_times", "ops_opened"),
)
BILL_HEADINGS = (
    *("ops_id", "ops_contract", "ops_month", "ops_amount"),
    *("ops_fee", "ops_feedback", "ops_seller_net", "ops_lines"),
)


@ops_app.command("alerts", short_help="A region's alerts, filtered, sorted and paged.")
@reports_input_errors
def alerts(
    region: str = typer.Option(..., "--region", metavar="CODE", help="Region code, e.g. lingshi."),
    state: str | None = typer.Option(
        None, "--state", metavar="open|acknowledged|resolved", help="Only alerts in this state."
    ),
    rule: str | None = typer.Option(
        None, "--rule", metavar="RULE", help="Only this rule's alerts."
    ),
    sensor: str | None = typer.Option(
        None, "--sensor", metavar="CODE", help="Only the alerts of this sensor (its code)."
    ),
    sort: str = typer.Option(
        "-opened_at",
        "--sort",
        metavar="ORDER",
        help="-opened_at (newest first), opened_at, -severity, -last_seen_at or -escalation_level.",
    ),
    page: int = typer.Option(1, "--page", metavar="N", help="Page number, from 1."),
    per_page: int = typer.Option(50, "--per-page", metavar="N", help="Alerts a page, 1 to 200."),
    db: str = DbOption,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
) -> None:
    """List the alerts of a region from its database, as the network operator's console does."""
    from sqlalchemy import true

    from reclaim.operations.lifecycle import AlertState
    from reclaim.operations.registry import parse_choice
    from reclaim.store.alerts import MAX_PAGE_SIZE, AlertFilter, AlertOrder, alerts_page

    headings = _headings(ALERT_HEADINGS, lang)
    wanted = AlertFilter(
        state=None if state is None else parse_choice(state, AlertState, "--state"),
        rule=rule,
        sensor=sensor,
        order=parse_choice(sort, AlertOrder, "--sort"),
        page=_bounded("--page", page, 1, 1_000_000),
        per_page=_bounded("--per-page", per_page, 1, MAX_PAGE_SIZE),
    )
    database = open_existing(db)

    def read(session: Session) -> tuple[list[dict[str, Any]], int]:
        rows, total = alerts_page(session, _region_id(session, region), wanted, true())
        return [_alert_row(row) for row in rows], total

    rows, total = database.snapshot(read)
    if as_json:
        page_of = {"items": rows, "total": total, "page": page, "per_page": per_page}
        console.print_json(json.dumps(page_of, ensure_ascii=False, default=str))
        return
    columns = [Column(headings[0], "id"), Column(headings[1], "id"), Column(headings[2], "id")]
    columns += [Column(headings[3], "id"), Column(headings[4], "id"), Column(headings[5], "number")]
    columns += [Column(headings[6], "number"), Column(headings[7], "id")]
    keys = ("id", "rule", "severity", "subject", "state", "escalation_level", "occurrences")
    table = [[*(str(row[key]) for key in keys), row["opened_at"][:16]] for row in rows]
    echo(render(f"{len(rows)} / {total}", columns, table))


def _alert_row(row: AlertRecord) -> dict[str, Any]:
    fields = ("id", "rule", "severity", "subject", "state", "escalation_level", "occurrences")
    out: dict[str, Any] = {name: getattr(row, name) for name in fields}
    for moment in ("opened_at", "acknowledged_at", "resolved_at"):
        value = getattr(row, moment)
        out[moment] = None if value is None else value.isoformat()
    out["acknowledged_why"], out["resolved_why"] = row.acknowledged_why, row.resolved_why
    return out


@ops_app.command("ack", short_help="Acknowledge an open alert, saying why.")
@reports_input_errors
def ack(
    alert_id: int = typer.Argument(..., metavar="ALERT_ID", help="The alert's id (ops alerts)."),
    by: str = typer.Option(
        ..., "--by", metavar="USERNAME", help="The network operator acknowledging it."
    ),
    why: str = typer.Option(..., "--why", metavar="TEXT", help="What is being done about it."),
    db: str = DbOption,
    as_json: bool = JsonOpt,
) -> None:
    """Acknowledge an open alert as a network operator of its region: its escalation stops.
    The action log names that operator."""
    from reclaim.store.alerts import acknowledge_alert

    _act_on_alert(db, "alert.acknowledge", alert_id, by, why, acknowledge_alert, as_json)


@ops_app.command("resolve", short_help="Resolve an alert, saying why.")
@reports_input_errors
def resolve(
    alert_id: int = typer.Argument(..., metavar="ALERT_ID", help="The alert's id (ops alerts)."),
    by: str = typer.Option(
        ..., "--by", metavar="USERNAME", help="The network operator resolving it."
    ),
    why: str = typer.Option(..., "--why", metavar="TEXT", help="What it was, and what was done."),
    db: str = DbOption,
    as_json: bool = JsonOpt,
) -> None:
    """Resolve an open or acknowledged alert as a network operator of its region."""
    from reclaim.store.alerts import resolve_alert

    _act_on_alert(db, "alert.resolve", alert_id, by, why, resolve_alert, as_json)


def _act_on_alert(
    db: str,
    name: str,
    alert_id: int,
    by: str,
    why: str,
    action: Callable[[Session, Actor, int, int, str, datetime], AlertRecord],
    as_json: bool,
) -> None:
    from sqlalchemy import select

    from reclaim.market.errors import MarketRefusal
    from reclaim.service.context import utc_now
    from reclaim.store.actions import append_action, state_of
    from reclaim.store.models import Account, AlertRecord
    from reclaim.store.registry import Actor

    database = open_existing(db)

    def work(session: Session) -> dict[str, Any]:
        account = session.scalar(select(Account).where(Account.username == by))
        if account is None:
            raise InputError("--by", by, "the username of a network operator")
        alert = session.get(AlertRecord, alert_id)
        if alert is None:
            raise InputError("ALERT_ID", alert_id, "the id of an alert (reclaim ops alerts)")
        actor, now, before = Actor.load(session, account), utc_now(), state_of(alert)
        done = action(session, actor, alert.region_id, alert_id, why, now)
        append_action(
            session, actor, name, done, now=now, request_id=None, before=before, reason=why
        )
        return _alert_row(done)

    try:
        row = database.run(work)
    except MarketRefusal as refusal:
        raise InputError(refusal.field, refusal.value, refusal.reason) from None
    if as_json:
        console.print_json(json.dumps(row, ensure_ascii=False, default=str))
        return
    console.print(
        f"alert {row['id']} ({row['rule']}, {row['subject']}) is {row['state']}", markup=False
    )


@ops_app.command("bills", short_help="Monthly bills of metered contracts.")
@reports_input_errors
def bills(
    contract: int | None = typer.Option(
        None, "--contract", metavar="ID", help="Only this contract's bills."
    ),
    db: str = DbOption,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
) -> None:
    """List the monthly bills posted to the ledger for metered contracts, with their lines
    (adjustments of earlier days, from late readings, included) under --json."""
    from sqlalchemy import select

    from reclaim.store.models import MonthlyBill

    headings = _headings(BILL_HEADINGS, lang)
    database = open_existing(db)

    def read(session: Session) -> list[dict[str, Any]]:
        query = select(MonthlyBill).order_by(MonthlyBill.contract_id, MonthlyBill.month)
        if contract is not None:
            query = query.where(MonthlyBill.contract_id == contract)
        return [_bill_row(bill) for bill in session.scalars(query)]

    rows = database.snapshot(read)
    if as_json:
        console.print_json(json.dumps(rows, ensure_ascii=False, default=str))
        return
    columns = [Column(headings[0], "id"), Column(headings[1], "id"), Column(headings[2], "id")]
    columns += [Column(heading, "number") for heading in headings[3:]]
    money = ("amount_yuan", "exchange_fee_yuan", "treatment_feedback_yuan", "seller_net_yuan")
    table = [
        [str(row["id"]), str(row["contract_id"]), row["month"][:7]]
        + [row[key] for key in money]
        + [str(len(row["lines"]))]
        for row in rows
    ]
    echo(render(None, columns, table))


def _bill_row(bill: MonthlyBill) -> dict[str, Any]:
    money = ("amount_yuan", "exchange_fee_yuan", "treatment_feedback_yuan", "seller_net_yuan")
    return {
        "id": bill.id,
        "contract_id": bill.contract_id,
        "month": bill.month.isoformat(),
        **{key: f"{getattr(bill, key):.2f}" for key in money},
        "ledger_txn_id": bill.ledger_txn_id,
        "lines": [
            {
                "day": line.day.isoformat(),
                "kind": line.kind,
                "volume_m3": _decimals(line.volume_m3, 3),
                "price_yuan_per_m3": _decimals(line.price_yuan_per_m3, 2),
                "amount_yuan": f"{line.amount_yuan:.2f}",
                "adjustment": line.adjustment,
            }
            for line in bill.lines
        ],
    }


def _decimals(value: Decimal, places: int) -> str:
    """``value`` with at least ``places`` decimals (more only if it has them), spelt the same
    whatever the database returned (SQLite's text, PostgreSQL's NUMERIC scale)."""
    shown = value.quantize(Decimal(1).scaleb(-places))
    return f"{shown if shown == value else value.normalize():f}"


def _headings(keys: tuple[str, ...], lang: str) -> tuple[str, ...]:
    """The column headings in `lang` (an unknown language is an input error)."""
    from reclaim.reports.labels import Labels

    labels = Labels.load(lang)
    return tuple(labels(key) for key in keys)


def _bounded(option: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InputError(option, value, f"a whole number from {low} to {high}")
    return value


def _region_id(session: Session, code: str) -> int:
    from sqlalchemy import select

    from reclaim.store.models import Region

    region_id = session.scalar(select(Region.id).where(Region.code == code))
    if region_id is None:
        raise InputError("--region", code, "the code of a region of this database")
    return int(region_id)


LOSS_HEADINGS = ("ops_indicator", "ops_value")


@ops_app.command("losses", short_help="A network's water balance, ILI and CJJ 92 leakage rate.")
@reports_input_errors
def losses(
    file: Path = typer.Argument(
        ...,
        metavar="FILE",
        help="YAML of the period: period_days, balance (m³), network, cjj92, grades "
        "(see examples/losses_dma.yaml).",
    ),
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
) -> None:
    """The IWA water balance of FILE's period, UARL and ILI (with Lambert's caveats), CJJ
    92-2016's 漏损率 with its corrections and grade, and the AWWA-style data validity."""
    from reclaim.io.data_files import read_yaml
    from reclaim.io.operations_files import (
        load_cjj92_coefficients,
        load_uarl_coefficients,
        load_validity_scale,
    )
    from reclaim.operations.loss_report import loss_inputs_from_dict, loss_report
    from reclaim.reports.labels import Labels

    inputs = loss_inputs_from_dict(read_yaml(file), file.name)
    report = loss_report(
        inputs, load_uarl_coefficients(), load_cjj92_coefficients(), load_validity_scale()
    )
    if as_json:
        console.print_json(json.dumps(_loss_payload(report), ensure_ascii=False))
        return
    label = Labels.load(lang)
    balance, leakage, rate = report.balance, report.leakage, report.cjj92
    rows = [
        ("loss_system_input", f"{balance.inputs.system_input_m3:,.0f}"),
        ("loss_authorised", f"{balance.authorised_consumption_m3:,.0f}"),
        ("loss_water_losses", f"{balance.water_losses_m3:,.0f}"),
        ("loss_apparent", f"{balance.apparent_losses_m3:,.0f}"),
        ("loss_real", f"{balance.real_losses_m3:,.0f}"),
        ("loss_nrw", f"{balance.non_revenue_water_m3:,.0f}"),
        ("loss_nrw_rate", f"{balance.non_revenue_water_fraction:.1%}"),
        ("loss_uarl", f"{leakage.uarl_m3:,.0f}"),
        ("loss_ili", f"{leakage.ili:.2f}"),
        ("loss_caveats", "; ".join(leakage.caveats) or label("loss_none")),
    ]
    if rate is not None:
        rows += [
            ("loss_gross_rate", f"{rate.gross_loss_rate_fraction:.2%}"),
            ("loss_corrections", f"{rate.total_correction_fraction:.2%}"),
            ("loss_rate", f"{rate.leakage_rate_fraction:.2%}"),
            ("loss_grade", rate.grade or label("loss_no_grade")),
        ]
    if report.validity is not None:
        rows.append(("loss_validity", f"{report.validity.score:.0f} ({report.validity.level})"))
    rows.append(("loss_leading", report.leading.value))
    indicator_h, value_h = _headings(LOSS_HEADINGS, lang)
    columns = [Column(indicator_h, "id"), Column(value_h, "note")]
    echo(render(None, columns, [[label(key), value] for key, value in rows]))


def _loss_payload(report: Any) -> dict[str, Any]:
    """The loss report as JSON: the dataclasses' fields, units in their names."""
    from dataclasses import asdict

    payload: dict[str, Any] = {
        "period_days": report.period_days,
        "balance": {k: v for k, v in asdict(report.balance).items() if k != "inputs"},
        "inputs": asdict(report.balance.inputs),
        "leakage": {**asdict(report.leakage), "formula_applies": report.leakage.formula_applies},
        "cjj92": None if report.cjj92 is None else asdict(report.cjj92),
        "validity": None
        if report.validity is None
        else {
            "score": report.validity.score,
            "level": report.validity.level,
            "grades": dict(report.validity.grades),
        },
        "leading_indicator": report.leading.value,
    }
    return payload


ENTERPRISE_HEADINGS = (
    *("ent_meter", "ent_level", "ent_parent", "ent_children"),
    *("ent_error", "ent_limit", "ent_verdict"),
)


@ops_app.command("enterprise", short_help="An enterprise's water-balance test (GB/T 12452).")
@reports_input_errors
def enterprise(
    file: Path = typer.Argument(
        ...,
        metavar="FILE",
        help="YAML of the test period: meters (一级/二级/三级, m³), use, quota "
        "(see examples/enterprise_balance.yaml).",
    ),
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
    no_fail: bool = NoFailOpt,
) -> None:
    """The closure error of every meter against the meters below it, the reuse rate, the
    reclaimed share of the intake and the water per 10⁴ yuan of value added, against the quota.
    Exits 1 when a closure is beyond its limit or a quota is missed."""
    from dataclasses import asdict

    from reclaim.io.data_files import read_yaml
    from reclaim.io.operations_files import load_closure_limits
    from reclaim.operations.enterprise_balance import (
        enterprise_balance,
        enterprise_inputs_from_dict,
    )
    from reclaim.reports.labels import Labels

    inputs = enterprise_inputs_from_dict(read_yaml(file), file.name)
    result = enterprise_balance(inputs.meters, inputs.use, load_closure_limits(), inputs.quota)
    verdicts = (result.meets_reuse_rate, result.meets_reclaimed_share, result.meets_m3_per_1e4_yuan)
    passed = result.closes and False not in verdicts
    if as_json:
        payload = {
            **{key: value for key, value in asdict(result).items() if key != "closures"},
            "closures": [
                {**asdict(closure), "within_limit": closure.within_limit}
                for closure in result.closures
            ],
            "passed": passed,
        }
        console.print_json(json.dumps(payload, ensure_ascii=False))
    else:
        label = Labels.load(lang)
        headings = _headings(ENTERPRISE_HEADINGS, lang)
        columns = [
            Column(headings[0], "id"),
            *(Column(heading, "number") for heading in headings[1:6]),
            Column(headings[6], "id"),
        ]
        rows = [
            [
                closure.meter,
                str(closure.child_level),
                f"{closure.parent_m3:,.0f}",
                f"{closure.children_m3:,.0f}",
                f"{closure.error_fraction:.2%}",
                f"{closure.max_error_fraction:.0%}",
                label("ent_pass" if closure.within_limit else "ent_fail"),
            ]
            for closure in result.closures
        ]
        echo(render(None, columns, rows))

        def verdict(meets: bool | None) -> str:
            return "—" if meets is None else label("ent_pass" if meets else "ent_fail")

        per_value = "—" if result.m3_per_1e4_yuan is None else f"{result.m3_per_1e4_yuan:.1f}"
        echo(
            label(
                "ent_summary",
                intake=f"{result.intake_m3:,.0f}",
                reuse=f"{result.reuse_rate_fraction:.1%}",
                reclaimed=f"{result.reclaimed_share_fraction:.1%}",
                per_value=per_value,
            )
        )
        echo(
            label(
                "ent_quota",
                reuse=verdict(result.meets_reuse_rate),
                reclaimed=verdict(result.meets_reclaimed_share),
                per_value=verdict(result.meets_m3_per_1e4_yuan),
            )
        )
    exit_on_failure(passed, no_fail)
