"""One network's losses for a period: the balance, ILI, CJJ 92 rate and data validity together.

The input table (a file the operator writes, see examples/losses_dma.yaml) holds
``period_days``, ``balance`` (the volumes of `BalanceInputs`), ``network`` (`NetworkSize`) and,
optionally, ``cjj92`` (`Cjj92Conditions`) and ``grades`` (a 1–10 grade per balance input).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from reclaim.errors import InputError, InputErrors
from reclaim.operations.coefficients import numbers, table
from reclaim.operations.data_validity import DataValidity, ValidityScale, balance_validity
from reclaim.operations.losses import (
    Cjj92Coefficients,
    Cjj92Conditions,
    Cjj92LeakageRate,
    LeadingIndicator,
    LeakageIndex,
    NetworkSize,
    UarlCoefficients,
    cjj92_leakage_rate,
    leading_indicator,
    leakage_index,
)
from reclaim.operations.water_balance import (
    BalanceInputs,
    WaterBalance,
    balance_inputs_from_dict,
    water_balance,
)


@dataclass(frozen=True)
class LossInputs:
    """What a loss report is computed from."""

    period_days: float
    balance: BalanceInputs
    network: NetworkSize
    cjj92: Cjj92Conditions | None
    grades: Mapping[str, object] | None


@dataclass(frozen=True)
class LossReport:
    """The balance, the ILI with its caveats, the CJJ 92 rate (if its conditions were given), the
    data validity (if grades were given) and which loss figure leads."""

    period_days: float
    balance: WaterBalance
    leakage: LeakageIndex
    cjj92: Cjj92LeakageRate | None
    validity: DataValidity | None
    leading: LeadingIndicator


def loss_inputs_from_dict(raw: object, where: str) -> LossInputs:
    """`LossInputs` from a parsed file; every missing or non-numeric field is named at once."""
    document = table(raw, where)
    problems: list[InputError] = []
    period = document.get("period_days")
    if isinstance(period, bool) or not isinstance(period, int | float):
        problems.append(InputError(f"{where}.period_days", period, "a number of days"))
    network = _all_numbers(document.get("network"), NetworkSize, f"{where}.network", problems)
    conditions = (
        None
        if document.get("cjj92") is None
        else _all_numbers(document["cjj92"], Cjj92Conditions, f"{where}.cjj92", problems)
    )
    grades = document.get("grades")
    if grades is not None and not isinstance(grades, Mapping):
        problems.append(InputError(f"{where}.grades", grades, "a table of grades by input"))
    try:
        balance = balance_inputs_from_dict(document.get("balance"), f"{where}.balance")
    except InputError as error:
        problems.extend(error.problems)
    if problems:
        raise InputErrors(problems)
    assert isinstance(period, int | float) and network is not None
    return LossInputs(float(period), balance, network, conditions, grades)


def _all_numbers(raw: object, kind: type[Any], where: str, problems: list[InputError]) -> Any:
    """``kind`` built from table ``raw`` when it gives every field as a number, else None."""
    names = [field.name for field in fields(kind)]
    found = numbers(raw, kind, where, problems, required=names)
    return kind(**found) if len(found) == len(names) else None


def loss_report(
    inputs: LossInputs,
    uarl: UarlCoefficients,
    cjj92: Cjj92Coefficients,
    scale: ValidityScale,
) -> LossReport:
    """The losses of one network over one period."""
    balance = water_balance(inputs.balance)
    leakage = leakage_index(balance, inputs.network, inputs.period_days, uarl)
    return LossReport(
        period_days=inputs.period_days,
        balance=balance,
        leakage=leakage,
        cjj92=None if inputs.cjj92 is None else cjj92_leakage_rate(balance, inputs.cjj92, cjj92),
        validity=(
            None
            if inputs.grades is None
            else balance_validity(inputs.balance, inputs.grades, scale)
        ),
        leading=leading_indicator(leakage),
    )
