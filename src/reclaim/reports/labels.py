"""The words and number formats of a report in one language, read from data/reports/labels.yaml."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reclaim.errors import InputError
from reclaim.io.data_files import data_path, read_yaml
from reclaim.planning.rounding import round_half_up
from reclaim.units import Number

PERCENT = 100.0


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
        if self.lang == self._engine_language:
            return text
        for pattern, template in self._notes:
            match = pattern.fullmatch(text)
            if match:
                values = {
                    name: self(f"u_{value}") if self.has(f"u_{value}") else value
                    for name, value in match.groupdict().items()
                }
                return str(template).format(**values)
        return text

    def name(self, item: Any) -> str:
        """`item.name_zh` or `item.name_en`, whichever this language is (English when missing)."""
        return str(getattr(item, f"name_{self.lang}", None) or item.name_en)
