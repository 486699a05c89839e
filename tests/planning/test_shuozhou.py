"""The Shuozhou plan (seed 001) recomputed: every figure it publishes, and its inconsistencies.

Expected numbers are the plan's printed figures as listed in ../shared/domain/planning.md
(seed 001 §4.1.4, §4.2, §4.3, §5.3); the capped rate 74.33 % is planning.md's own working
(214 d × 7.85 + 151 d × 6.5 = 2661.4 万 m³ over 3580.65).
"""

from __future__ import annotations

import pytest

from reclaim.planning.engine import run_plan
from reclaim.planning.scenario import Scenario

PUBLISHED = {
    # (horizon, dotted key): printed value — seed 001, as condensed in planning.md
    ("2025", "demand.by_use.green.m3_per_day"): 4576.1,
    ("2030", "demand.by_use.green.m3_per_day"): 9709.4,
    ("2025", "demand.by_use.road.m3_per_day"): 8242.5,
    ("2030", "demand.by_use.road.m3_per_day"): 17540.0,
    ("2025", "demand.by_use.green.1e4_m3_per_year"): 97.93,
    ("2030", "demand.by_use.green.1e4_m3_per_year"): 207.78,
    ("2025", "demand.by_use.road.1e4_m3_per_year"): 176.39,
    ("2030", "demand.by_use.road.1e4_m3_per_year"): 375.36,
    ("2025", "demand.industrial_1e4_m3_per_year"): 1387.0,
    ("2030", "demand.industrial_1e4_m3_per_year"): 2372.5,
    ("2025", "demand.total_m3_per_day"): 50818.6,
    ("2030", "demand.total_m3_per_day"): 92249.4,
    ("2025", "demand.total_1e4_m3_per_year"): 1661.32,
    ("2030", "demand.total_1e4_m3_per_year"): 2955.64,
    ("2025", "domestic_1e4_m3_per_day"): 7.54,
    ("2030", "domestic_1e4_m3_per_day"): 8.45,
    ("2025", "industrial_1e4_m3_per_day"): 2.17,
    ("2030", "industrial_1e4_m3_per_day"): 2.02,
    ("2025", "sewage_1e4_m3_per_day"): 9.02,
    ("2030", "sewage_1e4_m3_per_day"): 9.81,
    ("2025", "reclaimed_supply_1e4_m3_per_day"): 7.22,
    ("2030", "reclaimed_supply_1e4_m3_per_day"): 7.85,
    ("2025", "balance_1e4_m3_per_day"): 2.14,
    ("2030", "balance_1e4_m3_per_day"): -1.37,
    ("2025", "sewage_1e4_m3_per_year"): 3292.3,
    ("2030", "sewage_1e4_m3_per_year"): 3580.65,
    ("2025", "utilisation_rate"): 0.5046,
    ("2030", "utilisation_rate"): 0.8254,
    ("2030", "utilisation_rate_capped"): 0.7433,
    ("2030", "plants.reclaimed_capacity_1e4_m3_per_day"): 12.2,
    ("2025", "investment_1e4_yuan"): 3297.39,
    ("2030", "investment_1e4_yuan"): 10689.98,
    ("2025", "pipes.length_km"): 35.491,  # near-term table rows: 35.49 km (§5.3.2 text)
    ("2030", "pipes.length_km"): 64.37,  # far-term rows as printed: 64.37 km (planning.md)
}


def _dig(horizon: dict, dotted: str) -> float:
    if dotted.startswith("demand.by_use."):
        _, _, rest = dotted.partition("demand.by_use.")
        use, _, field = rest.partition(".")
        return horizon["demand"]["by_use"][use][field]
    node = horizon
    for part in dotted.split("."):
        node = node[part]
    return node


@pytest.mark.parametrize(("key", "printed"), list(PUBLISHED.items()), ids=lambda v: str(v))
def test_plan_rounding_reproduces_every_published_figure(
    shuozhou: Scenario, key: tuple[str, str], printed: float
) -> None:
    figures = run_plan(shuozhou, "plan").to_json_dict()
    year, dotted = key
    assert _dig(figures[year], dotted) == pytest.approx(printed, abs=1e-9)


def test_totals_over_both_phases(shuozhou: Scenario) -> None:
    total = run_plan(shuozhou, "plan").to_json_dict()["total"]
    assert total["pipes"]["length_km"] == pytest.approx(99.861)  # "共 99.86km", §4.3.2
    assert total["investment_1e4_yuan"] == pytest.approx(13987.37)  # §5.3.2 合计


