"""`reclaim quality`: check samples against reuse standards, list fit uses, show the gap."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from reclaim.cli.common import (
    JsonOpt,
    LangOpt,
    NoFailOpt,
    console,
    exit_on_failure,
    reports_input_errors,
)
from reclaim.errors import InputError

if TYPE_CHECKING:
    from reclaim.quality.batch import BatchFitness
    from reclaim.quality.catalogue import Catalogue
    from reclaim.quality.evaluate import Fitness, UseVerdict
    from reclaim.quality.gap import GapItem, TreatmentGap
    from reclaim.quality.samples import Measurement, Sample
    from reclaim.quality.series import SeriesVerdict
    from reclaim.quality.standards import Standard

quality_app = typer.Typer(
    help="Water quality: which uses a reclaimed water is fit for, and why not.",
    short_help="Which uses a water is fit for, and why not.",
    no_args_is_help=True,
)

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "pass": "达标",
        "fail": "超标",
        "inconclusive": "无法判定",
        "not_measured": "未检测",
        "not_required": "无要求",
        "unverified_limit": "限值未核实",
        "fit": "适用",
        "unfit": "不适用",
        "undetermined": "待定",
    },
    "en": {
        "pass": "pass",
        "fail": "fail",
        "inconclusive": "inconclusive",
        "not_measured": "not measured",
        "not_required": "not required",
        "unverified_limit": "unverified limit",
        "fit": "fit",
        "unfit": "unfit",
        "undetermined": "undetermined",
    },
}
"""Words for the verdicts, keyed by the values of `Status` and `Fitness` (string enums), so
that the command tree does not import the quality engine."""

HEADINGS = {
    "zh": {
        "parameter": "指标",
        "limit": "限值",
        "measured": "实测",
        "verdict": "判定",
        "ratio": "倍数",
        "clause": "条款",
        "standard": "标准",
        "use": "用途",
        "fitness": "结论",
        "why": "原因",
        "steps": "处理措施",
        "status": "状态",
        "uses": "用途数",
        "limits": "限值数",
        "unverified": "未核实",
        "edition": "版本",
        "share": "达标率",
        "most_failing": "超标最多的指标",
        "incomplete": "标准数据不全，不能判定适用；缺少",
    },
    "en": {
        "parameter": "parameter",
        "limit": "limit",
        "measured": "measured",
        "verdict": "verdict",
        "ratio": "ratio",
        "clause": "clause",
        "standard": "standard",
        "use": "use",
        "fitness": "fitness",
        "why": "why",
        "steps": "treatment steps",
        "status": "status",
        "uses": "uses",
        "limits": "limits",
        "unverified": "unverified",
        "edition": "edition",
        "share": "share passing",
        "most_failing": "most failing",
        "incomplete": "standard data incomplete, cannot say fit; missing from",
    },
}

ACTIONS = {
    "zh": {
        "measure": "补测",
        "confirm limit": "核对限值",
        "reduce": "削减",
        "raise": "提高",
        "adjust": "调节",
        "remove": "去除",
        "confirm or": "确认或",
    },
    "en": {
        "measure": "measure",
        "confirm limit": "confirm limit",
        "reduce": "reduce",
        "raise": "raise",
        "adjust": "adjust",
        "remove": "remove",
        "confirm or": "confirm or ",
    },
}

StandardFilterOption = typer.Option(
    [], "--standard", metavar="ID", help="Only these standards (repeat; default: all)."
)
CurrentOnlyOption = typer.Option(
    False, "--current-only", help="Leave out editions whose successor is loaded."
)
DirsOption = typer.Option(
    [],
    "--standards-dir",
    metavar="DIR",
    help="Extra directory of standard files (local or contract limits; repeat for several).",
)
ConditionOption = typer.Option(
    [],
    "--condition",
    metavar="NAME",
    help="Assert a condition of the standard (e.g. coastal_high_tds; repeat for several).",
)
EditionOption = typer.Option(
    None,
    "--edition",
    metavar="ID",
    help="Judge in this dated edition (e.g. original, amendment_2025 of GB 18918) instead of the "
    "one in force on each sample's date (today for undated samples).",
)


def _lang(lang: str) -> str:
    if lang not in LABELS:
        raise InputError("--lang", lang, "zh or en")
    return lang


def _samples(path: str, catalogue: Catalogue) -> list[Sample]:
    """Samples from a file, or the shipped profile of that name."""
    from reclaim.io.quality_files import load_profile, load_samples, profile_ids

    if not Path(path).exists() and path in profile_ids():
        return [load_profile(path, catalogue)]
    return load_samples(path, catalogue)


def _measured(measurement: Measurement | None, unit: str) -> str:
    if measurement is None:
        return "—"
    if unit == "conformity":
        return "pass" if measurement.low >= 1.0 else "fail"
    if measurement.nondetect:
        return f"<{measurement.high:g}"
    if measurement.low == measurement.high:
        return f"{measurement.low:g}"
    return f"{measurement.low:g}–{measurement.high:g}"


def _unit_label(measurement: Measurement | None, unit: str) -> str:
    return "" if measurement is None or unit in ("pH", "conformity") else unit


def _edition_id(standard: Standard) -> str | None:
    return None if standard.dated_edition is None else standard.dated_edition.id


def _print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def _chosen_standards(
    loaded: dict[str, Standard], standard_ids: list[str], current_only: bool
) -> list[Standard]:
    """The standards named (all when none is), without superseded editions if asked."""
    from reclaim.quality.standards import find_standard, latest_editions

    chosen = [find_standard(loaded, s) for s in standard_ids] or list(loaded.values())
    if current_only:
        latest = {standard.id for standard in latest_editions(loaded)}
        chosen = [standard for standard in chosen if standard.id in latest]
    return chosen


@quality_app.command("standards", short_help="The standards loaded: editions, uses, limits.")
@reports_input_errors
def standards_command(
    as_json: bool = JsonOpt, lang: str = LangOpt, standards_dir: list[Path] = DirsOption
) -> None:
    """List loaded standards with editions, uses and how many limits are verified."""
    from reclaim.io.quality_files import load_standards

    lang = _lang(lang)
    standards = load_standards(standards_dir)
    rows: list[dict[str, Any]] = []
    for standard in standards.values():
        total, unverified = standard.limit_counts()
        rows.append(
            {
                "id": standard.id,
                "code": standard.code,
                "title": standard.title(lang),
                "edition": standard.edition,
                "status": standard.status,
                "superseded_by": standard.superseded_by,
                "uses": {use.id: use.name(lang) for use in standard.uses.values()},
                "conditions": list(standard.conditions),
                "limits": total,
                "unverified_limits": unverified,
                "editions": [
                    {"id": e.id, "effective": e.effective.isoformat(), "name": e.name(lang)}
                    for e in standard.editions
                ],
                "edition_in_force": _edition_id(standard.in_force_on(date.today())),
                "missing_items": {
                    table: list(items) for table, items in standard.missing_items.items() if items
                },
                "origin": standard.origin,
            }
        )
    if as_json:
        _print_json(rows)
        return
    words = HEADINGS[lang]
    table = Table(title="reclaim quality standards")
    for heading in (
        "id",
        words["standard"],
        words["edition"],
        words["status"],
        words["uses"],
        words["limits"],
        words["unverified"],
    ):
        table.add_column(heading)
    for row in rows:
        table.add_row(
            row["id"],
            row["code"],
            str(row["edition"]),
            row["status"],
            str(len(row["uses"])),
            str(row["limits"]),
            str(row["unverified_limits"]),
        )
    console.print(table)


@quality_app.command("check", short_help="Samples against one use: verdicts and the gap.")
@reports_input_errors
def check_command(
    sample_file: str = typer.Argument(
        ...,
        metavar="SAMPLES",
        help="Sample CSV (long or wide) or YAML file, or a shipped profile name.",
    ),
    standard_id: str = typer.Option(
        ..., "--standard", metavar="ID", help="Standard id or code, e.g. gb_t_18920_2020."
    ),
    use_id: str = typer.Option(
        ..., "--use", metavar="ID", help="Use id within the standard, e.g. toilet."
    ),
    condition: list[str] = ConditionOption,
    edition: str | None = EditionOption,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
    standards_dir: list[Path] = DirsOption,
    no_fail: bool = NoFailOpt,
) -> None:
    """Judge each sample against one use: verdict per parameter, fitness and the gap to close.
    Exits 1 unless every sample is fit (--no-fail: 0)."""
    from reclaim.io.quality_files import load_catalogue, load_standards, load_treatments
    from reclaim.quality.evaluate import Fitness, evaluate
    from reclaim.quality.gap import treatment_gap
    from reclaim.quality.standards import find_standard

    lang = _lang(lang)
    catalogue = load_catalogue()
    standard = find_standard(load_standards(standards_dir, catalogue), standard_id)
    treatments = load_treatments(catalogue)
    results = []
    for sample in _samples(sample_file, catalogue):
        verdict = evaluate(sample, standard, use_id, condition, edition, date.today())
        results.append((verdict, treatment_gap(verdict, catalogue, treatments)))
    if as_json:
        _print_json([{**verdict.to_dict(), "gap": gap.to_dict()} for verdict, gap in results])
    else:
        _print_check_tables(results, standard, use_id, catalogue, lang)
    exit_on_failure(all(verdict.fitness is Fitness.FIT for verdict, _ in results), no_fail)


def _print_check_tables(
    results: list[tuple[UseVerdict, TreatmentGap]],
    standard: Standard,
    use_id: str,
    catalogue: Catalogue,
    lang: str,
) -> None:
    """One table per sample: each parameter's limit, value and verdict, then the gap."""
    from reclaim.quality.evaluate import Status

    words, labels = HEADINGS[lang], LABELS[lang]
    use = standard.use(use_id)
    for verdict, gap in results:
        edition_note = f" ({verdict.edition})" if verdict.edition else ""
        table = Table(
            title=f"{verdict.sample_id} — {standard.code}{edition_note} {use.name(lang)}: "
            f"{labels[verdict.fitness]}"
        )
        for heading in ("parameter", "limit", "measured", "verdict", "ratio", "clause"):
            table.add_column(words[heading])
        for item in verdict.verdicts:
            if item.status is Status.NOT_REQUIRED:
                continue  # in the JSON; in a table, 43 selective items not asked for are noise
            label = labels[item.status]
            if item.tentative is not None:
                label += f" ({labels[item.tentative]}?)"
            unit = catalogue.parameters[item.parameter].canonical_unit
            measured = f"{_measured(item.measurement, unit)} {_unit_label(item.measurement, unit)}"
            table.add_row(
                catalogue.parameters[item.parameter].name(lang),
                "—" if item.limit is None else item.limit.stated,
                measured.rstrip(),
                label,
                "" if item.ratio is None else f"{item.ratio:.2f}",
                "" if item.limit is None else item.limit.clause,
            )
        console.print(table)
        _print_missing(verdict.missing_items, catalogue, lang)
        for step_item in gap.items:
            console.print(f"  {_gap_line(step_item, catalogue, lang)}", markup=False)


