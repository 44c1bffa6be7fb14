"""A worker killed mid-job: the photo is not lost and is processed exactly once."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from closet.models import Garment, IngestJob
from tests.conftest import demo_photo, wait_for_jobs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def wait_until_paused(job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while IngestJob.objects.get(id=job_id).stage != "paused-for-test":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.1)


def upload_one(client):
    path = demo_photo("shoes")
    res = client.post("/api/photos/", {"files": [SimpleUploadedFile(path.name, path.read_bytes())]}, format="multipart")
    return res.json()["results"][0]["job_id"]


def test_a_job_whose_worker_child_is_killed_completes_exactly_once(start_worker, users, api_for):
    worker = start_worker(FASHIONSITE_TEST_PAUSE_FIRST_ATTEMPT="30")
    try:
        job_id = upload_one(api_for(users["shopper"]))
        wait_until_paused(job_id)
        [child] = worker.children()
        child.kill()  # SIGKILL the process running the task, mid-job
        job = wait_for_jobs([job_id])[job_id]
    finally:
        worker.stop()
    assert job.status == "done"
    assert job.attempts == 2  # the killed attempt, then one more
    assert Garment.objects.filter(photo_id=job.photo_id).count() == 1
    assert Garment.objects.get(photo_id=job.photo_id).category == "shoes"


def test_a_job_whose_whole_worker_dies_is_finished_by_the_next_worker(start_worker, users, api_for):
    first = start_worker(FASHIONSITE_TEST_PAUSE_FIRST_ATTEMPT="30")
    job_id = upload_one(api_for(users["shopper"]))
    wait_until_paused(job_id)
    first.kill_hard()  # SIGKILL the worker and its children: nothing acks or requeues the message
    assert IngestJob.objects.get(id=job_id).status == "running"
    second = start_worker()  # on start it retakes jobs held by dead workers on this host
    try:
        job = wait_for_jobs([job_id])[job_id]
    finally:
        second.stop()
    assert job.status == "done" and job.attempts == 2
    assert Garment.objects.filter(photo_id=job.photo_id).count() == 1
