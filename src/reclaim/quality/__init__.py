"""Water-quality engine: which uses a reclaimed water is fit for, which limits fail, and the gap.

Pure logic (no I/O); files are read by `reclaim.io.quality_files`. Main entry points:

- `evaluate(sample, standard, use_class, conditions)` → `UseVerdict` (per-limit verdicts, fitness)
- `fitness_matrix(sample, standards, conditions)` → `FitnessMatrix` (``.fit_uses()``, ``.to_dict``)
- `evaluate_batch(SampleMatrix, standards)` → `BatchFitness` (vectorised, many samples)
- `evaluate_series` / `rolling_compliance(_days)` → period and monitoring verdicts
- `treatment_gap` / `cheapest_routes` → what to reduce, by how much, with which step
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reclaim.quality.batch import BatchFitness, evaluate_batch
    from reclaim.quality.evaluate import (
        Fitness,
        FitnessMatrix,
        ParameterVerdict,
        Status,
        UseVerdict,
        evaluate,
        fitness_matrix,
    )
    from reclaim.quality.gap import TreatmentGap, cheapest_routes, treatment_gap
    from reclaim.quality.samples import Measurement, Sample, SampleMatrix, sample_from_dict
    from reclaim.quality.series import (
        SeriesVerdict,
        evaluate_series,
        rolling_compliance,
        rolling_compliance_days,
    )
    from reclaim.quality.standards import Standard, find_standard

_HOME = {
    "BatchFitness": "batch",
    "evaluate_batch": "batch",
    "Fitness": "evaluate",
    "FitnessMatrix": "evaluate",
    "ParameterVerdict": "evaluate",
    "Status": "evaluate",
    "UseVerdict": "evaluate",
    "evaluate": "evaluate",
    "fitness_matrix": "evaluate",
    "TreatmentGap": "gap",
    "cheapest_routes": "gap",
    "treatment_gap": "gap",
    "Measurement": "samples",
    "Sample": "samples",
    "SampleMatrix": "samples",
    "sample_from_dict": "samples",
    "SeriesVerdict": "series",
    "evaluate_series": "series",
    "rolling_compliance": "series",
    "rolling_compliance_days": "series",
    "Standard": "standards",
    "find_standard": "standards",
}
"""The module of each name exported here, imported when first asked for: a plan run judges
effluent with `evaluate` alone and need not load the batch, gap and series engines."""


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)


__all__ = [
    "BatchFitness",
    "Fitness",
    "FitnessMatrix",
    "Measurement",
    "ParameterVerdict",
    "Sample",
    "SampleMatrix",
    "SeriesVerdict",
    "Standard",
    "Status",
    "TreatmentGap",
    "UseVerdict",
    "cheapest_routes",
    "evaluate",
    "evaluate_batch",
    "evaluate_series",
    "find_standard",
    "fitness_matrix",
    "rolling_compliance",
    "rolling_compliance_days",
    "sample_from_dict",
    "treatment_gap",
]
