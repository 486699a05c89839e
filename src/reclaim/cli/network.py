"""`reclaim network …`: solve a network (an EPANET .inp or a planning scenario) and check it.

Every command takes NET.inp or SCENARIO.yaml. A scenario is built for one horizon (--year, default
the last) at its peak-hour factor, with its own free-head limit; an .inp is solved as written at
time 0 (its patterns' first period), its demands times --peak-factor (default: the file's own
demand multiplier), against
--min-head (default 15 m, seed 001 §4.3.2). `simulate` runs the whole period instead. The design
rules and their defaults live in `reclaim.network.design` and data/network/design.yaml.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from reclaim.cli.common import (
    JsonOpt,
    LangOpt,
    NoFailOpt,
    SeedOpt,
    console,
    err_console,
    exit_on_failure,
    in_existing_folder,
    load_labels,
    load_scenario_with_notes,
    reports_input_errors,
    rich_console,
)
from reclaim.cli.tables import Column, Kind, echo, render
from reclaim.errors import InputError

if TYPE_CHECKING:
    from rich.progress import Progress

    from reclaim.network import batch, checks
    from reclaim.network.design import DesignDefaults, Settings
    from reclaim.network.engine import EpanetProject
    from reclaim.network.model import BuiltNetwork
    from reclaim.planning.scenario import Scenario
    from reclaim.reports.labels import Labels

network_app = typer.Typer(
    no_args_is_help=True,
    help="Pipe-network hydraulics on EPANET: peak hour, worst point, "
    "accident (N-1), pump head, sizing, energy, 24 h simulation.",
    short_help="Hydraulics on EPANET: peak hour, accident, N-1, energy.",
)

LOCAL_DASK_MIN_CASES = 200
"""Below this many cases a batch runs in this process: starting local Dask workers takes
longer than such a batch takes to run."""


SourceArg = typer.Argument(
    ..., metavar="NET.inp|SCENARIO.yaml", help="An EPANET .inp file or a planning scenario .yaml."
)
YearOpt = typer.Option(None, "--year", metavar="YEAR", help="Scenario horizon (default: the last).")
MinHeadOpt = typer.Option(
    None,
    "--min-head",
    metavar="METRES",
    help="Free-head limit, m (default: the scenario's, else 15 m, seed 001 §4.3.2).",
)
RequiredPressureOpt = typer.Option(
    None,
    "--required-pressure",
    metavar="METRES",
    help="Pressure at which a user draws its full demand in pressure-driven solves, m "
    "(default 10, an assumption: see data/network/design.yaml).",
)
AccidentFractionOpt = typer.Option(
    None,
    "--accident-fraction",
    metavar="SHARE",
    help="Share of the design flow an accident must carry, 0-1 "
    "(default 0.7, GB 50013-2018 §7.1.3).",
)
PeakOpt = typer.Option(
    None,
    "--peak-factor",
    metavar="FACTOR",
    help="Demand multiplier for an .inp (default: the file's own [OPTIONS] DEMAND MULTIPLIER, "
    "1 when it gives none); a scenario uses its peak_hour_factor.",
)
MaxHeadlossOpt = typer.Option(
    None,
    "--max-headloss",
    metavar="M_PER_KM",
    help="Head-loss limit, m/km (none by default: no published figure applies to every plan).",
)
VMinOpt = typer.Option(
    None,
    "--v-min",
    metavar="M_PER_S",
    help="Economic velocity, low end, m/s (default: by DN, data/network/design.yaml).",
)
VMaxOpt = typer.Option(
    None,
    "--v-max",
    metavar="M_PER_S",
    help="Economic velocity, high end, m/s (default: by DN, data/network/design.yaml).",
)
GridFactorOpt = typer.Option(
    None,
    "--grid-factor",
    metavar="KG_PER_KWH",
    help="Grid CO₂ emission factor, kg CO₂/kWh (no default: without it no CO₂ is reported).",
)
AnnualVolumeOpt = typer.Option(
    None,
    "--annual-volume-m3",
    metavar="M3",
    help="Volume pumped in a year, m³ (default: a scenario's uses × their days of use; "
    "an .inp's own run repeated over 365 days).",
)


@dataclass
class Loaded:
    """A network ready to solve, and what the checks need to know about it: an .inp file, read
    by EPANET as it is, or the network a scenario builds (WNTR) for one horizon."""

    inp: Path | None
    settings: Settings
    built: BuiltNetwork | None
    scenario: Scenario | None
    defaults: DesignDefaults
    demand_multiplier: float | None = None
    """--peak-factor for an .inp; once a project is open, the multiplier in force."""

    @property
    def limit_m(self) -> float:
        return self.settings.limit_m

    @property
    def required_pressure_m(self) -> float:
        return self.settings.required_pressure_m

    @property
    def coverage(self) -> checks.DemandCoverage | None:
        """The horizon's demand and what of it is not networked; None for an .inp."""
        return None if self.built is None else self.built.coverage

    def open(self) -> EpanetProject:
        """Open the network in EPANET (the .inp file itself, or the scenario's .inp text)."""
        from reclaim.io.network_files import open_inp
        from reclaim.network.engine import EpanetProject
        from reclaim.network.model import inp_text

        if self.built is not None:
            return EpanetProject(inp_text(self.built.model))
        assert self.inp is not None
        project = open_inp(self.inp, demand_multiplier=self.demand_multiplier)
        self.demand_multiplier = project.demand_multiplier
        return project

    def write_inp(self, project: EpanetProject, path: Path) -> None:
        """Write the network as .inp: WNTR's writer for a scenario, EPANET's for an .inp."""
        from reclaim.io.network_files import write_inp

        if self.built is not None:
            write_inp(self.built.model, path)
        else:
            project.save_inp(path)


