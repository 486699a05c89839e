"""Webhook URLs, signatures and the retry schedule (reclaim.operations.notify)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

import pytest

from reclaim.errors import InputError
from reclaim.io.operations_files import load_backoff
from reclaim.operations.notify import (
    Backoff,
    WebhookPolicy,
    check_address,
    check_webhook_url,
    shown_url,
    signature_header,
    signature_matches,
)

STRICT = WebhookPolicy()
LOCAL = WebhookPolicy(allowed_schemes=frozenset({"http", "https"}), allow_private_networks=True)


def test_a_public_https_url_is_accepted() -> None:
    parts = check_webhook_url("https://alerts.example.org:8443/hook?x=1", STRICT)
    assert (parts.hostname, parts.port, parts.path) == ("alerts.example.org", 8443, "/hook")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://alerts.example.org/hook", "scheme https"),
        ("ftp://alerts.example.org/hook", "scheme https"),
        ("file:///etc/passwd", "scheme https"),
        ("gopher://127.0.0.1:6379/_INFO", "scheme https"),
        ("https://user:secret@alerts.example.org/", "without user or password"),
        ("https:///hook", "naming a host"),
        ("https://alerts.example.org/#x", "fragment"),
        ("https://alerts.example.org:99999/", "port 1–65535"),
        ("https://例え.jp/", "ASCII"),
        ("https://a b.org/", "ASCII"),
        ("https://127.0.0.1/", "public address"),
        ("https://[::1]/", "public address"),
        ("https://169.254.169.254/latest/meta-data", "public address"),
        ("https://10.0.0.8/", "public address"),
        ("https://[::ffff:127.0.0.1]/", "public address"),
        ("https://0.0.0.0/", "unicast"),
        ("https://224.0.0.1/", "unicast"),
        ("x" * 2001, "at most 2000"),
    ],
)
def test_urls_a_webhook_must_not_call_are_refused_naming_why(url: str, reason: str) -> None:
    with pytest.raises(InputError) as refused:
        check_webhook_url(url, STRICT)
    assert refused.value.field == "url"
    assert reason in str(refused.value)


def test_a_url_is_shown_without_its_path_query_or_credentials() -> None:
    assert shown_url("https://hooks.example.org/services/T0/B0/tok?x=1") == (
        "https://hooks.example.org/…"
    )
    assert shown_url("http://u:p@10.0.0.1:8080/") == "http://10.0.0.1:8080/"
    assert shown_url("https://[::1]/x") == "https://[::1]/…"
    assert shown_url("not a url") == "…"


def test_host_allow_list_exact_and_sub_domains() -> None:
    policy = WebhookPolicy(allowed_hosts=("hooks.water.example", ".bureau.example"))
    assert check_webhook_url("https://hooks.water.example/a", policy).hostname
    assert check_webhook_url("https://ops.bureau.example/a", policy).hostname
    for refused in ("https://water.example/a", "https://bureau.example.evil.org/a"):
        with pytest.raises(InputError, match="a host the service allows"):
            check_webhook_url(refused, policy)


def test_private_networks_only_when_configured_and_never_multicast() -> None:
    assert check_webhook_url("http://127.0.0.1:8080/hook", LOCAL).port == 8080
    check_address("192.168.1.10", LOCAL)
    with pytest.raises(InputError, match="public address"):
        check_address("192.168.1.10", STRICT)
    with pytest.raises(InputError, match="unicast"):
        check_address("ff02::1", LOCAL)
    check_address("93.184.216.34", STRICT)


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    secret, body, now = b"s3cret", b'{"alert": 1}', 1_767_225_600
    expected = hmac.new(secret, b"1767225600." + body, hashlib.sha256).hexdigest()
    header = signature_header(secret, now, body)
    assert header == f"t=1767225600,v1={expected}"
    assert signature_matches(secret, header, body, now + 299, tolerance_s=300)
    assert not signature_matches(secret, header, body + b" ", now, tolerance_s=300)
    assert not signature_matches(b"other", header, body, now, tolerance_s=300)
    assert not signature_matches(secret, header, body, now + 301, tolerance_s=300)
    assert not signature_matches(secret, "t=soon,v1=00", body, now, tolerance_s=300)


def test_backoff_doubles_up_to_its_cap_and_gives_up() -> None:
    backoff = Backoff(
        first_delay=timedelta(seconds=30),
        factor=2.0,
        max_delay=timedelta(hours=1),
        max_attempts=12,
        request_timeout=timedelta(seconds=5),
    )
    # 30, 60, 120, 240, 480, 960, 1920 s, then 3840 s capped at 3600 s.
    assert [backoff.delay_after(n).total_seconds() for n in range(1, 9)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
    ]
    assert backoff.delay_after(10_000) == timedelta(hours=1)
    assert not backoff.gives_up(11) and backoff.gives_up(12)


def test_the_shipped_retry_schedule_grows_and_is_bounded() -> None:
    backoff = load_backoff()
    assert backoff.factor > 1 and backoff.max_attempts >= 1
    assert backoff.first_delay <= backoff.max_delay
    assert backoff.request_timeout <= timedelta(seconds=30)


@pytest.mark.parametrize(
    ("figure", "field"),
    [
        ("5", "backoff.first_delay_s"),  # a bare number: no source
        ("{value: 0, source: x}", "backoff.first_delay_s.value"),
        ("{value: .inf, source: x}", "backoff.first_delay_s.value"),  # timedelta would overflow
    ],
)
def test_a_retry_figure_without_source_or_above_0_is_refused(
    tmp_path: Path, figure: str, field: str
) -> None:
    path = tmp_path / "notifications.yaml"
    path.write_text(f"backoff: {{first_delay_s: {figure}}}\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_backoff(path)
    assert refused.value.field == f"{path}:{field}"
