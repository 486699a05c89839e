"""`reclaim quality`: check samples against reuse standards, list fit uses, show the gap."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from reclaim.cli.common import (
    JsonOpt,
    LangOpt,
    NoFailOpt,
    exit_on_failure,
    load_labels,
    print_json,
    reports_input_errors,
)
from reclaim.cli.tables import Column, echo, render
from reclaim.errors import InputError

if TYPE_CHECKING:
    from reclaim.quality.batch import BatchFitness
    from reclaim.quality.catalogue import Catalogue
    from reclaim.quality.evaluate import Fitness, UseVerdict
    from reclaim.quality.gap import GapItem, TreatmentGap
    from reclaim.quality.samples import Measurement, Sample
    from reclaim.quality.series import SeriesVerdict
    from reclaim.quality.standards import ComplianceRule, Limit, Standard
    from reclaim.reports.labels import Labels

quality_app = typer.Typer(
    help="Water quality: which uses a reclaimed water is fit for, and why not.",
    short_help="Which uses a water is fit for, and why not.",
    no_args_is_help=True,
)

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


def _status(labels: Labels, status: str, tentative: str | None = None) -> str:
    """A verdict in words, with the verdict it would be were its limit confirmed."""
    label = labels(f"cli_{status}")
    if tentative is None:
        return label
    return labels("cli_tentative", label=label, tentative=labels(f"cli_{tentative}"))


def _samples(path: str, catalogue: Catalogue) -> list[Sample]:
    """Samples from a file, or the shipped profile of that name."""
    from reclaim.io.quality_files import load_profile, load_samples, profile_ids

    if not Path(path).exists() and path in profile_ids():
        return [load_profile(path, catalogue)]
    return load_samples(path, catalogue)


def _measured(measurement: Measurement | None, unit: str, labels: Labels) -> str:
    """A measured value in the unit it was entered in (a point, a range or "<DL")."""
    if measurement is None:
        return "—"
    if unit == "conformity":
        return labels("cli_conformity_pass" if measurement.low >= 1.0 else "cli_conformity_fail")
    shown_unit = measurement.entered_unit or unit
    factor = measurement.entered_factor
    low, high = measurement.low / factor, measurement.high / factor
    if measurement.nondetect:
        value = f"<{high:g}"
    elif low == high:
        value = f"{low:g}"
    else:
        value = f"{low:g}–{high:g}"
    return value if shown_unit == "pH" else f"{value} {shown_unit}"


def _edition_id(standard: Standard) -> str | None:
    return None if standard.dated_edition is None else standard.dated_edition.id


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

    labels = load_labels(lang)
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
        print_json(rows)
        return
    columns = [
        Column(labels("cli_id"), "id"),
        Column(labels("cli_standard"), "text"),
        Column(labels("cli_status"), "text"),
        Column(labels("cli_uses"), "number"),
        Column(labels("cli_limits"), "number"),
        Column(labels("cli_unverified"), "number"),
        Column(labels("cli_successor"), "note"),
        Column(labels("cli_editions"), "note"),
    ]
    table = [
        [
            row["id"],
            row["code"],
            labels("cli_superseded" if row["superseded_by"] else "cli_in_force"),
            str(len(row["uses"])),
            str(row["limits"]),
            str(row["unverified_limits"]),
            row["superseded_by"] or "",
            ", ".join(f"{e['id']} ({e['effective']})" for e in row["editions"]),
        ]
        for row in rows
    ]
    echo(render(labels("cli_standards_title"), columns, table))


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

    labels = load_labels(lang)
    catalogue = load_catalogue()
    standard = find_standard(load_standards(standards_dir, catalogue), standard_id)
    treatments = load_treatments(catalogue)
    results = []
    for sample in _samples(sample_file, catalogue):
        verdict = evaluate(sample, standard, use_id, condition, edition, date.today())
        results.append((verdict, treatment_gap(verdict, catalogue, treatments)))
    if as_json:
        print_json([{**verdict.to_dict(), "gap": gap.to_dict()} for verdict, gap in results])
    else:
        _print_check_tables(results, standard, use_id, catalogue, labels)
    exit_on_failure(all(verdict.fitness is Fitness.FIT for verdict, _ in results), no_fail)


def _print_check_tables(
    results: list[tuple[UseVerdict, TreatmentGap]],
    standard: Standard,
    use_id: str,
    catalogue: Catalogue,
    labels: Labels,
) -> None:
    """One table per sample: each parameter's limit, value and verdict, then the gap."""
    from reclaim.quality.evaluate import Status

    lang = labels.lang
    use = standard.use(use_id)
    columns = [
        Column(labels("cli_parameter"), "text"),
        Column(labels("cli_limit"), "text"),
        Column(labels("cli_measured"), "id"),
        Column(labels("cli_verdict"), "text"),
        Column(labels("cli_ratio"), "number"),
        Column(labels("cli_clause"), "text"),
    ]
    for verdict, gap in results:
        title = labels(
            "cli_check_title",
            sample=verdict.sample_id,
            standard=standard.code,
            edition=f" ({verdict.edition})" if verdict.edition else "",
            use=use.name(lang),
            fitness=labels(verdict.fitness),
        )
        rows = [
            [
                catalogue.parameters[item.parameter].name(lang),
                _limit_words(item.limit, labels),
                _measured(
                    item.measurement, catalogue.parameters[item.parameter].canonical_unit, labels
                ),
                _status(labels, item.status, item.tentative),
                "" if item.ratio is None else f"{item.ratio:.2f}",
                "" if item.limit is None else item.limit.clause,
            ]
            for item in verdict.verdicts
            # in the JSON; in a table, 43 selective items not asked for are noise
            if item.status is not Status.NOT_REQUIRED
        ]
        lines = [render(title, columns, rows)]
        lines += _missing_lines(verdict.missing_items, catalogue, labels)
        lines += [f"  {_gap_line(step_item, catalogue, labels)}" for step_item in gap.items]
        echo("\n".join(lines))


