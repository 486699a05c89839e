"""Audit a plan document: where its printed figures contradict the recomputation or each other.

Rules, each one function:
- `published_figures`: every printed figure against the figure recomputed at the plan's own
  rounding, beyond half a unit of its last printed digit; a figure printed in 万 m³/d that is a
  year figure (or the reverse) is named a unit slip;
- `capped_utilisation`: a plan that says use is capped at supply must publish the capped rate;
- `population_projection`: populations against the growth model the plan says it used;
- `repeated_pipes`: a pipe row of a later phase that repeats one of an earlier phase;
- `implausible_daily_volumes`: a published daily volume no plant of the region could deliver.

A published key under a horizon or `total` must name a computed figure (an unknown key is an
error naming the nearest one, never skipped); a key under another year is a figure the plan
prints but the model does not recompute. `assumed_inputs` lists the inputs the plan does not
print, with why each value was taken.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from reclaim.errors import InputError
from reclaim.planning.results import PlanFigures, flat_figures
from reclaim.planning.scenario import LocalText, Pipe, Published, Scenario
from reclaim.units import DAYS_PER_YEAR, HOURS_PER_DAY, M3_PER_1E4_M3

PERCENT = 100.0
_RELATIVE_GUARD = 1e-9


@dataclass(frozen=True)
class Discrepancy:
    """A published figure that the recomputation, or the document itself, contradicts."""

    figure: str
    published: float | str
    computed: float | str | None
    source: str | LocalText
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "published": self.published,
            "computed": self.computed,
            "source": self.source,
            "note": self.note,
        }


@dataclass(frozen=True)
class AssumedInput:
    """An input the plan does not print, and why the value was taken."""

    input: str
    why: str | LocalText


def assumed_inputs(scenario: Scenario) -> list[AssumedInput]:
    """The scenario's `assumed` inputs, in the order given."""
    return [AssumedInput(path, why) for path, why in scenario.assumed.items()]


def published_values(scenario: Scenario, figures: PlanFigures) -> dict[int, float | None]:
    """The recomputed figure of each published entry (by index), None for a figure of a year
    outside the horizons. An unknown key under a horizon or `total` is an InputError naming
    the nearest computed key."""
    flat = flat_figures(figures.to_json())
    roots = {str(year) for year in figures.horizons} | {"total"}
    found: dict[int, float | None] = {}
    for index, entry in enumerate(scenario.published):
        root = entry.figure.split(".", 1)[0]
        if entry.figure in flat:
            found[index] = flat[entry.figure]
        elif root not in roots and root.isdigit():
            found[index] = None
        else:
            nearest = difflib.get_close_matches(entry.figure, list(flat), n=1, cutoff=0.0)
            raise InputError(
                f"published[{index}].figure",
                entry.figure,
                f"no such computed figure; nearest valid key: {nearest[0]}"
                if nearest
                else "no such computed figure",
            )
    return found


def _key_unit(figure: str) -> str | None:
    """The unit a figure key carries in its name."""
    for suffix in (
        "1e4_m3_per_day",
        "1e4_m3_per_year",
        "m3_per_day",
        "m3_per_hour",
        "1e4_yuan",
        "km",
    ):
        if figure.endswith(suffix):
            return suffix
    if figure.endswith(("utilisation_rate", "utilisation_rate_capped", "coverage")):
        return "fraction"
    return None


def _decimals(entry: Published) -> int:
    if entry.decimals is not None:
        return entry.decimals
    text = repr(entry.value)
    return 0 if text.endswith(".0") or "." not in text else len(text.split(".")[1])


def _within(published: float, computed: float, half_unit: float) -> bool:
    return abs(published - computed) <= half_unit + _RELATIVE_GUARD * max(1.0, abs(computed))


def published_figures(scenario: Scenario, figures: PlanFigures) -> list[Discrepancy]:
    """Each printed figure against its recomputation at the plan's rounding."""
    found = []
    values = published_values(scenario, figures)
    for index, entry in enumerate(scenario.published):
        computed = values[index]
        key_unit = _key_unit(entry.figure)
        if computed is None:
            continue
        if entry.figure.endswith("utilisation_rate") and scenario.allocation.cap_use_at_supply:
            continue  # judged by capped_utilisation
        value, half_unit, shown = entry.value, 0.5 * 10.0 ** -_decimals(entry), computed
        if entry.unit == "percent":
            value, half_unit, shown = value / PERCENT, half_unit / PERCENT, computed * PERCENT
        elif entry.unit == "m3_per_day" and key_unit == "m3_per_hour":
            # a rate printed per day (plans print a station's peak-hour size in m³/d)
            value, half_unit = value / HOURS_PER_DAY, half_unit / HOURS_PER_DAY
            shown = computed * HOURS_PER_DAY
        elif (
            entry.unit is not None
            and {entry.unit, key_unit} == {"1e4_m3_per_day", "1e4_m3_per_year"}
            and _within(value, computed, half_unit)
        ):
            found.append(
                Discrepancy(
                    entry.figure,
                    f"{entry.value:g} ({entry.unit})",
                    computed,
                    entry.source,
                    f"unit slip: the number is right but it is a {key_unit} figure, "
                    f"printed as {entry.unit}",
                )
            )
            continue
        if not _within(value, computed, half_unit):
            found.append(
                Discrepancy(
                    entry.figure,
                    entry.value,
                    round(shown, 6),
                    entry.source,
                    "published figure differs from the figure recomputed from the plan's inputs",
                )
            )
    return found


