"""Plant effluent fitness in the plan report: which uses each plant's design effluent may serve.

The planning result carries, per plant with an effluent profile, the quality module's fitness
matrix (`FitnessMatrix.to_dict()`: per standard and use the fitness and the parameters that
decide it); a plain `{plant: {use: "fit" | "unfit" | "undetermined"}}` is read as well.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reclaim.io.quality_files import load_catalogue
from reclaim.planning.scenario import Scenario
from reclaim.reports.document import Cell, Column, Row, Section, Tone
from reclaim.reports.labels import Labels


@dataclass(frozen=True)
class Verdict:
    """One plant's fitness for one use, with the parameters that decide it."""

    fitness: str
    failing: tuple[str, ...] = ()
    tentative: tuple[str, ...] = ()
    """Failing a limit whose value is not yet verified against the standard's text."""
    missing: tuple[str, ...] = ()
    inconclusive: tuple[str, ...] = ()
    names: tuple[tuple[str, str], ...] = ()
    """The use's name per language (lang, name), where the quality standard gives it."""

    @property
    def name_by_lang(self) -> dict[str, str]:
        return dict(self.names)


def _verdict(value: Any) -> Verdict:
    """A verdict given as text ("fit"), a boolean, or a mapping with its fitness and parameters
    (the quality module's `FitnessMatrix.to_dict()` use entries)."""
    if isinstance(value, bool):
        return Verdict("fit" if value else "unfit")
    if not isinstance(value, Mapping):
        return Verdict(str(value) if value is not None else "undetermined")
    fitness = value.get("fitness", value.get("verdict", value.get("status")))
    names = tuple(
        (key.removeprefix("use_name_"), str(text))
        for key, text in value.items()
        if key.startswith("use_name_") and text
    )

    def ids(key: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value.get(key, [])))  # a parameter once, in order

    return Verdict(
        _verdict(fitness).fitness,
        ids("failing"),
        ids("tentatively_failing"),
        ids("not_measured"),
        ids("inconclusive"),
        names,
    )


def _fitness_rows(
    raw: Any,
) -> tuple[list[str], dict[tuple[str, str], dict[str, Verdict]]]:
    """Plants, and per (standard code, use) each plant's verdict, from either
    `{plant: {use: verdict}}` or `{plant: {"uses": [{"code", "use", "fitness", …}, …]}}`."""
    if isinstance(raw, list):
        raw = {str(entry.get("plant")): entry for entry in raw if isinstance(entry, Mapping)}
    if not isinstance(raw, Mapping):
        return [], {}
    rows: dict[tuple[str, str], dict[str, Verdict]] = {}
    for plant, verdicts in raw.items():
        if isinstance(verdicts, Mapping) and isinstance(verdicts.get("uses"), list):
            entries = [
                ((str(e.get("code") or e.get("standard") or ""), str(e.get("use"))), e)
                for e in verdicts["uses"]
                if isinstance(e, Mapping)
            ]
        elif isinstance(verdicts, Mapping):
            entries = [(("", str(use)), verdict) for use, verdict in verdicts.items()]
        else:
            continue
        for key, verdict in entries:
            rows.setdefault(key, {})[str(plant)] = _verdict(verdict)
    return [str(plant) for plant in raw], rows


