"""The network model: a WNTR `WaterNetworkModel`, built from a planning scenario or read from an
.inp file, checked so that bad input names the element before EPANET sees it.

A scenario becomes a network for one horizon: each plant in service is a clear well (reservoir
at its node's ground level) and the pump station lifting from it (a design-point pump at the
station's head and peak-hour flow); each node draws its shares of the uses' max-day demand; each
pipe laid by that horizon joins its two nodes with its DN, length and Hazen–Williams C.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import wntr

from reclaim.errors import InputError
from reclaim.network.checks import DemandCoverage
from reclaim.network.demand import demand_by_use_m3_per_day
from reclaim.planning.engine import use_days
from reclaim.planning.facilities import peak_hour_capacity_m3_per_hour
from reclaim.planning.scenario import Network, NetworkSource, Scenario

SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600
M_PER_MM = 1.0e-3
SHARE_TOLERANCE = 1.0e-6
WELL_SUFFIX = ".well"


@dataclass(frozen=True)
class BuiltNetwork:
    """A scenario's network for one horizon, with what the checks need to know about it."""

    model: wntr.network.WaterNetworkModel
    year: int
    peak_hour_factor: float
    min_free_head_m: float
    illustrative: bool
    demand_by_use_m3_per_day: dict[str, float]
    annual_volume_m3: float
    """Volume the networked nodes draw in a year: max-day demand × days of use, summed."""
    coverage: DemandCoverage
    """The horizon's max-day demand, and that of nodes no pipe of the horizon reaches yet."""


@dataclass(frozen=True)
class _Laid:
    """A pipe in the network of the horizon: its ends and its size."""

    start: str
    end: str
    dn_mm: float
    length_m: float
    hazen_williams_c: float
    check_valve: bool = False


def inp_text(model: wntr.network.WaterNetworkModel) -> str:
    """The model as EPANET .inp text (WNTR's writer, lossless for EPANET's data)."""
    with tempfile.TemporaryDirectory(prefix="reclaim-inp-") as scratch:
        path = Path(scratch, "network.inp")
        wntr.network.write_inpfile(model, str(path))
        return path.read_text(encoding="utf-8")


def check_model(model: wntr.network.WaterNetworkModel) -> None:
    """Refuse what EPANET would refuse or misread, naming the element: a pipe with a
    non-positive diameter, length or roughness; a node no link touches; nodes cut off from
    every reservoir and tank; a network without a source."""
    for name, pipe in model.pipes():
        for label, value, unit, scale in (
            ("diameter", pipe.diameter, "mm", 1 / M_PER_MM),
            ("length", pipe.length, "m", 1.0),
            ("roughness", pipe.roughness, "", 1.0),
        ):
            if not value > 0:
                shown = f"{value * scale:g} {unit}".strip()
                raise InputError(f"pipe {name}", f"{label} {shown}", f"{label} must be > 0")
    sources = set(model.reservoir_name_list) | set(model.tank_name_list)
    if not sources:
        raise InputError("network", "no reservoir or tank", "a source of water is required")
    graph = nx.Graph()
    graph.add_nodes_from(model.node_name_list)
    graph.add_edges_from((link.start_node_name, link.end_node_name) for _, link in model.links())
    for node in model.junction_name_list:
        if graph.degree(node) == 0:
            raise InputError(f"node {node}", "no link", "every junction must be joined by a link")
    for component in nx.connected_components(graph):
        if not component & sources:
            cut_off = sorted(component)
            raise InputError(
                f"node {cut_off[0]}",
                "disconnected",
                f"{len(cut_off)} node(s) reach no reservoir or tank: {', '.join(cut_off[:5])}",
            )


def _years_in_service(scenario: Scenario, year: int, plant_id: str, station_id: str) -> bool:
    plant = next(p for p in scenario.plants if p.id == plant_id)
    station = next(s for s in scenario.pump_stations if s.id == station_id)
    plant_ready = plant.in_service_from is None or plant.in_service_from <= year
    return plant_ready and year in station.built_in


def node_demands_m3_per_day(
    network: Network, by_use: Mapping[str, float]
) -> dict[str, dict[str, float]]:
    """Max-day demand (m³/d) each node draws, per use; shares of each use must sum to 1."""
    placed: dict[str, float] = dict.fromkeys(by_use, 0.0)
    demands: dict[str, dict[str, float]] = {}
    for index, node in enumerate(network.nodes):
        for demand in node.demands:
            if demand.use not in by_use:
                raise InputError(
                    f"network.nodes[{index}] (node {node.id}).demands.use",
                    demand.use,
                    f"one of the scenario's uses {sorted(by_use)}",
                )
            placed[demand.use] += demand.share
            per_use = demands.setdefault(node.id, {})
            per_use[demand.use] = per_use.get(demand.use, 0.0) + demand.share * by_use[demand.use]
    for use, total in placed.items():
        if by_use[use] > 0 and abs(total - 1.0) > SHARE_TOLERANCE:
            raise InputError(
                f"network.nodes.demands (use {use})",
                f"shares sum to {total:g}",
                "the shares of a use over the nodes must sum to 1",
            )
    return demands


