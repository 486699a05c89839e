"""Per-reading state machines for the series rules: the reference the vectorised rules in
`reclaim.operations.alerts` must agree with, written one reading at a time as a SCADA alarm
handler runs them (and the baseline `benchmarks/ingest.py` measures the vectorised code against).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reclaim.operations.alerts import Direction


def threshold_stepwise(
    values: Sequence[float], limit: float, direction: Direction, hysteresis: float, min_steps: int
) -> list[bool]:
    """Latched threshold with deadband and on-delay, reading by reading."""
    latched = False
    held = 0
    out = []
    for value in values:
        if not math.isnan(value):
            beyond = value > limit if direction is Direction.ABOVE else value < limit
            back = (
                value <= limit - hysteresis
                if direction is Direction.ABOVE
                else value >= limit + hysteresis
            )
            if beyond:
                latched = True
            elif back:
                latched = False
        held = held + 1 if latched else 0
        out.append(held >= max(min_steps, 1))
    return out


def rate_of_change_stepwise(
    values: Sequence[float], step_s: float, max_rate_per_hour: float, min_steps: int
) -> list[bool]:
    """Change between consecutive readings faster than the limit, held ``min_steps`` times."""
    held = 0
    out = []
    previous = math.nan
    for value in values:
        fast = abs(value - previous) * 3600.0 / step_s > max_rate_per_hour
        held = held + 1 if fast else 0
        out.append(held >= max(min_steps, 1))
        previous = value
    return out


def flatline_stepwise(values: Sequence[float], min_steps: int, tolerance: float) -> list[bool]:
    """Unchanged (within ``tolerance``) over ``min_steps`` consecutive intervals."""
    held = 0
    out = []
    previous = math.nan
    for value in values:
        held = held + 1 if abs(value - previous) <= tolerance else 0
        out.append(held >= max(min_steps, 1))
        previous = value
    return out


def missing_data_stepwise(values: Sequence[float], max_missing: int) -> list[bool]:
    """``max_missing`` expected readings in a row missing."""
    held = 0
    out = []
    for value in values:
        held = held + 1 if math.isnan(value) else 0
        out.append(held >= max(max_missing, 1))
    return out


def totaliser_backwards_stepwise(values: Sequence[float], tolerance: float) -> list[bool]:
    """A register below the highest earlier reading by more than ``tolerance``."""
    highest = -math.inf
    out = []
    for value in values:
        out.append(value < highest - tolerance)
        if not math.isnan(value):
            highest = max(highest, value)
    return out