def test_full_precision_differs_from_the_printed_rounding(shuozhou: Scenario) -> None:
    """Without intermediate rounding 2025 sewage is (58·0.13·0.9 + 4.3433·0.5·0.65)·1.1."""
    full = run_plan(shuozhou, "full").to_json_dict()["2025"]
    expected = (58 * 130 / 1000 * 0.9 + 434.33 / 100 * 0.5 * 0.65) * 1.1
    assert full["sewage_1e4_m3_per_day"] == pytest.approx(expected, rel=1e-12)
    assert full["sewage_1e4_m3_per_day"] != pytest.approx(9.02, abs=1e-6)


EXPECTED_AUDIT = {
    # planning.md, "What the plan says but does not do":
    "2030.utilisation_rate",  # 82.54 % published, 74.33 % with the cap the text describes
    "2025.pipes.length_km",  # investment table 24.81 km vs the 35.49 km of the pipe rows
    "2030.pipes.length_km",  # 73.05 km (text) and 73.05 km (table) vs 64.37 km of the rows
    # 5000 m³/d (text) vs 2000 m³/d (investment table)
    "2025.pump_stations.booster_baowu.capacity_peak_hour_m3_per_hour",
    "pipes.p27",  # 建设路 DN300 1912 m repeated in the far term
    "pipes.p28",  # 建设南路 DN150 768 m repeated in the far term
    "2021.reuse_volume",  # §3.3 "817 万 m³/d" is a year figure
    "2025.demand.by_use.green.coverage",  # table prints 100 %, arithmetic uses 50 %
    "2025.sewage.population_1e4_persons",  # 51 × 1.028^5 = 58.55, plan uses 58
    # found beyond planning.md, checked by hand against seed 001:
    "2030.sewage.population_1e4_persons",  # 51 × 1.028^10 = 67.22, plan uses 65
    "2025.demand.by_use.road.1e4_m3_per_year",  # §4.1.4(2) text "176.39 万 m³/d" (a year figure)
}


def test_audit_lists_exactly_the_documents_inconsistencies(shuozhou: Scenario) -> None:
    audit = run_plan(shuozhou).audit
    assert {item.figure for item in audit} == EXPECTED_AUDIT
    far_pipes = [a for a in audit if a.figure == "2030.pipes.length_km"]
    assert len(far_pipes) == 2
    assert all(a.computed == pytest.approx(64.37) and a.published == 73.05 for a in far_pipes)


def test_audit_names_the_capped_rate_and_the_unit_slip(shuozhou: Scenario) -> None:
    audit = {a.figure: a for a in run_plan(shuozhou).audit}
    utilisation = audit["2030.utilisation_rate"]
    assert utilisation.computed == pytest.approx(74.33)  # planning.md: 2661.4 / 3580.65
    assert "uncapped" in utilisation.note
    slip = audit["2021.reuse_volume"]
    assert "unit slip" in slip.note
    assert f"{817 / 365:.2f}" in slip.note


def test_audit_does_not_depend_on_the_output_rounding(shuozhou: Scenario) -> None:
    plan = [a.to_dict() for a in run_plan(shuozhou, "plan").audit]
    full = [a.to_dict() for a in run_plan(shuozhou, "full").audit]
    assert plan == full


def test_supply_short_in_2030_allocates_industry_first(shuozhou: Scenario) -> None:
    """§5.2: industry first. 2030 max day: 7.85 万 m³/d for 6.5 industrial + 2.72494 municipal."""
    horizon = run_plan(shuozhou, "plan").to_json_dict()["2030"]
    by_use = horizon["demand"]["by_use"]
    industry = [u for u in by_use.values() if u["category"] == "industrial"]
    assert all(u["delivered_max_day_m3_per_day"] == u["m3_per_day"] for u in industry)
    municipal_left = 78500 - 65000
    municipal_demand = 17540.0 + 9709.4
    for use in ("road", "green"):
        expected = by_use[use]["m3_per_day"] * municipal_left / municipal_demand
        assert by_use[use]["delivered_max_day_m3_per_day"] == pytest.approx(expected)
    assert horizon["delivered_1e4_m3_per_year"] == pytest.approx(2661.4)
