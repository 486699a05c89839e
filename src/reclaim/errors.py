"""The error types that user input raises, and the stable codes every refusal carries.

`ErrorCode` is the single list of machine codes: the HTTP service puts one in every error body
(`code`), so that clients and the web portal show the refusal in their own language; the `reason`
stays the English sentence for people reading the raw answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum


class ErrorCode(StrEnum):
    """A refusal's stable machine code and its meaning, in one line. Codes are never renamed or
    reused; a new kind of refusal gets a new code."""

    meaning: str

    def __new__(cls, code: str, meaning: str) -> ErrorCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.meaning = meaning
        return member

    # request shape
    INVALID_INPUT = "invalid_input", "a value that is not allowed; `reason` says what is"
    FIELD_MISSING = "field_missing", "a required field is absent"
    FIELD_UNKNOWN = "field_unknown", "a field the route does not take (misspelt?)"
    WRONG_TYPE = "wrong_type", "a value of the wrong kind (text for a number, number for a date)"
    OUT_OF_RANGE = "out_of_range", "a number or date outside the range the field takes"
    WRONG_LENGTH = "wrong_length", "a text or list that is too short or too long"
    WRONG_FORMAT = "wrong_format", "a text not in the field's form, or not one of its choices"
    BAD_USERNAME = "bad_username", "an account name outside the allowed form (see `reason`)"
    NOT_JSON = "not_json", "a body that is not a JSON document"
    UNREADABLE_BODY = "unreadable_body", "a JSON body too deep or with numbers too long to read"
    BODY_TOO_LARGE = "body_too_large", "a body longer than the route takes"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", "an Idempotency-Key sent with another body"
    # routing
    NOT_FOUND = "not_found", "a path or an id that names nothing the caller may see"
    METHOD_NOT_ALLOWED = "method_not_allowed", "the path exists, but not with this HTTP method"
    # identity and permission
    TOKEN_MISSING = "token_missing", "no bearer token (Authorization: Bearer <token>)"
    TOKEN_INVALID = "token_invalid", "a bearer token the service never issued"
    TOKEN_EXPIRED = "token_expired", "a bearer token past its lifetime; log in again"
    TOKEN_REVOKED = "token_revoked", "a bearer token revoked by logout or by the administrator"
    WRONG_CREDENTIALS = "wrong_credentials", "unknown username or wrong password (never which)"
    WRONG_RESET_CODE = (
        "wrong_reset_code",
        "unknown username, or a reset code wrong, used or expired",
    )
    ACCOUNT_DISABLED = "account_disabled", "a token of an account the administrator disabled"
    RESET_CODE_SPENT = "reset_code_spent", "a reset code used, replaced by a newer one, or expired"
    CSRF_MISMATCH = "csrf_mismatch", "a portal write whose CSRF header does not match its session"
    TOO_MANY_ATTEMPTS = "too_many_attempts", "throttled: wait `Retry-After` seconds"
    ROLE_NOT_ALLOWED = "role_not_allowed", "the caller's role may not do this"
    NOT_YOUR_REGION = "not_your_region", "a region the caller is not assigned to or at home in"
    NOT_YOURS = "not_yours", "a record whose owner or party the caller is not"
    OWN_LISTING = "own_listing", "a party may not buy or bid on its own listing"
    USE_NOT_CONVERTED = "use_not_converted", "a use the region does not let this water go to"
    NO_ACCESS_RULE = "no_access_rule", "a route without an access rule (refused, fails closed)"
    TESTING_ONLY = "testing_only", "a route served only by a service started for testing"
    # state of the exchange
    CONFLICT = "conflict", "the current state forbids this; `reason` says which"
    CONCURRENT_CHANGE = "concurrent_change", "a concurrent request changed the same rows; retry"
    ALREADY_EXISTS = "already_exists", "a name, code or day that is taken already"
    VOLUME_ABOVE_CAPACITY = "volume_above_capacity", "more than the plant can still deliver"
    VOLUME_ABOVE_FREE = "volume_above_free", "more than the right holds unsold in those years"
    VOLUME_ABOVE_CONTRACT = "volume_above_contract", "more than the contract has left this year"
    RIGHT_NOT_ACTIVE = "right_not_active", "a right that is exhausted or expired"
    LISTING_NOT_OPEN = "listing_not_open", "a listing sold, withdrawn or closed already"
    WRONG_LISTING_MODE = "wrong_listing_mode", "an action this kind of listing does not take"
    AUCTION_CLOSED = "auction_closed", "an auction past its closing time"
    AUCTION_STILL_OPEN = "auction_still_open", "an auction before its closing time"
    LISTING_HAS_BIDS = "listing_has_bids", "a listing with bids cannot be withdrawn"
    BELOW_RESERVE = "below_reserve", "a bid below the listing's reserve price"
    BID_TOO_LOW = "bid_too_low", "a bid not above the best bid so far"
    IN_USE = "in_use", "a record others depend on (readings, a DMA's boundary); it stays"
    WRONG_STATE = "wrong_state", "a deal, delivery or objection not in the state this needs"
    PUBLICITY_RUNNING = "publicity_running", "a deal whose publicity (公示) has not ended"
    OBJECTIONS_OPEN = "objections_open", "a deal with objections not yet resolved"
    DISPUTE_CLOSED = "dispute_closed", "a delivery past the time to dispute it"
    # the service itself
    BUSY = "busy", "the service has as much of this work queued as it takes; retry later"
    PORTAL_NOT_BUILT = "portal_not_built", "the web portal is not built on this installation"
    NOT_READY = "not_ready", "the database cannot serve (down, or not at the newest migration)"
    SERVER_ERROR = "server_error", "a fault of the service: logged, its details never in the body"


class InputError(ValueError):
    """Bad user input: names the field path, the value given and what is allowed.

    The command line prints ``str(error)`` on one line and exits with status 2; the
    HTTP service answers 422 with the same three parts and `code`.
    """

    def __init__(
        self, field: str, value: object, allowed: str, code: ErrorCode = ErrorCode.INVALID_INPUT
    ) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.error_code = code
        super().__init__(f"{field}: got {value!r}; {allowed}")

    @property
    def problems(self) -> tuple[InputError, ...]:
        """Each problem on its own: this one error here, every error of a file in
        `InputErrors`."""
        return (self,)


class InputErrors(InputError):
    """Every problem of one input at once (a scenario with three errors shows three), so a
    user fixes a file in one pass; its field, value and allowed are the first problem's."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        if not errors:
            raise ValueError("InputErrors needs at least one error")
        self.errors = tuple(problem for error in errors for problem in error.problems)
        first = self.errors[0]
        super().__init__(first.field, first.value, first.allowed, first.error_code)

    @property
    def problems(self) -> tuple[InputError, ...]:
        return self.errors

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


def problems_of(check: Callable[[], object]) -> tuple[InputError, ...]:
    """The problems `check` refuses its input with (none if it passes)."""
    try:
        check()
    except InputError as error:
        return error.problems
    return ()


def raise_all(problems: Sequence[InputError]) -> None:
    """Raise every problem found at once: nothing if there is none, one as itself, several as
    `InputErrors` (the first is the one a one-line answer names)."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InputErrors(problems)


def check_all(*checks: Callable[[], object]) -> None:
    """Run every check, then refuse with all their problems together, so an input with several
    mistakes learns all of them in one answer."""
    raise_all([problem for check in checks for problem in problems_of(check)])
