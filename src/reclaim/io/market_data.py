"""Read the exchange's reference data: its rules, the price schedules and the demo regions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from reclaim.errors import InputError
from reclaim.io.data_files import data_path, read_yaml
from reclaim.market.access import AccessLimits, ThrottlePolicy
from reclaim.market.billing import MeteredBilling, OverDrawRule
from reclaim.market.passwords import PasswordPolicy
from reclaim.market.prices import PriceSchedule
from reclaim.market.rules import ExchangeRules


def _value(table: dict[str, Any], name: str) -> Any:
    entry = table.get(name)
    if not isinstance(entry, dict) or "value" not in entry or not entry.get("source"):
        raise InputError(f"exchange_rules.{name}", entry, "a value with its source")
    return entry["value"]


def load_exchange_rules() -> ExchangeRules:
    """The exchange rules of `data/market/exchange_rules.yaml` (each value cited there)."""
    table = read_yaml(data_path("market", "exchange_rules.yaml"))
    return ExchangeRules(
        reuse_cap_fraction=Decimal(str(_value(table, "reuse_cap_fraction"))),
        publicity_days=int(_value(table, "publicity_days")),
        lapse_days=int(_value(table, "lapse_days")),
        exchange_fee_rate=Decimal(str(_value(table, "exchange_fee_rate"))),
        treatment_feedback_share=Decimal(str(_value(table, "treatment_feedback_share"))),
        time_zone=str(_value(table, "time_zone")),
        delivery_confirmation_days=int(_value(table, "delivery_confirmation_days")),
        token_lifetime_minutes=int(_value(table, "token_lifetime_minutes")),
        use_classes=tuple(_value(table, "use_classes")),
    )


def load_access_limits() -> AccessLimits:
    """The login and public-form throttles of `data/market/access_limits.yaml` (cited there)."""
    table = read_yaml(data_path("market", "access_limits.yaml"))

    def policy(name: str) -> ThrottlePolicy:
        figures = table.get(name)
        if not isinstance(figures, dict):
            raise InputError(f"access_limits.{name}", figures, "a table of throttle figures")
        return ThrottlePolicy(
            free_attempts=int(_value(figures, "free_attempts")),
            window=timedelta(minutes=float(_value(figures, "window_minutes"))),
            base_delay=timedelta(seconds=float(_value(figures, "base_delay_seconds"))),
            max_delay=timedelta(seconds=float(_value(figures, "max_delay_seconds"))),
        )

    return AccessLimits(
        login_per_account=policy("login_per_account"),
        login_per_address=policy("login_per_address"),
        public_objections_per_address=policy("public_objections_per_address"),
    )


def load_password_policy() -> PasswordPolicy:
    """The password policy of `data/market/password_policy.yaml` (each value cited there)."""
    table = read_yaml(data_path("market", "password_policy.yaml"))
    return PasswordPolicy(
        min_length=int(_value(table, "min_length")),
        max_length=int(_value(table, "max_length")),
        forbidden_words=tuple(str(word) for word in _value(table, "forbidden_words")),
        refuse_one_repeated_character=bool(_value(table, "refuse_one_repeated_character")),
    )


def load_price_schedules() -> dict[str, PriceSchedule]:
    """Tiered price schedules by code (`data/market/price_schedules.yaml`)."""
    table = read_yaml(data_path("market", "price_schedules.yaml"))
    return {
        code: PriceSchedule(
            code=code,
            name=entry["name"],
            source=entry["source"],
            tiers_yuan_per_m3={k: Decimal(str(v)) for k, v in entry["tiers_yuan_per_m3"].items()},
        )
        for code, entry in table.items()
    }


def load_demo_regions() -> list[dict[str, Any]]:
    """The demo regions (Shuozhou, a Lingshi-like county) of `data/market/demo_regions.yaml`."""
    regions = read_yaml(data_path("market", "demo_regions.yaml"))["regions"]
    assert isinstance(regions, list)
    return regions


def load_demo_staff() -> list[dict[str, Any]]:
    """The demo accounts that act across regions (administrator, exchange operator)."""
    staff = read_yaml(data_path("market", "demo_regions.yaml"))["demo_staff"]
    assert isinstance(staff, list)
    return staff


def load_metered_billing(region_code: str) -> MeteredBilling:
    """The over-draw rule and billing delay of a region (`data/market/metered_billing.yaml`:
    the defaults with the region's overrides, each figure sourced or a local choice)."""
    path = data_path("market", "metered_billing.yaml")
    table = read_yaml(path)
    regions = table.get("regions") or {}
    overrides = regions.get(region_code) or {}
    if not isinstance(overrides, dict):
        raise InputError(f"metered_billing.regions.{region_code}", overrides, "a mapping")
    figures = {**table["default"], **overrides}

    def figure(name: str) -> tuple[Any, str, bool]:
        entry = figures.get(name)
        if isinstance(entry, dict) and "value" in entry:
            for key, local in (("source", False), ("local_choice", True)):
                if isinstance(entry.get(key), str) and entry[key].strip():
                    return entry["value"], entry[key], local
        raise InputError(
            f"metered_billing.{name}", entry, "a value with a 'source' or a 'local_choice'"
        )

    multiple, origin, local = figure("over_draw_price_multiple")
    delay = figure("bill_after_days")[0]
    if isinstance(delay, bool) or not isinstance(delay, int) or delay < 0:
        raise InputError("metered_billing.bill_after_days", delay, "a whole number of days ≥ 0")
    return MeteredBilling(OverDrawRule(Decimal(str(multiple)), origin, local), delay)
