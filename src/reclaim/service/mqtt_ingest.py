"""The MQTT ingest worker: readings from the broker into the store, none lost, none counted twice.

- **QoS 1, persistent session** (MQTT 5: clean start off, a session expiry): while a worker is
  down or the broker restarts, the broker keeps its messages and subscription.
- **Acknowledged after the commit**: paho's manual acknowledgement; a message is PUBACKed only
  once the transaction holding its readings has committed. A worker that dies before that gets
  the message again (it or another worker of the group), and readings being idempotent on
  (sensor, time) the second delivery is counted as duplicates, not stored twice.
- **Scale-out**: every worker joins the shared subscription ``$share/reclaim/…``; the broker
  hands each message to one of them.
- **Batched commits**: the messages waiting when a commit starts go into that one commit (up to
  `WorkerSettings.max_messages_per_commit`), so the database sees few large transactions.

The store call is a `Sink`: the command line binds it to the store's single ingest entry point.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from paho.mqtt.client import Client, ConnectFlags, DisconnectFlags, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import select
from sqlalchemy.orm import Session

from reclaim.errors import InputError
from reclaim.market.errors import MarketRefusal
from reclaim.operations.topics import parse_readings_topic, readings_filter
from reclaim.service.limits import READINGS_PER_REQUEST
from reclaim.service.routers.readings import parse_readings
from reclaim.store.db import Database
from reclaim.store.models import Device, Region
from reclaim.store.readings import MAX_READINGS_PER_BATCH, Source, ingest_readings

log = logging.getLogger("reclaim.mqtt")

QOS_AT_LEAST_ONCE = 1
JSON = "application/json"
"""Payloads are the HTTP batch route's JSON body (`reclaim.operations.topics`)."""
DEFAULT_PORT = 1883


@dataclass(frozen=True)
class BrokerAddress:
    """Where the broker listens and how to log in (``mqtt://user:password@host:port``)."""

    host: str
    port: int = DEFAULT_PORT
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str, field_name: str = "--broker") -> BrokerAddress:
        """Parse an ``mqtt://`` URL; anything else is an `InputError` (the password not shown)."""
        parts = urlsplit(url)
        shown = parts._replace(netloc=parts.hostname or "").geturl()
        if parts.scheme != "mqtt" or not parts.hostname:
            raise InputError(field_name, shown, "mqtt://[user:password@]host[:port]")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise InputError(field_name, shown, "a port 1–65535") from None
        return cls(
            parts.hostname,
            port,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
        )


@dataclass(frozen=True)
class Delivery:
    """One message as received: who sent it, its readings (or why it has none), its size."""

    region: str
    device: str
    readings: list[Any] | None
    problem: InputError | None
    payload_bytes: int
    received_at: datetime


@dataclass
class IngestCounts:
    """What one commit (or a worker's whole run) took in. A refused message is one the store
    would not take at all (unregistered device, a sensor of another device, not a readings
    payload): it is logged with the reason and acknowledged, so it is not delivered forever."""

    messages: int = 0
    readings: int = 0
    accepted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    refused_messages: int = 0
    alerts_opened: int = 0

    def add(self, other: IngestCounts) -> None:
        """Add another commit's counts to these."""
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


Sink = Callable[[Sequence[Delivery]], IngestCounts]
"""Stores the deliveries in ONE transaction and returns once it has committed (raises if not)."""


@dataclass(frozen=True)
class WorkerSettings:
    """How a worker talks to the broker and batches its commits."""

    client_id: str
    region: str | None = None
    """Only this region's topics; None: every region."""
    shared: bool = True
    """Join the shared subscription (several workers). Mosquitto 2.0.11 does not restore a
    shared subscription from its persistence file after a restart: messages devices publish
    between the broker's restart and the workers' re-subscription are lost. A single worker
    with a plain subscription (False) keeps its subscription, and its queue, across restarts."""
    session_expiry_s: int = 7 * 24 * 3600
    """How long the broker keeps the session of a worker that is gone (a week)."""
    receive_maximum: int = 200
    """Unacknowledged messages the broker may have in flight to this worker (MQTT 5)."""
    max_messages_per_commit: int = 200
    retry_delay_s: float = 2.0
    """Wait before retrying a commit that failed (database down): the messages stay unacked."""


