"""The digital twin of a region: its network run over days, read by noisy sensors, with faults.

Every reporting step (5 minutes) the twin sets each junction's demand from its base demands and
the 24 h patterns of their use categories (`data/network/demand_patterns.yaml`, interpolated
linearly between the hourly values so that demand has no steps a rate-of-change rule would
mistake for a burst), times a random factor per day (drawn for each midnight and interpolated
between them, for the same reason), plus any leak or over-draw in force; it
solves the network on EPANET (`reclaim.network.engine`) and reads its sensors off the solution:

- pressure: free head at a node; flow: flow in a link (m³/h); volume totaliser: the register of
  a link's delivered volume, integrated step by step; quality analysers: a baseline value.

Sensor noise and resolution are per kind. Faults (`FaultKind`): a leak (extra demand at a node
from its start on), a stuck sensor (repeats its last value), a gap (sends nothing), a quality
excursion (reads a given value), an over-draw (a delivery node draws ``factor`` × its demand).
A run is reproducible: the same seed gives the same readings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from reclaim.errors import InputError
from reclaim.network.engine import EpanetProject
from reclaim.operations.aggregate import DEFAULT_TIMEZONE
from reclaim.operations.registry import (
    Attachment,
    AttachmentKind,
    MeteringLevel,
    Sensor,
    SensorKind,
    parse_choice,
)
from reclaim.operations.topics import check_name
from reclaim.units import QUANTITY_UNITS

FloatArray = npt.NDArray[np.float64]
SECONDS_PER_HOUR = 3600
HOURS_PER_DAY = 24
INTERVAL_S = 300
"""Reporting interval of every twin sensor: 5 minutes, the interval the alert rules' durations
are written for (data/operations/alert_rules.yaml)."""


class FaultKind(StrEnum):
    """What the twin can break."""

    LEAK = "leak"
    STUCK = "stuck"
    GAP = "gap"
    QUALITY_EXCURSION = "quality_excursion"
    OVER_DRAW = "over_draw"


@dataclass(frozen=True)
class Fault:
    """One injected fault: what, where (a sensor and/or a node), when (hours from the start of
    the run) and how big (``value``: leak flow m³/h, excursion reading or over-draw factor)."""

    kind: FaultKind
    start_h: float
    duration_h: float
    sensor: str | None = None
    node: str | None = None
    value: float = 0.0

    def active(self, hours: float) -> bool:
        """In force ``hours`` after the start of the run."""
        return self.start_h <= hours < self.start_h + self.duration_h


@dataclass(frozen=True)
class Noise:
    """Measurement error (absolute sd, or a fraction of the value) and reporting resolution."""

    sd: float
    sd_fraction: float
    resolution: float


@dataclass(frozen=True)
class TwinSensor:
    """A registry sensor with what it reads off the network: a node, a link, or a baseline."""

    sensor: Sensor
    device: str
    node: str | None
    link: str | None
    baseline: float | None
    dma: str | None
    delivery_point: str | None


@dataclass(frozen=True)
class TwinNetwork:
    """The region's network for the twin: .inp text whose junctions carry one demand and no
    pattern (the twin sets them), and each junction's base demands by use category."""

    inp_text: str
    junction_demands: Mapping[str, Sequence[tuple[float, str]]]
    """Junction id → [(base demand m³/s, pattern category)]."""
    links: tuple[tuple[str, str, str], ...]
    """(link id, start node, end node) of every pipe, pump and valve: the region's topology."""


@dataclass(frozen=True)
class Twin:
    """Everything a run needs: network, patterns, sensors, devices, noise, faults."""

    region: str
    network: TwinNetwork
    patterns: Mapping[str, Sequence[float]]
    sensors: tuple[TwinSensor, ...]
    noise: Mapping[SensorKind, Noise]
    faults: tuple[Fault, ...]
    daily_demand_sd: float
    drop_probability: float
    registers_start_m3: float
    daily_caps_m3: Mapping[str, float]
    quality_standard: str
    quality_use: str

    @property
    def devices(self) -> dict[str, list[str]]:
        """Device id → the sensors it reports."""
        devices: dict[str, list[str]] = {}
        for item in self.sensors:
            devices.setdefault(item.device, []).append(item.sensor.id)
        return devices

    def without_faults(self) -> Twin:
        """The same twin on normal days (no fault injected)."""
        return Twin(**{**vars(self), "faults": ()})


