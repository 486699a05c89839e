"""Back up a live exchange database and restore it into an empty one.

SQLite: the online backup API copies one consistent snapshot while the service keeps writing.
PostgreSQL: `pg_dump` (custom format) reads one snapshot in a single REPEATABLE READ transaction;
`pg_restore` loads it. Connection settings reach both through libpq's environment (PGHOST,
PGPASSWORD…), never the command line, where any local user could read a password.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.engine import URL

from reclaim.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
PG_VERSION = re.compile(r"\(PostgreSQL\) (\d+)")


def shown(url: str) -> str:
    """A database URL as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: nothing in it is a password we know of
        return url


def _parsed(db_url: str) -> URL:
    """The `--db` URL, refused in one line when it is not one of a database reclaim runs on."""
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(db_url)
    except ArgumentError:
        url = None
    if url is None or url.get_backend_name() not in ("sqlite", "postgresql"):
        raise InputError("--db", shown(db_url), "a sqlite:/// or postgresql+psycopg:// URL")
    return url


def _sqlite_file(url: URL, field: str, given: str) -> Path:
    if not url.database or url.database == ":memory:":
        raise InputError(field, given, "a SQLite database file (sqlite:///path/to/file.db)")
    return Path(url.database)


def backup(db_url: str, out: Path) -> None:
    """Write a consistent copy of the database at `db_url` to `out` (a new file)."""
    url = _parsed(db_url)
    if out.exists():
        raise InputError("--out", str(out), "a file that does not exist yet (never overwritten)")
    if not out.parent.is_dir():
        raise InputError("--out", str(out), "a file in an existing folder")
    partial = out.with_name(out.name + ".partial")
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_file(url, "--db", shown(db_url)), partial, db_url)
        else:
            _pg_run(
                "pg_dump",
                url,
                [
                    "--format=custom",
                    "--no-owner",
                    "--no-acl",
                    f"--file={partial}",
                    *_pg_schema_args(url),
                ],
            )
        partial.rename(out)
    finally:
        partial.unlink(missing_ok=True)


def _sqlite_backup(path: Path, partial: Path, db_url: str) -> None:
    if not path.is_file():
        raise InputError("--db", shown(db_url), "an existing SQLite database file")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)  # every page in one step: one snapshot, writers go on (WAL)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        target.close()
        source.close()


def _sqlite_restore(path: Path, source: Path, db_url: str) -> None:
    """Copy the backup into the target through the backup API, which writes it as one
    transaction and keeps the target's own journal consistent."""
    if not path.parent.is_dir():
        raise InputError("--db", shown(db_url), "a file in an existing folder")
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        if tables:
            raise InputError("--db", shown(db_url), _not_empty(tables))
        reader.backup(target)
    finally:
        target.close()
        reader.close()


def table_names(db_url: str) -> list[str]:
    """The tables the database at `db_url` already holds (in its search path on PostgreSQL)."""
    engine = create_engine(db_url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def restore(db_url: str, source: Path) -> None:
    """Load the backup `source` into the empty database at `db_url` (refused if it holds any
    table, naming them)."""
    url = _parsed(db_url)
    if not source.is_file():
        raise InputError("--from", str(source), "an existing backup file")
    with source.open("rb") as stream:
        magic = stream.read(len(SQLITE_MAGIC))
    sqlite = url.get_backend_name() == "sqlite"
    expected = SQLITE_MAGIC if sqlite else PG_DUMP_MAGIC
    if not magic.startswith(expected):
        kind = "a SQLite file from reclaim db backup" if sqlite else "a pg_dump custom archive"
        raise InputError("--from", str(source), f"{kind}, for a {url.get_backend_name()} --db")
    if sqlite:
        _sqlite_restore(_sqlite_file(url, "--db", shown(db_url)), source, db_url)
        return
    existing = table_names(db_url)
    if existing:
        raise InputError("--db", shown(db_url), _not_empty(existing))
    _pg_run(
        "pg_restore",
        url,
        [
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_pg_database(url)}",
            str(source),
        ],
    )


def _not_empty(tables: list[str]) -> str:
    listed = ", ".join(tables[:8]) + (" …" if len(tables) > 8 else "")
    return f"an empty database; this one already holds {len(tables)} tables ({listed})"


def _pg_database(url: URL) -> str:
    return url.database or "postgres"


def _pg_schema_args(url: URL) -> list[str]:
    """`--schema` for a URL whose search path names one schema (options=-csearch_path=…)."""
    options = unquote(str(url.query.get("options", "")))
    match = re.search(r"search_path=([A-Za-z_][A-Za-z0-9_]*)", options)
    return [f"--schema={match.group(1)}"] if match else []


def _pg_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    settings = {
        "PGHOST": url.host,
        "PGPORT": None if url.port is None else str(url.port),
        "PGUSER": url.username,
        "PGPASSWORD": url.password if isinstance(url.password, str) else None,
        "PGDATABASE": url.database,
        "PGOPTIONS": unquote(str(url.query["options"])) if "options" in url.query else None,
    }
    env.update({name: value for name, value in settings.items() if value})
    return env


def _tool_major(tool: str) -> int:
    path = shutil.which(tool)
    if path is None:
        raise InputError(tool, None, f"{tool} on the PATH (PostgreSQL's client programs)")
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True)
    match = PG_VERSION.search(version.stdout)
    if match is None:
        raise InputError(tool, version.stdout.strip()[:80], "a PostgreSQL client program")
    return int(match.group(1))


def _server_major(url: URL) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    finally:
        engine.dispose()


def _pg_run(tool: str, url: URL, args: list[str]) -> None:
    """Run pg_dump or pg_restore on `url` once its major version is known to fit the server's
    (pg_dump cannot read a newer server; an older pg_restore may not read a newer archive)."""
    tool_major, server_major = _tool_major(tool), _server_major(url)
    if tool_major < server_major:
        raise InputError(
            tool, f"version {tool_major}", f"version {server_major} or newer, as the server's"
        )
    result = subprocess.run(
        [tool, *args], env=_pg_env(url), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise InputError(tool, f"exit {result.returncode}", f"success ({message[:300]})")
