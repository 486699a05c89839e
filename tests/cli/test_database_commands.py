"""The exchange's commands on a database that is not there, and account names a login accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from reclaim.cli.main import app

EXIT_BAD_INPUT = 2


@pytest.fixture
def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_ledger_verify_without_a_database_says_how_to_create_one(empty_folder: Path) -> None:
    result = CliRunner().invoke(app, ["ledger", "verify"])
    assert result.exit_code == EXIT_BAD_INPUT  # not 1, which means "ledger rewritten"
    assert result.output.strip() == (
        "error: no reclaim database at sqlite:///reclaim.db; "
        "create one with `reclaim db upgrade --db sqlite:///reclaim.db`"
    )
    assert list(empty_folder.iterdir()) == []  # no empty reclaim.db left behind


def test_ledger_verify_on_a_database_without_the_schema(empty_folder: Path) -> None:
    url = f"sqlite:///{empty_folder / 'other.db'}"
    create_engine(url).connect().close()  # an SQLite file, but not the exchange's
    result = CliRunner().invoke(app, ["ledger", "verify", "--db", url])
    assert result.exit_code == EXIT_BAD_INPUT
    assert f"no reclaim database at {url}; create one with `reclaim db upgrade" in result.output
    assert inspect(create_engine(url)).get_table_names() == []  # not migrated behind our back


def test_ledger_verify_after_upgrade_finds_an_empty_ledger(empty_folder: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "ledger ok: 0 entries" in result.output


@pytest.mark.parametrize("name", ["Water Bureau", "WaterBureau", "水务局", "", "a" * 65])
def test_an_account_name_no_login_accepts_is_refused_in_words(
    empty_folder: Path, name: str
) -> None:
    result = CliRunner().invoke(app, ["db", "add-admin", name, "--password", "long-enough"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert f"username: got {name!r}; 1 to 64 characters" in result.output
    assert "lower-case letter" in result.output and "e.g. water_bureau" in result.output
    assert "^[" not in result.output  # the allowed form in words, not a regular expression
    assert list(empty_folder.iterdir()) == []  # refused before the database is created


def test_an_account_name_a_login_accepts_is_created(empty_folder: Path) -> None:
    result = CliRunner().invoke(
        app, ["db", "add-admin", "water_bureau.2", "--password", "long-enough"]
    )
    assert result.exit_code == 0, result.output
    assert "administrator 'water_bureau.2' created" in result.output


def test_every_way_of_creating_an_account_checks_its_name(tmp_path: Path) -> None:
    """The store's one entry point (the command line, the demo seed and the API all reach it)
    refuses a name no login accepts, and writes nothing."""
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from reclaim.errors import InputError
    from reclaim.io.market_data import load_exchange_rules
    from reclaim.market.rules import Role
    from reclaim.store.db import Database
    from reclaim.store.models import Account
    from reclaim.store.registry import AccountSpec, create_account

    database = Database.from_url(f"sqlite:///{tmp_path / 'x.db'}")
    database.upgrade()
    spec = AccountSpec("Water Bureau", "hash", Role.ADMIN, "Water Bureau")
    rules = load_exchange_rules()
    with pytest.raises(InputError) as refused:
        database.run(lambda s: create_account(s, None, spec, rules, datetime.now(UTC)))
    assert refused.value.field == "username" and refused.value.value == "Water Bureau"
    assert database.run(lambda s: s.scalar(select(func.count()).select_from(Account))) == 0
    database.dispose()


def test_sqlite_side_files_are_not_committed() -> None:
    """SQLite in WAL mode (the store's) writes reclaim.db-wal and reclaim.db-shm beside the file."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    for name in ("reclaim.db", "reclaim.db-wal", "reclaim.db-shm"):
        ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=root, check=False)
        assert ignored.returncode == 0, name
