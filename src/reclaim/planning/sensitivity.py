"""How uncertain is the plan: sample the uncertain inputs, run the vectorised model once.

The distributions come from the scenario's `uncertainty` block; the model is
`engine.compute_figures` evaluated on arrays, so a million samples cost a few array passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from reclaim.errors import InputError
from reclaim.planning.engine import compute_figures
from reclaim.planning.figures import lookup_figure
from reclaim.planning.inputs import check_path
from reclaim.planning.scenario import Distribution, Scenario

QUANTILES = (0.10, 0.50, 0.90)
OUTPUTS = (
    "demand.total_m3_per_day",
    "balance_1e4_m3_per_day",
    "utilisation_rate",
    "utilisation_rate_capped",
)


def draw(distribution: Distribution, n: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """`n` samples of one uncertain input (its parameters were checked by `Distribution`)."""
    d = distribution
    if d.kind == "uniform":
        return rng.uniform(float(d.low or 0.0), float(d.high or 0.0), n)
    if d.kind == "triangular":
        return rng.triangular(float(d.low or 0.0), float(d.mode or 0.0), float(d.high or 0.0), n)
    return rng.normal(float(d.mean or 0.0), float(d.sd or 0.0), n)


def sample_inputs(
    scenario: Scenario, n: int, rng: np.random.Generator
) -> dict[str, npt.NDArray[np.float64]]:
    """One array of `n` samples per uncertain input path."""
    for distribution in scenario.uncertainty:
        check_path(scenario, distribution.path)
    return {d.path: draw(d, n, rng) for d in scenario.uncertainty}


def sample_outputs(
    scenario: Scenario, n: int, rng: np.random.Generator
) -> dict[str, dict[str, npt.NDArray[np.float64]]]:
    """The key outputs per horizon for `n` sampled scenarios (arrays of length `n`)."""
    figures = compute_figures(
        scenario, "full", sample_inputs(scenario, n, rng), with_facilities=False
    )
    return {
        str(year): {
            key: np.broadcast_to(lookup_figure(figures[str(year)], key), (n,)).astype(float)
            for key in OUTPUTS
        }
        for year in scenario.horizons
    }


@dataclass(frozen=True)
class SensitivitySummary:
    """P10/P50/P90 of each output and the probability that supply falls short, per horizon."""

    samples: int
    seed: int
    quantiles: dict[str, dict[str, dict[str, float]]]
    probability_short: dict[str, float]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "seed": self.seed,
            "quantiles": self.quantiles,
            "probability_supply_short": self.probability_short,
        }


def run_sensitivity(
    scenario: Scenario,
    samples: int,
    seed: int = 0,
    chunk: int = 100_000,
    on_chunk: Callable[[int], None] | None = None,
) -> SensitivitySummary:
    """Sample the scenario `samples` times in chunks (bounded memory) and summarise.

    `on_chunk(k)` is called after each chunk of `k` samples, for a progress bar.
    """
    if samples < 1:
        raise InputError("--samples", samples, "at least 1")
    if not scenario.uncertainty:
        raise InputError("uncertainty", [], "at least one uncertain input to sample")
    rng = np.random.default_rng(seed)
    parts: dict[str, dict[str, list[npt.NDArray[np.float64]]]] = {}
    done = 0
    while done < samples:
        size = min(chunk, samples - done)
        for year, outputs in sample_outputs(scenario, size, rng).items():
            for name, values in outputs.items():
                parts.setdefault(year, {}).setdefault(name, []).append(values)
        done += size
        if on_chunk is not None:
            on_chunk(size)
    quantiles: dict[str, dict[str, dict[str, float]]] = {}
    short: dict[str, float] = {}
    for year, chunks_by_name in parts.items():
        joined = {name: np.concatenate(chunks) for name, chunks in chunks_by_name.items()}
        quantiles[year] = {
            name: {f"p{round(q * 100)}": float(np.quantile(values, q)) for q in QUANTILES}
            for name, values in joined.items()
        }
        short[year] = float(np.mean(joined["balance_1e4_m3_per_day"] < 0.0))
    return SensitivitySummary(samples, seed, quantiles, short)
