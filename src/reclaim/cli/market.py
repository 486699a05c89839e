"""`reclaim serve`, `reclaim db …`, `reclaim ledger verify`, `reclaim audit verify`: the exchange
service's command line."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from reclaim.cli.backup import backup_command, restore_command
from reclaim.cli.common import console, err_console, reports_input_errors
from reclaim.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from reclaim.store.db import Database
    from reclaim.store.settlement import LedgerReport, SavedHead

T = TypeVar("T")
DEFAULT_DB_URL = "sqlite:///reclaim.db"
DEFAULT_DEMO_PASSWORD = "reclaim-demo"
EXIT_LEDGER_BROKEN = 1
EXIT_ACTION_LOG_BROKEN = 1
HASH_PATTERN = re.compile(r"[0-9a-f]{64}")

app = typer.Typer(no_args_is_help=True)
db_app = typer.Typer(
    help="The exchange's database: migrations, backups, the first administrator, accounts.",
    short_help="Migrations, backups, the first administrator, accounts.",
)
ledger_app = typer.Typer(help="The settlement ledger.")
audit_app = typer.Typer(help="The action log: who did what.")
app.add_typer(db_app, name="db")
app.add_typer(ledger_app, name="ledger")
app.add_typer(audit_app, name="audit")
db_app.command("backup", short_help="A consistent copy of a live exchange.")(backup_command)
db_app.command("restore", short_help="Load a backup into an empty database, checked.")(
    restore_command
)

DbOption = typer.Option(
    DEFAULT_DB_URL,
    "--db",
    metavar="URL",
    help="Database URL: sqlite:///FILE or postgresql+psycopg://USER@HOST/NAME.",
)


def _open(url: str) -> Database:
    from sqlalchemy.exc import DBAPIError

    from reclaim.store.db import Database

    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise InputError("--db", url, "a sqlite:/// or postgresql+psycopg:// URL")
    database = Database.from_url(url)
    try:
        with database.engine.connect():
            pass
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise InputError("--db", _shown(url), f"a database that can be opened ({reason})") from None
    return database


class MissingDatabase(InputError):
    """A command that reads the exchange found no reclaim database at the URL given."""

    def __init__(self, url: str) -> None:
        super().__init__("--db", url, "no reclaim database there")
        self.url = url

    def __str__(self) -> str:
        return (
            f"no reclaim database at {self.url}; "
            f"create one with `reclaim db upgrade --db {self.url}`"
        )


def open_existing(url: str) -> Database:
    """The database at `url`, which must already hold the exchange's schema. A missing SQLite
    file is not created (connecting would create it) and an empty database is not migrated."""
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    if url.startswith("sqlite"):
        file = make_url(url).database
        if not file or file == ":memory:" or not Path(file).is_file():
            raise MissingDatabase(url)
    database = _open(url)
    if not inspect(database.engine).has_table("alembic_version"):
        database.dispose()
        raise MissingDatabase(url)
    return database


@app.command()
@reports_input_errors
def serve(
    db: str | None = typer.Option(
        None,
        "--db",
        metavar="URL",
        help="SQLAlchemy URL [default: RECLAIM_DATABASE_URL, else sqlite:///reclaim.db]",
    ),
    host: str | None = typer.Option(
        None, metavar="ADDRESS", help="Address [default: RECLAIM_HOST, else 127.0.0.1]"
    ),
    port: int | None = typer.Option(
        None, metavar="N", help="TCP port [default: RECLAIM_PORT, else 8000]"
    ),
    settings_file: Path | None = typer.Option(
        None,
        "--settings",
        metavar="FILE",
        help="A file of RECLAIM_NAME=value lines (the environment wins).",
    ),
    demo: bool = typer.Option(
        False, "--demo", help="Seed Shuozhou and a Lingshi-like county first."
    ),
    demo_password: str = typer.Option(
        DEFAULT_DEMO_PASSWORD, metavar="TEXT", help="Password of the demo logins."
    ),
) -> None:
    """Start the exchange's HTTP API (the database is migrated first). Settings: RECLAIM_*
    environment variables or --settings (see README, operating the service)."""
    import uvicorn

    from reclaim.service.app import create_app
    from reclaim.service.context import TESTING_ENV, utc_now
    from reclaim.service.demo import seed_demo
    from reclaim.service.observability import configure_logging
    from reclaim.service.settings import allow_origins, exchange_context, load_settings

    settings = load_settings(settings_file)
    db = db or settings.database_url
    host, port = host or settings.host, port or settings.port
    configure_logging(settings.log_level)
    database = _open(db)
    _refuse_known_passwords(database, demo, demo_password)
    database.upgrade()
    testing = os.environ.get(TESTING_ENV) == "1"
    context = exchange_context(settings, database, testing=testing)
    if demo:
        rules, schedules = context.rules, set(context.schedules)
        logins = database.run(lambda s: seed_demo(s, rules, schedules, demo_password, utc_now()))
        console.print(f"demo logins (password {demo_password!r}):", markup=False)
        for login in logins:
            console.print(f"  {login.username:<16} {login.role}", markup=False)
    if testing:
        err_console.print(
            f"{TESTING_ENV}=1: the clock may be moved over HTTP (PUT /testing/clock); "
            "never run a real exchange like this",
            markup=False,
        )
    app = create_app(context)
    allow_origins(app, settings.cors_origins)
    console.print(
        f"reclaim exchange on http://{host}:{port} (API docs at /docs), db {_shown(db)}",
        markup=False,
        soft_wrap=True,
    )
    uvicorn.run(
        app, host=host, port=port, log_config=None, log_level=settings.log_level, access_log=False
    )


def _shown(url: str) -> str:
    from reclaim.store.backup import shown

    return shown(url)


def _refuse_known_passwords(database: Database, demo: bool, demo_password: str) -> None:
    """On PostgreSQL (a real exchange) refuse to serve demo logins whose password is the one
    printed in this project's README."""
    from reclaim.io.market_data import load_demo_regions, load_demo_staff
    from reclaim.service.settings import accounts_with_password

    if database.engine.dialect.name != "postgresql":
        return
    if demo and demo_password == DEFAULT_DEMO_PASSWORD:
        raise InputError(
            "--demo-password", "***", "a password of your own on PostgreSQL, not the published one"
        )
    staff = load_demo_staff() + [a for r in load_demo_regions() for a in r.get("demo_accounts", [])]
    usernames = [account["username"] for account in staff]
    known = database.run(lambda s: accounts_with_password(s, usernames, DEFAULT_DEMO_PASSWORD))
    if known:
        raise InputError(
            "accounts",
            ", ".join(known),
            "passwords of their own on PostgreSQL: these still use the published demo password",
        )


