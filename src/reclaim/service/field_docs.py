"""What each field of the API's bodies means, with an example: one entry per field name.

`Documented` models (every body of `reclaim.service.schemas`) take a field's description and
example from here unless the field gives its own (`Field(description=…, examples=[…])` or an
attribute docstring). A field whose meaning depends on its model is keyed `Model.field`. The
examples are those of the README's session (Shuozhou's No. 1 plant, seed 001) where one fits.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

FIELD_DOCS: dict[str, tuple[str, Any]] = {
    # identity and accounts
    "id": ("This record's id.", 1),
    "access_token": ("The bearer token: send it as `Authorization: Bearer <token>`.", "q1w2…"),
    "token_type": ("Always `bearer`.", "bearer"),
    "expires_at": ("When it stops being accepted (ISO 8601 with offset).", "2021-08-10T10:00:00Z"),
    "username": ("The account's login name.", "shuozhou_water"),
    "password": ("The password: 8 to 200 printable characters.", "correct horse battery"),
    "current_password": ("The password the account logs in with now.", "correct horse battery"),
    "new_password": ("The new password, checked against the password policy.", "river stone 2024"),
    "role": (
        "admin, regulator, operator, network_operator, seller or buyer.",
        "seller",
    ),
    "display_name": ("The name shown to people (any script).", "朔州市第一污水处理厂"),
    "region_id": ("The region's id.", 1),
    "region_ids": ("The regions a regulator or operator is assigned to.", [1]),
    "use_class": (
        "The sector the water is used in, one of the exchange's use classes.",
        "industrial",
    ),
    "location": ("Where the party takes the water (free text).", "Shuozhou coal-power park"),
    "disabled_at": ("When the administrator disabled the account (null: it is not).", None),
    "account_id": ("The account's id.", 3),
    "revoked_tokens": ("How many live tokens were revoked.", 1),
    "ResetCodeOut.code": ("The one-time reset code (shown only here).", "ABCD-EFGH-JKLM-NPQR"),
    "PasswordResetIn.code": (
        "The one-time reset code the administrator handed over.",
        "ABCD-EFGH-JKLM-NPQR",
    ),
    # regions and plants
    "RegionIn.code": ("The region's short code: lower-case letters, digits, `_ . -`.", "shuozhou"),
    "RegionOut.code": ("The region's short code.", "shuozhou"),
    "name": ("The name (any script).", "朔州市"),
    "publicity_days": ("Days a deal is public (公示) before it may be approved.", 5),
    "lapse_days": (
        "Days after publicity within which the regulator decides, or the deal lapses.",
        30,
    ),
    "exchange_fee_rate": ("The exchange's share of every bill (a fraction below 1).", "0.0050"),
    "treatment_feedback_share": (
        "The share of every bill fed back to treatment (a fraction below 1).",
        "0.1000",
    ),
    "price_schedule": ("The id of a published price schedule (priced by sector).", "shuozhou_2021"),
    "time_zone": ("The region's IANA time zone, which sets its days.", "Asia/Shanghai"),
    "delivery_confirmation_days": (
        "Days the buyer has to dispute a delivery its seller reported.",
        3,
    ),
    "use_class_conversions": (
        "Listed use → the buyer sectors it may be sold for.",
        {"industrial": ["municipal"]},
    ),
    "sewage_treated_m3_per_day": ("Sewage the plant treats, m³/d.", 40_000),
    "reclaimed_capacity_m3_per_day": ("The plant's reclamation capacity, m³/d.", 32_000),
    "deliverable_daily_m3": (
        "What the plant can deliver a day: capacity, capped at 0.8 × sewage.",
        32_000,
    ),
    "deliverable_annual_m3": ("What the plant can deliver a year (365 × daily).", 11_680_000),
    "committed_daily_m3": ("Daily volume held today by the plant's rights, m³/d.", 5_000),
    "committed_annual_m3": ("Annual volume held today by the plant's rights, m³/yr.", 1_000_000),
    "operator_id": ("The account running the plant (a seller of the region or an operator).", 4),
    "source": ("Where the plant's figures come from (document, page).", "seed 001 §3.2"),
    "plant_id": ("The supplying plant's id.", 1),
    # rights, listings, bids, deals
    "holder_id": ("The account holding the right (a seller or buyer).", 3),
    "annual_volume_m3": ("Whole m³ per contract year.", 100_000),
    "daily_max_m3": ("Whole m³ at most on any one day.", 500),
    "original_annual_m3": ("The annual volume the right was issued with, m³/yr.", 1_000_000),
    "original_daily_m3": ("The daily volume the right was issued with, m³/d.", 5_000),
    "reserved_annual_m3": ("Annual volume set aside by open listings and deals, m³/yr.", 100_000),
    "reserved_daily_m3": ("Daily volume set aside by open listings and deals, m³/d.", 500),
    "term_start": ("The first day (ISO 8601 date).", "2021-09-01"),
    "term_end": ("The day after the last (ISO 8601 date, exclusive).", "2026-09-01"),
    "starts_on": ("The first day of the period.", "2021-09-01"),
    "ends_on": ("The day after the period's last (exclusive).", "2022-09-01"),
    "periods": ("The right's contract years, grouped where the volumes are the same.", []),
    "parent_id": ("The right this one was bought out of (null: issued by the regulator).", None),
    "RightOut.state": ("active, exhausted (nothing held in any year) or expired.", "active"),
    "right_id": ("The right's id.", 1),
    "source_right_id": ("The seller's right the contract's volume came out of.", 1),
    "mode": (
        "fixed (挂牌), negotiated (协议转让, one named buyer), ascending or sealed (竞价).",
        "sealed",
    ),
    "delivery_point": ("Where the water is handed over (free text).", "No. 1 plant outlet gate"),
    "reserve_yuan_per_m3": ("The price (fixed, negotiated) or reserve (auctions), 元/m³.", "2.60"),
    "counterparty_id": ("The one buyer of a negotiated listing.", 5),
    "closes_at": (
        "When an auction stops taking bids (ISO 8601 with offset).",
        "2021-08-12T09:00:00+08:00",
    ),
    "ListingOut.state": ("open, sold, unsold or cancelled.", "open"),
    "best_bid_yuan_per_m3": ("The best bid so far (open ascending auctions only).", "2.80"),
    "seller_id": ("The selling account's id.", 3),
    "buyer_id": ("The buying account's id.", 5),
    "bidder_id": ("The bidding account's id.", 5),
    "listing_id": ("The listing's id.", 1),
    "price_yuan_per_m3": ("Price in 元/m³, a decimal string with at most two decimals.", "2.80"),
    "placed_at": ("When the bid was placed.", "2021-08-10T09:30:00Z"),
    "DealOut.state": (
        "publicity, pending_decision, approved, rejected, lapsed or contracted.",
        "publicity",
    ),
    "PublicNoticeOut.state": ("publicity or pending_decision.", "publicity"),
    "CloseOut.state": ("sold (a deal was made) or unsold.", "sold"),
    "deal": ("The deal the winning bid made (null: unsold).", None),
    "deal_id": ("The deal's id.", 1),
    "publicity_ends_at": ("When the deal's publicity (公示) ends.", "2021-08-15T09:00:00Z"),
    "lapses_at": ("When an undecided deal lapses.", "2021-09-14T09:00:00Z"),
    "decided_at": ("When the regulator decided (null: not yet).", None),
    "decision_reason": ("The decision's stated reason (null: none given).", None),
    "reason": ("The reason, in words.", "the buyer's intake is not built yet"),
    "seller": ("The seller's display name.", "朔州市第一污水处理厂"),
    "buyer": ("The buyer's display name.", "神头第二发电厂"),
    # contracts, deliveries, bills, ledger
    "contract_id": ("The contract's id.", 1),
    "concluded_at": ("When the contract was concluded.", "2021-08-16T09:00:00Z"),
    "term_years": ("The contract's term in years.", "5.0000"),
    "day": ("The day (ISO 8601 date, in the region's time zone).", "2021-10-01"),
    "volume_m3": ("Whole m³ delivered on the day.", 100),
    "DeliveryOut.state": (
        "awaiting_confirmation, confirmed, disputed, billed or rejected.",
        "billed",
    ),
    "dispute_reason": ("Why the buyer disputed it (null: not disputed).", None),
    "billed_volume_m3": ("The volume billed (null: not billed yet).", 100),
    "bill": ("The delivery's bill (null: not billed yet).", None),
    "deliveries": ("The deliveries billed by this run.", []),
    "delivery_id": ("The delivery's id.", 1),
    "amount_yuan": ("Amount in 元, a decimal string.", "280.00"),
    "exchange_fee_yuan": ("The exchange's fee, 元.", "1.40"),
    "treatment_feedback_yuan": ("The share fed back to treatment, 元.", "28.00"),
    "seller_net_yuan": ("What the seller receives, 元.", "250.60"),
    "ledger_txn_id": ("The ledger transaction that posted the bill.", "bill-1"),
    "txn_id": ("The ledger transaction the entry belongs to.", "bill-1"),
    "seq": ("The entry's place in the hash chain.", 1),
    "account": ("The ledger account.", "buyer:5"),
    "memo": ("What the entry is for.", "delivery 1 on 2021-10-01"),
    "created_at": ("When it was recorded.", "2021-10-02T09:00:00Z"),
    "prev_hash": ("The previous entry's hash (SHA-256, hex).", "0" * 64),
    "hash": ("This entry's hash (SHA-256, hex).", "9f" * 32),
    "ok": ("True when the chain and every transaction check out.", True),
    "entries": ("How many entries were checked.", 12),
    "first_broken_seq": ("The first entry whose hash does not match (null: none).", None),
    "LedgerVerifyOut.reason": ("What is wrong (null: nothing).", None),
    "unbalanced_txns": ("Transactions whose entries do not sum to zero.", []),
    "last_seq": ("The last entry covered by the head.", 12),
    "last_hash": ("The hash of that entry (SHA-256, hex).", "9f" * 32),
    "published_at": ("When the head was published.", "2021-10-02T00:00:00Z"),
    "ledger_head": ("The newest published ledger head (null: none yet).", None),
    # publicity and objections
    "deals": ("The deals on the board.", []),
    "objections": ("Objections filed against the deal.", []),
    "grounds": (
        "The grounds of the objection, in words.",
        "the volume exceeds the plant's summer output",
    ),
    "contact": ("How the regulator reaches the objector; never published.", "li@example.org"),
    "filed_at": ("When it was filed.", "2021-08-11T09:00:00Z"),
    "filed_by": ("party (a party to the deal) or public.", "public"),
    "filed_by_id": ("The objecting party's account (null: the public).", None),
    "ObjectionOut.state": ("open, dismissed or upheld.", "open"),
    "PublicObjectionOut.state": ("open, dismissed or upheld.", "open"),
    "FiledObjectionOut.state": ("open, dismissed or upheld.", "open"),
    "resolution": ("The regulator's written resolution (null: open).", None),
    "resolved_at": ("When it was resolved (null: open).", None),
    "outcome": ("dismissed or upheld.", "dismissed"),
    # public prices, plans, operations, testing
    "period": ("The period (a year, or a year and quarter).", "2021"),
    "trades": ("Contracts concluded in the period.", 3),
    "mean_price_yuan_per_m3": ("Volume-weighted mean price, 元/m³.", "2.75"),
    "index": ("The price index (first period = 100).", "100.00"),
    "PlanRunOut.state": ("queued, done or failed.", "done"),
    "status_url": ("Where to read the run.", "/plans/1"),
    "finished_at": ("When the engine finished (null: queued).", None),
    "PlanRunOut.result": ("The plan's figures and audit, when done.", None),
    "PlanRunOut.error": ("Why the engine refused the scenario, when failed.", None),
    "status": ("Always `ok`.", "ok"),
    "now": ("The service's time.", "2021-08-10T09:00:00Z"),
    "offset_seconds": ("How far the service's clock runs ahead of the wall clock, s.", 86_400),
    "JobRunOut.name": ("The job's name.", "end_publicity"),
    "ran": ("Whether the job ran (false: another worker holds its lease).", True),
    "JobRunOut.result": ("What the job did (a count), when it ran.", 1),
    "errors": ("Every problem found; the first is the body's own.", []),
    "as_of": ("The exchange's time when the board was read.", "2021-08-11T09:00:00Z"),
    "confirm_by": ("Until when the buyer may dispute the delivery.", "2021-10-05T00:00:00+08:00"),
    # operations: devices, sensors, network, readings, quarantine
    "code": ("The element's code: letters, digits and _ . : - (no spaces).", "FM-101"),
    "token": ("The device's credential, shown this once (stored hashed).", "dev_3kq…"),
    "token_issued_at": ("When the device's current token was issued (null: none).", None),
    "kind": (
        "What the sensor measures: flow, volume_totaliser, pressure, tank_level, turbidity, "
        "residual_chlorine, nh3_n, cod, ph or conductivity.",
        "flow",
    ),
    "AttachmentIn.kind": ("plant, node, link, delivery_point or dma.", "link"),
    "ref": ("A plant id, an EPANET node or link id, a contract id or a DMA code.", "P-12"),
    "unit": ("The kind's canonical unit, in which values are given.", "m3/h"),
    "valid_min": ("The lowest plausible value; readings below are quarantined.", 0.0),
    "valid_max": ("The highest plausible value; readings above are quarantined.", 500.0),
    "interval_s": ("Seconds between readings, at most a day.", 900),
    "level": ("The sensor's monitoring level: 一级, 二级 or 三级.", "一级"),
    "attachment": ("What the sensor is attached to.", {"kind": "link", "ref": "P-12"}),
    "device": ("The code of the device that sends its readings (null: none).", "RTU-7"),
    "links": ("The network's links.", [{"id": "P-12", "start": "J-1", "end": "J-2"}]),
    "NetworkOut.links": ("How many links the region's network has.", 33),
    "LinkIn.id": ("The link's EPANET id.", "P-12"),
    "start": ("The node the link starts at.", "J-1"),
    "end": ("The node the link ends at.", "J-2"),
    "link_ids": ("The links inside the district metered area.", ["P-12", "P-13"]),
    "meters": ("Codes of the flow meters on the links crossing the boundary.", ["FM-101"]),
    "boundary_links": ("The links crossing the area's boundary.", ["P-14"]),
    "accepted": ("Readings stored.", 96),
    "duplicates": ("Readings already stored (counted once).", 0),
    "quarantined": ("Readings kept aside with their reason.", 1),
    "refused": ("The quarantined readings, with their row and reason.", []),
    "alerts_opened": ("Alerts the batch opened.", 0),
    "alerts_folded": ("Alerts the batch folded into open ones.", 0),
    "row": ("The reading's position in the batch (0 first).", 3),
    "quarantine_id": ("Its quarantine entry (null: not kept).", 1),
    "ts": ("When the value was measured.", "2021-10-01T08:15:00+08:00"),
    "value": ("The value, in the kind's canonical unit.", 42.5),
    "QuarantineOut.value": ("The value as it came (text).", "-3"),
    "RefusedOut.value": ("The value as it came.", -3),
    "received_at": ("When the service received it.", "2021-10-01T08:15:02Z"),
    "sensor_code": ("The sensor the reading names (null: none readable).", "FM-101"),
    "payload": ("The reading as it came.", {"sensor": "FM-101", "value": -3}),
    "replayed_at": ("When it was replayed into the readings (null: not yet).", None),
    "ids": ("Quarantine entries to replay (null: every one).", [1, 2]),
    "replayed": ("Entries replayed.", 2),
    "still_quarantined": ("Entries still refused on replay.", 0),
    "mean": ("Mean of the readings in the bucket.", 41.2),
    "min": ("Lowest reading in the bucket.", 35.0),
    "max": ("Highest reading in the bucket.", 48.9),
    "n_readings": ("Readings in the bucket.", 4),
    "estimated": ("True when gaps were filled by interpolation.", False),
    "AggregateOut.start": ("The bucket's start.", "2021-10-01T00:00:00+08:00"),
    "AggregateOut.volume_m3": ("Volume through the meter in the bucket, m³.", 1_250.0),
    "QuarantineOut.field": ("The field that was refused.", "value"),
    "RefusedOut.field": ("The field that was refused.", "value"),
    "QuarantineOut.reason": ("Why it was refused.", "below valid_min 0.0"),
    "RefusedOut.reason": ("Why it was refused.", "below valid_min 0.0"),
    "QuarantineOut.source": ("How it came: http, mqtt or file.", "http"),
}
"""Field name (or `Model.field`) → (description, example)."""


def document_properties(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Give every property of a model's JSON schema a description and an example: its own, or
    the `FIELD_DOCS` entry of its name."""
    for name, prop in schema.get("properties", {}).items():
        doc = FIELD_DOCS.get(f"{model.__name__}.{name}") or FIELD_DOCS.get(name)
        if doc is None:
            continue
        description, example = doc
        prop.setdefault("description", description)
        if "examples" not in prop:
            prop["examples"] = [example]


class Documented(BaseModel):
    """A body of the API: fields described by their attribute docstrings, their own `Field`, or
    `FIELD_DOCS`, each with an example."""

    model_config = ConfigDict(use_attribute_docstrings=True, json_schema_extra=document_properties)
