"""A Mosquitto configuration for a site's devices: password file, ACL file and broker settings.

`write_broker_config` turns the registered devices into what Mosquitto (2.0 or newer) reads:

- ``passwd``: one ``login:$7$…`` line a device and one for the ingest workers, PBKDF2-SHA512 as
  ``mosquitto_passwd`` writes it;
- ``acl``: each device may write its own topic only; the workers may read every readings topic;
- ``mosquitto.conf``: no anonymous clients, the files above, persistence on disk, and queues long
  enough that a worker that is down for a while loses nothing;
- ``secrets.yaml`` (mode 0600): the plain passwords to load into the devices and the workers.
  Kept across runs, so adding a device does not change the others' passwords.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from reclaim.errors import InputError
from reclaim.io.data_files import read_yaml
from reclaim.operations.topics import (
    READINGS_LEAF,
    TOPIC_ROOT,
    DeviceTopic,
    check_name,
    readings_topic,
)

WORKER_LOGIN = "reclaim-ingest"
"""The broker login every ingest worker shares (they form one shared-subscription group)."""
PBKDF2_ITERATIONS = 101
"""mosquitto_passwd's default for its ``$7$`` (PBKDF2-SHA512) hashes (mosquitto 2.0 source,
apps/mosquitto_passwd: PW_DEFAULT_ITERATIONS 101)."""
SALT_BYTES = 12
"""Salt length mosquitto_passwd uses (mosquitto 2.0 source: SALT_LEN 12)."""
PASSWORD_BYTES = 18
"""Random bytes in a generated password (144 bits, 24 URL-safe characters)."""
MAX_QUEUED_MESSAGES = 1_000_000
"""Messages the broker queues for a disconnected worker's session (Mosquitto's default, 1000,
would drop readings after a few minutes of a worker being down at site scale)."""
AUTOSAVE_INTERVAL_S = 30
"""Seconds between the broker's saves of its in-memory state to disk; an orderly stop saves
everything, a power cut loses at most this much of what the broker held (see README)."""


@dataclass(frozen=True)
class BrokerFiles:
    """Where the configuration was written."""

    config: Path
    password_file: Path
    acl_file: Path
    secrets_file: Path


def password_hash(password: str, salt: bytes | None = None) -> str:
    """The ``$7$`` line part Mosquitto checks ``password`` against."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS)
    encoded_salt = base64.b64encode(salt).decode()
    return f"$7${PBKDF2_ITERATIONS}${encoded_salt}${base64.b64encode(digest).decode()}"


def acl_text(devices: Sequence[DeviceTopic], worker_login: str = WORKER_LOGIN) -> str:
    """Mosquitto ACL: a device writes its own readings topic, the workers read all of them."""
    lines = [f"user {worker_login}", f"topic read {TOPIC_ROOT}/+/+/{READINGS_LEAF}", ""]
    for device in sorted(devices, key=lambda d: (d.region, d.device)):
        topic = readings_topic(device.region, device.device)
        lines += [f"user {device.device}", f"topic write {topic}", ""]
    return "\n".join(lines)


def config_text(
    port: int, directory: Path, bind_address: str = "127.0.0.1", run_as: str | None = None
) -> str:
    """mosquitto.conf for one listener with the files of ``directory``; a broker started as
    root runs as ``run_as`` (default: the owner of the files, who can read them)."""
    if not 0 < port < 65536:
        raise InputError("--port", port, "a TCP port 1–65535")
    return "\n".join(
        [
            "# Written by `reclaim ops broker-config`: devices log in, each to its own topic.",
            "per_listener_settings false",
            f"user {run_as or getpass.getuser()}",
            f"listener {port} {bind_address}",
            "allow_anonymous false",
            f"password_file {directory / 'passwd'}",
            f"acl_file {directory / 'acl'}",
            "persistence true",
            f"persistence_location {directory / 'data'}/",
            f"autosave_interval {AUTOSAVE_INTERVAL_S}",
            f"max_queued_messages {MAX_QUEUED_MESSAGES}",
            "persistent_client_expiration 14d",
            "",
        ]
    )


def write_broker_config(
    devices: Sequence[DeviceTopic],
    directory: Path,
    port: int,
    bind_address: str = "127.0.0.1",
    worker_login: str = WORKER_LOGIN,
    run_as: str | None = None,
) -> BrokerFiles:
    """Write the broker's files into ``directory`` (created), keeping passwords already issued."""
    check_name(worker_login, "--worker-login")
    if run_as is not None:
        check_name(run_as, "--run-as")
    logins = [device.device for device in devices]
    repeated = sorted({login for login in logins if logins.count(login) > 1})
    if repeated:
        raise InputError("devices", repeated, "device codes unique across regions (broker logins)")
    if worker_login in logins:
        # the device would share the workers' password and their read access to every topic
        raise InputError("devices", worker_login, "device codes other than the workers' login")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "data").mkdir(exist_ok=True)
    secrets_file = directory / "secrets.yaml"
    issued = _issued(secrets_file)
    logins = [worker_login, *sorted(logins)]
    passwords = {
        login: issued.get(login) or secrets.token_urlsafe(PASSWORD_BYTES) for login in logins
    }
    _write_private(secrets_file, yaml.safe_dump(passwords, sort_keys=True))
    password_file = directory / "passwd"
    _write_private(
        password_file,
        "".join(f"{login}:{password_hash(passwords[login])}\n" for login in logins),
    )
    acl_file = directory / "acl"
    acl_file.write_text(acl_text(devices, worker_login), encoding="utf-8")
    config = directory / "mosquitto.conf"
    config.write_text(
        config_text(port, directory.resolve(), bind_address, run_as), encoding="utf-8"
    )
    return BrokerFiles(config, password_file, acl_file, secrets_file)


def _issued(path: Path) -> Mapping[str, str]:
    if not path.is_file():
        return {}
    issued = read_yaml(path)
    if not isinstance(issued, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in issued.items()
    ):
        raise InputError(str(path), "<not shown>", "a mapping of login: password")
    return issued


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by the owner only (a secret, or the hashes of secrets)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)