def _limit_words(limit: Limit | None, labels: Labels) -> str:
    """A limit as the standard states it; "not detected" in words of the language."""
    from reclaim.quality.standards import LimitKind

    if limit is None:
        return labels("none")
    return labels("cli_not_detected") if limit.kind is LimitKind.NOT_DETECTED else limit.stated


def _missing_lines(
    missing: Mapping[str, tuple[str, ...]], catalogue: Catalogue, labels: Labels
) -> list[str]:
    """Tables the standard's data does not hold in full: the reason it cannot say fit."""
    return [
        "  "
        + labels(
            "cli_incomplete",
            table=table,
            names=labels("list_sep").join(
                catalogue.parameters[item].name(labels.lang) for item in items
            ),
        )
        for table, items in missing.items()
    ]


def _gap_line(item: GapItem, catalogue: Catalogue, labels: Labels) -> str:
    """One gap item as a sentence: action, parameter, size, step."""
    action = item.action
    if action.startswith("confirm or "):
        action = labels(
            "cli_act_confirm_or", action=labels(f"cli_act_{action.removeprefix('confirm or ')}")
        )
    else:
        action = labels(f"cli_act_{action}")
    size = f" ×{item.factor:.3g}" if item.factor else ""
    if item.log10_reduction:
        size += f" ({item.log10_reduction:.2f} log)"
    if item.removal_percent:
        size += f" ({item.removal_percent:.0f} %)"
    return labels(
        "cli_gap_line",
        action=action,
        parameter=catalogue.parameters[item.parameter].name(labels.lang),
        size=size,
        step=item.step.name(labels.lang),
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

    labels = load_labels(lang)
    catalogue = load_catalogue()
    loaded = load_standards(standards_dir, catalogue)
    chosen = _chosen_standards(loaded, standard_ids, current_only)
    treatments = load_treatments(catalogue)
    payload = []
    columns = [
        Column(labels("cli_use"), "id"),
        Column(labels("cli_use_name"), "text"),
        Column(labels("cli_fitness"), "text"),
        Column(labels("cli_why"), "note"),
        Column(labels("cli_steps"), "note"),
    ]
    for sample in _samples(sample_file, catalogue):
        matrix = fitness_matrix(sample, chosen, condition, edition, date.today())
        gaps = {
            (gap.standard_id, gap.use_id): gap
            for gap in cheapest_routes(matrix, catalogue, treatments)
        }
        payload.append({**matrix.to_dict(), "routes": [gap.to_dict() for gap in gaps.values()]})
        if as_json:
            continue
        rows: dict[str, list[list[str]]] = {}
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
                    catalogue.parameters[p.parameter].name(labels.lang)
                    for p in verdict.with_status(status)
                ]
                if names:
                    reasons.append(
                        labels(
                            "cli_reason",
                            status=_status(labels, status),
                            names=labels("list_sep").join(names),
                        )
                    )
            for table_id, items in verdict.missing_items.items():
                reasons.append(labels("cli_incomplete_count", table=table_id, n=len(items)))
            gap = gaps.get((verdict.standard_id, verdict.use_id))
            steps = (
                ""
                if gap is None
                else labels("list_sep").join(s.name(labels.lang) for s in gap.steps)
            )
            edition_note = f" ({verdict.edition})" if verdict.edition else ""
            rows.setdefault(f"{standard.id} — {standard.code}{edition_note}", []).append(
                [
                    verdict.use_id,
                    standard.use(verdict.use_id).name(labels.lang),
                    labels(verdict.fitness),
                    "\n".join(reasons),
                    steps,
                ]
            )
        title = labels(
            "cli_matrix_title",
            sample=sample.id,
            fit=len(matrix.fit_uses()),
            total=len(matrix.verdicts),
        )
        echo("\n\n".join([title, *(render(name, columns, group) for name, group in rows.items())]))
    if as_json:
        print_json(payload)


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

    if window and window_days:
        raise InputError("--window-days", window_days, "either --window or --window-days, not both")
    labels = load_labels(lang)
    catalogue = load_catalogue()
    standard = find_standard(load_standards(standards_dir, catalogue), standard_id)
    samples = load_samples(sample_file, catalogue)
    today = date.today()
    verdict = evaluate_series(samples, standard, use_id, condition, edition=edition, undated=today)
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
        print_json(
            {
                **verdict.to_dict(),
                "rolling": [{"end": end, "fitness": fit.value} for end, fit in rolling],
            }
        )
    else:
        _print_series_table(verdict, rolling, standard, use_id, catalogue, labels)
    exit_on_failure(verdict.fitness is Fitness.FIT, no_fail)


