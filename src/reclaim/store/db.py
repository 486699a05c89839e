"""Engines, transactions with retries, and schema migration for SQLite and PostgreSQL.

Every request runs in one transaction: all of it is written or none. On SQLite each transaction
that may write starts with BEGIN IMMEDIATE (one writer at a time, taken at the start, so
read-then-write is safe) and a read-only one with a plain BEGIN (a WAL snapshot, which never
waits for the writer); on PostgreSQL rows are locked with SELECT … FOR UPDATE or changed by
conditional UPDATEs, and a transaction that dies of a deadlock or serialization failure is
retried from the start.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 60
RETRYABLE_PG_STATES = frozenset({"40001", "40P01"})
"""serialization_failure, deadlock_detected."""
MAX_ATTEMPTS = 12
RETRY_BASE_DELAY_S = 0.005
POOL_SIZE = 10
POOL_MAX_OVERFLOW = 20
MAX_CONNECTIONS = POOL_SIZE + POOL_MAX_OVERFLOW
"""Connections one engine opens at most (SQLite and PostgreSQL alike)."""
READ_ONLY_OPTION = "reclaim_read_only"
"""Execution option of the engine behind read-only sessions: SQLite begins them deferred."""

T = TypeVar("T")


def create_db_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for `url`; on PostgreSQL `schema` (if given) becomes the search path."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=POOL_SIZE,
            max_overflow=POOL_MAX_OVERFLOW,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    connect_args: dict[str, Any] = {}
    if schema is not None:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(
        url,
        connect_args=connect_args,
        pool_size=POOL_SIZE,
        max_overflow=POOL_MAX_OVERFLOW,
        pool_pre_ping=True,
    )


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event emits BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def is_retryable(error: DBAPIError) -> bool:
    """A deadlock or serialization failure (PostgreSQL) or a busy database (SQLite)."""
    state = getattr(error.orig, "sqlstate", None)
    if state in RETRYABLE_PG_STATES:
        return True
    return "database is locked" in str(error.orig)


class Database:
    """An engine plus a way to run one unit of work in one transaction, retried when it must be."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        read_only = engine.execution_options(**{READ_ONLY_OPTION: True})
        self.read_sessions = sessionmaker(read_only, expire_on_commit=False)
        """Sessions for work that only reads (SQLite lets them run beside the writer)."""
        snapshot = (
            read_only
            if engine.dialect.name == "sqlite"
            else read_only.execution_options(isolation_level="REPEATABLE READ")
        )
        self.snapshot_sessions = sessionmaker(snapshot, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, *, schema: str | None = None) -> Database:
        """Open the database at `url`."""
        return cls(create_db_engine(url, schema=schema))

    def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a transaction: committed if it returns, rolled back if it raises."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.sessions() as session, session.begin():
                    return work(session)
            except DBAPIError as error:
                if attempt == MAX_ATTEMPTS or not is_retryable(error):
                    raise
                time.sleep(RETRY_BASE_DELAY_S * attempt * (1 + random.random()))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def run_read(self, work: Callable[[Session], T]) -> T:
        """Run a read-only `work` in its own transaction (deferred on SQLite)."""
        with self.read_sessions() as session, session.begin():
            return work(session)

    def snapshot(self, work: Callable[[Session], T]) -> T:
        """Run a read-only `work` on one consistent snapshot of the whole database.

        REPEATABLE READ on PostgreSQL (every statement sees the same commits), a single read
        transaction on SQLite (WAL: the snapshot of its first read), so rows read by separate
        statements agree even while others commit.
        """
        with self.snapshot_sessions() as session, session.begin():
            return work(session)

    def upgrade(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        upgrade_schema(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations on `engine` up to `revision`, in one transaction.

    On SQLite foreign keys are off while migrating: a batch migration rebuilds a table by copy,
    drop and rename, and dropping a table that other rows refer to is refused while keys are
    enforced. Every key is checked before the transaction commits.
    """
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, "OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, "ON")


def _sqlite_foreign_keys(connection: Connection, state: str) -> None:
    """Switch key enforcement, outside any transaction (SQLite ignores it inside one)."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={state}")
