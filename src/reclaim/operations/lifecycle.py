"""The life of an alert as a pure state model: open → acknowledged → resolved, with who and why.

Functions take an alert (or the open alerts) and return new values; nothing is mutated, so the
store can write each transition once and a replay gives the same history. A condition that fires
again while its alert is still open or acknowledged is folded into it (``occurrences`` grows)
rather than raising a second alert. Escalation is a function of ``now``: each full
``acknowledge_within`` that passes without an acknowledgement raises the level by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from reclaim.errors import InputError


class AlertState(StrEnum):
    """Where an alert is in its life."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


AlertKey = tuple[str, str]
"""(rule id, subject id): one open alert at most per key."""


@dataclass(frozen=True)
class Action:
    """Who did something to an alert, when and why."""

    by: str
    at: datetime
    why: str


@dataclass(frozen=True)
class Alert:
    """One alert: the rule and subject it is about, its state and its history."""

    rule: str
    subject: str
    opened_at: datetime
    last_seen_at: datetime
    occurrences: int = 1
    state: AlertState = AlertState.OPEN
    acknowledged: Action | None = None
    resolved: Action | None = None

    @property
    def key(self) -> AlertKey:
        """(rule, subject)."""
        return (self.rule, self.subject)


def raise_alert(
    active: Mapping[AlertKey, Alert], rule: str, subject: str, at: datetime
) -> tuple[Alert, bool]:
    """The alert for (rule, subject) after the condition fired ``at``, and whether it is new.

    An open or acknowledged alert with the same key absorbs the occurrence; otherwise a new open
    alert is made (a resolved one stays resolved: the condition coming back is a new alert).
    """
    current = active.get((rule, subject))
    if current is not None and current.state is not AlertState.RESOLVED:
        return replace(
            current,
            occurrences=current.occurrences + 1,
            last_seen_at=max(current.last_seen_at, at),
        ), False
    return Alert(rule, subject, opened_at=at, last_seen_at=at), True


def acknowledge(alert: Alert, by: str, why: str, at: datetime) -> Alert:
    """An open alert acknowledged by ``by``; acknowledging twice or after resolution is refused."""
    action = _action(by, why, at, alert)
    if alert.state is not AlertState.OPEN:
        raise InputError("alert.state", alert.state.value, "an open alert to acknowledge")
    return replace(alert, state=AlertState.ACKNOWLEDGED, acknowledged=action)


def resolve(alert: Alert, by: str, why: str, at: datetime) -> Alert:
    """An open or acknowledged alert resolved by ``by`` with the reason ``why``."""
    action = _action(by, why, at, alert)
    if alert.state is AlertState.RESOLVED:
        raise InputError("alert.state", alert.state.value, "an open or acknowledged alert")
    return replace(alert, state=AlertState.RESOLVED, resolved=action)


def escalation_level(alert: Alert, now: datetime, acknowledge_within: timedelta) -> int:
    """0 while within time or once acknowledged/resolved; else one level per full period elapsed
    since it opened without acknowledgement."""
    if alert.state is not AlertState.OPEN or acknowledge_within <= timedelta(0):
        return 0
    return max(0, (now - alert.opened_at) // acknowledge_within)


def _action(by: str, why: str, at: datetime, alert: Alert) -> Action:
    if not isinstance(by, str) or not by.strip():
        raise InputError("by", by, "the name of who acts on the alert")
    if not isinstance(why, str) or not why.strip():
        raise InputError("why", why, "a reason, in words")
    if at < alert.opened_at:
        raise InputError("at", at.isoformat(), f"a time at or after {alert.opened_at.isoformat()}")
    return Action(by.strip(), at, why.strip())
