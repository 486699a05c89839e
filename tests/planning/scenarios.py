"""Small scenarios built in tests, every figure of which the tests work out by hand."""

from __future__ import annotations

from typing import Any

from reclaim.io.scenario_file import scenario_from_dict
from reclaim.planning.scenario import Scenario


def city(sewage_1e4_m3_per_day: float, uses: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """One horizon (2030); sewage from population alone: P 万人 × 100 L × discharge 1.0, so
    P = sewage ÷ 0.1, with no industry and no unforeseen share; reuse cap 80 %."""
    return {
        "region": {"id": "test", "name_zh": "测试", "name_en": "test", "illustrative": True},
        "horizons": [2030],
        "sewage": {
            "population_1e4_persons": {2030: sewage_1e4_m3_per_day / 0.1},
            "domestic_l_per_person_day": {2030: 100},
            "industrial_land_ha": {2030: 0},
            "industrial_index_m3_per_km2_day": {2030: 0},
            "discharge_factor_domestic": 1.0,
            "discharge_factor_industrial": 0.0,
            "unforeseen_factor": 0.0,
        },
        "uses": uses,
        **extra,
    }


def flow_use(use_id: str, m3_per_day: float, priority: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "id": use_id,
        "category": extra.pop("category", "industrial"),
        "name_zh": use_id,
        "name_en": use_id,
        "driver": "flow",
        "priority": priority,
        "flow_m3_per_day": {2030: m3_per_day},
        **extra,
    }


def build(data: dict[str, Any]) -> Scenario:
    return scenario_from_dict(data)
