"""Registry: regions and their settings, accounts, staff assignments and plants."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from reclaim.errors import ErrorCode, InputError, check_all
from reclaim.market.errors import ConflictError, ForbiddenError, NotFoundError
from reclaim.market.rules import (
    ASSIGNED_ROLES,
    PARTY_ROLES,
    STAFF_ROLES,
    ExchangeRules,
    Role,
    check_use_class,
    check_username,
    deliverable_capacity,
)
from reclaim.operations.registry import DEFAULT_FUTURE_TOLERANCE_S
from reclaim.store.models import Account, Base, Plant, Region, RegionStaff

ModelT = TypeVar("ModelT", bound=Base)


@dataclass(frozen=True)
class Actor:
    """The authenticated account making a request, with the regions it may act in.

    `region_id` is a party's home region; `region_ids` the regions a regulator or operator is
    assigned to (empty for everyone else).
    """

    id: int
    username: str
    role: Role
    use_class: str | None
    region_id: int | None = None
    region_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(cls, account: Account, region_ids: frozenset[int] = frozenset()) -> Actor:
        """The actor behind an account row (staff: with the regions it is assigned to)."""
        return cls(
            account.id,
            account.username,
            Role(account.role),
            account.use_class,
            account.region_id,
            region_ids,
        )

    @classmethod
    def load(cls, session: Session, account: Account) -> Actor:
        """The actor behind an account row, its staff assignments read from the store."""
        return cls.of(account, assigned_regions(session, account.id))

    def is_staff_of(self, region_id: int) -> bool:
        """A regulator or operator assigned to `region_id`."""
        return self.role in STAFF_ROLES and region_id in self.region_ids

    def is_network_operator_of(self, region_id: int) -> bool:
        """A network operator assigned to `region_id`."""
        return self.role is Role.NETWORK_OPERATOR and region_id in self.region_ids


def assigned_regions(session: Session, account_id: int) -> frozenset[int]:
    """The regions an account is assigned to (regulator, operator or network operator)."""
    query = select(RegionStaff.region_id).where(RegionStaff.account_id == account_id)
    return frozenset(session.scalars(query))


def require_staff_of(actor: Actor, region_id: int, field_name: str, value: Any) -> None:
    """Refuse (403, naming the field) unless the actor is staff of `region_id` or an admin."""
    if actor.role is Role.ADMIN or actor.is_staff_of(region_id):
        return
    raise ForbiddenError(
        field_name,
        value,
        f"region {region_id} is not one of the regions you are assigned to",
        ErrorCode.NOT_YOUR_REGION,
    )


def require_role(actor: Actor, *roles: Role) -> None:
    """Refuse with 403 unless the actor has one of `roles`."""
    if actor.role not in roles:
        raise ForbiddenError(
            "role",
            actor.role.value,
            f"this action needs the role {' or '.join(roles)}",
            ErrorCode.ROLE_NOT_ALLOWED,
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


def region_today(region: Region, now: datetime) -> date:
    """The calendar day `now` falls on in the region's time zone."""
    return now.astimezone(zoneinfo.ZoneInfo(region.time_zone)).date()


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
    time_zone: str | None = None
    delivery_confirmation_days: int | None = None
    reading_future_tolerance_s: int | None = None


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


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(name: str) -> str:
    """An IANA time zone name known to the tz database (e.g. Asia/Shanghai)."""
    if name not in _time_zones():
        raise InputError("time_zone", name, "an IANA time zone name such as Asia/Shanghai")
    return name


def _check_region_settings(region: Region, schedules: set[str]) -> None:
    if region.price_schedule is not None and region.price_schedule not in schedules:
        raise InputError("price_schedule", region.price_schedule, f"one of {sorted(schedules)}")
    if region.exchange_fee_rate + region.treatment_feedback_share >= 1:
        raise InputError(
            "treatment_feedback_share",
            str(region.treatment_feedback_share),
            f"fee rate ({region.exchange_fee_rate}) + feedback share below 1",
        )
    check_time_zone(region.time_zone)


