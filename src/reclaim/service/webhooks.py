"""Sending alert notifications to webhooks: the scheduler's `send_notifications` job.

Each body is signed (``X-Reclaim-Signature: t=<unix s>,v1=<HMAC-SHA256 hex>``, see
`reclaim.operations.notify`) and posted with a short timeout. Before each request the host is
resolved and every address it resolves to is checked against the policy; the request then goes
to the checked address itself (Host header and TLS name kept), so a DNS answer that changes
between the check and the connection cannot turn a webhook onto an internal address. Redirects
are not followed and no proxy from the environment is used.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

import httpx
from sqlalchemy.orm import Session

from reclaim.errors import InputError
from reclaim.io.operations_files import load_backoff
from reclaim.operations.notify import (
    Backoff,
    WebhookPolicy,
    check_address,
    check_webhook_url,
    signature_header,
)
from reclaim.service.scheduler import Job
from reclaim.store.webhooks import due_notifications, record_attempt

SIGNATURE_HEADER = "X-Reclaim-Signature"
EVENT_HEADER = "X-Reclaim-Event"
DELIVERY_HEADER = "X-Reclaim-Delivery"
BATCH = 20
"""Notifications one run of the job sends at most (each waits at most the request timeout)."""
JOB_EVERY = timedelta(seconds=10)

Resolver = Callable[[str, int], list[str]]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (TCP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class WebhookSender:
    """Posts bodies to webhook URLs the policy allows, to addresses it allows."""

    def __init__(
        self, policy: WebhookPolicy, timeout: timedelta, resolve: Resolver = resolve_host
    ) -> None:
        self.policy = policy
        self.timeout = timeout
        self.resolve = resolve

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> str | None:
        """None when the receiver answered 2xx; else why the attempt failed, in a few words."""
        try:
            parts = check_webhook_url(url, self.policy)
            host = parts.hostname or ""
            port = parts.port or (443 if parts.scheme == "https" else 80)
            try:
                addresses = self.resolve(host, port)
            except OSError:
                return f"host {host} does not resolve"
            if not addresses:
                return f"host {host} does not resolve"
            for address in addresses:
                check_address(address, self.policy)
        except InputError as refused:
            return f"refused by the webhook policy: {refused}"
        pinned = f"[{addresses[0]}]" if ":" in addresses[0] else addresses[0]
        target = parts._replace(netloc=f"{pinned}:{port}").geturl()
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        try:
            with httpx.Client(
                timeout=self.timeout.total_seconds(), follow_redirects=False, trust_env=False
            ) as client:
                response = client.post(
                    target,
                    content=body,
                    headers={**headers, "Host": parts.netloc},
                    extensions=extensions,
                )
        except httpx.HTTPError as error:
            return f"{type(error).__name__} calling {host}"
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code} from {host}"


def send_notifications(
    session: Session, now: datetime, sender: WebhookSender, backoff: Backoff
) -> int:
    """Send the notifications that are due, signed; record each attempt. How many were tried."""
    outgoing = due_notifications(session, now, BATCH)
    timestamp = int(now.timestamp())
    for note in outgoing:
        body = note.body.encode()
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: note.event,
            DELIVERY_HEADER: str(note.notification_id),
            SIGNATURE_HEADER: signature_header(note.secret.encode(), timestamp, body),
        }
        error = sender.post(note.url, body, headers)
        record_attempt(session, note.notification_id, error, backoff, now)
    return len(outgoing)


def notification_job(policy: WebhookPolicy, backoff: Backoff | None = None) -> Job:
    """The scheduler's job that sends due notifications under ``policy``."""
    schedule = backoff or load_backoff()
    sender = WebhookSender(policy, schedule.request_timeout)
    return Job(
        "send_notifications",
        JOB_EVERY,
        partial(send_notifications, sender=sender, backoff=schedule),
    )
