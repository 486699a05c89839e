"""A ledger anyone can check, over HTTP and the command line, on SQLite and PostgreSQL.

`reclaim ledger verify` reads one snapshot, so a trade committing while it reads is not taken
for tampering; the daily chain head is published, and `--head` proves the chain still extends a
head saved earlier — even if whoever can write the database rewrote the whole chain.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select, text
from typer.testing import CliRunner

from reclaim.cli.main import app as cli
from reclaim.market.ledger import EntryFields, entry_hash
from reclaim.service.context import ExchangeContext
from reclaim.store.models import LedgerEntry, LedgerHead
from tests.market.conftest import Backend
from tests.market.helpers import Api, traded_contract

SRC = Path(__file__).resolve().parents[2] / "src"


def verify(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`reclaim ledger verify` in a fresh process, as an auditor runs it."""
    return subprocess.run(
        [sys.executable, "-m", "reclaim", "ledger", "verify", "--db", url, *extra],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=False,
    )


def deliver(api: Api, contract_id: int, day: str, volume_m3: int = 1_000) -> None:
    """A day's delivery billed into the ledger (four postings)."""
    api.ok(
        api.post(
            f"/contracts/{contract_id}/deliveries",
            "operator",
            {"day": day, "volume_m3": volume_m3},
        )
    )


def test_verify_reads_one_snapshot_while_a_trade_commits(live_api: Api, backend: Backend) -> None:
    """A delivery commits between verify's read of the entries and its read of the head."""
    api = live_api
    contract = traded_contract(api)
    deliver(api, contract["id"], "2021-10-01")
    verifier = threading.get_ident()
    committed: list[int] = []

    def trade_in_between(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if threading.get_ident() != verifier or committed or "FROM ledger_head" not in statement:
            return
        reply = api.client.post(
            f"/contracts/{contract['id']}/deliveries",
            json={"day": "2021-10-02", "volume_m3": 1_000},
            headers=api.headers("operator"),
            timeout=10,
        )
        committed.append(reply.status_code)

    event.listen(Engine, "before_cursor_execute", trade_in_between)
    try:
        result = CliRunner().invoke(cli, ["ledger", "verify", "--db", backend.url])
    finally:
        event.remove(Engine, "before_cursor_execute", trade_in_between)
    assert committed == [201]
    assert result.exit_code == 0, result.output
    assert "4 entries" in result.output  # the snapshot before the concurrent trade
    assert verify(backend.url).stdout.count("8 entries") == 1


def run_jobs(api: Api) -> dict[str, Any]:
    """Give every scheduled job its turn now (testing service), by name."""
    runs = api.ok(api.client.post("/testing/jobs/run", headers=api.headers("admin")), 200)
    return {run["name"]: run for run in runs}


def test_the_daily_head_is_published_and_proves_the_chain_extends_it(
    testing_api: tuple[Api, ExchangeContext], backend: Backend, tmp_path: Path
) -> None:
    api, _context = testing_api
    contract = traded_contract(api)
    for day in ("2021-10-01", "2021-10-02"):
        deliver(api, contract["id"], day)
    today = api.clock().date()
    run_jobs(api)  # the ticking scheduler may have run first; either way one head a day
    assert api.ok(api.get("/public/ledger/head"), 200)["day"] == today.isoformat()
    next_day = {"offset_seconds": 86_400}
    api.ok(api.client.put("/testing/clock", json=next_day, headers=api.headers("admin")), 200)
    run_jobs(api)
    published = api.ok(api.get("/public/ledger/head"), 200)
    assert published["day"] == (today + timedelta(days=1)).isoformat()
    assert published["last_seq"] == 8  # two deliveries × four postings
    assert api.ok(api.get("/public/notices"), 200)["ledger_head"] == published
    heads = api.ok(api.get("/public/ledger/heads"), 200)
    assert heads[0] == published and len({h["day"] for h in heads}) == len(heads)
    assert run_jobs(api)["ledger_daily_head"]["ran"] is False  # its lease still runs
    saved = tmp_path / "head.json"
    saved.write_text(json.dumps(published), encoding="utf-8")

    deliver(api, contract["id"], "2021-10-03")
    extends = verify(backend.url, "--head", str(saved))
    assert extends.returncode == 0, extends.stderr
    assert "12 entries" in extends.stdout and "extends the saved head" in extends.stdout
    assert verify(backend.url, "--head", published["last_hash"]).returncode == 0

    forged = {**published, "last_hash": "f" * 64}
    (tmp_path / "forged.json").write_text(json.dumps(forged), encoding="utf-8")
    other = verify(backend.url, "--head", str(tmp_path / "forged.json"))
    assert other.returncode == 1
    assert f"entry 8 has hash {published['last_hash']}" in other.stderr
    unknown = verify(backend.url, "--head", "e" * 64)
    assert unknown.returncode == 1 and "no entry of the ledger has hash" in unknown.stderr
    not_a_head = verify(backend.url, "--head", str(tmp_path / "missing.json"))
    assert not_a_head.returncode != 0 and "--head" in not_a_head.stderr

    rewrite_whole_chain(backend, seq=3, memo="rewritten")
    assert verify(backend.url).returncode == 0  # the table alone cannot tell
    caught = verify(backend.url, "--head", str(saved))
    assert caught.returncode == 1
    assert "entry 8 has hash" in caught.stderr and published["last_hash"] in caught.stderr


def rewrite_whole_chain(backend: Backend, seq: int, memo: str) -> None:
    """What an attacker with write access does: change an entry and rehash everything after."""
    with backend.db.sessions() as session, session.begin():
        entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)).all()
        prev = entries[0].prev_hash
        for entry in entries:
            if entry.seq == seq:
                entry.memo = memo
            fields = EntryFields(
                entry.seq,
                entry.txn_id,
                entry.account,
                entry.amount_yuan,
                entry.memo,
                entry.created_at,
                prev,
            )
            entry.prev_hash, entry.hash = prev, entry_hash(fields)
            session.flush()
            prev = entry.hash
        head = session.get(LedgerHead, 1)
        assert head is not None
        head.last_hash = prev
    with backend.db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one() == 12