def _load(
    source: Path,
    year: int | None,
    min_head: float | None,
    peak_factor: float | None,
    *,
    required_pressure: float | None = None,
    accident_fraction: float | None = None,
    patterns: bool = False,
) -> Loaded:
    from reclaim.io.network_files import load_demand_patterns, load_design_defaults
    from reclaim.network.design import check_peak_factor, scenario_network, settings

    if not source.exists():
        raise FileNotFoundError(2, "no such file", str(source))
    defaults = load_design_defaults()
    if source.suffix.lower() == ".inp":
        if year is not None:
            raise InputError("--year", year, "only for a scenario; an .inp has no horizons")
        check_peak_factor(peak_factor)
        judged = settings(defaults, min_head, required_pressure, accident_fraction)
        return Loaded(source, judged, None, None, defaults, demand_multiplier=peak_factor)
    if source.suffix.lower() not in (".yaml", ".yml"):
        raise InputError("source", str(source), "an .inp file or a scenario .yaml")
    if peak_factor is not None:
        raise InputError(
            "--peak-factor", peak_factor, "only for an .inp; a scenario uses its peak_hour_factor"
        )
    scenario = load_scenario_with_notes(source)
    built = scenario_network(scenario, defaults, year, load_demand_patterns() if patterns else None)
    limit = built.min_free_head_m if min_head is None else min_head
    judged = settings(defaults, limit, required_pressure, accident_fraction)
    return Loaded(None, judged, built, scenario, defaults)


def _emit(payload: dict[str, Any], as_json: bool, tables: list[str]) -> None:
    if as_json:
        # Plain text: the JSON of a large network is megabytes.
        sys.stdout.write(json.dumps(payload, ensure_ascii=False))
        sys.stdout.write("\n")
        return
    echo("\n\n".join(tables))


def _table(title: str, columns: list[tuple[str, Kind]], rows: list[list[Any]]) -> str:
    """A table at the terminal's width; floats to 0.01, None blank."""
    return render(
        title,
        [Column(heading, kind) for heading, kind in columns],
        [
            ["" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v) for v in row]
            for row in rows
        ],
    )


def _ls(m3_per_s: float | None) -> float | None:
    return None if m3_per_s is None else m3_per_s * 1000


def _about(loaded: Loaded) -> dict[str, Any]:
    from reclaim.network import summary

    if loaded.built is None:
        return {"source": "inp", "demand_multiplier": loaded.demand_multiplier}
    return {
        "source": "scenario",
        "year": loaded.built.year,
        "peak_hour_factor": loaded.built.peak_hour_factor,
        "illustrative_layout": loaded.built.illustrative,
        **summary.coverage(loaded.built.coverage),
    }


