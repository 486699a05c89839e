"""Who may call each route of the exchange, and on which regions and records: the access rules.

Every route has exactly one `Rule` in `RULES`, keyed by its method and path template:
- `roles`: the roles that may call it (`None`: the public, no token needed). Any other caller
  gets 401 without a token, 403 with one.
- `tenant`: which regions and records the caller reaches (the `Tenant` values below).

`authorize`, a dependency of the whole app, enforces both parts before the route runs: the roles,
and the `{region_id}` of the path (`Tenant.REGION`). A route without a rule is refused (403, fail
closed), `create_app` refuses to start with one, and `tests/market/test_access_matrix.py` calls
every route of `app.routes` as every role, on its own and another region's records, against its
own table of expected statuses.

Rules about a record that the request names (in the path or the body) need the record's region,
which only the store can read; the store enforces them in the same transaction, with
`Actor.is_staff_of` and `require_staff_of` (store/registry.py) and the `visible_*` functions
(store/exchange.py, store/settlement.py): an unknown record and one the caller may not see get
the same 404.

To add a route: add its `(METHOD, "/path/{param}")` entry here, then add its expected
statuses to the matrix test. Mounted static folders are keyed ("MOUNT", "/prefix"). A route
that changes state (POST, PUT, PATCH, DELETE) also calls
`reclaim.service.actions.record_action(session, actor, "kind.verb", row, now=now, before=…)`
as the last step of its store work, so that it writes exactly one action-log entry in its own
transaction; add it to the journey of `tests/market/test_action_log.py`, which fails for a
state-changing route that it does not call or that logs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from ipaddress import ip_address
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import iter_route_contexts
from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.sql.elements import SQLCoreOperations
from starlette.routing import Mount, Route

from reclaim.errors import ErrorCode
from reclaim.market.errors import ForbiddenError
from reclaim.market.rules import Role
from reclaim.service.auth import bearer, current_actor
from reclaim.store.models import Contract, Plant
from reclaim.store.registry import Actor, require_staff_of
from reclaim.store.sensors import DEVICE_TOKEN_PREFIX, require_network_reader


class Tenant(StrEnum):
    """Which regions and records a caller reaches through a route."""

    PUBLIC = "public: no token, public data only"
    SELF = "the caller's own account"
    GLOBAL = "every region (the administrator's work)"
    REGION = "the region of the path: its regulators and operators (and the administrator)"
    RECORD = (
        "the record named in the path or body: the staff of its region, or a party to it; "
        "anyone else gets 404"
    )
    LIST = "lists the caller's own records, or (staff) every record of its regions"
    MARKET = "open offers to the whole market: any seller or buyer, staff of the region"
    LOOPBACK = "the roles named, or any caller on the loopback address (a local scraper)"
    NETWORK = (
        "the region of the path: its network operators (its regulators read); sellers and "
        "buyers: the sensors at their own contracts' delivery points only"
    )


@dataclass(frozen=True)
class Rule:
    """Who may call a route (`roles`, `None` for the public) and what it reaches (`tenant`)."""

    roles: frozenset[Role] | None
    tenant: Tenant
    note: str = ""
    devices: bool = False
    """Devices may call it too, with their own token (the route checks it)."""


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


PUBLIC = Rule(None, Tenant.PUBLIC)
ANYONE = _roles(*Role)
ADMIN = _roles(Role.ADMIN)
STAFF = _roles(Role.REGULATOR, Role.OPERATOR)
PARTIES = _roles(Role.SELLER, Role.BUYER)
MARKET = STAFF | PARTIES
NETWORK_OPERATOR = _roles(Role.NETWORK_OPERATOR)
NETWORK_READERS = _roles(Role.NETWORK_OPERATOR, Role.REGULATOR)
METER_READERS = NETWORK_READERS | PARTIES


def _network(roles: frozenset[Role], note: str = "") -> Rule:
    return Rule(roles, Tenant.NETWORK, note)


RULES: dict[tuple[str, str], Rule] = {
    # accounts
    ("POST", "/auth/token"): PUBLIC,
    ("GET", "/me"): Rule(ANYONE, Tenant.SELF),
    ("GET", "/accounts"): Rule(
        ADMIN | STAFF, Tenant.LIST, "staff: the parties and staff of their regions"
    ),
    ("POST", "/accounts"): Rule(
        ADMIN | STAFF,
        Tenant.RECORD,
        "admin: anyone; staff: sellers and buyers whose region_id is one of theirs",
    ),
    ("POST", "/auth/logout"): Rule(ANYONE, Tenant.SELF, "revokes the token it is sent with"),
    ("POST", "/accounts/{account_id}/tokens/revoke"): Rule(ADMIN, Tenant.GLOBAL),
    ("POST", "/accounts/{account_id}/disable"): Rule(
        ADMIN, Tenant.GLOBAL, "revokes every token of the account; not the caller's own"
    ),
    ("POST", "/accounts/{account_id}/enable"): Rule(ADMIN, Tenant.GLOBAL),
    ("POST", "/accounts/{account_id}/reset-code"): Rule(
        ADMIN, Tenant.GLOBAL, "the code is in this answer only; the store keeps its hash"
    ),
    ("POST", "/me/password"): Rule(ANYONE, Tenant.SELF, "needs the current password"),
    ("POST", "/auth/reset"): Rule(
        None, Tenant.PUBLIC, "anyone holding an open reset code; throttled like a login"
    ),
    ("PUT", "/accounts/{account_id}/regions/{region_id}"): Rule(ADMIN, Tenant.GLOBAL),
    ("DELETE", "/accounts/{account_id}/regions/{region_id}"): Rule(ADMIN, Tenant.GLOBAL),
    # registry
    ("POST", "/regions"): Rule(ADMIN, Tenant.GLOBAL),
    ("GET", "/regions"): PUBLIC,
    ("GET", "/regions/{region_id}"): PUBLIC,
    ("PATCH", "/regions/{region_id}"): Rule(
        _roles(Role.ADMIN, Role.REGULATOR), Tenant.REGION, "settings: admin or its regulator"
    ),
    ("POST", "/regions/{region_id}/plants"): Rule(
        _roles(Role.REGULATOR), Tenant.REGION, "operator_id: store/registry check_plant_operator"
    ),
    ("GET", "/regions/{region_id}/plants"): PUBLIC,
    # trading
    ("POST", "/rights"): Rule(_roles(Role.REGULATOR), Tenant.RECORD, "the plant's region"),
    ("GET", "/rights"): Rule(MARKET, Tenant.LIST),
    ("GET", "/rights/{right_id}"): Rule(MARKET, Tenant.RECORD),
    ("POST", "/listings"): Rule(PARTIES, Tenant.RECORD, "only the right's holder lists it"),
    ("GET", "/listings"): Rule(MARKET, Tenant.MARKET, "mine=true: the caller's own listings"),
    ("POST", "/listings/{listing_id}/accept"): Rule(
        PARTIES, Tenant.MARKET, "a negotiated listing: its named counterparty only"
    ),
    ("POST", "/listings/{listing_id}/bids"): Rule(PARTIES, Tenant.MARKET),
    ("GET", "/listings/{listing_id}/bids"): Rule(
        MARKET, Tenant.LIST, "parties: their own bids; staff: every bid in their regions"
    ),
    ("POST", "/listings/{listing_id}/close"): Rule(
        _roles(Role.OPERATOR) | PARTIES, Tenant.RECORD, "the seller or the region's operator"
    ),
    ("POST", "/listings/{listing_id}/cancel"): Rule(
        _roles(Role.OPERATOR) | PARTIES, Tenant.RECORD, "the seller or the region's operator"
    ),
    ("GET", "/deals"): Rule(MARKET, Tenant.LIST),
    ("GET", "/deals/{deal_id}"): Rule(MARKET, Tenant.RECORD),
    ("POST", "/deals/{deal_id}/approve"): Rule(_roles(Role.REGULATOR), Tenant.RECORD),
    ("POST", "/deals/{deal_id}/reject"): Rule(_roles(Role.REGULATOR), Tenant.RECORD),
    ("POST", "/deals/{deal_id}/conclude"): Rule(MARKET, Tenant.RECORD),
    ("GET", "/contracts"): Rule(MARKET, Tenant.LIST),
    # publicity (公示): deals in publicity are public, so any registered party may object
    ("POST", "/deals/{deal_id}/objections"): Rule(
        ADMIN | _roles(Role.OPERATOR) | PARTIES,
        Tenant.PUBLIC,
        "any registered party; the regulator rejects instead of objecting",
    ),
    ("GET", "/deals/{deal_id}/objections"): Rule(
        _roles(Role.REGULATOR), Tenant.RECORD, "with the objectors and contacts"
    ),
    ("POST", "/objections/{objection_id}/resolve"): Rule(
        _roles(Role.REGULATOR), Tenant.RECORD, "the regulator of the deal's region"
    ),
    ("POST", "/public/deals/{deal_id}/objections"): PUBLIC,
    ("GET", "/contracts/{contract_id}"): Rule(
        MARKET, Tenant.RECORD, "also the operator of the supplying plant"
    ),
    # settlement
    ("POST", "/contracts/{contract_id}/deliveries"): Rule(
        _roles(Role.OPERATOR, Role.SELLER),
        Tenant.RECORD,
        "the plant's operator or the region's exchange operator",
    ),
    ("GET", "/contracts/{contract_id}/deliveries"): Rule(
        MARKET, Tenant.RECORD, "also the operator of the supplying plant"
    ),
    ("GET", "/deliveries"): Rule(
        MARKET, Tenant.LIST, "of the caller's contracts (or the plant it runs); staff: regions"
    ),
    ("POST", "/deliveries/{delivery_id}/confirm"): Rule(
        PARTIES, Tenant.RECORD, "the contract's buyer"
    ),
    ("POST", "/deliveries/{delivery_id}/dispute"): Rule(
        PARTIES, Tenant.RECORD, "the contract's buyer"
    ),
    ("POST", "/deliveries/{delivery_id}/decide"): Rule(
        _roles(Role.REGULATOR), Tenant.RECORD, "the regulator of the contract's region"
    ),
    ("POST", "/deliveries/bill-due"): Rule(
        _roles(Role.ADMIN, Role.OPERATOR), Tenant.LIST, "operator: its regions; admin: all"
    ),
    ("GET", "/bills"): Rule(MARKET, Tenant.LIST),
    ("GET", "/me/balance"): Rule(ANYONE, Tenant.SELF),
    ("GET", "/ledger/balances"): Rule(STAFF, Tenant.LIST, "the bills of their regions"),
    ("GET", "/ledger/entries"): Rule(STAFF, Tenant.LIST, "the bills of their regions"),
    ("GET", "/ledger/verify"): Rule(
        STAFF, Tenant.GLOBAL, "the whole chain's check: counts and hashes, no party's data"
    ),
    # public figures
    ("GET", "/public/trades"): PUBLIC,
    ("GET", "/public/notices"): PUBLIC,
    ("GET", "/public/price-index"): PUBLIC,
    ("GET", "/public/ledger/head"): PUBLIC,
    ("GET", "/public/ledger/heads"): PUBLIC,
    # the action log: who did what
    ("GET", "/actions"): Rule(
        ANYONE,
        Tenant.LIST,
        "admin: every entry; regulators: their regions'; everyone: those of its own records "
        "and actions",
    ),
    # exports: the rows the list routes give the caller, of the path's region, as CSV or XLSX
    ("GET", "/regions/{region_id}/exports/{file_name}"): Rule(
        MARKET,
        Tenant.LIST,
        "staff: their regions only (403 elsewhere); parties: their own rows; the ledger: staff",
    ),
    # testing: refused unless the service was started with RECLAIM_TESTING=1
    ("PUT", "/testing/clock"): Rule(ADMIN, Tenant.GLOBAL),
    ("POST", "/testing/jobs/run"): Rule(ADMIN, Tenant.GLOBAL),
    # planning
    ("POST", "/plans/run"): Rule(
        ANYONE,
        Tenant.RECORD,
        "kept against its author; a region named must be one the author acts in (staff "
        "assigned to it, or a party of it)",
    ),
    ("GET", "/plans/{run_id}"): Rule(
        ANYONE, Tenant.RECORD, "its author, or a regulator assigned to the region it names"
    ),
    # operations: probes for a load balancer (no data but "ok" or what is not ready)
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): Rule(ADMIN, Tenant.LOOPBACK, "counts by route, never a party's data"),
    # operations: the region's meters and sensors, readings, quarantine and DMAs
    ("POST", "/regions/{region_id}/devices"): _network(NETWORK_OPERATOR, "token shown once"),
    ("GET", "/regions/{region_id}/devices"): _network(NETWORK_READERS, "never the tokens"),
    ("POST", "/regions/{region_id}/devices/{device_id}/token"): _network(NETWORK_OPERATOR),
    ("POST", "/regions/{region_id}/sensors"): _network(NETWORK_OPERATOR),
    ("GET", "/regions/{region_id}/sensors"): _network(METER_READERS),
    ("GET", "/regions/{region_id}/sensors/{sensor_code}"): _network(METER_READERS),
    ("PATCH", "/regions/{region_id}/sensors/{sensor_code}"): _network(NETWORK_OPERATOR),
    ("DELETE", "/regions/{region_id}/sensors/{sensor_code}"): _network(
        NETWORK_OPERATOR, "only one without readings"
    ),
    ("PUT", "/regions/{region_id}/network"): _network(NETWORK_OPERATOR),
    ("POST", "/regions/{region_id}/dmas"): _network(NETWORK_OPERATOR),
    ("GET", "/regions/{region_id}/dmas"): _network(NETWORK_READERS),
    ("POST", "/regions/{region_id}/readings"): Rule(
        NETWORK_OPERATOR,
        Tenant.NETWORK,
        "devices: their own sensors only, with the device token",
        devices=True,
    ),
    ("GET", "/regions/{region_id}/readings"): _network(METER_READERS),
    ("GET", "/regions/{region_id}/aggregates"): _network(METER_READERS),
    ("GET", "/regions/{region_id}/quarantine"): _network(NETWORK_READERS, "raw payloads"),
    ("POST", "/regions/{region_id}/quarantine/replay"): _network(NETWORK_OPERATOR),
    # operations: alerts of a region, its webhooks; metered bills and a contract's year of use
    ("GET", "/regions/{region_id}/alerts"): _network(
        METER_READERS, "parties: alerts of their own contracts and their delivery points' sensors"
    ),
    ("GET", "/regions/{region_id}/alerts/{alert_id}"): _network(
        METER_READERS, "parties: alerts of their own contracts and their delivery points' sensors"
    ),
    ("POST", "/regions/{region_id}/alerts/{alert_id}/acknowledge"): _network(NETWORK_OPERATOR),
    ("POST", "/regions/{region_id}/alerts/{alert_id}/resolve"): _network(NETWORK_OPERATOR),
    ("POST", "/regions/{region_id}/webhooks"): _network(
        NETWORK_OPERATOR, "the URL passes the service's webhook policy; the secret shown once"
    ),
    ("GET", "/regions/{region_id}/webhooks"): _network(NETWORK_READERS, "never the secrets"),
    ("DELETE", "/regions/{region_id}/webhooks/{webhook_id}"): _network(NETWORK_OPERATOR),
    ("GET", "/monthly-bills"): Rule(MARKET, Tenant.LIST, "a party's own; staff: their regions'"),
    ("GET", "/contracts/{contract_id}/use"): Rule(
        MARKET, Tenant.RECORD, "also the operator of the supplying plant"
    ),
    # API documents
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("MOUNT", "/docs-assets"): PUBLIC,
    # the web portal (its pages call the routes above, under their own rules)
    ("GET", "/"): PUBLIC,
    ("MOUNT", "/portal"): PUBLIC,
}
NO_RULE_REASON = "this route has no access rule (reclaim.service.access.RULES); refused"


def route_keys(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route of the app, included routers flattened;
    ("MOUNT", prefix) for a mounted app."""
    keys: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if isinstance(route.original_route, Mount):
            keys.append(("MOUNT", path))
        else:
            keys.extend((method, path) for method in sorted(route.methods or ()))
    return [key for key in keys if key[0] != "HEAD"]