def build_network(
    scenario: Scenario,
    year: int | None = None,
    *,
    patterns: Mapping[str, Sequence[float]] | None = None,
    pump_efficiency: float,
) -> BuiltNetwork:
    """The scenario's network in `year` (default: the last horizon).

    Without `patterns` the model is the peak-hour steady state: each node carries its max-day
    demand (m³/s) and the demand multiplier is the peak-hour factor. With `patterns` (24 hourly
    multipliers per use category) it is a 24 h extended-period model at multiplier 1.
    """
    network = scenario.network
    if network is None:
        raise InputError(
            "network",
            None,
            "the scenario needs a network block (nodes, links, sources) to be solved",
        )
    year = scenario.horizons[-1] if year is None else year
    if scenario.peak_hour_factor is None:
        raise InputError(
            "peak_hour_factor", None, "needed for the peak-hour solve (seed 001 §4.3.1(3) uses 1.3)"
        )
    by_use = demand_by_use_m3_per_day(scenario, year)
    node_demands = node_demands_m3_per_day(network, by_use)
    nodes = {node.id: node for node in network.nodes}
    if len(nodes) != len(network.nodes):
        duplicated = sorted(
            {n.id for n in network.nodes if sum(m.id == n.id for m in network.nodes) > 1}
        )
        raise InputError("network.nodes", duplicated[0], "node ids must be unique")
    pipes = {pipe.id: pipe for pipe in scenario.pipes}
    tanks = {
        tank.id: tank
        for tank in network.tanks
        if tank.in_service_from is None or tank.in_service_from <= year
    }
    for tank in network.tanks:
        if tank.id in nodes:
            raise InputError("network.tanks", tank.id, "a tank id distinct from the node ids")
    nodes_and_tanks: dict[str, object] = {**nodes, **{t.id: t for t in network.tanks}}

    model = wntr.network.WaterNetworkModel()
    model.options.hydraulic.inpfile_units = "LPS"
    model.options.hydraulic.headloss = "H-W"
    model.options.hydraulic.pattern = None
    model.options.energy.global_efficiency = pump_efficiency * 100

    laid: dict[str, _Laid] = {}
    wired: set[str] = set()
    for index, link in enumerate(network.links):
        where = f"network.links[{index}] (pipe {link.pipe})"
        for end in (link.from_node, link.to_node):
            if end not in nodes_and_tanks:
                raise InputError(where, end, "a node id of network.nodes or network.tanks")
        if link.pipe in wired:
            raise InputError(where, link.pipe, "each pipe is wired once")
        wired.add(link.pipe)
        pipe = pipes.get(link.pipe)
        if any(end not in nodes and end not in tanks for end in (link.from_node, link.to_node)):
            continue  # joins a tank not yet in service
        if pipe is not None:
            if pipe.phase <= year:
                laid[link.pipe] = _Laid(
                    link.from_node,
                    link.to_node,
                    pipe.dn_mm,
                    pipe.length_m,
                    pipe.hazen_williams_c or network.default_hazen_williams_c,
                    link.check_valve,
                )
        elif link.dn_mm is not None and link.length_m is not None:
            laid[link.pipe] = _Laid(
                link.from_node,
                link.to_node,
                link.dn_mm,
                link.length_m,
                link.hazen_williams_c or network.default_hazen_williams_c,
                link.check_valve,
            )
        else:
            raise InputError(
                f"network.links[{index}].pipe",
                link.pipe,
                "a pipe id of pipes[], or dn_mm and length_m of an existing pipe",
            )
    for pipe in scenario.pipes:
        if pipe.phase <= year and pipe.id not in wired:
            raise InputError(
                f"pipes.{pipe.id}",
                "no network.links entry",
                "every pipe laid by the horizon needs its end nodes",
            )

    active_sources = [
        source
        for source in network.sources
        if _source_known(
            scenario, source.plant, source.pump_station, source.node, source.suction_node, nodes
        )
        and _years_in_service(scenario, year, source.plant, source.pump_station)
    ]
    if not active_sources:
        raise InputError(
            "network.sources",
            [s.plant for s in network.sources],
            f"at least one plant with its pump station in service in {year}",
        )
    used_nodes = {end for run in laid.values() for end in (run.start, run.end)}
    used_nodes |= {source.node for source in active_sources}
    used_nodes |= {s.suction_node for s in active_sources if s.suction_node is not None}
    not_networked = {
        node_id: sum(per_use.values())
        for node_id, per_use in node_demands.items()
        if node_id not in used_nodes
    }
    for tank in tanks.values():
        if tank.id in used_nodes:
            model.add_tank(
                tank.id,
                elevation=tank.elevation_m,
                init_level=tank.init_level_m,
                min_level=tank.min_level_m,
                max_level=tank.max_level_m,
                diameter=tank.diameter_m,
                coordinates=(tank.x or 0.0, tank.y or 0.0),
            )
    for node_id in sorted(used_nodes - set(tanks)):
        node = nodes[node_id]
        per_use = node_demands.get(node_id, {})
        coordinates = (node.x or 0.0, node.y or 0.0)
        if patterns is None:
            base = sum(per_use.values()) / SECONDS_PER_DAY
            model.add_junction(
                node_id, base_demand=base, elevation=node.elevation_m, coordinates=coordinates
            )
            continue
        model.add_junction(
            node_id, base_demand=0.0, elevation=node.elevation_m, coordinates=coordinates
        )
        demands = model.get_node(node_id).demand_timeseries_list
        demands.clear()
        for use_id, flow in per_use.items():
            category = scenario.use(use_id).category
            if category not in patterns:
                raise InputError(
                    f"uses.{use_id}.category",
                    category,
                    f"a category with a demand pattern: {sorted(patterns)}",
                )
            if category not in model.pattern_name_list:
                model.add_pattern(category, list(patterns[category]))
            demands.append((flow / SECONDS_PER_DAY, model.get_pattern(category), use_id))
    for pipe_id, run in laid.items():
        model.add_pipe(
            pipe_id,
            run.start,
            run.end,
            length=run.length_m,
            diameter=run.dn_mm * M_PER_MM,
            roughness=run.hazen_williams_c,
            check_valve=run.check_valve,
        )
    for source in active_sources:
        _add_source(model, scenario, source, year, nodes[source.node].elevation_m)
    if patterns is None:
        model.options.hydraulic.demand_multiplier = scenario.peak_hour_factor
    else:
        model.options.time.duration = 24 * SECONDS_PER_HOUR
        model.options.time.hydraulic_timestep = SECONDS_PER_HOUR
        model.options.time.pattern_timestep = SECONDS_PER_HOUR
        model.options.time.report_timestep = SECONDS_PER_HOUR
    check_model(model)
    days = {use.id: int(use_days(scenario, use, year).sum()) for use in scenario.uses}
    annual = sum(
        flow * days[use_id]
        for node_id, per_use in node_demands.items()
        if node_id in used_nodes
        for use_id, flow in per_use.items()
    )
    return BuiltNetwork(
        model=model,
        year=year,
        peak_hour_factor=scenario.peak_hour_factor,
        min_free_head_m=network.min_free_head_m,
        illustrative=network.illustrative,
        demand_by_use_m3_per_day=by_use,
        annual_volume_m3=annual,
        coverage=DemandCoverage(float(sum(by_use.values())), not_networked),
    )


