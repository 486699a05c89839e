"""The one body of every refusal: `error`, `code`, `field`, `value` (a short excerpt), `reason`.

`code` is a member of `reclaim.errors.ErrorCode`, the one list of stable machine codes that
clients and the web portal translate; `error` is the broad kind (not_found, conflict, …).

Whatever was sent comes back cut to an excerpt, so an error never echoes a megabyte of input,
and never more of a file or a record than the caller sent.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import JSONResponse

from reclaim.errors import ErrorCode

EXCERPT_CHARS = 80
"""The longest value an error body repeats; longer values are cut and end with `…`."""
EXCERPT_DEPTH = 3
"""Nesting shown of an object or array value; deeper parts are written `…`."""
EXCERPT_ITEMS = 8
"""Items shown of an object or array value."""


def excerpt(value: Any) -> Any:
    """`value` as an error may repeat it: scalars as they are, anything long as a cut text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value.bit_length() <= 63:
            return value
        return f"an integer of about {math.ceil(value.bit_length() * math.log10(2))} digits"
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict | list | tuple):
        text = _preview(value, EXCERPT_DEPTH)
    else:
        text = str(value)  # a decimal, a date: their own text
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _preview(value: Any, depth: int) -> str:
    """Compact JSON-like text of `value`, bounded in depth and items (never the whole input)."""
    if isinstance(value, dict):
        if depth == 0:
            return "{…}"
        items = [
            f"{json.dumps(str(k), ensure_ascii=False)}: {_preview(v, depth - 1)}"
            for k, v in list(value.items())[:EXCERPT_ITEMS]
        ]
        more = ", …" if len(value) > EXCERPT_ITEMS else ""
        return "{" + ", ".join(items) + more + "}"
    if isinstance(value, list | tuple):
        if depth == 0:
            return "[…]"
        shown = [_preview(v, depth - 1) for v in list(value)[:EXCERPT_ITEMS]]
        more = ", …" if len(value) > EXCERPT_ITEMS else ""
        return "[" + ", ".join(shown) + more + "]"
    if isinstance(value, str):
        return json.dumps(value[:EXCERPT_CHARS], ensure_ascii=False)
    shown = excerpt(value)
    return shown if isinstance(shown, str) else json.dumps(shown)


def refusal(
    status: int,
    error: str,
    field: str,
    value: Any,
    reason: str,
    *,
    code: ErrorCode,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A refusal response; `value` is cut to an excerpt."""
    body = {
        "error": error,
        "code": code.value,
        "field": field,
        "value": excerpt(value),
        "reason": reason,
        **extra,
    }
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
    return JSONResponse(body, status_code=status, headers=headers)
