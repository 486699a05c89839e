"""Read the quality module's files: parameter catalogue, standards, treatments, samples, profiles.

Shipped data lives in src/reclaim/data/quality/; a user adds a local standard or a contract limit
by dropping another standard file in a directory passed as ``extra_dirs`` — no code changes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from reclaim.errors import InputError
from reclaim.io.data_files import data_path, files_in, read_yaml
from reclaim.quality.catalogue import Catalogue, catalogue_from_dict
from reclaim.quality.evaluate import FitnessMatrix, fitness_matrix
from reclaim.quality.samples import (
    CONFORMITY_WORDS,
    Measurement,
    Sample,
    SampleMatrix,
    sample_from_dict,
)
from reclaim.quality.standards import (
    Standard,
    apply_inheritance,
    inheritance_of,
    latest_editions,
    standard_from_dict,
)

if TYPE_CHECKING:
    import pandas as pd  # imported where a wide CSV is read: pandas costs start-up time

    from reclaim.quality.batch import BatchFitness  # the batch engine: only for `quality batch`
    from reclaim.quality.gap import TreatmentCatalogue

SHIPPED_STANDARDS_DIR = data_path("quality", "standards")
PROFILES_DIR = data_path("quality", "profiles")
CSV_COLUMNS = ("sample", "parameter", "value", "unit")
"""Required columns of a long sample CSV (one measurement per row; ``date`` optional)."""
WIDE_HEADER = re.compile(r"^\s*(?P<parameter>[A-Za-z0-9_]+)\s*[\[(](?P<unit>[^\])]*)[\])]\s*$")
"""A wide CSV's parameter column header: ``bod5 [mg/L]`` or ``bod5 (mg/L)``."""


CSV_HELP = "see docs/inputs.md for the long and wide lab CSV forms"


@contextmanager
def _csv_read_errors(path: Path) -> Iterator[None]:
    """A file that is not UTF-8 text, or that the CSV reader cannot split into rows, becomes an
    `InputError` naming the file and, where the reader knows it, the line."""
    try:
        yield
    except UnicodeDecodeError as error:
        raise InputError(
            str(path),
            f"byte {error.start}: not UTF-8 text",
            "a CSV file saved as UTF-8 (in Excel: Save As, CSV UTF-8)",
        ) from None
    except csv.Error as error:
        line = re.search(r"line (\d+)", str(error))
        where = f"{path}:{line[1]}" if line else str(path)
        raise InputError(where, str(error), f"comma-separated rows; {CSV_HELP}") from None


def load_catalogue() -> Catalogue:
    """The shipped parameter and unit catalogue."""
    path = data_path("quality", "parameters.yaml")
    return catalogue_from_dict(read_yaml(path), str(path))


def load_treatments(catalogue: Catalogue | None = None) -> TreatmentCatalogue:
    """The shipped treatment steps and their mapping to parameters."""
    from reclaim.quality.gap import treatments_from_dict

    path = data_path("quality", "treatments.yaml")
    return treatments_from_dict(read_yaml(path), catalogue or load_catalogue(), str(path))


def load_standards(
    extra_dirs: Iterable[str | Path] = (), catalogue: Catalogue | None = None
) -> dict[str, Standard]:
    """Every shipped standard plus every ``*.yaml`` standard in ``extra_dirs``, by id.

    A user file whose id is already taken is an `InputError` (a local file never silently replaces a
    national standard); a use may ``inherits:`` another standard's use and tighten its limits.
    """
    catalogue = catalogue or load_catalogue()
    files = list(files_in(SHIPPED_STANDARDS_DIR, ".yaml").values())
    for directory in extra_dirs:
        path = Path(directory)
        if not path.is_dir():
            raise InputError(
                "standards_dir", str(directory), "an existing directory of standard files"
            )
        files.extend(sorted(path.glob("*.yaml")))
    standards: dict[str, Standard] = {}
    inheriting: list[tuple[Standard, dict[str, tuple[str, str]]]] = []
    for path in files:
        raw = read_yaml(path)
        standard = standard_from_dict(raw, catalogue, str(path))
        if standard.id in standards:
            raise InputError(
                f"{path}:id", standard.id, f"an id not used by {standards[standard.id].origin}"
            )
        standards[standard.id] = standard
        inherits = inheritance_of(raw)
        if inherits:
            inheriting.append((standard, inherits))
    for standard, inherits in inheriting:
        standards[standard.id] = apply_inheritance(standard, inherits, standards)
    return standards