def pattern_multipliers(patterns: Mapping[str, Sequence[float]], hours: float) -> dict[str, float]:
    """Each category's multiplier at ``hours`` past local midnight, linear between the hourly
    values (value k holds at k:00, as EPANET's hourly pattern periods start)."""
    position = hours % HOURS_PER_DAY
    below = int(np.floor(position))
    weight = position - below
    return {
        name: (1.0 - weight) * values[below] + weight * values[(below + 1) % HOURS_PER_DAY]
        for name, values in patterns.items()
    }


def readings(twin: Twin, start: pd.Timestamp, days: float, seed: int) -> Iterator[pd.DataFrame]:
    """The readings of each step from ``start`` (local midnight, timezone-aware) for ``days``:
    one frame per step (sensor, time, value, unit), missing what the faults or transit lost."""
    if start.tzinfo is None:
        raise InputError("start", str(start), "a timezone-aware time")
    if not days > 0:
        raise InputError("--days", days, "a number of days above 0")
    rng = np.random.default_rng(seed)
    steps = round(days * HOURS_PER_DAY * SECONDS_PER_HOUR / INTERVAL_S)
    day_factors = 1.0 + twin.daily_demand_sd * rng.standard_normal(int(np.ceil(days)) + 2)
    with EpanetProject(twin.network.inp_text, name=f"{twin.region} twin") as project:
        state = _State.of(twin, project)
        for step in range(steps):
            hours = step * INTERVAL_S / SECONDS_PER_HOUR
            day, into = divmod(hours / HOURS_PER_DAY, 1.0)
            factor = (1.0 - into) * day_factors[int(day)] + into * day_factors[int(day) + 1]
            demand = state.demand_m3_per_s(hours, factor)
            project.set_base_demands(demand)
            solution = project.solve()
            true = state.read(solution.head_m, solution.flow_m3_per_s)
            yield state.report(start + pd.Timedelta(seconds=step * INTERVAL_S), hours, true, rng)


