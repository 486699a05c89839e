"""Reading sourced coefficients out of a parsed data table, refusing any number without a source.

A coefficient is ``{value, source}`` or ``{value, local_choice: why}``; a bare number, a boolean
or an entry with neither explanation is refused naming where it sits, so no unexplained figure
enters a loss indicator. `numbers` reads a table of input figures (volumes, lengths, quotas)
against the fields of the dataclass they fill, naming every fault at once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import fields
from typing import Any

from reclaim.errors import InputError


def table(raw: object, where: str) -> Mapping[str, Any]:
    """``raw`` as a mapping, or an error naming ``where``."""
    if not isinstance(raw, Mapping):
        raise InputError(where, raw, "a table")
    return raw


def entries(raw: object, where: str) -> list[Mapping[str, Any]]:
    """``raw`` as a non-empty list of tables, or an error naming ``where``."""
    if not isinstance(raw, list) or not raw:
        raise InputError(where, raw, "a non-empty list of tables")
    return [table(item, f"{where}[{index}]") for index, item in enumerate(raw)]


def coefficient(parent: Mapping[str, Any], name: str, where: str) -> float:
    """The number ``parent[name]``, required to carry a ``source`` or a ``local_choice``."""
    entry = parent.get(name)
    field = f"{where}.{name}"
    if not isinstance(entry, Mapping) or not (entry.get("source") or entry.get("local_choice")):
        raise InputError(field, entry, "a {value, source} or {value, local_choice} table")
    value = entry.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{field}.value", value, "a number")
    return float(value)


def numbers(
    raw: object,
    kind: type[Any],
    where: str,
    problems: list[InputError],
    required: Collection[str] = (),
) -> dict[str, float]:
    """The numbers of table ``raw`` named by the fields of dataclass ``kind``; a non-table, an
    unknown name, a non-number or a missing ``required`` name is added to ``problems`` naming
    where it sits, so a file's faults are all reported at once."""
    try:
        values = table(raw, where)
    except InputError as error:
        problems.append(error)
        return {}
    known = {field.name for field in fields(kind)}
    found: dict[str, float] = {}
    for name, value in values.items():
        if name not in known:
            problems.append(
                InputError(f"{where}.{name}", value, "a field among " + ", ".join(sorted(known)))
            )
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(InputError(f"{where}.{name}", value, "a number"))
        else:
            found[str(name)] = value
    problems.extend(
        InputError(f"{where}.{name}", None, "a number") for name in required if name not in values
    )
    return found