def load_samples(path: str | Path, catalogue: Catalogue | None = None) -> list[Sample]:
    """Samples from a CSV (long format: sample, [date,] parameter, value, unit) or a YAML file.

    YAML holds one sample (``{id, values: {parameter: {value, unit}}}``, the form of an effluent
    profile) or ``{samples: [...]}``.
    """
    catalogue = catalogue or load_catalogue()
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "no such file", str(path))
    if path.suffix.lower() == ".csv":
        if _is_wide_csv(path):
            return _samples_of_matrix(*_read_wide(path, catalogue))
        return _samples_from_csv(path, catalogue)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _samples_from_yaml(read_yaml(path), catalogue, str(path))
    raise InputError("sample_file", str(path), "a .csv, .yaml or .yml file")


def profile_ids() -> dict[str, Path]:
    """The shipped effluent profiles by id, each file confirmed inside the profiles folder."""
    return files_in(PROFILES_DIR, ".yaml")


def load_profile(name: str, catalogue: Catalogue | None = None) -> Sample:
    """A shipped effluent profile by id (e.g. ``shuozhou_design_effluent``) as a sample.

    The id is checked against the catalogue of shipped profiles; it never becomes a path.
    """
    profiles = profile_ids()
    path = profiles.get(name)
    if path is None:
        raise InputError("profile", name, f"a shipped profile id ({', '.join(profiles)})")
    return load_samples(path, catalogue)[0]


def profile_sample(profile: Mapping[str, Any], catalogue: Catalogue, name: str) -> Sample:
    """A sample from an in-memory effluent profile ``{parameter: {value, unit}}``."""
    return sample_from_dict(profile, catalogue, name, f"{name}.effluent")


def effluent_fitness(
    effluent: Mapping[str, Any],
    name: str,
    extra_dirs: Iterable[str | Path] = (),
    conditions: Iterable[str] = (),
    current_only: bool = True,
) -> FitnessMatrix:
    """Which uses a plant's effluent profile ``{parameter: {value, unit}}`` is fit for.

    For the plan report: every shipped (and user) standard, editions whose successor is loaded
    left out unless ``current_only`` is False; errors name ``<name>.effluent.<parameter>``.
    """
    catalogue = load_catalogue()
    standards = load_standards(extra_dirs, catalogue)
    chosen = latest_editions(standards) if current_only else list(standards.values())
    return fitness_matrix(profile_sample(effluent, catalogue, name), chosen, conditions)


def _samples_from_yaml(raw: object, catalogue: Catalogue, origin: str) -> list[Sample]:
    if not isinstance(raw, Mapping):
        raise InputError(origin, raw, "a mapping with 'values' or 'samples'")
    entries = raw.get("samples", [raw])
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{origin}:samples", entries, "a non-empty list of samples")
    samples = []
    for index, entry in enumerate(entries):
        where = f"{origin}:samples[{index}]" if "samples" in raw else origin
        if not isinstance(entry, Mapping) or "values" not in entry:
            raise InputError(where, entry, "a mapping with 'id' and 'values'")
        sample_id = str(entry.get("id", index))
        taken = None if entry.get("date") is None else str(entry["date"])
        samples.append(
            sample_from_dict(entry["values"], catalogue, sample_id, f"{where}.values", taken)
        )
    return samples


