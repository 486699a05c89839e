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