@dataclass
class _State:
    """What a run keeps between steps: positions in the network, registers, stuck values."""

    twin: Twin
    base: FloatArray
    """Nodes × categories: base demand (m³/s)."""
    categories: list[str]
    elevation_m: FloatArray
    node_of: dict[str, int]
    link_of: dict[str, int]
    registers: dict[str, float]
    held: dict[str, float]

    @classmethod
    def of(cls, twin: Twin, project: EpanetProject) -> _State:
        topology = project.topology
        node_of = {node: i for i, node in enumerate(topology.node_ids)}
        link_of = {link: i for i, link in enumerate(topology.link_ids)}
        categories = sorted(
            {c for items in twin.network.junction_demands.values() for _, c in items}
        )
        base = np.zeros((len(node_of), len(categories)))
        for junction, items in twin.network.junction_demands.items():
            for flow, category in items:
                base[node_of[junction], categories.index(category)] += flow
        for item in twin.sensors:
            for name, known, what in ((item.node, node_of, "node"), (item.link, link_of, "link")):
                if name is not None and name not in known:
                    raise InputError(f"sensors.{item.sensor.id}.{what}", name, f"a {what} of it")
        for fault in twin.faults:
            if fault.node is not None and fault.node not in node_of:
                raise InputError(f"faults.{fault.kind.value}.node", fault.node, "a network node")
        registers = {
            item.sensor.id: twin.registers_start_m3
            for item in twin.sensors
            if item.sensor.is_totaliser
        }
        return cls(twin, base, categories, topology.elevation_m, node_of, link_of, registers, {})

    def demand_m3_per_s(self, hours: float, day_factor: float) -> FloatArray:
        multipliers = pattern_multipliers(self.twin.patterns, hours)
        scale = np.array([multipliers[c] for c in self.categories]) * day_factor
        per_node = self.base * scale
        demand = per_node.sum(axis=1)
        for fault in self.twin.faults:
            if not fault.active(hours) or fault.node is None:
                continue
            node = self.node_of[fault.node]
            if fault.kind is FaultKind.LEAK:
                demand[node] += fault.value / SECONDS_PER_HOUR
            elif fault.kind is FaultKind.OVER_DRAW:
                demand[node] += (fault.value - 1.0) * per_node[node].sum()
        return demand

    def read(self, head_m: FloatArray, flow_m3_per_s: FloatArray) -> dict[str, float]:
        """True values of every sensor in this state (totalisers advanced by one interval)."""
        values: dict[str, float] = {}
        for item in self.twin.sensors:
            sensor = item.sensor
            if sensor.kind is SensorKind.PRESSURE and item.node is not None:
                node = self.node_of[item.node]
                values[sensor.id] = float(head_m[node] - self.elevation_m[node])
            elif item.link is not None:
                flow = max(float(flow_m3_per_s[self.link_of[item.link]]), 0.0)
                if sensor.is_totaliser:
                    self.registers[sensor.id] += flow * INTERVAL_S
                    values[sensor.id] = self.registers[sensor.id]
                else:
                    values[sensor.id] = flow * SECONDS_PER_HOUR
            elif item.baseline is not None:
                values[sensor.id] = item.baseline
        return values

    def report(
        self, time: pd.Timestamp, hours: float, true: dict[str, float], rng: np.random.Generator
    ) -> pd.DataFrame:
        """What the sensors send at ``time``: noise, resolution, then the sensor faults."""
        rows = []
        lost = rng.random(len(self.twin.sensors)) < self.twin.drop_probability
        errors = rng.standard_normal(len(self.twin.sensors))
        for item, is_lost, error in zip(self.twin.sensors, lost, errors, strict=True):
            sensor = item.sensor
            noise = self.twin.noise[sensor.kind]
            spread = noise.sd + noise.sd_fraction * abs(true[sensor.id])
            sent = self._faulty(
                sensor.id, hours, quantise(true[sensor.id] + spread * error, noise.resolution)
            )
            if sent is None or is_lost:
                continue
            rows.append((sensor.id, time.tz_convert("UTC"), sent, written_unit(sensor)))
        return pd.DataFrame(rows, columns=["sensor", "time", "value", "unit"])

    def _faulty(self, sensor_id: str, hours: float, value: float) -> float | None:
        for fault in self.twin.faults:
            if fault.sensor != sensor_id or not fault.active(hours):
                continue
            if fault.kind is FaultKind.GAP:
                return None
            if fault.kind is FaultKind.STUCK:
                return self.held.setdefault(sensor_id, value)
            if fault.kind is FaultKind.QUALITY_EXCURSION:
                return fault.value
        self.held.pop(sensor_id, None)
        return value


def written_unit(sensor: Sensor) -> str:
    """The unit a device writes its readings in: the plain spelling of the sensor's canonical
    unit (the first of `reclaim.units.QUANTITY_UNITS`, e.g. ``m`` for ``m_head``)."""
    return next(iter(QUANTITY_UNITS[sensor.unit]))


def quantise(value: float, resolution: float) -> float:
    """``value`` to the nearest multiple of ``resolution`` (exact decimal for the usual 0.01)."""
    if resolution <= 0:
        return value
    decimals = max(0, int(-np.floor(np.log10(resolution))))
    return float(np.round(np.round(value / resolution) * resolution, decimals))


def local_midnight(day: str, timezone: str = DEFAULT_TIMEZONE) -> pd.Timestamp:
    """The start of ``day`` (YYYY-MM-DD) in the regions' civil time."""
    try:
        return pd.Timestamp(day).tz_localize(timezone).normalize()
    except (ValueError, TypeError):
        raise InputError("--start", day, "a date YYYY-MM-DD") from None


