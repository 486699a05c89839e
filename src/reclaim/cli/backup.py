"""`reclaim db backup` and `reclaim db restore`: a consistent copy of a live exchange, and its
return into an empty database, checked (schema revision, ledger chain, action-log chain) before
it is served."""

from __future__ import annotations

from pathlib import Path

import typer

from reclaim.cli.common import console, err_console, reports_input_errors
from reclaim.errors import InputError

EXIT_RESTORED_BROKEN = 1


@reports_input_errors
def backup_command(
    db: str = typer.Option(
        ..., "--db", metavar="URL", help="Database URL of the exchange to back up."
    ),
    out: Path = typer.Option(
        ..., "--out", metavar="FILE", help="The backup file to write (must not exist)."
    ),
) -> None:
    """Copy the database while the service runs: SQLite's online backup API, or pg_dump's
    custom format; one consistent snapshot either way."""
    from reclaim.store.backup import backup, shown

    backup(db, out)
    console.print(
        f"backed up {shown(db)} to {out} ({out.stat().st_size} bytes)", markup=False, soft_wrap=True
    )


@reports_input_errors
def restore_command(
    db: str = typer.Option(
        ..., "--db", metavar="URL", help="Database URL of an EMPTY database to fill."
    ),
    source: Path = typer.Option(
        ..., "--from", metavar="FILE", help="A file written by `reclaim db backup`."
    ),
) -> None:
    """Load a backup into an empty database (a database that holds any table is refused),
    bring its schema to this version's newest migration, then verify the ledger's chain and the
    action log's chain (`ledger verify` and `audit verify`)."""
    from reclaim.store.backup import restore, shown

    restore(db, source)
    problems = check_restored(db)
    if problems:
        for problem in problems:
            err_console.print(f"restored, but {problem}", markup=False, soft_wrap=True)
        err_console.print("do not serve this database", markup=False)
        raise typer.Exit(EXIT_RESTORED_BROKEN)
    console.print(f"restored {source} into {shown(db)}: checks passed", markup=False)


def check_restored(db: str) -> list[str]:
    """What is wrong with a restored database: an unknown schema revision, a broken ledger or
    action log."""
    from sqlalchemy import text

    from reclaim.store.actions import verify_actions
    from reclaim.store.db import Database
    from reclaim.store.health import known_revisions
    from reclaim.store.settlement import verify_ledger

    database = Database.from_url(db)
    try:
        found = database.run(
            lambda s: set(s.execute(text("SELECT version_num FROM alembic_version")).scalars())
        )
        unknown = found - known_revisions()
        if unknown or not found:
            raise InputError(
                "--from",
                ",".join(sorted(unknown)) or None,
                "a backup whose schema revision "
                "this version of reclaim knows (restore with the version that made it)",
            )
        database.upgrade()
        report = database.snapshot(verify_ledger)
        actions = database.snapshot(verify_actions)
    finally:
        database.dispose()
    problems = []
    if report.chain_break is not None:
        problems.append(
            f"the ledger is broken at entry {report.chain_break.seq}: {report.chain_break.reason}"
        )
    if report.unbalanced_txns:
        problems.append(f"ledger transactions do not balance: {report.unbalanced_txns}")
    if not report.head_matches:
        problems.append("the ledger's stored head is not its last entry")
    problems.extend(actions.problems())
    if not problems:
        console.print(
            f"ledger ok: {report.entries} entries, chain intact, every transaction balances",
            markup=False,
        )
        console.print(f"action log ok: {actions.entries} entries, chain intact", markup=False)
    return problems
