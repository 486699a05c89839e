"""One vocabulary over every command: the same options spelt the same, help with units and real
defaults, metavars that read as words, and exit 1 when a check fails (0 with --no-fail)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from reclaim.cli.main import app

runner = CliRunner()
SHARED = {"--json", "--lang", "--samples", "--seed", "--out", "--db", "--no-fail"}
TYPER_OWN = {"--help", "--install-completion", "--show-completion"}


def _commands() -> Iterator[tuple[list[str], Any]]:
    """Every leaf command with its words (`["network", "check"]`)."""

    def walk(words: list[str], command: Any) -> Iterator[tuple[list[str], Any]]:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            yield words, command
            return
        for name, sub in subcommands.items():
            yield from walk([*words, name], sub)

    yield from walk([], typer.main.get_command(app))


COMMANDS = {" ".join(words): command for words, command in _commands()}


def _options(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option"]


def test_the_tree_has_every_command() -> None:
    assert {"plan run", "quality check", "network check", "ledger verify", "db upgrade"} <= set(
        COMMANDS
    )


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_every_option_has_help_and_a_metavar_in_words(words: str) -> None:
    for option in _options(COMMANDS[words]):
        if set(option.opts) & TYPER_OWN:
            continue
        assert option.help and len(option.help) > 10, (words, option.opts)
        if option.is_flag:
            continue
        assert option.metavar, (words, option.opts)  # FILE, URL, METRES…, not <str>
        assert option.metavar == option.metavar.strip() and "<" not in option.metavar


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_help_fits_80_columns_and_shows_no_type_placeholders(words: str) -> None:
    result = runner.invoke(app, [*words.split(), "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    options = result.output.split("Options:", 1)[1]
    assert "<bool>" not in result.output and "<str>" not in options and "<int>" not in options
    assert "<float>" not in options and "<path>" not in options
    assert all(len(line) <= 80 for line in result.output.splitlines())


def test_shared_options_are_spelt_alike_and_lang_defaults_to_zh() -> None:
    seen: dict[str, set[str]] = {}
    for words, command in COMMANDS.items():
        for option in _options(command):
            for name in option.opts:
                seen.setdefault(name, set()).add(words)
            if "--lang" in option.opts:
                assert option.default == "zh", words
            if "--seed" in option.opts or "--samples" in option.opts:
                assert option.metavar == "N", words
    assert not {"--format", "--count", "--inp"} & set(seen)  # retired names
    assert {"network check", "plan run", "quality check"} <= seen["--json"]
    assert {"network samples", "plan sensitivity"} <= seen["--samples"] & seen["--seed"]
    assert {"plan report", "quality batch", "network export", "db backup"} <= seen["--out"]
    assert set(seen) >= SHARED


@pytest.mark.parametrize(
    ("args", "pointer"),
    [
        (["network", "check", "NET.inp", "--format", "json"], "add --json"),
        (["network", "check", "NET.inp", "--format=json"], "add --json"),
        (["network", "samples", "x.yaml", "--count", "5"], "renamed --samples"),
        (["network", "export", "x.yaml", "--inp", "x.inp"], "renamed --out"),
    ],
)
def test_a_retired_option_points_at_its_replacement(args: list[str], pointer: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    option = args[-2] if "=" not in args[-1] else args[-1].split("=")[0]
    assert result.output.startswith(f"error: {option}: got ")
    assert pointer in result.output and "Traceback" not in result.output


ONE_PIPE_INP = """[TITLE]
reservoir at 100 m, one user at 50 m elevation drawing 0.001 L/s
[JUNCTIONS]
U 50 0.001
[RESERVOIRS]
R 100
[PIPES]
P R U 1000 300 120
[OPTIONS]
Units LPS
Headloss H-W
[END]
"""
"""Free head at U: 100 - 50 = 50 m, less a head loss of ~1e-8 m (Hazen-Williams, 0.001 L/s in
DN300 over 1 km): it keeps a 40 m limit and fails a 60 m one."""


@pytest.mark.parametrize(
    ("limit", "extra", "status"),
    [("40", [], 0), ("60", [], 1), ("60", ["--no-fail"], 0), ("60", ["--json"], 1)],
)
def test_network_check_exits_1_on_fail(
    tmp_path: Path, limit: str, extra: list[str], status: int
) -> None:
    inp = tmp_path / "one_pipe.inp"
    inp.write_text(ONE_PIPE_INP, encoding="utf-8")
    result = runner.invoke(app, ["network", "check", str(inp), "--min-head", limit, *extra])
    assert result.exit_code == status, result.output
    assert ("合格" if limit == "40" else "不合格") in result.output or "--json" in extra


@pytest.mark.parametrize(("extra", "status"), [([], 1), (["--no-fail"], 0)])
def test_quality_check_exits_1_when_a_sample_is_not_fit(extra: list[str], status: int) -> None:
    # Shuozhou's design effluent holds 2.0 mg/L manganese; GB/T 19923-2005 allows boiler
    # make-up water 0.1 mg/L (seed 001 §4.1.2 (3)): unfit.
    result = runner.invoke(
        app,
        [
            *("quality", "check", "shuozhou_design_effluent"),
            *("--standard", "gb_t_19923_2005", "--use", "boiler_makeup", "--lang", "en"),
            *extra,
        ],
    )
    assert result.exit_code == status, result.output
    assert "unfit" in result.output
