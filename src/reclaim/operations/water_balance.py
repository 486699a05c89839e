"""The IWA standard water balance of a network (a region or a DMA) over one period, in m³.

System input = authorised consumption (billed metered, billed unmetered, unbilled metered,
unbilled unmetered) + water losses; water losses = apparent losses (unauthorised consumption,
customer meter inaccuracies, data handling errors) + real losses; non-revenue water = system
input − billed authorised consumption (Alegre et al., IWA Performance Indicators for Water Supply
Services, 2000/2006; AWWA M36 4th ed.). Real losses are what is left once the estimated apparent
losses are taken off the water losses, so every component is checked before anything is derived:
a negative volume, authorised use above the input or apparent losses above the water losses is
refused naming the field and its value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from reclaim.errors import InputError, InputErrors
from reclaim.operations.coefficients import numbers


@dataclass(frozen=True)
class BalanceInputs:
    """The measured and estimated volumes of one period, m³."""

    system_input_m3: float
    billed_metered_m3: float
    billed_unmetered_m3: float = 0.0
    unbilled_metered_m3: float = 0.0
    unbilled_unmetered_m3: float = 0.0
    unauthorised_consumption_m3: float = 0.0
    customer_meter_inaccuracies_m3: float = 0.0
    data_handling_errors_m3: float = 0.0


@dataclass(frozen=True)
class WaterBalance:
    """The balance derived from `BalanceInputs` (kept as ``inputs``), m³ and fractions of input."""

    inputs: BalanceInputs
    billed_authorised_m3: float
    unbilled_authorised_m3: float
    authorised_consumption_m3: float
    water_losses_m3: float
    apparent_losses_m3: float
    real_losses_m3: float
    non_revenue_water_m3: float
    non_revenue_water_fraction: float
    water_losses_fraction: float


REQUIRED_INPUTS = ("system_input_m3", "billed_metered_m3")
"""The `BalanceInputs` without a default: a file must give them."""

APPARENT_COMPONENTS = (
    "unauthorised_consumption_m3",
    "customer_meter_inaccuracies_m3",
    "data_handling_errors_m3",
)


def water_balance(inputs: BalanceInputs) -> WaterBalance:
    """The IWA balance of ``inputs``; every inconsistent component is reported at once."""
    _check(inputs)
    billed = inputs.billed_metered_m3 + inputs.billed_unmetered_m3
    unbilled = inputs.unbilled_metered_m3 + inputs.unbilled_unmetered_m3
    authorised = billed + unbilled
    losses = inputs.system_input_m3 - authorised
    apparent = sum(getattr(inputs, name) for name in APPARENT_COMPONENTS)
    non_revenue = inputs.system_input_m3 - billed
    return WaterBalance(
        inputs=inputs,
        billed_authorised_m3=billed,
        unbilled_authorised_m3=unbilled,
        authorised_consumption_m3=authorised,
        water_losses_m3=losses,
        apparent_losses_m3=apparent,
        real_losses_m3=losses - apparent,
        non_revenue_water_m3=non_revenue,
        non_revenue_water_fraction=non_revenue / inputs.system_input_m3,
        water_losses_fraction=losses / inputs.system_input_m3,
    )


def _check(inputs: BalanceInputs) -> None:
    problems = [
        InputError(field.name, getattr(inputs, field.name), "a volume of 0 m³ or more")
        for field in fields(inputs)
        if not 0.0 <= getattr(inputs, field.name) < math.inf
    ]
    if inputs.system_input_m3 == 0.0:
        problems.append(InputError("system_input_m3", 0.0, "a system input above 0 m³"))
    if problems:
        raise InputErrors(problems)
    authorised = (
        inputs.billed_metered_m3
        + inputs.billed_unmetered_m3
        + inputs.unbilled_metered_m3
        + inputs.unbilled_unmetered_m3
    )
    if authorised > inputs.system_input_m3:
        raise InputError(
            "authorised consumption (billed + unbilled)",
            authorised,
            f"at most the system input of {inputs.system_input_m3} m³",
        )
    apparent = sum(getattr(inputs, name) for name in APPARENT_COMPONENTS)
    if apparent > inputs.system_input_m3 - authorised:
        raise InputError(
            "apparent losses (" + " + ".join(APPARENT_COMPONENTS) + ")",
            apparent,
            f"at most the water losses of {inputs.system_input_m3 - authorised} m³",
        )


def balance_inputs_from_dict(raw: object, where: str = "balance") -> BalanceInputs:
    """`BalanceInputs` from a table of volumes (m³), unknown or non-numeric entries refused."""
    problems: list[InputError] = []
    volumes = numbers(raw, BalanceInputs, where, problems, REQUIRED_INPUTS)
    if problems:
        raise InputErrors(problems)
    return BalanceInputs(**volumes)
