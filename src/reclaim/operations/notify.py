"""Alert notifications by webhook, pure: which URLs may be called, the body's signature, and
when a failed delivery is tried again.

A webhook URL comes from a request, so it is checked before it is stored and again, against the
addresses its host resolves to, before every request (`check_address`): only the schemes and
hosts the service allows, never a loopback, link-local (cloud metadata at 169.254.169.254),
private or otherwise non-public address unless the service is configured to allow them. A
receiver checks a body by its HMAC-SHA256 signature over the timestamp and the body
(`signature_header`, `signature_matches`), the way Stripe and GitHub sign theirs, so a body
cannot be forged or replayed long after.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import SplitResult, urlsplit

from reclaim.errors import InputError

MAX_URL_CHARS = 2000
WEB_SCHEMES = frozenset({"http", "https"})
SIGNATURE_SCHEME = "v1"
MAX_EXPONENT = 60
"""Waits grow no further than factor⁶⁰ × the first: far beyond any cap, and still finite."""


@dataclass(frozen=True)
class WebhookPolicy:
    """Which webhook URLs the service calls.

    ``allowed_hosts`` empty: any host with a public address; else only the hosts named (exactly,
    or any sub-domain of an entry written ``.example.org``). ``allow_private_networks`` lets
    webhooks reach loopback, link-local and private addresses (a receiver on the same machine or
    network, and tests); off by default.
    """

    allowed_schemes: frozenset[str] = frozenset({"https"})
    allowed_hosts: tuple[str, ...] = ()
    allow_private_networks: bool = False


def check_webhook_url(url: str, policy: WebhookPolicy) -> SplitResult:
    """The parsed URL, if the policy allows calling it; else an `InputError` on ``url`` saying
    what is allowed (an address literal is checked here, a host name when it is resolved)."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
        raise InputError("url", shown_url(str(url)), f"a URL of at most {MAX_URL_CHARS} characters")
    if not url.isascii() or any(char.isspace() or ord(char) < 32 for char in url):
        raise InputError("url", shown_url(url), "an ASCII URL without spaces (a host in punycode)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise InputError("url", shown_url(url), "a URL that parses, with a port 1–65535") from None
    schemes = sorted(WEB_SCHEMES & policy.allowed_schemes)
    if parts.scheme not in schemes:
        raise InputError("url", shown_url(url), f"a URL with the scheme {' or '.join(schemes)}")
    if parts.username is not None or parts.password is not None:
        raise InputError("url", shown_url(url), "a URL without user or password in it")
    if parts.fragment:
        raise InputError("url", shown_url(url), "a URL without a #fragment")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InputError("url", shown_url(url), "a URL naming a host")
    if policy.allowed_hosts and not host_allowed(host, policy.allowed_hosts):
        raise InputError(
            "url", shown_url(url), f"a host the service allows: {', '.join(policy.allowed_hosts)}"
        )
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return parts
    check_address(host, policy)
    return parts


def shown_url(url: str) -> str:
    """A webhook URL as it may be shown or logged: scheme and host, with "/…" for the rest
    (a receiver's path or query often carries its own token) and never a user or password."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "…"
    if not parts.scheme or not host:
        return "…"
    rest = "/…" if (parts.path not in ("", "/") or parts.query or parts.fragment) else "/"
    shown_host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown_host}{port}{rest}"


def host_allowed(host: str, allowed_hosts: tuple[str, ...]) -> bool:
    """``host`` is named in ``allowed_hosts`` (an entry starting with a dot: any sub-domain)."""
    host = host.lower()
    return any(
        host.endswith(entry.lower()) if entry.startswith(".") else host == entry.lower()
        for entry in allowed_hosts
    )


def check_address(address: str, policy: WebhookPolicy) -> None:
    """Refuse an address a webhook must not reach: multicast and unspecified always; loopback,
    link-local and private ones unless the policy allows private networks; any other address
    that is not public (reserved, documentation ranges)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        raise InputError("url", address, "a host whose address is a unicast one")
    local = ip.is_loopback or ip.is_link_local or ip.is_private
    if local and policy.allow_private_networks:
        return
    if not ip.is_global:
        raise InputError(
            "url",
            address,
            "a host with a public address (loopback, link-local and private networks are "
            "refused unless the service allows them)",
        )


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 (hex) of ``timestamp.body`` under the webhook's secret."""
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``X-Reclaim-Signature`` value: ``t=<unix seconds>,v1=<hex HMAC>``."""
    return f"t={timestamp},{SIGNATURE_SCHEME}={signature(secret, timestamp, body)}"


def signature_matches(
    secret: bytes, header: str, body: bytes, now_timestamp: int, tolerance_s: int
) -> bool:
    """What a receiver checks: the header signs this body, and was made within ``tolerance_s``
    of its clock (an old body replayed is refused)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(now_timestamp - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, fields.get(SIGNATURE_SCHEME, ""))


@dataclass(frozen=True)
class Backoff:
    """When a failed delivery is tried again: ``first_delay`` after the first failure, each
    further wait ``factor`` times the one before up to ``max_delay``; after ``max_attempts``
    failed attempts it is given up."""

    first_delay: timedelta
    factor: float
    max_delay: timedelta
    max_attempts: int
    request_timeout: timedelta
    """How long one attempt waits for the receiver's answer before it counts as failed."""

    def delay_after(self, failed_attempts: int) -> timedelta:
        """The wait before the next attempt, after ``failed_attempts`` (≥ 1) have failed."""
        exponent = min(max(failed_attempts - 1, 0), MAX_EXPONENT)
        seconds = self.first_delay.total_seconds() * self.factor**exponent
        return timedelta(seconds=min(seconds, self.max_delay.total_seconds()))

    def gives_up(self, failed_attempts: int) -> bool:
        """True once ``failed_attempts`` reaches the maximum."""
        return failed_attempts >= self.max_attempts
