"""The embedded Postgres 16 + pgvector used when DATABASE_URL is unset.

pgserver starts one server per data folder and lets several processes (web, worker, test runner)
share it; each registers its pid in ``<datadir>/.handle_pids.json`` and the last to exit stops it.
Two gaps are closed here:

- a process killed without running its exit handlers leaves its pid behind, and the server would
  never stop: dead and zombie pids are pruned before attaching;
- if the last user is killed that way, nobody is left to stop the server: a small watchdog process,
  started with the server, stops it once no registered process is alive.
"""

import json
import logging
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

logging.getLogger("pgserver").setLevel(logging.WARNING)
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

PIDS_FILE = ".handle_pids.json"


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _live_pids(datadir: Path) -> list[int]:
    path = datadir / PIDS_FILE
    try:
        pids = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [pid for pid in pids if _alive(pid)]


def _prune_dead_pids(datadir: Path) -> None:
    path = datadir / PIDS_FILE
    if path.exists():
        path.write_text(json.dumps(_live_pids(datadir)))


def _system_user() -> str | None:
    return "pgserver" if os.geteuid() == 0 else None


def _stop_server(datadir: Path) -> None:
    from pgserver._commands import pg_ctl

    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=datadir, user=_system_user())
    except subprocess.CalledProcessError:
        pass  # already stopped


def _ensure_database(server, name: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def start(datadir: Path, database: str) -> dict:
    """Start or attach to the embedded server; return Django connection settings for it."""
    import pgserver
    from pgserver.postgres_server import PostgresServer
    from pgserver.utils import PostmasterInfo

    datadir = datadir.resolve()
    datadir.parent.mkdir(parents=True, exist_ok=True)
    with PostgresServer._lock:
        if datadir.exists():
            _prune_dead_pids(datadir)
        info = PostmasterInfo.read_from_pgdata(datadir) if datadir.exists() else None
        was_running = info is not None and info.is_running()
    server = pgserver.get_server(datadir, cleanup_mode="stop")
    if not was_running:
        subprocess.Popen(
            [sys.executable, "-m", "fashionsite.embedded_pg", "watch", str(datadir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd=str(Path(__file__).resolve().parent.parent),
        )
    _ensure_database(server, database)
    socket_dir = server.get_postmaster_info().socket_dir
    return {"ENGINE": "django.db.backends.postgresql", "NAME": database, "USER": "postgres", "HOST": str(socket_dir)}


def watch(datadir: Path, interval: float = 2.0) -> None:
    """Stop the server once no registered process is alive (covers users killed with SIGKILL)."""
    from pgserver.postgres_server import PostgresServer
    from pgserver.utils import PostmasterInfo

    while True:  # the starting process registered its pid before spawning us
        info = PostmasterInfo.read_from_pgdata(datadir)
        if info is None or not info.is_running():
            return
        with PostgresServer._lock:
            if not _live_pids(datadir):
                _prune_dead_pids(datadir)
                _stop_server(datadir)
                return
        time.sleep(interval)


def stop(datadir: Path) -> None:
    """Stop the server now, whoever is attached (used by `manage.py pgserver stop`)."""
    from pgserver.postgres_server import PostgresServer

    with PostgresServer._lock:
        _stop_server(datadir.resolve())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "watch":
        watch(Path(sys.argv[2]))
    else:
        sys.exit("usage: python -m fashionsite.embedded_pg watch DATADIR")
