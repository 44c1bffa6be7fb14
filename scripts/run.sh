#!/usr/bin/env bash
# Install everything, then run the app: web server, a Celery worker, embedded Postgres, a broker, demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python manage.py runstack "$@"