@db_app.command("upgrade")
@reports_input_errors
def upgrade(db: str = DbOption) -> None:
    """Migrate the database to the newest schema."""
    _open(db).upgrade()
    console.print(f"database {db} is at the newest schema", markup=False)


@db_app.command("add-admin", short_help="Create the platform's administrator.")
@reports_input_errors
def add_admin(
    username: str = typer.Argument(
        ...,
        metavar="NAME",
        help="Login of the administrator: lower-case letters, digits, _ . -",
    ),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        metavar="TEXT",
        help="The password policy's (README: accounts); asked for when not given.",
    ),
    db: str = DbOption,
) -> None:
    """Create an administrator on the server, who then creates regions and registers and assigns
    their regulators and operators over the API (logged as `account.create` by the role
    `shell`)."""
    from reclaim.io.market_data import load_exchange_rules, load_password_policy
    from reclaim.market.errors import MarketRefusal
    from reclaim.market.rules import Role, check_username
    from reclaim.service.auth import hash_password
    from reclaim.service.context import utc_now
    from reclaim.store.accounts import SHELL_ROLE
    from reclaim.store.actions import append_action
    from reclaim.store.registry import AccountSpec, create_account

    check_username(username)  # before the database is created or migrated
    load_password_policy().check(password, username)
    database = _open(db)
    database.upgrade()
    rules = load_exchange_rules()
    spec = AccountSpec(username, hash_password(password), Role.ADMIN, username)

    def work(session: Session) -> None:
        now = utc_now()
        account = create_account(session, None, spec, rules, now)
        append_action(
            session, None, "account.create", account, now=now, request_id=None, role=SHELL_ROLE
        )

    try:
        database.run(work)
    except MarketRefusal as refusal:
        raise InputError(refusal.field, refusal.value, refusal.reason) from refusal
    console.print(f"administrator {username!r} created", markup=False)