def _check_table(
    title: str, check: dict[str, Any], labels: Labels, passes: bool | None = None
) -> str:
    worst = check["worst_point"]
    verdict = check["passes"] if passes is None else passes
    rows = [
        [
            worst["node"],
            worst["free_head_m"],
            check["limit_m"],
            labels("net_pass" if verdict else "net_fail"),
            worst["served_fraction"],
        ]
    ]
    rows += [
        [s["node"], s["free_head_m"], check["limit_m"], labels("net_below"), s["served_fraction"]]
        for s in check["users_below_limit"]
        if s["node"] != worst["node"]
    ]
    columns: list[tuple[str, Kind]] = [
        (labels("net_node"), "id"),
        (labels("net_free_head"), "number"),
        (labels("net_limit"), "number"),
        (labels("cli_verdict"), "text"),
        (labels("net_served"), "number"),
    ]
    return _table(title, columns, rows)


def _coverage_table(coverage: checks.DemandCoverage | None, labels: Labels) -> str | None:
    """The demand the horizon's network leaves out, node by node, and its share."""
    if coverage is None or not coverage.not_networked_m3_per_day:
        return None
    nodes = coverage.not_networked_m3_per_day
    rows: list[list[Any]] = [
        [node, flow, labels("net_not_networked")] for node, flow in sorted(nodes.items())
    ]
    share = f"{coverage.unserved_fraction:.1%}"
    rows.append([labels("total"), coverage.unserved_m3_per_day, share])
    title = labels(
        "net_coverage_title",
        n=len(nodes),
        unserved=f"{coverage.unserved_m3_per_day:,.1f}",
        total=f"{coverage.total_m3_per_day:,.1f}",
        share=share,
    )
    columns: list[tuple[str, Kind]] = [
        (labels("net_node"), "id"),
        (labels("net_max_day"), "number"),
        (labels("cli_status"), "text"),
    ]
    return _table(title, columns, rows)


def _pump_table(points: list[checks.PumpPoint], labels: Labels) -> str:
    return _table(
        labels("net_pumps_title"),
        [
            (labels("net_pump"), "id"),
            (labels("net_flow_ls"), "number"),
            (labels("net_rated_ls"), "number"),
            (labels("net_rating_share"), "number"),
            (labels("net_head_m"), "number"),
        ],
        [
            [
                p.pump,
                _ls(p.flow_m3_per_s),
                _ls(p.rated_flow_m3_per_s),
                None if p.load_fraction is None else f"{p.load_fraction:.0%}",
                p.head_m,
            ]
            for p in points
        ],
    )


def _pump_energy(
    loaded: Loaded, annual_volume: float | None, grid_factor: float | None
) -> list[checks.PumpEnergy]:
    """Pump energy over the horizon's 24 h run (a scenario) or the file's own run (an .inp, at
    its own demand multiplier)."""
    from reclaim.io.network_files import load_demand_patterns, open_inp
    from reclaim.network import checks
    from reclaim.network.design import scenario_network
    from reclaim.network.engine import EpanetProject
    from reclaim.network.model import inp_text

    if loaded.built is not None and loaded.scenario is not None:
        day = scenario_network(
            loaded.scenario, loaded.defaults, loaded.built.year, load_demand_patterns()
        )
        opened = EpanetProject(inp_text(day.model))
        annual: float | None = (
            loaded.built.annual_volume_m3 if annual_volume is None else annual_volume
        )
    else:
        assert loaded.inp is not None
        opened = open_inp(loaded.inp)
        annual = annual_volume
    with opened as project:
        states = project.simulate()
        topology = project.topology
    return checks.pump_energy(topology, states, annual, grid_factor)


