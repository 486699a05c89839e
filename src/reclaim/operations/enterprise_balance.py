"""An enterprise's water-balance test (GB/T 12452 企业水平衡测试通则) from its three meter levels.

一级 meters the enterprise's intake, 二级 its workshops, 三级 their equipment. Between a meter and
the meters below it the closure error is (parent − Σ children) / parent, held against the file's
limit for that level. The reuse rate (重复利用率) is reused / (reused + intake), the reclaimed share
is the reclaimed (再生水) part of the intake, and the water per 10⁴ yuan of value added is the
intake over the value added; each is held against the enterprise's quota where one is given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reclaim.errors import InputError, InputErrors
from reclaim.operations.coefficients import coefficient, entries, numbers, table

TOP_LEVEL = 1
LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class EnterpriseMeter:
    """One meter's volume over the test period (m³); ``parent`` is the meter one level up."""

    meter: str
    level: int
    volume_m3: float
    parent: str | None = None


@dataclass(frozen=True)
class Closure:
    """The closure of one meter against the meters of the next level below it."""

    meter: str
    child_level: int
    parent_m3: float
    children_m3: float
    error_fraction: float
    max_error_fraction: float

    @property
    def within_limit(self) -> bool:
        """Whether |error| is at most the limit of the children's level."""
        return abs(self.error_fraction) <= self.max_error_fraction


@dataclass(frozen=True)
class EnterpriseUse:
    """The figures of the period besides the meters: water reused (重复利用水量, m³), the
    reclaimed part of the intake (m³) and the value added (10⁴ yuan) where known."""

    reused_m3: float
    reclaimed_intake_m3: float = 0.0
    value_added_1e4_yuan: float | None = None


@dataclass(frozen=True)
class EnterpriseQuota:
    """The enterprise's quota where one is set: a floor on the reuse rate and on the reclaimed
    share, a ceiling on the water per 10⁴ yuan of value added."""

    min_reuse_rate_fraction: float | None = None
    min_reclaimed_share_fraction: float | None = None
    max_m3_per_1e4_yuan: float | None = None


@dataclass(frozen=True)
class EnterpriseBalance:
    """The test's result; a ``meets_*`` is None where no quota (or no value added) is given."""

    intake_m3: float
    closures: tuple[Closure, ...]
    reuse_rate_fraction: float
    reclaimed_share_fraction: float
    m3_per_1e4_yuan: float | None
    meets_reuse_rate: bool | None
    meets_reclaimed_share: bool | None
    meets_m3_per_1e4_yuan: bool | None

    @property
    def closes(self) -> bool:
        """Whether every closure lies within its limit."""
        return all(closure.within_limit for closure in self.closures)


def closure_limits_from_dict(raw: object, where: str = "enterprise_balance") -> dict[int, float]:
    """The closure limit by child level from the enterprise balance file, each number sourced."""
    limits_table = table(raw, where)
    limits = {}
    for index, entry in enumerate(entries(limits_table.get("closure_limits"), f"{where}.limits")):
        level = entry.get("child_level")
        if level not in LEVELS[1:]:
            raise InputError(f"{where}.closure_limits[{index}].child_level", level, "2 or 3")
        limits[int(level)] = coefficient(
            entry, "max_closure_error_fraction", f"{where}.closure_limits[{index}]"
        )
    return limits


def enterprise_balance(
    meters: Sequence[EnterpriseMeter],
    use: EnterpriseUse,
    limits: Mapping[int, float],
    quota: EnterpriseQuota | None = None,
) -> EnterpriseBalance:
    """The water-balance test of one enterprise; every fault of the meter set is named at once."""
    _check(meters, use, limits)
    by_parent: dict[str, list[EnterpriseMeter]] = {}
    for meter in meters:
        if meter.parent is not None:
            by_parent.setdefault(meter.parent, []).append(meter)
    closures = []
    for meter in meters:
        children = by_parent.get(meter.meter)
        if not children:
            continue
        children_m3 = sum(child.volume_m3 for child in children)
        closures.append(
            Closure(
                meter=meter.meter,
                child_level=meter.level + 1,
                parent_m3=meter.volume_m3,
                children_m3=children_m3,
                error_fraction=(meter.volume_m3 - children_m3) / meter.volume_m3,
                max_error_fraction=limits[meter.level + 1],
            )
        )
    intake = sum(meter.volume_m3 for meter in meters if meter.level == TOP_LEVEL)
    reuse_rate = use.reused_m3 / (use.reused_m3 + intake)
    reclaimed_share = use.reclaimed_intake_m3 / intake
    per_value = None if use.value_added_1e4_yuan is None else intake / use.value_added_1e4_yuan
    quota = quota or EnterpriseQuota()
    return EnterpriseBalance(
        intake_m3=intake,
        closures=tuple(closures),
        reuse_rate_fraction=reuse_rate,
        reclaimed_share_fraction=reclaimed_share,
        m3_per_1e4_yuan=per_value,
        meets_reuse_rate=_at_least(reuse_rate, quota.min_reuse_rate_fraction),
        meets_reclaimed_share=_at_least(reclaimed_share, quota.min_reclaimed_share_fraction),
        meets_m3_per_1e4_yuan=(
            None
            if per_value is None or quota.max_m3_per_1e4_yuan is None
            else per_value <= quota.max_m3_per_1e4_yuan
        ),
    )


