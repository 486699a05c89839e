"""Request and response bodies of the HTTP API. Money is a decimal string; volumes whole m³."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Header, Path
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from reclaim.errors import ErrorCode, InputError
from reclaim.market.rules import (
    USERNAME_FORM,
    USERNAME_PATTERN,
    ListingMode,
    Role,
    check_username,
)
from reclaim.service.field_docs import Documented

MAX_ID = 2**31 - 1
"""Ids are 32-bit integers in the store."""
MAX_VOLUME_M3 = 10**12
MAX_DAILY_M3 = 10**9
"""A daily volume: a thousand times the largest treatment plant's (about 10⁶ m³/d)."""
MAX_PRICE_YUAN_PER_M3 = Decimal("99999.99")
"""Tens of thousands of times a reclaimed-water tariff (a few 元/m³)."""
MAX_PUBLICITY_DAYS = 365
MAX_LAPSE_DAYS = 365
MAX_CONFIRMATION_DAYS = 365
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)


def _printable(text: str) -> str:
    if not text.isprintable():
        raise ValueError("printable characters only (no control characters)")
    return text


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_date(value: object) -> object:
    """A date comes as ISO 8601 text: a number (or digits) would be read as epoch seconds."""
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise ValueError("an ISO 8601 date as text, YYYY-MM-DD (not a number)")
    return value


def _iso_moment(value: object) -> object:
    """A time comes as ISO 8601 text with its offset, never as epoch seconds."""
    if not isinstance(value, str) or not ISO_MOMENT.match(value):
        raise ValueError("an ISO 8601 time as text, YYYY-MM-DDTHH:MM[:SS]+HH:MM (not a number)")
    return value


def _in_calendar(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"a date between {FIRST_DAY} and {LAST_DAY}")
    return day


PrintableText = Annotated[str, AfterValidator(_printable)]
"""Text without control characters: a NUL byte compared in a query is a 500 on PostgreSQL."""
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
"""A row id in a URL path."""
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
"""Optional header: a submission repeated with the same key takes effect once."""
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_printable)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")]
Password = Annotated[
    str, StringConstraints(min_length=8, max_length=200), AfterValidator(_printable)
]
VolumeM3 = Annotated[int, Field(strict=True, gt=0, le=MAX_VOLUME_M3)]
"""Whole m³ as a JSON integer: `true` or `2.0` are refused, not read as 1 or 2."""
DailyM3 = Annotated[int, Field(strict=True, gt=0, le=MAX_DAILY_M3)]
"""Whole m³ in one day. With `Price` it bounds a bill: 10⁹ × 99 999.99 元 < 10¹⁶, what the money
column (NUMERIC(20, 4)) holds."""
Price = Annotated[Decimal, Field(gt=0, le=MAX_PRICE_YUAN_PER_M3, decimal_places=2)]
Fraction = Annotated[Decimal, Field(ge=0, lt=1, max_digits=6, decimal_places=4)]
Day = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_in_calendar)]
Moment = Annotated[AwareDatetime, BeforeValidator(_iso_moment)]
UseClassConversions = Annotated[
    dict[Code, Annotated[list[Code], Field(max_length=16)]],
    Field(
        max_length=16,
        description="Listed use → the buyer sectors a region lets it be bought for, e.g. "
        '{"industrial": ["municipal"]}: the price and the new right are then the buyer\'s.',
    ),
]


class Strict(Documented):
    """Unknown fields are refused, so a misspelt field never passes silently."""

    model_config = ConfigDict(extra="forbid")


def _username(name: str) -> str:
    """The account-name rule of `reclaim.market.rules.check_username`, as a schema check: the
    refusal states the allowed form in words and carries the code `bad_username`."""
    try:
        check_username(name)
    except InputError as error:
        raise PydanticCustomError(error.error_code.value, error.allowed) from None
    return name


Username = Annotated[
    str,
    AfterValidator(_username),
    Field(
        description=f"An account name (login): {USERNAME_FORM}.",
        examples=["water_bureau"],
        json_schema_extra={"pattern": f"^{USERNAME_PATTERN.pattern}$", "maxLength": 64},
    ),
]


class TokenRequest(Strict):
    """A login as JSON: `{"username": …, "password": …}`."""

    username: Username
    password: Annotated[Password, Field(description="The account's password.")]


