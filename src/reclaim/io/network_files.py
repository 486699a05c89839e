"""Network files: EPANET .inp in and out, GeoJSON of results out, the network's reference data.

An .inp is read by the EPANET toolkit itself (owa-epanet), so reclaim accepts exactly the files
EPANET accepts; where EPANET refuses one, the error names the file, line, section and element
with EPANET's own code and reason. WNTR builds and writes the networks of scenarios.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import wntr

from reclaim.io.data_files import data_path, read_yaml
from reclaim.network.checks import VelocityRange
from reclaim.network.design import DesignDefaults
from reclaim.network.engine import EpanetProject, Geometry, Topology


def open_inp(path: Path, *, demand_multiplier: float | None = None) -> EpanetProject:
    """Open an EPANET .inp file as it is (its own units and options); `demand_multiplier`
    replaces its DEMAND MULTIPLIER."""
    if not path.is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    project = EpanetProject(path)
    try:
        if demand_multiplier is not None:
            project.set_demand_multiplier(demand_multiplier)
    except BaseException:
        project.close()
        raise
    return project


def write_inp(model: wntr.network.WaterNetworkModel, path: Path) -> None:
    """Write the model as an EPANET .inp file."""
    wntr.network.write_inpfile(model, str(path))


def write_geojson(
    path: Path,
    topology: Topology,
    geometry: Geometry,
    node_properties: Mapping[str, Mapping[str, Any]],
    link_properties: Mapping[str, Mapping[str, Any]],
) -> None:
    """Nodes as Points and links as LineStrings (through their vertices), with result
    properties; coordinates are the .inp's map units. A node without coordinates has a null
    geometry, and so has a link with such an end."""
    features: list[dict[str, Any]] = []
    for i, name in enumerate(topology.node_ids):
        point = geometry.node_xy[i]
        features.append(
            {
                "type": "Feature",
                "geometry": None if point is None else {"type": "Point", "coordinates": point},
                "properties": {
                    "id": name,
                    "kind": topology.node_kinds[i],
                    **node_properties.get(name, {}),
                },
            }
        )
    for i, name in enumerate(topology.link_ids):
        start = geometry.node_xy[topology.start_node[i]]
        end = geometry.node_xy[topology.end_node[i]]
        line = None
        if start is not None and end is not None:
            points = [start, *geometry.link_vertices[i], end]
            line = {"type": "LineString", "coordinates": [list(p) for p in points]}
        features.append(
            {
                "type": "Feature",
                "geometry": line,
                "properties": {
                    "id": name,
                    "kind": topology.link_kinds[i],
                    **link_properties.get(name, {}),
                },
            }
        )
    with path.open("w", encoding="utf-8") as out:
        json.dump({"type": "FeatureCollection", "features": features}, out, ensure_ascii=False)


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