def _at_least(value: float, floor: float | None) -> bool | None:
    return None if floor is None else value >= floor


def _check(
    meters: Sequence[EnterpriseMeter], use: EnterpriseUse, limits: Mapping[int, float]
) -> None:
    levels = {meter.meter: meter.level for meter in meters}
    problems: list[InputError] = []
    seen: set[str] = set()
    for index, meter in enumerate(meters):
        where = f"meters[{index}]"
        if meter.meter in seen:
            problems.append(InputError(f"{where}.meter", meter.meter, "a meter id used once"))
        seen.add(meter.meter)
        if meter.level not in LEVELS:
            problems.append(InputError(f"{where}.level", meter.level, "1, 2 or 3"))
        elif meter.level != TOP_LEVEL and meter.level not in limits:
            problems.append(InputError(f"{where}.level", meter.level, "a level with a limit"))
        if not 0 <= meter.volume_m3 < math.inf:
            problems.append(InputError(f"{where}.volume_m3", meter.volume_m3, "0 m³ or more"))
        if meter.level == TOP_LEVEL and meter.parent is not None:
            problems.append(InputError(f"{where}.parent", meter.parent, "none for a 一级 meter"))
        if meter.level != TOP_LEVEL and levels.get(meter.parent or "") != meter.level - 1:
            problems.append(
                InputError(f"{where}.parent", meter.parent, "a meter of the level above")
            )
    parents = {meter.parent for meter in meters}
    problems.extend(
        InputError(f"meters[{index}].volume_m3", 0.0, "above 0 m³ for a meter with children")
        for index, meter in enumerate(meters)
        if meter.meter in parents and meter.volume_m3 == 0
    )
    intake = sum(meter.volume_m3 for meter in meters if meter.level == TOP_LEVEL)
    if not intake > 0:
        problems.append(InputError("meters", intake, "一级 meters reading above 0 m³ in all"))
    for name, value in (
        ("reused_m3", use.reused_m3),
        ("reclaimed_intake_m3", use.reclaimed_intake_m3),
    ):
        if not 0 <= value < math.inf:
            problems.append(InputError(name, value, "0 m³ or more"))
    if use.reclaimed_intake_m3 > intake:
        problems.append(
            InputError(
                "reclaimed_intake_m3", use.reclaimed_intake_m3, f"at most the intake {intake} m³"
            )
        )
    if use.value_added_1e4_yuan is not None and not 0 < use.value_added_1e4_yuan < math.inf:
        problems.append(
            InputError("value_added_1e4_yuan", use.value_added_1e4_yuan, "above 0 (10⁴ yuan)")
        )
    if problems:
        raise InputErrors(problems)


@dataclass(frozen=True)
class EnterpriseInputs:
    """An enterprise's test period as a file states it: meters, use and (optional) quota."""

    meters: tuple[EnterpriseMeter, ...]
    use: EnterpriseUse
    quota: EnterpriseQuota


def enterprise_inputs_from_dict(raw: object, where: str) -> EnterpriseInputs:
    """`EnterpriseInputs` from a parsed file: ``meters`` (meter, level, volume_m3, parent),
    ``use`` (reused_m3, reclaimed_intake_m3, value_added_1e4_yuan) and ``quota``."""
    document = table(raw, where)
    problems: list[InputError] = []
    meters = []
    for index, entry in enumerate(entries(document.get("meters"), f"{where}.meters")):
        at = f"{where}.meters[{index}]"
        meter, level, volume = entry.get("meter"), entry.get("level"), entry.get("volume_m3")
        parent = entry.get("parent")
        faults = len(problems)
        if not isinstance(meter, str) or not meter:
            problems.append(InputError(f"{at}.meter", meter, "a meter id"))
        if isinstance(level, bool) or not isinstance(level, int):
            problems.append(InputError(f"{at}.level", level, "1, 2 or 3"))
        if isinstance(volume, bool) or not isinstance(volume, int | float):
            problems.append(InputError(f"{at}.volume_m3", volume, "a volume in m³"))
        if parent is not None and not isinstance(parent, str):
            problems.append(InputError(f"{at}.parent", parent, "the id of the meter above"))
        if len(problems) == faults:
            meters.append(EnterpriseMeter(str(meter), int(level), float(volume), parent))  # type: ignore[arg-type]
    use = numbers(
        document.get("use"), EnterpriseUse, f"{where}.use", problems, required=("reused_m3",)
    )
    quota = numbers(document.get("quota") or {}, EnterpriseQuota, f"{where}.quota", problems)
    if problems:
        raise InputErrors(problems)
    return EnterpriseInputs(tuple(meters), EnterpriseUse(**use), EnterpriseQuota(**quota))
