"""The river county report (examples/river_county.yaml): findings on the calendar and on plants
that limit supply, as worked by hand in tests/planning/test_river_county.py."""

from __future__ import annotations

from pathlib import Path

from reclaim.io.scenario_file import load_scenario
from reclaim.planning.engine import run_plan
from reclaim.reports import plan_report
from reclaim.reports.document import render_markdown

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "river_county.yaml"


def test_findings_tell_max_day_sums_from_calendar_shortage() -> None:
    """2025: every use's max day summed is 0.54 万 m³/d above the supply, but heating (winter)
    and watering (April–October) never draw together: no use is short, busiest day 24 400 m³/d.
    2035 is short on watering days, the lake served least (41.37 %: 164.25 − 96.3 of 164.25).
    Both years the plant capacity, not the reuse cap, limits the supply (2.50 < 3.47 万 m³/d)."""
    result = run_plan(load_scenario(EXAMPLE))
    text = render_markdown(plan_report.build_plan_document(result, "en", "river_county.yaml"))
    assert "exceed the supply by 0.54 10⁴ m³/d, but uses of different seasons" in text
    assert "busiest day 24,400.0 m³/d" in text
    assert "the least served use is landscape lake (41.37%)" in text
    assert "(2.50 10⁴ m³/d) cannot reclaim the 3.47 10⁴ m³/d the reuse cap allows" in text


def test_the_audit_section_lists_the_assumed_inputs() -> None:
    """Shuozhou's 2025 industrial land (434.33 ha) is interpolated, marked assumed."""
    shuozhou = EXAMPLE.with_name("shuozhou.yaml")
    result = run_plan(load_scenario(shuozhou))
    for lang, title in (("en", "Assumed inputs"), ("zh", "假定输入一览表")):
        text = render_markdown(plan_report.build_plan_document(result, lang, "shuozhou.yaml"))
        assert title in text
        assert "sewage.industrial_land_ha.2025" in text
