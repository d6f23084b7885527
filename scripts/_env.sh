# Shared by quickstart.sh and test.sh: make .venv with Python >= 3.11 and install the
# core (with its postgres and columnar extras), every plugin and every adapter in editable
# mode (plus the dev tools).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  echo "medins-sdk needs Python >= 3.11 (set PYTHON=/path/to/python3.11)" >&2
  exit 2
}

VENV="${MEDINS_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  "$(pick_python)" -m venv "$VENV"
fi
PY="$VENV/bin/python"

distributions=(-e ".[dev,postgres,columnar]")
for dir in plugins/*/ adapters/*/; do
  [ -f "$dir/pyproject.toml" ] && distributions+=(-e "$dir")
done
"$PY" -m pip install --quiet --disable-pip-version-check "${distributions[@]}"
export PATH="$PWD/$VENV/bin:$PATH"
