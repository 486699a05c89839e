"""Read the quality module's files: parameter catalogue, standards, treatments, samples, profiles.

Shipped data lives in src/reclaim/data/quality/; a user adds a local standard or a contract limit
by dropping another standard file in a directory passed as ``extra_dirs`` — no code changes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from reclaim.errors import InputError
from reclaim.io.data_files import data_path, read_yaml
from reclaim.quality.catalogue import Catalogue, catalogue_from_dict
from reclaim.quality.gap import TreatmentCatalogue, treatments_from_dict
from reclaim.quality.samples import Sample, sample_from_dict
from reclaim.quality.standards import (
    Standard,
    apply_inheritance,
    inheritance_of,
    standard_from_dict,
)

SHIPPED_STANDARDS_DIR = data_path("quality", "standards")
PROFILES_DIR = data_path("quality", "profiles")
CSV_COLUMNS = ("sample", "parameter", "value", "unit")
"""Required columns of a sample CSV (long format, one measurement per row; ``date`` optional)."""


def load_catalogue() -> Catalogue:
    """The shipped parameter and unit catalogue."""
    path = data_path("quality", "parameters.yaml")
    return catalogue_from_dict(read_yaml(path), str(path))


def load_treatments(catalogue: Catalogue | None = None) -> TreatmentCatalogue:
    """The shipped treatment steps and their mapping to parameters."""
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
    files = sorted(SHIPPED_STANDARDS_DIR.glob("*.yaml"))
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
        return _samples_from_csv(path, catalogue)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _samples_from_yaml(read_yaml(path), catalogue, str(path))
    raise InputError("sample_file", str(path), "a .csv, .yaml or .yml file")


def load_profile(name: str, catalogue: Catalogue | None = None) -> Sample:
    """A shipped effluent profile by name (e.g. ``shuozhou_design_effluent``) as a sample."""
    path = PROFILES_DIR / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))
        raise InputError("profile", name, f"a shipped profile ({known})")
    return load_samples(path, catalogue)[0]


def profile_sample(profile: Mapping[str, Any], catalogue: Catalogue, name: str) -> Sample:
    """A sample from an in-memory effluent profile ``{parameter: {value, unit}}``."""
    return sample_from_dict(profile, catalogue, name, f"{name}.effluent")


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
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in CSV_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"{path}:header",
                reader.fieldnames,
                f"columns {', '.join(CSV_COLUMNS)} (and optional date)",
            )
        grouped: dict[str, dict[str, Any]] = {}
        dates: dict[str, str | None] = {}
        for line, row in enumerate(reader, start=2):
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
            dates.setdefault(sample_id, (row.get("date") or "").strip() or None)
    if not grouped:
        raise InputError(str(path), "no rows", "at least one measurement")
    return [
        sample_from_dict(values, catalogue, sample_id, f"{path}:{sample_id}", dates[sample_id])
        for sample_id, values in grouped.items()
    ]