class TokenForm(Strict):
    """A login as the OAuth2 password form (application/x-www-form-urlencoded), as Swagger UI's
    Authorize button and OAuth2 client libraries send it; `scope` and the client fields are
    accepted and ignored."""

    grant_type: Literal["password"] = Field(
        default="password", description="The OAuth2 grant: only `password`.", examples=["password"]
    )
    username: Username
    password: Annotated[Password, Field(description="The account's password.")]
    scope: Annotated[str, StringConstraints(max_length=1000)] = Field(
        default="",
        description="OAuth2 scopes; the service grants none, it ignores them.",
        examples=[""],
    )
    client_id: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None,
        description="An OAuth2 client id; ignored (there are no clients).",
        examples=[None],
    )
    client_secret: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="An OAuth2 client secret; ignored.", examples=[None]
    )


class TokenOut(Documented):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


PublicityDays = Annotated[int, Field(strict=True, ge=0, le=MAX_PUBLICITY_DAYS)]
LapseDays = Annotated[int, Field(strict=True, ge=1, le=MAX_LAPSE_DAYS)]
ConfirmationDays = Annotated[int, Field(strict=True, ge=0, le=MAX_CONFIRMATION_DAYS)]
FutureToleranceS = Annotated[int, Field(strict=True, ge=0, le=86_400)]
"""Seconds a meter reading may be stamped ahead of the receiving clock (at most a day)."""
TimeZone = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$"
    ),
]
"""An IANA time zone name (Asia/Shanghai); checked against the tz database."""


class RegionSettingsIn(Strict):
    """Settings of a region; a field left out keeps its value."""

    name: Name | None = None
    publicity_days: PublicityDays | None = None
    lapse_days: LapseDays | None = None
    exchange_fee_rate: Fraction | None = None
    treatment_feedback_share: Fraction | None = None
    price_schedule: Code | None = None
    time_zone: TimeZone | None = None
    delivery_confirmation_days: ConfirmationDays | None = None
    use_class_conversions: UseClassConversions | None = None
    reading_future_tolerance_s: FutureToleranceS | None = None


class RegionIn(RegionSettingsIn):
    """A new region; settings left out take the exchange's defaults (exchange_rules.yaml)."""

    code: Code
    name: Name
    use_class_conversions: UseClassConversions = Field(default_factory=dict)


class RegionOut(Documented):
    id: int
    code: str
    name: str
    publicity_days: int
    lapse_days: int
    exchange_fee_rate: Decimal
    treatment_feedback_share: Decimal
    price_schedule: str | None
    time_zone: str
    delivery_confirmation_days: int
    use_class_conversions: dict[str, list[str]]
    reading_future_tolerance_s: int


class AccountIn(Strict):
    username: Username
    password: Password
    role: Role
    display_name: Name
    region_id: Id | None = None
    use_class: Code | None = None
    location: Name | None = None


class AccountOut(Documented):
    id: int
    username: str
    role: str
    display_name: str
    region_id: int | None
    """A seller's or buyer's home region."""
    use_class: str | None
    location: str | None
    disabled_at: datetime | None = None
    """Set while an administrator has the account disabled: it cannot log in."""
    region_ids: list[int] = Field(default_factory=list)
    """The regions a regulator or operator is assigned to."""


class PlantIn(Strict):
    name: Name
    sewage_treated_m3_per_day: DailyM3
    reclaimed_capacity_m3_per_day: DailyM3
    operator_id: Id | None = None
    source: Annotated[str, StringConstraints(max_length=2000), AfterValidator(_printable)] = ""


class PlantOut(Documented):
    id: int
    region_id: int
    name: str
    sewage_treated_m3_per_day: int
    reclaimed_capacity_m3_per_day: int
    deliverable_daily_m3: int
    deliverable_annual_m3: int
    committed_daily_m3: int
    committed_annual_m3: int
    """Held today by the plant's rights (a right past its term holds nothing)."""
    operator_id: int | None
    source: str


class RightIn(Strict):
    holder_id: Id
    plant_id: Id
    annual_volume_m3: VolumeM3
    daily_max_m3: DailyM3
    term_start: Day
    term_end: Day
    use_class: Code


class RightPeriodOut(Documented):
    """Contract years of a right with the same volume held and reserved (end exclusive)."""

    starts_on: date
    ends_on: date
    annual_volume_m3: int
    daily_max_m3: int
    reserved_annual_m3: int
    reserved_daily_m3: int


class RightOut(Documented):
    """A right; the four volumes are those of its contract year under way (its first year
    before the term, zero once expired), `periods` gives every year."""

    id: int
    region_id: int
    plant_id: int
    holder_id: int
    parent_id: int | None
    use_class: str
    term_start: date
    term_end: date
    original_annual_m3: int
    original_daily_m3: int
    annual_volume_m3: int
    daily_max_m3: int
    reserved_annual_m3: int
    reserved_daily_m3: int
    state: str
    """active, exhausted (nothing held in any year) or expired (past its term)."""
    periods: list[RightPeriodOut]


