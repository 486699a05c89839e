"""Samples: measured values converted to canonical units, checked for sense before any verdict.

A measurement is an interval [low, high] in the parameter's canonical unit: a plain value has
low == high; a result below the detection limit (``"<2"``) is [0, 2] and flagged ``nondetect``; a
design envelope (pH 6–9) is given as ``range``. Qualitative observations (odour) are ``pass`` or
``fail`` and stored as 1 or 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from reclaim.errors import InputError
from reclaim.quality.catalogue import Catalogue

CONFORMITY_WORDS = {"pass": 1.0, "yes": 1.0, "true": 1.0, "fail": 0.0, "no": 0.0, "false": 0.0}
"""Spellings of a qualitative observation (does the water meet the described requirement?)."""
UNITLESS = ("pH", "conformity")
"""Canonical units a sample may leave out: pH and qualitative observations."""


@dataclass(frozen=True)
class Measurement:
    """A value as an interval in canonical units; ``nondetect`` marks "< detection limit".

    ``entered_unit`` is the unit the value was given in (None: the canonical unit), and
    ``entered_factor`` converts it to canonical (canonical = entered × factor), so that a value
    is shown back as it was entered (5 count/100mL, not 50 count/L)."""

    low: float
    high: float
    nondetect: bool = False
    entered_unit: str | None = field(default=None, compare=False)
    entered_factor: float = field(default=1.0, compare=False)


@dataclass(frozen=True)
class Sample:
    """One sample (or an effluent profile): its id, optional date and measurements by parameter."""

    id: str
    measurements: Mapping[str, Measurement]
    taken: str | None = None


def sample_from_dict(
    raw_values: object,
    catalogue: Catalogue,
    sample_id: str,
    field_prefix: str,
    taken: str | None = None,
) -> Sample:
    """Validate and convert ``{parameter: {value|range, unit}}`` into a `Sample`.

    Unknown parameter, unknown unit, a unit of the wrong dimension, a negative concentration or a
    value outside the parameter's possible range each raise an `InputError` naming the field.
    """
    if not isinstance(raw_values, Mapping):
        raise InputError(field_prefix, raw_values, "a mapping of parameter id to {value, unit}")
    measurements = {}
    for parameter_id, spec in raw_values.items():
        where = f"{field_prefix}.{parameter_id}"
        parameter = catalogue.parameter(parameter_id, where)
        measurements[parameter.id] = measurement_from_spec(spec, catalogue, parameter.id, where)
    return Sample(id=sample_id, measurements=measurements, taken=taken)


def measurement_from_spec(
    spec: object, catalogue: Catalogue, parameter_id: str, where: str
) -> Measurement:
    """One measurement: ``{value: 10, unit: mg/L}``, ``{value: "<2"}`` or ``{range: [6, 9]}``."""
    if not isinstance(spec, Mapping):
        raise InputError(where, spec, "a mapping with 'value' (or 'range') and 'unit'")
    parameter = catalogue.parameters[parameter_id]
    unit = spec.get("unit")
    if unit is None or unit == "":
        if parameter.canonical_unit not in UNITLESS:
            raise InputError(f"{where}.unit", unit, f"a unit (e.g. {parameter.canonical_unit})")
        unit = parameter.canonical_unit
    factor = catalogue.conversion_factor(parameter_id, unit, f"{where}.unit")
    nondetect = False
    if "range" in spec and parameter.canonical_unit != "conformity":
        bounds = spec["range"]
        if not isinstance(bounds, Sequence) or isinstance(bounds, str) or len(bounds) != 2:
            raise InputError(f"{where}.range", bounds, "[lowest, highest]")
        low, high = (_finite(bound, f"{where}.range") for bound in bounds)
        if low > high:
            raise InputError(
                f"{where}.range", bounds, "a range whose lowest bound is not above its highest"
            )
    elif "value" in spec:
        value = spec["value"]
        if parameter.canonical_unit == "conformity":
            word = str(value).strip().lower()
            if word not in CONFORMITY_WORDS:
                raise InputError(f"{where}.value", value, f"one of {', '.join(CONFORMITY_WORDS)}")
            low = high = CONFORMITY_WORDS[word]
        elif isinstance(value, str) and value.strip().startswith("<"):
            low, high, nondetect = 0.0, _finite(value.strip()[1:].strip(), f"{where}.value"), True
        else:
            low = high = _finite(value, f"{where}.value")
    else:
        raise InputError(where, dict(spec), "a 'value' or a 'range'")
    low, high = low * factor, high * factor
    if low < parameter.lowest or high > parameter.highest:
        allowed = (
            "a non-negative value"
            if parameter.lowest == 0 and math.isinf(parameter.highest)
            else f"a value within {parameter.lowest:g}–{parameter.highest:g} "
            f"{parameter.canonical_unit}"
        )
        raise InputError(f"{where}.value", spec.get("value", spec.get("range")), allowed)
    return Measurement(low, high, nondetect, str(unit), factor)


def _finite(value: object, where: str) -> float:
    if isinstance(value, bool):
        raise InputError(where, value, "a number")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(where, value, "a number (or '<DL' below detection)") from None
    if not math.isfinite(number):
        raise InputError(where, value, "a finite number")
    return number


FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SampleMatrix:
    """Many samples as arrays (samples × parameters): NaN where a parameter is not measured.

    ``high`` may be the same array as ``low`` when every value is a point; ``nondetect`` may be None
    when no value is below detection; ``taken`` holds each sample's date (None where not given),
    or is None when no sample has one. The vectorised engine works on this form.
    """

    parameter_ids: tuple[str, ...]
    low: FloatArray
    high: FloatArray
    nondetect: BoolArray | None = None
    sample_ids: tuple[str, ...] | None = None
    taken: tuple[str | None, ...] | None = None

    @property
    def size(self) -> int:
        """Number of samples."""
        return int(self.low.shape[0])

    def column(self, parameter_id: str) -> int | None:
        """Column index of ``parameter_id``, or None if no sample can carry it."""
        try:
            return self.parameter_ids.index(parameter_id)
        except ValueError:
            return None

    def rows(self, index: npt.NDArray[np.intp]) -> SampleMatrix:
        """The samples at ``index`` (in that order) as a matrix of their own."""
        low = self.low[index]
        return SampleMatrix(
            self.parameter_ids,
            low,
            low if self.high is self.low else self.high[index],
            None if self.nondetect is None else self.nondetect[index],
            None if self.sample_ids is None else tuple(self.sample_ids[i] for i in index),
            None if self.taken is None else tuple(self.taken[i] for i in index),
        )

    @classmethod
    def from_samples(
        cls, samples: Sequence[Sample], parameter_ids: Sequence[str] | None = None
    ) -> SampleMatrix:
        """Stack samples into arrays; columns are ``parameter_ids`` or every measured parameter."""
        if parameter_ids is None:
            parameter_ids = sorted(
                {parameter for sample in samples for parameter in sample.measurements}
            )
        columns = {parameter: index for index, parameter in enumerate(parameter_ids)}
        low = np.full((len(samples), len(columns)), np.nan)
        high = np.full_like(low, np.nan)
        nondetect = np.zeros(low.shape, dtype=bool)
        for row, sample in enumerate(samples):
            for parameter, measurement in sample.measurements.items():
                column = columns.get(parameter)
                if column is None:
                    continue
                low[row, column] = measurement.low
                high[row, column] = measurement.high
                nondetect[row, column] = measurement.nondetect
        taken = tuple(sample.taken for sample in samples)
        return cls(
            tuple(parameter_ids),
            low,
            high,
            nondetect,
            tuple(sample.id for sample in samples),
            taken if any(day is not None for day in taken) else None,
        )
