"""Every `reclaim …` command in README.md's code blocks runs, on the shipped example files, in an
80-column terminal, with the exit code the README gives it: 0, or the `# exit N` its comment
starts with.

The README is run as a newcomer would type it, with liberties that keep this test short
and self-contained: optional parts in `[brackets]` are left out; sample counts above
`MOST_SAMPLES` are cut to it; the database placeholders (`URL`, `EMPTY_URL`) name SQLite files
in a temporary folder, created by the README's own `reclaim db upgrade --db URL` before the
commands that read them, and the ledger head the README saves with curl is the empty ledger's.
Commands that cannot finish here are listed in `NOT_RUN`, each with its reason. Other checks of
the output (e.g. lines cut mid-id) take `readme_runs` and read each `CommandRun`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.market.chain import GENESIS_HASH

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
COLUMNS = "80"
MOST_SAMPLES = 2_000
"""`plan sensitivity -n 1000000` runs with this many samples (the figures' form is the same)."""
NOT_RUN = {"serve": "starts the exchange service, which runs until it is stopped"}
"""Words that mark a command not run here → why."""
SAVED_HEAD = "head-2026-12-02.json"
"""The head the README's curl line saves; here the head of the new, empty ledger (entry 0 with
the chain's genesis hash), written before the commands run."""


@dataclass(frozen=True)
class ReadmeCommand:
    """One command line of README.md: what is typed, and the exit status the README gives."""

    line: int
    text: str
    expected_exit: int

    @property
    def args(self) -> list[str]:
        """The words after `reclaim`, optional parts and placeholders resolved."""
        words = shlex.split(re.sub(r"\[[^\]]*\]", " ", self.text))[1:]
        for index, word in enumerate(words[:-1]):
            if word in ("-n", "--samples") and int(words[index + 1]) > MOST_SAMPLES:
                words[index + 1] = str(MOST_SAMPLES)
        return words

    @property
    def runs_here(self) -> bool:
        return not any(word in NOT_RUN for word in shlex.split(self.text))


@dataclass(frozen=True)
class CommandRun:
    """What one README command printed, and its exit status."""

    command: ReadmeCommand
    exit_code: int
    stdout: str
    stderr: str


def readme_commands() -> list[ReadmeCommand]:
    """Every `reclaim …` line of the README's code blocks (indented or fenced), in order."""
    found = []
    fenced = False
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        in_code = fenced or line.startswith("    ")
        text, _, comment = line.strip().partition("  #")
        if not in_code or not text.startswith("reclaim "):
            continue
        expected = re.match(r"\s*exit (\d)\b", comment)
        found.append(ReadmeCommand(number, text.strip(), int(expected[1]) if expected else 0))
    return found


def run_readme_command(command: ReadmeCommand, folder: Path) -> CommandRun:
    """Run one command in-process from `folder` (where `examples/` is the repository's), with
    COLUMNS=80 and the database placeholders pointing into `folder`."""
    urls = {
        "URL": f"sqlite:///{folder / 'exchange.db'}",
        "EMPTY_URL": f"sqlite:///{folder / 'restored.db'}",
    }
    args = [urls.get(word, word) for word in command.args]
    here = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(app, args, env={"COLUMNS": COLUMNS, "LINES": "50"})
    finally:
        os.chdir(here)
    return CommandRun(command, result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def readme_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, CommandRun]:
    """Every README command that runs here, in the README's order, by its line number."""
    folder = tmp_path_factory.mktemp("readme")
    (folder / "examples").symlink_to(ROOT / "examples")
    head = {"last_seq": 0, "last_hash": GENESIS_HASH}
    (folder / SAVED_HEAD).write_text(json.dumps(head), encoding="utf-8")
    return {
        command.line: run_readme_command(command, folder)
        for command in readme_commands()
        if command.runs_here
    }


COMMANDS = readme_commands()


def test_the_readme_documents_commands_of_every_group() -> None:
    groups = {command.args[0] for command in COMMANDS}
    assert {"plan", "quality", "network", "db", "ledger"} <= groups
    skipped = [command.args[0] for command in COMMANDS if not command.runs_here]
    assert skipped == ["serve", "serve"]
    assert any(SAVED_HEAD in command.text for command in COMMANDS)


def test_no_placeholder_file_names_are_left() -> None:
    text = README.read_text(encoding="utf-8")
    for placeholder in ("SAMPLE.csv", "DAILY.csv", "LAB_EXPORT.csv", "NET.inp"):
        assert placeholder not in text


@pytest.mark.parametrize(
    "command", [c for c in COMMANDS if c.runs_here], ids=lambda c: f"{c.line}:{c.text[8:60]}"
)
def test_readme_command_exits_as_documented(
    command: ReadmeCommand, readme_runs: dict[int, CommandRun]
) -> None:
    run = readme_runs[command.line]
    assert run.exit_code == command.expected_exit, (run.stdout[-2000:], run.stderr[-2000:])
    assert "Traceback" not in run.stdout + run.stderr


def _known_ids() -> set[str]:
    """Ids a user types back: standards, their uses, parameters, and the example scenarios' uses,
    plants, pump stations and pipes."""
    from reclaim.errors import InputError
    from reclaim.io.quality_files import load_catalogue, load_standards
    from reclaim.io.scenario_file import load_scenario

    catalogue = load_catalogue()
    ids = set(catalogue.parameters)
    for standard in load_standards((), catalogue).values():
        ids |= {standard.id, *standard.uses}
    for path in (ROOT / "examples").glob("*.yaml"):
        try:
            scenario = load_scenario(path)
        except InputError:  # examples/broken_scenario.yaml, the scenario with errors for the docs
            continue
        for items in (scenario.uses, scenario.plants, scenario.pump_stations, scenario.pipes):
            ids |= {item.id for item in items}
    return {item for item in ids if len(item) > 3}


def test_no_output_line_is_cut_mid_id(readme_runs: dict[int, CommandRun]) -> None:
    """At 80 columns nothing is wider than the terminal (it would wrap mid-word), nothing is
    truncated with "…", and no id is split across two lines."""
    from reclaim.cli.tables import cell_width

    ids = _known_ids()
    problems = []
    for run in readme_runs.values():
        # the placeholders URL and EMPTY_URL became files in a long temporary folder: as typed,
        # they are short
        lines = re.sub(r"sqlite:///\S*/(\w+\.db)", r"sqlite:///\1", run.stdout).splitlines()
        for number, line in enumerate(lines):
            if "--json" not in run.command.args and cell_width(line) > int(COLUMNS):
                problems.append(f"{run.command.text}: wider than {COLUMNS}: {line}")
            if re.search(r"\w…(\s|$)", line):
                problems.append(f"{run.command.text}: truncated: {line}")
            # a cut id goes on in the next line: at its start (text wrapped by the terminal) or
            # in its table column (any word of the next line)
            following = lines[number + 1].split() if number + 1 < len(lines) else []
            for head in line.split():
                cut = [head + tail for tail in following if head + tail in ids]
                if cut and head not in ids:
                    problems.append(f"{run.command.text}: {cut[0]} cut: {line}")
    assert problems == []
