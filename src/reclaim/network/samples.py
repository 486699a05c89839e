"""Demand samples for the network from the planning sensitivity (the scenario's `uncertainty`).

Only distributions on use inputs (`uses.<id>.<field>[.<year>]`) change what the network
carries; the others (sewage, population) change supply, not demand, and are reported as unused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reclaim.errors import InputError
from reclaim.network.demand import use_demand_m3_per_day
from reclaim.network.model import SECONDS_PER_DAY, node_demands_m3_per_day
from reclaim.planning.scenario import Distribution, Scenario, Use

USE_FIELDS_PER_YEAR = ("flow_m3_per_day", "area_ha", "units", "coverage")
USE_FIELDS_SCALAR = ("rate_l_per_m2_day", "rate_l_per_unit_day")


@dataclass(frozen=True)
class DemandSamples:
    """Node base demands (m³/s at max day) per sample, and the distributions left unused."""

    node_demands_m3_per_s: list[dict[str, float]]
    unused_paths: list[str]


def _target(scenario: Scenario, path: str) -> tuple[str, str, int | None] | None:
    """(use id, field, year or None) a distribution path points at, or None if not a use."""
    if not path.startswith("uses."):
        return None
    rest = path[len("uses."):]
    for use in sorted(scenario.uses, key=lambda u: -len(u.id)):
        if rest.startswith(use.id + "."):
            parts = rest[len(use.id) + 1:].split(".")
            field = parts[0]
            if field in USE_FIELDS_SCALAR and len(parts) == 1:
                return use.id, field, None
            if field in USE_FIELDS_PER_YEAR and len(parts) in (1, 2):
                return use.id, field, int(parts[1]) if len(parts) == 2 else None
            raise InputError("uncertainty.path", path, "a use field such as "
                             "uses.<id>.rate_l_per_m2_day or uses.<id>.area_ha.<year>")
    raise InputError("uncertainty.path", path, "a path naming one of the scenario's uses")


def _draw(distribution: Distribution, rng: np.random.Generator) -> float:
    if distribution.kind == "uniform":
        assert distribution.low is not None and distribution.high is not None
        return float(rng.uniform(distribution.low, distribution.high))
    if distribution.kind == "triangular":
        assert distribution.low is not None and distribution.high is not None
        assert distribution.mode is not None
        return float(rng.triangular(distribution.low, distribution.mode, distribution.high))
    assert distribution.mean is not None and distribution.sd is not None
    return max(float(rng.normal(distribution.mean, distribution.sd)), 0.0)


def _with_value(use: Use, field: str, year: int, value: float) -> Use:
    if field in USE_FIELDS_SCALAR:
        return use.model_copy(update={field: value})
    series = dict(getattr(use, field) or {})
    series[year] = value
    return use.model_copy(update={field: series})


def demand_samples(scenario: Scenario, year: int, count: int, seed: int) -> DemandSamples:
    """`count` draws of every node's max-day demand (m³/s) in `year`, reproducible by `seed`."""
    if count < 1:
        raise InputError("samples", count, "must be ≥ 1")
    if scenario.network is None:
        raise InputError("network", None, "the scenario needs a network block")
    targets = [(d, _target(scenario, d.path)) for d in scenario.uncertainty]
    unused = [d.path for d, target in targets if target is None]
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(count):
        uses = {use.id: use for use in scenario.uses}
        for distribution, target in targets:
            if target is None:
                continue
            use_id, field, at_year = target
            if at_year is not None and at_year != year:
                continue
            uses[use_id] = _with_value(uses[use_id], field, year, _draw(distribution, rng))
        by_use = {use_id: use_demand_m3_per_day(use, year) for use_id, use in uses.items()}
        per_node = node_demands_m3_per_day(scenario.network, by_use)
        samples.append({node: sum(flows.values()) / SECONDS_PER_DAY
                        for node, flows in per_node.items()})
    return DemandSamples(node_demands_m3_per_s=samples, unused_paths=unused)
