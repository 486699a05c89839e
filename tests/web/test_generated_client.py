"""The portal's API client (web/src/client) is generated from the service's OpenAPI document and
is never stale: regenerate it from the app as it is now and compare, file by file.

After changing a route or a schema: `npm run gen-client` in web/ (with the venv on PATH).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from reclaim.service.openapi import openapi_text

WEB = Path(__file__).parents[2] / "web"
COMMITTED = WEB / "src" / "client"


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_the_committed_client_matches_the_apps_openapi_document(tmp_path: Path) -> None:
    document = tmp_path / "openapi.json"
    document.write_text(openapi_text(), "utf-8")
    fresh = tmp_path / "client"
    environment = {
        **os.environ,
        "RECLAIM_OPENAPI": str(document),
        "RECLAIM_CLIENT_OUT": str(fresh),
    }
    subprocess.run(
        ["npx", "--no-install", "openapi-ts"],
        cwd=WEB,
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    committed, regenerated = files_under(COMMITTED), files_under(fresh)
    assert sorted(committed) == sorted(regenerated), "files added or removed: npm run gen-client"
    stale = [name for name in committed if committed[name] != regenerated[name]]
    assert stale == [], f"stale generated client files {stale}: run `npm run gen-client` in web/"
