"""Read the digital twin of a demo region: data/operations/twin.yaml and its network .inp.

The network file is looked up in the shipped twin folder by the name the twin file gives (never
a path from outside). WNTR reads each junction's demands and their pattern categories; the .inp
handed to the twin has one pattern-free demand per junction, which the twin sets every step.
"""

from __future__ import annotations

from pathlib import Path

import wntr

from reclaim.errors import InputError
from reclaim.io.data_files import data_path, files_in, read_yaml
from reclaim.io.network_files import load_demand_patterns
from reclaim.network.model import inp_text
from reclaim.operations.twin import Twin, TwinNetwork, twin_from_dict

TWIN_FILE = data_path("operations", "twin.yaml")
NETWORKS = data_path("operations", "twin")


def load_twin(region: str, path: Path = TWIN_FILE) -> Twin:
    """The twin of ``region``; an unknown region or a bad entry is an `InputError` naming it."""
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise InputError(str(path), type(raw).__name__, "a mapping with 'regions'")
    spec = (raw.get("regions") or {}).get(region)
    if not isinstance(spec, dict):
        known = ", ".join(sorted(raw.get("regions") or {}))
        raise InputError("REGION", region, f"a region with a twin: {known}")
    network = spec.get("network") or {}
    name = network.get("file") if isinstance(network, dict) else None
    catalogue = files_in(NETWORKS, ".inp")
    if not isinstance(name, str) or name.removesuffix(".inp") not in catalogue:
        raise InputError(f"{path}:regions.{region}.network.file", name, f"one of {list(catalogue)}")
    twin_network = read_twin_network(catalogue[name.removesuffix(".inp")])
    return twin_from_dict(raw, region, twin_network, load_demand_patterns(), str(path))


def read_twin_network(path: Path) -> TwinNetwork:
    """The network of an .inp for the twin: junction demands by pattern, and the .inp with one
    pattern-free demand per junction."""
    model = wntr.network.WaterNetworkModel(str(path))
    demands: dict[str, list[tuple[float, str]]] = {}
    for name, junction in model.junctions():
        entries = junction.demand_timeseries_list
        demands[name] = [
            (float(entry.base_value), entry.pattern_name or "")
            for entry in entries
            if entry.base_value
        ]
        entries.clear()
        entries.append((0.0, None, None))
    model.options.time.duration = 0
    links = tuple((name, link.start_node_name, link.end_node_name) for name, link in model.links())
    return TwinNetwork(
        inp_text(model), {name: items for name, items in demands.items() if items}, links
    )