def deliveries(messages: Sequence[MQTTMessage], received_at: datetime) -> list[Delivery]:
    """Decode messages; a bad topic or payload is kept with its problem, never dropped."""
    decoded = []
    for message in messages:
        size = len(message.payload)
        try:
            topic = parse_readings_topic(message.topic)
        except InputError as error:
            decoded.append(Delivery("", "", None, error, size, received_at))
            continue
        try:
            readings: list[Any] | None = parse_readings(bytes(message.payload), JSON)
            problem = None
            if len(readings or []) > READINGS_PER_REQUEST:
                raise InputError("payload", f"{size} bytes", f"≤ {READINGS_PER_REQUEST} readings")
        except InputError as error:
            readings, problem = None, error
        decoded.append(Delivery(topic.region, topic.device, readings, problem, size, received_at))
    return decoded


class IngestWorker:
    """One worker of the shared subscription; `run` until `stop` is called."""

    def __init__(self, broker: BrokerAddress, sink: Sink, settings: WorkerSettings) -> None:
        self.broker = broker
        self.sink = sink
        self.settings = settings
        self.counts = IngestCounts()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self._stopping = threading.Event()
        self._inbox: queue.Queue[MQTTMessage] = queue.Queue()
        self.client = Client(
            CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=True,
        )
        if broker.username is not None:
            self.client.username_pw_set(broker.username, broker.password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=10)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def _on_connect(
        self,
        client: Client,
        userdata: object,
        flags: ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the worker: %s", reason)
            return
        self.connected.set()
        topic = readings_filter(self.settings.region, self.settings.shared)
        client.subscribe(topic, qos=QOS_AT_LEAST_ONCE)

    def _on_disconnect(
        self,
        client: Client,
        userdata: object,
        flags: DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.connected.clear()
        self.subscribed.clear()

    def _on_subscribe(
        self,
        client: Client,
        userdata: object,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        if all(not reason.is_failure for reason in reasons):
            self.subscribed.set()
        else:
            log.error("broker refused the subscription: %s", reasons)

    def _on_message(self, client: Client, userdata: object, message: MQTTMessage) -> None:
        self._inbox.put(message)

    def start(self) -> None:
        """Connect (keeping the session the broker holds for this client id) and start the
        network thread; messages queue up for `run`."""
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.settings.session_expiry_s
        properties.ReceiveMaximum = self.settings.receive_maximum
        self.client.connect_async(
            self.broker.host, self.broker.port, clean_start=False, properties=properties
        )
        self.client.loop_start()

    def run(self) -> IngestCounts:
        """Commit batches of received messages until `stop`; returns what was taken in."""
        while not self._stopping.is_set():
            batch = self._next_batch()
            if batch:
                self._commit(batch)
        return self.counts

    def stop(self) -> None:
        """Stop after the commit in progress; unacknowledged messages stay with the broker."""
        self._stopping.set()

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()

    def _next_batch(self) -> list[MQTTMessage]:
        try:
            first = self._inbox.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        while len(batch) < self.settings.max_messages_per_commit:
            try:
                batch.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def _commit(self, batch: list[MQTTMessage]) -> None:
        """Store ``batch`` in one transaction, retrying while the store fails, then ack it."""
        while True:
            try:
                counts = self.sink(deliveries(batch, datetime.now(UTC)))
                break
            except Exception:
                log.exception("commit of %d message(s) failed; kept unacked, retrying", len(batch))
                if self._stopping.wait(self.settings.retry_delay_s):
                    return
        for message in batch:
            self.client.ack(message.mid, message.qos)
        self.counts.add(counts)


def run_workers(workers: Sequence[IngestWorker], seconds: float | None) -> IngestCounts:
    """Start ``workers``, run them (each in its thread) for ``seconds`` or until interrupted
    (Ctrl-C), stop and disconnect them; their counts summed."""
    for worker in workers:
        worker.start()
    threads = [threading.Thread(target=worker.run, daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    try:
        deadline = None if seconds is None else time.monotonic() + seconds
        while any(thread.is_alive() for thread in threads):
            if deadline is not None and time.monotonic() >= deadline:
                break
            time.sleep(0.2)
    except KeyboardInterrupt:
        log.info("interrupted: stopping after the commits in progress")
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join()
        for worker in workers:
            worker.close()
    total = IngestCounts()
    for worker in workers:
        total.add(worker.counts)
    return total


def database_sink(database: Database) -> Sink:
    """A `Sink` storing through the store's single ingest entry point, one transaction a call.

    Messages of one device go into one `ingest_readings` call (up to its batch limit), each
    call in a savepoint: a call the store refuses is undone and its messages are tried one by
    one, so one bad message never holds back the others or leaves half its readings stored.
    """
    senders: dict[tuple[str, str], tuple[int, int]] = {}

    def sender(session: Session, region: str, device: str) -> tuple[int, int] | None:
        key = (region, device)
        if key not in senders:
            row = session.execute(
                select(Region.id, Device.id)
                .join(Device, Device.region_id == Region.id)
                .where(Region.code == region, Device.code == device)
            ).first()
            if row is None:
                return None
            senders[key] = (int(row[0]), int(row[1]))
        return senders[key]

    def ingest(session: Session, group: Sequence[Delivery], ids: tuple[int, int]) -> IngestCounts:
        readings = [reading for delivery in group for reading in delivery.readings or []]
        with session.begin_nested():
            outcome = ingest_readings(
                session,
                readings,
                region_id=ids[0],
                received_at=group[0].received_at,
                source=Source.MQTT,
                device_id=ids[1],
            )
        return IngestCounts(
            messages=len(group),
            readings=len(readings),
            accepted=outcome.accepted,
            duplicates=outcome.duplicates,
            quarantined=outcome.quarantined,
            alerts_opened=outcome.alerts_opened,
        )

    def refuse(delivery: Delivery, why: object) -> IngestCounts:
        log.warning(
            "refused a message of %d bytes on %s/%s: %s",
            delivery.payload_bytes,
            delivery.region,
            delivery.device,
            why,
        )
        return IngestCounts(messages=1, refused_messages=1)

    def work(session: Session, batch: Sequence[Delivery]) -> IngestCounts:
        counts = IngestCounts()
        for group in _device_groups(batch):
            first = group[0]
            ids = None if first.problem else sender(session, first.region, first.device)
            if ids is None:
                why = first.problem or "no such device registered in the region"
                for delivery in group:
                    counts.add(refuse(delivery, why))
                continue
            try:
                counts.add(ingest(session, group, ids))
                continue
            except (InputError, MarketRefusal, ValueError) as error:
                if len(group) == 1:
                    counts.add(refuse(first, error))
                    continue
            for delivery in group:
                try:
                    counts.add(ingest(session, [delivery], ids))
                except (InputError, MarketRefusal, ValueError) as error:
                    counts.add(refuse(delivery, error))
        return counts

    return lambda batch: database.run(lambda session: work(session, batch))


def _device_groups(batch: Sequence[Delivery]) -> list[list[Delivery]]:
    """The deliveries by sender, in arrival order, each group within the store's batch limit;
    a delivery without readings alone."""
    groups: list[list[Delivery]] = []
    filling: dict[tuple[str, str], tuple[list[Delivery], int]] = {}
    for delivery in batch:
        if delivery.problem is not None:
            groups.append([delivery])
            continue
        key = (delivery.region, delivery.device)
        count = len(delivery.readings or [])
        current = filling.get(key)
        if current is None or current[1] + count > MAX_READINGS_PER_BATCH:
            group = [delivery]
            groups.append(group)
            filling[key] = (group, count)
        else:
            current[0].append(delivery)
            filling[key] = (current[0], current[1] + count)
    return groups