class ListingIn(Strict):
    right_id: Id
    mode: ListingMode
    annual_volume_m3: VolumeM3
    daily_max_m3: DailyM3
    term_start: Day
    term_end: Day
    delivery_point: Name
    reserve_yuan_per_m3: Price | None = None
    price_schedule: Code | None = None
    counterparty_id: Id | None = None
    closes_at: Moment | None = None
    use_class: Code | None = Field(
        default=None,
        description="The use of the water sold: the right's by default, or one the region's "
        "use_class_conversions allow for it.",
    )


class ListingOut(Documented):
    id: int
    right_id: int
    seller_id: int
    counterparty_id: int | None
    mode: str
    annual_volume_m3: int
    daily_max_m3: int
    term_start: date
    term_end: date
    reserve_yuan_per_m3: Decimal | None
    price_schedule: str | None
    use_class: str
    delivery_point: str
    closes_at: datetime | None
    state: str
    best_bid_yuan_per_m3: Decimal | None = None
    """Shown for open ascending auctions only; sealed bids stay sealed."""


class BidIn(Strict):
    price_yuan_per_m3: Price


class BidOut(Documented):
    id: int
    listing_id: int
    bidder_id: int
    price_yuan_per_m3: Decimal
    placed_at: datetime


class DealOut(Documented):
    id: int
    listing_id: int
    right_id: int
    region_id: int
    seller_id: int
    buyer_id: int
    mode: str
    annual_volume_m3: int
    daily_max_m3: int
    term_start: date
    term_end: date
    price_yuan_per_m3: Decimal
    use_class: str
    delivery_point: str
    state: str
    publicity_ends_at: datetime
    lapses_at: datetime
    decided_at: datetime | None
    decision_reason: str | None


class CloseOut(Documented):
    listing_id: int
    state: str
    deal: DealOut | None


class DecisionIn(Strict):
    reason: (
        Annotated[str, StringConstraints(max_length=2000), AfterValidator(_printable)] | None
    ) = None


class ContractOut(Documented):
    id: int
    deal_id: int
    right_id: int
    source_right_id: int
    region_id: int
    plant_id: int
    seller_id: int
    buyer_id: int
    annual_volume_m3: int
    daily_max_m3: int
    price_yuan_per_m3: Decimal
    term_start: date
    term_end: date
    term_years: Decimal
    delivery_point: str
    concluded_at: datetime


class DeliveryIn(Strict):
    day: Day
    volume_m3: DailyM3


Reason = Annotated[
    str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_printable)
]


class DisputeIn(Strict):
    reason: Reason


class DeliveryDecisionIn(Strict):
    volume_m3: Annotated[int, Field(strict=True, ge=0, le=MAX_DAILY_M3)]
    """The volume found delivered (0 bills nothing)."""
    reason: Reason


class BillOut(Documented):
    id: int
    delivery_id: int
    contract_id: int
    buyer_id: int
    seller_id: int
    volume_m3: int
    price_yuan_per_m3: Decimal
    amount_yuan: Decimal
    exchange_fee_yuan: Decimal
    treatment_feedback_yuan: Decimal
    seller_net_yuan: Decimal
    ledger_txn_id: str


class DeliveryOut(Documented):
    id: int
    contract_id: int
    day: date
    volume_m3: int
    source: Literal["manual"] = "manual"
    """Entered by hand, which only a contract without a meter takes; a metered contract's days
    are its metered days (GET /contracts/{contract_id}/metered-days)."""
    state: str
    confirm_by: datetime | None
    """Until when the buyer may dispute a delivery its seller reported; billed after it."""
    dispute_reason: str | None
    decision_reason: str | None
    billed_volume_m3: int | None
    bill: BillOut | None = None


class BilledOut(Documented):
    """The deliveries a run of the billing of unanswered deliveries billed."""

    deliveries: list[DeliveryOut]


class LedgerEntryOut(Documented):
    seq: int
    txn_id: str
    account: str
    amount_yuan: Decimal
    memo: str
    created_at: datetime
    prev_hash: str
    hash: str


class LedgerVerifyOut(Documented):
    ok: bool
    entries: int
    first_broken_seq: int | None
    reason: str | None
    unbalanced_txns: list[str]


class PublicTradeOut(Documented):
    contract_id: int
    region_id: int
    seller: str
    buyer: str
    mode: str
    annual_volume_m3: int
    daily_max_m3: int
    price_yuan_per_m3: Decimal
    term_start: date
    term_end: date
    concluded_at: datetime


