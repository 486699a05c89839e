"""A device's side of MQTT ingest: its own login, a persistent session (MQTT 5), QoS 1 publishes
that the client keeps and resends until the broker acknowledges them, through disconnections."""

from __future__ import annotations

import threading
import time

from paho.mqtt.client import Client, MQTTMessageInfo
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from reclaim.errors import InputError
from reclaim.service.mqtt_ingest import QOS_AT_LEAST_ONCE, BrokerAddress

SESSION_EXPIRY_S = 3600
"""The broker keeps a device's session (its unacknowledged messages) for an hour offline."""


class DevicePublisher:
    """One device's MQTT client; `publish` queues, the network thread sends and resends."""

    def __init__(
        self, broker: BrokerAddress, login: str, password: str | None, client_id: str | None = None
    ) -> None:
        self.login = login
        self.client = Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or login,
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        if password is not None:
            self.client.username_pw_set(login, password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=10)
        self._lock = threading.Lock()
        self._connack: ReasonCode | None = None
        self._acked: dict[int, ReasonCode] = {}
        self._sent: list[MQTTMessageInfo] = []
        self.client.on_connect = self._on_connect
        self.client.on_publish = self._on_publish
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        self.client.connect_async(
            broker.host, broker.port, clean_start=False, properties=properties
        )
        self.client.loop_start()

    def _on_connect(self, client: Client, userdata: object, flags: object, reason: ReasonCode,
                    properties: object) -> None:  # fmt: skip
        self._connack = reason

    def _on_publish(self, client: Client, userdata: object, mid: int, reason: ReasonCode,
                    properties: object) -> None:  # fmt: skip
        with self._lock:
            self._acked[mid] = reason

    def wait_connected(self, timeout_s: float = 10.0) -> None:
        """Wait for the broker's answer; a refused login is an `InputError` naming the device."""
        deadline = time.monotonic() + timeout_s
        while self._connack is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if self._connack is None:
            raise InputError("--mqtt", self.login, "a broker that answers within 10 s")
        if self._connack.is_failure:
            raise InputError(f"device {self.login}", str(self._connack), "a login the broker takes")

    def publish(self, topic: str, payload: bytes) -> MQTTMessageInfo:
        """Queue one message at QoS 1 (sent now, or on reconnection)."""
        info = self.client.publish(topic, payload, qos=QOS_AT_LEAST_ONCE)
        self._sent.append(info)
        return info

    def acknowledged(self) -> dict[int, ReasonCode]:
        """Message id → the broker's PUBACK reason, so far."""
        with self._lock:
            return dict(self._acked)

    def wait_all_acked(self, timeout_s: float = 60.0) -> int:
        """Wait until the broker acknowledged every message sent; how many it accepted."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            acked = self.acknowledged()
            if all(info.mid in acked for info in self._sent):
                return sum(not acked[info.mid].is_failure for info in self._sent)
            time.sleep(0.05)
        raise InputError(f"device {self.login}", "unacknowledged", "a broker that acknowledges")

    def close(self) -> None:
        """Disconnect (the session stays with the broker) and stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()
