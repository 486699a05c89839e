"""Water-quality standards as data: uses, limits (with source, clause and verification), conditions.

A standard file lists limit rows; each row gives one parameter's requirement per use (or per
column of uses) with the clause and sources it comes from and whether the value was confirmed
against the text. `standard_from_dict` turns a parsed file into a `Standard` whose limits are
already in canonical units, so the engine never converts anything again.

A standard may have dated editions (an amendment, a transition date): each row says from which
edition it applies (``since``) and in which it no longer does (``until``); `Standard.at_edition` and
`Standard.in_force_on` give the view of one edition. A standard lists the items of its tables
(``tables``); a table missing an item makes the standard incomplete, and an incomplete standard
never says "fit".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from reclaim.errors import InputError
from reclaim.quality.catalogue import Catalogue


class LimitKind(StrEnum):
    """How a limit constrains a measurement."""

    MAX = "max"
    MIN = "min"
    RANGE = "range"
    NOT_DETECTED = "not_detected"
    QUALITATIVE = "qualitative"


@dataclass(frozen=True)
class Limit:
    """One requirement on one parameter for one use, in the parameter's canonical unit."""

    parameter: str
    kind: LimitKind
    lower: float | None
    upper: float | None
    stated: str
    clause: str
    sources: tuple[str, ...]
    verified: bool
    note: str | None = None
    table: str | None = None

    def is_at_least_as_strict_as(self, other: Limit) -> bool:
        """True when every measurement passing ``self`` also passes ``other`` (same parameter)."""
        if self.kind != other.kind:
            return False
        lower_ok = other.lower is None or (self.lower is not None and self.lower >= other.lower)
        upper_ok = other.upper is None or (self.upper is not None and self.upper <= other.upper)
        return lower_ok and upper_ok


@dataclass(frozen=True)
class Condition:
    """A circumstance that switches a limit to its conditional value (e.g. water ≤ 12 °C).

    A condition with a ``parameter`` is established by the sample itself (active when the measured
    value is within ``at_most``/``at_least``); otherwise only the caller can assert it.
    """

    id: str
    name_zh: str
    name_en: str
    parameter: str | None = None
    at_most: float | None = None
    at_least: float | None = None


@dataclass(frozen=True)
class LimitRule:
    """A limit that may change under a condition: ``base`` normally, ``conditional`` when active."""

    parameter: str
    base: Limit | None
    condition: str | None = None
    conditional: Limit | None = None

    def resolve(self, condition_active: bool) -> Limit | None:
        """The limit that applies; None means no requirement in that circumstance."""
        if self.condition is not None and condition_active:
            return self.conditional
        return self.base

    def limits(self) -> tuple[Limit, ...]:
        """Every limit this rule may apply."""
        return tuple(limit for limit in (self.base, self.conditional) if limit is not None)


@dataclass(frozen=True)
class ComplianceRule:
    """How a series of samples over a period is judged against a use's limits.

    ``min_share`` of the measured samples must pass each limit; no sample may exceed the limit by
    more than ``max_deviation_ratio`` (value ÷ limit), or, for ``log_parameters`` (organism counts),
    by more than ``max_deviation_log10`` log units. A standard without a period rule gets
    `EVERY_SAMPLE`.
    """

    min_share: float
    max_deviation_ratio: float | None
    max_deviation_log10: float | None
    log_parameters: tuple[str, ...]
    stated: str
    clause: str
    sources: tuple[str, ...]
    verified: bool


EVERY_SAMPLE = ComplianceRule(
    min_share=1.0,
    max_deviation_ratio=None,
    max_deviation_log10=None,
    log_parameters=(),
    stated="no period rule in the standard: every sample must comply",
    clause="",
    sources=(),
    verified=True,
)


