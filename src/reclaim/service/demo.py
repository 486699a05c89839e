"""Seed the demo regions (Shuozhou, a Lingshi-like county) with staff, plants, parties and a right.

An administrator creates both regions; each has its own regulator (its water bureau), and the
exchange operator is assigned to both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.io.market_data import load_demo_regions, load_demo_staff
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
    assign_staff,
    create_account,
    create_region,
)

DEMO_DAILY_SHARE = 365
"""A demo right's daily cap is its annual volume spread evenly over a 365-day year."""
PLANT_OPERATOR = "baojing"
"""Seed 000: 灵石县保净污水处理有限公司, the sole authorised seller, runs the Lingshi plants."""


@dataclass(frozen=True)
class DemoLogin:
    """A demo account and its password, printed by `reclaim serve --demo`."""

    username: str
    role: str
    password: str


def seed_demo(
    session: Session, rules: ExchangeRules, schedules: set[str], password: str, now: datetime
) -> list[DemoLogin]:
    """Create the demo regions once (a second call changes nothing) and list the logins."""
    staff, regions = load_demo_staff(), load_demo_regions()
    logins = [
        DemoLogin(a["username"], a["role"], password)
        for a in staff + [a for r in regions for a in r.get("demo_accounts", [])]
    ]
    accounts = {
        a["username"]: _ensure_account(session, a, None, rules, password, now) for a in staff
    }
    admin = Actor.of(next(a for a in accounts.values() if a.role == Role.ADMIN.value))
    region_ids: dict[str, int] = {}
    for entry in regions:
        existing = session.scalar(select(Region.id).where(Region.code == entry["code"]))
        region_ids[entry["code"]] = existing or _seed_region(
            session, admin, entry, rules, schedules, password, now
        )
    for account in staff:
        for code in account.get("regions", []):
            assign_staff(session, admin, accounts[account["username"]].id, region_ids[code], now)
    return logins


def _seed_region(
    session: Session,
    admin: Actor,
    entry: dict[str, Any],
    rules: ExchangeRules,
    schedules: set[str],
    password: str,
    now: datetime,
) -> int:
    spec = RegionSpec(
        entry["code"],
        entry["name"],
        price_schedule=entry.get("price_schedule"),
        time_zone=entry["time_zone"]["value"],
        delivery_confirmation_days=entry["delivery_confirmation_days"]["value"],
        use_class_conversions=entry.get("use_class_conversions", {}),
    )
    region = create_region(session, admin, spec, rules, schedules)
    accounts = {
        a["username"]: _ensure_account(session, a, region.id, rules, password, now)
        for a in entry.get("demo_accounts", [])
    }
    regulator = Actor.load(
        session, next(a for a in accounts.values() if a.role == Role.REGULATOR.value)
    )
    operator = accounts.get(PLANT_OPERATOR)
    plants = [
        add_plant(
            session,
            regulator,
            PlantSpec(
                region_id=region.id,
                name=p["name"],
                sewage_treated_m3_per_day=p["sewage_treated_m3_per_day"],
                reclaimed_capacity_m3_per_day=p["reclaimed_capacity_m3_per_day"],
                operator_id=None if operator is None else operator.id,
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
    return region.id


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
