"""The run command's broker choice: configured, running Redis, a Redis we start, or the embedded broker."""

import shutil

import pytest
import redis

from fashionsite.broker import _free_port, choose_broker
from tests.conftest import demo_photo, wait_for_jobs


def test_a_configured_url_wins(tmp_path):
    assert choose_broker("redis://example:6380/2", tmp_path)[0] == "redis://example:6380/2"


def test_with_no_redis_anywhere_it_falls_back_to_the_embedded_broker(tmp_path):
    url, how, proc = choose_broker(None, tmp_path, usual_port=_free_port(), redis_server=None)
    assert url == "filesystem://" and proc is None and "embedded" in how


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")
def test_with_no_redis_running_it_starts_redis_server(tmp_path):
    url, how, proc = choose_broker(None, tmp_path, usual_port=_free_port())
    try:
        assert proc is not None and "started redis-server" in how
        assert redis.Redis.from_url(url).ping()
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_the_embedded_filesystem_broker_feeds_a_real_worker(start_worker, users, settings):
    """The fallback when no Redis exists: a separate worker process still gets the job."""
    from celery import Celery

    from closet import services
    from closet.models import Garment
    from fashionsite.broker import filesystem_transport_options

    worker = start_worker(CELERY_BROKER_URL="filesystem://")
    try:
        path = demo_photo("dress")
        job = services.photo_upload(owner=users["shopper"], name=path.name, data=path.read_bytes(), enqueue=False)
        sender = Celery(
            broker="filesystem://",
            broker_transport_options=filesystem_transport_options(settings.VAR_DIR),
            set_as_current=False,
        )
        sender.send_task("closet.tasks.ingest_photo_task", args=[job.id], queue="gpu")
        done = wait_for_jobs([job.id])[job.id]
    finally:
        worker.stop()
    assert done.status == "done" and Garment.objects.get(photo_id=done.photo_id).category == "dress"
