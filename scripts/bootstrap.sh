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