def _samples_from_csv(path: Path, catalogue: Catalogue) -> list[Sample]:
    with _csv_read_errors(path), path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle, strict=True)
        missing = [column for column in CSV_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"{path}:header",
                reader.fieldnames,
                f"columns {', '.join(CSV_COLUMNS)} (and optional date), or a wide header "
                f"'sample, bod5 [mg/L], …'; {CSV_HELP}",
            )
        grouped: dict[str, dict[str, Any]] = {}
        dates: dict[str, str | None] = {}
        for line, row in enumerate(reader, start=2):
            if None in row:  # more fields than the header names
                raise InputError(
                    f"{path}:{reader.line_num}",
                    f"{len(reader.fieldnames or []) + len(row[None])} fields",
                    f"{len(reader.fieldnames or [])} fields, one per header column; {CSV_HELP}",
                )
            sample_id = (row["sample"] or "").strip()
            parameter = (row["parameter"] or "").strip()
            if not sample_id:
                raise InputError(f"{path}:{line}.sample", row["sample"], "a sample id")
            values = grouped.setdefault(sample_id, {})
            if parameter in values:
                raise InputError(
                    f"{path}:{line}.parameter",
                    parameter,
                    f"one value per parameter in sample {sample_id}",
                )
            values[parameter] = {
                "value": (row["value"] or "").strip(),
                "unit": (row["unit"] or "").strip(),
            }
            taken = (row.get("date") or "").strip() or None
            if taken is not None:
                _check_date(taken, f"{path}:{reader.line_num}.date")
            dates.setdefault(sample_id, taken)
    if not grouped:
        raise InputError(str(path), "no rows", "at least one measurement")
    return [
        sample_from_dict(values, catalogue, sample_id, f"{path}:{sample_id}", dates[sample_id])
        for sample_id, values in grouped.items()
    ]


def load_sample_matrix(path: str | Path, catalogue: Catalogue | None = None) -> SampleMatrix:
    """Samples as arrays for the vectorised engine, from any sample file.

    A wide CSV (``sample, [date,] bod5 [mg/L], cod_cr [mg/L], ...``: one row per sample, the unit in
    each header) is read column by column without building per-sample objects, so large files
    (10⁵–10⁶ samples) load fast; other files go through `load_samples`.
    """
    catalogue = catalogue or load_catalogue()
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "no such file", str(path))
    if path.suffix.lower() != ".csv" or not _is_wide_csv(path):
        return SampleMatrix.from_samples(load_samples(path, catalogue))
    return _read_wide(path, catalogue)[0]


def _read_wide(
    path: Path, catalogue: Catalogue
) -> tuple[SampleMatrix, tuple[str | None, ...], dict[str, tuple[str, float]]]:
    """A wide CSV as a matrix, each sample's date (None where not given), and the unit each
    parameter was entered in with its factor to the canonical unit."""
    import pandas as pd

    with _csv_read_errors(path):
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            reason = str(error).rpartition("C error: ")[2].strip()
            line = re.search(r"line (\d+)", reason)
            where = f"{path}:{line[1]}" if line else str(path)
            raise InputError(where, reason, f"one value per header column; {CSV_HELP}") from None
    if "sample" not in frame.columns:
        raise InputError(f"{path}:header", list(frame.columns), f"a 'sample' column; {CSV_HELP}")
    if frame.empty:
        raise InputError(str(path), "no rows", "at least one sample")
    parameters: list[str] = []
    lows: list[np.ndarray] = []
    highs: list[np.ndarray] = []
    nondetects: list[np.ndarray] = []
    entered: dict[str, tuple[str, float]] = {}
    for header in frame.columns:
        if header in ("sample", "date"):
            continue
        parameter, unit, factor = _wide_column(header, catalogue, f"{path}:header.{header}")
        conformity = catalogue.parameters[parameter].canonical_unit == "conformity"
        low, high, nondetect = _wide_values(frame[header], conformity, f"{path}:{header}")
        low, high = low * factor, high * factor
        _check_range(low, high, catalogue, parameter, frame["sample"], f"{path}:{header}")
        parameters.append(parameter)
        entered[parameter] = (unit, factor)
        lows.append(low)
        highs.append(high)
        nondetects.append(nondetect)
    if "date" in frame:
        given = frame["date"].str.strip()
        parsed = pd.to_datetime(given, format="%Y-%m-%d", errors="coerce")
        iso = given.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
        bad = ((given != "") & (parsed.isna() | ~iso)).to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            _check_date(given.iloc[row], f"{path}:{row + 2}.date")
    if len(set(parameters)) != len(parameters):
        raise InputError(f"{path}:header", parameters, "each parameter in one column only")
    matrix = SampleMatrix(
        tuple(parameters),
        np.column_stack(lows) if lows else np.empty((len(frame), 0)),
        np.column_stack(highs) if highs else np.empty((len(frame), 0)),
        np.column_stack(nondetects) if nondetects else None,
        tuple(frame["sample"]),
        tuple(d or None for d in frame["date"]) if "date" in frame else None,
    )
    return matrix, matrix.taken or (None,) * len(frame), entered