class EffluentFitness:
    """The fitness table and finding of one plan report."""

    def __init__(
        self,
        raw: Any,
        labels: Labels,
        scenario: Scenario,
        category: Callable[[str], str],
    ) -> None:
        self.raw = raw
        self.labels = labels
        self.scenario = scenario
        self.category = category
        self.catalogue = load_catalogue()

    def build(self, section: Section) -> None:
        """The fitness table; plants whose verdicts are all the same (one design effluent)
        share one verdict column and one note column."""
        u = self.labels
        plants, rows = self.rows()
        if not rows:
            return
        section.paragraph(u("fitness_text"))
        columns = [Column(u("col_reuse"), kind="text")]
        with_codes = any(code for code, _ in rows)
        if with_codes:
            columns.append(Column(u("col_standard"), kind="nowrap"))
        shared = len(plants) > 1 and all(
            len({verdicts.get(plant) for plant in plants}) == 1 for verdicts in rows.values()
        )
        shown = plants[:1] if shared else plants
        names = {plant.id: u.name(plant) for plant in self.scenario.plants}
        if shared:
            columns.append(Column(u("fitness_all_plants"), kind="nowrap"))
            columns.append(Column(u("col_note"), kind="text"))
        else:
            columns += [Column(names.get(plant, plant), kind="text") for plant in plants]
        table_rows = []
        for (code, use), verdicts in rows.items():
            cells = [Cell(self.use_name(use, verdicts))]
            if with_codes:
                cells.append(Cell(code))
            if shared:
                verdict = verdicts[plants[0]]
                cells += [
                    self.verdict_cell(verdict, with_details=False),
                    Cell(self.verdict_details(verdict)),
                ]
            else:
                cells += [self.verdict_cell(verdicts.get(plant)) for plant in shown]
            table_rows.append(Row(cells))
        notes = [u("fitness_shared", plants=u("list_sep").join(names.get(p, p) for p in plants))]
        section.table(u("t_fitness"), columns, table_rows, notes=notes if shared else [])

    def rows(self) -> tuple[list[str], dict[tuple[str, str], dict[str, Verdict]]]:
        """Plants and verdict rows: reuse standards (GB/T) first, other national ones (GB) next."""
        plants, rows = _fitness_rows(self.raw)
        settings = self.labels.section_data("fitness")
        prefixes = (settings["reuse_code_prefix"], settings["national_code_prefix"])

        def rank(code: str) -> int:
            return next((i for i, p in enumerate(prefixes) if code.startswith(p)), len(prefixes))

        return plants, dict(sorted(rows.items(), key=lambda item: rank(item[0][0])))

    def use_name(self, use: str, verdicts: Mapping[str, Verdict]) -> str:
        """The use's name as the quality standard gives it, else the plan's own use name."""
        for verdict in verdicts.values():
            if verdict.name_by_lang.get(self.labels.lang):
                return verdict.name_by_lang[self.labels.lang]
        if any(planned.id == use for planned in self.scenario.uses):
            return self.labels.name(self.scenario.use(use))
        return self.category(use)

    def parameter_names(self, ids: Sequence[str]) -> str:
        """Parameter ids as the quality catalogue names them in this language."""
        known = self.catalogue.parameters
        lang = self.labels.lang
        return self.labels("list_enum").join(known[i].name(lang) if i in known else i for i in ids)

    def verdict_cell(self, verdict: Verdict | None, with_details: bool = True) -> Cell:
        """Fit / unfit / undetermined, coloured; with the deciding parameters unless apart."""
        u = self.labels
        if verdict is None:
            return Cell(u("none"))
        word = u(verdict.fitness) if u.has(verdict.fitness) else verdict.fitness
        tone: Tone = None
        if verdict.fitness == "fit":
            tone = "good"
        elif verdict.fitness == "unfit":
            tone = "bad"
        details = self.verdict_details(verdict)
        if with_details and details:
            word = u("fitness_detail", verdict=word, details=details)
        return Cell(word, tone)

    def verdict_details(self, verdict: Verdict) -> str:
        """The parameters that fail, fail an unverified limit, are missing or inconclusive."""
        u = self.labels
        return u("detail_sep").join(
            u(key, params=self.parameter_names(ids))
            for key, ids in (
                ("fitness_failing", verdict.failing),
                ("fitness_tentative", verdict.tentative),
                ("fitness_missing", verdict.missing),
                ("fitness_inconclusive", verdict.inconclusive),
            )
            if ids
        )

    def finding(self) -> list[str]:
        """The reuse uses (GB/T standards) the design effluent is unfit for, with the cause."""
        u = self.labels
        plants, rows = self.rows()
        prefix = self.labels.section_data("fitness")["reuse_code_prefix"]
        unfit: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for (code, use), verdicts in rows.items():
            if not code.startswith(prefix):
                continue
            failing = {v.failing for v in verdicts.values() if v.fitness == "unfit"}
            if failing:
                causes = tuple(sorted({p for group in failing for p in group}))
                unfit.setdefault(code, []).append((self.use_name(use, verdicts), causes))
        if not unfit:
            return []
        parts = []
        for code, uses in unfit.items():
            causes = tuple(dict.fromkeys(p for _, group in uses for p in group))
            parts.append(
                u(
                    "finding_unfit_standard",
                    code=code,
                    uses=u("list_enum").join(name for name, _ in uses),
                    params=self.parameter_names(causes),
                )
            )
        return [u("finding_unfit", n=len(plants), uses=u("detail_sep").join(parts))]