class PublicObjectionOut(Documented):
    """An objection as published: grounds and resolution, never the objector or the contact."""

    id: int
    filed_by: Literal["party", "public"]
    grounds: str
    state: str
    filed_at: datetime
    resolution: str | None
    resolved_at: datetime | None


class PublicNoticeOut(Documented):
    """A deal in publicity (公示) or awaiting its decision, as the public sees it."""

    deal_id: int
    region_id: int
    seller: str
    buyer: str
    mode: str
    state: str
    annual_volume_m3: int
    price_yuan_per_m3: Decimal
    use_class: str
    term_start: date
    term_end: date
    publicity_ends_at: datetime
    lapses_at: datetime
    objections: list[PublicObjectionOut]


class LedgerHeadOut(Documented):
    """The ledger's chain head as published for one day: keep it, check it later."""

    day: date
    last_seq: int
    last_hash: str
    published_at: datetime


class PublicNoticesOut(Documented):
    """The public notice board: deals open to objection or awaiting decision, and the newest
    published ledger head."""

    as_of: datetime
    """The exchange's time when the board was read: countdowns to `publicity_ends_at` run from
    it, not from the reader's own clock."""
    ledger_head: LedgerHeadOut | None
    deals: list[PublicNoticeOut]


Grounds = Annotated[
    str, StringConstraints(min_length=1, max_length=4000), AfterValidator(_printable)
]


class ObjectionIn(Strict):
    grounds: Grounds


class PublicObjectionIn(Strict):
    grounds: Grounds
    contact: Name
    """How the regulator reaches the objector (mail, phone); never published."""


class ObjectionOut(Documented):
    """An objection as the regulator sees it (the public objector's contact included)."""

    id: int
    deal_id: int
    filed_by_id: int | None
    contact: str | None
    grounds: str
    state: str
    filed_at: datetime
    resolution: str | None
    resolved_at: datetime | None


class FiledObjectionOut(Documented):
    """What the objector gets back."""

    id: int
    deal_id: int
    state: str
    filed_at: datetime


class ResolutionIn(Strict):
    outcome: Literal["dismissed", "upheld"]
    reason: Annotated[
        str, StringConstraints(min_length=1, max_length=4000), AfterValidator(_printable)
    ]


class LogoutOut(Documented):
    account_id: int
    revoked_tokens: int


class DisabledOut(AccountOut):
    revoked_tokens: int
    """The account's live tokens, all revoked when it was disabled."""


class PasswordChangeIn(Strict):
    current_password: Password
    new_password: Annotated[str, StringConstraints(max_length=1000)]
    """Checked against the password policy, which the refusal states in words."""


class PasswordSetOut(Documented):
    account_id: int
    revoked_tokens: int
    """Tokens revoked by the change: every other one of the account (a reset: all of them)."""


ResetCodeText = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class ResetCodeOut(Documented):
    account_id: int
    code: str
    """Shown once, here; the store keeps only its SHA-256. Hand it to the user out of band."""
    expires_at: datetime


class PasswordResetIn(Strict):
    username: Code
    code: ResetCodeText
    new_password: Annotated[str, StringConstraints(max_length=1000)]


class ClockOffsetIn(Strict):
    offset_seconds: Annotated[int, Field(ge=0, le=100 * 366 * 86_400)]


class ClockOut(Documented):
    now: datetime
    offset_seconds: int


class JobRunOut(Documented):
    name: str
    ran: bool
    result: int | None


class PricePeriodOut(Documented):
    period: str
    trades: int
    annual_volume_m3: int
    mean_price_yuan_per_m3: Decimal
    index: Decimal


class PlanRunOut(Documented):
    """A plan run: `queued` until the engine has computed it, then `done` or `failed`."""

    id: int
    region_id: int | None
    state: Literal["queued", "done", "failed"]
    status_url: str
    """Where to read the run (GET) until its state is done or failed."""
    created_at: datetime
    finished_at: datetime | None
    result: dict[str, Any] | None
    """The plan's figures and audit, when done."""
    error: dict[str, Any] | None
    """Why the engine refused the scenario (`field`, `value`, `reason`), when failed."""


class ProblemOut(Documented):
    """One problem of a refused request."""

    field: str = Field(description="The field at fault, dotted.", examples=["annual_volume_m3"])
    value: Any = Field(
        default=None, description="The value given, cut to a short excerpt.", examples=[0]
    )
    reason: str = Field(
        description="What is allowed, in English.", examples=["Input should be greater than 0"]
    )
    code: ErrorCode = Field(description="The problem's stable code.", examples=["out_of_range"])


