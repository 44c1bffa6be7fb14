"""Standing fixtures: three users, API clients, a private media folder, a real broker and worker."""

import fcntl
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from fashionsite.celery import worker_argv

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "closet" / "demo_photos"


def _test_slot() -> tuple[int, object]:
    """A slot of its own for this pytest run, so runs on one machine never share a test database or broker db.

    The first free of eight lock files; slot 0 (a lone run, as in CI) keeps the plain names. The lock is held by
    the open file until the process exits.
    """
    for slot in range(8):
        handle = open(f"/tmp/fashionsite-test-slot-{slot}.lock", "w")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return slot, handle
    raise RuntimeError("eight test runs at once on this machine")


TEST_SLOT, _slot_lock = _test_slot()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Slot n > 0 tests on test_<name>_slot<n>."""
    if TEST_SLOT:
        from django.conf import settings

        for db in settings.DATABASES.values():
            db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_slot{TEST_SLOT}"


def demo_photo(prefix: str, n: int = 0) -> Path:
    return sorted(DEMO.glob(f"{prefix}-*.jpg"))[n]


@pytest.fixture(scope="session", autouse=True)
def private_media_root(tmp_path_factory):
    from django.conf import settings

    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture
def media_files(private_media_root):
    """Files stored under MEDIA_ROOT since the test began, as relative paths."""

    def all_files():
        return {str(p.relative_to(private_media_root)) for p in Path(private_media_root).rglob("*") if p.is_file()}

    before = all_files()
    return lambda: sorted(all_files() - before)


@pytest.fixture(scope="session")
def broker_url():
    """A real broker for the worker tests: Redis db 15 minus the slot (flushed), so a dev worker never sees test jobs."""
    from django.conf import settings

    from fashionsite.broker import choose_broker
    from fashionsite.celery import app

    spool = Path(settings.VAR_DIR) / f"test{TEST_SLOT or ''}"
    url, how, proc = choose_broker(os.environ.get("TEST_BROKER_URL"), spool, redis_db=15 - TEST_SLOT)
    if url.startswith("redis://"):
        import redis

        redis.Redis.from_url(url).flushdb()
    app.conf.broker_url = url
    if url.startswith("filesystem://"):
        from fashionsite.broker import filesystem_transport_options

        app.conf.broker_transport_options = filesystem_transport_options(spool)
    yield url
    if proc:
        proc.terminate()


@pytest.fixture
def users(db):
    from accounts.models import User

    def make(name, role):
        return User.objects.create_user(
            username=name, email=f"{name}@example.com", password="pw-" + name * 2, role=role
        )

    return {
        "shopper": make("shopper", User.Role.SHOPPER),
        "stylist": make("stylist", User.Role.STYLIST),
        "stranger": make("stranger", User.Role.SHOPPER),
    }


@pytest.fixture
def api_for():
    from rest_framework.test import APIClient

    from accounts.services import user_token

    def client(user):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Token {user_token(user=user)}")
        return c

    return client


class WorkerProcess:
    """A real `celery worker` process on the test database, media folder and broker."""

    def __init__(self, env: dict, log_path: Path):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            worker_argv(
                concurrency=1,
                name=f"test-{time.time_ns()}@%h",
                extra=("--pool", "prefork", "--without-heartbeat", "--without-gossip", "--without-mingle"),
            ),
            env=env,
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while b" ready." not in log_path.read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)

    def children(self):
        import psutil

        return psutil.Process(self.proc.pid).children(recursive=True)

    def kill_hard(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill_hard()
        self.log.close()


@pytest.fixture(scope="session")
def start_worker(django_db_setup, django_db_blocker, broker_url, private_media_root, tmp_path_factory):
    from django.db import connection

    started = []

    def start(**extra_env):
        env = {
            **os.environ,
            "DATABASE_NAME": connection.settings_dict["NAME"],
            "MEDIA_ROOT": str(private_media_root),
            "CELERY_BROKER_URL": broker_url,
            "TORCH_NUM_THREADS": "1",
            **extra_env,
        }
        worker = WorkerProcess(env, tmp_path_factory.mktemp("worker") / "worker.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture(scope="module")
def worker(start_worker):
    """One worker per test module, stopped after it, so no other worker steals a module's jobs."""
    w = start_worker()
    yield w
    w.stop()


def wait_for_jobs(job_ids, timeout=120):
    from closet.models import IngestJob

    deadline = time.monotonic() + timeout
    while True:
        jobs = list(IngestJob.objects.filter(id__in=job_ids))
        if jobs and all(j.status in ("done", "failed") for j in jobs) and len(jobs) == len(job_ids):
            return {j.id: j for j in jobs}
        if time.monotonic() > deadline:
            raise AssertionError(f"jobs not finished: {[(j.id, j.status, j.stage) for j in jobs]}")
        time.sleep(0.3)


@pytest.fixture(scope="session")
def chromium_path():
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(path):
        pytest.fail(
            f"Chromium not found at {path}: run scripts/test.sh, which installs it (apt-get install -y chromium)"
        )
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(chromium_path):
    return {
        "executable_path": chromium_path,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def make_garment(db):
    """A garment made by the real pipeline, in this process (no worker)."""
    from closet import services

    def make(owner, prefix="pants", n=0):
        path = demo_photo(prefix, n)
        job = services.photo_upload(owner=owner, name=path.name, data=path.read_bytes(), enqueue=False)
        job = services.job_run(job_id=job.id)
        assert job.status == "done", job.error
        return job.photo.garments.get()

    return make


def wait_for(fetch, timeout=60):
    """Poll until fetch() returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while not (value := fetch()):
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.3)
    return value