AccountName = typer.Argument(..., metavar="NAME", help="Login of the account.")


def _on_account(db: str, username: str, action: str, change: Callable[[Session, int], T]) -> T:
    """Run `change` on the account `username` of the exchange at `db`, as the administrator
    would (an operator at the server's shell is trusted like one), and write its action-log
    entry (role `shell`) in the same transaction."""
    from sqlalchemy import select

    from reclaim.market.errors import MarketRefusal
    from reclaim.service.context import utc_now
    from reclaim.store.accounts import SHELL_ROLE
    from reclaim.store.actions import append_action, state_of
    from reclaim.store.models import Account

    database = open_existing(db)

    def work(session: Session) -> T:
        account_id = session.scalar(select(Account.id).where(Account.username == username))
        if account_id is None:
            raise InputError("NAME", username, "the login of an account of this exchange")
        before = state_of(session.get(Account, account_id))
        done = change(session, account_id)
        account = session.get(Account, account_id)
        assert account is not None
        append_action(
            session,
            None,
            action,
            account,
            now=utc_now(),
            request_id=None,
            before=before,
            role=SHELL_ROLE,
        )
        return done

    try:
        return database.run(work)
    except MarketRefusal as refusal:
        raise InputError(refusal.field, refusal.value, refusal.reason) from refusal
    finally:
        database.dispose()


@db_app.command("disable-account", short_help="Disable an account and revoke its tokens.")
@reports_input_errors
def disable_account_command(username: str = AccountName, db: str = DbOption) -> None:
    """Disable an account: every token of it is revoked at once, and it cannot log in until
    `reclaim db enable-account` (or an administrator over the API) enables it."""
    from reclaim.service.context import utc_now
    from reclaim.store.accounts import disable_account

    _, revoked = _on_account(
        db,
        username,
        "account.disable",
        lambda s, account_id: disable_account(s, None, account_id, utc_now()),
    )
    console.print(f"account {username!r} disabled; {revoked} tokens revoked", markup=False)


@db_app.command("enable-account", short_help="Let a disabled account log in again.")
@reports_input_errors
def enable_account_command(username: str = AccountName, db: str = DbOption) -> None:
    """Enable a disabled account again; its user logs in afresh (old tokens stay revoked)."""
    from reclaim.store.accounts import enable_account

    _on_account(
        db, username, "account.enable", lambda s, account_id: enable_account(s, None, account_id)
    )
    console.print(f"account {username!r} enabled", markup=False)


@db_app.command("reset-code", short_help="Issue a one-time password reset code.")
@reports_input_errors
def reset_code_command(username: str = AccountName, db: str = DbOption) -> None:
    """Issue a one-time password reset code for an account and print it (once: the database
    keeps only its hash). Its user sets a new password with it at POST /auth/reset before it
    expires (setting RECLAIM_RESET_CODE_LIFETIME_MINUTES)."""
    from datetime import timedelta

    from reclaim.service.auth import new_reset_code, reset_code_digest
    from reclaim.service.context import utc_now
    from reclaim.service.settings import load_settings
    from reclaim.store.accounts import issue_reset_code

    lifetime = timedelta(minutes=load_settings().reset_code_lifetime_minutes)
    code = new_reset_code()
    issued = _on_account(
        db,
        username,
        "account.reset_code.issue",
        lambda s, account_id: (
            issue_reset_code(
                s, None, account_id, reset_code_digest(code), utc_now(), lifetime
            ).expires_at
        ),
    )
    console.print(f"reset code for {username!r}: {code}", markup=False)
    console.print(f"it works once, until {issued.isoformat()}", markup=False)