def create_region(
    session: Session, actor: Actor, spec: RegionSpec, rules: ExchangeRules, schedules: set[str]
) -> Region:
    """Register a region (administrator); codes are unique; unset settings take the defaults."""
    require_role(actor, Role.ADMIN)
    if session.scalar(select(Region.id).where(Region.code == spec.code)) is not None:
        raise ConflictError(
            "code", spec.code, "a region with this code exists", ErrorCode.ALREADY_EXISTS
        )
    region = Region(
        code=spec.code,
        name=spec.name,
        publicity_days=rules.publicity_days if spec.publicity_days is None else spec.publicity_days,
        lapse_days=rules.lapse_days if spec.lapse_days is None else spec.lapse_days,
        exchange_fee_rate=(
            rules.exchange_fee_rate if spec.exchange_fee_rate is None else spec.exchange_fee_rate
        ),
        treatment_feedback_share=(
            rules.treatment_feedback_share
            if spec.treatment_feedback_share is None
            else spec.treatment_feedback_share
        ),
        price_schedule=spec.price_schedule,
        time_zone=rules.time_zone if spec.time_zone is None else spec.time_zone,
        delivery_confirmation_days=(
            rules.delivery_confirmation_days
            if spec.delivery_confirmation_days is None
            else spec.delivery_confirmation_days
        ),
        use_class_conversions=check_conversions(spec.use_class_conversions, rules),
        reading_future_tolerance_s=(
            DEFAULT_FUTURE_TOLERANCE_S
            if spec.reading_future_tolerance_s is None
            else spec.reading_future_tolerance_s
        ),
    )
    _check_region_settings(region, schedules)
    session.add(region)
    session.flush()
    return region


@dataclass(frozen=True)
class RegionSettings:
    """Settings of a region to change; `None` leaves a setting as it is."""

    name: str | None = None
    publicity_days: int | None = None
    lapse_days: int | None = None
    exchange_fee_rate: Decimal | None = None
    treatment_feedback_share: Decimal | None = None
    price_schedule: str | None = None
    time_zone: str | None = None
    delivery_confirmation_days: int | None = None
    use_class_conversions: Mapping[str, Sequence[str]] | None = None
    reading_future_tolerance_s: int | None = None


def update_region(
    session: Session,
    actor: Actor,
    region_id: int,
    settings: RegionSettings,
    rules: ExchangeRules,
    schedules: set[str],
) -> Region:
    """Change a region's settings (its administrator or regulator); checked as a whole."""
    require_role(actor, Role.ADMIN, Role.REGULATOR)
    require_staff_of(actor, region_id, "region_id", region_id)
    region = lock_or_404(session, Region, region_id, "region_id")
    for setting in fields(settings):
        value = getattr(settings, setting.name)
        if setting.name == "use_class_conversions" and value is not None:
            value = check_conversions(value, rules)
        if value is not None:
            setattr(region, setting.name, value)
    _check_region_settings(region, schedules)
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


def _check_home_region(spec: AccountSpec, needed: bool) -> None:
    """A seller or buyer registered over the API names its region; an administrator has none."""
    if needed and spec.role in PARTY_ROLES and spec.region_id is None:
        raise InputError("region_id", None, "a seller or buyer belongs to a region")
    if spec.role is Role.ADMIN and spec.region_id is not None:
        raise InputError("region_id", spec.region_id, "an administrator belongs to no region")