class ErrorOut(Documented):
    """Every refusal: what kind, its stable code, which field, the value given and why."""

    error: str = Field(
        description="The broad kind: invalid_input, unauthorized, forbidden, not_found, refused, "
        "conflict, too_large, too_many_attempts, busy, not_ready or server_error.",
        examples=["conflict"],
    )
    code: ErrorCode = Field(
        description="The stable machine code (README, 'Refusal codes'): show the refusal in "
        "the client's own language by it.",
        examples=["volume_above_capacity"],
    )
    field: str = Field(
        description="The field, header, path or parameter at fault.", examples=["annual_volume_m3"]
    )
    value: Any = Field(
        default=None,
        description="The value given, cut to a short excerpt (never a secret).",
        examples=[2_000_000],
    )
    reason: str = Field(
        description="Why, and what is allowed, in English.",
        examples=["plant 1 can deliver only 1000 more m³/yr in 2021-09-01–2026-09-01"],
    )
    errors: list[ProblemOut] = Field(
        default_factory=list,
        description="Every problem of a 422 found by the schema (the first is the top-level one).",
    )


THROTTLED: dict[str, Any] = {
    "model": ErrorOut,
    "description": "too many attempts: wait `Retry-After` seconds (the body says until when)",
}


# -- operations: alerts, webhooks, metered bills ------------------------------------------------


class AlertOut(Documented):
    """An alert, its state with who and why, how often it fired and how far it escalated."""

    id: int
    region_id: int
    rule: str
    severity: str
    subject: str
    sensor_id: int | None
    contract_id: int | None
    state: str
    opened_at: datetime
    first_seen_at: datetime
    last_seen_at: datetime
    occurrences: int
    """Times the condition came back while the alert was not resolved (duplicates folded)."""
    escalation_level: int
    """Full acknowledgement periods of its rule it stayed open without acknowledgement."""
    detail: str | None
    """What the condition was judged against (a quality exceedance: standard, use, limit)."""
    acknowledged_by_id: int | None
    acknowledged_at: datetime | None
    acknowledged_why: str | None
    resolved_by_id: int | None
    resolved_at: datetime | None
    resolved_why: str | None


class AlertPageOut(Documented):
    """One page of alerts, sorted by the server, and how many match in all."""

    items: list[AlertOut]
    total: int
    page: int
    per_page: int


class AlertActionIn(Strict):
    why: Reason
    """Why it is acknowledged (what is being done) or resolved (what it was)."""


class WebhookIn(Strict):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    """Where the region's alerts are posted: https (or what the service allows)."""


class WebhookOut(Documented):
    """A webhook of a region and how its notifications went."""

    id: int
    region_id: int
    url: str
    """Scheme and host only ("/…" for the rest, which may carry the receiver's token)."""
    created_at: datetime
    pending: int
    delivered: int
    failed: int
    last_error: str | None


class WebhookCreatedOut(WebhookOut):
    secret: str
    """The HMAC-SHA256 key its bodies are signed with: shown here once, keep it."""


class MonthlyBillLineOut(Documented):
    day: date
    kind: str
    volume_m3: Decimal
    price_yuan_per_m3: Decimal
    amount_yuan: Decimal
    adjustment: bool
    """An earlier day's charge corrected (a late reading), billed in this month's bill."""


class MonthlyBillOut(Documented):
    """A metered contract's bill of one month, as posted to the ledger."""

    id: int
    contract_id: int
    month: date
    buyer_id: int
    seller_id: int
    amount_yuan: Decimal
    exchange_fee_yuan: Decimal
    treatment_feedback_yuan: Decimal
    seller_net_yuan: Decimal
    ledger_txn_id: str | None
    created_at: datetime
    lines: list[MonthlyBillLineOut]


class DailyVolumeOut(Documented):
    """A contract's day: the volume and where it came from, and what of it was over-draw."""

    day: date
    source: Literal["meter", "manual"]
    volume_m3: Decimal
    daily_cap_m3: int
    over_cap_m3: Decimal
    over_right_m3: Decimal
    estimated: bool
    """A midnight fell between two readings: the meter's register was interpolated there."""


class ContractUseOut(Documented):
    """A contract's days in one contract year, and the year's use against its right."""

    contract_id: int
    year_start: date
    year_end: date
    annual_volume_m3: int
    used_m3: Decimal
    """Volume delivered within the right this year (metered or entered by hand)."""
    over_draw_m3: Decimal
    """Volume above the daily cap or beyond the right this year, billed at the over-draw rule."""
    days: list[DailyVolumeOut]
