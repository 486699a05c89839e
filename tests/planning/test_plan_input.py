"""Input as real plans write it: their units, per-horizon values, sewage and demand drivers,
assumed values, renamed fields; and what must never pass silently (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.errors import InputError
from reclaim.io.scenario_file import scenario_from_dict
from reclaim.planning.engine import run_plan

from .conftest import EXAMPLES
from .scenarios import build, city, flow_use

runner = CliRunner()


def _area_use(**fields: object) -> dict:
    return {
        "id": "green",
        "category": "green_irrigation",
        "name_zh": "绿地",
        "name_en": "green",
        "driver": "area",
        "priority": 2,
        **fields,
    }


def test_units_chinese_plans_print() -> None:
    """915.22 公顷 × 85 % × 10 m³/(hm²·d) = 915.22 × 0.85 × 10 = 7779.37 m³/d (1 m³/(hm²·d) =
    0.1 L/(m²·d)); 5000 ㎡ = 0.5 ha; 3000 吨/日 and 3000 t/d are 3000 m³/d of water;
    58 万人 and 580000 人 are the same population."""
    uses = [
        _area_use(
            area_ha={2030: "915.22 公顷"},
            coverage={2030: "85 %"},
            rate_l_per_m2_day="10 m³/(hm²·d)",
        ),
        flow_use("mill", "3000 吨/日"),  # type: ignore[arg-type]
        flow_use("plant", "3000 t/d"),  # type: ignore[arg-type]
        {
            **_area_use(area_ha={2030: "5000 ㎡"}, coverage={2030: 1}, rate_l_per_m2_day=2),
            "id": "yard",
        },
    ]
    by_use = run_plan(build(city(5.0, uses))).horizon(2030).demand.by_use
    assert by_use["green"].m3_per_day == pytest.approx(915.22 * 0.85 * 10)
    assert by_use["green"].coverage == pytest.approx(0.85)
    assert by_use["mill"].m3_per_day == by_use["plant"].m3_per_day == 3000
    assert by_use["yard"].area_ha == pytest.approx(0.5)
    in_1e4 = city(5.0, [flow_use("mill", 1)])
    in_persons = city(5.0, [flow_use("mill", 1)])
    in_1e4["sewage"]["population_1e4_persons"] = {2030: "58 万人"}
    in_persons["sewage"]["population_1e4_persons"] = {2030: "580000 人"}
    assert run_plan(build(in_1e4)).horizon(2030).sewage_1e4_m3_per_day == pytest.approx(
        run_plan(build(in_persons)).horizon(2030).sewage_1e4_m3_per_day
    )


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_population_in_persons_is_warned(tmp_path: Path) -> None:
    """580 000 written where 万人 is expected would be 5.8 billion people: the run still
    completes (the value is valid) but says it looks off by 10⁴, naming the field."""
    data = city(5.0, [flow_use("mill", 1)])
    data["sewage"]["population_1e4_persons"] = {2030: 580_000}
    result = runner.invoke(app, ["plan", "run", str(_write(tmp_path, data)), "--json"])
    assert result.exit_code == 0, result.output
    assert "sewage.population_1e4_persons[2030]" in result.stderr
    assert "580000 人" in result.stderr and "58 万人" in result.stderr
    fine = city(5.0, [flow_use("mill", 1)])
    result = runner.invoke(app, ["plan", "run", str(_write(tmp_path, fine)), "--json"])
    assert "population" not in result.stderr


@pytest.mark.parametrize(("population", "warned"), [(0.0058, True), (58, False), (580_000, True)])
def test_a_population_far_from_the_plants_scale_is_warned(population: float, warned: bool) -> None:
    """58 万 persons × 100 L = 58 000 m³/d for plants treating 60 000 m³/d: plausible. Written
    0.0058 (万 read as persons) or 580 000 (persons as 万) it is 10⁴ times off either way."""
    from reclaim.io.scenario_file import scenario_notes

    plant = {
        "id": "w",
        "name_zh": "厂",
        "name_en": "plant",
        "sewage_capacity_m3_per_day": 60_000,
        "reclaimed_capacity_m3_per_day": 40_000,
    }
    data = city(5.0, [flow_use("mill", 1)], plants=[plant])
    data["sewage"]["population_1e4_persons"] = {2030: population}
    notes = scenario_notes(build(data))
    assert any("is the population in 万人" in note for note in notes) is warned


@pytest.mark.parametrize(
    ("figure", "nearest"),
    [
        ("2030.sewage_1e4_m3_per_dya", "2030.sewage_1e4_m3_per_day"),
        ("2030.demand.by_use.mil.m3_per_day", "2030.demand.by_use.mill.m3_per_day"),
        ("sewage_total", None),
    ],
)
def test_an_unknown_published_key_is_refused(
    tmp_path: Path, figure: str, nearest: str | None
) -> None:
    data = city(5.0, [flow_use("mill", 1000)])
    data["published"] = [{"figure": figure, "value": 5.0, "source": "test"}]
    result = runner.invoke(app, ["plan", "run", str(_write(tmp_path, data))])
    assert result.exit_code == 2, result.output
    assert "published[0].figure" in result.stderr and figure in result.stderr
    if nearest is not None:
        assert f"nearest valid key: {nearest}" in result.stderr


def test_a_figure_of_another_year_is_kept_for_the_audit() -> None:
    """A key under a year that is no horizon names a figure the plan prints but the model does
    not recompute (Shuozhou's 2021 reuse volume): accepted."""
    data = city(5.0, [flow_use("mill", 1000)])
    data["published"] = [{"figure": "2021.reuse_volume", "value": 5.0, "source": "test"}]
    assert run_plan(build(data)).audit == []


def test_a_renamed_field_is_read_under_its_old_name_with_a_note(tmp_path: Path) -> None:
    data = yaml.safe_load((EXAMPLES / "small_county.yaml").read_text(encoding="utf-8"))
    data["uses"][2]["units"] = data["uses"][2].pop("unit_count")
    notes: list[str] = []
    old = scenario_from_dict(data, notes=notes)
    assert old.use("flushing").unit_count == {2030: 50_000}
    assert any("'units'" in n and "'unit_count'" in n and "flushing" in n for n in notes)
    result = runner.invoke(app, ["plan", "run", str(_write(tmp_path, data)), "--json"])
    assert result.exit_code == 0
    assert "'unit_count'" in result.stderr
    data["uses"][2]["unit_count"] = {2030: 1}
    with pytest.raises(InputError, match="unit_count"):
        scenario_from_dict(data)


def test_assumed_inputs_are_listed() -> None:
    """An input the plan does not print is written `{value, assumed}` and listed by the audit."""
    data = city(5.0, [flow_use("mill", 1000, assumed="the plan names the mill, not its flow")])
    data["sewage"]["unforeseen_factor"] = {"value": 0.1, "assumed": "typical of county plans"}
    result = run_plan(build(data))
    assert result.horizon(2030).sewage_inputs.unforeseen_factor == pytest.approx(0.1)
    assert [(a.input, a.why) for a in result.assumed] == [
        ("sewage.unforeseen_factor", "typical of county plans"),
        ("uses.mill", "the plan names the mill, not its flow"),
    ]
    plain = json.loads(json.dumps(result.to_json_dict()))
    assert plain["assumed_inputs"][0] == {
        "input": "sewage.unforeseen_factor",
        "why": "typical of county plans",
    }


def test_shuozhou_marks_its_interpolated_industrial_land(shuozhou) -> None:
    assert "sewage.industrial_land_ha.2025" in shuozhou.assumed


def test_sewage_drivers() -> None:
    """water supply 5 万 m³/d × discharge 0.85 × collection 90 % = 3.825 万 m³/d;
    plants of 4 and 2 万 m³/d at 75 % load = 4.5 万; measured 3 万 m³/d."""
    base = city(1.0, [flow_use("mill", 1000)])
    plants = [
        {
            "id": f"p{i}",
            "name_zh": "厂",
            "name_en": "plant",
            "sewage_capacity_m3_per_day": cap,
            "reclaimed_capacity_m3_per_day": cap,
        }
        for i, cap in enumerate(("4 万m3/d", "2 万m3/d"))
    ]
    cases = [
        (
            {
                "driver": "water_supply",
                "water_supply_m3_per_day": {2030: "5 万m3/d"},
                "discharge_factor": 0.85,
                "collection_rate": "90 %",
            },
            3.825,
        ),
        ({"driver": "plant_load", "load_rate": {2030: "75 %"}}, 4.5),
        ({"driver": "measured", "measured_m3_per_day": {2030: 30_000}}, 3.0),
    ]
    for sewage, expected in cases:
        horizon = run_plan(build({**base, "sewage": sewage, "plants": plants})).horizon(2030)
        assert horizon.sewage_1e4_m3_per_day == pytest.approx(expected), sewage["driver"]
        assert horizon.reclaimed_supply_1e4_m3_per_day == pytest.approx(0.8 * expected)
    with pytest.raises(InputError, match="collection_rate"):
        build(
            {
                **base,
                "sewage": {
                    "driver": "water_supply",
                    "water_supply_m3_per_day": {2030: 1},
                    "discharge_factor": 0.8,
                },
            }
        )


def test_landscape_and_toilet_drivers() -> None:
    """Lake of 300 000 m³ exchanged every 30 days: 10 000 m³/d. Pond of 20 ha losing 4 mm/d to
    evaporation and 2 mm/d to seepage: 200 000 m² × 6 mm = 1200 m³/d. Toilets: the planned
    50 万 persons (sewage 5 万 m³/d at 100 L) × 30 % × 25 L = 3750 m³/d."""
    common = {"category": "landscape", "name_zh": "景观", "name_en": "landscape", "priority": 3}
    uses = [
        {
            **common,
            "id": "lake",
            "driver": "volume_exchange",
            "volume_m3": {2030: "30 万m3"},
            "exchange_days": 30,
        },
        {
            **common,
            "id": "pond",
            "driver": "evaporation_seepage",
            "water_area_ha": {2030: 20},
            "evaporation_mm_per_day": 4,
            "seepage_mm_per_day": 2,
        },
        {
            **common,
            "id": "toilets",
            "category": "toilet_flushing",
            "driver": "population",
            "coverage": {2030: 0.3},
            "rate_l_per_person_day": 25,
        },
    ]
    by_use = run_plan(build(city(5.0, uses))).horizon(2030).demand.by_use
    assert by_use["lake"].m3_per_day == pytest.approx(10_000)
    assert by_use["pond"].m3_per_day == pytest.approx(1_200)
    assert by_use["toilets"].m3_per_day == pytest.approx(3_750)


def test_rates_days_prices_and_cap_per_horizon() -> None:
    """Green 100 ha × 100 % at 1 L/(m²·d) in 2025 and 2 in 2030: 1000 and 2000 m³/d, over 180
    and 214 days; price 1.5 then 2.0 元/m³; reuse cap 0.6 then 0.8 of 5 万 m³/d."""
    data = city(
        5.0,
        [
            _area_use(
                area_ha={2025: 100, 2030: 100},
                coverage={2025: 1, 2030: 1},
                rate_l_per_m2_day={2025: 1.0, 2030: 2.0},
                days_per_year={2025: 180, 2030: 214},
                price_yuan_per_m3={2025: 1.5, 2030: "2.0 元/m3"},
            )
        ],
    )
    data["horizons"] = [2025, 2030]
    sewage = data["sewage"]
    for key in (
        "population_1e4_persons",
        "domestic_l_per_person_day",
        "industrial_land_ha",
        "industrial_index_m3_per_km2_day",
    ):
        sewage[key] = {2025: sewage[key][2030], 2030: sewage[key][2030]}
    sewage["reuse_cap"] = {2025: 0.6, 2030: 0.8}
    result = run_plan(build(data))
    early, late = result.horizon(2025), result.horizon(2030)
    assert early.demand.by_use["green"].annual_1e4_m3 == pytest.approx(1000 * 180 / 1e4)
    assert late.demand.by_use["green"].annual_1e4_m3 == pytest.approx(2000 * 214 / 1e4)
    assert early.reclaimed_supply_1e4_m3_per_day == pytest.approx(3.0)
    assert late.reclaimed_supply_1e4_m3_per_day == pytest.approx(4.0)
    assert early.economics is not None and late.economics is not None
    assert early.economics.revenue_1e4_yuan_per_year == pytest.approx(18.0 * 1.5)
    assert late.economics.revenue_1e4_yuan_per_year == pytest.approx(42.8 * 2.0)
