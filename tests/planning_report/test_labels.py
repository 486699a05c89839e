"""The bilingual labels file and the printed precision of report figures."""

from __future__ import annotations

import string

import pytest

from reclaim.errors import InputError
from reclaim.reports.labels import Labels, languages, read_labels_file


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_label_has_every_language_with_the_same_placeholders() -> None:
    data = read_labels_file()
    langs = languages()
    assert langs == ["zh", "en"]
    for key, texts in data["labels"].items():
        assert sorted(texts) == sorted(langs), key
        assert all(str(texts[lang]).strip() for lang in langs), key
        assert len({frozenset(_placeholders(str(texts[lang]))) for lang in langs}) == 1, key


def test_unknown_language_names_the_option() -> None:
    with pytest.raises(InputError) as caught:
        Labels.load("fr")
    assert caught.value.field == "--lang" and caught.value.value == "fr"


def test_figures_round_half_up_at_the_printed_precision() -> None:
    zh, en = Labels.load("zh"), Labels.load("en")
    # m³/d to 0.1, 万 m³ to 0.01 (seed 001 §4.1.4); half-up as printed tables round
    assert zh.number(4576.05, "m3_per_day") == "4576.1"
    assert zh.number(2.125, "1e4_m3") == "2.13"
    assert zh.number(-1.3742972, "1e4_m3") == "-1.37"
    assert zh.number(-0.001, "1e4_m3") == "0.00"  # no negative zero
    assert en.number(50818.6, "m3_per_day") == "50,818.6"
    assert zh.number(50818.6, "m3_per_day") == "50818.6"
    assert zh.percent(0.50456) == "50.46%" and zh.rate(0.74331) == "74.33"
    assert zh.number(None, "km") == "—"