@ledger_app.command("verify", short_help="Recompute the ledger's hash chain.")
@reports_input_errors
def verify(
    db: str = DbOption,
    head: str | None = typer.Option(
        None,
        "--head",
        metavar="FILE|HASH",
        help="A head saved earlier: the JSON of GET /public/ledger/head, or its 64-hex hash. "
        "Proves the current chain extends it.",
    ),
) -> None:
    """Recompute the ledger's hash chain on one snapshot; exit 1 naming the first broken entry.

    With --head, also prove that the chain still contains the saved head unchanged.
    """
    from reclaim.store.settlement import check_saved_head, verify_ledger

    saved = None if head is None else _saved_head(head)

    def check(session: Session) -> tuple[LedgerReport, str | None]:
        report = verify_ledger(session)
        return report, None if saved is None else check_saved_head(session, saved)

    report, head_mismatch = open_existing(db).snapshot(check)
    if report.chain_break is not None:
        err_console.print(
            f"ledger broken at entry {report.chain_break.seq}: {report.chain_break.reason}",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_LEDGER_BROKEN)
    if report.unbalanced_txns or not report.head_matches:
        err_console.print(
            f"ledger chain intact but unbalanced transactions {report.unbalanced_txns} "
            f"or a stale head (head matches: {report.head_matches})",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_LEDGER_BROKEN)
    if head_mismatch is not None:
        err_console.print(
            f"ledger does not extend the saved head: {head_mismatch}", markup=False, soft_wrap=True
        )
        raise typer.Exit(EXIT_LEDGER_BROKEN)
    console.print(
        f"ledger ok: {report.entries} entries, chain intact, every transaction balances",
        markup=False,
        soft_wrap=True,
    )
    if saved is not None:  # the whole hash, on its own line: it fits 80 columns uncut
        console.print(f"extends the saved head\n  {saved.last_hash}", markup=False, soft_wrap=True)


@audit_app.command("verify", short_help="Recompute the action log's hash chain.")
@reports_input_errors
def audit_verify(db: str = DbOption) -> None:
    """Recompute the action log's hash chain on one snapshot; exit 1 naming the first broken
    entry (2: no reclaim database at --db)."""
    from reclaim.store.actions import verify_actions

    report = open_existing(db).snapshot(verify_actions)
    if not report.ok:
        for problem in report.problems():
            err_console.print(problem, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_ACTION_LOG_BROKEN)
    console.print(
        f"action log ok: {report.entries} entries, chain intact", markup=False, soft_wrap=True
    )


def _saved_head(given: str) -> SavedHead:
    """A saved head from --head: a 64-hex hash, or a file holding GET /public/ledger/head."""
    from reclaim.store.settlement import SavedHead

    if HASH_PATTERN.fullmatch(given.strip().lower()):
        return SavedHead(last_seq=None, last_hash=given.strip().lower())
    path = Path(given)
    if not path.is_file():
        raise InputError("--head", given, "a file saved from /public/ledger/head or a 64-hex hash")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        seq, digest = saved["last_seq"], saved["last_hash"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise InputError(
            "--head", given, "JSON with last_seq and last_hash, as GET /public/ledger/head gives"
        ) from None
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise InputError("--head last_seq", str(seq)[:40], "a whole number ≥ 0")
    if not isinstance(digest, str) or not HASH_PATTERN.fullmatch(digest):
        raise InputError("--head last_hash", str(digest)[:80], "64 lowercase hex digits")
    return SavedHead(last_seq=seq, last_hash=digest)
