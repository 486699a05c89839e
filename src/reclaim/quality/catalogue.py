"""Parameters and units: what can be measured, in which unit, and how units convert.

A value is compared only after conversion to its parameter's canonical unit; a unit of another
dimension (NTU for BOD5, dilution multiple for Pt-Co colour) is an `InputError` naming the
parameter, never a wrong verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reclaim.errors import InputError


@dataclass(frozen=True)
class Unit:
    """A unit of measurement: its canonical spelling, dimension and factor to the canonical unit."""

    id: str
    dimension: str
    to_canonical: float


@dataclass(frozen=True)
class Parameter:
    """A measurable water-quality parameter with its names, canonical unit and possible range."""

    id: str
    name_zh: str
    name_en: str
    canonical_unit: str
    group: str
    lowest: float = 0.0
    highest: float = float("inf")

    def name(self, lang: str) -> str:
        """Display name in ``"zh"`` or ``"en"``."""
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Catalogue:
    """All known parameters and units (with aliases), the vocabulary of samples and standards."""

    parameters: Mapping[str, Parameter]
    units: Mapping[str, Unit]
    unit_aliases: Mapping[str, str]

    def parameter(self, parameter_id: object, field: str) -> Parameter:
        """The parameter called ``parameter_id``; an unknown id is an `InputError` at ``field``."""
        if not isinstance(parameter_id, str) or parameter_id not in self.parameters:
            raise InputError(
                field, parameter_id, f"a known parameter id ({', '.join(self.parameters)})"
            )
        return self.parameters[parameter_id]

    def unit(self, spelling: object, field: str) -> Unit:
        """The unit spelled ``spelling`` (canonical id or alias); unknown is an `InputError`."""
        key = "" if spelling is None else spelling
        if not isinstance(key, str) or key.strip() not in self.unit_aliases:
            raise InputError(field, spelling, f"a known unit ({', '.join(self.units)})")
        return self.units[self.unit_aliases[key.strip()]]

    def conversion_factor(self, parameter_id: str, spelling: object, field: str) -> float:
        """Factor turning a value of ``parameter_id`` in unit ``spelling`` into the canonical unit.

        A unit of another dimension than the parameter's is an `InputError` naming the parameter.
        """
        parameter = self.parameter(parameter_id, field)
        unit = self.unit(spelling, field)
        canonical = self.units[parameter.canonical_unit]
        if unit.dimension != canonical.dimension:
            raise InputError(
                field,
                spelling,
                f"{parameter_id} is measured in {canonical.dimension} units "
                f"(e.g. {parameter.canonical_unit}), not {unit.dimension}",
            )
        return unit.to_canonical / canonical.to_canonical


def catalogue_from_dict(raw: Mapping[str, Any], origin: str) -> Catalogue:
    """Build the catalogue from the parsed parameters file; a malformed entry is an `InputError`."""
    units: dict[str, Unit] = {}
    aliases: dict[str, str] = {}
    for unit_id, spec in _mapping(raw.get("units"), f"{origin}:units").items():
        where = f"{origin}:units.{unit_id}"
        spec = _mapping(spec, where)
        factor = spec.get("to_canonical")
        if not isinstance(factor, int | float) or factor <= 0:
            raise InputError(f"{where}.to_canonical", factor, "a positive number")
        units[unit_id] = Unit(unit_id, str(spec.get("dimension")), float(factor))
        for spelling in [unit_id, *spec.get("aliases", [])]:
            if spelling in aliases and aliases[spelling] != unit_id:
                raise InputError(f"{where}.aliases", spelling, "an alias used by one unit only")
            aliases[str(spelling)] = unit_id
    parameters: dict[str, Parameter] = {}
    for parameter_id, spec in _mapping(raw.get("parameters"), f"{origin}:parameters").items():
        where = f"{origin}:parameters.{parameter_id}"
        spec = _mapping(spec, where)
        canonical = spec.get("canonical")
        if canonical not in units:
            raise InputError(f"{where}.canonical", canonical, f"a unit id ({', '.join(units)})")
        parameters[parameter_id] = Parameter(
            id=parameter_id,
            name_zh=str(spec.get("name_zh", parameter_id)),
            name_en=str(spec.get("name_en", parameter_id)),
            canonical_unit=str(canonical),
            group=str(spec.get("group", "other")),
            lowest=float(spec.get("lowest", 0.0)),
            highest=float(spec.get("highest", float("inf"))),
        )
    return Catalogue(parameters, units, aliases)


def _mapping(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(field, value, "a mapping")
    return value
