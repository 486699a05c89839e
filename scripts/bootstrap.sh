# Sourced by scripts/demo and scripts/test: makes .venv and installs reclaim with its dev tools.
# Idempotent: a second run only checks that everything is there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${RECLAIM_VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
"$VENV/bin/python" -m pip install -q -e "$ROOT[dev]"
export PATH="$VENV/bin:$PATH"
# The browser tests (tests/web) drive Debian's chromium through Playwright's bundled driver;
# Playwright never downloads a browser of its own.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) \
      || echo "bootstrap: could not install chromium; tests/web will fail" >&2
  else
    echo "bootstrap: chromium missing; as root run: apt-get install -y chromium" >&2
  fi
fi
# The zh plan report draws its chart text in Chinese and the portal's screenshots show Chinese:
# both need a CJK font, Debian's fonts-noto-cjk (the report finds it even when matplotlib's font
# cache predates it).
if command -v apt-get >/dev/null 2>&1 && ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk) \
      || echo "bootstrap: could not install fonts-noto-cjk; zh charts will be in English" >&2
  else
    echo "bootstrap: fonts-noto-cjk missing; as root run: apt-get install -y fonts-noto-cjk" >&2
  fi
fi
# The web portal (web/): front-end packages pinned by web/package-lock.json, built into
# src/reclaim/service/static/portal, which `reclaim serve` serves at / (no CDN, works offline).
if command -v npm >/dev/null 2>&1; then
  if ! cmp -s "$ROOT/web/package-lock.json" "$ROOT/web/node_modules/.reclaim-installed-lock"; then
    (cd "$ROOT/web" && npm ci --no-audit --no-fund --loglevel=error \
      && cp package-lock.json node_modules/.reclaim-installed-lock)
  fi
  (cd "$ROOT/web" && npm run --silent build >/dev/null)
else
  echo "bootstrap: npm missing (install Node.js 20+); the portal at / will not be built" >&2
fi
