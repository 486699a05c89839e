"""Shared fixtures: the bundled example scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from reclaim.io.scenario_file import load_scenario
from reclaim.planning.scenario import Scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="session")
def shuozhou() -> Scenario:
    return load_scenario(EXAMPLES / "shuozhou.yaml")


@pytest.fixture(scope="session")
def small_county() -> Scenario:
    return load_scenario(EXAMPLES / "small_county.yaml")