@network_app.command(
    "check", short_help="Peak hour: worst point, pumps, pipes, energy; the verdict."
)
@reports_input_errors
def check_command(
    source: Path = SourceArg,
    year: int | None = YearOpt,
    min_head: float | None = MinHeadOpt,
    peak_factor: float | None = PeakOpt,
    required_pressure: float | None = RequiredPressureOpt,
    v_min: float | None = VMinOpt,
    v_max: float | None = VMaxOpt,
    max_headloss: float | None = MaxHeadlossOpt,
    grid_factor: float | None = GridFactorOpt,
    annual_volume: float | None = AnnualVolumeOpt,
    energy_run: bool | None = typer.Option(
        None,
        "--energy/--no-energy",
        help="Pump energy over the extended-period run (default: on for a scenario's 24 h run, "
        "off for an .inp, whose own run may be long; `network energy` always runs it).",
    ),
    geojson: Path | None = typer.Option(
        None,
        "--geojson",
        metavar="FILE",
        help="Also write nodes and pipes, with results, as GeoJSON.",
        callback=in_existing_folder,
    ),
    inp_out: Path | None = typer.Option(
        None,
        "--inp-out",
        metavar="FILE",
        help="Also write the network solved as EPANET .inp.",
        callback=in_existing_folder,
    ),
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
    no_fail: bool = NoFailOpt,
) -> None:
    """Peak-hour solve, worst point against the free-head limit over all of the horizon's
    demand, pump operating points, pipe velocities with sizing suggestions, and pump energy
    over the 24 h run, in one go."""
    from reclaim.io.network_files import write_geojson
    from reclaim.network import checks, summary

    labels = load_labels(lang)
    loaded = _load(source, year, min_head, peak_factor, required_pressure=required_pressure)
    with loaded.open() as project:
        peak = checks.peak_hour(
            project, loaded.limit_m, required_pressure_m=loaded.required_pressure_m
        )
        topology = project.topology
        pumps = checks.pump_points(project, peak.solution)
        pipes = checks.pipe_checks(
            topology,
            peak.solution,
            checks.velocity_ranges(loaded.defaults.velocity_ranges, v_min, v_max),
            loaded.defaults.standard_dn_mm,
            max_headloss,
        )
        if inp_out is not None:
            loaded.write_inp(project, inp_out)
        geometry = project.geometry() if geojson is not None else None
        analysis = labels(
            "net_pressure_driven"
            if project.file_demand_model.pressure_driven
            else "net_demand_driven"
        )
    if energy_run is None:
        energy_run = loaded.built is not None
    energy = _pump_energy(loaded, annual_volume, grid_factor) if energy_run else []
    passes = checks.verdict(peak.check, loaded.coverage)
    payload: dict[str, Any] = {
        **_about(loaded),
        "passes": passes,
        "required_pressure_m": loaded.required_pressure_m,
        "peak_hour": summary.head_check(peak.check),
        "pressure_driven": None
        if peak.pressure_driven is None
        else summary.head_check(peak.pressure_driven),
        "pump_points": summary.pump_points(pumps),
        "pipes": summary.rows(pipes),
        "pumps": summary.rows(energy),
        "nodes": summary.node_table(topology, peak.solution),
        "links": summary.link_table(topology, peak.solution),
    }
    if geojson is not None and geometry is not None:
        nodes = {row["node"]: row for row in payload["nodes"]}
        links = {row["pipe"]: row for row in payload["pipes"]}
        write_geojson(geojson, topology, geometry, nodes, links)
    worst_title = labels("net_worst_title", analysis=analysis)
    tables = [_check_table(worst_title, payload["peak_hour"], labels, passes)]
    coverage = _coverage_table(loaded.coverage, labels)
    if coverage is not None:
        tables.append(coverage)
    if payload["pressure_driven"] is not None:
        tables.append(_check_table(labels("net_pd_title"), payload["pressure_driven"], labels))
    tables.append(_pump_table(pumps, labels))
    tables.append(_pipe_table(pipes, labels))
    if energy_run:
        tables.append(_energy_table(energy, labels))
    _emit(payload, as_json, tables)
    exit_on_failure(passes, no_fail)


def _pipe_verdict(verdict: str, labels: Labels) -> str:
    """ "too slow, head loss high" in words of the language."""
    return labels("list_sep").join(labels(f"net_{part}") for part in verdict.split(", "))


def _pipe_table(pipes: list[checks.PipeCheck], labels: Labels) -> str:
    return _table(
        labels("net_pipes_title"),
        [
            (labels("net_pipe"), "id"),
            (labels("net_dn"), "number"),
            (labels("net_flow_ls"), "number"),
            (labels("net_velocity"), "number"),
            (labels("net_range"), "id"),
            (labels("net_headloss"), "number"),
            (labels("cli_verdict"), "text"),
            (labels("net_suggest"), "number"),
        ],
        [
            [
                p.pipe,
                f"{p.dn_mm:.0f}",
                _ls(p.flow_m3_per_s),
                p.velocity_m_per_s,
                f"{p.v_min:g}–{p.v_max:g}",
                p.headloss_m_per_km,
                _pipe_verdict(p.verdict, labels),
                f"{p.suggested_dn_mm:.0f}",
            ]
            for p in pipes
        ],
    )


