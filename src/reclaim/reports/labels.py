"""The words and number formats of a report in one language, read from data/reports/labels.yaml."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reclaim.errors import InputError
from reclaim.io.data_files import data_path, read_yaml
from reclaim.planning.rounding import round_half_up
from reclaim.units import Number

if TYPE_CHECKING:
    from reclaim.planning.scenario import Scenario

PERCENT = 100.0
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_SECTION = re.compile(r"§[\d.]+(\s*\(\d+\)|\s+\d+(?![\d.]))?")
"""A citation's section reference: §4.1.4, §4.1.4 (1), §4.1.4 2."""


def read_labels_file() -> dict[str, Any]:
    """The whole bilingual labels file."""
    data: dict[str, Any] = read_yaml(data_path("reports", "labels.yaml"))
    return data


def languages() -> list[str]:
    """Languages every label is given in."""
    return list(read_labels_file()["languages"])


class Labels:
    """Labels and number formatting of one language; `labels("key", name=value)` fills a label."""

    def __init__(self, lang: str, data: Mapping[str, Any]) -> None:
        if lang not in data["languages"]:
            raise InputError("--lang", lang, f"one of: {', '.join(data['languages'])}")
        self.lang = lang
        self._labels: Mapping[str, Mapping[str, str]] = data["labels"]
        self._decimals: Mapping[str, int] = data["formats"]["decimals"]
        self._separator: str = data["formats"]["thousands_separator"][lang]
        self.cjk_fonts: list[str] = list(data["chart"]["cjk_fonts"])
        self._engine_language: str = data["engine_language"]
        self._sections: Mapping[str, Mapping[str, str]] = data.get("settings", {})
        self._notes = [
            (re.compile(entry["pattern"]), entry[lang])
            for entry in data["audit_notes"]
            if lang in entry
        ]
        self._in_year: str = data["figure_in_year"][lang]
        self._in_total: str = data["figure_total"][lang]
        self._figures = [
            (_template_pattern(template), names[lang])
            for template, names in data["figure_names"].items()
        ]

    @classmethod
    def load(cls, lang: str) -> Labels:
        """The labels of `lang` from the shipped file; an unknown language is an input error."""
        return cls(lang, read_labels_file())

    def __call__(self, key: str, **values: object) -> str:
        """The label `key` in this language, with its `{placeholders}` filled from `values`."""
        text = self._labels[key][self.lang]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        """Whether a label exists (for names built from data, such as cost items)."""
        return key in self._labels

    def section_data(self, name: str) -> Mapping[str, str]:
        """Language-independent settings of one report part (`settings.<name>` in the file)."""
        return self._sections[name]

    def number(self, value: Number | None, kind: str) -> str:
        """`value` at the printed precision of `kind` (e.g. "m3_per_day" → 0.1), "—" for none."""
        if value is None:
            return self("none")
        digits = self._decimals[kind]
        rounded = round_half_up(float(value), digits)
        if rounded == 0:
            rounded = 0.0  # no "-0.00"
        return f"{rounded:,.{digits}f}".replace(",", self._separator)

    def percent(self, fraction: Number | None) -> str:
        """A fraction printed as a percentage at the plans' precision (0.5046 → "50.46%")."""
        if fraction is None:
            return self("none")
        return f"{self.number(fraction * PERCENT, 'percent')}%"

    def rate(self, fraction: Number | None) -> str:
        """A fraction as a bare percentage number for a column headed "%" (0.5046 → "50.46")."""
        return self.number(None if fraction is None else fraction * PERCENT, "percent")

    def engine_text(self, text: str) -> str:
        """A sentence of the planning engine (English) in this language, where a pattern of
        `audit_notes` matches it whole; otherwise as the engine wrote it."""
        for pattern, template in self._notes:
            match = pattern.fullmatch(text)
            if match:
                values = {
                    name: self(f"u_{value}") if self.has(f"u_{value}") else value
                    for name, value in match.groupdict().items()
                }
                return str(template).format(**values)
        return text

    def local(self, text: str | Mapping[Any, str]) -> str:
        """A text of the scenario or the engine in this language: a `{zh: …, en: …}` mapping
        gives this language's; an engine sentence goes through `engine_text`; a Chinese citation
        (`§5.3.2 投资估算表: …`) in an English report is cited by its section alone."""
        if isinstance(text, Mapping):
            return str(text.get(self.lang) or next(iter(text.values())))
        text = self.engine_text(text)
        if self.lang != "zh" and _CJK.search(text):
            section = _SECTION.match(text)
            return section.group(0).strip() if section else text
        return text

    def cited(self, entry: Mapping[str, Any]) -> str:
        """Where a reference value comes from, in this language: its `cited` text (as a report
        quotes it) when it has one, else its `source`."""
        return self.local(entry.get("cited") or entry["source"])

    def figure_name(self, key: str, scenario: Scenario) -> str:
        """The plan's own name of a computed figure (`2025.demand.by_use.road.m3_per_day` →
        "2025年道路浇洒最高日需水量"), from `figure_names`; an unknown key is shown as it is."""
        year, _, rest = key.partition(".")
        if not (year.isdigit() or year == "total"):
            year, rest = "", key
        for pattern, template in self._figures:
            match = pattern.fullmatch(rest)
            if match is None:
                continue
            values = {
                name: self._entity_name(scenario, name, value)
                for name, value in match.groupdict().items()
            }
            if None in values.values():
                continue
            name = template.format(**values)
            if year == "total":
                return self._in_total.format(name=name)
            return self._in_year.format(year=year, name=name) if year else name
        return key

    def _entity_name(self, scenario: Scenario, kind: str, value: str) -> str | None:
        """The scenario's name of the use, plant or station `value` (None: no such one)."""
        found: dict[str, Sequence[Any]] = {
            "use": scenario.uses,
            "plant": scenario.plants,
            "station": scenario.pump_stations,
        }
        if kind not in found:
            return value
        for item in found[kind]:
            if item.id == value:
                return self.name(item)
        return None

    def name(self, item: Any) -> str:
        """`item.name_zh` or `item.name_en`, whichever this language is (English when missing)."""
        return str(getattr(item, f"name_{self.lang}", None) or item.name_en)


def _template_pattern(template: str) -> re.Pattern[str]:
    """`demand.by_use.{use}.m3_per_day` as a pattern with a named group per placeholder."""
    parts = re.split(r"\{(\w+)\}", template)
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    return re.compile(pattern)
