"""Seed the demo regions (Shuozhou, a Lingshi-like county) with plants, parties and a right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.io.market_data import load_demo_regions
from reclaim.market.rules import ExchangeRules, Role
from reclaim.service.auth import hash_password
from reclaim.store.exchange import RightSpec, issue_right
from reclaim.store.models import Account, Region
from reclaim.store.registry import (
    AccountSpec,
    Actor,
    PlantSpec,
    RegionSpec,
    add_plant,
    create_account,
    create_region,
)

DEMO_DAILY_SHARE = 365
"""A demo right's daily cap is its annual volume spread evenly over a 365-day year."""


@dataclass(frozen=True)
class DemoLogin:
    """A demo party and its password, printed by `reclaim serve --demo`."""

    username: str
    role: str
    password: str


def seed_demo(
    session: Session, rules: ExchangeRules, schedules: set[str], password: str, now: datetime
) -> list[DemoLogin]:
    """Create the demo regions once (a second call changes nothing) and list the logins."""
    logins: list[DemoLogin] = []
    regulator: Actor | None = None
    for entry in load_demo_regions():
        for account in entry.get("demo_accounts", []):
            logins.append(DemoLogin(account["username"], account["role"], password))
        if session.scalar(select(Region.id).where(Region.code == entry["code"])) is not None:
            continue
        if regulator is None:
            regulator = _ensure_regulator(session, rules, password, now)
        region = create_region(
            session,
            regulator,
            RegionSpec(
                entry["code"],
                entry["name"],
                price_schedule=entry.get("price_schedule"),
                use_class_conversions=entry.get("use_class_conversions", {}),
            ),
            rules,
            schedules,
        )
        accounts = {
            a["username"]: _ensure_account(session, a, region.id, rules, password, now)
            for a in entry.get("demo_accounts", [])
        }
        operator_id = accounts["baojing"].id if "baojing" in accounts else None
        plants = [
            add_plant(
                session,
                regulator,
                PlantSpec(
                    region_id=region.id,
                    name=p["name"],
                    sewage_treated_m3_per_day=p["sewage_treated_m3_per_day"],
                    reclaimed_capacity_m3_per_day=p["reclaimed_capacity_m3_per_day"],
                    operator_id=operator_id,
                    source=p["source"],
                ),
                rules,
            )
            for p in entry["plants"]
        ]
        right = entry.get("demo_right")
        if right is not None and "bureau" in accounts:
            start = now.date()
            issue_right(
                session,
                regulator,
                RightSpec(
                    holder_id=accounts["bureau"].id,
                    plant_id=plants[0].id,
                    annual_volume_m3=right["annual_volume_m3"],
                    daily_max_m3=-(-right["annual_volume_m3"] // DEMO_DAILY_SHARE),
                    term_start=start,
                    term_end=date(start.year + right["years"], start.month, min(start.day, 28)),
                    use_class="industrial",
                ),
                rules,
                now,
            )
    return logins


def _ensure_regulator(
    session: Session, rules: ExchangeRules, password: str, now: datetime
) -> Actor:
    account = _ensure_account(
        session,
        {"username": "regulator", "role": "regulator", "display_name": "regulator"},
        None,
        rules,
        password,
        now,
    )
    return Actor.of(account)


def _ensure_account(
    session: Session,
    entry: dict[str, str],
    region_id: int | None,
    rules: ExchangeRules,
    password: str,
    now: datetime,
) -> Account:
    existing = session.scalar(select(Account).where(Account.username == entry["username"]))
    if existing is not None:
        return existing
    spec = AccountSpec(
        username=entry["username"],
        password_hash=hash_password(password),
        role=Role(entry["role"]),
        display_name=entry["display_name"],
        region_id=region_id,
        use_class=entry.get("use_class"),
    )
    return create_account(session, None, spec, rules, now)
