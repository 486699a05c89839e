"""Every `reclaim …` command in README.md's code blocks runs, on the shipped example files, in an
80-column terminal, with the exit code the README gives it: 0, or the `# exit N` its comment
starts with.

The README is run as a newcomer would type it, with three liberties that keep this test short
and self-contained: optional parts in `[brackets]` are left out; sample counts above
`MOST_SAMPLES` are cut to it; the database placeholders (`URL`, `EMPTY_URL`) name SQLite files
in a temporary folder, created by the README's own `reclaim db upgrade --db URL` before the
commands that read them. Commands that cannot finish here are listed in `NOT_RUN`, each with its
reason. Other checks of the output (e.g. lines cut mid-id) take `readme_runs` and read each
`CommandRun`.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reclaim.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
COLUMNS = "80"
MOST_SAMPLES = 2_000
"""`plan sensitivity -n 1000000` runs with this many samples (the figures' form is the same)."""
NOT_RUN = {
    "serve": "starts the exchange service, which runs until it is stopped",
    "--head": "needs the head the curl line above saves from a running service",
}
"""Words that mark a command not run here → why."""


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
    return {
        command.line: run_readme_command(command, folder)
        for command in readme_commands()
        if command.runs_here
    }


COMMANDS = readme_commands()


def test_the_readme_documents_commands_of_every_group() -> None:
    groups = {command.args[0] for command in COMMANDS}
    assert {"plan", "quality", "network", "db", "ledger"} <= groups
    skipped = [command.text for command in COMMANDS if not command.runs_here]
    assert all("serve" in text or "--head" in text for text in skipped), skipped
    assert len(skipped) <= 3, skipped


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
