"""Random sequences of exchange operations keep every invariant, on SQLite and PostgreSQL.

Operations run through the store's repositories (the same functions the API calls), each in its
own transaction. After every operation the database is audited; after every refusal it must be
exactly as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.errors import InputError
from reclaim.io.market_data import load_exchange_rules, load_price_schedules
from reclaim.market.errors import MarketRefusal
from reclaim.market.periods import Period, period_on, year_boundaries
from reclaim.market.rules import ExchangeRules, ListingMode, Role
from reclaim.service.auth import hash_password
from reclaim.store.audit import audit
from reclaim.store.exchange import (
    ListingSpec,
    RightSpec,
    accept_listing,
    cancel_listing,
    close_auction,
    conclude_deal,
    create_listing,
    decide_deal,
    issue_right,
    periods_of,
    place_bid,
)
from reclaim.store.models import Contract, Listing, Plant, Right
from reclaim.store.registry import (
    AccountSpec,
    Actor,
    PlantSpec,
    RegionSpec,
    add_plant,
    create_account,
    create_region,
)
from reclaim.store.settlement import DeliverySpec, record_delivery
from tests.market.conftest import BACKENDS, Backend
from tests.market.helpers import FAST_HASHER, PASSWORD, Clock, snapshot

PARTIES = ["regulator", "operator", "plantop", "seller", "buyer0", "buyer1", "buyer2"]
HOLDERS = ["seller", "buyer0", "buyer1", "buyer2"]
SCHEDULES = load_price_schedules()
MAX_ISSUES = 6
MAX_LONG_WAITS = 3
"""Issue a few rights, then trade them (else issuing, always possible, crowds out the rest)."""
PLANTS = [(1_000, 800), (500, 450)]  # illustrative sewage / reclaimed m³/d, small so caps bite


def ensure_world(backend: Backend, rules: ExchangeRules, clock: Clock) -> dict[str, Actor]:
    """The region, the two plants and the parties of one run."""

    def build(session: Session) -> dict[str, Actor]:
        hashed = hash_password(PASSWORD, FAST_HASHER)
        admin_spec = AccountSpec("admin", hashed, Role.ADMIN, "admin")
        admin = Actor.of(create_account(session, None, admin_spec, rules, clock()))
        region = create_region(
            session, admin, RegionSpec("prop", "prop", publicity_days=1), rules, set()
        )
        accounts: dict[str, Actor] = {}
        for name in PARTIES:
            role = {"regulator": Role.REGULATOR, "operator": Role.OPERATOR}.get(
                name, Role.BUYER if name.startswith("buyer") else Role.SELLER
            )
            use = "industrial" if role is Role.BUYER else None
            spec = AccountSpec(name, hashed, role, name, region_id=region.id, use_class=use)
            account = create_account(session, None, spec, rules, clock())
            accounts[name] = Actor.load(session, account)
        regulator = accounts["regulator"]
        for sewage, reclaimed in PLANTS:
            spec = PlantSpec(region.id, "p", sewage, reclaimed, accounts["plantop"].id)
            add_plant(session, regulator, spec, rules)
        return accounts

    return backend.db.run(build)


class ExchangeMachine(RuleBasedStateMachine):
    """Random interleavings of every exchange operation on a fresh database.

    Rules mostly act on rows that make sense (open listings, deals in publicity…) but their
    arguments are random, so many are refused; a refusal must leave the database untouched, and
    the invariants are audited after every step.
    """

    def __init__(self, kind: str, directory: Path) -> None:
        super().__init__()
        self.rules = load_exchange_rules()
        self.backend = Backend(kind, directory / uuid.uuid4().hex)
        self.clock = Clock()
        self.actors = ensure_world(self.backend, self.rules, self.clock)
        self.by_id = {actor.id: actor for actor in self.actors.values()}
        self.plants = self.backend.db.run(
            lambda s: list(s.scalars(select(Plant.id).order_by(Plant.id)))
        )
        self.rights: list[int] = []
        self.listings: dict[str, list[int]] = {"fixed": [], "auction": []}
        self.deals: list[int] = []
        self.contracts: list[int] = []
        self.refusals = 0
        self.issues_tried = 0
        self.long_waits = 0
        self.expected: dict[int, dict[date, int]] = {}
        """Right → contract year → annual volume held, from the issues and contracts alone."""

    def attempt(self, work: Callable[[Session], Any]) -> Any:
        """Run one operation; on a refusal check that nothing was written and return None."""
        before = snapshot(self.backend.db)
        try:
            return self.backend.db.run(work)
        except (InputError, MarketRefusal):
            self.refusals += 1
            assert snapshot(self.backend.db) == before, "a refused request wrote something"
            return None

    @precondition(lambda self: self.issues_tried < MAX_ISSUES)
    @rule(
        plant=st.integers(0, 1),
        holder=st.sampled_from(HOLDERS),
        annual=st.integers(-10, 80_000),
        daily=st.integers(1, 250),
        delay_days=st.integers(0, 400),
        years=st.integers(1, 5),
        slack_days=st.integers(0, 1),
    )
    def issue(
        self,
        plant: int,
        holder: str,
        annual: int,
        daily: int,
        delay_days: int,
        years: int,
        slack_days: int,
    ) -> None:
        """Issue a right starting now or later; 365-day years make some terms end mid-year."""
        self.issues_tried += 1
        now = self.clock()
        start = now.date() + timedelta(days=delay_days)
        end = start + timedelta(days=365 * years + slack_days)
        spec = RightSpec(
            self.actors[holder].id, self.plants[plant], annual, daily, start, end, "industrial"
        )
        right = self.attempt(
            lambda s: issue_right(s, self.actors["regulator"], spec, self.rules, now)
        )
        if right is not None:
            self.rights.append(right.id)
            self.expected[right.id] = dict.fromkeys(year_boundaries(start, end)[:-1], annual)

    @precondition(lambda self: self.rights)
    @rule(
        data=st.data(),
        mode=st.sampled_from(list(ListingMode)),
        share=st.integers(1, 120),
        daily_share=st.integers(1, 120),
        first_year=st.integers(0, 5),
        years=st.integers(1, 5),
        nudge_days=st.sampled_from([0, 0, 0, 0, 0, 0, 1, -1]),
    )
    def list_right(
        self,
        data: st.DataObject,
        mode: ListingMode,
        share: int,
        daily_share: int,
        first_year: int,
        years: int,
        nudge_days: int,
    ) -> None:
        """List a share of a right over some of its years: shifted, partial, sometimes not
        on a year's boundary (refused)."""
        right_id = data.draw(st.sampled_from(self.rights))
        right = self.backend.db.run(lambda s: s.get(Right, right_id))
        now = self.clock()
        auction = mode in (ListingMode.ASCENDING, ListingMode.SEALED)
        bounds = year_boundaries(right.term_start, right.term_end)
        first = min(first_year, len(bounds) - 2)
        last = min(first + years, len(bounds) - 1)
        spec = ListingSpec(
            right_id=right.id,
            mode=mode,
            annual_volume_m3=max(1, right.original_annual_m3 * share // 100),
            daily_max_m3=max(1, right.original_daily_m3 * daily_share // 100),
            term_start=bounds[first] + timedelta(days=nudge_days),
            term_end=bounds[last],
            delivery_point="gate",
            reserve_yuan_per_m3=Decimal("2.00"),
            counterparty_id=self.actors["buyer0"].id if mode is ListingMode.NEGOTIATED else None,
            closes_at=now + timedelta(days=1) if auction else None,
        )
        holder, stranger = self.by_id[right.holder_id], self.actors["seller"]
        seller = data.draw(st.sampled_from([holder, holder, holder, stranger]))
        listing = self.attempt(lambda s: create_listing(s, seller, spec, SCHEDULES, now))
        if listing is not None:
            self.listings["auction" if auction else "fixed"].append(listing.id)

    @precondition(lambda self: self.listings["fixed"])
    @rule(data=st.data(), buyer=st.sampled_from(HOLDERS))
    def accept(self, data: st.DataObject, buyer: str) -> None:
        listing_id = data.draw(st.sampled_from(self.listings["fixed"]))
        now = self.clock()
        deal = self.attempt(
            lambda s: accept_listing(s, self.actors[buyer], listing_id, SCHEDULES, now)
        )
        if deal is not None:
            self.listings["fixed"].remove(listing_id)
            self.deals.append(deal.id)

    @precondition(lambda self: self.listings["auction"])
    @rule(data=st.data(), bidder=st.sampled_from(HOLDERS), fen=st.integers(150, 400))
    def bid(self, data: st.DataObject, bidder: str, fen: int) -> None:
        listing_id = data.draw(st.sampled_from(self.listings["auction"]))
        now = self.clock()
        price = Decimal(fen) / 100
        self.attempt(lambda s: place_bid(s, self.actors[bidder], listing_id, price, now))

    @precondition(lambda self: self.listings["auction"])
    @rule(data=st.data(), by_operator=st.booleans())
    def close(self, data: st.DataObject, by_operator: bool) -> None:
        listing_id = data.draw(st.sampled_from(self.listings["auction"]))
        closer = self.actors["operator" if by_operator else "seller"]
        now = self.clock()
        outcome = self.attempt(lambda s: (close_auction(s, closer, listing_id, now),))
        if outcome is not None:
            self.listings["auction"].remove(listing_id)
            if outcome[0] is not None:
                self.deals.append(outcome[0].id)

    @precondition(lambda self: self.listings["fixed"] or self.listings["auction"])
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        listing_id = data.draw(st.sampled_from(self.listings["fixed"] + self.listings["auction"]))
        listing = self.backend.db.run(lambda s: s.get(Listing, listing_id))
        seller = self.by_id[listing.seller_id]
        if self.attempt(lambda s: cancel_listing(s, seller, listing_id)) is not None:
            for open_ids in self.listings.values():
                if listing_id in open_ids:
                    open_ids.remove(listing_id)

    @precondition(lambda self: self.deals)
    @rule(data=st.data(), approve=st.booleans())
    def decide(self, data: st.DataObject, approve: bool) -> None:
        deal_id = data.draw(st.sampled_from(self.deals))
        reason = None if approve else "objection"
        now = self.clock()
        regulator = self.actors["regulator"]
        decided = self.attempt(lambda s: decide_deal(s, regulator, deal_id, approve, reason, now))
        if decided is not None and not approve:
            self.deals.remove(deal_id)

    @precondition(lambda self: self.deals)
    @rule(data=st.data())
    def conclude(self, data: st.DataObject) -> None:
        deal_id = data.draw(st.sampled_from(self.deals))
        now = self.clock()
        contract = self.attempt(lambda s: conclude_deal(s, self.actors["regulator"], deal_id, now))
        if contract is not None:
            self.deals.remove(deal_id)
            self.contracts.append(contract.id)
            self.rights.append(contract.right_id)
            source = self.backend.db.run(lambda s: s.get(Right, contract.source_right_id))
            whole = (contract.term_start, contract.term_end) == (source.term_start, source.term_end)
            event("sale concluded over the whole term" if whole else "sale concluded, part term")
            sold = self.expected[contract.source_right_id]
            for year in sold:
                if contract.term_start <= year < contract.term_end:
                    sold[year] -= contract.annual_volume_m3
            self.expected[contract.right_id] = dict.fromkeys(
                year_boundaries(contract.term_start, contract.term_end)[:-1],
                contract.annual_volume_m3,
            )

    @precondition(lambda self: self.contracts)
    @rule(data=st.data(), offset=st.integers(-5, 400), share=st.integers(-5, 120))
    def deliver(self, data: st.DataObject, offset: int, share: int) -> None:
        contract_id = data.draw(st.sampled_from(self.contracts))
        contract = self.backend.db.run(lambda s: s.get(Contract, contract_id))
        day = contract.term_start + timedelta(days=offset)
        spec = DeliverySpec(contract_id, day, contract.daily_max_m3 * share // 100)
        now = self.clock()
        self.attempt(lambda s: record_delivery(s, self.actors["plantop"], spec, now))

    @rule(hours=st.integers(1, 24 * 4))
    def wait(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @precondition(lambda self: self.long_waits < MAX_LONG_WAITS)
    @rule(days=st.integers(30, 400))
    def wait_long(self, days: int) -> None:
        """Let years begin and rights expire."""
        self.long_waits += 1
        self.clock.advance(days=days)

    @invariant()
    def invariants_hold(self) -> None:
        assert self.backend.db.run(audit) == []

    @invariant()
    def every_year_holds_what_the_trades_left(self) -> None:
        """Each contract year of each right holds its issued volume less the years sold,
        counted here from the contracts alone."""

        def held(session: Session) -> dict[int, dict[date, tuple[int, int]]]:
            out = {}
            for right_id in self.expected:
                right = session.get(Right, right_id)
                assert right is not None
                periods = periods_of(right)
                out[right_id] = {
                    year: (held_on(periods, year), held_on(periods, end - timedelta(days=1)))
                    for year, end in pairwise(year_boundaries(right.term_start, right.term_end))
                }
            return out

        stored = self.backend.db.run(held)
        for right_id, years in self.expected.items():
            assert {y: (v, v) for y, v in years.items()} == stored[right_id], right_id

    def teardown(self) -> None:
        self.backend.close()


def held_on(periods: list[Period], day: date) -> int:
    """Annual volume a right holds on `day` (a day of its term)."""
    period = period_on(periods, day)
    assert period is not None
    return period.annual_m3


EXAMPLES = {"sqlite": 25, "postgresql": 10}
"""Fewer on PostgreSQL, where each example creates and migrates its own schema."""


@pytest.mark.parametrize("kind", BACKENDS)
def test_random_operations_keep_invariants(kind: str, tmp_path: Path) -> None:
    run_state_machine_as_test(
        lambda: ExchangeMachine(kind, tmp_path),
        settings=settings(
            max_examples=EXAMPLES[kind],
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
