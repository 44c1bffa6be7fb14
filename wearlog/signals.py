"""Worker start-up: the garment detector loads once before the pool forks; lost outfit-photo jobs are re-sent."""

import logging

from celery.signals import worker_init, worker_ready

log = logging.getLogger(__name__)


@worker_init.connect
def load_detector_before_fork(**kwargs):
    from wearlog import inference

    try:
        inference.detector()
    except inference.DetectorMissing as exc:
        log.warning("outfit photos will fail until the detector is installed: %s", exc)


@worker_ready.connect
def requeue_stale_outfit_photos(**kwargs):
    from wearlog.services import outfit_photos_requeue_stale

    n = outfit_photos_requeue_stale()
    if n:
        log.warning("requeued %d stale outfit photo job(s)", n)
