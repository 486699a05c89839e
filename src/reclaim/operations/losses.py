"""Loss indicators from a water balance: UARL and ILI (IWA), the CJJ 92-2016 漏损率 and grade.

UARL (Lambert et al. 1999) = (a·Lm + b·Nc + c·Lp) × P litres/day, with the coefficients a, b, c
read from ``data/operations/losses.yaml``; CARL is the balance's real losses and ILI = CARL /
UARL. The formula was calibrated on systems above a size, connection density and pressure; a
system outside them still gets its ILI, with the reasons in ``caveats``, and the CJJ 92 rate then
leads (`leading_indicator`).

CJJ 92-2016 (2018 revision) §5.2: 综合漏损率 R_WL = (Q_s − Q_a) / Q_s with Q_s 供水总量 and Q_a
注册用户用水量 (the authorised consumption of the balance); 漏损率 R_BL = R_WL − (R1 + R2 + R3
+ R4), corrected for the residential metered share, the pipe length per unit supplied, the mean
outlet pressure and the maximum frost depth; graded 一级 / 二级 by the thresholds of the file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from reclaim.errors import InputError, InputErrors
from reclaim.operations.coefficients import coefficient, entries, table
from reclaim.operations.water_balance import WaterBalance

LITRES_PER_M3 = 1000.0
M3_PER_1E4_M3 = 1.0e4
"""CJJ 92 states the pipe length per unit supplied in km per 万 m³ (10⁴ m³)."""


@dataclass(frozen=True)
class UarlCoefficients:
    """Lambert's UARL coefficients and the range the formula was calibrated on."""

    mains_l_per_km_day_m: float
    connections_l_per_connection_day_m: float
    private_pipe_l_per_km_day_m: float
    min_connections: float
    min_density_connections_per_km: float
    min_pressure_m: float


@dataclass(frozen=True)
class NetworkSize:
    """What UARL scales with: mains length, service connections, private pipe length (property
    line to customer meter) and the average operating pressure over the period."""

    mains_km: float
    service_connections: int
    private_pipe_km: float
    average_pressure_m: float


@dataclass(frozen=True)
class LeakageIndex:
    """CARL, UARL and ILI of one period; ``caveats`` names each calibration limit not met."""

    carl_m3: float
    uarl_m3: float
    uarl_litres_per_day: float
    ili: float
    caveats: tuple[str, ...]

    @property
    def formula_applies(self) -> bool:
        """Whether the system lies inside the range the UARL formula was calibrated on."""
        return not self.caveats


class LeadingIndicator(StrEnum):
    """The loss figure to read first: ILI where Lambert's formula applies, else CJJ 92's rate."""

    ILI = "ili"
    CJJ92_LEAKAGE_RATE = "cjj92_leakage_rate"


def uarl_coefficients_from_dict(raw: object, where: str = "uarl") -> UarlCoefficients:
    """`UarlCoefficients` from the ``uarl`` table of the losses file, each number sourced."""
    uarl = table(raw, where)
    return UarlCoefficients(
        **{field.name: coefficient(uarl, field.name, where) for field in fields(UarlCoefficients)}
    )


def uarl_litres_per_day(network: NetworkSize, coefficients: UarlCoefficients) -> float:
    """Lambert's UARL, litres/day: (a·Lm + b·Nc + c·Lp) × P."""
    _check_network(network)
    return (
        coefficients.mains_l_per_km_day_m * network.mains_km
        + coefficients.connections_l_per_connection_day_m * network.service_connections
        + coefficients.private_pipe_l_per_km_day_m * network.private_pipe_km
    ) * network.average_pressure_m


def leakage_index(
    balance: WaterBalance, network: NetworkSize, period_days: float, coefficients: UarlCoefficients
) -> LeakageIndex:
    """ILI = CARL / UARL over ``period_days``, with the calibration caveats of ``network``."""
    if not 0 < period_days < math.inf:
        raise InputError("period_days", period_days, "a period of more than 0 days")
    per_day = uarl_litres_per_day(network, coefficients)
    uarl_m3 = per_day * period_days / LITRES_PER_M3
    return LeakageIndex(
        carl_m3=balance.real_losses_m3,
        uarl_m3=uarl_m3,
        uarl_litres_per_day=per_day,
        ili=balance.real_losses_m3 / uarl_m3,
        caveats=_caveats(network, coefficients),
    )


