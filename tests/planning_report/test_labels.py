"""The bilingual labels file and the printed precision of report figures."""

from __future__ import annotations

import re
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


def test_engine_notes_are_shown_in_chinese_with_their_figures() -> None:
    zh, en = Labels.load("zh"), Labels.load("en")
    note = "48 万 in 2018 growing 3.0%/yr gives 52.50 万, the plan uses 52"
    # English without 万 (issue 12: the en report is English throughout)
    assert en.engine_text(note) == (
        "48 × 10⁴ persons in 2018 growing 3.0%/yr gives 52.50 × 10⁴, the plan uses 52 × 10⁴"
    )
    assert en.engine_text("the same pipe is listed in two phases; counted twice in lengths") == (
        "the same pipe is listed in two phases; counted twice in lengths"
    )
    assert (
        zh.engine_text(note)
        == "2018年人口 48 万人按年增长 3.0% 推算为 52.50 万人，规划采用 52 万人"
    )
    slip = (
        "unit slip: the number is right but it is a 1e4_m3_per_year figure,"
        " printed as 1e4_m3_per_day"
    )
    assert zh.engine_text(slip) == "单位错误：数值正确，但应为 万m³/a，文本印作 万m³/d"
    # patterns match whole notes: with and without the unit-slip tail
    volume = "900 万 m³/d exceeds the 12 万 m³/d all plants can treat"
    assert zh.engine_text(volume) == "900 万m³/d 超过全部污水厂处理能力 12 万m³/d"
    assert zh.engine_text(
        volume + "; as 万 m³/yr it is 2.47 万 m³/d: unit slip (万 m³/a meant)"
    ) == (
        "900 万m³/d 超过全部污水厂处理能力 12 万m³/d；"
        "若为年量（万m³/a）则折合 2.47 万m³/d：单位错误（应为 万m³/a）"
    )
    assert zh.engine_text("a sentence no pattern knows") == "a sentence no pattern knows"


def test_every_audit_note_pattern_compiles_and_has_every_other_language() -> None:
    data = read_labels_file()
    others = [lang for lang in data["languages"] if lang != data["engine_language"]]
    for entry in data["audit_notes"]:
        compiled = re.compile(entry["pattern"])
        for lang in others:
            assert _placeholders(entry[lang]) <= set(compiled.groupindex), entry["pattern"]
        if data["engine_language"] in entry:  # an English rewording (no 万, no internal key)
            english = entry[data["engine_language"]]
            assert _placeholders(english) <= set(compiled.groupindex), entry["pattern"]
