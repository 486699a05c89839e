"""Accepted orders per second through the HTTP API, against the store's raw insert rate.

For SQLite and for PostgreSQL: seed an exchange, serve it with `reclaim serve` (its own process,
on 127.0.0.1), and send sealed-auction bids from client threads (each bid: token check, row lock
on the listing, rule checks, insert, commit). In the same run, insert the same number of bid
rows straight through SQLAlchemy, one row per transaction, as the reference. Prints both rates
and their ratio.

    python benchmarks/market_orders.py [--orders 2000] [--threads 8] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from reclaim.io.market_data import load_exchange_rules, load_price_schedules
from reclaim.market.rules import ListingMode, Role
from reclaim.service.auth import hash_password
from reclaim.service.context import utc_now
from reclaim.store.db import Database
from reclaim.store.exchange import ListingSpec, RightSpec, create_listing, issue_right
from reclaim.store.models import Bid
from reclaim.store.registry import (
    AccountSpec,
    Actor,
    PlantSpec,
    RegionSpec,
    add_plant,
    create_account,
    create_region,
)

PASSWORD = "benchmark-password"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/reclaim_test"
SRC = Path(__file__).resolve().parents[1] / "src"
STARTUP_TIMEOUT_S = 30
SHUOZHOU_NO2 = (60_000, 50_000)  # seed 001 §3.2: 6.0 万 m³/d sewage, 5.0 万 m³/d reclaimed


def seed(db: Database, bidders: int) -> tuple[int, list[str]]:
    """An exchange with one sealed auction open for a day; returns its id and the bidders."""
    rules, schedules, now = load_exchange_rules(), load_price_schedules(), utc_now()

    def work(session: Session) -> tuple[int, list[str]]:
        hashed = hash_password(PASSWORD)
        admin = Actor.of(
            create_account(session, None, AccountSpec("admin", hashed, Role.ADMIN, "a"), rules, now)
        )
        region = create_region(session, admin, RegionSpec("bench", "bench"), rules, set())

        def account(name: str, role: Role) -> Actor:
            spec = AccountSpec(name, hashed, role, name, region_id=region.id)
            return Actor.load(session, create_account(session, None, spec, rules, now))

        regulator, seller = account("regulator", Role.REGULATOR), account("seller", Role.SELLER)
        names = [f"bidder{i}" for i in range(bidders)]
        for name in names:
            account(name, Role.BUYER)
        plant = add_plant(session, regulator, PlantSpec(region.id, "No. 2", *SHUOZHOU_NO2), rules)
        start = now.date()
        right = issue_right(
            session,
            regulator,
            RightSpec(
                seller.id,
                plant.id,
                1_000_000,
                5_000,
                start,
                date(start.year + 5, 1, 1),
                "industrial",
            ),
            rules,
            now,
        )
        listing = create_listing(
            session,
            seller,
            ListingSpec(
                right.id,
                ListingMode.SEALED,
                1_000_000,
                5_000,
                start,
                date(start.year + 5, 1, 1),
                "gate",
                Decimal("2.00"),
                closes_at=now + timedelta(days=1),
            ),
            schedules,
            now,
        )
        return listing.id, names

    return db.run(work)


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(url: str) -> tuple[subprocess.Popen[bytes], str]:
    """`reclaim serve` in its own process, as deployed; returns it once it answers."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    server = subprocess.Popen(
        [sys.executable, "-m", "reclaim", "serve", "--db", url, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/regions", timeout=1)
            return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"reclaim serve did not answer on {base}")


def api_rate(db: Database, url: str, orders: int, threads: int) -> tuple[float, int]:
    """Accepted bids per second through a live server, and how many were accepted."""
    listing_id, bidders = seed(db, threads)
    server, base = start_server(url)
    try:
        tokens = []
        with httpx.Client(base_url=base) as client:
            for name in bidders:
                reply = client.post("/auth/token", json={"username": name, "password": PASSWORD})
                tokens.append(reply.json()["access_token"])

        def send(worker: int) -> int:
            accepted = 0
            headers = {"Authorization": f"Bearer {tokens[worker]}"}
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                for i in range(worker, orders, threads):
                    price = f"{2 + (i % 300) / 100:.2f}"
                    reply = client.post(
                        f"/listings/{listing_id}/bids", json={"price_yuan_per_m3": price}
                    )
                    accepted += reply.status_code == 201
            return accepted

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            accepted = sum(pool.map(send, range(threads)))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    return accepted / elapsed, accepted


def raw_insert_rate(db: Database, rows: int) -> float:
    """Bid rows per second inserted straight through SQLAlchemy, one row per transaction."""
    with db.engine.connect() as connection:
        listing_id = connection.execute(text("SELECT min(id) FROM listings")).scalar_one()
        bidder_id = connection.execute(text("SELECT max(id) FROM accounts")).scalar_one()
    started = time.perf_counter()
    for i in range(rows):
        with db.engine.begin() as connection:
            connection.execute(
                insert(Bid).values(
                    listing_id=listing_id,
                    bidder_id=bidder_id,
                    price_yuan_per_m3=Decimal(2) + Decimal(i % 300) / 100,
                    placed_at=utc_now(),
                )
            )
    return rows / (time.perf_counter() - started)


def measure(name: str, url: str, orders: int, threads: int) -> None:
    """Print one backend's figures."""
    db = Database.from_url(url)
    db.upgrade()
    rate, accepted = api_rate(db, url, orders, threads)
    raw = raw_insert_rate(db, orders)
    print(f"{name:<11} {accepted:>8} {rate:>14.0f} {raw:>16.0f} {rate / raw:>8.2f}")
    db.dispose()


def main() -> None:
    """Run the benchmark on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pg-url", default=os.environ.get("RECLAIM_TEST_PG_URL", DEFAULT_PG_URL))
    args = parser.parse_args()
    print(
        f"{args.orders} sealed bids from {args.threads} client threads; raw = one INSERT per "
        "transaction, same row count"
    )
    print(
        f"{'backend':<11} {'accepted':>8} {'API orders/s':>14} {'raw inserts/s':>16} {'ratio':>8}"
    )
    with tempfile.TemporaryDirectory() as directory:
        measure("SQLite", f"sqlite:///{Path(directory) / 'bench.db'}", args.orders, args.threads)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(args.pg_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = f"{args.pg_url}?options=-csearch_path%3D{schema}"
        measure("PostgreSQL", url, args.orders, args.threads)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
