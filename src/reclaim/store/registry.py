"""Registry: regions, parties (accounts) and plants, created by the regulator (or the operator)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.errors import InputError
from reclaim.market.errors import ConflictError, ForbiddenError, NotFoundError
from reclaim.market.rules import ExchangeRules, Role, check_use_class, deliverable_capacity
from reclaim.store.models import Account, Base, Plant, Region

ModelT = TypeVar("ModelT", bound=Base)


@dataclass(frozen=True)
class Actor:
    """The authenticated party making a request."""

    id: int
    username: str
    role: Role
    use_class: str | None

    @classmethod
    def of(cls, account: Account) -> Actor:
        """The actor behind an account row."""
        return cls(account.id, account.username, Role(account.role), account.use_class)


def require_role(actor: Actor, *roles: Role) -> None:
    """Refuse with 403 unless the actor has one of `roles`."""
    if actor.role not in roles:
        raise ForbiddenError(
            "role", actor.role.value, f"this action needs the role {' or '.join(roles)}"
        )


def get_or_404(session: Session, model: type[ModelT], ident: int, field: str) -> ModelT:
    """The row with primary key `ident`, or a 404 naming `field`."""
    row = session.get(model, ident)
    if row is None:
        raise NotFoundError(field, ident)
    return row


def lock_or_404(session: Session, model: type[ModelT], ident: int, field: str) -> ModelT:
    """Like `get_or_404`, holding a row lock (FOR UPDATE) until the transaction ends."""
    row = session.get(model, ident, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFoundError(field, ident)
    return row


@dataclass(frozen=True)
class RegionSpec:
    """A region to create; unset policy figures fall back to the exchange rules' defaults."""

    code: str
    name: str
    publicity_days: int | None = None
    lapse_days: int | None = None
    exchange_fee_rate: Decimal | None = None
    treatment_feedback_share: Decimal | None = None
    price_schedule: str | None = None
    use_class_conversions: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Listed use → the buyer sectors it may be bought for (none unless stated)."""


def check_conversions(
    conversions: Mapping[str, Sequence[str]], rules: ExchangeRules
) -> dict[str, list[str]]:
    """Use-class conversions name known use classes, never a class to itself; stored sorted."""
    for listed, targets in conversions.items():
        check_use_class(listed, rules, "use_class_conversions")
        for target in targets:
            check_use_class(target, rules, f"use_class_conversions.{listed}")
            if target == listed:
                raise InputError(
                    f"use_class_conversions.{listed}", target, "a use other than the listed one"
                )
    return {listed: sorted(set(targets)) for listed, targets in sorted(conversions.items())}


def create_region(
    session: Session, actor: Actor, spec: RegionSpec, rules: ExchangeRules, schedules: set[str]
) -> Region:
    """Register a region (regulator only); codes are unique."""
    require_role(actor, Role.REGULATOR)
    if spec.price_schedule is not None and spec.price_schedule not in schedules:
        raise InputError("price_schedule", spec.price_schedule, f"one of {sorted(schedules)}")
    if session.scalar(select(Region.id).where(Region.code == spec.code)) is not None:
        raise ConflictError("code", spec.code, "a region with this code exists")
    fee = rules.exchange_fee_rate if spec.exchange_fee_rate is None else spec.exchange_fee_rate
    share = (
        rules.treatment_feedback_share
        if spec.treatment_feedback_share is None
        else spec.treatment_feedback_share
    )
    if fee + share >= 1:
        raise InputError(
            "treatment_feedback_share", str(share), "fee rate + feedback share below 1"
        )
    region = Region(
        code=spec.code,
        name=spec.name,
        publicity_days=rules.publicity_days if spec.publicity_days is None else spec.publicity_days,
        lapse_days=rules.lapse_days if spec.lapse_days is None else spec.lapse_days,
        exchange_fee_rate=fee,
        treatment_feedback_share=share,
        price_schedule=spec.price_schedule,
        use_class_conversions=check_conversions(spec.use_class_conversions, rules),
    )
    session.add(region)
    session.flush()
    return region


@dataclass(frozen=True)
class AccountSpec:
    """A party to register."""

    username: str
    password_hash: str
    role: Role
    display_name: str
    region_id: int | None = None
    use_class: str | None = None
    location: str | None = None


def create_account(
    session: Session, actor: Actor | None, spec: AccountSpec, rules: ExchangeRules, now: datetime
) -> Account:
    """Register a party. The regulator registers anyone; the operator registers sellers and buyers.

    `actor=None` is the bootstrap path used by the command line to create the first regulator.
    """
    if actor is not None:
        require_role(actor, Role.REGULATOR, Role.OPERATOR)
        if actor.role is Role.OPERATOR and spec.role not in (Role.SELLER, Role.BUYER):
            raise ForbiddenError(
                "role", spec.role.value, "the operator registers sellers and buyers"
            )
    if spec.use_class is not None:
        check_use_class(spec.use_class, rules)
    if spec.region_id is not None:
        get_or_404(session, Region, spec.region_id, "region_id")
    if session.scalar(select(Account.id).where(Account.username == spec.username)) is not None:
        raise ConflictError("username", spec.username, "this username is taken")
    account = Account(
        username=spec.username,
        password_hash=spec.password_hash,
        role=spec.role.value,
        display_name=spec.display_name,
        region_id=spec.region_id,
        use_class=spec.use_class,
        location=spec.location,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


@dataclass(frozen=True)
class PlantSpec:
    """A plant to register, with the figures its deliverable supply is computed from."""

    region_id: int
    name: str
    sewage_treated_m3_per_day: int
    reclaimed_capacity_m3_per_day: int
    operator_id: int | None = None
    source: str = ""


def add_plant(session: Session, actor: Actor, spec: PlantSpec, rules: ExchangeRules) -> Plant:
    """Register a plant (regulator only); its deliverable supply is fixed here by the reuse cap."""
    require_role(actor, Role.REGULATOR)
    get_or_404(session, Region, spec.region_id, "region_id")
    if spec.operator_id is not None:
        get_or_404(session, Account, spec.operator_id, "operator_id")
    capacity = deliverable_capacity(
        spec.sewage_treated_m3_per_day, spec.reclaimed_capacity_m3_per_day, rules.reuse_cap_fraction
    )
    plant = Plant(
        region_id=spec.region_id,
        name=spec.name,
        sewage_treated_m3_per_day=spec.sewage_treated_m3_per_day,
        reclaimed_capacity_m3_per_day=spec.reclaimed_capacity_m3_per_day,
        deliverable_daily_m3=capacity.deliverable_daily_m3,
        deliverable_annual_m3=capacity.deliverable_annual_m3,
        operator_id=spec.operator_id,
        source=spec.source,
    )
    session.add(plant)
    session.flush()
    return plant
