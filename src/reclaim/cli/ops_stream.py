"""`reclaim ops ingest-mqtt`, `broker-config` and `simulate`: readings streaming in, from field
devices over MQTT or from the digital twin. Registered on `reclaim ops` by `reclaim.cli.ops`;
heavy libraries are imported inside the commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reclaim.cli.common import JsonOpt, SeedOpt, console, reports_input_errors
from reclaim.cli.market import DbOption, open_existing
from reclaim.errors import InputError

if TYPE_CHECKING:
    from reclaim.store.db import Database


@reports_input_errors
def ingest_mqtt(
    broker: str = typer.Option(
        ...,
        "--broker",
        metavar="URL",
        help="mqtt://USER:PASSWORD@HOST:PORT (the workers' login from broker-config).",
    ),
    db: str = DbOption,
    workers: int = typer.Option(
        1, "--workers", min=1, max=16, metavar="N", help="Workers in this process, 1 to 16."
    ),
    client_id: str = typer.Option(
        "reclaim-ingest", "--client-id", metavar="ID", help="Session name; worker N adds -N."
    ),
    region: str | None = typer.Option(
        None, "--region", metavar="CODE", help="Only this region's topics."
    ),
    shared: bool = typer.Option(
        True, "--shared/--no-shared", help="Join the shared subscription (scale-out)."
    ),
    seconds: float | None = typer.Option(
        None,
        "--seconds",
        min=0.1,
        metavar="SECONDS",
        help="Stop after this many seconds (default: run until Ctrl-C).",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Take readings from the MQTT broker into the database: QoS 1, persistent session, each
    message acknowledged only once its readings are committed."""
    from reclaim.operations.topics import check_name
    from reclaim.service.mqtt_ingest import (
        BrokerAddress,
        IngestWorker,
        WorkerSettings,
        database_sink,
        run_workers,
    )

    address = BrokerAddress.from_url(broker)
    check_name(client_id, "--client-id")
    if region is not None:
        check_name(region, "--region")
    if workers > 1 and not shared:
        raise InputError("--workers", workers, "1 with --no-shared (a plain subscription)")
    database = open_existing(db)
    sink = database_sink(database)
    pool = [
        IngestWorker(
            address,
            sink,
            WorkerSettings(
                client_id if workers == 1 else f"{client_id}-{n}", region=region, shared=shared
            ),
        )
        for n in range(1, workers + 1)
    ]
    summary = vars(run_workers(pool, seconds))
    if as_json:
        console.print_json(json.dumps(summary))
    else:
        console.print(", ".join(f"{name} {value}" for name, value in summary.items()))


@reports_input_errors
def broker_config(
    out: Path = typer.Option(..., "--out", metavar="DIR", help="Folder for the broker's files."),
    db: str = DbOption,
    port: int = typer.Option(1883, "--port", metavar="N", help="Port the broker listens on."),
    bind: str = typer.Option("127.0.0.1", "--bind", metavar="ADDRESS", help="Listen address."),
    run_as: str | None = typer.Option(
        None, "--run-as", metavar="USER", help="User the broker drops to (default: you)."
    ),
) -> None:
    """Write a Mosquitto configuration for the registered devices: a login per device, an ACL
    keeping each to its own topic, persistence; passwords in DIR/secrets.yaml (mode 0600)."""
    import ipaddress

    from sqlalchemy import select

    from reclaim.io.broker_files import write_broker_config
    from reclaim.operations.topics import DeviceTopic
    from reclaim.store.models import Device, Region

    try:
        ipaddress.ip_address(bind)
    except ValueError:
        raise InputError("--bind", bind, "an IP address, e.g. 127.0.0.1 or 0.0.0.0") from None
    database = open_existing(db)
    rows = database.run_read(
        lambda s: s.execute(
            select(Region.code, Device.code).join(Device, Device.region_id == Region.id)
        ).all()
    )
    devices = [DeviceTopic(region, device) for region, device in rows]
    files = write_broker_config(devices, out, port, bind, run_as=run_as)
    console.print(
        f"{len(devices)} device(s); start the broker with: mosquitto -c {files.config}\n"
        f"passwords for the devices and the workers: {files.secrets_file}",
        markup=False,
        soft_wrap=True,
    )


@reports_input_errors
def simulate(
    region: str = typer.Argument(..., metavar="REGION", help="A demo region: shuozhou, lingshi."),
    days: float = typer.Option(
        1.0, "--days", min=0.01, max=60, metavar="DAYS", help="Length of the run in days."
    ),
    start: str | None = typer.Option(
        None,
        "--start",
        metavar="YYYY-MM-DD",
        help="First day (local midnight); default: now at --speed 1, else --days before today.",
    ),
    speed: float = typer.Option(
        0.0,
        "--speed",
        min=0.0,
        metavar="FACTOR",
        help="1 = real time, 60 = an hour a minute, 0 = no waiting.",
    ),
    mqtt: str | None = typer.Option(
        None, "--mqtt", metavar="URL", help="Publish to this broker (mqtt://HOST:PORT)."
    ),
    secrets: Path | None = typer.Option(
        None, "--secrets", metavar="FILE", help="Device passwords (broker-config's secrets.yaml)."
    ),
    db: str = DbOption,
    demo: bool = typer.Option(
        False, "--demo", help="Seed the demo regions first (SQLite), as `reclaim serve --demo`."
    ),
    faults: bool = typer.Option(True, "--faults/--no-faults", help="Inject the twin's faults."),
    seed: int = SeedOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Run REGION's digital twin and publish its readings: over HTTP into the service in this
    process (default, into --db), or to an MQTT broker (--mqtt)."""
    from reclaim.io.twin_files import load_twin
    from reclaim.service.twin_feed import publish_http, publish_mqtt, run_start

    twin = load_twin(region)
    twin = twin if faults else twin.without_faults()
    first = run_start(start, days, speed)
    if mqtt is not None:
        summary = publish_mqtt(twin, first, days, seed, speed, mqtt, secrets)
    else:
        if secrets is not None:
            raise InputError("--secrets", str(secrets), "only with --mqtt")
        database = _seeded(db) if demo else open_existing(db)
        summary = publish_http(twin, first, days, seed, speed, database)
    if as_json:
        console.print_json(json.dumps(summary))
    else:
        console.print(", ".join(f"{name} {value}" for name, value in summary.items()))


def _seeded(url: str) -> Database:
    """The SQLite database at ``url``, migrated, with the demo regions (published password)."""
    from reclaim.cli.market import DEFAULT_DEMO_PASSWORD
    from reclaim.service.context import utc_now
    from reclaim.service.demo import seed_demo
    from reclaim.service.settings import exchange_context, load_settings
    from reclaim.store.db import Database

    if not url.startswith("sqlite"):
        raise InputError("--demo", url, "a SQLite database (demo logins use a published password)")
    database = Database.from_url(url)
    database.upgrade()
    context = exchange_context(load_settings(), database)
    database.run(
        lambda s: seed_demo(
            s, context.rules, set(context.schedules), DEFAULT_DEMO_PASSWORD, utc_now()
        )
    )
    return database