@network_app.command("sizing", short_help="Pipe velocity and head loss, with a DN per pipe.")
@reports_input_errors
def sizing_command(
    source: Path = SourceArg,
    year: int | None = YearOpt,
    peak_factor: float | None = PeakOpt,
    v_min: float | None = VMinOpt,
    v_max: float | None = VMaxOpt,
    max_headloss: float | None = MaxHeadlossOpt,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
) -> None:
    """Pipe velocity and head loss at peak hour, with a standard DN suggestion per pipe."""
    from reclaim.network import checks, summary

    labels = load_labels(lang)
    loaded = _load(source, year, None, peak_factor)
    with loaded.open() as project:
        project.set_demand_model(project.file_demand_model)
        solution = project.solve()
        pipes = checks.pipe_checks(
            project.topology,
            solution,
            checks.velocity_ranges(loaded.defaults.velocity_ranges, v_min, v_max),
            loaded.defaults.standard_dn_mm,
            max_headloss,
        )
    resized = [p.pipe for p in pipes if p.suggested_dn_mm != p.dn_mm]
    _emit(
        {
            **_about(loaded),
            "max_headloss_m_per_km": max_headloss,
            "resize": resized,
            "pipes": summary.rows(pipes),
        },
        as_json,
        [_pipe_table(pipes, labels)],
    )


def _energy_table(energy: list[checks.PumpEnergy], labels: Labels) -> str:
    period = f"{energy[0].period_h:g} h" if energy else labels("net_the_run")
    return _table(
        labels("net_energy_title", period=period),
        [
            (labels("net_pump"), "id"),
            (labels("net_pumped"), "number"),
            ("kWh", "number"),
            ("kWh/m³", "number"),
            (labels("net_per_year_m3"), "number"),
            (labels("net_per_year_mwh"), "number"),
            (labels("net_per_year_co2"), "number"),
        ],
        [
            [
                e.pump,
                e.pumped_m3,
                e.kwh,
                e.kwh_per_m3,
                e.annual_volume_m3,
                e.kwh_per_year / 1000,
                e.co2_t_per_year,
            ]
            for e in energy
        ],
    )


@network_app.command("energy", short_help="Pump energy per m³ and per year, and its CO₂.")
@reports_input_errors
def energy_command(
    source: Path = SourceArg,
    grid_factor: float = typer.Option(
        ..., "--grid-factor", metavar="KG_PER_KWH", help="Grid CO₂ emission factor, kg CO₂/kWh."
    ),
    year: int | None = YearOpt,
    annual_volume: float | None = AnnualVolumeOpt,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
) -> None:
    """Pump energy over the horizon's 24 h run (an .inp: its own run), per m³ and per year, and
    its CO₂."""
    from reclaim.network import summary

    labels = load_labels(lang)
    loaded = _load(source, year, None, None)
    energy = _pump_energy(loaded, annual_volume, grid_factor)
    _emit(
        {**_about(loaded), "grid_kg_co2_per_kwh": grid_factor, "pumps": summary.rows(energy)},
        as_json,
        [_energy_table(energy, labels)],
    )


@network_app.command("accident", short_help="Accident check (事故校核): a pipe out of service.")
@reports_input_errors
def accident_command(
    source: Path = SourceArg,
    pipe: list[str] | None = typer.Option(
        None,
        "--pipe",
        metavar="ID",
        help="The pipe out of service "
        "(repeat for several; default: the main at each "
        "pump outlet, seed 001 §4.3.2).",
    ),
    year: int | None = YearOpt,
    min_head: float | None = MinHeadOpt,
    peak_factor: float | None = PeakOpt,
    required_pressure: float | None = RequiredPressureOpt,
    accident_fraction: float | None = AccidentFractionOpt,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
    no_fail: bool = NoFailOpt,
) -> None:
    """Accident check (事故校核): a pipe closed, solved pressure-driven at the accident flow
    (default 70 % of the design flow), one pipe at a time."""
    from reclaim.network import checks, summary

    labels = load_labels(lang)
    loaded = _load(
        source,
        year,
        min_head,
        peak_factor,
        required_pressure=required_pressure,
        accident_fraction=accident_fraction,
    )
    fraction = loaded.settings.accident_flow_fraction
    with loaded.open() as project:
        if pipe:
            chosen = pipe
        else:
            project.set_demand_model(project.file_demand_model)
            chosen = checks.pump_outlet_mains(project.topology, project.solve())
        results = [
            checks.accident(
                project,
                name,
                loaded.limit_m,
                required_pressure_m=loaded.required_pressure_m,
                flow_fraction=fraction,
            )
            for name in chosen
        ]
    payload: dict[str, Any] = {
        **_about(loaded),
        "limit_m": loaded.limit_m,
        "required_pressure_m": loaded.required_pressure_m,
        "accident_flow_fraction": fraction,
        "accidents": [summary.accident(r) for r in results],
    }
    tables = []
    for result, entry in zip(results, payload["accidents"], strict=True):
        if result.error is not None:
            err_console.print(f"pipe {result.pipe}: {result.error}")
        else:
            tables.append(
                _check_table(
                    labels("net_accident_title", pipe=result.pipe, share=f"{fraction:.0%}"),
                    entry["check"],
                    labels,
                )
            )
    _emit(payload, as_json, tables)
    exit_on_failure(
        all(r.error is None and r.check is not None and r.check.passes for r in results), no_fail
    )