def _print_missing(missing: Mapping[str, tuple[str, ...]], catalogue: Catalogue, lang: str) -> None:
    """Tables the standard's data does not hold in full: the reason it cannot say fit."""
    for table, items in missing.items():
        names = ", ".join(catalogue.parameters[item].name(lang) for item in items)
        console.print(f"  {HEADINGS[lang]['incomplete']} {table}: {names}", markup=False)


def _gap_line(item: GapItem, catalogue: Catalogue, lang: str) -> str:
    """One gap item as a sentence: action, parameter, size, step."""
    words = ACTIONS[lang]
    action = item.action
    if action.startswith("confirm or "):
        action = words["confirm or"] + words[action.removeprefix("confirm or ")]
    else:
        action = words[action]
    size = f" ×{item.factor:.3g}" if item.factor else ""
    if item.log10_reduction:
        size += f" ({item.log10_reduction:.2f} log)"
    if item.removal_percent:
        size += f" ({item.removal_percent:.0f} %)"
    return (
        f"{action} {catalogue.parameters[item.parameter].name(lang)}{size}: {item.step.name(lang)}"
    )


@quality_app.command("matrix", short_help="Samples against every use of every standard.")
@reports_input_errors
def matrix_command(
    sample_file: str = typer.Argument(
        ...,
        metavar="SAMPLES",
        help="Sample CSV (long or wide) or YAML file, or a shipped profile name.",
    ),
    standard_ids: list[str] = StandardFilterOption,
    current_only: bool = CurrentOnlyOption,
    condition: list[str] = ConditionOption,
    edition: str | None = EditionOption,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
    standards_dir: list[Path] = DirsOption,
) -> None:
    """Fit-for-purpose matrix: each sample against every use of every standard."""
    from reclaim.io.quality_files import load_catalogue, load_standards, load_treatments
    from reclaim.quality.evaluate import Status, fitness_matrix
    from reclaim.quality.gap import cheapest_routes

    lang = _lang(lang)
    catalogue = load_catalogue()
    loaded = load_standards(standards_dir, catalogue)
    chosen = _chosen_standards(loaded, standard_ids, current_only)
    treatments = load_treatments(catalogue)
    payload = []
    for sample in _samples(sample_file, catalogue):
        matrix = fitness_matrix(sample, chosen, condition, edition, date.today())
        gaps = {
            (gap.standard_id, gap.use_id): gap
            for gap in cheapest_routes(matrix, catalogue, treatments)
        }
        payload.append({**matrix.to_dict(), "routes": [gap.to_dict() for gap in gaps.values()]})
        if as_json:
            continue
        words, labels = HEADINGS[lang], LABELS[lang]
        table = Table(
            title=f"{sample.id}: fit uses {len(matrix.fit_uses())} / {len(matrix.verdicts)}"
        )
        for heading in ("standard", "use", "fitness", "why", "steps"):
            table.add_column(words[heading])
        for verdict in matrix.verdicts:
            standard = loaded[verdict.standard_id]
            reasons = []
            for status in (
                Status.FAIL,
                Status.UNVERIFIED_LIMIT,
                Status.INCONCLUSIVE,
                Status.NOT_MEASURED,
            ):
                names = [
                    catalogue.parameters[p.parameter].name(lang)
                    for p in verdict.with_status(status)
                ]
                if names:
                    reasons.append(f"{labels[status]}: {', '.join(names)}")
            for table_id, items in verdict.missing_items.items():
                reasons.append(f"{words['incomplete']} {table_id}: {len(items)}")
            gap = gaps.get((verdict.standard_id, verdict.use_id))
            steps = "" if gap is None else ", ".join(step.name(lang) for step in gap.steps)
            edition_note = f" ({verdict.edition})" if verdict.edition else ""
            table.add_row(
                standard.code + edition_note,
                standard.use(verdict.use_id).name(lang),
                labels[verdict.fitness],
                "\n".join(reasons),
                steps,
            )
        console.print(table)
    if as_json:
        _print_json(payload)


