"""The plan report is one renderer module per section, each small, none judging a figure."""

from __future__ import annotations

import re
from pathlib import Path

import reclaim.reports.plan as sections

SECTION_DIR = Path(sections.__file__).parent
MAX_LINES = 300


def test_every_section_module_is_under_300_lines() -> None:
    sizes = {path.name: len(path.read_text().splitlines()) for path in SECTION_DIR.glob("*.py")}
    assert len(sizes) >= 12
    assert {name: lines for name, lines in sizes.items() if lines >= MAX_LINES} == {}


def test_sections_render_verdicts_and_never_compare_rates_to_targets() -> None:
    # the targets are judged once in reclaim.planning.findings (meets_target, meets_national)
    comparison = re.compile(r"(rate|capped|target|national|balance|gap)\w*\s*[<>]=?\s*\w")
    for path in SECTION_DIR.glob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            assert not comparison.search(line), f"{path.name}:{number}: {line.strip()}"
