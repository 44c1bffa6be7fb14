"""Worker start-up: the garment detector loads once, before the pool forks, when its weights are installed."""

import logging

from celery.signals import worker_init

log = logging.getLogger(__name__)


@worker_init.connect
def load_detector_before_fork(**kwargs):
    from wearlog import inference

    try:
        inference.detector()
    except inference.DetectorMissing as exc:
        log.warning("outfit photos will fail until the detector is installed: %s", exc)
