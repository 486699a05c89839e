"""Which quality standard and use the water of a contract's use class must meet (data, sourced).

An online analyser at a contract's delivery point is checked against the limit the standard sets
for the contract's use (`alerts.use_limit`); a use class mapped to no standard is checked against
nothing, and says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reclaim.errors import InputError


@dataclass(frozen=True)
class UseStandard:
    """The standard and use a use class is checked against (both None: none), and why."""

    use_class: str
    standard_id: str | None
    use_id: str | None
    why: str
    local_choice: bool


def use_standards_from_dict(raw: Mapping[str, Any], origin: str) -> dict[str, UseStandard]:
    """Use class → its `UseStandard`; a line without a source, local choice or (unmapped) reason
    is refused, naming it."""
    table = raw.get("use_classes") if isinstance(raw, Mapping) else None
    if not isinstance(table, Mapping):
        raise InputError(f"{origin}:use_classes", table, "a mapping use class → standard and use")
    return {name: _line(name, spec, f"{origin}:use_classes.{name}") for name, spec in table.items()}


def _line(name: str, spec: object, where: str) -> UseStandard:
    if not isinstance(spec, Mapping):
        raise InputError(where, spec, "a mapping {standard, use, source | local_choice}")
    standard = spec.get("standard")
    if standard is None:
        reason = spec.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{where}.reason", reason, "why this use class has no standard")
        return UseStandard(name, None, None, reason, False)
    use = spec.get("use")
    if not isinstance(standard, str) or not isinstance(use, str):
        raise InputError(where, dict(spec), "a standard id and a use id of the quality catalogue")
    for key, local in (("source", False), ("local_choice", True)):
        text = spec.get(key)
        if isinstance(text, str) and text.strip():
            return UseStandard(name, standard, use, text, local)
    raise InputError(where, dict(spec), "a 'source' citation or a 'local_choice' saying why")
