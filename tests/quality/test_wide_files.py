"""Wide sample CSVs (one row per sample) for the vectorised engine and the `batch` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.errors import InputError
from reclaim.io.quality_files import load_sample_matrix, load_samples
from reclaim.quality.catalogue import Catalogue

WIDE = (
    "sample,date,cod_cr [mg/L],fecal_coliform [MPN/100mL],hg [µg/L],odour (conformity)\n"
    "a,2026-01-01,30,50,0.5,pass\n"
    "b,2026-01-02,55,<2,,fail\n"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "wide.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_wide_csv_converts_units_and_keeps_gaps(tmp_path: Path, catalogue: Catalogue) -> None:
    matrix = load_sample_matrix(write(tmp_path, WIDE), catalogue)
    assert matrix.parameter_ids == ("cod_cr", "fecal_coliform", "hg", "odour")
    assert matrix.sample_ids == ("a", "b")
    # 50 MPN/100 mL = 500 /L; 0.5 µg/L = 0.0005 mg/L; "<2" per 100 mL = below 20 /L
    assert matrix.low[0, 1] == pytest.approx(500) and matrix.low[0, 2] == pytest.approx(0.0005)
    assert (matrix.low[1, 1], matrix.high[1, 1]) == (0.0, pytest.approx(20))
    assert matrix.nondetect is not None and bool(matrix.nondetect[1, 1])
    assert np.isnan(matrix.low[1, 2])
    assert (matrix.low[0, 3], matrix.low[1, 3]) == (1.0, 0.0)


def test_wide_csv_as_samples_keeps_dates(tmp_path: Path, catalogue: Catalogue) -> None:
    samples = load_samples(write(tmp_path, WIDE), catalogue)
    assert [s.taken for s in samples] == ["2026-01-01", "2026-01-02"]
    assert "hg" not in samples[1].measurements


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        ("sample,bod5\na,3\n", "header.bod5", "a header 'parameter [unit]'"),
        ("sample,bod_5 [mg/L]\na,3\n", "header.bod_5 [mg/L]", "known parameter"),
        ("sample,bod5 [NTU]\na,3\n", "header.bod5 [NTU]", "bod5 is measured in"),
        ("sample,bod5 [mg/L]\na,3\nb,lots\n", "bod5 [mg/L][row 3]", "a number"),
        ("sample,bod5 [mg/L]\na,3\nb,-1\n", "bod5 [mg/L][sample b]", "0–inf"),
    ],
)
def test_wide_csv_errors_name_the_column(
    tmp_path: Path, catalogue: Catalogue, text: str, field: str, fragment: str
) -> None:
    with pytest.raises(InputError) as caught:
        load_sample_matrix(write(tmp_path, text), catalogue)
    assert caught.value.field.endswith(field)
    assert fragment in str(caught.value)


def test_batch_command_counts_and_writes_per_sample_fitness(tmp_path: Path) -> None:
    path = write(tmp_path, WIDE)
    out = tmp_path / "fitness.csv"
    result = CliRunner().invoke(
        app,
        ["quality", "batch", str(path), "--standard", "gb_18918_2002", "--json", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    grade_1a = next(u for u in payload["uses"] if u["use"] == "grade_1A")
    # sample b: COD 55 > 50 (Table 1, 1-A) → unfit; sample a: COD and coliforms pass, the rest of
    # Table 1 is not measured → undetermined
    assert (grade_1a["fit"], grade_1a["undetermined"], grade_1a["unfit"]) == (0, 1, 1)
    assert grade_1a["failures"]["cod_cr"] == 1  # only sample b
    # every GB 18918 limit is confirmed by the primary MEE text (verification-2026-12 §4.9)
    assert grade_1a["unverified_limits"] == []
    written = out.read_text(encoding="utf-8").splitlines()
    assert written[0].startswith("sample,gb_18918_2002/grade_1A")
    assert written[2].split(",")[1] == "unfit"


def test_yaml_series_file(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "series.yaml"
    path.write_text(
        "samples:\n"
        "  - {id: d1, date: 2026-01-01, values: {e_coli: {value: '<1', unit: MPN/100mL}}}\n"
        "  - {id: d2, date: 2026-01-02, values: {e_coli: {value: 3, unit: MPN/100mL}}}\n",
        encoding="utf-8",
    )
    first, second = load_samples(path, catalogue)
    assert (first.id, first.taken, second.taken) == ("d1", "2026-01-01", "2026-01-02")
    assert first.measurements["e_coli"].nondetect and first.measurements["e_coli"].high == 10  # /L
    assert second.measurements["e_coli"].low == 30


def test_yaml_without_values_is_an_error(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("samples:\n  - {id: d1, bod5: 3}\n", encoding="utf-8")
    with pytest.raises(InputError, match="'id' and 'values'") as caught:
        load_samples(path, catalogue)
    assert caught.value.field.endswith("bad.yaml:samples[0]")