def capped_utilisation(scenario: Scenario, figures: PlanFigures) -> list[Discrepancy]:
    """A plan that caps use at supply on short days must publish the capped utilisation rate."""
    if not scenario.allocation.cap_use_at_supply:
        return []
    found = []
    for entry in scenario.published:
        match = re.fullmatch(r"(\d{4})\.utilisation_rate", entry.figure)
        if not match or int(match.group(1)) not in figures.horizons:
            continue
        horizon = figures.horizons[int(match.group(1))]
        scale = PERCENT if entry.unit == "percent" else 1.0
        half_unit = 0.5 * 10.0 ** -_decimals(entry) / scale
        published = entry.value / scale
        capped, uncapped = float(horizon.utilisation_rate_capped), float(horizon.utilisation_rate)
        if _within(published, capped, half_unit):
            continue
        if _within(published, uncapped, half_unit):
            note = (
                "published rate uses uncapped demand, although the plan caps use at supply "
                f"on short days (shortfall {float(horizon.shortfall_1e4_m3_per_year):.2f} 万 m³/yr)"
            )
        else:
            note = "published rate matches neither the capped nor the uncapped recomputation"
        found.append(
            Discrepancy(entry.figure, entry.value, round(capped * scale, 4), entry.source, note)
        )
    return found


def population_projection(scenario: Scenario) -> list[Discrepancy]:
    """Populations used against base × (1 + growth)^years, at the precision they are given."""
    model = scenario.sewage.population_projection
    populations = scenario.sewage.population_1e4_persons
    if model is None or populations is None:
        return []
    found = []
    for year, used in populations.items():
        projected = model.base_1e4_persons * (1.0 + model.growth_rate_per_year) ** (
            year - model.base_year
        )
        printed_half_unit = 0.5 * 10.0 ** -_decimals(Published(figure="", value=used, source=""))
        if not _within(used, projected, printed_half_unit):
            found.append(
                Discrepancy(
                    f"{year}.sewage.population_1e4_persons",
                    used,
                    round(projected, 2),
                    "sewage.population_projection",
                    f"{model.base_1e4_persons:g} 万 in {model.base_year} growing "
                    f"{model.growth_rate_per_year:.1%}/yr gives {projected:.2f} 万, "
                    f"the plan uses {used:g}",
                )
            )
    return found


def repeated_pipes(scenario: Scenario) -> list[Discrepancy]:
    """Pipe rows of a later phase that repeat an earlier row: same road, DN and length.

    Each repeat names the row of the earliest phase with the same road, DN and length (the
    first such row in the table); one pass over the table, so a long table stays cheap.
    """
    earliest: dict[tuple[str, int, float], Pipe] = {}
    for pipe in scenario.pipes:
        key = (pipe.road, pipe.dn_mm, pipe.length_m)
        if key not in earliest or pipe.phase < earliest[key].phase:
            earliest[key] = pipe
    found = []
    for later in scenario.pipes:
        earlier = earliest[(later.road, later.dn_mm, later.length_m)]
        if earlier.phase < later.phase:
            found.append(
                Discrepancy(
                    f"pipes.{later.id}",
                    f"{later.road} DN{later.dn_mm} {later.length_m:g} m ({later.phase})",
                    f"repeats pipes.{earlier.id} ({earlier.phase})",
                    "pipe table",
                    "the same pipe is listed in two phases; counted twice in lengths",
                )
            )
    return found


def implausible_daily_volumes(scenario: Scenario, figures: PlanFigures) -> list[Discrepancy]:
    """A published 万 m³/d figure, not recomputed, larger than all the region's plants treat."""
    capacity_m3 = sum(
        p.sewage_capacity_m3_per_day or p.reclaimed_capacity_m3_per_day for p in scenario.plants
    )
    if capacity_m3 <= 0:
        return []
    capacity_1e4 = capacity_m3 / M3_PER_1E4_M3
    found = []
    values = published_values(scenario, figures)
    for index, entry in enumerate(scenario.published):
        if entry.unit != "1e4_m3_per_day" or values[index] is not None:
            continue
        if entry.value > capacity_1e4:
            as_daily = entry.value / DAYS_PER_YEAR
            note = (
                f"{entry.value:g} 万 m³/d exceeds the {capacity_1e4:g} 万 m³/d all plants can treat"
            )
            if as_daily <= capacity_1e4:
                note += f"; as 万 m³/yr it is {as_daily:.2f} 万 m³/d: unit slip (万 m³/a meant)"
            found.append(Discrepancy(entry.figure, entry.value, None, entry.source, note))
    return found


def audit_plan(scenario: Scenario, figures: PlanFigures | None) -> list[Discrepancy]:
    """All discrepancies of a plan; `figures` recomputed at the plan's rounding (None: no
    published figures to check)."""
    found = population_projection(scenario) + repeated_pipes(scenario)
    if figures is not None:
        found += published_figures(scenario, figures)
        found += capped_utilisation(scenario, figures)
        found += implausible_daily_volumes(scenario, figures)
    return found
