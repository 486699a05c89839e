"""Limits on the doors anyone can knock at: logins and the public objection form.

Each key (a login name, a client address) may try `free_attempts` times in a window; after that
every further attempt must wait a delay that doubles with each attempt, up to `max_delay`. The
figures come from `data/market/access_limits.yaml`, each with its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """Free attempts per window, then a doubling delay from `base_delay` up to `max_delay`."""

    free_attempts: int
    window: timedelta
    base_delay: timedelta
    max_delay: timedelta

    def delay_after(self, attempts: int) -> timedelta:
        """The wait before the next attempt, once `attempts` were made in the window."""
        if attempts < self.free_attempts:
            return timedelta(0)
        doublings = min(attempts - self.free_attempts, 32)  # 2**32 s is far above any cap
        return min(self.max_delay, self.base_delay * 2**doublings)


@dataclass(frozen=True)
class AccessLimits:
    """The throttles of the service: per login name, per address, and the public form."""

    login_per_account: ThrottlePolicy
    login_per_address: ThrottlePolicy
    public_objections_per_address: ThrottlePolicy