# ------------------------------------------------------------------------------- from data
def twin_from_dict(
    raw: Mapping[str, Any],
    region: str,
    network: TwinNetwork,
    patterns: Mapping[str, Sequence[float]],
    origin: str,
) -> Twin:
    """The twin of ``region`` from the twin file's mapping (see data/operations/twin.yaml)."""
    regions = _mapping(raw.get("regions"), f"{origin}:regions")
    if region not in regions:
        raise InputError("REGION", region, f"a region with a twin: {', '.join(sorted(regions))}")
    spec = _mapping(regions[region], f"{origin}:regions.{region}")
    where = f"{origin}:regions.{region}"
    categories = {c for items in network.junction_demands.values() for _, c in items}
    unknown = sorted(categories - set(patterns))
    if unknown:
        raise InputError(f"{where}.network", unknown, f"demand patterns of {sorted(patterns)}")
    devices = _devices(spec.get("devices"), f"{where}.devices")
    quality = _mapping(spec.get("quality"), f"{where}.quality")
    baselines = _mapping(quality.get("baseline"), f"{where}.quality.baseline")
    sensors = tuple(
        _sensor(item, devices, baselines, f"{where}.sensors[{index}]")
        for index, item in enumerate(_list(spec.get("sensors"), f"{where}.sensors"))
    )
    ids = [item.sensor.id for item in sensors]
    missing = sorted(set(devices) - set(ids))
    if missing or len(set(ids)) != len(ids):
        raise InputError(f"{where}.sensors", missing or ids, "each device's sensors, once each")
    caps = _mapping(spec.get("daily_caps_m3"), f"{where}.daily_caps_m3")
    return Twin(
        region=region,
        network=network,
        patterns=patterns,
        sensors=sensors,
        noise=_noise(_mapping(raw.get("noise"), f"{origin}:noise"), f"{origin}:noise"),
        faults=tuple(
            _fault(item, set(ids), f"{where}.faults[{index}]")
            for index, item in enumerate(_list(spec.get("faults"), f"{where}.faults"))
        ),
        daily_demand_sd=number(spec.get("daily_demand_sd"), f"{where}.daily_demand_sd"),
        drop_probability=number(spec.get("drop_probability"), f"{where}.drop_probability"),
        registers_start_m3=number(spec.get("registers_start_m3"), f"{where}.registers_start_m3"),
        daily_caps_m3={
            point: number(value, f"{where}.daily_caps_m3.{point}") for point, value in caps.items()
        },
        quality_standard=_text(quality.get("standard"), f"{where}.quality.standard"),
        quality_use=_text(quality.get("use"), f"{where}.quality.use"),
    )


def number(spec: object, where: str) -> float:
    """A ``{value, source | local_choice}`` number; one with neither is refused."""
    value = _mapping(spec, where).get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InputError(f"{where}.value", value, "a number")
    if not any(
        isinstance(_mapping(spec, where).get(key), str) for key in ("source", "local_choice")
    ):
        raise InputError(where, dict(_mapping(spec, where)), "a 'source' or a 'local_choice'")
    return float(value)


def _devices(raw: object, where: str) -> dict[str, str]:
    """Sensor id → the device reporting it."""
    owner: dict[str, str] = {}
    for index, item in enumerate(_list(raw, where)):
        device = check_name(_mapping(item, f"{where}[{index}]").get("id"), f"{where}[{index}].id")
        for sensor in _list(item.get("sensors"), f"{where}[{index}].sensors"):
            if sensor in owner:
                raise InputError(f"{where}[{index}].sensors", sensor, "a sensor of one device")
            owner[_text(sensor, f"{where}[{index}].sensors")] = device
    return owner


