"""The service's OpenAPI document, written without a database or a server: the portal's API
client (web/src/client) is generated from it (`npm run gen-client` in web/), never by hand.

    python -m reclaim.service.openapi > web/openapi.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

from sqlalchemy import create_engine

from reclaim.io.market_data import load_exchange_rules, load_price_schedules
from reclaim.service.app import create_app
from reclaim.service.context import ExchangeContext
from reclaim.store.db import Database


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the app as `reclaim serve` builds it (over a throwaway in-memory
    database that no route touches)."""
    database = Database(create_engine("sqlite://"))
    try:
        context = ExchangeContext(database, load_exchange_rules(), load_price_schedules())
        return create_app(context).openapi()
    finally:
        database.engine.dispose()


def openapi_text() -> str:
    """The document as the client generator reads it (keys sorted, so the output is stable)."""
    return json.dumps(openapi_document(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(openapi_text())
