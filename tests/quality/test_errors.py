"""Bad input gives an `InputError` naming the field and the value, never a wrong verdict."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reclaim.errors import InputError
from reclaim.io.quality_files import load_samples, load_standards
from reclaim.quality.catalogue import Catalogue
from reclaim.quality.evaluate import evaluate
from reclaim.quality.standards import Standard, find_standard
from tests.quality.conftest import make_sample


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        ({"bod_5": (10, "mg/L")}, "sample.bod_5", "known parameter"),
        ({"bod5": (10, "mg/m3x")}, "sample.bod5.unit", "known unit"),
        ({"bod5": (10, "NTU")}, "sample.bod5.unit", "bod5 is measured in mass_concentration"),
        ({"colour": (30, "稀释倍数")}, "sample.colour.unit", "colour is measured in colour_pt_co"),
        ({"cod_cr": (-3, "mg/L")}, "sample.cod_cr.value", "non-negative"),
        ({"ph": (15, "pH")}, "sample.ph.value", "0–14"),
        ({"bod5": ("ten", "mg/L")}, "sample.bod5.value", "a number"),
        ({"odour": {"value": "smelly", "unit": "conformity"}}, "sample.odour.value", "pass"),
        ({"ph": {"range": [9, 6], "unit": "pH"}}, "sample.ph.range", "lowest bound"),
        ({"bod5": {"value": 4}}, "sample.bod5.unit", "a unit (e.g. mg/L)"),
    ],
)
def test_bad_sample_values(catalogue: Catalogue, values: dict, field: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        make_sample(catalogue, values)
    assert caught.value.field == field
    assert fragment in str(caught.value)


def test_ph_and_observations_need_no_unit(catalogue: Catalogue) -> None:
    sample = make_sample(catalogue, {"ph": {"value": 7.1}, "odour": {"value": "pass"}})
    assert sample.measurements["ph"].low == 7.1 and sample.measurements["odour"].low == 1.0


def test_unknown_standard_and_use(catalogue: Catalogue, standards: dict[str, Standard]) -> None:
    with pytest.raises(InputError, match="gb_t_99999") as caught:
        find_standard(standards, "gb_t_99999")
    assert caught.value.field == "standard"
    sample = make_sample(catalogue, {"bod5": (5, "mg/L")})
    with pytest.raises(InputError, match="swimming") as caught_use:
        evaluate(sample, standards["gb_t_18920_2020"], "swimming")
    assert caught_use.value.field == "use"
    with pytest.raises(InputError, match="monsoon") as caught_condition:
        evaluate(sample, standards["gb_t_18920_2020"], "toilet", ["monsoon"])
    assert caught_condition.value.field == "condition"


def test_find_standard_by_code(standards: dict[str, Standard]) -> None:
    assert find_standard(standards, "GB/T 18920-2020").id == "gb_t_18920_2020"


LOCAL = {
    "id": "local_contract",
    "code": "Contract 2026-01",
    "sources": {"C1": "supply contract between the utility and the buyer, annex 2"},
    "uses": [
        {
            "id": "boiler",
            "name_en": "boiler make-up (contract)",
            "inherits": {"standard": "gb_t_19923_2005", "use": "boiler_makeup"},
        }
    ],
    "limits": [
        {
            "parameter": "cod_cr",
            "kind": "max",
            "unit": "mg/L",
            "clause": "annex 2, item 3",
            "sources": ["C1"],
            "verified": True,
            "values": {"boiler": 30},
        },
    ],
}


def write_standard(directory: Path, raw: dict) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / f"{raw['id']}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return directory


def test_local_contract_tightens_inherited_limit(tmp_path: Path, catalogue: Catalogue) -> None:
    standards = load_standards([write_standard(tmp_path / "local", LOCAL)], catalogue)
    contract = standards["local_contract"].use("boiler")
    cod = [rule for rule in contract.rules if rule.parameter == "cod_cr"]
    assert len(cod) == 1 and cod[0].base is not None and cod[0].base.upper == 30  # replaced 60
    inherited = {rule.parameter for rule in standards["gb_t_19923_2005"].use("boiler_makeup").rules}
    assert {rule.parameter for rule in contract.rules} == inherited
    # 40 mg/L passes GB/T 19923 (≤ 60) but fails the contract (≤ 30)
    sample = make_sample(catalogue, {"cod_cr": (40, "mg/L")})
    assert (
        next(
            v
            for v in evaluate(sample, standards["local_contract"], "boiler").verdicts
            if v.parameter == "cod_cr"
        ).status.value
        == "fail"
    )


def test_local_limit_may_not_loosen(tmp_path: Path, catalogue: Catalogue) -> None:
    loose = {**LOCAL, "limits": [{**LOCAL["limits"][0], "values": {"boiler": 90}}]}
    with pytest.raises(InputError, match="at least as strict"):
        load_standards([write_standard(tmp_path / "loose", loose)], catalogue)


def test_local_file_cannot_take_a_shipped_id(tmp_path: Path, catalogue: Catalogue) -> None:
    clash = {**LOCAL, "id": "gb_t_18920_2020", "uses": [{"id": "boiler"}]}
    with pytest.raises(InputError, match="an id not used by"):
        load_standards([write_standard(tmp_path / "clash", clash)], catalogue)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"kind": "maximum"}, "one of max"),
        ({"sources": []}, "at least one source"),
        ({"sources": ["C9"]}, "a source id of this file"),
        ({"verified": "yes"}, "true or false"),
        ({"unit": "NTU"}, "cod_cr is measured in"),
        ({"values": {"boilr": 30}}, "a use or column"),
        ({"values": {"boiler": "thirty"}}, "a number"),
        ({"clause": None}, "clause"),
    ],
)
def test_malformed_standard_rows(
    tmp_path: Path, catalogue: Catalogue, change: dict, fragment: str
) -> None:
    bad = {**LOCAL, "limits": [{**LOCAL["limits"][0], **change}]}
    with pytest.raises(InputError, match=fragment) as caught:
        load_standards([write_standard(tmp_path / "bad", bad)], catalogue)
    assert "local_contract.yaml:limits[0]" in caught.value.field


def test_missing_standards_dir(catalogue: Catalogue, tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_standards([tmp_path / "nowhere"], catalogue)
    assert caught.value.field == "standards_dir"


def test_csv_without_unit_column(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "s.csv"
    path.write_text("sample,parameter,value\nA,bod5,10\n", encoding="utf-8")
    with pytest.raises(InputError, match="columns sample, parameter, value, unit"):
        load_samples(path, catalogue)


def test_csv_duplicate_measurement(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "sample,parameter,value,unit\nA,bod5,10,mg/L\nA,bod5,12,mg/L\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="one value per parameter") as caught:
        load_samples(path, catalogue)
    assert caught.value.field.endswith(":3.parameter")


def test_csv_unit_mismatch_names_the_parameter(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "s.csv"
    path.write_text("sample,parameter,value,unit\nA,turbidity,3,mg/L\n", encoding="utf-8")
    with pytest.raises(InputError, match="turbidity is measured in turbidity") as caught:
        load_samples(path, catalogue)
    assert caught.value.field.endswith("A.turbidity.unit")


def test_documented_contract_example_loads_and_tightens(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    import re

    from reclaim.io.data_files import data_path

    text = data_path("quality", "LOCAL_STANDARDS.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert block is not None
    (tmp_path / "contract.yaml").write_text(block.group(1), encoding="utf-8")
    contract = load_standards([tmp_path], catalogue)["huadian_boiler_contract_2026"].use("boiler")
    limits = {rule.parameter: rule.base for rule in contract.rules if rule.base is not None}
    # GB/T 19923-2005 boiler make-up: COD ≤ 60, chloride ≤ 250; the contract: ≤ 30 and ≤ 200
    assert limits["cod_cr"].upper == 30 and limits["chloride"].upper == 200