def _sensor(
    item: object, devices: Mapping[str, str], baselines: Mapping[str, Any], where: str
) -> TwinSensor:
    spec = _mapping(item, where)
    sensor_id = _text(spec.get("id"), f"{where}.id")
    kind = parse_choice(spec.get("kind"), SensorKind, f"{where}.kind")
    valid = _list(spec.get("valid"), f"{where}.valid")
    if (
        len(valid) != 2
        or not all(isinstance(v, int | float) for v in valid)
        or valid[0] >= valid[1]
    ):
        raise InputError(f"{where}.valid", valid, "[min, max] with min < max")
    node, link = spec.get("node"), spec.get("link")
    baseline = None
    if kind is SensorKind.PRESSURE:
        attachment = Attachment(AttachmentKind.NODE, _text(node, f"{where}.node"))
    elif kind in (SensorKind.FLOW, SensorKind.VOLUME_TOTALISER):
        point = spec.get("delivery_point")
        attachment = (
            Attachment(AttachmentKind.DELIVERY_POINT, _text(point, f"{where}.delivery_point"))
            if point is not None
            else Attachment(AttachmentKind.LINK, _text(link, f"{where}.link"))
        )
        link = _text(link, f"{where}.link")
    else:  # an online analyser at a plant's outlet node, reading the twin's baseline
        attachment = Attachment(AttachmentKind.NODE, _text(node, f"{where}.node"))
        baseline = number(baselines.get(kind.value), f"{where} baseline {kind.value}")
    if sensor_id not in devices:
        raise InputError(f"{where}.id", sensor_id, "a sensor listed under one device")
    sensor = Sensor(
        sensor_id,
        kind,
        float(valid[0]),
        float(valid[1]),
        INTERVAL_S,
        parse_choice(spec.get("level"), MeteringLevel, f"{where}.level"),
        attachment,
    )
    return TwinSensor(
        sensor,
        devices[sensor_id],
        node if isinstance(node, str) else None,
        link if isinstance(link, str) else None,
        baseline,
        spec.get("dma") if isinstance(spec.get("dma"), str) else None,
        spec.get("delivery_point") if isinstance(spec.get("delivery_point"), str) else None,
    )


def _noise(raw: Mapping[str, Any], where: str) -> dict[SensorKind, Noise]:
    noise = {}
    for name, spec in raw.items():
        kind = parse_choice(name, SensorKind, f"{where}.{name}")
        fields = _mapping(spec, f"{where}.{name}")
        noise[kind] = Noise(
            sd=number(fields["sd"], f"{where}.{name}.sd") if "sd" in fields else 0.0,
            sd_fraction=number(fields["sd_fraction"], f"{where}.{name}.sd_fraction")
            if "sd_fraction" in fields
            else 0.0,
            resolution=number(fields.get("resolution"), f"{where}.{name}.resolution"),
        )
    return noise


def _fault(item: object, sensors: set[str], where: str) -> Fault:
    spec = _mapping(item, where)
    if not isinstance(spec.get("local_choice") or spec.get("source"), str):
        raise InputError(where, dict(spec), "a 'source' or a 'local_choice' saying why")
    kind = parse_choice(spec.get("kind"), FaultKind, f"{where}.kind")
    sensor = spec.get("sensor")
    if kind is not FaultKind.LEAK and sensor not in sensors:
        raise InputError(f"{where}.sensor", sensor, "a sensor of the twin")
    node = spec.get("node")
    if kind in (FaultKind.LEAK, FaultKind.OVER_DRAW) and not isinstance(node, str):
        raise InputError(f"{where}.node", node, "the network node it happens at")
    value_key = {
        FaultKind.LEAK: "flow_m3_per_hour",
        FaultKind.QUALITY_EXCURSION: "value",
        FaultKind.OVER_DRAW: "factor",
    }.get(kind)
    value = spec.get(value_key) if value_key else 0.0
    start, duration = spec.get("start_h"), spec.get("duration_h", float("inf"))
    for name, given in (
        (value_key or "value", value),
        ("start_h", start),
        ("duration_h", duration),
    ):
        if isinstance(given, bool) or not isinstance(given, int | float) or given < 0:
            raise InputError(f"{where}.{name}", given, "a number ≥ 0")
    return Fault(
        kind,
        float(start),  # type: ignore[arg-type]
        float(duration),
        sensor if isinstance(sensor, str) else None,
        node if isinstance(node, str) else None,
        float(value),  # type: ignore[arg-type]
    )


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(where, value, "a mapping")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(where, value, "a list")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(where, value, "a non-empty text")
    return value
