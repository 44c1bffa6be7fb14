"""Choose the Celery broker for `manage.py runstack` and the test suite.

Order: REDIS_URL / CELERY_BROKER_URL if given; a Redis answering on 127.0.0.1:6379; a
`redis-server` started by us (on a spare port, data in memory only); otherwise kombu's filesystem
transport, an embedded broker that still gives a separate, real worker process on one machine.
"""

import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path

log = logging.getLogger("fashionsite.broker")


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def choose_broker(
    configured: str | None,
    var_dir: Path,
    redis_db: int = 0,
    *,
    usual_port: int = 6379,
    redis_server: str | None = "",
) -> tuple[str, str, subprocess.Popen | None]:
    """Return (broker_url, description, process_we_started_or_None).

    redis_server: path of the binary to start; "" means look it up on PATH, None means never start one.
    """
    if configured:
        return configured, "configured by REDIS_URL/CELERY_BROKER_URL", None
    if _answers("127.0.0.1", usual_port):
        return f"redis://127.0.0.1:{usual_port}/{redis_db}", f"Redis already running on 127.0.0.1:{usual_port}", None
    if redis_server == "":
        redis_server = shutil.which("redis-server")
    if redis_server:
        port = _free_port()
        proc = subprocess.Popen(
            [redis_server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if _answers("127.0.0.1", port):
                return f"redis://127.0.0.1:{port}/{redis_db}", f"started redis-server on 127.0.0.1:{port}", proc
            time.sleep(0.1)
        proc.terminate()
    folder = var_dir / "broker"
    log.warning("no Redis found: using the embedded filesystem broker in %s", folder)
    return "filesystem://", f"embedded filesystem broker in {folder} (no Redis found)", None


def filesystem_transport_options(var_dir: Path) -> dict:
    """Kombu's filesystem transport: messages are files in one folder shared by every process."""
    folder = var_dir / "broker"
    for sub in ("in", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "control_folder": str(folder / "control"),
        "data_folder_in": str(folder / "in"),
        "data_folder_out": str(folder / "in"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
    }
