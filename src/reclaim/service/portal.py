"""The web portal: the Vue app built from `web/` into `static/portal/` by the project's install
step (`scripts/bootstrap.sh`: `npm ci && npm run build`), served at `/` with its assets under
`/portal/`. Its pages call the same HTTP API as any other client; nothing here is a back door.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import FileResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from reclaim.errors import ErrorCode
from reclaim.service.refusal import refusal

PORTAL_DIR = Path(__file__).parent / "static" / "portal"
PORTAL_URL = "/portal"
NOT_BUILT_REASON = (
    "the portal is not built on this installation; run `npm ci && npm run build` in web/ "
    "(bash scripts/bootstrap.sh does it)"
)


def add_portal(app: FastAPI, portal_dir: Path = PORTAL_DIR) -> None:
    """Serve the built portal at `/` and its assets under `/portal/`; without a build, `/`
    answers 503 saying how to build it (the API works either way)."""
    built = (portal_dir / "index.html").is_file()
    assets: ASGIApp = StaticFiles(directory=portal_dir) if built else _no_portal_assets
    app.mount(PORTAL_URL, assets, name="portal")

    @app.get("/", include_in_schema=False)
    def portal_index() -> Response:
        """The portal's single page (its own routes live after `#`, apart from the API's)."""
        if not built:
            return refusal(
                503,
                "portal not built",
                "portal",
                None,
                NOT_BUILT_REASON,
                code=ErrorCode.PORTAL_NOT_BUILT,
            )
        return FileResponse(portal_dir / "index.html", headers={"Cache-Control": "no-cache"})


async def _no_portal_assets(scope: Scope, receive: Receive, send: Send) -> None:
    """Every asset of a portal that is not built: 404, saying how to build it."""
    response = refusal(
        404,
        "not found",
        "path",
        scope.get("path"),
        NOT_BUILT_REASON,
        code=ErrorCode.PORTAL_NOT_BUILT,
    )
    await response(scope, receive, send)