def _print_series_table(
    verdict: SeriesVerdict,
    rolling: list[tuple[str, Fitness]],
    standard: Standard,
    use_id: str,
    catalogue: Catalogue,
    labels: Labels,
) -> None:
    """The period verdict per parameter, then the rolling verdicts."""
    from reclaim.quality.evaluate import Status

    title = labels(
        "cli_series_title",
        standard=standard.code,
        use=standard.use(use_id).name(labels.lang),
        fitness=labels(verdict.fitness),
        rule=_rule_words(verdict.rule, catalogue, labels),
    )
    columns = [
        Column(labels("cli_parameter"), "text"),
        Column(labels("cli_limit"), "text"),
        Column(labels("cli_share"), "number"),
        Column(labels("cli_verdict"), "text"),
    ]
    rows = []
    for item in verdict.verdicts:
        label = _status(labels, item.status, item.tentative)
        if item.status is Status.UNVERIFIED_LIMIT and item.limit_verified:
            label = _status(labels, "unverified_rule", item.tentative)
        share = "—" if item.share_pass is None else f"{item.n_pass}/{item.n_measured}"
        rows.append(
            [
                catalogue.parameters[item.parameter].name(labels.lang),
                item.limit or "—",
                share,
                label,
            ]
        )
    lines = [render(title, columns, rows)]
    lines += [f"  {end}: {labels(fitness)}" for end, fitness in rolling]
    echo("\n".join(lines))


def _rule_words(rule: ComplianceRule, catalogue: Catalogue, labels: Labels) -> str:
    """A standard's period rule in words of the language, from its figures (the rule's own
    sentence in the standard file is in the language of the standard)."""
    if rule.min_share >= 1 and rule.max_deviation_ratio is None and not rule.log_parameters:
        return labels("cli_rule_every")
    parts = [labels("cli_rule_share", share=f"{rule.min_share * 100:g}")]
    if rule.max_deviation_log10 is not None and rule.log_parameters:
        names = [catalogue.parameters[p].name(labels.lang) for p in rule.log_parameters]
        log = f"{rule.max_deviation_log10:g}"
        parts.append(labels("cli_rule_log", log=log, parameters=labels("list_enum").join(names)))
    if rule.max_deviation_ratio is not None:
        percent = f"{(rule.max_deviation_ratio - 1) * 100:g}"
        parts.append(labels("cli_rule_ratio", percent=percent))
    if not rule.verified:
        parts.append(labels("cli_rule_unverified"))
    return labels("detail_sep").join(parts)


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

    labels = load_labels(lang)
    catalogue = load_catalogue()
    loaded = load_standards(standards_dir, catalogue)
    chosen = _chosen_standards(loaded, standard_ids, current_only)
    matrix = load_sample_matrix(sample_file, catalogue)
    result = evaluate_batch(matrix, chosen, condition, edition=edition, undated=date.today())
    if out is not None:
        write_fitness_csv(out, matrix, result)
    counts = result.counts()
    if as_json:
        print_json(
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
    columns = [
        Column(labels("cli_standard"), "id"),
        Column(labels("cli_use"), "id"),
        *(Column(labels(f), "number") for f in (Fitness.FIT, Fitness.UNDETERMINED, Fitness.UNFIT)),
        Column(labels("cli_most_failing"), "note"),
    ]
    rows = [
        [
            standard_id,
            use_id,
            *(
                str(counts[(standard_id, use_id)][f])
                for f in (Fitness.FIT, Fitness.UNDETERMINED, Fitness.UNFIT)
            ),
            _most_failing(result, (standard_id, use_id), catalogue, labels),
        ]
        for standard_id, use_id in result.uses
    ]
    echo(render(labels("cli_batch_title", n=matrix.size), columns, rows))


MOST_FAILING_SHOWN = 3
"""Parameters listed per use in the batch table (presentation choice)."""


def _most_failing(
    result: BatchFitness, use: tuple[str, str], catalogue: Catalogue, labels: Labels
) -> str:
    """The parameters failing most often for ``use``; '?' marks a limit not verified."""
    ranked = sorted(result.failures[use].items(), key=lambda item: -item[1])
    shown = []
    for parameter, count in ranked[:MOST_FAILING_SHOWN]:
        if count:
            mark = "?" if parameter in result.tentative[use] else ""
            shown.append(f"{catalogue.parameters[parameter].name(labels.lang)}{mark} {count}")
    return labels("list_sep").join(shown)
