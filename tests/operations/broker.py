"""A Mosquitto of the test's own: the `mosquitto` binary on a free port with the configuration
`reclaim ops broker-config` writes (password file, ACL, persistence), started, restarted and
stopped by the test."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from paho.mqtt.client import MQTTMessageInfo
from paho.mqtt.reasoncodes import ReasonCode

from reclaim.io.broker_files import WORKER_LOGIN, write_broker_config
from reclaim.operations.topics import DeviceTopic
from reclaim.service.mqtt_ingest import BrokerAddress
from reclaim.service.mqtt_publish import DevicePublisher

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Broker:
    """A running Mosquitto with the site configuration for ``devices``."""

    def __init__(self, directory: Path, devices: list[DeviceTopic]) -> None:
        self.port = free_port()
        self.files = write_broker_config(devices, directory, self.port)
        self.passwords: dict[str, str] = yaml.safe_load(self.files.secrets_file.read_text())
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "mosquitto.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [MOSQUITTO, "-c", str(self.files.config)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        """An orderly stop (SIGTERM): the broker saves its persistent state first."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)
        self.process = None

    def address(self, login: str) -> BrokerAddress:
        return BrokerAddress("127.0.0.1", self.port, login, self.passwords[login])

    def worker_address(self) -> BrokerAddress:
        return self.address(WORKER_LOGIN)


@contextmanager
def running_broker(directory: Path, devices: list[DeviceTopic]) -> Iterator[Broker]:
    broker = Broker(directory, devices)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


class Publisher(DevicePublisher):
    """A device (`DevicePublisher`) with the waits the tests need."""

    def __init__(self, address: BrokerAddress, client_id: str) -> None:
        super().__init__(address, address.username or client_id, address.password, client_id)

    def wait_connack(self, timeout: float = 10.0) -> ReasonCode:
        deadline = time.monotonic() + timeout
        while self._connack is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self._connack is not None, "no CONNACK from the broker"
        return self._connack

    def wait_acked(self, infos: list[MQTTMessageInfo], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            acked = self.acknowledged()
            if all(info.mid in acked for info in infos):
                return
            time.sleep(0.05)
        raise AssertionError(f"{sum(i.mid not in acked for i in infos)} publishes not acked")

    @property
    def acked(self) -> dict[int, ReasonCode]:
        return self.acknowledged()