def _progress_bar(total: int, label: str) -> tuple[Progress, batch.Progress]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=rich_console(stderr=True),
        transient=True,
    )
    task = bar.add_task(label, total=total)

    def advance(done: int, _total: int) -> None:
        bar.update(task, completed=done)

    return bar, advance


SchedulerOpt = typer.Option(
    None,
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler address (tcp://host:8786) to spread the batch over its machines; "
    "default: local Dask workers.",
)
WorkersOpt = typer.Option(
    None,
    "--workers",
    metavar="N",
    help="Local Dask worker processes (default: every core; 1 = in this process).",
)
ChunkOpt = typer.Option(
    None,
    "--chunk-size",
    metavar="N",
    help="Cases per Dask task (default: 4 per worker); the results do not change.",
)


def _run_batch(
    loaded: Loaded,
    cases_of: Any,
    judged: batch.BatchSettings,
    scheduler: str | None,
    workers: int | None,
    chunk_size: int | None,
    label: str,
) -> list[batch.CaseResult]:
    """The batch in this process, on local Dask workers (the default for a batch worth it),
    or on the cluster `scheduler` names."""
    from reclaim.network import batch

    if workers is not None and workers < 1:
        raise InputError("--workers", workers, "at least 1 (1 runs the batch in this process)")
    with loaded.open() as project:
        cases = cases_of(project)
        local_cores = workers if workers is not None else os.cpu_count() or 1
        bar, advance = _progress_bar(len(cases), label)
        with bar:
            if scheduler is None and (local_cores <= 1 or len(cases) < LOCAL_DASK_MIN_CASES):
                return batch.run_cases(
                    project,
                    cases,
                    judged.limit_m,
                    required_pressure_m=judged.required_pressure_m,
                    demand_fraction=judged.demand_fraction,
                    on_progress=advance,
                )
            return batch.run_cases_on_dask(
                project.inp_text(),
                cases,
                judged,
                scheduler,
                workers=local_cores,
                chunk_size=chunk_size,
                on_progress=advance,
            )


def _batch_table(
    title: str, results: list[batch.CaseResult], failures_only: bool, labels: Labels
) -> str:
    shown = [r for r in results if not r.passes] if failures_only else results
    return _table(
        title,
        [
            (labels("net_case"), "id"),
            (labels("net_worst_node"), "id"),
            (labels("net_free_head"), "number"),
            (labels("net_delivered"), "number"),
            (labels("net_below_limit"), "note"),
            (labels("net_unserved"), "note"),
            (labels("net_error"), "note"),
        ],
        [
            [
                r.label,
                r.worst_node,
                r.worst_free_head_m,
                r.delivered_fraction,
                " ".join(r.users_below_limit[:8]) + (" …" if len(r.users_below_limit) > 8 else ""),
                " ".join(r.users_unserved),
                r.error,
            ]
            for r in shown
        ],
    )


@network_app.command("n1", short_help="N-1: every pipe out of service in turn.")
@reports_input_errors
def n1_command(
    source: Path = SourceArg,
    pipe: list[str] | None = typer.Option(
        None, "--pipe", metavar="ID", help="Only these pipes (repeat; default: every pipe)."
    ),
    year: int | None = YearOpt,
    min_head: float | None = MinHeadOpt,
    peak_factor: float | None = PeakOpt,
    required_pressure: float | None = RequiredPressureOpt,
    accident_fraction: float | None = AccidentFractionOpt,
    scheduler: str | None = SchedulerOpt,
    workers: int | None = WorkersOpt,
    chunk_size: int | None = ChunkOpt,
    show_all: bool = typer.Option(
        False, "--all", help="List every pipe in the table, not only those that fail."
    ),
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
    no_fail: bool = NoFailOpt,
) -> None:
    """N-1: every pipe (or --pipe …) closed in turn, pressure-driven at the accident flow
    (default 70 % of the design flow); lists the pipes whose loss leaves users below the limit
    or unserved."""
    from reclaim.network import batch, summary

    labels = load_labels(lang)
    loaded = _load(
        source,
        year,
        min_head,
        peak_factor,
        required_pressure=required_pressure,
        accident_fraction=accident_fraction,
    )
    skipped: list[str] = []

    def cases_of(project: EpanetProject) -> list[batch.Case]:
        skipped.extend([] if pipe else batch.check_valve_pipes(project))
        return batch.n1_cases(project, pipe)

    fraction = loaded.settings.accident_flow_fraction
    judged = batch.BatchSettings(loaded.limit_m, loaded.required_pressure_m, fraction)
    results = _run_batch(loaded, cases_of, judged, scheduler, workers, chunk_size, "N-1")
    critical = [r.label for r in results if not r.passes]
    payload = {
        **_about(loaded),
        "limit_m": loaded.limit_m,
        "required_pressure_m": loaded.required_pressure_m,
        "accident_flow_fraction": fraction,
        "pipes_checked": len(results),
        "critical_pipes": critical,
        "not_checked_check_valve_pipes": skipped,
        "cases": [summary.case(r) for r in results],
    }
    _emit(
        payload,
        as_json,
        [
            _batch_table(
                labels(
                    "net_n1_title",
                    share=f"{fraction:.0%}",
                    n=len(critical),
                    total=len(results),
                    limit=f"{loaded.limit_m:g}",
                ),
                results,
                not show_all,
                labels,
            )
        ],
    )
    exit_on_failure(not critical, no_fail)


@network_app.command("samples", short_help="Demand samples from the scenario's uncertainty.")
@reports_input_errors
def samples_command(
    source: Path = typer.Argument(
        ..., metavar="SCENARIO.yaml", help="A planning scenario .yaml with uncertainty."
    ),
    count: int = typer.Option(
        50, "--samples", "-n", metavar="N", help="Number of demand samples drawn."
    ),
    seed: int = SeedOpt,
    year: int | None = YearOpt,
    min_head: float | None = MinHeadOpt,
    required_pressure: float | None = RequiredPressureOpt,
    scheduler: str | None = SchedulerOpt,
    workers: int | None = WorkersOpt,
    chunk_size: int | None = ChunkOpt,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
) -> None:
    """Demand samples from the scenario's uncertainty, each solved pressure-driven."""
    from reclaim.network import batch, summary
    from reclaim.network.samples import demand_samples

    labels = load_labels(lang)
    loaded = _load(source, year, min_head, None, required_pressure=required_pressure)
    if loaded.scenario is None or loaded.built is None:
        raise InputError("source", str(source), "a scenario .yaml (samples need uncertainty)")
    drawn = demand_samples(loaded.scenario, loaded.built.year, count, seed)
    present = set(loaded.built.model.junction_name_list)
    samples = [{n: q for n, q in s.items() if n in present} for s in drawn.node_demands_m3_per_s]
    results = _run_batch(
        loaded,
        lambda project: batch.demand_cases(project, samples),
        batch.BatchSettings(loaded.limit_m, loaded.required_pressure_m),
        scheduler,
        workers,
        chunk_size,
        "samples",
    )
    heads = sorted(r.worst_free_head_m for r in results if r.error is None)
    payload = {
        **_about(loaded),
        "limit_m": loaded.limit_m,
        "required_pressure_m": loaded.required_pressure_m,
        "samples": len(results),
        "unused_uncertainty_paths": drawn.unused_paths,
        "passing_fraction": sum(r.passes for r in results) / len(results),
        "worst_free_head_m": {
            "min": heads[0] if heads else None,
            "median": heads[len(heads) // 2] if heads else None,
        },
        "cases": [summary.case(r) for r in results],
    }
    shown = _batch_table(labels("net_samples_title"), results, False, labels)
    _emit(payload, as_json, [shown])


@network_app.command("pump-head", short_help="Pump head needed for a worst-point free head.")
@reports_input_errors
def pump_head_command(
    source: Path = SourceArg,
    target: float | None = typer.Option(
        None,
        "--target",
        metavar="METRES",
        help="Worst-point free head to reach, m (default: the scenario's limit, else 15 m).",
    ),
    pump: list[str] | None = typer.Option(
        None, "--pump", metavar="ID", help="Only these pumps (repeat; default: every pump)."
    ),
    year: int | None = YearOpt,
    peak_factor: float | None = PeakOpt,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
) -> None:
    """Pump head needed for a target worst-point free head (curves scaled by one factor)."""
    from reclaim.network import checks, summary

    labels = load_labels(lang)
    loaded = _load(source, year, target, peak_factor)
    with loaded.open() as project:
        heads, check = checks.required_pump_heads(project, loaded.limit_m, pump)
    payload = {
        **_about(loaded),
        "target_m": loaded.limit_m,
        "pumps": summary.rows(heads),
        "at_required_head": summary.head_check(check),
    }
    _emit(
        payload,
        as_json,
        [
            _table(
                labels(
                    "net_pump_head_title",
                    target=f"{loaded.limit_m:g}",
                    node=check.worst.node,
                    head=f"{check.worst.free_head_m:.2f}",
                ),
                [
                    (labels("net_pump"), "id"),
                    (labels("net_design_flow"), "number"),
                    (labels("net_head_now"), "number"),
                    (labels("net_head_needed"), "number"),
                ],
                [
                    [h.pump, _ls(h.design_flow_m3_per_s), h.current_head_m, h.required_head_m]
                    for h in heads
                ],
            )
        ],
    )


@network_app.command("simulate", short_help="Extended-period run with patterns and tanks.")
@reports_input_errors
def simulate_command(
    source: Path = SourceArg,
    hours: float | None = typer.Option(
        None,
        "--hours",
        metavar="HOURS",
        help="Duration, h (default: the .inp's own, 24 h for a scenario).",
    ),
    year: int | None = YearOpt,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
) -> None:
    """Extended-period simulation with demand patterns and tanks (24 h for a scenario)."""
    from reclaim.network import summary

    labels = load_labels(lang)
    loaded = _load(source, year, None, None, patterns=True)
    duration = None if hours is None else round(hours * 3600)
    with loaded.open() as project:
        states = project.simulate(duration)
        period = summary.period_summary(project.topology, states)
    payload = {**_about(loaded), **period}
    _emit(
        payload,
        as_json,
        [
            _table(
                labels("net_simulate_title"),
                [
                    (labels("net_time"), "number"),
                    (labels("net_worst_node"), "id"),
                    (labels("net_free_head"), "number"),
                    (labels("net_demand_ls"), "number"),
                    (labels("net_tanks"), "text"),
                ],
                [
                    [
                        s["time_h"],
                        s["worst_node"],
                        s["worst_free_head_m"],
                        _ls(s["demand_m3_per_s"]),
                        " ".join(f"{k}={v:.2f}" for k, v in s["tank_level_m"].items()),
                    ]
                    for s in period["steps"]
                ],
            )
        ],
    )


@network_app.command("export", short_help="Write the network as EPANET .inp.")
@reports_input_errors
def export_command(
    source: Path = SourceArg,
    inp_out: Path = typer.Option(
        ...,
        "--out",
        metavar="FILE.inp",
        help="The EPANET .inp file to write.",
        callback=in_existing_folder,
    ),
    year: int | None = YearOpt,
    patterns: bool = typer.Option(
        False,
        "--patterns",
        help="24 h model with demand patterns instead of the peak-hour steady state.",
    ),
) -> None:
    """Write the network (built from a scenario, or re-written from an .inp) as EPANET .inp."""
    from reclaim.io.network_files import write_inp

    loaded = _load(source, year, None, None, patterns=patterns)
    if loaded.built is not None:
        write_inp(loaded.built.model, inp_out)
    else:
        with loaded.open() as project:
            project.save_inp(inp_out)
    console.print(f"wrote {inp_out}")
