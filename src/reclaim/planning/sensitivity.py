"""How uncertain is the plan: sample the uncertain inputs, run the vectorised model once.

The distributions come from the scenario's `uncertainty` block; the model is
`engine.compute_figures` evaluated on arrays, so a million samples cost a few array passes.

Every sample is drawn by inverse transform from one uniform number per uncertain input, taken
from the generator row by row (sample i uses the i-th row of uniforms), so a seed gives the same
samples whatever the chunk size. Each distribution is truncated to its input's valid domain
(no negative rate, no share above 1): the uniform is drawn between the CDF values of the
domain's bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri

from reclaim.errors import InputError
from reclaim.planning.engine import compute_figures
from reclaim.planning.inputs import check_path, valid_domain
from reclaim.planning.results import HorizonFigures
from reclaim.planning.scenario import Distribution, Scenario
from reclaim.units import Number

Array = npt.NDArray[np.float64]
QUANTILES = (0.10, 0.50, 0.90)
OUTPUTS: dict[str, Callable[[HorizonFigures], Number]] = {
    "demand.total_m3_per_day": lambda h: h.demand.total_m3_per_day,
    "balance_1e4_m3_per_day": lambda h: h.balance_1e4_m3_per_day,
    "utilisation_rate": lambda h: h.utilisation_rate,
    "utilisation_rate_capped": lambda h: h.utilisation_rate_capped,
    "shortfall_1e4_m3_per_year": lambda h: h.shortfall_1e4_m3_per_year,
}


def _cdf(d: Distribution, x: float) -> float:
    """The distribution's CDF at x (bounds of the valid domain may be infinite)."""
    if d.kind == "normal":
        return float(ndtr((x - float(d.mean or 0.0)) / float(d.sd or 1.0)))
    low, high = float(d.low or 0.0), float(d.high or 0.0)
    if x <= low:
        return 0.0
    if x >= high:
        return 1.0
    if d.kind == "uniform":
        return (x - low) / (high - low)
    mode = float(d.mode or 0.0)
    if x <= mode:
        return (x - low) ** 2 / ((high - low) * (mode - low))
    return 1.0 - (high - x) ** 2 / ((high - low) * (high - mode))


def _inverse_cdf(d: Distribution, u: Array) -> Array:
    if d.kind == "normal":
        return float(d.mean or 0.0) + float(d.sd or 1.0) * ndtri(u)
    low, high = float(d.low or 0.0), float(d.high or 0.0)
    if d.kind == "uniform":
        return low + u * (high - low)
    mode = float(d.mode or 0.0)
    split = (mode - low) / (high - low)
    rising = low + np.sqrt(u * (high - low) * (mode - low))
    falling = high - np.sqrt((1.0 - u) * (high - low) * (high - mode))
    return np.where(u <= split, rising, falling)


def truncated_bounds(d: Distribution) -> tuple[float, float]:
    """CDF values of the input's valid domain: the uniforms are drawn between them."""
    low, high = valid_domain(d.path)
    lower, upper = _cdf(d, low), _cdf(d, high)
    if upper <= lower:
        raise InputError(
            "uncertainty.path",
            d.path,
            f"the distribution has no mass in the input's valid range [{low:g}, {high:g}]",
        )
    return lower, upper


def draw(distribution: Distribution, uniforms: Array) -> Array:
    """Samples of one uncertain input from uniforms in [0, 1), truncated to its domain."""
    lower, upper = truncated_bounds(distribution)
    low, high = valid_domain(distribution.path)
    values = _inverse_cdf(distribution, lower + uniforms * (upper - lower))
    return np.clip(values, low, high)  # rounding at the bounds only


def sample_inputs(scenario: Scenario, n: int, rng: np.random.Generator) -> dict[str, Array]:
    """One array of `n` samples per uncertain input path (row i of the uniforms → sample i)."""
    for distribution in scenario.uncertainty:
        check_path(scenario, distribution.path)
    uniforms = rng.random((n, len(scenario.uncertainty)))
    return {d.path: draw(d, uniforms[:, k]) for k, d in enumerate(scenario.uncertainty)}


def sample_outputs(
    scenario: Scenario, n: int, rng: np.random.Generator
) -> dict[str, dict[str, Array]]:
    """The key outputs per horizon for `n` sampled scenarios (arrays of length `n`)."""
    figures = compute_figures(
        scenario, "full", sample_inputs(scenario, n, rng), with_facilities=False
    )
    return {
        str(year): {
            name: np.broadcast_to(output(horizon), (n,)).astype(float)
            for name, output in OUTPUTS.items()
        }
        for year, horizon in figures.horizons.items()
    }


@dataclass(frozen=True)
class SensitivitySummary:
    """P10/P50/P90 of each output and, per horizon, the probability that supply falls short
    of demand on at least one day of the year (day by day through the calendar, not the sum of
    every use's max day: uses of different seasons never draw together)."""

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
    if chunk < 1:
        raise InputError("--chunk", chunk, "at least 1")
    if not scenario.uncertainty:
        raise InputError("uncertainty", [], "at least one uncertain input to sample")
    rng = np.random.default_rng(seed)
    parts: dict[str, dict[str, list[Array]]] = {}
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
        short[year] = float(np.mean(joined["shortfall_1e4_m3_per_year"] > 0.0))
    return SensitivitySummary(samples, seed, quantiles, short)