def _check_network(network: NetworkSize) -> None:
    problems = [
        InputError(name, value, "0 or more")
        for name, value in (
            ("service_connections", network.service_connections),
            ("private_pipe_km", network.private_pipe_km),
        )
        if not 0 <= value < math.inf
    ]
    if not 0 < network.mains_km < math.inf:
        problems.append(InputError("mains_km", network.mains_km, "a mains length above 0 km"))
    if not 0 < network.average_pressure_m < math.inf:
        problems.append(
            InputError("average_pressure_m", network.average_pressure_m, "a pressure above 0 m")
        )
    if problems:
        raise InputErrors(problems)


def _caveats(network: NetworkSize, coefficients: UarlCoefficients) -> tuple[str, ...]:
    density = network.service_connections / network.mains_km
    checks = (
        (
            network.service_connections < coefficients.min_connections,
            f"{network.service_connections} service connections, below the "
            f"{coefficients.min_connections:.0f} the UARL formula was calibrated on",
        ),
        (
            density < coefficients.min_density_connections_per_km,
            f"{density:.1f} connections per km of mains, below the "
            f"{coefficients.min_density_connections_per_km:.0f} the UARL formula was calibrated on",
        ),
        (
            network.average_pressure_m < coefficients.min_pressure_m,
            f"average pressure {network.average_pressure_m} m, below the "
            f"{coefficients.min_pressure_m:.0f} m the UARL formula was calibrated on",
        ),
    )
    return tuple(reason for failed, reason in checks if failed)


def leading_indicator(index: LeakageIndex) -> LeadingIndicator:
    """ILI leads where Lambert's formula applies; outside its range CJJ 92's rate leads."""
    return LeadingIndicator.ILI if index.formula_applies else LeadingIndicator.CJJ92_LEAKAGE_RATE


@dataclass(frozen=True)
class PressureBand:
    """A band of mean outlet pressure (MPa, above ``above_mpa`` up to ``up_to_mpa``) and its R3."""

    above_mpa: float
    up_to_mpa: float | None
    correction_fraction: float


@dataclass(frozen=True)
class Grade:
    """A CJJ 92 grade and the highest 漏损率 it admits."""

    name: str
    max_rate_fraction: float


@dataclass(frozen=True)
class Cjj92Coefficients:
    """The correction coefficients and grade thresholds of CJJ 92-2016."""

    grades: tuple[Grade, ...]
    residential_factor: float
    pipe_length_factor: float
    pipe_length_reference_km_per_1e4_m3: float
    pipe_length_correction_limit_fraction: float
    pressure_bands: tuple[PressureBand, ...]
    frost_depth_above_m: float
    frost_correction_fraction: float


@dataclass(frozen=True)
class Cjj92Conditions:
    """What the corrections need besides the balance: the residential volume metered per
    household (居民抄表到户水量, m³), the length of DN75 and larger pipe (km), the year's mean
    outlet pressure (MPa) and the region's maximum frost depth (m)."""

    residential_metered_m3: float
    pipe_length_dn75_km: float
    mean_outlet_pressure_mpa: float
    max_frost_depth_m: float


@dataclass(frozen=True)
class Cjj92LeakageRate:
    """综合漏损率, the four corrections, 漏损率 and its grade (None: above every grade)."""

    gross_loss_rate_fraction: float
    residential_correction_fraction: float
    pipe_length_correction_fraction: float
    pressure_correction_fraction: float
    frost_correction_fraction: float
    total_correction_fraction: float
    leakage_rate_fraction: float
    pipe_length_km_per_1e4_m3: float
    grade: str | None