def _check_date(text: str, where: str) -> None:
    """A sample's date as ISO YYYY-MM-DD, refused at the line that gives it."""
    try:
        date.fromisoformat(text)
    except ValueError:
        raise InputError(where, text, "an ISO date YYYY-MM-DD, e.g. 2026-03-12") from None


def _is_wide_csv(path: Path) -> bool:
    with _csv_read_errors(path), path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    return "sample" in header and "parameter" not in header


def _wide_column(header: str, catalogue: Catalogue, where: str) -> tuple[str, str, float]:
    """The parameter of a wide header, its unit as written and the factor to canonical."""
    match = WIDE_HEADER.match(header)
    if match is None:
        raise InputError(where, header, "a header 'parameter [unit]', e.g. 'bod5 [mg/L]'")
    parameter = catalogue.parameter(match["parameter"], where).id
    unit = match["unit"].strip()
    return parameter, unit, catalogue.conversion_factor(parameter, unit, where)


def _wide_values(
    column: pd.Series, conformity: bool, where: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    text = column.str.strip()
    if conformity:
        words = text.str.lower()
        bad = (words != "") & ~words.isin(list(CONFORMITY_WORDS))
        _first_bad(bad, text, where, f"one of {', '.join(CONFORMITY_WORDS)} or empty")
        values = words.map(CONFORMITY_WORDS).astype(float).to_numpy()
        return values, values, np.zeros(len(values), dtype=bool)
    import pandas as pd

    nondetect = text.str.startswith("<").to_numpy()
    numbers = pd.to_numeric(text.str.lstrip("<").str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = (text != "") & (np.isnan(numbers) | np.isinf(numbers))
    _first_bad(bad, text, where, "a number, '<DL' below detection, or empty")
    low = np.where(nondetect, 0.0, numbers)
    return low, numbers, nondetect


def _first_bad(bad: Any, text: pd.Series, where: str, allowed: str) -> None:
    mask = np.asarray(bad, dtype=bool)
    if mask.any():
        row = int(np.argmax(mask))
        raise InputError(f"{where}[row {row + 2}]", text.iloc[row], allowed)


def _check_range(
    low: np.ndarray,
    high: np.ndarray,
    catalogue: Catalogue,
    parameter: str,
    ids: pd.Series,
    where: str,
) -> None:
    limits = catalogue.parameters[parameter]
    with np.errstate(invalid="ignore"):
        bad = (low < limits.lowest) | (high > limits.highest)
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            f"{where}[sample {ids.iloc[row]}]",
            float(high[row] if high[row] > limits.highest else low[row]),
            f"a value within {limits.lowest:g}–{limits.highest:g} {limits.canonical_unit}",
        )


def _samples_of_matrix(
    matrix: SampleMatrix,
    dates: tuple[str | None, ...],
    entered: Mapping[str, tuple[str, float]],
) -> list[Sample]:
    ids = matrix.sample_ids or tuple(str(row) for row in range(matrix.size))
    nondetect = matrix.nondetect
    return [
        Sample(
            ids[row],
            {
                parameter: Measurement(
                    float(matrix.low[row, column]),
                    float(matrix.high[row, column]),
                    bool(nondetect[row, column]) if nondetect is not None else False,
                    *entered[parameter],
                )
                for column, parameter in enumerate(matrix.parameter_ids)
                if not np.isnan(matrix.low[row, column])
            },
            taken=dates[row],
        )
        for row in range(matrix.size)
    ]


def write_fitness_csv(path: str | Path, matrix: SampleMatrix, result: BatchFitness) -> None:
    """Write one row per sample, one column per ``standard/use``, holding fit/undetermined/unfit."""
    import pandas as pd

    from reclaim.quality.batch import FITNESS_BY_CODE

    if not Path(path).parent.is_dir():
        raise InputError("--out", str(path), "a file in an existing folder")

    ids = matrix.sample_ids or tuple(str(row) for row in range(matrix.size))
    labels = np.array([fitness.value for fitness in FITNESS_BY_CODE])
    columns = {
        f"{standard}/{use}": labels[result.codes[:, i]]
        for i, (standard, use) in enumerate(result.uses)
    }
    pd.DataFrame({"sample": ids, **columns}).to_csv(path, index=False)
