"""`reclaim ledger verify` recomputes the hash chain from the database and names the first break."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from tests.market.conftest import Backend
from tests.market.helpers import Api, traded_contract

SRC = Path(__file__).resolve().parents[2] / "src"


def verify(url: str) -> subprocess.CompletedProcess[str]:
    """Run the command line in a fresh process, as an auditor would."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "reclaim", "ledger", "verify", "--db", url],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_verify_detects_a_rewritten_entry(api: Api, backend: Backend) -> None:
    contract = traded_contract(api)
    for day, volume in (("2021-10-01", 1000), ("2021-10-02", 1200), ("2021-10-03", 900)):
        api.ok(
            api.post(
                f"/contracts/{contract['id']}/deliveries",
                "operator",
                {"day": day, "volume_m3": volume},
            )
        )
    intact = verify(backend.url)
    assert intact.returncode == 0, intact.stderr
    # three deliveries × four postings (buyer, seller, exchange fee, treatment feedback)
    assert "12 entries" in intact.stdout

    with backend.db.engine.begin() as connection:
        connection.execute(
            text("UPDATE ledger_entries SET amount_yuan = :amount WHERE seq = 6"),
            {"amount": "-1.00"},
        )
    broken = verify(backend.url)
    assert broken.returncode == 1
    assert "entry 6" in broken.stderr and "hash" in broken.stderr


def test_verify_detects_a_removed_tail(api: Api, backend: Backend) -> None:
    contract = traded_contract(api)
    api.ok(
        api.post(
            f"/contracts/{contract['id']}/deliveries",
            "operator",
            {"day": "2021-10-01", "volume_m3": 1000},
        )
    )
    with backend.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM ledger_entries WHERE seq = 4"))
    truncated = verify(backend.url)
    assert truncated.returncode == 1
    assert "head" in truncated.stderr or "unbalanced" in truncated.stderr