def cjj92_coefficients_from_dict(raw: object, where: str = "cjj92") -> Cjj92Coefficients:
    """`Cjj92Coefficients` from the ``cjj92`` table of the losses file, each number sourced."""
    cjj = table(raw, where)
    grades = tuple(
        Grade(
            name=str(entry.get("name")),
            max_rate_fraction=coefficient(entry, "max_rate_fraction", f"{where}.grades[{i}]"),
        )
        for i, entry in enumerate(entries(cjj.get("grades"), f"{where}.grades"))
    )
    bands = tuple(
        _band(entry, f"{where}.pressure_bands[{i}]")
        for i, entry in enumerate(entries(cjj.get("pressure_bands"), f"{where}.pressure_bands"))
    )
    return Cjj92Coefficients(
        grades=tuple(sorted(grades, key=lambda grade: grade.max_rate_fraction)),
        residential_factor=coefficient(cjj, "residential_factor", where),
        pipe_length_factor=coefficient(cjj, "pipe_length_factor", where),
        pipe_length_reference_km_per_1e4_m3=coefficient(
            cjj, "pipe_length_reference_km_per_1e4_m3", where
        ),
        pipe_length_correction_limit_fraction=coefficient(
            cjj, "pipe_length_correction_limit_fraction", where
        ),
        pressure_bands=bands,
        frost_depth_above_m=coefficient(cjj, "frost_depth_above_m", where),
        frost_correction_fraction=coefficient(cjj, "frost_correction_fraction", where),
    )


def _band(entry: Mapping[str, Any], where: str) -> PressureBand:
    above, up_to = entry.get("above_mpa"), entry.get("up_to_mpa")
    if isinstance(above, bool) or not isinstance(above, int | float):
        raise InputError(f"{where}.above_mpa", above, "a pressure in MPa")
    if up_to is not None and (isinstance(up_to, bool) or not isinstance(up_to, int | float)):
        raise InputError(f"{where}.up_to_mpa", up_to, "a pressure in MPa, or null for no bound")
    return PressureBand(
        above_mpa=float(above),
        up_to_mpa=None if up_to is None else float(up_to),
        correction_fraction=coefficient(entry, "correction_fraction", where),
    )


def cjj92_leakage_rate(
    balance: WaterBalance, conditions: Cjj92Conditions, coefficients: Cjj92Coefficients
) -> Cjj92LeakageRate:
    """CJJ 92's 漏损率 of a year's balance: Q_s = system input, Q_a = authorised consumption."""
    _check_conditions(balance, conditions)
    supplied = balance.inputs.system_input_m3
    gross = (supplied - balance.authorised_consumption_m3) / supplied
    residential = coefficients.residential_factor * conditions.residential_metered_m3 / supplied
    pipe_per_unit = conditions.pipe_length_dn75_km / (supplied / M3_PER_1E4_M3)
    limit = coefficients.pipe_length_correction_limit_fraction
    pipe = min(
        limit,
        max(
            -limit,
            coefficients.pipe_length_factor
            * (pipe_per_unit - coefficients.pipe_length_reference_km_per_1e4_m3),
        ),
    )
    pressure = next(
        (
            band.correction_fraction
            for band in coefficients.pressure_bands
            if conditions.mean_outlet_pressure_mpa > band.above_mpa
            and (band.up_to_mpa is None or conditions.mean_outlet_pressure_mpa <= band.up_to_mpa)
        ),
        0.0,
    )
    frost = (
        coefficients.frost_correction_fraction
        if conditions.max_frost_depth_m > coefficients.frost_depth_above_m
        else 0.0
    )
    total = residential + pipe + pressure + frost
    rate = gross - total
    grade = next(
        (grade.name for grade in coefficients.grades if rate <= grade.max_rate_fraction), None
    )
    return Cjj92LeakageRate(
        gross_loss_rate_fraction=gross,
        residential_correction_fraction=residential,
        pipe_length_correction_fraction=pipe,
        pressure_correction_fraction=pressure,
        frost_correction_fraction=frost,
        total_correction_fraction=total,
        leakage_rate_fraction=rate,
        pipe_length_km_per_1e4_m3=pipe_per_unit,
        grade=grade,
    )


def _check_conditions(balance: WaterBalance, conditions: Cjj92Conditions) -> None:
    problems = [
        InputError(name, value, "0 or more")
        for name, value in vars(conditions).items()
        if not 0 <= value < math.inf
    ]
    if conditions.residential_metered_m3 > balance.authorised_consumption_m3:
        problems.append(
            InputError(
                "residential_metered_m3",
                conditions.residential_metered_m3,
                f"at most the registered users' consumption of "
                f"{balance.authorised_consumption_m3} m³",
            )
        )
    if problems:
        raise InputErrors(problems)