@quality_app.command("series", short_help="A series against its standard's period rule.")
@reports_input_errors
def series_command(
    sample_file: Path = typer.Argument(
        ...,
        metavar="SERIES.csv",
        help="Samples in time order (CSV with a date column, or YAML).",
    ),
    standard_id: str = typer.Option(
        ..., "--standard", metavar="ID", help="Standard id or code, e.g. eu_2020_741."
    ),
    use_id: str = typer.Option(
        ..., "--use", metavar="ID", help="Use id within the standard, e.g. A."
    ),
    window: int = typer.Option(
        0,
        "--window",
        metavar="N",
        help="Also report rolling compliance over this many samples (0: none).",
    ),
    window_days: int = typer.Option(
        0,
        "--window-days",
        metavar="DAYS",
        help="Or over this many days ending at each sample (needs dates; 0: none).",
    ),
    condition: list[str] = ConditionOption,
    edition: str | None = EditionOption,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
    standards_dir: list[Path] = DirsOption,
    no_fail: bool = NoFailOpt,
) -> None:
    """Compliance of a series of samples over the period, with the standard's period rule.
    Exits 1 unless the series is fit over the period (--no-fail: 0)."""
    from reclaim.io.quality_files import load_catalogue, load_samples, load_standards
    from reclaim.quality.evaluate import Fitness
    from reclaim.quality.series import (
        evaluate_series,
        rolling_compliance,
        rolling_compliance_days,
    )
    from reclaim.quality.standards import find_standard

    lang = _lang(lang)
    catalogue = load_catalogue()
    standard = find_standard(load_standards(standards_dir, catalogue), standard_id)
    samples = load_samples(sample_file, catalogue)
    today = date.today()
    verdict = evaluate_series(samples, standard, use_id, condition, edition=edition, undated=today)
    if window and window_days:
        raise InputError("--window-days", window_days, "either --window or --window-days, not both")
    rolling = []
    if window:
        rolling = rolling_compliance(
            samples, standard, use_id, window, condition, edition=edition, undated=today
        )
    elif window_days:
        rolling = rolling_compliance_days(
            samples, standard, use_id, window_days, condition, edition=edition, undated=today
        )
    if as_json:
        _print_json(
            {
                **verdict.to_dict(),
                "rolling": [{"end": end, "fitness": fit.value} for end, fit in rolling],
            }
        )
    else:
        _print_series_table(verdict, rolling, standard, use_id, catalogue, lang)
    exit_on_failure(verdict.fitness is Fitness.FIT, no_fail)


