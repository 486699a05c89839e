"""Alert notifications by webhook, on SQLite and PostgreSQL: queued once, signed, retried with
exponential backoff by the scheduler on its own clock (no sleeps), given up after the last
attempt, and never sent where the policy forbids."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from reclaim.errors import InputError
from reclaim.operations.notify import Backoff, WebhookPolicy, signature_matches
from reclaim.service.scheduler import Scheduler
from reclaim.service.webhooks import WebhookSender, notification_job
from reclaim.store.models import Notification, Webhook
from reclaim.store.webhooks import queue_notification, register_webhook
from tests.market.conftest import Backend
from tests.market.helpers import START, Api

LOCAL = WebhookPolicy(frozenset({"http", "https"}), (), allow_private_networks=True)
STRICT = WebhookPolicy()
BACKOFF = Backoff(
    first_delay=timedelta(seconds=30),
    factor=2.0,
    max_delay=timedelta(hours=1),
    max_attempts=4,
    request_timeout=timedelta(seconds=5),
)


class Receiver:
    """A local HTTP receiver answering the statuses it is given in turn (then 200)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                receiver.received.append((dict(self.headers), self.rfile.read(length)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    serving = Receiver([500, 503])
    yield serving
    serving.close()


def hook_and_alert(api: Api, backend: Backend, url: str) -> Webhook:
    region = api.add_region("shuozhou", "朔州")
    webhook = backend.db.run(
        lambda s: register_webhook(s, region["id"], url, api.ids["admin"], LOCAL, START)
    )
    queued = backend.db.run(
        lambda s: queue_notification(
            s, region["id"], "alert.opened", "alert:7:opened", {"alert": {"id": 7}}, START
        )
    )
    assert queued == 1
    return webhook


def run_at(backend: Backend, policy: WebhookPolicy, now: datetime) -> int | None:
    scheduler = Scheduler(backend.db, lambda: now, jobs=[notification_job(policy, BACKOFF)])
    (run,) = scheduler.run_due()
    return run.result


def notification(backend: Backend) -> Notification:
    return backend.db.run(lambda s: s.scalars(select(Notification)).one())


def test_a_failing_receiver_is_retried_after_30_then_60_seconds_and_the_body_is_signed(
    api: Api, backend: Backend, receiver: Receiver
) -> None:
    webhook = hook_and_alert(api, backend, receiver.url)
    assert run_at(backend, LOCAL, START) == 1  # 500
    assert notification(backend).next_attempt_at == START + timedelta(seconds=30)
    # The job runs every 10 s (its lease); at 20 s the retry is not yet due.
    assert run_at(backend, LOCAL, START + timedelta(seconds=20)) == 0
    assert run_at(backend, LOCAL, START + timedelta(seconds=30)) == 1  # 503
    # Second failure: the wait doubles, 60 s after the second attempt.
    assert notification(backend).next_attempt_at == START + timedelta(seconds=90)
    assert run_at(backend, LOCAL, START + timedelta(seconds=80)) == 0
    assert run_at(backend, LOCAL, START + timedelta(seconds=90)) == 1  # 200
    sent = notification(backend)
    assert (sent.state, sent.attempts, sent.next_attempt_at) == ("delivered", 3, None)
    assert run_at(backend, LOCAL, START + timedelta(hours=1)) == 0  # nothing left to send

    assert len(receiver.received) == 3
    headers, body = receiver.received[-1]
    assert json.loads(body)["event"] == "alert.opened"
    assert headers["X-Reclaim-Event"] == "alert.opened"
    sent_at = int((START + timedelta(seconds=90)).timestamp())
    assert headers["X-Reclaim-Signature"].startswith(f"t={sent_at},v1=")
    secret = webhook.secret.encode()
    assert signature_matches(secret, headers["X-Reclaim-Signature"], body, sent_at, 300)
    assert not signature_matches(b"guess", headers["X-Reclaim-Signature"], body, sent_at, 300)

    # The same event again is not queued twice.
    again = backend.db.run(
        lambda s: queue_notification(
            s, webhook.region_id, "alert.opened", "alert:7:opened", {"alert": {"id": 7}}, START
        )
    )
    assert again == 0


def test_a_receiver_that_stays_down_is_given_up_after_the_last_attempt(
    api: Api, backend: Backend
) -> None:
    down = Receiver([500] * 10)
    try:
        hook_and_alert(api, backend, down.url)
        # Attempts at 0, 30, 90 (30 + 60) and 210 s (90 + 120): four, then failed.
        for offset in (0, 30, 90, 210):
            assert run_at(backend, LOCAL, START + timedelta(seconds=offset)) == 1
    finally:
        down.close()
    failed = notification(backend)
    assert (failed.state, failed.attempts, failed.next_attempt_at) == ("failed", 4, None)
    assert failed.last_error == "HTTP 500 from 127.0.0.1"
    assert run_at(backend, LOCAL, START + timedelta(days=1)) == 0


def test_the_sender_refuses_addresses_the_policy_forbids(
    api: Api, backend: Backend, receiver: Receiver
) -> None:
    hook_and_alert(api, backend, receiver.url)
    run_at(backend, STRICT, START)  # the service's policy no longer allows loopback or http
    refused = notification(backend)
    assert refused.state == "pending" and "refused by the webhook policy" in str(refused.last_error)
    assert receiver.received == []
    # A public-looking host that resolves to a private address is refused before connecting.
    sender = WebhookSender(STRICT, timedelta(seconds=1), resolve=lambda _h, _p: ["10.1.2.3"])
    error = sender.post("https://hooks.example.org/x", b"{}", {})
    assert error is not None and "public address" in error


def test_registering_a_url_the_policy_forbids_stores_nothing(api: Api, backend: Backend) -> None:
    region = api.add_region("shuozhou", "朔州")
    with pytest.raises(InputError, match="public address"):
        backend.db.run(
            lambda s: register_webhook(
                s, region["id"], "https://169.254.169.254/x", api.ids["admin"], STRICT, START
            )
        )
    assert backend.db.run(lambda s: s.scalars(select(Webhook)).all()) == []