@dataclass(frozen=True)
class UseClass:
    """One use (or class of water) of a standard with the limit rules it must meet."""

    id: str
    name_zh: str
    name_en: str
    rules: tuple[LimitRule, ...]
    note: str | None = None

    def name(self, lang: str) -> str:
        """Display name in ``"zh"`` or ``"en"``."""
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Edition:
    """A dated state of a standard's text: the original, an amendment, a transition date."""

    id: str
    effective: date
    name_zh: str
    name_en: str
    sources: tuple[str, ...]

    def name(self, lang: str) -> str:
        """Display name in ``"zh"`` or ``"en"``."""
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Table:
    """A table of the standard and the parameters of its items, in the order the text lists them."""

    id: str
    name: str
    items: tuple[str, ...]
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class Standard:
    """A standard (in one edition): its uses, conditions, sources and period compliance rule.

    ``edition`` is the year in the code; ``uses`` and ``missing_items`` are those of
    ``dated_edition`` (the latest one unless chosen with
    `at_edition` or `in_force_on`); ``missing_items`` maps each table to the items it lists that
    no row of this edition holds.
    """

    id: str
    code: str
    title_zh: str
    title_en: str
    edition: int
    status: str
    binding: str
    uses: Mapping[str, UseClass]
    conditions: Mapping[str, Condition]
    sources: Mapping[str, str]
    compliance: ComplianceRule | None = None
    superseded_by: str | None = None
    origin: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    tables: tuple[Table, ...] = ()
    editions: tuple[Edition, ...] = ()
    dated_edition: Edition | None = None
    missing_items: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    uses_by_edition: Mapping[str, Mapping[str, UseClass]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when every item of every table in force has a row: only then may a use be fit."""
        return not any(self.missing_items.values())

    def at_edition(self, edition_id: object) -> Standard:
        """The view of edition ``edition_id``; unknown is an `InputError` listing the editions."""
        for edition in self.editions:
            if edition.id == edition_id:
                uses = self.uses_by_edition[edition.id]
                return replace(
                    self,
                    uses=uses,
                    dated_edition=edition,
                    missing_items=_missing_items(self.tables, self.editions, edition, uses),
                )
        allowed = ", ".join(edition.id for edition in self.editions) or "none: no dated editions"
        raise InputError("edition", edition_id, f"an edition of {self.code} ({allowed})")

    def edition_on(self, day: date) -> Edition | None:
        """The edition in force on ``day`` (None if the standard has no editions or none yet)."""
        in_force = [edition for edition in self.editions if edition.effective <= day]
        return in_force[-1] if in_force else None

    def in_force_on(self, day: date) -> Standard:
        """The view of the edition in force on ``day``; before the first, an `InputError`."""
        if not self.editions:
            return self
        edition = self.edition_on(day)
        if edition is None:
            first = self.editions[0]
            raise InputError(
                "date",
                day.isoformat(),
                f"a date on or after {first.effective.isoformat()}, when {self.code} took effect",
            )
        return self if edition == self.dated_edition else self.at_edition(edition.id)

    def use(self, use_id: object) -> UseClass:
        """The use called ``use_id``; unknown is an `InputError` listing the uses."""
        if not isinstance(use_id, str) or use_id not in self.uses:
            raise InputError("use", use_id, f"a use of {self.code} ({', '.join(self.uses)})")
        return self.uses[use_id]

    def limit_counts(self) -> tuple[int, int]:
        """(number of limits, number of them not verified against the standard's text)."""
        limits = [
            limit for use in self.uses.values() for rule in use.rules for limit in rule.limits()
        ]
        return len(limits), sum(not limit.verified for limit in limits)

    def title(self, lang: str) -> str:
        """Title in ``"zh"`` or ``"en"`` (falls back to the other language)."""
        return (
            (self.title_zh or self.title_en) if lang == "zh" else (self.title_en or self.title_zh)
        )


def find_standard(standards: Mapping[str, Standard], standard_id: object) -> Standard:
    """The standard called ``standard_id`` (id or code); unknown is an `InputError`."""
    if isinstance(standard_id, str):
        if standard_id in standards:
            return standards[standard_id]
        for standard in standards.values():
            if standard.code.replace(" ", "").lower() == standard_id.replace(" ", "").lower():
                return standard
    raise InputError("standard", standard_id, f"a loaded standard ({', '.join(standards)})")


def latest_editions(standards: Mapping[str, Standard]) -> list[Standard]:
    """Standards whose successor edition is not loaded (GB/T 19923-2005 stays: 2024 has no data)."""
    return [standard for standard in standards.values() if standard.superseded_by not in standards]


_KIND_WORDS = {LimitKind.MAX: "≤", LimitKind.MIN: "≥"}


def standard_from_dict(raw: Mapping[str, Any], catalogue: Catalogue, origin: str) -> Standard:
    """Build a `Standard` from a parsed standard file; every malformed entry is an `InputError`.

    The result is the view of the latest edition; the others are reached with `at_edition`.
    """
    raw = _mapping(raw, origin)
    for key in ("id", "code", "uses", "limits"):
        if key not in raw:
            raise InputError(f"{origin}:{key}", None, "a required key of a standard file")
    sources = {
        str(key): _source_text(value)
        for key, value in _mapping(raw.get("sources", {}), f"{origin}:sources").items()
    }
    editions = _editions(raw.get("editions", []), sources, f"{origin}:editions")
    edition_ids = [edition.id for edition in editions]
    tables = _tables(raw.get("tables", []), catalogue, edition_ids, f"{origin}:tables")
    conditions = {
        condition.id: condition
        for condition in (
            _condition(spec, catalogue, f"{origin}:conditions[{index}]")
            for index, spec in enumerate(
                _sequence(raw.get("conditions", []), f"{origin}:conditions")
            )
        )
    }
    use_specs = _sequence(raw["uses"], f"{origin}:uses")
    columns: dict[str, str] = {}
    for index, spec in enumerate(use_specs):
        spec = _mapping(spec, f"{origin}:uses[{index}]")
        if not isinstance(spec.get("id"), str):
            raise InputError(f"{origin}:uses[{index}].id", spec.get("id"), "a use id (text)")
        columns[spec["id"]] = str(spec.get("column", spec["id"]))
    stages: list[str | None] = list(edition_ids) or [None]
    rules: dict[str | None, dict[str, list[LimitRule]]] = {
        stage: {use_id: [] for use_id in columns} for stage in stages
    }
    table_ids = [table.id for table in tables]
    for index, row in enumerate(_sequence(raw["limits"], f"{origin}:limits")):
        where = f"{origin}:limits[{index}]"
        row = _mapping(row, where)
        table = _row_table(row.get("table"), table_ids, f"{where}.table")
        since, until = (
            _edition_ref(row.get(key), edition_ids, f"{where}.{key}") for key in ("since", "until")
        )
        row_rules = _rules_of_row(row, columns, catalogue, conditions, sources, table, where)
        conditional_until = _edition_ref(
            (row.get("conditional") or {}).get("until"), edition_ids, f"{where}.conditional.until"
        )
        for stage in stages:
            if not _in_force(stage, since, until, edition_ids):
                continue
            drop_conditional = conditional_until is not None and not _in_force(
                stage, None, conditional_until, edition_ids
            )
            for use_id, rule in row_rules.items():
                if drop_conditional and rule.condition is not None:
                    if rule.base is None:
                        continue
                    rule = LimitRule(rule.parameter, rule.base)
                rules[stage][use_id].append(rule)
    uses_by_stage: dict[str | None, dict[str, UseClass]] = {}
    for stage in stages:
        uses: dict[str, UseClass] = {}
        for index, spec in enumerate(use_specs):
            use_id = spec["id"]
            if not rules[stage][use_id] and spec.get("inherits") is None:
                raise InputError(f"{origin}:uses[{index}]", use_id, "a use with at least one limit")
            uses[use_id] = UseClass(
                id=use_id,
                name_zh=str(spec.get("name_zh", use_id)),
                name_en=str(spec.get("name_en", spec.get("name_zh", use_id))),
                rules=tuple(rules[stage][use_id]),
                note=spec.get("note"),
            )
        uses_by_stage[stage] = uses
    latest = editions[-1] if editions else None
    uses = uses_by_stage[stages[-1]]
    compliance = raw.get("compliance")
    return Standard(
        id=str(raw["id"]),
        code=str(raw["code"]),
        title_zh=str(raw.get("title_zh", "")),
        title_en=str(raw.get("title_en", "")),
        edition=int(raw.get("edition", 0)),
        status=str(raw.get("status", "current")),
        binding=str(raw.get("binding", "")),
        uses=uses,
        conditions=conditions,
        sources=sources,
        compliance=None if compliance is None else _compliance(compliance, f"{origin}:compliance"),
        superseded_by=raw.get("superseded_by"),
        origin=origin,
        notes=tuple(str(note) for note in raw.get("notes", []) or []),
        tables=tables,
        editions=editions,
        dated_edition=latest,
        missing_items=_missing_items(tables, editions, latest, uses),
        uses_by_edition={
            str(stage): stage_uses for stage, stage_uses in uses_by_stage.items() if stage
        },
    )


def _editions(spec: object, sources: Mapping[str, str], where: str) -> tuple[Edition, ...]:
    """The dated editions of a standard file, checked to be in order of their dates."""
    editions: list[Edition] = []
    for index, entry in enumerate(_sequence(spec, where)):
        entry = _mapping(entry, f"{where}[{index}]")
        if not isinstance(entry.get("id"), str):
            raise InputError(f"{where}[{index}].id", entry.get("id"), "an edition id (text)")
        effective = _date(entry.get("effective"), f"{where}[{index}].effective")
        if editions and effective <= editions[-1].effective:
            raise InputError(
                f"{where}[{index}].effective",
                effective.isoformat(),
                f"a date after {editions[-1].effective.isoformat()} (editions in date order)",
            )
        edition_sources = tuple(str(source) for source in entry.get("sources", []) or [])
        for source in edition_sources:
            if source not in sources:
                raise InputError(f"{where}[{index}].sources", source, "a source id of this file")
        editions.append(
            Edition(
                id=entry["id"],
                effective=effective,
                name_zh=str(entry.get("name_zh", entry["id"])),
                name_en=str(entry.get("name_en", entry["id"])),
                sources=edition_sources,
            )
        )
    return tuple(editions)


def _tables(
    spec: object, catalogue: Catalogue, edition_ids: Sequence[str], where: str
) -> tuple[Table, ...]:
    """The tables a standard file declares, each with the parameters of all its items."""
    tables = []
    for index, entry in enumerate(_sequence(spec, where)):
        here = f"{where}[{index}]"
        entry = _mapping(entry, here)
        if not isinstance(entry.get("id"), str):
            raise InputError(f"{here}.id", entry.get("id"), "a table id (text)")
        items = tuple(
            catalogue.parameter(item, f"{here}.items").id
            for item in _sequence(entry.get("items"), f"{here}.items")
        )
        if not items or len(set(items)) != len(items):
            raise InputError(f"{here}.items", list(items), "each item of the table once")
        tables.append(
            Table(
                id=entry["id"],
                name=str(entry.get("name", entry["id"])),
                items=items,
                since=_edition_ref(entry.get("since"), edition_ids, f"{here}.since"),
                until=_edition_ref(entry.get("until"), edition_ids, f"{here}.until"),
            )
        )
    return tuple(tables)


def _row_table(value: object, table_ids: Sequence[str], where: str) -> str | None:
    """The table a limit row belongs to: named, or the only table the file declares."""
    if value is None:
        if len(table_ids) > 1:
            raise InputError(where, None, f"the table of this row ({', '.join(table_ids)})")
        return table_ids[0] if table_ids else None
    if value not in table_ids:
        allowed = ", ".join(table_ids) or "none declared under tables"
        raise InputError(where, value, f"a table of this file ({allowed})")
    return str(value)


def _edition_ref(value: object, edition_ids: Sequence[str], where: str) -> str | None:
    if value is None:
        return None
    if value not in edition_ids:
        allowed = ", ".join(edition_ids) or "none declared under editions"
        raise InputError(where, value, f"an edition of this file ({allowed})")
    return str(value)


def _in_force(
    stage: str | None, since: str | None, until: str | None, edition_ids: Sequence[str]
) -> bool:
    """True when a row applying from ``since`` until (before) ``until`` applies in ``stage``."""
    if stage is None:
        return True
    position = edition_ids.index(stage)
    if since is not None and position < edition_ids.index(since):
        return False
    return until is None or position < edition_ids.index(until)


def _missing_items(
    tables: Sequence[Table],
    editions: Sequence[Edition],
    edition: Edition | None,
    uses: Mapping[str, UseClass],
) -> dict[str, tuple[str, ...]]:
    """Per table in force, the items that no limit of ``uses`` holds."""
    edition_ids = [entry.id for entry in editions]
    stage = None if edition is None else edition.id
    held: dict[str | None, set[str]] = {}
    for use in uses.values():
        for rule in use.rules:
            for limit in rule.limits():
                held.setdefault(limit.table, set()).add(limit.parameter)
    return {
        table.id: tuple(item for item in table.items if item not in held.get(table.id, set()))
        for table in tables
        if _in_force(stage, table.since, table.until, edition_ids)
    }


def sample_day(taken: str | None, sample_id: str) -> date | None:
    """The date of a sample (``YYYY-MM-DD``, a time after it ignored); a bad date is an error."""
    if taken is None:
        return None
    try:
        return date.fromisoformat(taken.strip()[:10])
    except ValueError:
        raise InputError(f"samples.{sample_id}.date", taken, "an ISO date YYYY-MM-DD") from None


def edition_for(
    standard: Standard, taken: date | None, edition: str | None, undated: date | None
) -> Standard:
    """The view of ``standard`` that judges a sample: an explicit ``edition`` (when the standard
    has it), else the one in force on the sample's date, else on ``undated``, else the latest."""
    if not standard.editions:
        return standard
    if edition is not None and any(entry.id == edition for entry in standard.editions):
        return standard.at_edition(edition)
    day = taken or undated
    return standard if day is None else standard.in_force_on(day)


def inheritance_of(raw: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Uses of a parsed standard file inheriting another's use: {use: (standard, use)}."""
    found = {}
    for spec in raw.get("uses", []) or []:
        inherits = spec.get("inherits") if isinstance(spec, Mapping) else None
        if isinstance(inherits, Mapping):
            found[str(spec.get("id"))] = (str(inherits.get("standard")), str(inherits.get("use")))
    return found


def apply_inheritance(
    standard: Standard, inherits: Mapping[str, tuple[str, str]], standards: Mapping[str, Standard]
) -> Standard:
    """Give each inheriting use the base use's rules, tightened by its own rows.

    An own row replaces the base rule for the same parameter and kind and must be at least as
    strict (a site or contract limit only tightens); a row of a new parameter or kind is added.
    """
    uses = dict(standard.uses)
    for use_id, (base_standard_id, base_use_id) in inherits.items():
        where = f"{standard.origin}:uses.{use_id}.inherits"
        base_use = find_standard(standards, base_standard_id).uses.get(base_use_id)
        if base_use is None:
            raise InputError(where, base_use_id, f"a use of {base_standard_id}")
        own = uses[use_id]
        merged = list(base_use.rules)
        for rule in own.rules:
            replaced = False
            for position, base_rule in enumerate(merged):
                if (
                    base_rule.parameter != rule.parameter
                    or base_rule.base is None
                    or rule.base is None
                ):
                    continue
                if base_rule.base.kind != rule.base.kind:
                    continue
                if not rule.base.is_at_least_as_strict_as(base_rule.base):
                    raise InputError(
                        f"{standard.origin}:limits.{rule.parameter}",
                        rule.base.stated,
                        f"a limit at least as strict as {base_rule.base.stated} inherited from "
                        f"{base_standard_id}/{base_use_id}",
                    )
                merged[position] = rule
                replaced = True
            if not replaced:
                merged.append(rule)
        uses[use_id] = replace(own, rules=tuple(merged))
    return replace(standard, uses=uses)


def _rules_of_row(
    row: Mapping[str, Any],
    columns: Mapping[str, str],
    catalogue: Catalogue,
    conditions: Mapping[str, Condition],
    sources: Mapping[str, str],
    table: str | None,
    where: str,
) -> dict[str, LimitRule]:
    parameter = catalogue.parameter(row.get("parameter"), f"{where}.parameter").id
    try:
        kind = LimitKind(str(row.get("kind")))
    except ValueError:
        raise InputError(
            f"{where}.kind", row.get("kind"), f"one of {', '.join(LimitKind)}"
        ) from None
    unit = row.get("unit")
    numeric = kind in (LimitKind.MAX, LimitKind.MIN, LimitKind.RANGE)
    factor = catalogue.conversion_factor(parameter, unit, f"{where}.unit") if numeric else 1.0
    row_sources = tuple(str(source) for source in row.get("sources", []) or [])
    for source in row_sources:
        if source not in sources:
            raise InputError(
                f"{where}.sources", source, f"a source id of this file ({', '.join(sources)})"
            )
    if not row_sources:
        raise InputError(f"{where}.sources", None, "at least one source id")
    if not isinstance(row.get("clause"), str):
        raise InputError(f"{where}.clause", row.get("clause"), "the clause or table item (text)")
    verified = row.get("verified")
    if not isinstance(verified, bool):
        raise InputError(f"{where}.verified", verified, "true or false")
    context = _RowContext(
        parameter, kind, str(unit or ""), factor, row["clause"], row_sources, verified, table
    )
    base = _limits_by_use(row.get("values"), columns, context, f"{where}.values")
    conditional_spec = row.get("conditional")
    condition_id = None
    conditional: dict[str, Limit | None] = {}
    if conditional_spec is not None:
        conditional_spec = _mapping(conditional_spec, f"{where}.conditional")
        condition_id = conditional_spec.get("condition")
        if condition_id not in conditions:
            raise InputError(
                f"{where}.conditional.condition",
                condition_id,
                f"a condition of this file ({', '.join(conditions)})",
            )
        conditional_verified = conditional_spec.get("verified", verified)
        conditional = _limits_by_use(
            conditional_spec.get("values"),
            columns,
            replace(
                context, verified=bool(conditional_verified), note=conditional_spec.get("note")
            ),
            f"{where}.conditional.values",
        )
    rules = {}
    for use_id in columns:
        base_limit = base.get(use_id)
        conditional_limit = conditional.get(use_id)
        if base_limit is None and conditional_limit is None:
            continue
        rules[use_id] = LimitRule(
            parameter=parameter,
            base=base_limit,
            condition=condition_id if use_id in conditional else None,
            conditional=conditional_limit,
        )
    return rules


@dataclass(frozen=True)
class _RowContext:
    parameter: str
    kind: LimitKind
    unit: str
    factor: float
    clause: str
    sources: tuple[str, ...]
    verified: bool
    table: str | None
    note: str | None = None


def _limits_by_use(
    values: object, columns: Mapping[str, str], context: _RowContext, where: str
) -> dict[str, Limit | None]:
    values = _mapping(values, where)
    known = set(columns) | set(columns.values())
    for key in values:
        if key not in known:
            raise InputError(
                f"{where}.{key}", key, f"a use or column of this file ({', '.join(sorted(known))})"
            )
    limits: dict[str, Limit | None] = {}
    for use_id, column in columns.items():
        if use_id in values:
            limits[use_id] = _limit(values[use_id], context, f"{where}.{use_id}")
        elif column in values:
            limits[use_id] = _limit(values[column], context, f"{where}.{column}")
    return limits


def _limit(spec: object, context: _RowContext, where: str) -> Limit | None:
    verified = context.verified
    note = context.note
    if isinstance(spec, Mapping):
        if "value" not in spec:
            raise InputError(
                where, spec, "a value, or a mapping with 'value' (and 'verified', 'note')"
            )
        verified = bool(spec.get("verified", verified))
        note = str(spec["note"]) if spec.get("note") is not None else note
        spec = spec["value"]
    if spec is None:
        return None
    kind = context.kind
    lower = upper = None
    unit = f" {context.unit}" if context.unit and context.unit != "pH" else ""
    if kind in (LimitKind.MAX, LimitKind.MIN):
        number = _number(spec, where)
        if kind is LimitKind.MAX:
            upper = number * context.factor
        else:
            lower = number * context.factor
        stated = f"{_KIND_WORDS[kind]} {spec:g}{unit}"
    elif kind is LimitKind.RANGE:
        if not isinstance(spec, Sequence) or isinstance(spec, str) or len(spec) != 2:
            raise InputError(where, spec, "a range [lowest, highest]")
        low, high = (_number(bound, where) for bound in spec)
        if low > high:
            raise InputError(where, spec, "a range whose lowest bound is not above its highest")
        lower, upper = low * context.factor, high * context.factor
        stated = f"{low:g}–{high:g}{unit}"
    elif kind is LimitKind.NOT_DETECTED:
        if spec is not True:
            raise InputError(where, spec, "true (must not be detected) or null (no requirement)")
        stated = "not detected"
    else:
        if not isinstance(spec, str):
            raise InputError(where, spec, "the requirement as text")
        stated = spec
    return Limit(
        parameter=context.parameter,
        kind=kind,
        lower=lower,
        upper=upper,
        stated=stated,
        clause=context.clause,
        sources=context.sources,
        verified=verified,
        note=note,
        table=context.table,
    )


def _condition(spec: object, catalogue: Catalogue, where: str) -> Condition:
    spec = _mapping(spec, where)
    if not isinstance(spec.get("id"), str):
        raise InputError(f"{where}.id", spec.get("id"), "a condition id (text)")
    parameter = spec.get("parameter")
    at_most = at_least = None
    if parameter is not None:
        factor = catalogue.conversion_factor(parameter, spec.get("unit"), f"{where}.unit")
        if spec.get("at_most") is not None:
            at_most = _number(spec["at_most"], f"{where}.at_most") * factor
        if spec.get("at_least") is not None:
            at_least = _number(spec["at_least"], f"{where}.at_least") * factor
        if at_most is None and at_least is None:
            raise InputError(where, spec, "at_most or at_least for a measured condition")
    return Condition(
        id=spec["id"],
        name_zh=str(spec.get("name_zh", spec["id"])),
        name_en=str(spec.get("name_en", spec["id"])),
        parameter=parameter,
        at_most=at_most,
        at_least=at_least,
    )


def _compliance(spec: object, where: str) -> ComplianceRule:
    spec = _mapping(spec, where)
    share = _number(spec.get("min_share"), f"{where}.min_share")
    if not 0 < share <= 1:
        raise InputError(f"{where}.min_share", share, "a share in (0, 1]")
    ratio = spec.get("max_deviation_ratio")
    log10 = spec.get("max_deviation_log10")
    return ComplianceRule(
        min_share=share,
        max_deviation_ratio=None
        if ratio is None
        else _number(ratio, f"{where}.max_deviation_ratio"),
        max_deviation_log10=None
        if log10 is None
        else _number(log10, f"{where}.max_deviation_log10"),
        log_parameters=tuple(str(parameter) for parameter in spec.get("log_parameters", []) or []),
        stated=str(spec.get("stated", "")),
        clause=str(spec.get("clause", "")),
        sources=tuple(str(source) for source in spec.get("sources", []) or []),
        verified=bool(spec.get("verified", False)),
    )


def _source_text(value: object) -> str:
    if isinstance(value, Mapping):
        return "; ".join(str(value[key]) for key in ("ref", "type", "note") if value.get(key))
    return str(value)


def _date(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(field, value, "an ISO date YYYY-MM-DD") from None


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(field, value, "a number")
    return float(value)


def _mapping(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(field, value, "a mapping")
    return value


def _sequence(value: object, field: str) -> Sequence[Any]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InputError(field, value, "a list")
    return value


def all_parameters(standards: Iterable[Standard]) -> tuple[str, ...]:
    """Every parameter limited by any use of ``standards`` (sorted): the columns of a matrix."""
    return tuple(
        sorted(
            {
                rule.parameter
                for standard in standards
                for use in standard.uses.values()
                for rule in use.rules
            }
        )
    )