def _print_series_table(
    verdict: SeriesVerdict,
    rolling: list[tuple[str, Fitness]],
    standard: Standard,
    use_id: str,
    catalogue: Catalogue,
    lang: str,
) -> None:
    """The period verdict per parameter, then the rolling verdicts."""
    words, labels = HEADINGS[lang], LABELS[lang]
    table = Table(
        title=f"{standard.code} {standard.use(use_id).name(lang)}: "
        f"{labels[verdict.fitness]} ({verdict.rule.stated})"
    )
    for heading in ("parameter", "limit", "share", "verdict"):
        table.add_column(words[heading])
    for item in verdict.verdicts:
        label = labels[item.status] + (f" ({labels[item.tentative]}?)" if item.tentative else "")
        share = "—" if item.share_pass is None else f"{item.n_pass}/{item.n_measured}"
        table.add_row(
            catalogue.parameters[item.parameter].name(lang), item.limit or "—", share, label
        )
    console.print(table)
    for end, fitness in rolling:
        console.print(f"  {end}: {labels[fitness]}")


@quality_app.command("batch", short_help="Many samples at once: how many are fit for each use.")
@reports_input_errors
def batch_command(
    sample_file: Path = typer.Argument(
        ...,
        metavar="SAMPLES.csv",
        help="Many samples: a wide CSV (sample, date, bod5 [mg/L], ...).",
    ),
    standard_ids: list[str] = StandardFilterOption,
    current_only: bool = CurrentOnlyOption,
    out: Path | None = typer.Option(
        None,
        "--out",
        metavar="FILE.csv",
        help="Also write the fitness of every sample for every use to this CSV.",
    ),
    condition: list[str] = ConditionOption,
    edition: str | None = EditionOption,
    as_json: bool = JsonOpt,
    lang: str = LangOpt,
    standards_dir: list[Path] = DirsOption,
) -> None:
    """Judge many samples at once (vectorised): how many are fit for each use."""
    from reclaim.io.quality_files import (
        load_catalogue,
        load_sample_matrix,
        load_standards,
        write_fitness_csv,
    )
    from reclaim.quality.batch import evaluate_batch
    from reclaim.quality.evaluate import Fitness

    lang = _lang(lang)
    catalogue = load_catalogue()
    loaded = load_standards(standards_dir, catalogue)
    chosen = _chosen_standards(loaded, standard_ids, current_only)
    matrix = load_sample_matrix(sample_file, catalogue)
    result = evaluate_batch(matrix, chosen, condition, edition=edition, undated=date.today())
    if out is not None:
        write_fitness_csv(out, matrix, result)
    counts = result.counts()
    if as_json:
        _print_json(
            {
                "samples": matrix.size,
                "uses": [
                    {
                        "standard": standard,
                        "use": use,
                        **{f.value: n for f, n in counts[(standard, use)].items()},
                        "failures": dict(result.failures[(standard, use)]),
                        "unverified_limits": sorted(result.tentative[(standard, use)]),
                    }
                    for standard, use in result.uses
                ],
            }
        )
        return
    words, labels = HEADINGS[lang], LABELS[lang]
    table = Table(title=f"{matrix.size} samples")
    for heading in (
        words["standard"],
        words["use"],
        labels[Fitness.FIT],
        labels[Fitness.UNDETERMINED],
        labels[Fitness.UNFIT],
        words["most_failing"],
    ):
        table.add_column(heading)
    for standard_id, use_id in result.uses:
        standard = loaded[standard_id]
        row = counts[(standard_id, use_id)]
        table.add_row(
            standard.code,
            standard.use(use_id).name(lang),
            *(str(row[f]) for f in (Fitness.FIT, Fitness.UNDETERMINED, Fitness.UNFIT)),
            _most_failing(result, (standard_id, use_id), catalogue, lang),
        )
    console.print(table)


MOST_FAILING_SHOWN = 3
"""Parameters listed per use in the batch table (presentation choice)."""


def _most_failing(
    result: BatchFitness, use: tuple[str, str], catalogue: Catalogue, lang: str
) -> str:
    """The parameters failing most often for ``use``; '?' marks a limit not verified."""
    ranked = sorted(result.failures[use].items(), key=lambda item: -item[1])
    shown = []
    for parameter, count in ranked[:MOST_FAILING_SHOWN]:
        if count:
            mark = "?" if parameter in result.tentative[use] else ""
            shown.append(f"{catalogue.parameters[parameter].name(lang)}{mark} {count}")
    return ", ".join(shown)
