"""Full precision, or rounding each intermediate figure as a plan document prints it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

import numpy as np

from reclaim.errors import InputError
from reclaim.units import Number as Values

RoundingMode = Literal["full", "plan"]
ROUNDING_MODES: tuple[str, ...] = get_args(RoundingMode)


def rounding_mode(value: str, field: str = "rounding") -> RoundingMode:
    """The rounding mode named by `value`, or an InputError naming `field`."""
    if value not in ROUNDING_MODES:
        raise InputError(field, value, f"one of: {', '.join(ROUNDING_MODES)}")
    return value  # type: ignore[return-value]


_HALF_UP_GUARD = 1e-9
"""Guards half-up rounding against binary representation (2.675 is stored as 2.67499…)."""


def round_half_up(value: Values, digits: int) -> Values:
    """Round half away from zero, as printed tables do (NumPy rounds half to even)."""
    scale = 10.0**digits
    result = np.sign(value) * np.floor(np.abs(value) * scale + 0.5 + _HALF_UP_GUARD) / scale
    return result if isinstance(value, np.ndarray) else float(result)


class Rounder:
    """Applies the printed precision of each named intermediate figure in plan mode."""

    def __init__(self, mode: RoundingMode, digits: Mapping[str, int]) -> None:
        self.mode = rounding_mode(mode)
        self.digits = dict(digits)

    def __call__(self, figure: str, value: Values) -> Values:
        """The value as the plan would carry it forward."""
        if self.mode == "full":
            return value
        if figure not in self.digits:
            raise InputError(f"rounding.{figure}", None, "plan rounding needs its printed digits")
        return round_half_up(value, self.digits[figure])
