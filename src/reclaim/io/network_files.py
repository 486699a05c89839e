"""Network files: EPANET .inp in and out, GeoJSON of results out, the network's reference data.

An .inp is checked line by line before WNTR reads it, so a malformed line, a missing number or a
link to an unknown node is reported with its line and element instead of a bare EPANET code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import wntr

from reclaim.errors import InputError
from reclaim.io.data_files import data_path, read_yaml
from reclaim.network.checks import VelocityRange
from reclaim.network.design import DesignDefaults
from reclaim.network.model import check_model

# Section → (fewest fields, positions that must be numbers) of EPANET 2.2's .inp format.
_LINE_SHAPES: dict[str, tuple[int, tuple[int, ...]]] = {
    "[JUNCTIONS]": (2, (1,)),
    "[RESERVOIRS]": (2, (1,)),
    "[TANKS]": (7, (1, 2, 3, 4, 5, 6)),
    "[PIPES]": (6, (3, 4, 5)),
    "[PUMPS]": (4, ()),
    "[VALVES]": (6, (3,)),
}
_NODE_SECTIONS = ("[JUNCTIONS]", "[RESERVOIRS]", "[TANKS]")
_LINK_SECTIONS = ("[PIPES]", "[PUMPS]", "[VALVES]")
_KIND = {
    "[JUNCTIONS]": "junction",
    "[RESERVOIRS]": "reservoir",
    "[TANKS]": "tank",
    "[PIPES]": "pipe",
    "[PUMPS]": "pump",
    "[VALVES]": "valve",
}


def _sections(text: str) -> list[tuple[str, int, list[str]]]:
    """(section, line number, fields) of every data line, comments removed."""
    rows = []
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            section = line.split()[0].upper()
            continue
        rows.append((section, number, line.split()))
    return rows


def check_inp_text(text: str, name: str) -> None:
    """Refuse a malformed line (too few fields, text where a number belongs) or a link to an
    unknown node, naming file, line and element."""
    rows = _sections(text)
    nodes = {fields[0] for section, _, fields in rows if section in _NODE_SECTIONS}
    for section, number, fields in rows:
        if section not in _LINE_SHAPES:
            continue
        fewest, numeric = _LINE_SHAPES[section]
        where = f"{name}:{number} {section}"
        if len(fields) < fewest:
            raise InputError(
                where, " ".join(fields), f"a {_KIND[section]} line needs at least {fewest} fields"
            )
        for position in numeric:
            try:
                float(fields[position])
            except ValueError:
                raise InputError(
                    f"{where} {_KIND[section]} {fields[0]}",
                    fields[position],
                    f"field {position + 1} must be a number",
                ) from None
        if section == "[PIPES]":
            _check_pipe_sizes(fields, si=_si_units(rows))
        if section in _LINK_SECTIONS:
            for end in fields[1:3]:
                if end not in nodes:
                    raise InputError(
                        f"{where} {_KIND[section]} {fields[0]}",
                        end,
                        "a node defined in [JUNCTIONS], [RESERVOIRS] or [TANKS]",
                    )


_SI_FLOW_UNITS = {"LPS", "LPM", "MLD", "CMH", "CMD", "CMS"}


def _si_units(rows: list[tuple[str, int, list[str]]]) -> bool:
    """Whether the .inp's flow units make lengths m and diameters mm (EPANET's rule)."""
    for section, _, fields in rows:
        if section == "[OPTIONS]" and len(fields) >= 2 and fields[0].upper() == "UNITS":
            return fields[1].upper() in _SI_FLOW_UNITS
    return False  # EPANET's default flow unit is GPM


def _check_pipe_sizes(fields: list[str], si: bool) -> None:
    """A pipe's length, diameter and roughness must be positive."""
    for label, position, unit in (
        ("length", 3, "m" if si else "ft"),
        ("diameter", 4, "mm" if si else "in"),
        ("roughness", 5, ""),
    ):
        value = float(fields[position])
        if not value > 0:
            raise InputError(
                f"pipe {fields[0]}", f"{label} {value:g} {unit}".strip(), f"{label} must be > 0"
            )


def read_inp(path: Path) -> wntr.network.WaterNetworkModel:
    """Read and check an EPANET .inp file into a WNTR model."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    check_inp_text(text, path.name)
    try:
        model = wntr.network.WaterNetworkModel(str(path))
    except Exception as error:  # WNTR raises EpanetException, KeyError, ValueError…
        raise InputError(path.name, type(error).__name__, str(error)) from None
    check_model(model)
    return model


def write_inp(model: wntr.network.WaterNetworkModel, path: Path) -> None:
    """Write the model as an EPANET .inp file."""
    wntr.network.write_inpfile(model, str(path))


def write_geojson(
    path: Path,
    model: wntr.network.WaterNetworkModel,
    node_properties: Mapping[str, Mapping[str, Any]],
    link_properties: Mapping[str, Mapping[str, Any]],
) -> None:
    """Nodes as Points and links as LineStrings (through their vertices), with result
    properties; coordinates are the model's (the .inp's map units)."""
    features: list[dict[str, Any]] = []
    for name, node in model.nodes():
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(node.coordinates)},
                "properties": {
                    "id": name,
                    "kind": node.node_type.lower(),
                    **node_properties.get(name, {}),
                },
            }
        )
    for name, link in model.links():
        points = [link.start_node.coordinates, *link.vertices, link.end_node.coordinates]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(p) for p in points]},
                "properties": {
                    "id": name,
                    "kind": link.link_type.lower(),
                    **link_properties.get(name, {}),
                },
            }
        )
    path.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1
        ),
        encoding="utf-8",
    )


def load_velocity_ranges() -> list[VelocityRange]:
    """Economic velocity bands by DN (data/network/design.yaml)."""
    bands = read_yaml(data_path("network", "design.yaml"))["economic_velocity_m_per_s"]["by_dn"]
    return [VelocityRange(**band) for band in bands]


def load_design_value(name: str) -> Any:
    """One value of data/network/design.yaml (`values` for lists, else `value`)."""
    entry = read_yaml(data_path("network", "design.yaml"))[name]
    return entry["values"] if "values" in entry else entry["value"]


def load_demand_patterns() -> dict[str, list[float]]:
    """24 hourly multipliers per use category (data/network/demand_patterns.yaml)."""
    raw = read_yaml(data_path("network", "demand_patterns.yaml"))
    return {category: list(entry["values"]) for category, entry in raw.items()}


def load_design_defaults() -> DesignDefaults:
    """The defaults of the network checks (data/network/design.yaml), each with its source."""
    return DesignDefaults(
        min_free_head_m=float(load_design_value("min_free_head_m")),
        required_pressure_m=float(load_design_value("required_pressure_m")),
        accident_flow_fraction=float(load_design_value("accident_flow_fraction")),
        pump_efficiency=float(load_design_value("pump_efficiency")),
        velocity_ranges=tuple(load_velocity_ranges()),
        standard_dn_mm=tuple(float(dn) for dn in load_design_value("standard_dn_mm")),
    )
