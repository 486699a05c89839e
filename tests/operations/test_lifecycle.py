"""Alert lifecycle: open → acknowledged → resolved with who and why, folding, escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reclaim.errors import InputError
from reclaim.operations.lifecycle import (
    AlertState,
    acknowledge,
    escalation_level,
    raise_alert,
    resolve,
)

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def test_open_acknowledge_resolve_with_who_and_why() -> None:
    alert, new = raise_alert({}, "free_head_low", "J12", T0)
    assert new and alert.state is AlertState.OPEN
    acked = acknowledge(alert, "wang", "crew sent to J12", T0 + timedelta(minutes=5))
    assert acked.state is AlertState.ACKNOWLEDGED
    assert (acked.acknowledged.by, acked.acknowledged.why) == ("wang", "crew sent to J12")
    done = resolve(acked, "li", "valve V3 reopened", T0 + timedelta(hours=1))
    assert done.state is AlertState.RESOLVED and done.resolved.by == "li"
    with pytest.raises(InputError, match=r"alert\.state"):
        acknowledge(done, "wang", "late", T0 + timedelta(hours=2))
    with pytest.raises(InputError, match="why"):
        resolve(acked, "li", "  ", T0 + timedelta(hours=1))
    with pytest.raises(InputError, match="at: got"):
        acknowledge(alert, "wang", "clock skew", T0 - timedelta(minutes=1))


def test_duplicates_fold_into_the_open_alert() -> None:
    alert, _ = raise_alert({}, "flatline", "P1", T0)
    again, new = raise_alert({alert.key: alert}, "flatline", "P1", T0 + timedelta(minutes=5))
    assert not new and again.occurrences == 2 and again.opened_at == T0
    acked = acknowledge(again, "wang", "checking", T0 + timedelta(minutes=6))
    folded, new = raise_alert({acked.key: acked}, "flatline", "P1", T0 + timedelta(minutes=10))
    assert not new and folded.state is AlertState.ACKNOWLEDGED and folded.occurrences == 3
    # Once resolved, the condition coming back is a new alert.
    closed = resolve(folded, "wang", "transmitter replaced", T0 + timedelta(hours=1))
    fresh, new = raise_alert({closed.key: closed}, "flatline", "P1", T0 + timedelta(hours=2))
    assert new and fresh.occurrences == 1 and fresh.opened_at == T0 + timedelta(hours=2)


def test_escalation_is_a_function_of_now() -> None:
    alert, _ = raise_alert({}, "quality_exceedance", "CL", T0)
    within = timedelta(minutes=15)
    assert escalation_level(alert, T0 + timedelta(minutes=14, seconds=59), within) == 0
    assert escalation_level(alert, T0 + timedelta(minutes=15), within) == 1
    assert escalation_level(alert, T0 + timedelta(minutes=47), within) == 3
    acked = acknowledge(alert, "wang", "seen", T0 + timedelta(minutes=40))
    assert escalation_level(acked, T0 + timedelta(hours=5), within) == 0
