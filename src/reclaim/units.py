"""Unit conversions used across reclaim.

Inside the engine every volume is m³, every flow m³/d, every area m², every head m.
The Chinese planning unit 万 m³ (10⁴ m³) and hectares appear only at the edges
(scenario input and reports); they are converted here and nowhere else.
"""

from __future__ import annotations

import re
from typing import Union

import numpy as np
import numpy.typing as npt

M3_PER_1E4_M3 = 1.0e4
"""1 万 m³ = 10⁴ m³."""
M2_PER_HA = 1.0e4
M2_PER_KM2 = 1.0e6
M3_PER_L = 1.0e-3
PERSONS_PER_1E4_PERSONS = 1.0e4
DAYS_PER_YEAR = 365
HOURS_PER_DAY = 24
SECONDS_PER_HOUR = 3_600
M_HEAD_PER_MPA = 100.0
"""Planning convention (seed 001 §4.3.2: 0.15 MPa ≙ 15 m free head); 1 MPa ≈ 102 m of water."""

Number = Union[float, npt.NDArray[np.float64]]  # noqa: UP007 - run-time alias
"""A figure, or an array of sampled figures."""


def m3_to_1e4_m3(volume_m3: Number) -> Number:
    """m³ → 万 m³."""
    return volume_m3 / M3_PER_1E4_M3


def from_1e4_m3(volume_1e4_m3: Number) -> Number:
    """万 m³ → m³."""
    return volume_1e4_m3 * M3_PER_1E4_M3


def ha_to_m2(area_ha: Number) -> Number:
    """Hectares → m²."""
    return area_ha * M2_PER_HA


def ha_to_km2(area_ha: Number) -> Number:
    """Hectares → km²."""
    return area_ha * M2_PER_HA / M2_PER_KM2


def l_to_m3(volume_l: Number) -> Number:
    """Litres → m³."""
    return volume_l * M3_PER_L


# Units a scenario may write next to a number ("915.22 ha", "3.2 万m3/d", "85 %"), as Chinese plans
# print them; each maps to the factor that converts it into the SI unit of the field it is written
# in. A tonne of water is taken as 1 m³ (t/d, 吨/日 for water flows).
QUANTITY_UNITS: dict[str, dict[str, float]] = {
    "ha": {
        "ha": 1.0,
        "hm2": 1.0,
        "公顷": 1.0,
        "m2": 1.0 / M2_PER_HA,
        "平方米": 1.0 / M2_PER_HA,
        "km2": M2_PER_KM2 / M2_PER_HA,
        "平方公里": M2_PER_KM2 / M2_PER_HA,
    },
    "m": {"m": 1.0, "km": 1000.0},
    "m3": {"m3": 1.0, "万m3": M3_PER_1E4_M3, "t": 1.0, "吨": 1.0},
    "m3_per_day": {
        "m3/d": 1.0,
        "万m3/d": M3_PER_1E4_M3,
        "1e4m3/d": M3_PER_1E4_M3,
        "t/d": 1.0,
        "吨/日": 1.0,
        "吨/天": 1.0,
        "万t/d": M3_PER_1E4_M3,
        "万吨/日": M3_PER_1E4_M3,
        "万吨/天": M3_PER_1E4_M3,
    },
    "m3_per_hour": {
        "m3/h": 1.0,
        "l/s": SECONDS_PER_HOUR * M3_PER_L,
        "m3/d": 1.0 / HOURS_PER_DAY,
        "万m3/d": M3_PER_1E4_M3 / HOURS_PER_DAY,
    },
    "m3_per_km2_day": {
        "m3/(km2·d)": 1.0,
        "m3/(km2*d)": 1.0,
        "万m3/(km2·d)": M3_PER_1E4_M3,
        "万m3/(km2*d)": M3_PER_1E4_M3,
    },
    "l_per_m2_day": {
        "l/(m2·d)": 1.0,
        "l/(m2*d)": 1.0,
        "mm/d": 1.0,
        "m3/(hm2·d)": 1.0 / M3_PER_L / M2_PER_HA,
        "m3/(hm2*d)": 1.0 / M3_PER_L / M2_PER_HA,
        "m3/(ha·d)": 1.0 / M3_PER_L / M2_PER_HA,
        "m3/(ha*d)": 1.0 / M3_PER_L / M2_PER_HA,
    },
    "l_per_person_day": {"l/(person·d)": 1.0, "l/(person*d)": 1.0, "l/(人·d)": 1.0},
    "1e4_persons": {"万人": 1.0, "人": 1.0 / PERSONS_PER_1E4_PERSONS},
    "fraction": {"%": 0.01},
    "yuan_per_m3": {"元/m3": 1.0, "元/t": 1.0, "元/吨": 1.0},
    # Telemetry units (reclaim.operations): pressure as free head, with the same 0.15 MPa ≙ 15 m
    # convention as the network limit it is compared with; concentrations, turbidity, pH and
    # conductivity by SI prefixes only.
    "m_head": {
        "m": 1.0,
        "mh2o": 1.0,
        "mpa": M_HEAD_PER_MPA,
        "kpa": M_HEAD_PER_MPA / 1000.0,
        "bar": M_HEAD_PER_MPA / 10.0,
    },
    "mg_per_l": {"mg/l": 1.0, "g/m3": 1.0, "µg/l": 1.0e-3, "ug/l": 1.0e-3},
    "ntu": {"ntu": 1.0},
    "ph": {"ph": 1.0},
    "us_per_cm": {"µs/cm": 1.0, "μs/cm": 1.0, "us/cm": 1.0, "ms/cm": 1000.0, "ms/m": 10.0},
}

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_SPELLINGS = {"³": "3", "²": "2", "㎡": "m2", "㎥": "m3", "（": "(", "）": ")", "・": "·"}


def _normalised_unit(text: str) -> str:
    unit = text.replace(" ", "")
    for written, plain in _SPELLINGS.items():
        unit = unit.replace(written, plain)
    return unit.lower()


def parse_quantity(text: str, field_unit: str) -> float:
    """Read "<number> <unit>" (or "<number><unit>") written for a field whose SI unit is
    `field_unit`.

    Raises ValueError naming the allowed units when the unit does not fit the field, so a
    value in the wrong unit is refused rather than silently misread.
    """
    allowed = QUANTITY_UNITS[field_unit]
    stripped = text.strip()
    number_text = _NUMBER.match(stripped)
    if number_text is None:
        example = f"12.5 {next(iter(allowed))}"
        raise ValueError(f"expected a number or '<number> <unit>', got {text!r}; e.g. {example!r}")
    number = float(number_text.group(0))
    written = stripped[number_text.end() :].strip()
    if not written:
        return number
    unit = _normalised_unit(written)
    for name, factor in allowed.items():
        if unit == _normalised_unit(name):
            return number * factor
    raise ValueError(
        f"unit {written!r} does not fit this field; allowed: {', '.join(allowed)}; "
        f"e.g. '{number:g} {next(iter(allowed))}'"
    )


def unit_factor(written: str, field_unit: str) -> float | None:
    """Factor turning a value written in ``written`` into the SI unit ``field_unit`` (a
    `QUANTITY_UNITS` key), or None when that unit does not fit the field."""
    unit = _normalised_unit(written)
    for name, factor in QUANTITY_UNITS[field_unit].items():
        if unit == _normalised_unit(name):
            return factor
    return None
