"""Shared fixtures: the shipped catalogue, standards and treatments, loaded once per session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from reclaim.io.quality_files import load_catalogue, load_standards, load_treatments
from reclaim.quality.catalogue import Catalogue
from reclaim.quality.gap import TreatmentCatalogue
from reclaim.quality.samples import Sample, sample_from_dict
from reclaim.quality.standards import Standard


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def standards(catalogue: Catalogue) -> dict[str, Standard]:
    return load_standards(catalogue=catalogue)


@pytest.fixture(scope="session")
def treatments(catalogue: Catalogue) -> TreatmentCatalogue:
    return load_treatments(catalogue)


def make_sample(catalogue: Catalogue, values: Mapping[str, Any], sample_id: str = "s") -> Sample:
    """A sample from ``{parameter: (value, unit)}`` or ``{parameter: {...spec}}``."""
    specs = {
        parameter: spec if isinstance(spec, Mapping) else {"value": spec[0], "unit": spec[1]}
        for parameter, spec in values.items()
    }
    return sample_from_dict(specs, catalogue, sample_id, "sample")