def create_account(
    session: Session, actor: Actor | None, spec: AccountSpec, rules: ExchangeRules, now: datetime
) -> Account:
    """Register an account.

    The administrator registers anyone; a regulator or operator registers sellers and buyers
    of its own regions, and a party registered over the API names its home region. A regulator
    or operator created with a `region_id` is assigned to that region. `actor=None` is the
    bootstrap path of the command line (the first administrator) and of the demo seed.
    """
    if actor is not None:
        require_role(actor, Role.ADMIN, *STAFF_ROLES)
        if actor.role is not Role.ADMIN and spec.role not in PARTY_ROLES:
            raise ForbiddenError(
                "role",
                spec.role.value,
                "regulators and operators register sellers and buyers",
                ErrorCode.ROLE_NOT_ALLOWED,
            )
        if spec.region_id is not None and actor.role is not Role.ADMIN:
            require_staff_of(actor, spec.region_id, "region_id", spec.region_id)
    use_class = spec.use_class
    check_all(
        lambda: _check_home_region(spec, needed=actor is not None),
        lambda: check_username(spec.username),
        lambda: None if use_class is None else check_use_class(use_class, rules),
    )
    if spec.region_id is not None:
        get_or_404(session, Region, spec.region_id, "region_id")
    if session.scalar(select(Account.id).where(Account.username == spec.username)) is not None:
        raise ConflictError(
            "username", spec.username, "this username is taken", ErrorCode.ALREADY_EXISTS
        )
    staff = spec.role in ASSIGNED_ROLES
    account = Account(
        username=spec.username,
        password_hash=spec.password_hash,
        role=spec.role.value,
        display_name=spec.display_name,
        region_id=None if staff else spec.region_id,
        use_class=spec.use_class,
        location=spec.location,
        created_at=now,
    )
    session.add(account)
    session.flush()
    if staff and spec.region_id is not None:
        session.add(RegionStaff(account_id=account.id, region_id=spec.region_id, assigned_at=now))
        session.flush()
    return account


def assign_staff(
    session: Session, actor: Actor, account_id: int, region_id: int, now: datetime
) -> Account:
    """Assign a regulator, operator or network operator to a region (administrator); assigning
    twice is a no-op."""
    require_role(actor, Role.ADMIN)
    account = get_or_404(session, Account, account_id, "account_id")
    get_or_404(session, Region, region_id, "region_id")
    if Role(account.role) not in ASSIGNED_ROLES:
        raise InputError(
            "account_id",
            account_id,
            "a regulator, operator or network operator account (others are not assigned)",
        )
    if session.get(RegionStaff, (account_id, region_id)) is None:
        session.add(RegionStaff(account_id=account_id, region_id=region_id, assigned_at=now))
        session.flush()
    return account


def unassign_staff(session: Session, actor: Actor, account_id: int, region_id: int) -> Account:
    """End a regulator's or operator's assignment to a region (administrator)."""
    require_role(actor, Role.ADMIN)
    account = get_or_404(session, Account, account_id, "account_id")
    removed = session.execute(
        delete(RegionStaff).where(
            RegionStaff.account_id == account_id, RegionStaff.region_id == region_id
        )
    )
    if not getattr(removed, "rowcount", 0):
        raise NotFoundError("region_id", region_id)
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


def check_plant_operator(session: Session, operator_id: int, region_id: int) -> Account:
    """The account that runs a plant and reports its deliveries.

    It is the utility that runs the plant: a seller whose home region is the plant's region
    (seed 000: Lingshi authorised 保净污水处理有限公司, the sole seller of reclaimed water, to run
    the plants and supply the buyers), or an exchange operator assigned to that region. A buyer,
    a regulator, an administrator or anyone of another region is refused.
    """
    account = session.get(Account, operator_id)
    if account is None:
        raise NotFoundError("operator_id", operator_id)
    role = Role(account.role)
    fits = (role is Role.SELLER and account.region_id == region_id) or (
        role is Role.OPERATOR and region_id in assigned_regions(session, account.id)
    )
    if not fits:
        raise InputError(
            "operator_id",
            operator_id,
            f"a seller of region {region_id} (the utility running the plant) or an exchange "
            f"operator assigned to region {region_id}",
        )
    return account


def add_plant(session: Session, actor: Actor, spec: PlantSpec, rules: ExchangeRules) -> Plant:
    """Register a plant (the region's regulator); the reuse cap fixes its deliverable supply."""
    require_role(actor, Role.REGULATOR)
    require_staff_of(actor, spec.region_id, "region_id", spec.region_id)
    get_or_404(session, Region, spec.region_id, "region_id")
    if spec.operator_id is not None:
        check_plant_operator(session, spec.operator_id, spec.region_id)
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