def _source_known(
    scenario: Scenario,
    plant: str,
    station: str,
    node: str,
    suction_node: str | None,
    nodes: Mapping[str, object],
) -> bool:
    if plant not in {p.id for p in scenario.plants}:
        raise InputError("network.sources.plant", plant, "a plant id of plants[]")
    if station not in {s.id for s in scenario.pump_stations}:
        raise InputError(
            "network.sources.pump_station", station, "a pump station id of pump_stations[]"
        )
    for end in (node, suction_node):
        if end is not None and end not in nodes:
            raise InputError(
                f"network.sources (pump station {station})", end, "a node id of network.nodes"
            )
    return True


def _add_source(
    model: wntr.network.WaterNetworkModel,
    scenario: Scenario,
    source: NetworkSource,
    year: int,
    elevation_m: float,
) -> None:
    """A pump station's design-point pump into its node, lifting from its plant's clear well
    (a reservoir at the node's ground level) or, for a booster, from its suction node."""
    station = next(s for s in scenario.pump_stations if s.id == source.pump_station)
    head = station.head_m or source.head_m
    if head is None:
        raise InputError(
            f"pump_stations.{station.id}.head_m",
            None,
            "a pump head is needed: give it here or in network.sources[].head_m",
        )
    rate = peak_hour_capacity_m3_per_hour(station, year, scenario.peak_hour_factor)
    assert rate is not None  # only stations built by `year` are sources
    design_flow = rate / SECONDS_PER_HOUR
    suction = source.suction_node
    if suction is None:
        suction = f"{station.id}{WELL_SUFFIX}"
        model.add_reservoir(
            suction, base_head=elevation_m, coordinates=model.get_node(source.node).coordinates
        )
    model.add_curve(station.id, "HEAD", [(design_flow, head)])
    model.add_pump(station.id, suction, source.node, pump_type="HEAD", pump_parameter=station.id)
