"""Unit conversions used across reclaim.

Inside the engine every volume is m³, every flow m³/d, every area m², every head m.
The Chinese planning unit 万 m³ (10⁴ m³) and hectares appear only at the edges
(scenario input and reports); they are converted here and nowhere else.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

M3_PER_1E4_M3 = 1.0e4
"""1 万 m³ = 10⁴ m³."""
M2_PER_HA = 1.0e4
M2_PER_KM2 = 1.0e6
M3_PER_L = 1.0e-3
PERSONS_PER_1E4_PERSONS = 1.0e4
DAYS_PER_YEAR = 365
M_HEAD_PER_MPA = 100.0
"""Planning convention (seed 001 §4.3.2: 0.15 MPa ≙ 15 m free head); 1 MPa ≈ 102 m of water."""

Number = TypeVar("Number", float, npt.NDArray[np.float64])


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
