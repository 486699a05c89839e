"""The demo regions `reclaim serve --demo` seeds, and the database commands."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from reclaim.cli.main import app
from reclaim.io.market_data import load_price_schedules
from reclaim.market.rules import ExchangeRules
from reclaim.service.demo import seed_demo
from reclaim.store.models import Account, Plant, Region, RegionStaff, Right
from reclaim.units import DAYS_PER_YEAR
from tests.market.conftest import Backend
from tests.market.helpers import START


def test_demo_regions_from_the_seeds(backend: Backend, rules: ExchangeRules) -> None:
    schedules = set(load_price_schedules())

    def seed(session: Session) -> int:
        return len(seed_demo(session, rules, schedules, "demo-password", START))

    logins = backend.db.run(seed)
    # admin, the exchange operator, two network operators, two water bureaus (regulators),
    # bureau, baojing, 3 buyers
    assert logins == 11
    backend.db.run(seed)  # a second start changes nothing

    def read(session: Session) -> None:
        plants = {p.name: p for p in session.scalars(select(Plant))}
        no1 = next(p for name, p in plants.items() if "No. 1" in name)
        # seed 001 §3.2: No. 1 plant treats 4.0 万 m³/d and reclaims 3.2 万 m³/d; 0.8 × 4.0 = 3.2
        assert no1.deliverable_daily_m3 == 32_000
        assert no1.deliverable_annual_m3 == 32_000 * DAYS_PER_YEAR
        assert len(plants) == 4
        count = session.scalar
        assert count(select(func.count()).select_from(Region)) == 2
        assert count(select(func.count()).select_from(Account)) == 11
        staff = {
            (username, code)
            for username, code in session.execute(
                select(Account.username, Region.code)
                .join(RegionStaff, RegionStaff.account_id == Account.id)
                .join(Region, Region.id == RegionStaff.region_id)
            )
        }
        # one regulator and one network operator per region; the exchange operator assigned to
        # both (demo_regions.yaml)
        assert staff == {
            ("shuozhou-water", "shuozhou"),
            ("lingshi-water", "lingshi"),
            ("exchange", "shuozhou"),
            ("exchange", "lingshi"),
            ("sz-network", "shuozhou"),
            ("ls-network", "lingshi"),
        }
        lingshi_plant = next(p for name, p in plants.items() if "13" in name)
        baojing = session.scalars(select(Account).where(Account.username == "baojing")).one()
        assert lingshi_plant.operator_id == baojing.id  # seed 000: the authorised seller runs it
        right = session.scalars(select(Right)).one()
        assert right.original_annual_m3 == 720 * 10_000  # seed 000: 720 万 m³/yr
        assert [p.annual_m3 for p in right.periods] == [720 * 10_000]  # the same every year
        assert right.term_end.year - right.term_start.year == 5  # seed 000: 为期 5 年

    backend.db.run(read)


def test_db_commands(backend: Backend) -> None:
    runner = CliRunner()
    upgraded = runner.invoke(app, ["db", "upgrade", "--db", backend.url])
    assert upgraded.exit_code == 0, upgraded.output
    added = runner.invoke(
        app, ["db", "add-admin", "chief", "--password", "long-enough", "--db", backend.url]
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(
        app, ["db", "add-admin", "chief", "--password", "long-enough", "--db", backend.url]
    )
    assert again.exit_code == 2 and "username" in again.output
    role = backend.db.run(
        lambda s: s.scalar(select(Account.role).where(Account.username == "chief"))
    )
    assert role == "admin"
    bad_url = runner.invoke(app, ["ledger", "verify", "--db", "mysql://nowhere"])
    assert bad_url.exit_code == 2 and "--db" in bad_url.output


def test_a_database_that_cannot_be_opened_is_one_line_naming_the_url(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from reclaim.cli.main import app

    url = f"sqlite:///{tmp_path}/no_such_folder/x.db"
    result = CliRunner().invoke(app, ["db", "upgrade", "--db", url])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--db" in lines[0] and url in lines[0], result.stderr
    assert "unable to open database file" in lines[0]
