"""`reclaim --help` starts fast: the command tree imports no heavy library; each command imports
what it uses when it runs (the start-up figures themselves: benchmarks/cli_startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = (
    *("wntr", "epanet", "matplotlib", "scipy", "pandas", "sqlalchemy", "alembic", "fastapi"),
    *("numpy", "yaml", "dask", "uvicorn", "jinja2", "rich"),
)
"""Not pydantic: Typer's own help formatting imports it. Not rich either: the tables are plain
text (reclaim.cli.tables), and a rich console is made when a command prints through it."""


def _imported_by(statement: str) -> set[str]:
    """Top-level packages in sys.modules after `statement`, in a fresh interpreter."""
    probe = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return {name.split(".")[0] for name in json.loads(result.stdout.splitlines()[-1])}


def test_the_command_tree_imports_no_heavy_library() -> None:
    loaded = _imported_by("import reclaim.cli.main")
    assert sorted(loaded & set(HEAVY)) == []


def test_help_of_every_command_imports_no_heavy_library() -> None:
    """Typer builds every command's help from its signature alone: rendering it imports nothing
    heavy either (a default or an annotation that needed numpy would show here)."""
    render = (
        "import typer.main\n"
        "from reclaim.cli.main import app\n"
        "root = typer.main.get_command(app)\n"
        "ctx = root.make_context('reclaim', [], resilient_parsing=True)\n"
        "def walk(command, ctx):\n"
        "    command.get_help(ctx)\n"
        "    for name, sub in getattr(command, 'commands', {}).items():\n"
        "        walk(sub, sub.make_context(name, [], parent=ctx, resilient_parsing=True))\n"
        "walk(root, ctx)"
    )
    loaded = _imported_by(render)
    assert sorted(loaded & set(HEAVY)) == []


def test_plan_run_imports_only_what_it_uses() -> None:
    """A plan run reads YAML and computes with numpy; it draws no chart, reads no wide CSV,
    judges no batch of samples and prints no rich table."""
    probe = (
        "import json, sys\n"
        "from reclaim.cli.main import app\n"
        "code = None\n"
        "try:\n"
        "    app(['plan', 'run', 'examples/shuozhou.yaml'])\n"
        "except SystemExit as done:\n"
        "    code = done.code\n"
        "sys.stderr.write(json.dumps([code, sorted(sys.modules)]))"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=root
    )
    code, modules = json.loads(result.stderr.splitlines()[-1])
    assert code == 0, result.stderr  # the plan ran whole: an early refusal imports little
    loaded = set(modules)
    assert "reclaim.planning.engine" in loaded
    unused = {"matplotlib", "pandas", "rich", "scipy", "wntr", "sqlalchemy"}
    assert sorted(unused & {name.split(".")[0] for name in loaded}) == []
    engines = {"reclaim.quality.batch", "reclaim.quality.gap", "reclaim.quality.series"}
    assert sorted(engines & loaded) == []