def unruled_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Routes of the app that have no entry in `RULES` (each one is refused when called)."""
    return [key for key in route_keys(app) if key not in RULES]


def check_rule(rule: Rule, actor: Actor, path_params: dict[str, str]) -> None:
    """Refuse (403) a caller whose role the rule does not name, or outside the path's region."""
    if rule.roles is not None and actor.role not in rule.roles:
        raise ForbiddenError(
            "role",
            actor.role.value,
            f"this route is for {', '.join(sorted(r.value for r in rule.roles))}",
            ErrorCode.ROLE_NOT_ALLOWED,
        )
    raw = path_params.get("region_id", "")
    if not raw.isdigit():  # anything else is refused by the route's own validation (422)
        return
    if rule.tenant is Tenant.REGION:
        require_staff_of(actor, int(raw), "region_id", int(raw))
    elif rule.tenant is Tenant.NETWORK and actor.role in NETWORK_READERS:
        require_network_reader(actor, int(raw))


def from_loopback(request: Request) -> bool:
    """The caller connects from this machine (127.0.0.0/8 or ::1), as uvicorn reports it."""
    host = request.client.host if request.client else ""
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def authorize(
    request: Request,
    token: Annotated[str | None, Depends(bearer)],
) -> None:
    """App-wide dependency: the route's rule, enforced before the route runs (fail closed)."""
    route = request.scope.get("route")
    path = route.path if isinstance(route, Route) else request.url.path
    rule = RULES.get((request.method, path))
    if rule is None:
        raise ForbiddenError(
            "route", f"{request.method} {path}", NO_RULE_REASON, ErrorCode.NO_ACCESS_RULE
        )
    if rule.roles is None or (rule.tenant is Tenant.LOOPBACK and from_loopback(request)):
        return
    device = token is not None and token.startswith(DEVICE_TOKEN_PREFIX)
    if rule.devices and device:
        return  # the route authenticates the device and limits it to its sensors
    check_rule(rule, current_actor(request, token), request.path_params)


def listed_for(
    actor: Actor, region: SQLCoreOperations[Any], *own: SQLCoreOperations[Any]
) -> ColumnElement[bool]:
    """`Tenant.LIST` as a filter: rows whose `own` column names the caller, or (regulators and
    operators) rows of their regions."""
    mine = [column == actor.id for column in own]
    if actor.role in STAFF:
        mine.append(region.in_(actor.region_ids))
    return or_(false(), *mine)


def contracts_listed_for(actor: Actor) -> ColumnElement[bool]:
    """`Tenant.LIST` for contracts (and their deliveries): as a party, as the seller running
    the supplying plant, or (staff) those of its regions."""
    mine = listed_for(actor, Contract.region_id, Contract.buyer_id, Contract.seller_id)
    if actor.role is not Role.SELLER:
        return mine
    runs = select(Plant.id).where(Plant.operator_id == actor.id)
    return or_(mine, Contract.plant_id.in_(runs))
