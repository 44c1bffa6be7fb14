import os
import sys

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fashionsite.settings")

app = Celery("fashionsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def worker_argv(*, concurrency: int, name: str, queues: str = "default,gpu", extra: tuple[str, ...] = ()) -> list[str]:
    """The command line of a worker process for this app (used by runstack and the tests)."""
    return [sys.executable, "-m", "celery", "-A", "fashionsite", "worker", "-Q", queues,
            "--concurrency", str(concurrency), "--loglevel", "INFO", "-n", name, *extra]  # fmt: skip
