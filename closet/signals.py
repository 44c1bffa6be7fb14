"""Worker start-up: torch threads per process, models loaded before the pool forks, stale jobs requeued."""

import logging

from celery.signals import worker_init, worker_process_init, worker_ready

log = logging.getLogger(__name__)


@worker_init.connect
def load_models_before_fork(**kwargs):
    from closet import inference

    inference.configure_torch()
    inference.category_model()  # load weights once in the parent; children share them copy-on-write
    inference.two_tails()  # the product-feature tail beside it
    inference.two_tails_frozen()  # both, traced and frozen once (about 2 s), shared by the children
    inference.style_bridge()
    inference.attributes_model()
    inference.segment_model()  # the learned cut-out (None where its weights are not shipped)


@worker_process_init.connect
def configure_child(**kwargs):
    from closet import inference

    inference.configure_torch()


@worker_ready.connect
def requeue_stale_jobs(**kwargs):
    from closet.services import jobs_requeue_stale

    n = jobs_requeue_stale()
    if n:
        log.warning("requeued %d stale ingest job(s)", n)
