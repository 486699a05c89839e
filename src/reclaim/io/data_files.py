"""Locate and read the reference data files shipped inside the package (src/reclaim/data/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from reclaim.errors import InputError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it: the same documents, 8× faster (the
standards a plan run reads took a third of its time)."""


def data_path(*parts: str) -> Path:
    """Path of a shipped reference data file, e.g. `data_path("planning", "coefficients.yaml")`.

    Resolved and confirmed inside the data folder: `..` or an absolute part is refused.
    """
    path = DATA_DIR.joinpath(*parts).resolve()
    if not path.is_relative_to(DATA_DIR.resolve()):
        raise InputError("data file", "/".join(parts), "a file inside the shipped data folder")
    return path


def files_in(folder: Path, suffix: str) -> dict[str, Path]:
    """The catalogue of a shipped folder: each `*suffix` file by its stem, resolved.

    A name from outside is looked up here and never joined onto a path itself; a file whose
    resolved path leaves the folder (a symlink pointing out) is not listed.
    """
    root = folder.resolve()
    found = {}
    for path in folder.glob(f"*{suffix}"):
        resolved = path.resolve()
        if resolved.is_file() and resolved.is_relative_to(root):
            found[path.name.removesuffix(suffix)] = resolved
    return dict(sorted(found.items()))


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; a syntax error becomes an `InputError` naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(str(path), "<binary>", "a UTF-8 text file is required") from error
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise InputError(where, problem, "valid YAML is required") from error
