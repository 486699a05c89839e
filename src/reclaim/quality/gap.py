"""Gap to treatment: for a use a sample is not fit for, what to reduce, by how much, and how.

For every failing (or tentatively failing, or inconclusive) limit the gap gives the factor and
log reduction (organisms) or the change needed, and the treatment step that closes it; missing
measurements become a "measure" item, and a pass against a limit not confirmed from the
standard's text a "confirm limit" item. Uses are ranked by the costliest step they need, then by
the number of steps: the planner's cheapest route to fitness. Step tiers are an ordering, not
prices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from reclaim.errors import InputError
from reclaim.quality.catalogue import Catalogue
from reclaim.quality.evaluate import Fitness, FitnessMatrix, ParameterVerdict, Status, UseVerdict
from reclaim.quality.standards import LimitKind

ORGANISM_COUNT = "organism_count"
"""Dimension whose gaps are stated as log10 reductions (as in disinfection); others in %."""


@dataclass(frozen=True)
class TreatmentStep:
    """A treatment or operating step and its relative cost tier (1 = cheapest)."""

    id: str
    name_zh: str
    name_en: str
    cost_tier: int

    def name(self, lang: str) -> str:
        """Display name in ``"zh"`` or ``"en"``."""
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class TreatmentCatalogue:
    """Steps, and which step closes a gap in each parameter (by parameter, else by group)."""

    steps: Mapping[str, TreatmentStep]
    by_parameter: Mapping[str, str]
    by_group: Mapping[str, str]
    measure_step: str
    confirm_limit_step: str

    def step_for(self, parameter: str, catalogue: Catalogue) -> TreatmentStep:
        """The step that reduces (or raises) ``parameter``."""
        step_id = self.by_parameter.get(parameter) or self.by_group.get(
            catalogue.parameters[parameter].group
        )
        if step_id is None:
            raise InputError("treatments", parameter, "a treatment step for every parameter group")
        return self.steps[step_id]


@dataclass(frozen=True)
class GapItem:
    """One parameter to act on: the action, its size and the step that does it."""

    parameter: str
    action: str
    step: TreatmentStep
    limit_verified: bool
    factor: float | None = None
    log10_reduction: float | None = None
    removal_percent: float | None = None
    change: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "parameter": self.parameter,
            "action": self.action,
            "step": self.step.id,
            "cost_tier": self.step.cost_tier,
            "factor": self.factor,
            "log10_reduction": self.log10_reduction,
            "removal_percent": self.removal_percent,
            "change": self.change,
            "limit_verified": self.limit_verified,
        }


@dataclass(frozen=True)
class TreatmentGap:
    """Everything standing between a sample and fitness for one use."""

    standard_id: str
    use_id: str
    fitness: Fitness
    items: tuple[GapItem, ...]

    @property
    def steps(self) -> tuple[TreatmentStep, ...]:
        """Distinct steps needed, cheapest first."""
        unique = {item.step.id: item.step for item in self.items}
        return tuple(sorted(unique.values(), key=lambda step: (step.cost_tier, step.id)))

    @property
    def highest_tier(self) -> int:
        """Cost tier of the costliest step needed (0 when nothing is needed)."""
        return max((step.cost_tier for step in self.steps), default=0)

    def rank_key(self) -> tuple[int, int, int, float]:
        """Cheapest first: costliest step, then number and sum of tiers, then log reduction."""
        steps = self.steps
        log_total = sum(item.log10_reduction or 0.0 for item in self.items)
        return self.highest_tier, len(steps), sum(step.cost_tier for step in steps), log_total

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "standard": self.standard_id,
            "use": self.use_id,
            "fitness": self.fitness.value,
            "steps": [step.id for step in self.steps],
            "highest_cost_tier": self.highest_tier,
            "items": [item.to_dict() for item in self.items],
        }


def treatment_gap(
    verdict: UseVerdict, catalogue: Catalogue, treatments: TreatmentCatalogue
) -> TreatmentGap:
    """The gap between a judged sample and fitness for the judged use (empty when fit)."""
    items = tuple(
        item
        for parameter_verdict in verdict.verdicts
        if (item := _item(parameter_verdict, catalogue, treatments)) is not None
    )
    return TreatmentGap(verdict.standard_id, verdict.use_id, verdict.fitness, items)


def cheapest_routes(
    matrix: FitnessMatrix, catalogue: Catalogue, treatments: TreatmentCatalogue
) -> tuple[TreatmentGap, ...]:
    """Gaps of every use the sample is not fit for, cheapest route to fitness first."""
    gaps = [
        treatment_gap(verdict, catalogue, treatments)
        for verdict in matrix.verdicts
        if verdict.fitness is not Fitness.FIT
    ]
    return tuple(sorted(gaps, key=lambda gap: (*gap.rank_key(), gap.standard_id, gap.use_id)))


def _item(
    verdict: ParameterVerdict, catalogue: Catalogue, treatments: TreatmentCatalogue
) -> GapItem | None:
    limit = verdict.limit
    if limit is None:
        return None
    if verdict.status is Status.NOT_MEASURED:
        step = treatments.steps[treatments.measure_step]
        return GapItem(verdict.parameter, "measure", step, limit.verified)
    if verdict.status is Status.UNVERIFIED_LIMIT and verdict.tentative is Status.PASS:
        step = treatments.steps[treatments.confirm_limit_step]
        return GapItem(verdict.parameter, "confirm limit", step, limit.verified)
    measurement = verdict.measurement
    if verdict.outcome not in (Status.FAIL, Status.INCONCLUSIVE) or measurement is None:
        return None
    item = GapItem(
        verdict.parameter,
        "remove",
        treatments.step_for(verdict.parameter, catalogue),
        limit.verified,
    )
    if limit.kind is LimitKind.MAX and limit.upper is not None:
        item = replace(item, action="reduce", change=measurement.high - limit.upper)
        if limit.upper > 0:
            factor = measurement.high / limit.upper
            counts = catalogue.units[catalogue.parameters[verdict.parameter].canonical_unit]
            if counts.dimension == ORGANISM_COUNT:
                item = replace(item, factor=factor, log10_reduction=math.log10(factor))
            else:
                item = replace(item, factor=factor, removal_percent=100.0 * (1.0 - 1.0 / factor))
    elif limit.kind is LimitKind.MIN and limit.lower is not None:
        raise_factor = limit.lower / measurement.low if measurement.low > 0 else None
        item = replace(
            item, action="raise", change=limit.lower - measurement.low, factor=raise_factor
        )
    elif limit.kind is LimitKind.RANGE and limit.lower is not None and limit.upper is not None:
        below = measurement.low < limit.lower
        change = limit.lower - measurement.low if below else limit.upper - measurement.high
        item = replace(item, action="adjust", change=change)
    if verdict.outcome is Status.INCONCLUSIVE:
        item = replace(item, action=f"confirm or {item.action}")
    return item


def treatments_from_dict(
    raw: Mapping[str, Any], catalogue: Catalogue, origin: str
) -> TreatmentCatalogue:
    """Build the treatment catalogue from its parsed data file, checking every reference."""
    steps = {}
    for step_id, spec in (raw.get("steps") or {}).items():
        tier = spec.get("cost_tier")
        if not isinstance(tier, int) or tier < 0:
            raise InputError(f"{origin}:steps.{step_id}.cost_tier", tier, "a whole number ≥ 0")
        steps[step_id] = TreatmentStep(
            step_id, str(spec.get("name_zh", step_id)), str(spec.get("name_en", step_id)), tier
        )
    by_parameter = dict(raw.get("by_parameter") or {})
    by_group = dict(raw.get("by_group") or {})
    for where, mapping in (("by_parameter", by_parameter), ("by_group", by_group)):
        for key, step_id in mapping.items():
            if step_id not in steps:
                raise InputError(
                    f"{origin}:{where}.{key}", step_id, f"a step id ({', '.join(steps)})"
                )
    for parameter in by_parameter:
        catalogue.parameter(parameter, f"{origin}:by_parameter")
    groups = {parameter.group for parameter in catalogue.parameters.values()}
    missing = sorted(group for group in groups if group not in by_group)
    if missing:
        raise InputError(f"{origin}:by_group", missing[0], "a step for every parameter group")
    special = {}
    for key in ("measure_step", "confirm_limit_step"):
        special[key] = raw.get(key)
        if special[key] not in steps:
            raise InputError(f"{origin}:{key}", special[key], f"a step id ({', '.join(steps)})")
    return TreatmentCatalogue(
        steps,
        by_parameter,
        by_group,
        str(special["measure_step"]),
        str(special["confirm_limit_step"]),
    )
